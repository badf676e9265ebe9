"""A value joined from the branches of an ``if`` passed to the user's generic function and
returned where the declared type has one path's channels: a path whose channels certainly
differ (a widened stem's 64 against the declared 32) keeps the union, which mypy rejects at
the ``return``; so does a path of another rank (a pooled, flattened value)."""

# rules: nn

from typing import Any, TypeVar
from typing import Literal as L

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Module

N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def scale_channels(x: Tensor[N, C, H, W, T], factor: float) -> Tensor[N, C, H, W, T]:
    return x * factor


def twice(x: Tensor[N, C, T]) -> Tensor[N, C, T]:
    return x * 2.0


class Stem(Module):
    def __init__(self, wide: bool) -> None:
        super().__init__()
        self.wide = wide
        self.narrow = Conv2d(3, 32, 3, padding=1)
        self.widened = Conv2d(3, 64, 3, padding=1)

    def forward(self, x: Tensor[N, L[3], H, W, T]) -> Tensor[N, L[32], Any, Any, T]:
        if self.wide:
            h = self.widened(x)
        else:
            h = self.narrow(x)
        return scale_channels(h, 0.5)  # E: mypy[return-value]

    def pooled(self, x: Tensor[N, L[3], H, W, T]) -> Tensor[N, L[32], T]:
        if self.wide:
            h = self.narrow(x).mean(axis=(2, 3))
        else:
            h = self.narrow(x).flatten(1)
        return twice(h)  # E: mypy[return-value]
