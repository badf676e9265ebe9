"""A module's plain ``int`` arguments given to its layers as sizes (a ``stride: int``, a
``hidden: int``, ``planes * expansion``) are read as sizes named after them: a strided block's
output is ``(H-1)//stride+1``, a gated feed-forward's halves are ``hidden``. Such a name is one
value the module may be built with, so it may equal another name: two int widths (``hidden`` and
``width``), or one and a size TypeVar (``hidden`` and ``F``), are not taken to differ; an
average pool's ``H//stride`` is the strided convolution's size up to a floor's rounding; in a
branch of an ``if`` the unstrided input may be added (the condition may hold ``stride == 1``);
an ``int`` in a sum (``dim + extra``, which may be 0) stays unknown; a declared ``int`` size
keeps the layer's declared type."""

# rules: binary, nn, movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import AvgPool2d, BatchNorm2d, Conv2d, Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
F = TypeVar("F", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
P = TypeVar("P", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Bottleneck(Module, Generic[CI, P]):
    """torchvision's bottleneck with a ``stride: int`` and ``expansion: int``: the 3x3
    convolution strides, and so does the projection shortcut."""

    def __init__(self, inplanes: CI, planes: P, stride: int = 1, expansion: int = 4) -> None:
        super().__init__()
        self.conv1 = Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = BatchNorm2d(planes)
        self.conv2 = Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = BatchNorm2d(planes)
        self.conv3 = Conv2d(planes, planes * expansion, 1, bias=False)
        self.bn3 = BatchNorm2d(planes * expansion)
        self.relu = ReLU()
        self.downsample = Sequential(
            Conv2d(inplanes, planes * expansion, 1, stride=stride, bias=False),
            BatchNorm2d(planes * expansion),
        )

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, int, int, int, T]:
        identity = self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        assert_type(
            out,
            Tensor[
                B,
                Expr[L["P*expansion"]],
                Expr[L["(H-1)//stride+1"]],
                Expr[L["(W-1)//stride+1"]],
                T,
            ],
        )
        return self.relu(out + identity)


class PooledShortcut(Module, Generic[CI]):
    """ResNet-D's shortcut: an average pool of the stride, then a 1x1 convolution. The pool
    gives ``H//stride``, the strided 3x3 convolution ``(H-1)//stride+1``: equal wherever the
    stride divides ``H``, as the module is meant to be used."""

    def __init__(self, channels: CI, stride: int) -> None:
        super().__init__()
        self.conv = Conv2d(channels, channels, 3, stride=stride, padding=1)
        self.shortcut = Sequential(AvgPool2d(stride), Conv2d(channels, channels, 1))

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CI, int, int, T]:
        return self.conv(x) + self.shortcut(x)


class MaybeStrided(Module, Generic[CI]):
    """The identity added only where the stride is 1: the branch's condition may hold it."""

    def __init__(self, channels: CI, stride: int) -> None:
        super().__init__()
        self.stride = stride
        self.conv = Conv2d(channels, channels, 3, stride=stride, padding=1)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CI, int, int, T]:
        out = self.conv(x)
        if self.stride == 1:
            out = out + x
        return out


class GatedFeedForward(Module, Generic[D]):
    """A GLU feed-forward: ``2 * hidden`` features split into two halves of ``hidden``."""

    def __init__(self, dim: D, hidden: int) -> None:
        super().__init__()
        self.fc1 = Linear(dim, 2 * hidden)
        self.fc2 = Linear(hidden, dim)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        h = self.fc1(x)
        assert_type(h, Tensor[B, S, Dyn, T])  # 2*hidden: the plugin keeps it, mypy sees Any
        a, gate = h.chunk(2, axis=-1)
        return self.fc2(a * gate.sigmoid())


class TwoWidths(Module, Generic[D, F]):
    """Two int widths, and an int width and a size TypeVar, that the caller makes equal:
    nothing says they differ. A tensor's size that is one int argument alone is no size of its
    type (``hidden`` may be ``F``, or the ``S`` a caller declares): it is unknown there, as
    ``int`` is; a layer's type names it."""

    def __init__(self, dim: D, features: F, hidden: int, width: int, extra: int = 0) -> None:
        super().__init__()
        self.up = Linear(dim, hidden)
        self.down = Linear(width, dim)
        self.side = Linear(hidden, features)
        self.wide = Linear(dim + extra, dim)  # ``extra`` may be 0: not read as a size

    def forward(self, x: Tensor[B, D, T], y: Tensor[B, F, T]) -> Tensor[B, D, T]:
        h = self.up(x)
        out = self.down(h)
        side = self.side(h) + y
        return self.wide(out) + side.sum(axis=-1, keepdims=True)

    def hidden_as(self, x: Tensor[B, D, T], y: Tensor[B, F, T]) -> Tensor[B, F, T]:
        h = self.up(x)
        return h if y.shape[1] > 0 else y


class PatchHead(Module, Generic[D]):
    """A pixel predictor whose width is declared ``int``: the declared type stands."""

    def __init__(self, dim: D, patch_size: int, in_chans: int) -> None:
        super().__init__()
        self.proj = Conv2d(in_chans, dim, kernel_size=patch_size, stride=patch_size)
        self.pred: Linear[D, int] = Linear(dim, patch_size**2 * in_chans)

    def forward(self, imgs: Tensor[B, CI, H, W, T]) -> Tensor[B, int, int, T]:
        tokens = self.proj(imgs).flatten(2).transpose(1, 2)
        return self.pred(tokens)


class Block(Module, Generic[D]):
    """A user module given the enclosing module's ``hidden: int``, and a layer declared with a
    size TypeVar where it is built with ``hidden``: both may be equal."""

    def __init__(self, dim: D, hidden: int) -> None:
        super().__init__()
        self.ffn = GatedFeedForward(dim, hidden)
        self.gate: Linear[D, D] = Linear(dim, hidden)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        return x + self.ffn(x)


rng = np.random.default_rng(0)
images = dx.tensor(rng.standard_normal((2, 8, 8, 8)).astype(np.float32)).ensure_shape(2, 8, 8, 8)
block: Bottleneck[L[8], L[2]] = Bottleneck(8, 2, stride=2)
assert block(images).shape == (2, 8, 4, 4)
pooled: PooledShortcut[L[8]] = PooledShortcut(8, stride=2)
assert pooled(images).shape == (2, 8, 4, 4)
maybe: MaybeStrided[L[8]] = MaybeStrided(8, stride=1)
assert maybe(images).shape == (2, 8, 8, 8)
tokens = dx.randn(2, 5, 6)
ffn: GatedFeedForward[L[6]] = GatedFeedForward(6, hidden=12)
assert ffn(tokens).shape == (2, 5, 6)
two: TwoWidths[L[6], L[4]] = TwoWidths(6, 4, hidden=4, width=4)
assert two(dx.randn(2, 6), dx.randn(2, 4)).shape == (2, 6)
assert two.hidden_as(dx.randn(2, 6), dx.randn(2, 4)).shape == (2, 4)
head: PatchHead[L[6]] = PatchHead(6, patch_size=2, in_chans=8)
assert head(images).shape == (2, 16, 32)
blk: Block[L[6]] = Block(6, hidden=6)
assert blk(tokens).shape == (2, 5, 6)
