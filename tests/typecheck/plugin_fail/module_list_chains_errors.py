"""Lists of modules that differ, applied member after member in a loop, with a member that
does not take what the one before it gives: reported on the construction lines of both
members (either may be the mistake), for a postnet built from a display, a comprehension and
a display added with ``+`` (literal sizes, and ``int`` arguments with the last convolution
built for twice the width), a decoder filled by ``append`` and applied through
``enumerate``, and a classifier whose list is a display with a helper's layers spliced in."""

# rules: nn

from typing import Any, Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm1d, Conv1d, Linear, Module, ModuleList, ReLU

B = TypeVar("B", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
S = TypeVar("S", bound=int)
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
            + [ConvBN(512, 512, 5) for _ in range(n_convs - 2)]  # E: mypy[dfdx-shape "Modul"
            #     "eList self.convs, applied in turn at line 46: member 3 (ConvBN[256, 80]) tak"
            #     "es 256 channels, member 2 gives 512"]
            + [ConvBN(256, 80, 5)]  # E: mypy[dfdx-shape "ModuleList self.convs, applied in tur"
            #     "n at line 46: member 3 (ConvBN[256, 80]) takes 256 channels, member 2 gives 512"]
        )

    def forward(self, x: Tensor[B, Any, S, T]) -> Tensor[B, Any, S, T]:
        for conv in self.convs:
            x = dx.tanh(conv(x))
        return x


class SizedPostnet(Module):
    def __init__(self, n_mels: int = 80, dim: int = 512, n_convs: int = 5) -> None:
        super().__init__()
        self.convs = ModuleList(
            [ConvBN(n_mels, dim, 5)]
            + [ConvBN(dim, dim, 5) for _ in range(n_convs - 2)]  # E: mypy[dfdx-shape "ModuleL"
            #     "ist self.convs, applied in turn at line 65: member 3 (ConvBN[2*dim, n_mels]) "
            #     "takes 2*dim channels, member 2 gives dim"]
            + [ConvBN(dim * 2, n_mels, 5)]  # E: mypy[dfdx-shape "ModuleList self.convs, appl"
            #     "ied in turn at line 65: member 3 (ConvBN[2*dim, n_mels]) takes 2*dim channels"
            #     ", member 2 gives dim"]
        )

    def forward(self, x: Tensor[B, Any, S, T]) -> Tensor[B, Any, S, T]:
        for conv in self.convs:
            x = conv(x)
        return x


class Decoder(Module):
    def __init__(self, latent: int, hidden: int) -> None:
        super().__init__()
        layers: list[Module] = [Linear(latent, hidden)]
        layers.append(Linear(hidden, hidden * 2))  # E: mypy[dfdx-shape "ModuleList self.layers"
        #     ", applied in turn at line 83: member 3 (Linear[hidden, 784]) takes hidden featu"
        #     "res, member 2 gives 2*hidden"]
        layers.append(Linear(hidden, 784))  # E: mypy[dfdx-shape "ModuleList self.layers, appl"
        #     "ied in turn at line 83: member 3 (Linear[hidden, 784]) takes hidden features, me"
        #     "mber 2 gives 2*hidden"]
        self.layers = ModuleList(layers)

    def forward(self, z: Tensor[B, Any, T]) -> Tensor[B, Any, T]:
        for i, layer in enumerate(self.layers):
            z = layer(z)
            if i < len(self.layers) - 1:
                z = z.relu()
        return z


def dense(n_in: int, n_out: int) -> list[Module]:
    return [Linear(n_in, n_out), ReLU()]


class Classifier(Module):
    def __init__(self) -> None:
        super().__init__()
        self.stages = ModuleList(
            [
                *dense(64, 32),  # E: mypy[dfdx-shape "ModuleList self.stages, applied in turn "
                #     "at line 107: member 3 (Linear[16, 10]) takes 16 features, member 1 gives 32"]
                Linear(16, 10),  # E: mypy[dfdx-shape "ModuleList self.stages, applied in turn a"
                #     "t line 107: member 3 (Linear[16, 10]) takes 16 features, member 1 gives 32"]
            ]
        )

    def forward(self, x: Tensor[B, Any, T]) -> Tensor[B, Any, T]:
        for stage in self.stages:
            x = stage(x)
        return x
