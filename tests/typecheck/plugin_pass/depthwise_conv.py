"""A depthwise convolution (``groups`` equal to the channel count, a TypeVar) in a generic
module keeps its spatial sizes: the window's sizes do not depend on ``groups``, so a
``groups`` that is not a literal only skips the channel checks that need its value."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, ConvTranspose2d, Module

N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class DepthwiseSeparable(Module, Generic[C]):
    def __init__(self, dim: C) -> None:
        super().__init__()
        self.dwconv = Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim)
        self.down = Conv2d(dim, dim, 3, stride=2, padding=1, groups=dim)
        self.up = ConvTranspose2d(dim, dim, 2, stride=2, groups=dim)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        h = self.dwconv(x)
        assert_type(h, Tensor[N, C, H, W, T])
        d = self.down(x)
        assert_type(d, Tensor[N, C, dx.Expr[L["(H+1)//2"]], dx.Expr[L["(W+1)//2"]], T])
        u = self.up(x)
        assert_type(u, Tensor[N, C, dx.Expr[L["2*H"]], dx.Expr[L["2*W"]], T])
        return x + h


block: DepthwiseSeparable[L[4]] = DepthwiseSeparable(4)
y = block(dx.randn(2, 4, 6, 6))
assert_type(y, Tensor[L[2], L[4], L[6], L[6], NoneTape])
assert y.shape == (2, 4, 6, 6)
