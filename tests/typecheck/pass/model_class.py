"""Models as plain classes holding weight tensors (no ``dx.nn``): plain annotations carry the
shapes, with a symbolic batch and a generic tape, and a rank-polymorphic generic layer."""

from typing import Generic, TypeVar, TypeVarTuple, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)
I = TypeVar("I", bound=int)
O = TypeVar("O", bound=int)
S = TypeVarTuple("S")


class Head:
    """The ``Head`` of the API page, with a plain weight instead of ``dx.nn.Linear``."""

    def __init__(self) -> None:
        self.weight: Tensor[L[16], L[4], NoneTape] = dx.randn(16, 4) * 0.1

    def forward(self, x: Tensor[B, L[16], T]) -> Tensor[B, L[4], T]:
        return (x @ self.weight).tanh()


head = Head()
x: Tensor[L[8], L[16], NoneTape] = dx.randn(8, 16)
assert_type(head.forward(x), Tensor[L[8], L[4], NoneTape])
assert_type(head.forward(x.trace()), Tensor[L[8], L[4], OwnedTape])

# a training step: trace the weight, compute a loss, read its gradient, update
w = head.weight.trace()
loss = (x @ w).tanh().square().mean()
grads = loss.backward()
head.weight = head.weight - 0.01 * grads[w]
assert_type(head.weight, Tensor[L[16], L[4], NoneTape])


class Linear(Generic[I, O]):
    """A layer generic in its sizes, applied to any number of leading axes."""

    def __init__(self, weight: Tensor[I, O, NoneTape], bias: Tensor[O, NoneTape]) -> None:
        self.weight = weight
        self.bias = bias

    def __call__(self, x: Tensor[*S, I, T]) -> Tensor[*S, O, T]:
        assert_type(x @ self.weight, Tensor[*S, O, T])
        # adding the bias broadcasts, which plain signatures cannot compute: the declared
        # variable takes the fallback (mypy --strict rejects returning it directly)
        y: Tensor[*S, O, T] = x @ self.weight + self.bias
        return y


class Mlp:
    def __init__(self) -> None:
        self.l1: Linear[L[16], L[32]] = Linear(dx.randn(16, 32), dx.zeros(32))
        self.l2: Linear[L[32], L[4]] = Linear(dx.randn(32, 4), dx.zeros(4))

    def __call__(self, x: Tensor[B, L[16], T]) -> Tensor[B, L[4], T]:
        return self.l2(self.l1(x).relu())


lin: Linear[L[16], L[4]] = Linear(dx.randn(16, 4), dx.zeros(4))
seq: Tensor[L[2], L[8], L[16], NoneTape] = dx.randn(2, 8, 16)
assert_type(lin(x), Tensor[L[8], L[4], NoneTape])
assert_type(lin(seq), Tensor[L[2], L[8], L[4], NoneTape])
assert_type(lin(seq.trace()), Tensor[L[2], L[8], L[4], OwnedTape])

mlp = Mlp()
assert_type(mlp(x), Tensor[L[8], L[4], NoneTape])
out = mlp(x.trace())
assert_type(out, Tensor[L[8], L[4], OwnedTape])
assert_type(out.mean().backward(), dx.Gradients)

# the run time agrees
assert head.forward(x).shape == (8, 4)
assert lin(seq).shape == (2, 8, 4)
assert mlp(x).shape == (8, 4)
