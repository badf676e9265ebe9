"""matmul: exact result types for literal shapes, with and without batch axes, in every form
(operator, method, function), and the tape of the result."""

from typing import Literal as L
from typing import assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

a: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
b: Tensor[L[4], L[5], NoneTape] = dx.randn(4, 5)
c: Tensor[L[5], L[2], NoneTape] = dx.randn(5, 2)
batch: Tensor[L[7], L[3], L[4], NoneTape] = dx.randn(7, 3, 4)
deep: Tensor[L[2], L[7], L[3], L[4], NoneTape] = dx.randn(2, 7, 3, 4)
v: Tensor[L[4], NoneTape] = dx.randn(4)

# 2-d @ 2-d
assert_type(a @ b, Tensor[L[3], L[5], NoneTape])
assert_type(a.matmul(b), Tensor[L[3], L[5], NoneTape])
assert_type(dx.matmul(a, b), Tensor[L[3], L[5], NoneTape])

# batch axes on the left operand are kept
assert_type(batch @ b, Tensor[L[7], L[3], L[5], NoneTape])
assert_type(deep @ b, Tensor[L[2], L[7], L[3], L[5], NoneTape])
assert_type(dx.matmul(batch, b), Tensor[L[7], L[3], L[5], NoneTape])

# a vector times a matrix
assert_type(v @ b, Tensor[L[5], NoneTape])

# chains
assert_type(a @ b @ c, Tensor[L[3], L[2], NoneTape])
assert_type((a @ b).relu() @ c, Tensor[L[3], L[2], NoneTape])
assert_type((batch @ b).tanh() @ c, Tensor[L[7], L[3], L[2], NoneTape])

# the tape: traced on either side (or both) gives OwnedTape
assert_type(a.trace() @ b, Tensor[L[3], L[5], OwnedTape])
assert_type(a @ b.trace(), Tensor[L[3], L[5], OwnedTape])
assert_type(a.trace() @ b.trace(), Tensor[L[3], L[5], OwnedTape])
assert_type(batch.trace() @ b, Tensor[L[7], L[3], L[5], OwnedTape])
assert_type(batch @ b.trace(), Tensor[L[7], L[3], L[5], OwnedTape])
assert_type(dx.matmul(a, b.trace()), Tensor[L[3], L[5], OwnedTape])
assert_type(a.trace().matmul(b), Tensor[L[3], L[5], OwnedTape])

# a declared variable takes the result
r: Tensor[L[7], L[3], L[5], OwnedTape] = batch.trace() @ b

# and the run time agrees with the types
assert (a @ b).shape == (3, 5)
assert r.shape == (7, 3, 5)
assert (deep @ b).shape == (2, 7, 3, 5)
assert (v @ b).shape == (5,)
assert r.is_traced and not (a @ b).is_traced
