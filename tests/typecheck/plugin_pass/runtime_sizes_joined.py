"""Sizes known only at run time, used correctly: a key/value cache typed ``Dyn`` that grows
along time (concatenated on axis 2, under ``if cache is not None``, in a decoding loop), the
levels of a pyramid in a list whose logits are concatenated on the locations' axis, a split
whose number of pieces is not known (iterated, or cut by a size sharing a name with the axis's
size), and a concatenation with a part whose size is not known along another axis than the
one a product contracts."""

# rules: movement, linalg

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
NH = TypeVar("NH", bound=int)
N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
K = TypeVar("K", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)

Cache = tuple[Tensor[B, NH, Dyn, Dyn, T], Tensor[B, NH, Dyn, Dyn, T]]


class CachedAttention(Module, Generic[D, NH]):
    def __init__(self, width: D, heads: NH) -> None:
        super().__init__()
        self.qkv = Linear(width, 3 * width, rng=rng)
        self.proj = Linear(width, width, rng=rng)
        self.width = width
        self.heads = heads

    def forward(
        self, x: Tensor[B, S, D, T], cache: Cache[B, NH, T] | None = None
    ) -> tuple[Tensor[B, S, D, T], Cache[B, NH, T]]:
        b, s, d = x.shape
        q, k, v = self.qkv(x).split(self.width, axis=2)
        q = q.reshape(b, s, self.heads, -1).transpose(1, 2)
        k = k.reshape(b, s, self.heads, -1).transpose(1, 2)
        v = v.reshape(b, s, self.heads, -1).transpose(1, 2)
        if cache is not None:
            past_k, past_v = cache
            k = dx.cat([past_k, k], axis=2)  # the cache grows along time
            v = dx.cat((past_v, v), axis=-2)
        scores = (q @ k.mT).softmax(axis=-1)
        heads = dx.matmul(scores, v)
        h: Tensor[B, S, D, T] = heads.transpose(1, 2).reshape(b, s, d)
        return self.proj(h), (k, v)


def decode(
    attn: CachedAttention[L[8], L[2]], x: Tensor[L[1], L[3], L[8], NoneTape], steps: int
) -> Tensor[L[1], Dyn, L[8], NoneTape]:
    y, cache = attn(x)
    outputs: list[Tensor[L[1], Dyn, L[8], NoneTape]] = [y]
    for _ in range(steps):
        y, cache = attn(y[:, -1:], cache)
        outputs.append(y)
    return dx.cat(outputs, axis=1)


class LevelHead(Module, Generic[C, K]):
    """Class logits at every location of one level, as ``(N, H*W, K)``."""

    def __init__(self, channels: C, classes: K) -> None:
        super().__init__()
        self.cls = Conv2d(channels, classes, 3, padding=1, rng=rng)

    def forward(self, x: Tensor[N, C, Dyn, Dyn, T]) -> Tensor[N, Dyn, K, T]:
        return self.cls(x).flatten(2).transpose(1, 2)


class Pyramid(Module, Generic[C, K]):
    def __init__(self, channels: C, classes: K) -> None:
        super().__init__()
        self.head = LevelHead(channels, classes)

    def forward(self, levels: list[Tensor[N, C, Dyn, Dyn, T]]) -> Tensor[N, Dyn, K, T]:
        logits = []
        for level in levels:
            logits.append(self.head(level))
        return dx.cat(logits, axis=1)  # the locations of every level, one after another

    def per_level(
        self, levels: list[Tensor[N, C, Dyn, Dyn, T]]
    ) -> tuple[Tensor[N, Dyn, K, T], int]:
        return dx.cat([self.head(level) for level in levels], axis=-2), len(levels)


class WindowMeans(Module, Generic[W]):
    """Means over windows of ``window`` steps: the number of windows is known at run time."""

    def __init__(self, window: W) -> None:
        super().__init__()
        self.window = window

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, Dyn, D, T]:
        pieces = x.split(self.window, axis=1)
        assert_type(pieces, tuple[Tensor[B, Dyn, D, T], ...])
        return dx.stack([piece.mean(axis=1) for piece in pieces], axis=1)


class Halves(Module, Generic[D]):
    def __init__(self, width: D) -> None:
        super().__init__()
        self.half = width // 2

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, Dyn, T]:
        first, second = x.split(self.half, axis=1)  # two pieces where D is even
        assert_type(first, Tensor[B, Dyn, T])
        return first * second


class BranchFusion(Module, Generic[C]):
    """Two branches of ``C`` channels at each of the levels of a list, fused by a convolution
    built for ``2 * C``; the levels concatenated along a spatial axis keep their channels."""

    def __init__(self, channels: C) -> None:
        super().__init__()
        self.fuse = Conv2d(2 * channels, channels, 1, rng=rng)
        self.mix = Conv2d(channels, channels, 1, rng=rng)

    def forward(self, levels: list[Tensor[B, C, Dyn, Dyn, T]]) -> Tensor[B, C, Dyn, Dyn, T]:
        tall = self.mix(dx.cat(levels, axis=2))
        return self.fuse(dx.cat([tall, tall], axis=1))


def with_prefix(
    prefix: Tensor[B, Dyn, L[16], NoneTape], x: Tensor[B, S, L[16], NoneTape]
) -> Tensor[B, Dyn, L[4], NoneTape]:
    memory = dx.cat([prefix, x], axis=1)  # a prefix of any length: the features stay 16
    weight: Tensor[L[16], L[4], NoneTape] = dx.randn(16, 4, rng=rng)
    return memory @ weight


def scores(
    q: Tensor[B, S, L[4], NoneTape],
    k: Tensor[B, S, Dyn, NoneTape],
    extra: Tensor[B, S, Dyn, NoneTape],
    widen: bool,
) -> Tensor[B, S, S, NoneTape] | None:
    """The keys widened in a branch that returns: the product below never sees them."""
    if widen:
        k = dx.cat([extra, k], axis=-1)
        return None
    return q @ k.mT


attn: CachedAttention[L[8], L[2]] = CachedAttention(8, 2)
prompt: Tensor[L[1], L[3], L[8], NoneTape] = dx.randn(1, 3, 8, rng=rng)
assert decode(attn, prompt, 2).shape == (1, 5, 8)

pyramid: Pyramid[L[4], L[3]] = Pyramid(4, 3)
levels: list[Tensor[L[2], L[4], Dyn, Dyn, NoneTape]] = [
    dx.randn(2, 4, 8, 8, rng=rng),
    dx.randn(2, 4, 4, 4, rng=rng),
]
assert pyramid(levels).shape == (2, 80, 3)
assert pyramid.per_level(levels)[0].shape == (2, 80, 3)

seq: Tensor[L[2], L[6], L[4], NoneTape] = dx.randn(2, 6, 4, rng=rng)
assert WindowMeans(2)(seq).shape == (2, 3, 4)
assert Halves(6)(dx.randn(2, 6, rng=rng)).shape == (2, 3)
assert with_prefix(dx.randn(2, 5, 16, rng=rng), dx.randn(2, 3, 16, rng=rng)).shape == (2, 8, 4)
traced = attn(prompt.trace())[0]
assert_type(traced, Tensor[L[1], L[3], L[8], OwnedTape])
fusion: BranchFusion[L[4]] = BranchFusion(4)
same_size: list[Tensor[L[2], L[4], Dyn, Dyn, NoneTape]] = [dx.randn(2, 4, 4, 4, rng=rng)] * 2
assert fusion(same_size).shape == (2, 4, 8, 4)
keys: Tensor[L[2], L[3], Dyn, NoneTape] = dx.randn(2, 3, 4, rng=rng)
product = scores(dx.randn(2, 3, 4, rng=rng), keys, keys, widen=False)
assert product is not None and product.shape == (2, 3, 3)
