"""Lists of modules that differ, applied member after member in a loop, built right: a
postnet whose first and last convolutions change the width (a display, a comprehension and a
display added with ``+``), the same built from ``int`` arguments, a decoder filled by
``append`` and applied through ``enumerate`` with an activation between members, a residual
stack, branches applied each to the same input (ASPP: no chain), and lists whose members
are interleaved with other layers or a transpose in the loop (not checked as a chain)."""

# rules: nn

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    AdaptiveAvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv1d,
    Conv2d,
    Dropout,
    Linear,
    Module,
    ModuleList,
    ReLU,
    Sequential,
)

B = TypeVar("B", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
S = TypeVar("S", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class ConvBN(Module, Generic[CI, CO]):
    def __init__(self, in_ch: CI, out_ch: CO, kernel: int) -> None:
        super().__init__()
        self.conv = Conv1d(in_ch, out_ch, kernel, padding=kernel // 2)
        self.bn = BatchNorm1d(out_ch)

    def forward(self, x: Tensor[B, CI, S, T]) -> Tensor[B, CO, S, T]:
        return self.bn(self.conv(x))


class Postnet(Module):
    def __init__(self, n_convs: int = 5) -> None:
        super().__init__()
        self.convs = ModuleList(
            [ConvBN(80, 512, 5)]
            + [ConvBN(512, 512, 5) for _ in range(n_convs - 2)]
            + [ConvBN(512, 80, 5)]
        )
        self.drop = Dropout(0.5)

    def forward(self, x: Tensor[B, Any, S, T]) -> Tensor[B, Any, S, T]:
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i < len(self.convs) - 1:
                x = self.drop(dx.tanh(x))
        return x


class SizedPostnet(Module):
    def __init__(self, n_mels: int = 80, dim: int = 512, n_convs: int = 5) -> None:
        super().__init__()
        self.convs = ModuleList(
            [ConvBN(n_mels, dim, 5)]
            + [ConvBN(dim, dim, 5) for _ in range(n_convs - 2)]
            + [ConvBN(dim, n_mels, 5)]
        )

    def forward(self, x: Tensor[B, Any, S, T]) -> Tensor[B, Any, S, T]:
        for conv in self.convs:
            x = dx.tanh(conv(x))
        return x


class Decoder(Module):
    def __init__(self, latent: int, hidden: int) -> None:
        super().__init__()
        layers: list[Module] = [Linear(latent, hidden)]
        layers.append(Linear(hidden, hidden * 2))
        layers.append(Linear(hidden * 2, 784))
        self.layers = ModuleList(layers)

    def forward(self, z: Tensor[B, Any, T]) -> Tensor[B, Any, T]:
        for i, layer in enumerate(self.layers):
            z = layer(z)
            if i < len(self.layers) - 1:
                z = z.relu()
        return z


class ResidualStack(Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.blocks = ModuleList([Linear(dim, dim), Sequential(Linear(dim, dim), ReLU())])

    def forward(self, x: Tensor[B, Any, T]) -> Tensor[B, Any, T]:
        for block in self.blocks:
            x = x + block(x)
        return x


class ASPP(Module):
    def __init__(self, in_ch: int, out_ch: int, rates: list[int]) -> None:
        super().__init__()
        modules: list[Module] = [Sequential(Conv2d(in_ch, out_ch, 1), BatchNorm2d(out_ch), ReLU())]
        for rate in rates:
            modules.append(Conv2d(in_ch, out_ch, 3, padding=rate, dilation=rate))
        modules.append(Sequential(AdaptiveAvgPool2d(1), Conv2d(in_ch, out_ch, 1), ReLU()))
        self.convs = ModuleList(modules)

    def forward(self, x: Tensor[B, Any, H, W, T]) -> list[Any]:
        return [conv(x) for conv in self.convs]


class Downsampling(Module):
    def __init__(self) -> None:
        super().__init__()
        self.blocks = ModuleList([Conv2d(16, 16, 3, padding=1), Conv2d(32, 32, 3, padding=1)])
        self.downs = ModuleList([Conv2d(16, 32, 1), Conv2d(32, 64, 1)])

    def forward(self, x: Tensor[B, Any, H, W, T]) -> Tensor[B, Any, H, W, T]:
        for i, block in enumerate(self.blocks):
            x = block(x)
            x = self.downs[i](x)
        return x


class ConvThenNorm(Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = ModuleList([Conv1d(16, 32, 3, padding=1), BatchNorm1d(10)])

    def forward(self, x: Tensor[B, Any, Any, T]) -> Tensor[B, Any, Any, T]:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i == 0:
                x = x.transpose(1, 2)  # (B, 10, 32): the norm reads the length
        return x


mel = dx.tensor(np.zeros((2, 80, 40), dtype=np.float32))
refined: Tensor[L[2], Any, L[40], NoneTape] = Postnet()(dx.randn(2, 80, 40))
print(refined.shape, SizedPostnet()(mel).shape)
decoded = Decoder(16, 64)(dx.randn(4, 16))
assert_type(decoded, Tensor[L[4], L[784], NoneTape])
print(decoded.shape, ResidualStack(8)(dx.randn(2, 8)).shape)
print(ConvThenNorm()(dx.randn(2, 16, 10)).shape)
print(len(ASPP(8, 4, [6, 12])(dx.randn(1, 8, 16, 16))), Downsampling()(dx.randn(1, 16, 8, 8)).shape)
