"""The layers that ports of image models (CycleGAN, SRResNet, GoogLeNet, StyleGAN, DLRM) need:
padding (``dx.pad`` and ``ReflectionPad2d``, ``ReplicationPad2d``, ``ZeroPad2d``: each padded
size ``H+2*p``, from literals and from a module's ``int`` arguments), pixel shuffling (``C*r*r``
channels to ``C``, sizes times ``r``, and back), ``InstanceNorm2d`` and ``PReLU`` (the shape
kept), pools with ``ceil_mode=True`` (the size rounded up), ``dx.flip`` and
``dx.tril_indices``/``triu_indices`` (``Tensor[2, K]``, ``K`` counted for literal sizes).
Written as users write them: generic modules with size TypeVars, ``int`` constructor
arguments, multi-line constructor calls, reused names, data from NumPy."""

# rules: movement, nn, conv, unary, creation

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    Conv2d,
    InstanceNorm2d,
    MaxPool2d,
    Module,
    ModuleList,
    PixelShuffle,
    PixelUnshuffle,
    PReLU,
    ReflectionPad2d,
    ReLU,
    ReplicationPad2d,
    ZeroPad2d,
)

N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)
img: Tensor[L[2], L[3], L[8], L[8], NoneTape] = dx.tensor(
    rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
)

# ---- dx.pad: (before, after) pairs from the last axis backwards
assert_type(dx.pad(img, (1, 2)), Tensor[L[2], L[3], L[8], L[11], NoneTape])
assert_type(dx.pad(img, (1, 1, 2, 0), mode="reflect"), Tensor[L[2], L[3], L[10], L[10], NoneTape])
assert_type(dx.pad(img, [3, 3, 3, 3], "replicate"), Tensor[L[2], L[3], L[14], L[14], NoneTape])
assert_type(dx.pad(img, (0, 0, 0, 0, 1, 1), value=-1.0), Tensor[L[2], L[5], L[8], L[8], NoneTape])

# ---- the padding layers: an int pads every side, a 4-tuple (left, right, top, bottom)
assert_type(ReflectionPad2d(3)(img), Tensor[L[2], L[3], L[14], L[14], NoneTape])
assert_type(ReplicationPad2d((1, 0, 2, 3))(img), Tensor[L[2], L[3], L[13], L[9], NoneTape])
assert_type(ZeroPad2d((0, 1, 0, 1))(img.trace()), Tensor[L[2], L[3], L[9], L[9], OwnedTape])


class ResnetBlock(Module, Generic[C]):
    """CycleGAN's residual block: reflection padding keeps a 3x3 convolution's size."""

    def __init__(self, dim: C, padding: int = 1) -> None:
        super().__init__()
        self.pad1 = ReflectionPad2d(1)
        self.conv1 = Conv2d(dim, dim, kernel_size=3, rng=rng)
        self.norm1 = InstanceNorm2d(dim)
        self.relu = ReLU(True)
        self.pad2 = ReflectionPad2d(1)
        self.conv2 = Conv2d(dim, dim, kernel_size=3, rng=rng)
        self.norm2 = InstanceNorm2d(dim, affine=True)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        h = self.pad1(x)
        assert_type(h, Tensor[N, C, Expr[L["H+2"]], Expr[L["W+2"]], T])
        h = self.relu(self.norm1(self.conv1(h)))
        assert_type(h, Tensor[N, C, H, W, T])
        h = self.norm2(self.conv2(self.pad2(h)))
        return x + h


class Stem(Module, Generic[C]):
    """CycleGAN's first layer: a 7x7 convolution after a reflection padding of 3, given as a
    module's ``int`` argument."""

    def __init__(self, out_ch: C, pad: int = 3) -> None:
        super().__init__()
        self.pad = ReflectionPad2d(pad)
        self.conv = Conv2d(
            3,
            out_ch,
            kernel_size=7,
            rng=rng,
        )

    def forward(self, x: Tensor[N, L[3], H, W, T]) -> Tensor[N, C, H, W, T]:
        h = dx.pad(x, (3, 3, 3, 3), mode="reflect")
        assert_type(h, Tensor[N, L[3], Expr[L["H+6"]], Expr[L["W+6"]], T])
        return self.conv(h)


stem = Stem(8)
block = ResnetBlock(8)
y = block(stem(img))
assert_type(y, Tensor[L[2], L[8], L[8], L[8], NoneTape])


class Generator(Module, Generic[C]):
    """CycleGAN's generator body: a stem, then residual blocks in a loop (one name reused)."""

    def __init__(self, ngf: C, n_blocks: int) -> None:
        super().__init__()
        self.stem = Stem(ngf)
        self.blocks = ModuleList([ResnetBlock(ngf) for _ in range(n_blocks)])
        self.out = ZeroPad2d((0, 1, 0, 1))

    def forward(self, x: Tensor[N, L[3], H, W, T]) -> Tensor[N, C, Expr[L["H+1"]], Dyn, T]:
        h = self.stem(x)
        for blk in self.blocks:
            h = blk(h)
        return self.out(h)


gen = Generator(8, 2)
assert_type(gen(img), Tensor[L[2], L[8], L[9], L[9], NoneTape])


# ---- pixel shuffling: SRResNet's upsampling block and a space-to-depth stem
class Upsampler(Module, Generic[C]):
    def __init__(self, ch: C) -> None:
        super().__init__()
        self.conv = Conv2d(ch, ch * 4, 3, padding=1, rng=rng)
        self.shuffle = PixelShuffle(2)
        self.act = PReLU(ch)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, Expr[L["2*H"]], Expr[L["2*W"]], T]:
        h = self.conv(x)
        assert_type(h, Tensor[N, Expr[L["4*C"]], H, W, T])
        return self.act(self.shuffle(h))


up = Upsampler(8)
assert_type(up(y), Tensor[L[2], L[8], L[16], L[16], NoneTape])
assert_type(dx.pixel_shuffle(dx.zeros(2, 18, 4, 5), 3), Tensor[L[2], L[2], L[12], L[15], NoneTape])
assert_type(dx.pixel_unshuffle(img, 2), Tensor[L[2], L[12], L[4], L[4], NoneTape])
assert_type(PixelUnshuffle(4)(img), Tensor[L[2], L[48], L[2], L[2], NoneTape])
assert_type(PixelShuffle(2)(dx.zeros(2, 8, 3, 3)), Tensor[L[2], L[2], L[6], L[6], NoneTape])


def space_to_depth(x: Tensor[N, C, H, W, T]) -> Tensor[N, Expr[L["4*C"]], Dyn, Dyn, T]:
    return dx.pixel_unshuffle(x, 2)  # H and W need not be even by their types: Dyn sizes


# ---- InstanceNorm2d and PReLU keep the shape; PReLU() has one slope for every channel
assert_type(InstanceNorm2d(3)(img), Tensor[L[2], L[3], L[8], L[8], NoneTape])
assert_type(PReLU()(img), Tensor[L[2], L[3], L[8], L[8], NoneTape])
assert_type(PReLU(3, init=0.1)(img), Tensor[L[2], L[3], L[8], L[8], NoneTape])
assert_type(dx.prelu(img, dx.full((3,), 0.25)), Tensor[L[2], L[3], L[8], L[8], NoneTape])

# ---- ceil_mode: GoogLeNet's pools round the output size up
assert_type(MaxPool2d(3, stride=2, ceil_mode=True)(img), Tensor[L[2], L[3], L[4], L[4], NoneTape])
assert_type(MaxPool2d(3, stride=2)(img), Tensor[L[2], L[3], L[3], L[3], NoneTape])
assert_type(
    dx.max_pool2d(dx.zeros(1, 2, 7, 9), 2, ceil_mode=True), Tensor[L[1], L[2], L[4], L[5], NoneTape]
)
assert_type(
    dx.avg_pool2d(img, 3, stride=2, padding=1, ceil_mode=True),
    Tensor[L[2], L[3], L[5], L[5], NoneTape],
)


class Inception(Module, Generic[C]):
    """A GoogLeNet pool between inception blocks: ``ceil_mode`` of a symbolic size."""

    def __init__(self, ch: C) -> None:
        super().__init__()
        self.pool = MaxPool2d(
            2,
            stride=2,
            ceil_mode=True,
        )

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, Expr[L["(H+1)//2"]], Dyn, T]:
        return self.pool(x)


inception: Inception[L[3]] = Inception(3)
assert_type(inception(img), Tensor[L[2], L[3], L[4], L[4], NoneTape])

# ---- flip keeps the shape; tril_indices/triu_indices are Tensor[2, K]
assert_type(dx.flip(img, (2, 3)), Tensor[L[2], L[3], L[8], L[8], NoneTape])
assert_type(dx.flip(img.trace(), -1), Tensor[L[2], L[3], L[8], L[8], OwnedTape])
tri = dx.tril_indices(4, 4)
assert_type(tri, Tensor[L[2], L[10], NoneTape])
assert_type(dx.triu_indices(4, 5, offset=1), Tensor[L[2], L[10], NoneTape])
assert_type(dx.tril_indices(3, 3, -1), Tensor[L[2], L[3], NoneTape])
features: Tensor[L[5], L[4], L[4], NoneTape] = dx.randn(5, 4, 4)
pairs = features[:, tri[0], tri[1]]  # DLRM's pairwise interactions
