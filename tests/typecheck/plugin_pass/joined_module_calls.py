"""A user's module called in a loop that grows its input, as a progressive generator does:
``x = block(self.up(x), style)`` doubles the map on each pass, so that ``x`` is joined from
each pass's sizes (``Tensor[B, C, 4, 4] | Tensor[B, C, 8, 8] | ...``) and the block's
``forward(x: Tensor[B, C, H, W, T], style: Tensor[B, S, T])`` cannot have one ``H`` for all
of them (mypy alone: ``Cannot infer value of type parameter "H"``). The plugin takes the call
once per path, as for the user's functions, and the result is the union of what each path
gives; a size the other argument binds (the batch) is solved from it."""

# rules: nn, creation, binary, movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module, ModuleList, Upsample

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
S = TypeVar("S", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class ModulatedBlock(Module, Generic[C, S]):
    def __init__(self, channels: C, style_dim: S) -> None:
        super().__init__()
        self.conv = Conv2d(channels, channels, 3, padding=1)
        self.gain = Linear(style_dim, channels)

    def forward(self, x: Tensor[B, C, H, W, T], style: Tensor[B, S, T]) -> Tensor[B, C, H, W, T]:
        b, c = x.shape[0], x.shape[1]
        g = self.gain(style).reshape(b, c, 1, 1)
        return dx.relu(self.conv(x)) * (1.0 + g)


class Decoder(Module, Generic[S]):
    def __init__(self, style_dim: S, channels: int = 8, stages: int = 3) -> None:
        super().__init__()
        self.seed: Tensor[L[1], int, L[4], L[4], NoneTape] = dx.randn(1, channels, 4, 4)
        self.first = ModulatedBlock(channels, style_dim)
        self.stages = ModuleList([ModulatedBlock(channels, style_dim) for _ in range(stages)])
        self.up = Upsample(scale_factor=2)
        self.out = Conv2d(channels, 1, 1)

    def forward(self, style: Tensor[B, S, T]) -> Tensor[B, L[1], int, int, T]:
        x = self.seed.broadcast_to(style.shape[0], -1, -1, -1)
        x = self.first(x, style)
        for stage in self.stages:
            x = stage(self.up(x), style)
        return self.out(x).sigmoid()


def main() -> None:
    decoder = Decoder(6)
    image = decoder(dx.randn(2, 6).trace())
    assert_type(image, Tensor[L[2], L[1], L[32], L[32], OwnedTape])
    assert image.shape == (2, 1, 32, 32)
    image.sum().backward()


main()
