"""Reductions over an axis the tensor does not have (counted from either end), or over the
same axis twice: every reduction, as method and function, with and without keepdims."""

# rules: reduce

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

x: Tensor[L[2], L[3], L[4], NoneTape] = dx.randn(2, 3, 4)
t = x.trace()

# an axis out of range
s1 = x.sum(axis=3)  # E: mypy[dfdx-shape "sum: axis 3 is out of range for Tensor[2, 3, 4]"]
s2 = x.sum(axis=-4)  # E: mypy[dfdx-shape "sum: axis -4 is out of range for Tensor[2, 3, 4]"]
s3 = x.sum(axis=(0, 1, 2, 3))  # E: mypy[dfdx-shape "sum: axis 3 is out of range for "
#     "Tensor[2, 3, 4]"]
s4 = dx.sum(x, 5)  # E: mypy[dfdx-shape "sum: axis 5 is out of range for Tensor[2, 3, 4]"]
e1 = x.mean(axis=3)  # E: mypy[dfdx-shape "mean: axis 3 is out of range for Tensor[2, 3, 4]"]
e2 = t.mean(axis=-4, keepdims=True)  # E: mypy[dfdx-shape "mean: axis -4 is out of range for "
#     "Tensor[2, 3, 4]"]
e3 = dx.mean(x, axis=(0, -5))  # E: mypy[dfdx-shape "mean: axis -5 is out of range for "
#     "Tensor[2, 3, 4]"]
a1 = x.max(axis=3)  # E: mypy[dfdx-shape "max: axis 3 is out of range for Tensor[2, 3, 4]"]
a2 = dx.max(x, -4, True)  # E: mypy[dfdx-shape "max: axis -4 is out of range for Tensor[2, 3, 4]"]
i1 = x.min(axis=10)  # E: mypy[dfdx-shape "min: axis 10 is out of range for Tensor[2, 3, 4]"]
i2 = dx.min(t, axis=-7)  # E: mypy[dfdx-shape "min: axis -7 is out of range for Tensor[2, 3, 4]"]
v1 = x.var(axis=3, correction=0)  # E: mypy[dfdx-shape "var: axis 3 is out of range for "
#     "Tensor[2, 3, 4]"]
v2 = dx.var(x, axis=-4)  # E: mypy[dfdx-shape "var: axis -4 is out of range for Tensor[2, 3, 4]"]
l1 = x.logsumexp(axis=3)  # E: mypy[dfdx-shape "logsumexp: axis 3 is out of range for "
#     "Tensor[2, 3, 4]"]
l2 = dx.logsumexp(x, axis=(-4,))  # E: mypy[dfdx-shape "logsumexp: axis -4 is out of range for "
#     "Tensor[2, 3, 4]"]
z1 = dx.tensor(1.0).sum(axis=0)  # E: mypy[dfdx-shape "sum: axis 0 is out of range for Tensor[()]"]

# the same axis twice
s5 = x.sum(axis=(0, 0))  # E: mypy[dfdx-shape "sum: axis (0, 0) names an axis twice for "
#     "Tensor[2, 3, 4]"]
e4 = x.mean(axis=(1, -2))  # E: mypy[dfdx-shape "mean: axis (1, -2) names an axis twice for "
#     "Tensor[2, 3, 4]"]
a3 = dx.max(x, axis=(2, 0, -1))  # E: mypy[dfdx-shape "max: axis (2, 0, -1) names an axis twice "
#     "for Tensor[2, 3, 4]"]
i3 = x.min(axis=(-3, 0), keepdims=True)  # E: mypy[dfdx-shape "min: axis (-3, 0) names an axis "
#     "twice for Tensor[2, 3, 4]"]
v3 = dx.var(t, axis=(1, 1))  # E: mypy[dfdx-shape "var: axis (1, 1) names an axis twice for "
#     "Tensor[2, 3, 4]"]
l3 = x.logsumexp(axis=(0, 2, 2))  # E: mypy[dfdx-shape "logsumexp: axis (0, 2, 2) names an axis "
#     "twice for Tensor[2, 3, 4]"]
