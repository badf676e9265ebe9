"""``x.T`` on a tensor that is not 2-d (PyTorch deprecates it there; dfdx raises), and a
``swapaxes`` past the last axis: reported where written, with the runtime's messages
(tests/test_ops_movement.py)."""

# rules: movement

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

v: Tensor[L[3], NoneTape] = dx.zeros(3)
x: Tensor[L[2], L[3], L[4], NoneTape] = dx.zeros(2, 3, 4)

a = v.T  # E: mypy[dfdx-shape "T: expected a 2-d tensor, got Tensor[3]; use .mT to swap the last "
#                            "two axes or .permute(...) to reverse them"]
b = x.T  # E: mypy[dfdx-shape "T: expected a 2-d tensor, got Tensor[2, 3, 4]; use .mT to swap the "
#                            "last two axes or .permute(...) to reverse them"]
c = x.swapaxes(0, 3)  # E: mypy[dfdx-shape "transpose: axis 3 is out of range for Tensor[2, 3, 4]"]
