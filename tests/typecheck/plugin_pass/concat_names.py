"""Concatenations in a generic module: different size parameters along the joined axis add
up (``CI+G`` channels); along the batch axis, tensors of one shape."""

# rules: movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Module

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
G = TypeVar("G", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class DenseLayer(Module, Generic[CI, G]):
    def __init__(self, ci: CI, g: G) -> None:
        super().__init__()
        self.conv = Conv2d(ci, g, 3, padding=1)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, Expr[L["CI+G"]], H, W, T]:
        out = self.conv(x)
        pair = dx.cat([x, x])
        assert_type(pair, Tensor[Expr[L["2*N"]], CI, H, W, T])
        return dx.cat([out, x], axis=1)


layer: DenseLayer[L[8], L[4]] = DenseLayer(8, 4)
assert_type(layer(dx.randn(2, 8, 5, 5)), Tensor[L[2], L[12], L[5], L[5], NoneTape])
