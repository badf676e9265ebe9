"""User modules inside a ``Sequential`` that do not fit their neighbours, reported on the
lines of the two layers that meet, as for dfdx's own layers: a fire module built for the
channels before the previous one's expansion, a stem giving fewer channels than the first
fire takes, a projection head on the hidden width instead of the block's; and a fire module
(``__call__ = forward``) called on a map with the wrong channel count."""

# rules: movement, nn

from typing import Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    BatchNorm2d,
    Conv2d,
    LayerNorm,
    Linear,
    MaxPool2d,
    Module,
    Sequential,
)

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
S = TypeVar("S", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
SQ = TypeVar("SQ", bound=int)
E1 = TypeVar("E1", bound=int)
E3 = TypeVar("E3", bound=int)
D = TypeVar("D", bound=int)
F = TypeVar("F", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Fire(Module, Generic[CI, SQ, E1, E3]):
    """Squeeze to ``SQ`` channels, expand by 1x1 and 3x3 convolutions, concatenated."""

    def __init__(self, inplanes: CI, squeeze: SQ, expand1x1: E1, expand3x3: E3) -> None:
        super().__init__()
        self.squeeze = Conv2d(inplanes, squeeze, kernel_size=1)
        self.expand1x1 = Conv2d(squeeze, expand1x1, kernel_size=1)
        self.expand3x3 = Conv2d(squeeze, expand3x3, kernel_size=3, padding=1)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, Expr[L["E1+E3"]], H, W, T]:
        x_sq = self.squeeze(x).relu()
        return dx.cat([self.expand1x1(x_sq).relu(), self.expand3x3(x_sq).relu()], axis=1)

    __call__ = forward


class Stem(Module, Generic[CI, CO]):
    def __init__(self, in_ch: CI, out_ch: CO) -> None:
        super().__init__()
        self.conv = Conv2d(in_ch, out_ch, kernel_size=3, padding=1, bias=False)
        self.bn = BatchNorm2d(out_ch)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, H, W, T]:
        return self.bn(self.conv(x)).relu()


class SqueezeFeatures(Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = Sequential(
            Stem(3, 64),
            MaxPool2d(kernel_size=2, stride=2),
            Fire(64, 16, 64, 64),
            Fire(128, 16, 64, 64),  # E: mypy[dfdx-shape "Sequential: layer 6 (Fire[64, 32, 128, 12"
            #     "8]) takes 64 channels, layer 4 gives 128"]
            MaxPool2d(kernel_size=2, stride=2),
            Fire(64, 32, 128, 128),  # E: mypy[dfdx-shape "Sequential: layer 6 (Fire[64, 32, 128, 1"
            #     "28]) takes 64 channels, layer 4 gives 128"]
            Fire(256, 48, 192, 192),
        )
        self.head = Conv2d(384, 10, kernel_size=1)

    def forward(self, x: Tensor[N, L[3], L[16], L[16], T]) -> Tensor[N, L[10], T]:
        h = self.features(x)
        h = self.head(h)
        return h.mean(axis=-1).mean(axis=-1)


class MLPBlock(Module, Generic[D, F]):
    """A pre-norm feed-forward block: ``D`` features in and out, ``F`` hidden."""

    def __init__(self, dim: D, hidden: F) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.up = Linear(dim, hidden)
        self.down = Linear(hidden, dim)

    def forward(self, x: Tensor[N, S, D, T]) -> Tensor[N, S, D, T]:
        return x + self.down(self.up(self.norm(x)).gelu())


class Project(Module, Generic[D, F]):
    def __init__(self, dim: D, out: F) -> None:
        super().__init__()
        self.lin = Linear(dim, out)

    def forward(self, x: Tensor[N, S, D, T]) -> Tensor[N, S, F, T]:
        return self.lin(x)

    __call__ = forward


class Tiny(Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = Sequential(Stem(3, 32), Fire(64, 16, 64, 64))  # E: mypy[dfdx-shape
        #     "Sequential: layer 2 (Fire[64, 16, 64, 64]) takes 64 channels, layer 1 gives 32"]

    def forward(self, x: Tensor[N, L[3], H, W, T]) -> Tensor[N, L[128], H, W, T]:
        return self.features(x)


def encoder(
    dim: int,
) -> Sequential[tuple[Project[L[32], L[64]], MLPBlock[L[64], L[256]], Linear[L[256], L[5]]]]:
    return Sequential(Project(32, 64), MLPBlock(64, 256), Linear(256, 5))  # E: mypy[dfdx-shape
    #     "Sequential: layer 3 (Linear[256, 5]) takes 256 features, layer 2 gives 64"]


fire = Fire(64, 16, 64, 64)
y = fire(dx.randn(2, 32, 8, 8))  # E: mypy[dfdx-shape "Fire[64, 16, 64, 64]: x takes Tensor[N, 64, "
#     "H, W], got Tensor[2, 32, 8, 8] (32 != 64)"]
