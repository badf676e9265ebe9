"""Lists of feature maps started from the input and appended to, as PSPNet's pyramid
pooling and DenseNet's dense block write them (``out = [x]``, then ``out.append(...)``):
mypy infers the list's item type from ``x``, and the maps appended have other channel
counts by design; they are taken, and the concatenation reads each map where it was put."""

# rules: movement, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Module, ModuleList, Upsample

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)
G = TypeVar("G", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class PyramidPooling(Module, Generic[C]):
    """Two pooled branches at 1x1 and 2x2 bins, each reduced to ``C//4`` channels and
    upsampled back to the input's 4x4 map, concatenated with the input."""

    def __init__(self, in_dim: C) -> None:
        super().__init__()
        self.pool1 = AdaptiveAvgPool2d(1)
        self.pool2 = AdaptiveAvgPool2d(2)
        self.reduce1 = Conv2d(in_dim, in_dim // 4, kernel_size=1, bias=False)
        self.reduce2 = Conv2d(in_dim, in_dim // 4, kernel_size=1, bias=False)
        self.up1 = Upsample(scale_factor=4)
        self.up2 = Upsample(scale_factor=2)

    def forward(self, x: Tensor[N, C, L[4], L[4], T]) -> Tensor[N, Dyn, L[4], L[4], T]:
        out = [x]
        out.append(self.up1(self.reduce1(self.pool1(x))))
        out.append(self.up2(self.reduce2(self.pool2(x))))
        return dx.cat(out, axis=1)


class DenseBlock(Module, Generic[C, G]):
    """Each layer sees every map before it and adds ``G`` channels."""

    def __init__(self, in_dim: C, growth: G, depth: int) -> None:
        super().__init__()
        self.layers = ModuleList(
            [Conv2d(in_dim + i * growth, growth, 3, padding=1) for i in range(depth)]
        )
        self.norm = BatchNorm2d(in_dim)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, Dyn, H, W, T]:
        features = [self.norm(x)]
        for layer in self.layers:
            features.append(layer(dx.cat(features, axis=1)).relu())
        return dx.cat(features, axis=1)


class Branches(Module, Generic[C]):
    def __init__(self, in_dim: C) -> None:
        super().__init__()
        self.a = Conv2d(in_dim, 16, 1)
        self.b = Conv2d(in_dim, 8, 3, padding=1)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, Expr[L["C+24"]], H, W, T]:
        outs = [x]
        outs.append(self.a(x))
        outs.insert(1, self.b(x))
        return dx.cat(outs, axis=1)


maps = dx.tensor(np.random.default_rng(0).standard_normal((2, 16, 4, 4)).astype(np.float32))
x: Tensor[L[2], L[16], L[4], L[4], NoneTape] = maps
pyramid: PyramidPooling[L[16]] = PyramidPooling(16)
pooled = pyramid(x)
assert pooled.shape == (2, 24, 4, 4)
dense_block: DenseBlock[L[16], L[4]] = DenseBlock(16, 4, depth=3)
dense = dense_block(x)
assert dense.shape == (2, 28, 4, 4)
branches: Branches[L[16]] = Branches(16)
y = branches(x)
assert_type(y, Tensor[L[2], L[40], L[4], L[4], NoneTape])
assert y.shape == (2, 40, 4, 4)
