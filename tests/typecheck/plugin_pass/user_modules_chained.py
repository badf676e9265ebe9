"""User modules inside a ``Sequential``: a SqueezeNet-style feature stack of fire modules
(``__call__ = forward``, channels ``E1+E3`` worked out with each module's sizes), a
conv-norm-activation block inheriting ``Module.__call__``, and a sequence model whose blocks
take and give features on the last axis. Each module's call, alone or as a link of the
chain, gives the sizes its ``forward`` computes with its own."""

# rules: movement, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    BatchNorm2d,
    Conv2d,
    Dropout,
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
            Fire(128, 16, 64, 64),
            MaxPool2d(kernel_size=2, stride=2),
            Fire(128, 32, 128, 128),
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


images = dx.tensor(np.random.default_rng(0).standard_normal((2, 3, 16, 16), dtype=np.float32))
batch: Tensor[L[2], L[3], L[16], L[16], NoneTape] = dx.randn(2, 3, 16, 16)
model = SqueezeFeatures()
logits = model(batch)
assert_type(logits, Tensor[L[2], L[10], NoneTape])
probs = model(images).softmax(axis=-1)

fire = Fire(64, 16, 64, 64)
assert_type(fire(dx.randn(2, 64, 8, 8)), Tensor[L[2], L[128], L[8], L[8], NoneTape])

tokens = dx.randn(4, 7, 32)
encoder = Sequential(
    Project(32, 64),
    MLPBlock(64, 256),
    Dropout(0.1),
    MLPBlock(64, 128),
    Linear(64, 5),
)
out = encoder(tokens)
assert_type(out, Tensor[L[4], L[7], L[5], NoneTape])
for block in (MLPBlock(64, 256), MLPBlock(64, 128)):
    y = block(Project(32, 64)(tokens))
    assert_type(y, Tensor[L[4], L[7], L[64], NoneTape])
assert logits.shape == (2, 10) and out.shape == (4, 7, 5)
