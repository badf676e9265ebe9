"""Layers a block builds only where it needs them, with the block's ``stride: int``: a
projection shortcut declared ``Conv2d[CI, CO, Any] | None`` and built in an ``if``, one built
in a conditional expression, a ``Sequential[Any] | None`` downsample, an average pool taken
only where the stride is above 1. Each is called with the window it was built with, so its
output is ``(H-1)//stride+1`` like the main path's, and the sum checks. The identity taken
where the shortcut is ``None`` (the block's condition holds the widths equal and the stride
1) is accepted, in the ``if``'s branch and as a member of a value joined from two branches.
Transposed convolutions give their strided sizes with an ``int`` stride too, and a pool with
an ``int`` kernel and stride gives ``H//pool``."""

# rules: binary, nn

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    ConvTranspose2d,
    MaxPool2d,
    Module,
    ModuleList,
    ReLU,
    Sequential,
)

N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class WideBasic(Module, Generic[CI, CO]):
    """Wide ResNet's pre-activation block: the 1x1 projection only where the widths differ."""

    def __init__(self, in_planes: CI, out_planes: CO, stride: int, drop_rate: float = 0.0) -> None:
        super().__init__()
        self.bn1 = BatchNorm2d(in_planes)
        self.conv1 = Conv2d(in_planes, out_planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = BatchNorm2d(out_planes)
        self.conv2 = Conv2d(out_planes, out_planes, 3, stride=1, padding=1, bias=False)
        self.drop_rate = drop_rate
        self.equal_in_out = in_planes == out_planes
        self.shortcut: Conv2d[CI, CO, Any] | None = None
        if not self.equal_in_out:
            self.shortcut = Conv2d(
                in_planes,
                out_planes,
                kernel_size=1,
                stride=stride,
                padding=0,
                bias=False,
            )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        o = dx.relu(self.bn1(x))
        out = self.conv1(o)
        out = self.conv2(dx.relu(self.bn2(out)))
        if self.shortcut is None:
            return out + x  # (pyright keeps the left operand's sizes)
        projected = self.shortcut(o)
        assert_type(
            projected,
            Tensor[N, CO, Expr[L["(H-1)//stride+1"]], Expr[L["(W-1)//stride+1"]], T],
        )
        return projected + out


class ProjectedWhenNeeded(Module, Generic[CI, CO]):
    """The projection built in a conditional expression, the residual joined from both."""

    def __init__(self, in_planes: CI, out_planes: CO, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_planes, out_planes, 3, stride=stride, padding=1, bias=False)
        self.conv2 = Conv2d(out_planes, out_planes, 3, padding=1, bias=False)
        self.proj = (
            Conv2d(in_planes, out_planes, 1, stride=stride, bias=False)
            if stride != 1 or in_planes != out_planes
            else None
        )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        out = self.conv2(dx.relu(self.conv1(x)))
        residual = x if self.proj is None else self.proj(x)
        return dx.relu(out + residual)


class Downsampled(Module, Generic[CI, CO]):
    """torchvision's ``downsample``: a ``Sequential`` declared ``Sequential[Any] | None``."""

    def __init__(self, inplanes: CI, planes: CO, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = BatchNorm2d(planes)
        self.relu = ReLU()
        self.downsample: Sequential[Any] | None = None
        if stride != 1 or inplanes != planes:
            self.downsample = Sequential(
                Conv2d(inplanes, planes, 1, stride, bias=False),
                BatchNorm2d(planes),
            )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        out = self.relu(self.bn1(self.conv1(x)))
        if self.downsample is not None:
            identity = self.downsample(x)
        else:
            identity = x
        return self.relu(out + identity)


class PooledShortcut(Module, Generic[C]):
    """ResNet-D's shortcut: an average pool of ``stride`` taken only where it is above 1."""

    def __init__(self, channels: C, stride: int = 1) -> None:
        super().__init__()
        self.conv = Conv2d(channels, channels, 3, stride=stride, padding=1, bias=False)
        self.pool: AvgPool2d[Any] | None = None
        if stride > 1:
            self.pool = AvgPool2d(stride, stride)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, Any, Any, T]:
        out = self.conv(x)
        identity = x
        if self.pool is not None:
            identity = self.pool(x)
            assert_type(identity, Tensor[N, C, Expr[L["H//stride"]], Expr[L["W//stride"]], T])
        return out + identity


class AddedInBranch(Module, Generic[CI, CO]):
    """The projection added inside ``if self.shortcut is not None``, strided as the main path."""

    def __init__(self, in_planes: CI, out_planes: CO, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_planes, out_planes, 3, stride=stride, padding=1, bias=False)
        self.shortcut: Conv2d[CI, CO, Any] | None = None
        if stride != 1 or in_planes != out_planes:
            self.shortcut = Conv2d(in_planes, out_planes, 1, stride=stride, bias=False)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        out = self.conv1(x)
        if self.shortcut is not None:
            out = out + self.shortcut(x)
        return out


class WiderAtStrideOne(Module, Generic[CI, CO]):
    """An unstrided projection built only where the stride is 1 (its condition says so): added
    in the branch where it exists, it fits."""

    def __init__(self, in_planes: CI, out_planes: CO, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_planes, out_planes, 3, stride=stride, padding=1, bias=False)
        self.shortcut: Conv2d[CI, CO, Any] | None = None
        if stride == 1 and in_planes != out_planes:
            self.shortcut = Conv2d(in_planes, out_planes, 1, bias=False)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        out = self.conv1(x)
        if self.shortcut is not None:
            out = out + self.shortcut(x)
        return out


class PoolStem(Module, Generic[CI, CO]):
    """A stem whose pool takes ``int`` window sizes: ``H//pool`` meets the strided convolution's
    ``(H+1)//2`` (equal where ``pool`` is 2)."""

    def __init__(self, in_ch: CI, out_ch: CO, pool: int) -> None:
        super().__init__()
        self.pool = MaxPool2d(pool, pool)
        self.proj = Conv2d(in_ch, out_ch, 1)
        self.conv = Conv2d(in_ch, out_ch, 3, stride=2, padding=1)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        pooled = self.proj(self.pool(x))
        assert_type(pooled, Tensor[N, CO, Expr[L["H//pool"]], Expr[L["W//pool"]], T])
        return pooled + self.conv(x)


class Upsampler(Module, Generic[CI, CO]):
    """Transposed convolutions with ``int`` window sizes: a kernel of ``stride`` strided by
    it gives ``H*stride``; a 3x3 kernel strided by 2, padded by 1 with ``output_padding=1``
    gives ``2*H``."""

    def __init__(self, in_ch: CI, out_ch: CO, stride: int) -> None:
        super().__init__()
        self.up = ConvTranspose2d(in_ch, out_ch, kernel_size=stride, stride=stride)
        self.double = ConvTranspose2d(
            out_ch, out_ch, 3, stride=2, padding=1, output_padding=1, bias=False
        )

    def forward(
        self, x: Tensor[N, CI, H, W, T]
    ) -> Tensor[N, CO, Expr[L["2*H*stride"]], Expr[L["2*W*stride"]], T]:
        up = self.up(x)
        assert_type(up, Tensor[N, CO, Expr[L["H*stride"]], Expr[L["W*stride"]], T])
        return self.double(up)


class Stage(Module, Generic[C]):
    """Blocks of a ``ModuleList`` used at stride 1 behind a strided one."""

    def __init__(self, channels: C, depth: int, stride: int) -> None:
        super().__init__()
        self.first = ProjectedWhenNeeded(channels, channels, stride)
        self.rest = ModuleList([WideBasic(channels, channels, 1) for _ in range(depth - 1)])

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, Any, Any, T]:
        h = self.first(x)
        for block in self.rest:
            h = block(h)
        return h


rng = np.random.default_rng(0)
images = dx.tensor(rng.standard_normal((2, 8, 8, 8)).astype(np.float32)).ensure_shape(2, 8, 8, 8)
wide: WideBasic[L[8], L[16]] = WideBasic(8, 16, stride=2)
assert wide(images).shape == (2, 16, 4, 4)
same: WideBasic[L[8], L[8]] = WideBasic(8, 8, stride=1)
assert same(images).shape == (2, 8, 8, 8)
joined: ProjectedWhenNeeded[L[8], L[16]] = ProjectedWhenNeeded(8, 16, stride=2)
assert joined(images).shape == (2, 16, 4, 4)
kept: ProjectedWhenNeeded[L[8], L[8]] = ProjectedWhenNeeded(8, 8)
assert kept(images).shape == (2, 8, 8, 8)
down: Downsampled[L[8], L[16]] = Downsampled(8, 16, stride=2)
assert down(images).shape == (2, 16, 4, 4)
plain: Downsampled[L[8], L[8]] = Downsampled(8, 8)
assert plain(images).shape == (2, 8, 8, 8)
pooled: PooledShortcut[L[8]] = PooledShortcut(8, stride=2)
assert pooled(images).shape == (2, 8, 4, 4)
unpooled: PooledShortcut[L[8]] = PooledShortcut(8)
assert unpooled(images).shape == (2, 8, 8, 8)
added: AddedInBranch[L[8], L[16]] = AddedInBranch(8, 16, stride=2)
assert added(images).shape == (2, 16, 4, 4)
wider: WiderAtStrideOne[L[8], L[16]] = WiderAtStrideOne(8, 16)
assert wider(images).shape == (2, 16, 8, 8)
strided: WiderAtStrideOne[L[8], L[16]] = WiderAtStrideOne(8, 16, stride=2)
assert strided(images).shape == (2, 16, 4, 4)
stem: PoolStem[L[8], L[4]] = PoolStem(8, 4, pool=2)
assert stem(images).shape == (2, 4, 4, 4)
upsampler: Upsampler[L[8], L[4]] = Upsampler(8, 4, stride=2)
assert upsampler(images).shape == (2, 4, 32, 32)
stage: Stage[L[8]] = Stage(8, depth=3, stride=2)
assert stage(images).shape == (2, 8, 4, 4)
