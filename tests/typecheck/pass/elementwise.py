"""Same-shape elementwise ops, with numbers on either side, in every form: the shape is kept."""

from typing import Literal as L
from typing import assert_type

import dfdx as dx
from dfdx import NoneTape, Tensor

a: Tensor[L[3], L[4], NoneTape] = dx.rand(3, 4) + 1.0
b: Tensor[L[3], L[4], NoneTape] = dx.rand(3, 4) + 1.0
s: Tensor[NoneTape] = dx.randn()

# operators
assert_type(a + b, Tensor[L[3], L[4], NoneTape])
assert_type(a - b, Tensor[L[3], L[4], NoneTape])
assert_type(a * b, Tensor[L[3], L[4], NoneTape])
assert_type(a / b, Tensor[L[3], L[4], NoneTape])

# methods and functions
assert_type(a.add(b), Tensor[L[3], L[4], NoneTape])
assert_type(a.sub(b), Tensor[L[3], L[4], NoneTape])
assert_type(a.mul(b), Tensor[L[3], L[4], NoneTape])
assert_type(a.div(b), Tensor[L[3], L[4], NoneTape])
assert_type(a.maximum(b), Tensor[L[3], L[4], NoneTape])
assert_type(a.minimum(b), Tensor[L[3], L[4], NoneTape])
assert_type(dx.add(a, b), Tensor[L[3], L[4], NoneTape])
assert_type(dx.sub(a, b), Tensor[L[3], L[4], NoneTape])
assert_type(dx.mul(a, b), Tensor[L[3], L[4], NoneTape])
assert_type(dx.div(a, b), Tensor[L[3], L[4], NoneTape])
assert_type(dx.maximum(a, b), Tensor[L[3], L[4], NoneTape])
assert_type(dx.minimum(a, b), Tensor[L[3], L[4], NoneTape])

# a number on the right
assert_type(a + 1.0, Tensor[L[3], L[4], NoneTape])
assert_type(a - 1.0, Tensor[L[3], L[4], NoneTape])
assert_type(a * 2.0, Tensor[L[3], L[4], NoneTape])
assert_type(a / 2.0, Tensor[L[3], L[4], NoneTape])
assert_type(a + 1, Tensor[L[3], L[4], NoneTape])
assert_type(a.maximum(0.0), Tensor[L[3], L[4], NoneTape])
assert_type(dx.minimum(a, 1.0), Tensor[L[3], L[4], NoneTape])
assert_type(dx.mul(a, 3), Tensor[L[3], L[4], NoneTape])

# a number on the left
assert_type(1.0 + a, Tensor[L[3], L[4], NoneTape])
assert_type(1.0 - a, Tensor[L[3], L[4], NoneTape])
assert_type(2.0 * a, Tensor[L[3], L[4], NoneTape])
assert_type(2.0 / a, Tensor[L[3], L[4], NoneTape])
assert_type(2 * a, Tensor[L[3], L[4], NoneTape])
assert_type(1 - a, Tensor[L[3], L[4], NoneTape])

# 0-d tensors
assert_type(s + s, Tensor[NoneTape])
assert_type(s * 2.0, Tensor[NoneTape])

# expressions
y = (2.0 * a - b / 3.0 + 1.0) * (1.0 - a)
assert_type(y, Tensor[L[3], L[4], NoneTape])

# compound assignment keeps the declared type
acc: Tensor[L[3], L[4], NoneTape] = dx.zeros(3, 4)
for _ in range(3):
    acc = acc + a * 0.5
acc -= b
acc *= 2.0

# the run time agrees
assert y.shape == (3, 4)
assert acc.shape == (3, 4)
assert (1.0 - a).shape == (3, 4)
