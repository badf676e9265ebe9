"""A value joined from the branches of an ``if`` passed to the user's generic function with
another argument that binds the same size: a path whose size certainly differs from the
other argument's (64 channels against 32: a stem widened on one path only) is reported at the
call, naming the path's shape; a path that a condition may hold equal is taken."""

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


def fuse(x: Tensor[N, C, H, W, T], skip: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
    return x + skip


class Stem(Module):
    def __init__(self, wide: bool) -> None:
        super().__init__()
        self.wide = wide
        self.narrow = Conv2d(3, 32, 3, padding=1)
        self.widened = Conv2d(3, 64, 3, stride=2, padding=1)
        self.skip = Conv2d(3, 32, 1)

    def forward(self, x: Tensor[N, L[3], H, W, T]) -> Tensor[N, Any, Any, Any, T]:
        if self.wide:
            h = self.widened(x)
        else:
            h = self.narrow(x)
        return fuse(h, self.skip(x))  # E: mypy[dfdx-shape "fuse: x and skip give C two sizes: x is"
        #     " Tensor[N, 64, (H+1)//2, (W+1)//2] on one of the paths it is joined from (axis 1: 64"
        #     "), skip is Tensor[N, 32, H, W] (axis 1: 32) (64 != 32)"]

    __call__ = forward
