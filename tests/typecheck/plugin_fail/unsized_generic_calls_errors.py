"""The user's generic function given a tensor with a size typed plain ``int`` beside one that
binds the same parameters: the ``int`` axis is taken as unknown, but a size the two arguments
both know and give two values (a batch of 2 against targets for 3 samples) is still reported
at the call, naming both arguments."""

# rules: nn, creation, reduce, binary

from typing import Generic, TypeVar
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
    return (targets * dx.relu(0.9 - lengths) ** 2).sum(axis=1).mean()


class Capsules(Module, Generic[E]):
    def __init__(self, features: E, capsules: int, dim: int) -> None:
        super().__init__()
        self.capsules = capsules
        self.dim = dim
        self.proj = Linear(features, capsules * dim)

    def forward(self, x: Tensor[B, E, T]) -> Tensor[B, int, int, T]:
        return self.proj(x).reshape(x.shape[0], self.capsules, self.dim)


def train_step(caps: Capsules[L[6]]) -> None:
    v = caps(dx.randn(2, 6).trace())  # E: mypy[dfdx-shape "v is assigned here; used at line 5"
    #     "0: margin_loss: v and targets give B two sizes: v is Tensor[2, Dyn, Dyn] (axis 0: 2), "
    #     "targets is Tensor[3, 4] (axis 0: 3) (2 != 3)"]
    labels = dx.tensor(np.array([1, 3, 0]))  # E: mypy[dfdx-shape "labels is assigned here; "
    #     "used at line 50: margin_loss: v and targets give B two sizes: v is Tensor[2, Dyn, Dyn]"
    #     " (axis 0: 2), targets is Tensor[3, 4] (axis 0: 3) (2 != 3)"]
    targets = dx.one_hot(labels, 4).to(dx.float32)  # E: mypy[dfdx-shape "targets is assigned"
    #     " here; used at line 50: margin_loss: v and targets give B two sizes: v is Tensor[2, Dyn,"
    #     " Dyn] (axis 0: 2), targets is Tensor[3, 4] (axis 0: 3) (2 != 3)"]
    margin_loss(v, targets).backward()  # E: mypy[dfdx-shape "margin_loss: v and targets give B t"
    #     "wo sizes: v is Tensor[2, Dyn, Dyn] (axis 0: 2), targets is Tensor[3, 4] (axis 0: 3) (2"
    #     " != 3)"]
