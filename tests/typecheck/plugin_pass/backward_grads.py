"""backward() with the plugin: on a traced 0-d loss it returns ``Gradients``; gradients keep
the parameters' shapes; generic code in the tape (``T``) and batch (``B``) computes losses."""

# rules: tape

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import Dyn, Gradients, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x = dx.randn(8, 4)
w = dx.randn(4, 3)
target = dx.zeros(8, 3)

p = w.trace()
pred = x @ p
assert_type(pred, Tensor[L[8], L[3], OwnedTape])
loss = ((pred - target) ** 2).mean()
assert_type(loss, Tensor[OwnedTape])
grads = loss.backward()
assert_type(grads, Gradients)
assert_type(grads[p], Tensor[L[4], L[3], NoneTape])
assert_type(grads[w], Tensor[L[4], L[3], NoneTape])
assert_type(w - 0.1 * grads[p], Tensor[L[4], L[3], NoneTape])

# a loss reduced over an axis first, then fully
h = (x.trace() @ w).tanh()
assert_type(h.sum(axis=1), Tensor[L[8], OwnedTape])
assert_type(h.sum(axis=1).mean().backward(), Gradients)
assert_type(dx.logsumexp(x.trace(), axis=(0, 1)).backward(), Gradients)
v = dx.randn(4).trace()
assert_type((v @ v).backward(), Gradients)  # a vector dot product is 0-d
assert_type(x.trace().sum(axis=-1, keepdims=True).sum().backward(), Gradients)


def mse(pred: Tensor[B, L[3], OwnedTape], y: Tensor[B, L[3], NoneTape]) -> Tensor[OwnedTape]:
    assert_type(pred - y, Tensor[B, L[3], OwnedTape])
    return ((pred - y) ** 2).mean()


def step(xb: Tensor[B, L[4], NoneTape], yb: Tensor[B, L[3], NoneTape]) -> Gradients:
    q = w.trace()
    loss = mse(xb @ q, yb)
    assert_type(loss.backward(), Gradients)
    return mse(xb @ w.trace(), yb).backward()


assert_type(step(x, target), Gradients)
d: Tensor[Dyn, L[4], NoneTape] = x
assert_type(mse(d.trace() @ w, target), Tensor[OwnedTape])

# the run time agrees
assert grads[p].shape == (4, 3)
assert w in step(x, target)
