"""Indexing and selection that cannot fit: an index out of a literal range, too many indices,
two ellipses, a zero step; index tensors of the wrong rank or size; masks and branches that
do not broadcast; tril/triu on fewer than 2 axes; argmax over a missing axis; a dropout
probability out of [0, 1]; comparisons of shapes that do not broadcast."""

# rules: indexing

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x: Tensor[L[2], L[3], L[4], NoneTape] = dx.randn(2, 3, 4)
v: Tensor[L[5], NoneTape] = dx.randn(5)

# basic indexing
i1 = x[2]  # E: mypy[dfdx-shape "index: index 2 is out of range for axis 0 of Tensor[2, 3, 4]"]
i2 = x[-3]  # E: mypy[dfdx-shape "index: index -3 is out of range for axis 0 of Tensor[2, 3, 4]"]
i3 = x[:, 3]  # E: mypy[dfdx-shape "index: index 3 is out of range for axis 1 of Tensor[2, 3, 4]"]
i4 = x[..., 4]  # E: mypy[dfdx-shape "index: index 4 is out of range for axis 2 of Tensor[2, 3, 4]"]
i5 = x[0, 0, 0, 0]  # E: mypy[dfdx-shape "index: too many indices for Tensor[2, 3, 4]: 4 axes "
#     "indexed, 3 exist"]
i6 = x[..., 0, ...]  # E: mypy[dfdx-shape "index: an index can have only one ellipsis (...)"]
i7 = x[::0]  # E: mypy[dfdx-shape "index: slice step cannot be zero (axis 0 of Tensor[2, 3, 4])"]
i8 = x[None, 1, -4]  # E: mypy[dfdx-shape "index: index -4 is out of range for axis 1 of Tensor[2, "
#     "3, 4]"]
i9 = dx.tensor(1.0)[0]  # E: mypy[dfdx-shape "index: too many indices for Tensor[()]: 1 axes "
#     "indexed, 0 exist"]

# index_select, gather
idx = dx.zeros(2, 2, dtype=dx.int64)
two = dx.zeros(2, dtype=dx.int64)
wide = dx.zeros(2, 5, 1, dtype=dx.int64)
s1 = x.index_select(1, idx)  # E: mypy[dfdx-shape "index_select: indices must be 1-d, got "
#     "Tensor[2, 2]"]
s2 = dx.index_select(x, axis=3, indices=two)  # E: mypy[dfdx-shape "index_select: axis 3 is out of "
#     "range for Tensor[2, 3, 4]"]
g1 = x.gather(0, idx)  # E: mypy[dfdx-shape "gather: indices Tensor[2, 2] must have the rank of "
#     "Tensor[2, 3, 4] (2 != 3)"]
g2 = dx.gather(x, axis=2, indices=wide)  # E: mypy[dfdx-shape "gather: indices Tensor[2, 5, 1] are "
#     "larger than Tensor[2, 3, 4] on axis 1 (5 > 3)"]

# where, masked_fill
m = x > 0.0
w1 = dx.where(m, x, v)  # E: mypy[dfdx-shape "where: shapes do not broadcast: Tensor[2, 3, 4] and "
#     "Tensor[5] (axis -1: 4 != 5)"]
w2 = dx.where(v > 0.0, x, 1.0)  # E: mypy[dfdx-shape "where: shapes do not broadcast: Tensor[5] "
#     "and Tensor[2, 3, 4] (axis -1: 5 != 4)"]
f1 = x.masked_fill(v > 0.0, 0.0)  # E: mypy[dfdx-shape "masked_fill: mask Tensor[5] does not "
#     "broadcast to Tensor[2, 3, 4] (axis -1: 5 != 4)"]
f2 = dx.masked_fill(x[0], m, 1.0)  # E: mypy[dfdx-shape "masked_fill: mask Tensor[2, 3, 4] does "
#     "not broadcast to Tensor[3, 4] (rank 3 > 2)"]

# tril, triu, one_hot, argmax, dropout
t1 = v.tril()  # E: mypy[dfdx-shape "tril: needs at least 2 axes, got Tensor[5]"]
t2 = dx.triu(v, k=1)  # E: mypy[dfdx-shape "triu: needs at least 2 axes, got Tensor[5]"]
o1 = dx.one_hot(dx.zeros(3, dtype=dx.int64), -1)  # E: mypy[dfdx-shape "one_hot: the number of "
#     "classes must be >= 0, got -1"]
a1 = x.argmax(axis=3)  # E: mypy[dfdx-shape "argmax: axis 3 is out of range for Tensor[2, 3, 4]"]
a2 = dx.argmax(x, -4, keepdims=True)  # E: mypy[dfdx-shape "argmax: axis -4 is out of range for "
#     "Tensor[2, 3, 4]"]
d1 = dx.dropout(x, 1.5)  # E: mypy[dfdx-shape "dropout: p must be a probability in [0, 1], got 1.5"]
d2 = dx.dropout(x.trace(), p=-0.1)  # E: mypy[dfdx-shape "dropout: p must be a probability in [0, "
#     "1], got -0.1"]

# comparisons
c1 = x < v  # E: mypy[dfdx-shape "lt: shapes do not broadcast: Tensor[2, 3, 4] and Tensor[5] (axis "
#     "-1: 4 != 5)"]
c2 = dx.eq(v, x)  # E: mypy[dfdx-shape "eq: shapes do not broadcast: Tensor[5] and Tensor[2, 3, 4] "
#     "(axis -1: 5 != 4)"]
c3 = x.ge(dx.zeros(3))  # E: mypy[dfdx-shape "ge: shapes do not broadcast: Tensor[2, 3, 4] and "
#     "Tensor[3] (axis -1: 4 != 3)"]


def batch(h: Tensor[B, L[10], T]) -> None:
    q1 = h[:, 10]  # E: mypy[dfdx-shape "index: index 10 is out of range for axis 1 of Tensor[B, "
    #     "10]"]
    q2 = h.index_select(1, idx)  # E: mypy[dfdx-shape "index_select: indices must be 1-d, got "
    #     "Tensor[2, 2]"]
    q3 = h.argmax(axis=2)  # E: mypy[dfdx-shape "argmax: axis 2 is out of range for Tensor[B, 10]"]
    q4 = h > v  # E: mypy[dfdx-shape "gt: shapes do not broadcast: Tensor[B, 10] and Tensor[5] "
    #     "(axis -1: 10 != 5)"]
