"""Generic code with the plugin: functions and classes generic in the tape
(``T = TypeVar("T", NoneTape, OwnedTape)``) and in a batch size (``B = TypeVar("B",
bound=int)``), in the style of the API page's ``Head``: every rule keeps ``B`` and ``T``."""

# rules: binary, linalg, reduce, tape

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Head:
    """The API page's ``Head``, with a plain weight and bias instead of ``dx.nn.Linear``."""

    def __init__(self) -> None:
        self.weight = dx.randn(16, 4) * 0.1
        self.bias = dx.zeros(4)

    def forward(self, x: Tensor[B, L[16], T]) -> Tensor[B, L[4], T]:
        assert_type(self.weight, Tensor[L[16], L[4], NoneTape])
        assert_type(x @ self.weight, Tensor[B, L[4], T])
        assert_type(x @ self.weight + self.bias, Tensor[B, L[4], T])
        return (x @ self.weight + self.bias).tanh()

    def probs(self, x: Tensor[B, L[16], T]) -> Tensor[B, L[4], T]:
        logits = self.forward(x)
        assert_type(logits.softmax(axis=-1), Tensor[B, L[4], T])
        return logits - logits.logsumexp(axis=1, keepdims=True)

    def score(self, x: Tensor[B, L[16], T]) -> Tensor[B, T]:
        assert_type(self.forward(x).max(axis=1), Tensor[B, T])
        return self.forward(x).max(axis=1)


class Mlp:
    def __init__(self) -> None:
        self.w1 = dx.randn(16, 32) * 0.1
        self.b1 = dx.zeros(32)
        self.w2 = dx.randn(32, 4) * 0.1

    def __call__(self, x: Tensor[B, L[16], T]) -> Tensor[B, L[4], T]:
        h = (x @ self.w1 + self.b1).relu()
        assert_type(h, Tensor[B, L[32], T])
        return h @ self.w2


def center(x: Tensor[B, L[16], T]) -> Tensor[B, L[16], T]:
    assert_type(x.mean(axis=0), Tensor[L[16], T])
    assert_type(x.mean(axis=0, keepdims=True), Tensor[L[1], L[16], T])
    return x - x.mean(axis=0)


def loss_of(x: Tensor[B, L[16], T], y: Tensor[B, L[4], NoneTape]) -> Tensor[T]:
    logits = Mlp()(x)
    assert_type(logits - y, Tensor[B, L[4], T])
    return ((logits - y) ** 2).sum(axis=1).mean()


head = Head()
x = dx.randn(8, 16)
y = dx.zeros(8, 4)
assert_type(head.forward(x), Tensor[L[8], L[4], NoneTape])
assert_type(head.forward(x.trace()), Tensor[L[8], L[4], OwnedTape])
assert_type(head.probs(x), Tensor[L[8], L[4], NoneTape])
assert_type(head.score(x.trace()), Tensor[L[8], OwnedTape])
assert_type(Mlp()(center(x)), Tensor[L[8], L[4], NoneTape])
assert_type(loss_of(x, y), Tensor[NoneTape])
traced = loss_of(x.trace(), y)
assert_type(traced, Tensor[OwnedTape])
assert_type(traced.backward(), dx.Gradients)

# the run time agrees
assert head.probs(x).shape == (8, 4)
assert center(x).shape == (8, 16)
