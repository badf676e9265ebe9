"""Correct code around the places where shape mistakes are reported (plugin_fail/
error_locations.py): a layer's result returned where the return type is a union, a field
assigned in two branches, fields whose declared types fit their constructors, a module that
takes a list and a callable beside a tensor, a Sequential written over several lines."""

# rules: nn

from collections.abc import Callable
from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
D = TypeVar("D", bound=int)
F = TypeVar("F", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Norm(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.weight: Tensor[D, NoneTape] = dx.ones(dim)

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, D, T]:
        return x * self.weight


class Mixer(Module, Generic[D, F]):
    def __init__(self, dim: D, hidden: F, wide: bool) -> None:
        super().__init__()
        self.up: Linear[D, F] = Linear(dim, hidden)
        self.conv: Conv2d[D, F, Any] = Conv2d(dim, hidden, 3, padding=1)
        self.norm: Norm[F] = Norm(hidden)
        if wide:
            self.down = Linear(hidden, dim)
        else:
            self.down = Linear(hidden, dim, bias=False)
        self.block = Sequential(
            Conv2d(dim, hidden, 1),
            BatchNorm2d(hidden),
            ReLU(),
        )

    def forward(
        self, x: Tensor[B, D, T], extra: list[int], scale: Callable[[float], float]
    ) -> Tensor[B, D, T] | None:
        if not extra:
            return None
        h: Tensor[B, F, T] = self.up(x)
        h = self.norm(h) * scale(1.0)
        return self.down(h)


mixer: Mixer[L[4], L[8]] = Mixer(4, 8, wide=True)
x: Tensor[L[2], L[4], NoneTape] = dx.randn(2, 4)
y = mixer(x, [1], lambda s: 2 * s)
assert_type(y, Tensor[L[2], L[4], NoneTape] | None)
assert y is not None and y.shape == (2, 4)
assert mixer.block(dx.randn(2, 4, 3, 3)).shape == (2, 8, 3, 3)
