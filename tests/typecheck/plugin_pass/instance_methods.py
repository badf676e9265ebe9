"""Blocks built by a helper method of the model (``self._make_stage(out_ch, n, stride)``,
which reads and updates ``self.in_ch``; ``self._stage(...)`` returning a stage and its
width) and a weight-initialising method called at the end of ``__init__``: the model built
with its sizes is evaluated through them (docs/modules.md, "Sizes computed in
``__init__``"). A model run on data from NumPy, whose shape its type does not say, is
evaluated on the shape its ``forward`` declares: nothing is reported where the sizes fit,
and its result keeps its declared type."""

# rules: nn, movement

import math
from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    AdaptiveAvgPool2d,
    BatchNorm2d,
    Conv2d,
    Linear,
    Module,
    ReLU,
    Sequential,
    Upsample,
    init,
)

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
NC = TypeVar("NC", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class ChannelGate(Module, Generic[C]):
    def __init__(self, channels: C, squeeze: int) -> None:
        super().__init__()
        self.pool = AdaptiveAvgPool2d(1)
        self.down = Linear(channels, channels // squeeze)
        self.up = Linear(channels // squeeze, channels)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        n, ch = x.shape[0], x.shape[1]
        w = self.up(self.down(self.pool(x).flatten(1)).relu()).sigmoid()
        return x * w.view(n, ch, 1, 1)


class Stage(Module):
    def __init__(self, in_ch: int, ch: int, stride: int = 1, squeeze: int = 4) -> None:
        super().__init__()
        self.body = Sequential(
            Conv2d(in_ch, ch, 3, stride=stride, padding=1, bias=False),
            BatchNorm2d(ch),
            ReLU(),
        )
        self.gate = ChannelGate(ch, squeeze)

    def forward(self, x: Tensor[B, int, H, W, T]) -> Tensor[B, int, int, int, T]:
        return self.gate(self.body(x))


class GatedNet(Module, Generic[NC]):
    def __init__(self, classes: NC, base: int = 16) -> None:
        super().__init__()
        self.in_ch = 3
        self.stage1 = self._make_stage(base, 1)
        self.stage2 = self._make_stage(base * 2, 2, stride=2)
        self.pool = AdaptiveAvgPool2d(1)
        self.head = Linear(self.in_ch, classes)
        self._init_weights()

    def _make_stage(self, ch: int, blocks: int, stride: int = 1) -> Sequential:
        layers: list[Module] = []
        for i in range(blocks):
            layers.append(Stage(self.in_ch, ch, stride if i == 0 else 1))
            self.in_ch = ch
        return Sequential(*layers)

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, Linear):
                init.normal_(m.weight, std=0.01)

    def forward(self, x: Tensor[B, int, int, int, T]) -> Tensor[B, NC, T]:
        h = self.stage2(self.stage1(x))
        return self.head(self.pool(h).flatten(1))


class Pyramid(Module):
    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.low, ch = self._stage(3, width, 1)
        self.high, ch2 = self._stage(ch, width * 2, 2)
        self.fuse = Conv2d(ch + ch2, width, 1)

    def _stage(self, in_ch: int, out_ch: int, depth: int) -> tuple[Sequential, int]:
        layers: list[Module] = []
        for _ in range(depth):
            layers += [Conv2d(in_ch, out_ch, 3, padding=1), ReLU()]
            in_ch = out_ch
        return Sequential(*layers), out_ch

    def forward(self, x: Tensor[B, int, H, W, T]) -> Tensor[B, int, H, W, T]:
        low = self.low(x)
        both = dx.cat([low, self.high(low)], axis=1)
        return self.fuse(both)


class TwoScale(Module):
    """A half-resolution path brought back by ``Upsample(scale_factor=2)`` and joined to
    the input: the evaluation follows the upsampling's sizes."""

    def __init__(self, ch: int = 8) -> None:
        super().__init__()
        self.down = Conv2d(3, ch, 3, stride=2, padding=1)
        self.up = Upsample(scale_factor=2)
        self.fuse = Conv2d(ch + 3, ch, 1)

    def forward(self, x: Tensor[B, int, H, W, T]) -> Tensor[B, int, int, int, T]:
        y = self.up(self.down(x).relu())
        return self.fuse(dx.cat([x, y], axis=1))


def conv3x3(ci: int, co: int, stride: int = 1) -> Sequential:
    return Sequential(Conv2d(ci, co, 3, stride=stride, padding=1, bias=False), BatchNorm2d(co))


class CrossScale(Module):
    """Layers built by a helper function of the file, evaluated as if written inline."""

    def __init__(self, hi: int, lo: int) -> None:
        super().__init__()
        self.to_low = conv3x3(hi, lo, stride=2)

    def forward(
        self, xh: Tensor[B, int, H, W, T], xl: Tensor[B, int, int, int, T]
    ) -> Tensor[B, int, int, int, T]:
        return xl + self.to_low(xh)


class TwoResolutions(Module):
    """Built with its widths in a list."""

    def __init__(self, widths: list[int]) -> None:
        super().__init__()
        self.stem = conv3x3(3, widths[0])
        self.split = conv3x3(widths[0], widths[1], stride=2)
        self.cross = CrossScale(widths[0], widths[1])

    def forward(self, x: Tensor[B, int, H, W, T]) -> Tensor[B, int, int, int, T]:
        h = self.stem(x).relu()
        return self.cross(h, self.split(h))


class ConvBN(Module, Generic[CI, CO]):
    """A convolution wrapper whose window arguments come as ``**kwargs``."""

    def __init__(self, in_ch: CI, out_ch: CO, **kwargs: Any) -> None:
        super().__init__()
        self.conv: Conv2d[CI, CO, Any] = Conv2d(in_ch, out_ch, bias=False, **kwargs)
        self.bn = BatchNorm2d(out_ch)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, Any, Any, T]:
        return self.bn(self.conv(x)).relu()


class Factorized(Module):
    """A 1x5 then 5x1 branch beside a 1x1 one, through a wrapper taking ``**kwargs``."""

    def __init__(self, ch: int, mid: int) -> None:
        super().__init__()
        self.single = ConvBN(ch, 8, kernel_size=1)
        self.wide = ConvBN(ch, mid, kernel_size=(1, 5), padding=(0, 2))
        self.tall = ConvBN(mid, 8, kernel_size=(5, 1), padding=(2, 0))

    def forward(self, x: Tensor[B, int, H, W, T]) -> Tensor[B, int, int, int, T]:
        return dx.cat([self.single(x), self.tall(self.wide(x))], axis=1)


class Bottleneck(Module):
    """``expansion`` is a class constant, read as ``self.expansion`` and
    ``Bottleneck.expansion``."""

    expansion = 4

    def __init__(self, in_ch: int, width: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_ch, width, 1, bias=False)
        self.conv2 = Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.conv3 = Conv2d(width, width * self.expansion, 1, bias=False)
        self.bn3 = BatchNorm2d(width * self.expansion)

    def forward(self, x: Tensor[B, int, H, W, T]) -> Tensor[B, int, int, int, T]:
        out = self.conv2(self.conv1(x).relu()).relu()
        return self.bn3(self.conv3(out)).relu()


class Stages(Module):
    def __init__(self, depths: list[int], width: int = 4) -> None:
        super().__init__()
        self.in_ch = 3
        self.width = width
        self.stage1 = self._stage(depths[0], 1)
        self.stage2 = self._stage(depths[1], 2)

    def _stage(self, depth: int, stride: int) -> Sequential:
        strides = [stride] + [1] * (depth - 1)
        blocks: list[Module] = []
        for s in strides:
            blocks.append(Bottleneck(self.in_ch, self.width, s))
            self.in_ch = self.width * Bottleneck.expansion
        self.width *= 2
        return Sequential(*blocks)

    def forward(self, x: Tensor[B, int, H, W, T]) -> Tensor[B, int, int, int, T]:
        return self.stage2(self.stage1(x))


class PooledBranch(Module):
    """A global-context branch brought back to the map's size by ``dx.interpolate``, and
    ``int(math.log(scale, 2))`` doubling stages."""

    def __init__(self, ch: int, scale: int = 4) -> None:
        super().__init__()
        self.conv = Conv2d(ch, ch, 1)
        ups: list[Module] = []
        for _ in range(int(math.log(scale, 2))):
            ups.append(Upsample(scale_factor=2))
        self.up = Sequential(*ups)

    def forward(self, x: Tensor[B, int, H, W, T]) -> Tensor[B, int, int, int, T]:
        pooled = self.conv(dx.adaptive_avg_pool2d(x, 1))
        y = x + dx.interpolate(pooled, size=x.shape[-2:], mode="bilinear", align_corners=False)
        return self.up(y)


def main() -> None:
    rng = np.random.default_rng(0)
    images = dx.tensor(rng.standard_normal((2, 3, 32, 32)).astype(np.float32))
    model = GatedNet(10)
    logits = model(images.trace())
    assert logits.shape == (2, 10)
    pyramid = Pyramid()
    features = pyramid(images)
    assert features.shape == (2, 8, 32, 32)
    # on a tensor whose type says its shape, the instance's sizes type the result
    x = dx.randn(2, 3, 16, 16)
    assert_type(pyramid(x), Tensor[L[2], L[8], L[16], L[16], NoneTape])
    assert_type(GatedNet(5)(x), Tensor[L[2], L[5], NoneTape])
    assert_type(TwoScale()(x), Tensor[L[2], L[8], L[16], L[16], NoneTape])
    assert TwoScale()(images).shape == (2, 8, 32, 32)
    assert_type(TwoResolutions([8, 16])(x), Tensor[L[2], L[16], L[8], L[8], NoneTape])
    assert TwoResolutions([8, 16])(images).shape == (2, 16, 16, 16)
    assert_type(Factorized(3, 6)(x), Tensor[L[2], L[16], L[16], L[16], NoneTape])
    assert_type(Stages([2, 1])(x), Tensor[L[2], L[32], L[8], L[8], NoneTape])
    assert Stages([2, 1])(images).shape == (2, 32, 16, 16)
    assert_type(PooledBranch(3)(x), Tensor[L[2], L[3], L[64], L[64], NoneTape])


if __name__ == "__main__":
    main()
