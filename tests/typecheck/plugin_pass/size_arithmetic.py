"""Size arithmetic that holds wherever the code runs: a pix2pix-style generator's five
stride-2 downs and five ups, whose skip joins need the image's sizes to be multiples of 32
(``32*(H//32)`` is then ``H``), an hourglass of pools and upsamplings joined by sums, sizes
unpacked from tuples (``self.num_heads, self.head_dim = ...``, ``nh, hd = ...``, ``self.ph,
self.pw = patch_size``), a tuple returned from ``forward``, and a channel shuffle."""

# rules: binary, movement, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    Conv2d,
    ConvTranspose2d,
    LayerNorm,
    LeakyReLU,
    Linear,
    Module,
    ReLU,
    Sequential,
    Tanh,
)

N = TypeVar("N", bound=int)
B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
C = TypeVar("C", bound=int)
CO = TypeVar("CO", bound=int)
D = TypeVar("D", bound=int)
K = TypeVar("K", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class UNetGenerator(Module, Generic[C, CO]):
    """Five stride-2 downs, five stride-2 ups, each up joined with its down's output."""

    def __init__(self, in_channels: C, out_channels: CO) -> None:
        super().__init__()
        self.d1 = Conv2d(in_channels, 4, 4, stride=2, padding=1, rng=rng)
        self.d2 = Sequential(LeakyReLU(0.2), Conv2d(4, 8, 4, stride=2, padding=1, rng=rng))
        self.d3 = Sequential(LeakyReLU(0.2), Conv2d(8, 16, 4, stride=2, padding=1, rng=rng))
        self.d4 = Sequential(LeakyReLU(0.2), Conv2d(16, 16, 4, stride=2, padding=1, rng=rng))
        self.d5 = Sequential(LeakyReLU(0.2), Conv2d(16, 16, 4, stride=2, padding=1, rng=rng))
        self.u5 = Sequential(ReLU(), ConvTranspose2d(16, 16, 4, stride=2, padding=1, rng=rng))
        self.u4 = Sequential(ReLU(), ConvTranspose2d(32, 16, 4, stride=2, padding=1, rng=rng))
        self.u3 = Sequential(ReLU(), ConvTranspose2d(32, 8, 4, stride=2, padding=1, rng=rng))
        self.u2 = Sequential(ReLU(), ConvTranspose2d(16, 4, 4, stride=2, padding=1, rng=rng))
        self.u1 = Sequential(
            ReLU(), ConvTranspose2d(8, out_channels, 4, stride=2, padding=1, rng=rng), Tanh()
        )

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, CO, H, W, T]:
        e1 = self.d1(x)
        e2 = self.d2(e1)
        e3 = self.d3(e2)
        e4 = self.d4(e3)
        e5 = self.d5(e4)
        assert_type(e5, Tensor[N, L[16], dx.Expr[L["H//32"]], dx.Expr[L["W//32"]], T])
        y = self.u5(e5)
        y = self.u4(dx.cat([y, e4], axis=1))  # 2*(H//32) rows against H//16: equal where exact
        y = self.u3(dx.cat([y, e3], axis=1))
        y = self.u2(dx.cat([y, e2], axis=1))
        return self.u1(dx.cat([y, e1], axis=1))  # 32*(H//32) rows: H, as the joins need


class Hourglass(Module, Generic[C]):
    """Pooled down twice, brought back up by a transposed convolution and an upsampling, each
    level added to the one it came from."""

    def __init__(self, channels: C) -> None:
        super().__init__()
        self.conv1 = Conv2d(channels, channels, 3, padding=1, rng=rng)
        self.conv2 = Conv2d(channels, channels, 3, padding=1, rng=rng)
        self.up = ConvTranspose2d(channels, channels, 2, stride=2, rng=rng)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        d1 = self.conv1(dx.max_pool2d(x, 2))
        d2 = self.conv2(dx.avg_pool2d(d1, 2))
        u1 = self.up(d2) + d1
        assert_type(u1, Tensor[B, C, dx.Expr[L["H//2"]], dx.Expr[L["W//2"]], T])
        u0 = dx.interpolate(u1, scale_factor=2)
        out = x + u0
        assert_type(out, Tensor[B, C, H, W, T])
        return out


class Attention(Module, Generic[D]):
    """Heads split with sizes unpacked from tuples."""

    def __init__(self, dim: D, num_heads: int = 2) -> None:
        super().__init__()
        self.num_heads, self.head_dim = num_heads, dim // num_heads
        self.qkv = Linear(dim, dim * 3, rng=rng)
        self.proj = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        b, s, d = x.shape
        nh, hd = self.num_heads, self.head_dim
        qkv = self.qkv(x).reshape(b, s, 3, nh, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = dx.softmax(q @ k.mT * hd**-0.5, axis=-1)
        return self.proj((att @ v).transpose(1, 2).reshape(b, s, d))


class Patchify(Module, Generic[C]):
    """An image cut into patches, the patch's sizes unpacked from a tuple argument."""

    def __init__(self, channels: C, patch_size: tuple[int, int] = (4, 4)) -> None:
        super().__init__()
        self.ph, self.pw = patch_size
        self.norm = LayerNorm(channels)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, int, int, C, T]:
        b, c, h, w = x.shape
        ph, pw = self.ph, self.pw
        p = x.reshape(b, c, h // ph, ph, w // pw, pw).permute(0, 2, 4, 3, 5, 1)
        return self.norm(p.reshape(b, (h // ph) * (w // pw), ph * pw, c))


class SquarePatches(Module):
    """A patch's sides unpacked from a tuple of one ``int`` argument, read per instance."""

    def __init__(self, patch: int) -> None:
        super().__init__()
        self.ph, self.pw = patch, patch

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, int, int, int, int, T]:
        b, c, h, w = x.shape
        ph, pw = self.ph, self.pw
        return x.reshape(b, c, h // ph, ph, w // pw, pw)


class Pooler(Module, Generic[D]):
    """An encoder's states and its first token, pooled: a tuple returned."""

    def __init__(self, dim: D) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.dense = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> tuple[Tensor[B, S, D, T], Tensor[B, D, T]]:
        hidden_states = self.norm(x)
        first = hidden_states[:, 0]
        pooled = self.dense(first).tanh()
        return hidden_states, pooled


def channel_shuffle(x: Tensor[B, C, H, W, T], groups: int) -> Tensor[B, C, H, W, T]:
    b, c, h, w = x.shape
    channels_per_group = c // groups
    y = x.view(b, groups, channels_per_group, h, w).transpose(1, 2)
    return y.reshape(b, c, h, w)


def energy(z: Tensor[N, C, H, W, T], bias: Tensor[N, NoneTape]) -> Tensor[N, T]:
    """A flow's log-density term: each sample's squares summed, without keepdims."""
    return (z**2).sum(axis=(1, 2, 3)) + bias


images: Tensor[L[1], L[3], L[32], L[32], NoneTape] = dx.randn(1, 3, 32, 32, rng=rng)
generator: UNetGenerator[L[3], L[2]] = UNetGenerator(3, 2)
fake = generator(images)
assert_type(fake, Tensor[L[1], L[2], L[32], L[32], NoneTape])
assert fake.shape == (1, 2, 32, 32)

hourglass: Hourglass[L[3]] = Hourglass(3)
assert_type(hourglass(images), Tensor[L[1], L[3], L[32], L[32], NoneTape])

tokens: Tensor[L[2], L[5], L[8], NoneTape] = dx.randn(2, 5, 8, rng=rng)
attention: Attention[L[8]] = Attention(8)
assert_type(attention(tokens.trace()), Tensor[L[2], L[5], L[8], OwnedTape])

patchify: Patchify[L[3]] = Patchify(3)
patches = patchify(images)
assert_type(patches, Tensor[L[1], L[64], L[16], L[3], NoneTape])
square = SquarePatches(8)
assert_type(square(images), Tensor[L[1], L[3], L[4], L[8], L[4], L[8], NoneTape])

pooler: Pooler[L[8]] = Pooler(8)
states, pooled = pooler(tokens)
assert_type(states, Tensor[L[2], L[5], L[8], NoneTape])
assert_type(pooled, Tensor[L[2], L[8], NoneTape])

shuffled = channel_shuffle(dx.randn(2, 6, 4, 4, rng=rng), 3)
assert shuffled.shape == (2, 6, 4, 4)
log_density = energy(images, dx.zeros(1))
assert_type(log_density, Tensor[L[1], NoneTape])
