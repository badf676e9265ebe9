"""Reductions with the plugin: the shape after reducing a literal ``axis`` (an int, negative,
a tuple, or None) with ``keepdims``, for sum, mean, max, min, var and logsumexp, as methods
and functions; softmax and log_softmax keep the shape."""

# rules: reduce

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x = dx.randn(2, 3, 4)
t = x.trace()

# one axis, counted from either end
assert_type(x.sum(axis=0), Tensor[L[3], L[4], NoneTape])
assert_type(x.sum(axis=1), Tensor[L[2], L[4], NoneTape])
assert_type(x.sum(axis=-1), Tensor[L[2], L[3], NoneTape])
assert_type(x.mean(axis=-3), Tensor[L[3], L[4], NoneTape])
assert_type(x.max(axis=2), Tensor[L[2], L[3], NoneTape])
assert_type(x.min(axis=-2), Tensor[L[2], L[4], NoneTape])
assert_type(x.var(axis=1), Tensor[L[2], L[4], NoneTape])
assert_type(x.var(axis=1, correction=0), Tensor[L[2], L[4], NoneTape])
assert_type(x.logsumexp(axis=-1), Tensor[L[2], L[3], NoneTape])

# a tuple of axes, in any order and sign
assert_type(x.sum(axis=(0, 2)), Tensor[L[3], NoneTape])
assert_type(x.mean(axis=(-1, 0)), Tensor[L[3], NoneTape])
assert_type(x.max(axis=(1,)), Tensor[L[2], L[4], NoneTape])
assert_type(x.logsumexp(axis=(0, 1, 2)), Tensor[NoneTape])
assert_type(x.sum(axis=()), Tensor[L[2], L[3], L[4], NoneTape])

# keepdims
assert_type(x.sum(axis=1, keepdims=True), Tensor[L[2], L[1], L[4], NoneTape])
assert_type(x.mean(axis=-1, keepdims=True), Tensor[L[2], L[3], L[1], NoneTape])
assert_type(x.var(axis=(0, 2), keepdims=True), Tensor[L[1], L[3], L[1], NoneTape])
assert_type(x.min(axis=0, keepdims=False), Tensor[L[3], L[4], NoneTape])
assert_type(x.sum(keepdims=True), Tensor[L[1], L[1], L[1], NoneTape])
assert_type(x.max(axis=None, keepdims=True), Tensor[L[1], L[1], L[1], NoneTape])

# axis=None (or no axis): every axis
assert_type(x.sum(), Tensor[NoneTape])
assert_type(x.mean(axis=None), Tensor[NoneTape])
assert_type(x.logsumexp(axis=None, keepdims=False), Tensor[NoneTape])

# functions, with the axis by position or by name
assert_type(dx.sum(x, 0), Tensor[L[3], L[4], NoneTape])
assert_type(dx.mean(x, axis=-1), Tensor[L[2], L[3], NoneTape])
assert_type(dx.max(x, (0, 1)), Tensor[L[4], NoneTape])
assert_type(dx.min(x, 2, True), Tensor[L[2], L[3], L[1], NoneTape])
assert_type(dx.var(x, axis=0, keepdims=True, correction=0), Tensor[L[1], L[3], L[4], NoneTape])
assert_type(dx.logsumexp(x, axis=1), Tensor[L[2], L[4], NoneTape])
assert_type(dx.sum(x, keepdims=True), Tensor[L[1], L[1], L[1], NoneTape])

# the tape is kept
assert_type(t.sum(axis=0), Tensor[L[3], L[4], OwnedTape])
assert_type(dx.logsumexp(t, axis=-1, keepdims=True), Tensor[L[2], L[3], L[1], OwnedTape])
assert_type(t.var(axis=(0, 1)), Tensor[L[4], OwnedTape])

# softmax and log_softmax: the axis is checked, the shape kept
assert_type(x.softmax(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(x.softmax(axis=0), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(x.log_softmax(axis=-3), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.softmax(x, 1), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.log_softmax(t, axis=2), Tensor[L[2], L[3], L[4], OwnedTape])


# a symbolic batch is kept where it is not reduced
def pool(h: Tensor[B, L[3], L[4], T]) -> Tensor[B, L[4], T]:
    assert_type(h.mean(axis=1), Tensor[B, L[4], T])
    assert_type(h.sum(axis=0), Tensor[L[3], L[4], T])
    assert_type(h.max(axis=-1, keepdims=True), Tensor[B, L[3], L[1], T])
    assert_type(h.softmax(axis=1), Tensor[B, L[3], L[4], T])
    assert_type(h.sum(), Tensor[T])
    return h.mean(axis=1)


assert_type(pool(x), Tensor[L[2], L[4], NoneTape])
assert_type(pool(t), Tensor[L[2], L[4], OwnedTape])

# the run time agrees
assert x.var(axis=(0, 2), keepdims=True).shape == (1, 3, 1)
assert dx.max(x, (0, 1)).shape == (4,)
