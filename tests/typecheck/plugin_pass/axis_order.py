"""Sizes put on the right axes in generic modules: seed vectors created ``(1, num_seeds, dim)``
as their declared type says, heads split with a width known only at run time (``dim //
num_heads``: the pieces keep their rank and other sizes, and put side by side along the batch
axis they are a ``Tensor[Dyn, N, Dyn]``), a feature map flattened and transposed to tokens
before a loop over its blocks, a reshape into the axes an annotation names, two views joined
along the batch and a mean over the tokens, returned past a dropout or an activation, and a
1x1 convolution in a field declared without its window, whose output keeps its spatial
sizes."""

# rules: creation, movement, nn

import math
from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
M = TypeVar("M", bound=int)
S = TypeVar("S", bound=int)
C = TypeVar("C", bound=int)
D = TypeVar("D", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
NS = TypeVar("NS", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class HeadAttention(Module, Generic[D]):
    """Attention whose heads are split with ``split(dim // num_heads)`` and stacked on the
    batch axis (the Set Transformer's way)."""

    def __init__(self, dim: D, num_heads: int) -> None:
        super().__init__()
        self.dim = dim
        self.num_heads = num_heads
        self.fc_q = Linear(dim, dim)
        self.fc_k = Linear(dim, dim)

    def forward(self, q_in: Tensor[B, N, D, T], k_in: Tensor[B, M, D, T]) -> Tensor[B, N, D, T]:
        q, k = self.fc_q(q_in), self.fc_k(k_in)
        width = self.dim // self.num_heads
        pieces = q.split(width, 2)
        assert_type(pieces, tuple[Tensor[B, N, Dyn, T], ...])
        q_ = dx.cat(pieces, 0)
        k_ = dx.cat(k.split(width, 2), 0)
        assert_type(q_, Tensor[Dyn, N, Dyn, T])
        scores = dx.softmax(q_ @ k_.transpose(1, 2) / math.sqrt(self.dim), 2)
        assert_type(scores, Tensor[Dyn, N, M, T])
        halves = q.chunk(self.num_heads, axis=-1)
        assert_type(halves, tuple[Tensor[B, N, Dyn, T], ...])
        return q_in + dx.cat((scores @ k_).split(q_in.shape[0], 0), 2)


class Pooling(Module, Generic[D, NS]):
    """Seed vectors attending to a set: created with the sizes in their declared order."""

    def __init__(self, dim: D, num_seeds: NS, num_heads: int) -> None:
        super().__init__()
        self.seeds: Tensor[L[1], NS, D, NoneTape] = dx.zeros(1, num_seeds, dim)
        self.attn = HeadAttention(dim, num_heads)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, NS, D, T]:
        seeds = self.seeds.broadcast_to(x.shape[0], -1, -1)
        return self.attn(seeds, x)


class TokenMixer(Module, Generic[C]):
    """A feature map flattened to tokens ``b (h w) c`` for a loop over its blocks, and put
    back; the name ``tokens`` is rebound by each block."""

    def __init__(self, channels: C, depth: int) -> None:
        super().__init__()
        self.proj = Conv2d(channels, channels, 1)
        self.blocks = ModuleList([Linear(channels, channels) for _ in range(depth)])

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        b, c, h, w = x.shape
        tokens = self.proj(x).flatten(2).transpose(1, 2)
        assert_type(tokens, Tensor[B, Expr[L["H*W"]], C, T])
        for block in self.blocks:
            tokens = dx.gelu(block(tokens))
        return tokens.transpose(1, 2).reshape(b, c, h, w)


def heads(x: Tensor[B, N, D, T], num_heads: int) -> Tensor[B, N, Dyn, Dyn, T]:
    """A reshape into the axes the return type names."""
    b, n, d = x.shape
    out: Tensor[B, N, Dyn, Dyn, T] = x.reshape(b, n, num_heads, d // num_heads)
    return out


def both_views(z_i: Tensor[N, D, T], z_j: Tensor[N, D, T]) -> Tensor[Expr[L["2*N"]], D, T]:
    """Two views of a batch put one after the other along the batch, then a dropout."""
    z = dx.cat([z_i, z_j], axis=0)
    z = dx.dropout(z, 0.1)
    return z


def pooled(x: Tensor[B, S, D, T]) -> Tensor[B, D, T]:
    """The mean over the tokens, returned through an activation."""
    out = x.mean(axis=1)
    out = dx.gelu(out)
    return out


class Transition(Module, Generic[C, CO]):
    """A 1x1 convolution whose field is declared ``Conv2d[C, CO]`` (the window left out of the
    type) keeps ``H, W``: the pool after it halves them."""

    def __init__(self, c: C, co: CO) -> None:
        super().__init__()
        self.conv: Conv2d[C, CO] = Conv2d(c, co, kernel_size=1, bias=False)

    def forward(
        self, x: Tensor[B, C, H, W, T]
    ) -> Tensor[B, CO, Expr[L["H//2"]], Expr[L["W//2"]], T]:
        h = dx.relu(x)
        out = self.conv(h)
        assert_type(out, Tensor[B, CO, H, W, T])
        return dx.avg_pool2d(out, 2)


def main() -> None:
    data = np.random.default_rng(0).standard_normal((2, 5, 8)).astype(np.float32)
    sets: Tensor[L[2], L[5], L[8], NoneTape] = dx.tensor(data).ensure_shape(2, 5, 8)
    pool: Pooling[L[8], L[3]] = Pooling(8, 3, num_heads=2)
    assert pool(sets).shape == (2, 3, 8)
    mixer: TokenMixer[L[4]] = TokenMixer(4, depth=2)
    assert mixer(dx.randn(2, 4, 3, 3)).shape == (2, 4, 3, 3)
    assert heads(sets, 2).shape == (2, 5, 2, 4)
    assert both_views(sets[0], sets[1]).shape == (10, 8)
    assert pooled(sets).shape == (2, 8)
    trans: Transition[L[4], L[2]] = Transition(4, 2)
    assert trans(dx.randn(2, 4, 6, 6)).shape == (2, 2, 3, 3)


main()
