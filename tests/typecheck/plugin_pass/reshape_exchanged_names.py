"""Reshapes whose sizes are the input's: cross-attention keys split into heads with their own
length, a decoder's flattened memory viewed back with its own length, and tokens viewed as
the grid they were flattened from (``N`` against ``H*W``: what the view states)."""

# rules: movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as Lit

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import LayerNorm, Linear, Module

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
M = TypeVar("M", bound=int)
S = TypeVar("S", bound=int)
L = TypeVar("L", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class CrossAttention(Module, Generic[D]):
    def __init__(self, dim: D, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.query = Linear(dim, dim, rng=rng)
        self.key = Linear(dim, dim, rng=rng)
        self.value = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, N, D, T], memory: Tensor[B, M, D, T]) -> Tensor[B, N, D, T]:
        b, n, d = x.shape
        m = memory.shape[1]
        q = self.query(x).reshape(b, n, self.heads, self.head_dim).transpose(1, 2)
        k = self.key(memory).reshape(b, m, self.heads, self.head_dim).transpose(1, 2)
        v = self.value(memory).reshape(b, m, self.heads, self.head_dim).transpose(1, 2)
        scores = (q @ k.transpose(-2, -1)).softmax(axis=-1)
        return (scores @ v).transpose(1, 2).reshape(b, n, d)


class Unflatten(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.proj = Linear(dim, dim, rng=rng)

    def forward(self, tokens: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        batch, length, dim = tokens.shape
        flat = self.proj(tokens.reshape(-1, dim))
        return tokens + flat.reshape(batch, length, dim)


class GridNorm(Module, Generic[C]):
    """Tokens of a feature map normalized, then viewed back as the map."""

    def __init__(self, channels: C) -> None:
        super().__init__()
        self.norm = LayerNorm(channels)

    def forward(self, x: Tensor[B, N, C, T], h: H, w: W) -> Tensor[B, H, W, C, T]:
        b, _, c = x.shape
        return self.norm(x).reshape(b, h, w, c)


attention: CrossAttention[Lit[8]] = CrossAttention(8, 2)
queries = dx.randn(2, 3, 8, rng=rng)
assert_type(
    attention(queries, dx.randn(2, 5, 8, rng=rng)), Tensor[Lit[2], Lit[3], Lit[8], NoneTape]
)
unflatten: Unflatten[Lit[8]] = Unflatten(8)
assert_type(unflatten(queries), Tensor[Lit[2], Lit[3], Lit[8], NoneTape])
grid: GridNorm[Lit[8]] = GridNorm(8)
assert grid(dx.randn(2, 6, 8, rng=rng), 2, 3).shape == (2, 2, 3, 8)


class LastTokenPool(Module, Generic[D]):
    """Features at each sequence's highest-id token (its end marker), gathered per sample."""

    def __init__(self, dim: D) -> None:
        super().__init__()
        self.proj = Linear(dim, dim, rng=rng)

    def forward(self, ids: Tensor[B, S, NoneTape], h: Tensor[B, S, D, T]) -> Tensor[B, D, T]:
        batch, _, dim = h.shape
        last = ids.argmax(axis=1)
        index = last.reshape(batch, 1, 1).broadcast_to(batch, 1, dim)
        return self.proj(h.gather(1, index)[:, 0])


pool: LastTokenPool[Lit[8]] = LastTokenPool(8)
token_ids = dx.tensor(np.array([[3, 1, 0], [2, 5, 1]]))
assert_type(pool(token_ids.ensure_shape(2, 3), queries), Tensor[Lit[2], Lit[8], NoneTape])
