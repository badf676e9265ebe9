"""nn.ParameterList elements of the wrong size for what they scale, found through the list's
element type: a per-channel scale of the wrong length multiplied into features."""

# rules: binary

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor
from dfdx.nn import ParameterList

scales: ParameterList[Tensor[L[4], NoneTape]] = ParameterList([dx.ones(4), dx.ones(4)])
h = dx.randn(2, 5)
r1 = h * scales[0]  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[2, 5] and "
#     "Tensor[4] (axis -1: 5 != 4)"]
for s in scales:
    h = h + s  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[2, 5] and Tensor[4] "
    #     "(axis -1: 5 != 4)"]
