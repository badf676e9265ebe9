"""Mistakes of blocks built by a helper method of the model (``self._make_stage(out_ch, n,
stride)`` reading and updating ``self.in_ch``), in a model built with its sizes in
``main()`` and run on data from NumPy whose shape its type does not say (docs/modules.md,
"Sizes computed in ``__init__``"). Each is reported where this instance's values make it
fail and where the layer built wrong is built."""

# rules: nn, movement

from typing import Any, Generic, TypeVar

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    AdaptiveAvgPool2d,
    BatchNorm2d,
    Conv2d,
    Identity,
    Linear,
    Module,
    ReLU,
    Sequential,
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
        self.up = Linear(channels // squeeze, channels // squeeze)  # E: mypy[
        #     dfdx-shape "self.up is built here; its output reaches line 50: reshape: "
        #     "cannot reshape Tensor[2, 4] (8 elements) to Tensor[2, 16, 1, 1] (32 elem"
        #     "ents) (in ChannelGate(ch, squeeze) built at line 64)"]

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        n, ch = x.shape[0], x.shape[1]
        w = self.up(self.down(self.pool(x).flatten(1)).relu()).sigmoid()
        return x * w.view(n, ch, 1, 1)  # E: mypy[
        #     dfdx-shape "reshape: cannot reshape Tensor[2, 4] (8 elements) to Tensor["
        #     "2, 16, 1, 1] (32 elements) (in ChannelGate(ch, squeeze) built at line 64"
        #     ")"]


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
        self.head = Linear(base * 2, classes)
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
    """Two stages built by a helper method that returns the stage and its width; the fusion
    convolution is built for the width the loop left in ``ch``, where the two are joined."""

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.low, ch = self._stage(3, width, 1)
        self.high, ch = self._stage(ch, width * 2, 2)
        self.fuse = Conv2d(ch, width, 1)  # E: mypy[
        #     dfdx-shape "self.fuse is built here; called at line 120: conv2d: input c"
        #     "hannels differ: input Tensor[2, 24, 32, 32], weight Tensor[8, 16, 1, 1] "
        #     "(24 != 16 per group * groups 1) (in Pyramid() built at line 341)"]

    def _stage(self, in_ch: int, out_ch: int, depth: int) -> tuple[Sequential, int]:
        layers: list[Module] = []
        for _ in range(depth):
            layers += [Conv2d(in_ch, out_ch, 3, padding=1), ReLU()]
            in_ch = out_ch
        return Sequential(*layers), out_ch

    def forward(self, x: Tensor[B, int, H, W, T]) -> Tensor[B, int, H, W, T]:
        low = self.low(x)
        both = dx.cat([low, self.high(low)], axis=1)
        return self.fuse(both)  # E: mypy[
        #     dfdx-shape "conv2d: input channels differ: input Tensor[2, 24, 32, 32], "
        #     "weight Tensor[8, 16, 1, 1] (24 != 16 per group * groups 1) (in Pyramid()"
        #     " built at line 341)"]


class TokenHead(Module, Generic[C]):
    """Called on tokens sliced from NumPy data, whose shape is not read: its ``forward`` is
    evaluated on the shape it declares, with the instance's ``dim``."""

    def __init__(self, dim: C, hidden: int = 32) -> None:
        super().__init__()
        self.proj = Linear(dim, hidden)
        self.out = Linear(hidden, hidden)  # E: mypy[
        #     dfdx-shape "self.out is built here; its output reaches line 139: add: shapes do not"
        #     " broadcast: Tensor[2, 8, 16] and Tensor[2, 8, 32] (axis -1: 16 != 32) (in TokenHea"
        #     "d(16) built at line 344)"]

    def forward(self, x: Tensor[B, H, C, T]) -> Tensor[B, H, C, T]:
        return x + self.out(self.proj(x).gelu())  # E: mypy[
        #     dfdx-shape "add: shapes do not broadcast: Tensor[2, 8, 16] and Tensor[2, 8, 32] (ax"
        #     "is -1: 16 != 32) (in TokenHead(16) built at line 344)"]


class Down(Module):
    """A downsampling residual block whose second convolution repeats the stride: the sum
    fails where the block is built with a stride of 2 (the shortcut is a ``Module`` field,
    whose sizes no type states)."""

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1) -> None:
        super().__init__()
        self.conv_a = Conv2d(in_ch, out_ch, 3, stride=stride, padding=1)
        self.conv_b = Conv2d(out_ch, out_ch, 3, stride=stride, padding=1)  # E: mypy[
        #     dfdx-shape "self.conv_b is built here; its output reaches line 163: add:"
        #     " shapes do not broadcast: Tensor[2, 16, 4, 4] and Tensor[2, 16, 8, 8] (a"
        #     "xis -2: 4 != 8) (in Down(..., ..., stride=2) built at line 175)"]
        self.skip: Module = Identity()
        if stride != 1 or in_ch != out_ch:
            self.skip = Sequential(Conv2d(in_ch, out_ch, 1, stride=stride), BatchNorm2d(out_ch))

    def forward(self, x: Tensor[B, int, H, W, T]) -> Tensor[B, int, int, int, T]:
        shortcut: Tensor[B, int, int, int, T] = self.skip(x)
        out = self.conv_b(self.conv_a(x).relu())
        return (out + shortcut).relu()  # E: mypy[
        #     dfdx-shape "add: shapes do not broadcast: Tensor[2, 16, 4, 4] and Tensor"
        #     "[2, 16, 8, 8] (axis -2: 4 != 8) (in Down(..., ..., stride=2) built at li"
        #     "ne 175)"]


class Encoder(Module):
    def __init__(self, widths: tuple[int, ...] = (8, 16, 32)) -> None:
        super().__init__()
        self.stem = Conv2d(3, widths[0], 3, padding=1)
        blocks: list[Module] = []
        for i in range(1, len(widths)):
            blocks.append(Down(widths[i - 1], widths[i], stride=2))
        self.downs = Sequential(*blocks)

    def forward(self, x: Tensor[B, int, H, W, T]) -> Tensor[B, int, int, int, T]:
        return self.downs(self.stem(x).relu())


class ConvNormAct(Module, Generic[CI, CO]):
    def __init__(self, in_ch: CI, out_ch: CO) -> None:
        super().__init__()
        self.conv = Conv2d(in_ch, out_ch, 1, bias=False)
        self.norm = BatchNorm2d(out_ch)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, H, W, T]:
        return self.norm(self.conv(x)).relu()  # E: mypy[
        #     dfdx-shape "conv2d: input channels differ: input Tensor[2, 16, 32, 32], "
        #     "weight Tensor[16, 8, 1, 1] (16 != 8 per group * groups 1) (in ConvNormAc"
        #     "t(in_ch, out_ch) built at line 200)"]


class Merge(Module, Generic[CI, CO]):
    """Joins two maps and projects them: built for one map's channels where it gets both."""

    def __init__(self, in_ch: CI, out_ch: CO) -> None:
        super().__init__()
        self.proj = ConvNormAct(in_ch, out_ch)

    def forward(
        self, a: Tensor[B, int, H, W, T], b: Tensor[B, int, H, W, T]
    ) -> Tensor[B, CO, H, W, T]:
        return self.proj(dx.cat([a, b], axis=1))


class TwoBranch(Module):
    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.left = Conv2d(3, width, 3, padding=1)
        self.right = Conv2d(3, width, 5, padding=2)
        self.merge = Merge(width, 16)  # E: mypy[
        #     dfdx-shape "in_ch is given here; used at line 189: conv2d: input channel"
        #     "s differ: input Tensor[2, 16, 32, 32], weight Tensor[16, 8, 1, 1] (16 !="
        #     " 8 per group * groups 1) (in ConvNormAct(in_ch, out_ch) built at line 20"
        #     "0)"]

    def forward(self, x: Tensor[B, int, H, W, T]) -> Tensor[B, int, H, W, T]:
        return self.merge(self.left(x), self.right(x))


def conv3x3(ci: int, co: int, stride: int = 1) -> Sequential:
    return Sequential(Conv2d(ci, co, 3, stride=stride, padding=1, bias=False), BatchNorm2d(co))


class CrossScale(Module):
    """Brings the high-resolution map down to the low one: its convolution, built by a
    helper function, is missing ``stride=2``."""

    def __init__(self, hi: int, lo: int) -> None:
        super().__init__()
        self.to_low = conv3x3(hi, lo)  # E: mypy[
        #     dfdx-shape "layer 1 of self.to_low is built here; its output reaches lin"
        #     "e 242: add: shapes do not broadcast: Tensor[2, 16, 16, 16] and Tensor[2,"
        #     " 16, 32, 32] (axis -2: 16 != 32) (in CrossScale(..., ...) built at line "
        #     "253)"]

    def forward(
        self, xh: Tensor[B, int, H, W, T], xl: Tensor[B, int, int, int, T]
    ) -> Tensor[B, int, int, int, T]:
        return xl + self.to_low(xh)  # E: mypy[
        #     dfdx-shape "add: shapes do not broadcast: Tensor[2, 16, 16, 16] and Tens"
        #     "or[2, 16, 32, 32] (axis -2: 16 != 32) (in CrossScale(..., ...) built at "
        #     "line 253)"]


class TwoResolutions(Module):
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
    """A 1xk then kx1 branch beside a 1x1 one; the kx1 is padded on the wrong axis."""

    def __init__(self, ch: int, mid: int, k: int = 5) -> None:
        super().__init__()
        self.single = ConvBN(ch, 8, kernel_size=1)
        self.wide = ConvBN(ch, mid, kernel_size=(1, k), padding=(0, k // 2))
        self.tall = ConvBN(mid, 8, kernel_size=(k, 1), padding=(0, k // 2))  # E: mypy[
        #     dfdx-shape "self.tall is built here; its output reaches line 285: concat"
        #     ": sizes differ on axis 2: Tensor[2, 8, 32, 32] and Tensor[2, 8, 28, 36] "
        #     "(32 != 28) (in Factorized(3, 6) built at line 350)"]

    def forward(self, x: Tensor[B, int, H, W, T]) -> Tensor[B, int, int, int, T]:
        return dx.cat([self.single(x), self.tall(self.wide(x))], axis=1)  # E: mypy[
        #     dfdx-shape "concat: sizes differ on axis 2: Tensor[2, 8, 32, 32] and Ten"
        #     "sor[2, 8, 28, 36] (32 != 28) (in Factorized(3, 6) built at line 350)"]


class Bottleneck(Module):
    """``expansion`` is a class constant; the third norm is built for the narrow width."""

    expansion = 4

    def __init__(self, in_ch: int, width: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_ch, width, 1, bias=False)
        self.conv2 = Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.conv3 = Conv2d(width, width * self.expansion, 1, bias=False)  # E: mypy[
        #     dfdx-shape "self.conv3 is built here; its output reaches line 310: Batch"
        #     "Norm2d[4]: takes 4 channels on axis 1, got Tensor[2, 16, 32, 32] (16 != "
        #     "4) (in Bottleneck(in_ch, width, s) built at line 327)"]
        self.bn3 = BatchNorm2d(width)  # E: mypy[
        #     dfdx-shape "self.bn3 is built here; called at line 310: BatchNorm2d[4]: "
        #     "takes 4 channels on axis 1, got Tensor[2, 16, 32, 32] (16 != 4) (in Bott"
        #     "leneck(in_ch, width, s) built at line 327)"]

    def forward(self, x: Tensor[B, int, H, W, T]) -> Tensor[B, int, int, int, T]:
        out = self.conv2(self.conv1(x).relu()).relu()
        return self.bn3(self.conv3(out)).relu()  # E: mypy[
        #     dfdx-shape "BatchNorm2d[4]: takes 4 channels on axis 1, got Tensor[2, 16"
        #     ", 32, 32] (16 != 4) (in Bottleneck(in_ch, width, s) built at line 327)"]


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


def main() -> None:
    rng = np.random.default_rng(0)
    images = dx.tensor(rng.standard_normal((2, 3, 32, 32)).astype(np.float32))
    model = GatedNet(10)
    print(model(images.trace()).shape)
    pyramid = Pyramid()
    print(pyramid(images).shape)
    feats = rng.standard_normal((2, 10, 16)).astype(np.float32)
    head = TokenHead(16)
    print(head(dx.tensor(feats[:, :8])).shape)
    encoder = Encoder()
    print(encoder(dx.tensor(rng.random((2, 3, 16, 16)))).shape)
    print(TwoBranch()(images).shape)
    print(TwoResolutions([8, 16])(images).shape)
    print(Factorized(3, 6)(images).shape)
    print(Stages([2, 1])(images).shape)


if __name__ == "__main__":
    main()
