"""Indexing and selection with the plugin: basic indexing with literal ints, slices, None and
..., index_select, gather, where, masked_fill, tril/triu, one_hot, argmax, comparisons (bool
tensors on NoneTape) and dropout, with a symbolic batch."""

# rules: indexing

from typing import Literal as L
from typing import TypeVar, assert_type

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
N = TypeVar("N", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x = dx.randn(2, 3, 4)
t = x.trace()
i = int("1")

# basic indexing: an int removes its axis, a slice resizes it, None adds one, ... fills in
assert_type(x[0], Tensor[L[3], L[4], NoneTape])
assert_type(x[-1], Tensor[L[3], L[4], NoneTape])
assert_type(x[1:3], Tensor[L[1], L[3], L[4], NoneTape])
assert_type(x[:, ::2], Tensor[L[2], L[2], L[4], NoneTape])
assert_type(x[:, 1:], Tensor[L[2], L[2], L[4], NoneTape])
assert_type(x[:, ::-1], Tensor[L[2], L[3], L[4], NoneTape])
assert_type(x[..., -1], Tensor[L[2], L[3], NoneTape])
assert_type(x[:, None], Tensor[L[2], L[1], L[3], L[4], NoneTape])
assert_type(x[None, ..., None], Tensor[L[1], L[2], L[3], L[4], L[1], NoneTape])
assert_type(x[0, 2, 3], Tensor[NoneTape])
assert_type(x[1, :, -4:], Tensor[L[3], L[4], NoneTape])
assert_type(t[0, 1:2], Tensor[L[1], L[4], OwnedTape])
assert_type(x[i], Tensor[L[3], L[4], NoneTape])  # an int that is not a literal
assert_type(x[:, i:], Tensor[L[2], Dyn, L[4], NoneTape])

# index_select and gather take their sizes from the index tensor
idx = dx.tensor(np.array([0, 2, 2, 1, 0]), dtype=dx.int64)
assert_type(idx, Tensor[L[5], NoneTape])  # the nested list inside np.array
assert_type(x.index_select(1, idx.ensure_shape(5)), Tensor[L[2], L[5], L[4], NoneTape])
five = dx.zeros(5, dtype=dx.int64)
assert_type(x.index_select(1, five), Tensor[L[2], L[5], L[4], NoneTape])
assert_type(dx.index_select(t, axis=-1, indices=five), Tensor[L[2], L[3], L[5], OwnedTape])
g = dx.zeros(2, 3, 1, dtype=dx.int64)
assert_type(x.gather(2, g), Tensor[L[2], L[3], L[1], NoneTape])
assert_type(dx.gather(t, axis=-1, indices=g), Tensor[L[2], L[3], L[1], OwnedTape])

# comparisons give bool tensors without a tape, with broadcasting
m = x > 0.0
assert_type(m, Tensor[L[2], L[3], L[4], NoneTape])
assert_type(t == x, Tensor[L[2], L[3], L[4], NoneTape])
assert_type(t != 0.5, Tensor[L[2], L[3], L[4], NoneTape])
assert_type(x <= dx.zeros(4), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.lt(t, dx.zeros(3, 1)), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(x.ge(1.0), Tensor[L[2], L[3], L[4], NoneTape])

# where and masked_fill
assert_type(dx.where(m, x, 0.0), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.where(m, t, x), Tensor[L[2], L[3], L[4], OwnedTape])
assert_type(dx.where(m[0], 1.0, t[0]), Tensor[L[3], L[4], OwnedTape])
assert_type(dx.where(m, dx.zeros(4), dx.zeros(3, 1)), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(x.masked_fill(m, 0.0), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.masked_fill(t, m[0, 0], -1.0), Tensor[L[2], L[3], L[4], OwnedTape])

# tril/triu keep the shape
assert_type(x.tril(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.triu(t, k=1), Tensor[L[2], L[3], L[4], OwnedTape])

# one_hot adds an axis of n classes; argmax reduces an axis; neither carries a tape
labels = dx.zeros(2, 3, dtype=dx.int64)
assert_type(dx.one_hot(labels, 10), Tensor[L[2], L[3], L[10], NoneTape])
assert_type(dx.one_hot(labels, n=4), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(t.argmax(axis=1), Tensor[L[2], L[4], NoneTape])
assert_type(dx.argmax(x, -1, keepdims=True), Tensor[L[2], L[3], L[1], NoneTape])
assert_type(x.argmax(), Tensor[NoneTape])

# dropout keeps the shape and the tape
assert_type(dx.dropout(t, 0.25), Tensor[L[2], L[3], L[4], OwnedTape])
assert_type(dx.dropout(x, p=1, training=False), Tensor[L[2], L[3], L[4], NoneTape])


# a symbolic batch
def classify(logits: Tensor[B, L[10], T], y: Tensor[B, NoneTape]) -> Tensor[B, L[10], T]:
    assert_type(logits[0], Tensor[L[10], T])
    assert_type(logits[:, :5], Tensor[B, L[5], T])
    assert_type(logits[:, None, 3], Tensor[B, L[1], T])
    assert_type(logits.argmax(axis=1), Tensor[B, NoneTape])
    assert_type(dx.one_hot(y, 10), Tensor[B, L[10], NoneTape])
    assert_type(logits > 0.0, Tensor[B, L[10], NoneTape])
    return dx.where(logits > 0.0, logits, 0.0)


assert_type(classify(dx.randn(4, 10), dx.zeros(4, dtype=dx.int64)), Tensor[L[4], L[10], NoneTape])


# an index on a symbolic or Dyn size is not range-checked (the run time checks it); a slice's
# bounds there are taken to lie within the axis
def unproven(m: Tensor[B, C, NoneTape], d: Tensor[Dyn, L[4], NoneTape]) -> None:
    assert_type(m[5, 7], Tensor[NoneTape])
    assert_type(m[:, 2:9:3], Tensor[B, L[3], NoneTape])
    assert_type(d[3], Tensor[L[4], NoneTape])
    assert_type(m == m[0], Tensor[B, C, NoneTape])


unproven(dx.zeros(6, 9), dx.zeros(4, 4))


# a symbolic number of classes
def encode(y: Tensor[B, NoneTape], n: N) -> Tensor[B, N, NoneTape]:
    assert_type(dx.one_hot(y, n), Tensor[B, N, NoneTape])
    return dx.one_hot(y, n)


assert encode(dx.zeros(3, dtype=dx.int64), 4).shape == (3, 4)


# a slice bound or an index that is a symbolic size (``b`` of ``x.shape``): the slice is ``b``
# long (its bound taken to lie within the axis), and the other items still count
def cached(cache: Tensor[L[8], L[6], C, NoneTape], x: Tensor[B, NoneTape]) -> None:
    (b,) = x.shape
    assert_type(cache[:b, :4], Tensor[B, L[4], C, NoneTape])
    assert_type(cache[b, 1:], Tensor[L[5], C, NoneTape])


cached(dx.zeros(8, 6, 3), dx.zeros(2))

# the run time agrees
assert x[None, ..., None].shape == (1, 2, 3, 4, 1)
assert x.index_select(1, five).shape == (2, 5, 4)
