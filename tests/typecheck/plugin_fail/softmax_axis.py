"""softmax and log_softmax along an axis the tensor does not have."""

# rules: reduce

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

x: Tensor[L[2], L[3], NoneTape] = dx.randn(2, 3)

p1 = x.softmax(axis=2)  # E: mypy[dfdx-shape "softmax: axis 2 is out of range for Tensor[2, 3]"]
p2 = x.softmax(axis=-3)  # E: mypy[dfdx-shape "softmax: axis -3 is out of range for Tensor[2, 3]"]
p3 = dx.softmax(x, 2)  # E: mypy[dfdx-shape "softmax: axis 2 is out of range for Tensor[2, 3]"]
p4 = dx.softmax(x.trace(), axis=-3)  # E: mypy[dfdx-shape "softmax: axis -3 is out of range for "
#     "Tensor[2, 3]"]
q1 = x.log_softmax(axis=2)  # E: mypy[dfdx-shape "log_softmax: axis 2 is out of range for "
#     "Tensor[2, 3]"]
q2 = x.trace().log_softmax(axis=-3)  # E: mypy[dfdx-shape "log_softmax: axis -3 is out of range "
#     "for Tensor[2, 3]"]
q3 = dx.log_softmax(x, axis=5)  # E: mypy[dfdx-shape "log_softmax: axis 5 is out of range for "
#     "Tensor[2, 3]"]
q4 = dx.log_softmax(dx.tensor(1.0))  # E: mypy[dfdx-shape "log_softmax: axis -1 is out of range "
#     "for Tensor[()]"]
