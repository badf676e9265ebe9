"""matmul with the plugin, every rank of either operand (NumPy's rules: a 1-d operand is a
vector, leading axes are batch axes that broadcast), in every form, with symbolic sizes."""

# rules: linalg

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

m = dx.randn(3, 4)
w = dx.randn(4, 5)
u = dx.randn(3)
v = dx.randn(4)
batch = dx.randn(7, 3, 4)
wb = dx.randn(7, 4, 5)
w1 = dx.randn(1, 4, 5)
deep = dx.randn(2, 1, 3, 4)

# matrix @ matrix, in every form
assert_type(m @ w, Tensor[L[3], L[5], NoneTape])
assert_type(m.matmul(w), Tensor[L[3], L[5], NoneTape])
assert_type(dx.matmul(m, w), Tensor[L[3], L[5], NoneTape])

# vectors: vector @ matrix, matrix @ vector, vector @ vector (0-d)
assert_type(v @ w, Tensor[L[5], NoneTape])
assert_type(m @ v, Tensor[L[3], NoneTape])
assert_type(v @ v, Tensor[NoneTape])
assert_type(u @ m, Tensor[L[4], NoneTape])
assert_type(dx.matmul(v, v), Tensor[NoneTape])
assert_type(m.matmul(v), Tensor[L[3], NoneTape])

# batches on either side, and batch axes that broadcast
assert_type(batch @ w, Tensor[L[7], L[3], L[5], NoneTape])
assert_type(m @ wb, Tensor[L[7], L[3], L[5], NoneTape])
assert_type(batch @ wb, Tensor[L[7], L[3], L[5], NoneTape])
assert_type(batch @ w1, Tensor[L[7], L[3], L[5], NoneTape])
assert_type(deep @ wb, Tensor[L[2], L[7], L[3], L[5], NoneTape])
assert_type(batch @ v, Tensor[L[7], L[3], NoneTape])
assert_type(v @ wb, Tensor[L[7], L[5], NoneTape])
assert_type(dx.matmul(deep, w1), Tensor[L[2], L[1], L[3], L[5], NoneTape])
assert_type(wb.matmul(dx.randn(5, 2)), Tensor[L[7], L[4], L[2], NoneTape])

# the tape
assert_type(m.trace() @ w, Tensor[L[3], L[5], OwnedTape])
assert_type(v @ w.trace(), Tensor[L[5], OwnedTape])
assert_type(batch.trace() @ wb.trace(), Tensor[L[7], L[3], L[5], OwnedTape])
assert_type(dx.matmul(v.trace(), v), Tensor[OwnedTape])


# symbolic and Dyn sizes
def layer(x: Tensor[B, L[4], T]) -> Tensor[B, L[5], T]:
    assert_type(x @ w, Tensor[B, L[5], T])
    assert_type(x @ v, Tensor[B, T])
    assert_type(x @ wb, Tensor[L[7], B, L[5], T])
    return x @ w


def gram(x: Tensor[B, L[4], T]) -> Tensor[B, B, T]:
    xt: Tensor[L[4], B, NoneTape] = dx.randn(4, x.shape[0])
    assert_type(x @ xt, Tensor[B, B, T])
    return x @ xt


d: Tensor[Dyn, Dyn, NoneTape] = dx.randn(4, 6)
e: Tensor[Dyn, Dyn, NoneTape] = dx.randn(6, 2)
assert_type(d @ e, Tensor[Dyn, Dyn, NoneTape])
assert_type(m @ d, Tensor[L[3], Dyn, NoneTape])
assert_type(dx.randn(2, 4) @ d, Tensor[L[2], Dyn, NoneTape])
assert_type(layer(m), Tensor[L[3], L[5], NoneTape])
assert_type(layer(m.trace()), Tensor[L[3], L[5], OwnedTape])
assert_type(gram(m), Tensor[L[3], L[3], NoneTape])

# the run time agrees
assert (deep @ wb).shape == (2, 7, 3, 5)
assert (v @ v).shape == ()
assert (v @ wb).shape == (7, 5)
