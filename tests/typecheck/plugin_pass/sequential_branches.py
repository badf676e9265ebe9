"""A stage whose blocks are a ``Sequential`` built one way or another by a config value (a
single convolution where the stage has one block, residual blocks then a 1x1 convolution
otherwise, as YOLO-style and CSP stages do). mypy fixes a field's type at its first
assignment, so the second ``Sequential`` would be rejected (``Too many arguments``,
``arg-type``) by mypy with or without the plugin: the field is declared ``Sequential[Any]``
before the ``if``. Each branch's chain is still checked where it is built
(``plugin_fail/sequential_branches_errors.py``); the call's sizes are not known (either chain
may run), and the result takes the declared return type."""

# rules: nn

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class Residual(Module, Generic[C]):
    def __init__(self, channels: C) -> None:
        super().__init__()
        self.conv = Conv2d(channels, channels, 3, padding=1, rng=rng)
        self.bn = BatchNorm2d(channels)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        return x + self.bn(self.conv(x)).relu()


class Stage(Module, Generic[C]):
    def __init__(self, channels: C, n: int) -> None:
        super().__init__()
        self.blocks: Sequential[Any]
        if n == 1:
            self.blocks = Sequential(Conv2d(channels, channels, 3, padding=1, rng=rng), ReLU())
        else:
            self.blocks = Sequential(
                *[Residual(channels) for _ in range(n)], Conv2d(channels, channels, 1, rng=rng)
            )

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        return self.blocks(x)


one: Stage[L[4]] = Stage(4, 1)
three: Stage[L[4]] = Stage(4, 3)
images: Tensor[L[2], L[4], L[6], L[6], NoneTape] = dx.randn(2, 4, 6, 6, rng=rng)
y = three(one(images.trace()))
assert_type(y, Tensor[L[2], L[4], L[6], L[6], OwnedTape])
grads = y.sum().backward()
assert y.shape == (2, 4, 6, 6)
assert all(grads[p].shape == p.shape for p in three.parameters())
