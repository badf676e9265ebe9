"""The user's generic function given one tensor whose size is typed plain ``int`` (a module's
``forward`` declared ``-> Tensor[B, int, int, T]``: the sizes it computes are known at run
time only) and another that gives the same size parameter a known size (a ``one_hot`` of 4
classes, a literal embedding): mypy alone holds ``int`` and ``Literal[4]`` to be two values of
the parameter (``Cannot infer value of type parameter``), though the run time checks the
``int``. The plugin takes the ``int`` axis as unknown, and the other argument solves the
parameter."""

# rules: nn, creation, reduce, binary

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
K = TypeVar("K", bound=int)
D = TypeVar("D", bound=int)
E = TypeVar("E", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def margin_loss(v: Tensor[B, K, D, T], targets: Tensor[B, K, NoneTape]) -> Tensor[T]:
    lengths = (v**2).sum(axis=-1).sqrt()
    present = targets * dx.relu(0.9 - lengths) ** 2
    absent = 0.5 * (1.0 - targets) * dx.relu(lengths - 0.1) ** 2
    return (present + absent).sum(axis=1).mean()


class Capsules(Module, Generic[E]):
    def __init__(self, features: E, capsules: int, dim: int) -> None:
        super().__init__()
        self.capsules = capsules
        self.dim = dim
        self.proj = Linear(features, capsules * dim)

    def forward(self, x: Tensor[B, E, T]) -> Tensor[B, int, int, T]:
        return self.proj(x).reshape(x.shape[0], self.capsules, self.dim)


class Projector(Module, Generic[E]):
    def __init__(self, features: E, dim: int) -> None:
        super().__init__()
        self.head = Linear(features, dim)

    def forward(self, x: Tensor[B, E, T]) -> Tensor[B, int, T]:
        return self.head(x)

    def agreement(self, z: Tensor[B, D, T], anchors: Tensor[B, D, NoneTape]) -> Tensor[B, T]:
        return (z * anchors).sum(axis=-1)


def train_step(caps: Capsules[L[6]], proj: Projector[L[6]]) -> None:
    x = dx.randn(2, 6).trace()
    labels = dx.tensor(np.array([1, 3]))
    v = caps(x)
    targets = dx.one_hot(labels, 4).to(dx.float32)
    loss = margin_loss(v, targets) + 0.1 * (v**2).mean()
    assert_type(loss, Tensor[OwnedTape])
    loss.backward()

    z = proj(dx.randn(2, 6).trace())
    anchors = dx.randn(2, 16)
    score = proj.agreement(z, anchors)
    assert_type(score, Tensor[L[2], OwnedTape])
    assert score.shape == (2,)


train_step(Capsules(6, 4, 8), Projector(6, 16))
