"""Blocks typed per instance (docs/modules.md, "Blocks typed per instance"): a block written
once and built with many arguments declares sizes its ``forward`` cannot name (``Dyn``
spatial sizes, an ``int`` width); each call of an instance built with known arguments is
typed by running its ``forward`` with them, so the sizes after it stay known. An Inception
stem of ``BasicConv2d`` at several strides and paddings joined by ``cat``, a Mix-FFN whose
hidden width is ``dim * ratio``, a residual block whose shortcut is built only where the
stride is not 1, MobileNet's ``ConvBNReLU`` inside a ``Sequential``."""

# rules: nn, movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, LayerNorm, Linear, Module, Sequential

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class BasicConv2d(Module, Generic[CI, CO]):
    """torchvision's Inception block: a convolution without bias, a batch norm, a ReLU."""

    def __init__(
        self, in_channels: CI, out_channels: CO, kernel_size: int, stride: int = 1, padding: int = 0
    ) -> None:
        super().__init__()
        self.conv = Conv2d(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=padding,
            bias=False,
            rng=rng,
        )
        self.bn = BatchNorm2d(out_channels)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, Dyn, Dyn, T]:
        h = self.conv(x)
        return self.bn(h).relu()


class InceptionStem(Module):
    """Four branches at one resolution, then concatenated: each branch's sizes are known."""

    def __init__(self) -> None:
        super().__init__()
        self.stem: BasicConv2d[L[3], L[16]] = BasicConv2d(3, 16, 3, stride=2, padding=1)
        self.branch1x1: BasicConv2d[L[16], L[8]] = BasicConv2d(16, 8, kernel_size=1)
        self.branch3x3: BasicConv2d[L[16], L[12]] = BasicConv2d(16, 12, kernel_size=3, padding=1)
        self.branch5x5: BasicConv2d[L[16], L[4]] = BasicConv2d(
            16,
            4,
            kernel_size=5,
            padding=2,
        )
        self.reduce: BasicConv2d[L[24], L[24]] = BasicConv2d(24, 24, 3, stride=2)

    def forward(self, x: Tensor[B, L[3], L[17], L[17], T]) -> Tensor[B, L[24], L[4], L[4], T]:
        h = self.stem(x)
        assert_type(h, Tensor[B, L[16], L[9], L[9], T])
        branches = [self.branch1x1(h), self.branch3x3(h), self.branch5x5(h)]
        joined = dx.cat(branches, axis=1)
        assert_type(joined, Tensor[B, L[24], L[9], L[9], T])
        return self.reduce(joined)


class MixFFN(Module, Generic[D]):
    """SegFormer's feed-forward: the hidden width is ``dim * ratio``, an ``int``."""

    def __init__(self, dim: D, ratio: int) -> None:
        super().__init__()
        hidden = dim * ratio
        self.norm = LayerNorm(dim)
        self.fc1 = Linear(dim, hidden, rng=rng)
        self.fc2 = Linear(hidden, dim, rng=rng)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        h = self.fc1(self.norm(x)).gelu()
        return x + self.fc2(h)


class Expand(Module):
    """A width made from ``int`` arguments: ``forward`` can only declare it ``int``."""

    def __init__(self, dim: int, ratio: int) -> None:
        super().__init__()
        self.fc = Linear(dim, dim * ratio, rng=rng)

    def forward(self, x: Tensor[B, N, Dyn, T]) -> Tensor[B, N, Dyn, T]:
        return self.fc(x).gelu()


class ResidualBlock(Module, Generic[CI, CO]):
    """A ResNet basic block; its output's spatial sizes follow its stride."""

    def __init__(self, in_ch: CI, out_ch: CO, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=False, rng=rng)
        self.bn1 = BatchNorm2d(out_ch)
        self.conv2 = Conv2d(out_ch, out_ch, 3, padding=1, bias=False, rng=rng)
        self.bn2 = BatchNorm2d(out_ch)
        self.shortcut = Conv2d(in_ch, out_ch, 1, stride=stride, bias=False, rng=rng)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, Dyn, Dyn, T]:
        out = self.bn1(self.conv1(x)).relu()
        out = self.bn2(self.conv2(out))
        return (out + self.shortcut(x)).relu()


class Encoder(Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = InceptionStem()
        self.layer1: ResidualBlock[L[24], L[32]] = ResidualBlock(24, 32, stride=2)
        self.layer2: ResidualBlock[L[32], L[32]] = ResidualBlock(32, 32)
        self.ffn: MixFFN[L[32]] = MixFFN(32, ratio=4)
        self.expand = Expand(32, 2)

    def forward(self, x: Tensor[B, L[3], L[17], L[17], T]) -> Tensor[B, L[4], L[64], T]:
        h = self.stem(x)
        h2 = self.layer1(h)
        assert_type(h2, Tensor[B, L[32], L[2], L[2], T])
        h3 = self.layer2(h2)
        assert_type(h3, Tensor[B, L[32], L[2], L[2], T])
        tokens = h3.flatten(2).transpose(1, 2)
        assert_type(tokens, Tensor[B, L[4], L[32], T])
        tokens = self.ffn(tokens)
        wide = self.expand(tokens)
        assert_type(wide, Tensor[B, L[4], L[64], T])
        return wide


encoder = Encoder()
images: Tensor[L[2], L[3], L[17], L[17], NoneTape] = dx.randn(2, 3, 17, 17, rng=rng)
out = encoder(images)
assert_type(out, Tensor[L[2], L[4], L[64], NoneTape])
assert out.shape == (2, 4, 64)
local: BasicConv2d[L[3], L[8]] = BasicConv2d(3, 8, 7, stride=2, padding=3)
assert_type(local(images), Tensor[L[2], L[8], L[9], L[9], NoneTape])
assert local(images).shape == (2, 8, 9, 9)


class ConvBNReLU(Module, Generic[CI, CO]):
    """torchvision's MobileNetV2 block: the padding is computed from the kernel size."""

    def __init__(
        self, in_planes: CI, out_planes: CO, kernel_size: int = 3, stride: int = 1
    ) -> None:
        super().__init__()
        padding = (kernel_size - 1) // 2
        self.conv = Conv2d(in_planes, out_planes, kernel_size, stride, padding, bias=False, rng=rng)
        self.bn = BatchNorm2d(out_planes)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, Dyn, Dyn, T]:
        return self.bn(self.conv(x)).relu()


class Downsample(Module, Generic[CI, CO]):
    """A shortcut built only where the stride or the width changes."""

    def __init__(self, in_ch: CI, out_ch: CO, stride: int) -> None:
        super().__init__()
        self.body = ConvBNReLU(in_ch, out_ch, stride=stride)
        self.shortcut: Conv2d[CI, CO] | None = None
        if stride != 1 or in_ch != out_ch:
            self.shortcut = Conv2d(in_ch, out_ch, 1, stride=stride, rng=rng)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, Dyn, Dyn, T]:
        out = self.body(x)
        if self.shortcut is not None:
            out = out + self.shortcut(x)
        return out


class MobileStem(Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = Sequential(
            ConvBNReLU(3, 16, stride=2),
            ConvBNReLU(16, 32, stride=2),
            ConvBNReLU(32, 32, kernel_size=1),
        )
        self.down: Downsample[L[32], L[64]] = Downsample(32, 64, stride=2)
        self.classifier = Linear(64 * 2 * 2, 10, rng=rng)

    def forward(self, x: Tensor[B, L[3], L[16], L[16], T]) -> Tensor[B, L[10], T]:
        h = self.features(x)
        assert_type(h, Tensor[B, L[32], L[4], L[4], T])
        d = self.down(h)
        assert_type(d, Tensor[B, L[64], L[2], L[2], T])
        return self.classifier(d.flatten(1))


stem = MobileStem()
small: Tensor[L[2], L[3], L[16], L[16], NoneTape] = dx.randn(2, 3, 16, 16, rng=rng)
logits = stem(small)
assert_type(logits, Tensor[L[2], L[10], NoneTape])
assert logits.shape == (2, 10)
