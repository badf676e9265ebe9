"""A user's generic module built with arithmetic on literals (``Block(16 + 8, 8)``, a UNet's
decoder block over its input concatenated with a skip) takes the folded sizes, as a layer's:
``Block[Literal[24], Literal[8]]``, also where it is assigned to an attribute, with no
``int`` against ``Literal[24]`` error for the argument."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Module

B = TypeVar("B", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class Block(Module, Generic[CI, CO]):
    def __init__(self, in_channels: CI, out_channels: CO) -> None:
        super().__init__()
        self.conv = Conv2d(in_channels, out_channels, 3, padding=1, rng=rng)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, H, W, T]:
        return self.conv(x)


class Decoder(Module):
    def __init__(self) -> None:
        super().__init__()
        self.up = Block(16 + 8, 8)

    def forward(self, x: Tensor[B, L[16], H, W, T], skip: Tensor[B, L[8], H, W, T]) -> None:
        out = self.up(dx.cat([x, skip], axis=1))
        assert_type(out, Tensor[B, L[8], H, W, T])


assert_type(Block(16 + 8, 2 * 4), Block[L[24], L[8]])
assert_type(Decoder().up, Block[L[24], L[8]])
Decoder()(dx.randn(2, 16, 4, 4), dx.randn(2, 8, 4, 4))
