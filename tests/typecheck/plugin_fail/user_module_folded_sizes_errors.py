"""A user's generic module built with arithmetic on literals has the folded sizes, so an input
of other channels is reported where it is called and where the module is built."""

# rules: nn

from typing import Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Module

B = TypeVar("B", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Block(Module, Generic[CI, CO]):
    def __init__(self, in_channels: CI, out_channels: CO) -> None:
        super().__init__()
        self.conv = Conv2d(in_channels, out_channels, 3, padding=1)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, H, W, T]:
        return self.conv(x)


class Decoder(Module):
    def __init__(self) -> None:
        super().__init__()
        self.up = Block(16 + 8, 8)  # E: mypy[dfdx-shape "self.up is built here; called at line 37:"
        #     " Block[24, 8]: x takes Tensor[B, 24, H, W], got Tensor[B, 32, H, W] (32 != 24)"]

    def forward(self, x: Tensor[B, L[16], H, W, T], skip: Tensor[B, L[16], H, W, T]) -> None:
        self.up(dx.cat([x, skip], axis=1))  # E: mypy[dfdx-shape "Block[24, 8]: x takes Tensor[B,"
        #     " 24, H, W], got Tensor[B, 32, H, W] (32 != 24)"]
