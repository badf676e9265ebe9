"""Reductions over one literal axis keep exact sizes in the plain signatures (pyright without
the plugin): ``axis=0`` to ``3``, ``-1`` and ``-2``, with and without ``keepdims=True``, for
ranks 1 to 4, as functions and methods. Other axes fall back to an unknown shape."""

from typing import Any, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

v: Tensor[L[5], NoneTape] = dx.zeros(5)
m: Tensor[L[3], L[4], NoneTape] = dx.zeros(3, 4)
x: Tensor[L[2], L[3], L[4], NoneTape] = dx.zeros(2, 3, 4)
y: Tensor[L[2], L[3], L[4], L[5], NoneTape] = dx.zeros(2, 3, 4, 5)
t = x.trace()

assert_type(v.sum(axis=0), Tensor[NoneTape])
assert_type(v.sum(axis=-1, keepdims=True), Tensor[L[1], NoneTape])
assert_type(m.sum(axis=0), Tensor[L[4], NoneTape])
assert_type(m.mean(axis=1), Tensor[L[3], NoneTape])
assert_type(m.max(axis=-1, keepdims=True), Tensor[L[3], L[1], NoneTape])
assert_type(m.min(axis=-2), Tensor[L[4], NoneTape])
assert_type(x.sum(axis=0), Tensor[L[3], L[4], NoneTape])
assert_type(x.sum(axis=1), Tensor[L[2], L[4], NoneTape])
assert_type(x.sum(axis=2), Tensor[L[2], L[3], NoneTape])
assert_type(x.sum(axis=1, keepdims=True), Tensor[L[2], L[1], L[4], NoneTape])
assert_type(x.var(axis=-2, keepdims=True), Tensor[L[2], L[1], L[4], NoneTape])
assert_type(x.var(axis=-1, correction=0), Tensor[L[2], L[3], NoneTape])
assert_type(dx.logsumexp(x, axis=-1), Tensor[L[2], L[3], NoneTape])
assert_type(dx.mean(t, axis=0, keepdims=True), Tensor[L[1], L[3], L[4], OwnedTape])
assert_type(y.sum(axis=3), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(y.max(axis=3, keepdims=True), Tensor[L[2], L[3], L[4], L[1], NoneTape])
assert_type(y.mean(axis=2), Tensor[L[2], L[3], L[5], NoneTape])
assert_type(dx.sum(y, axis=-2), Tensor[L[2], L[3], L[5], NoneTape])

# softmax's probabilities summed over the class axis: a vector of one size
p = dx.softmax(m, axis=-1).sum(axis=-1)
assert_type(p, Tensor[L[3], NoneTape])


# an axis that is not a literal: the fallback
def total(a: Tensor[L[2], L[3], L[4], NoneTape], axis: int) -> None:
    assert_type(a.sum(axis=axis), Any)


total(x, 1)
