"""Three shape bugs injected into the llama port (plugin_pass/port_llama.py): w2 swapped; norm of
wrong size; output projection of wrong width. Each is reported where the plugin finds it."""

# rules: nn

from typing import Generic, TypeVar

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)  # dim
H = TypeVar("H", bound=int)  # n_heads
F = TypeVar("F", bound=int)  # hidden_dim of the feed-forward
C = TypeVar("C", bound=int)  # max_seq_len
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class RMSNorm(Module, Generic[D]):
    def __init__(self, dim: D, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.weight: Tensor[D, NoneTape] = dx.ones(dim)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        ms = x.square().mean(axis=-1, keepdims=True)
        normed = x * (ms + self.eps).rsqrt()
        return normed * self.weight


def rotary_tables(head_dim: int, max_seq_len: int, theta: float = 10000.0) -> np.ndarray:
    """cos and sin of ``position * theta ** (-2i / head_dim)``, each repeated for the two
    halves a rotate-half rotary embedding pairs: ``(2, max_seq_len, head_dim)``."""
    freqs = 1.0 / theta ** (np.arange(0, head_dim, 2) / head_dim)
    angles = np.outer(np.arange(max_seq_len), freqs)
    angles = np.concatenate([angles, angles], axis=-1)
    return np.stack([np.cos(angles), np.sin(angles)]).astype(np.float32)


def rotate_half(x: Tensor[B, S, H, D, T]) -> Tensor[B, S, H, D, T]:
    x1, x2 = x.chunk(2, axis=-1)
    rotated: Tensor[B, S, H, D, T] = dx.cat([-x2, x1], axis=-1)
    return rotated


class Attention(Module, Generic[D, H, C]):
    cos: Tensor[C, int, NoneTape]  # buffers: (max_seq_len, head_dim)
    sin: Tensor[C, int, NoneTape]
    cache_k: Tensor[int, C, H, int, NoneTape]  # (max_batch, max_seq_len, n_heads, head_dim)
    cache_v: Tensor[int, C, H, int, NoneTape]

    def __init__(self, dim: D, n_heads: H, max_seq_len: C, max_batch: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.head_dim = dim // n_heads
        self.wq: Linear[D, D] = Linear(dim, dim, bias=False, rng=rng)
        self.wk: Linear[D, D] = Linear(dim, dim, bias=False, rng=rng)
        self.wv: Linear[D, D] = Linear(dim, dim, bias=False, rng=rng)
        # bug: output projection of wrong width
        self.wo = Linear(dim, n_heads, bias=False, rng=rng)  # E: mypy[dfdx-shape "self.wo is built"
        #     " here; called at line 96: Linear[D, H]: gives Tensor[B, S, H], the return type is Te"
        #     "nsor[B, S, D] (H != D)"]
        tables = rotary_tables(self.head_dim, max_seq_len)
        self.register_buffer("cos", dx.tensor(tables[0]), persistent=False)
        self.register_buffer("sin", dx.tensor(tables[1]), persistent=False)
        shape = (max_batch, max_seq_len, n_heads, self.head_dim)
        self.register_buffer("cache_k", dx.zeros(*shape), persistent=False)
        self.register_buffer("cache_v", dx.zeros(*shape), persistent=False)

    def forward(self, x: Tensor[B, S, D, NoneTape], start_pos: int) -> Tensor[B, S, D, NoneTape]:
        b, s, _ = x.shape
        xq = self.wq(x).reshape(b, s, self.n_heads, self.head_dim)
        xk = self.wk(x).reshape(b, s, self.n_heads, self.head_dim)
        xv = self.wv(x).reshape(b, s, self.n_heads, self.head_dim)
        cos = self.cos[start_pos : start_pos + s].reshape(1, s, 1, self.head_dim)
        sin = self.sin[start_pos : start_pos + s].reshape(1, s, 1, self.head_dim)
        xq = xq * cos + rotate_half(xq) * sin
        xk = xk * cos + rotate_half(xk) * sin
        end = start_pos + s
        self.cache_k = dx.slice_scatter(self.cache_k[:b], xk, axis=1, start=start_pos, end=end)
        self.cache_v = dx.slice_scatter(self.cache_v[:b], xv, axis=1, start=start_pos, end=end)
        keys = self.cache_k[:b, :end]
        values = self.cache_v[:b, :end]
        q = xq.transpose(1, 2)  # (b, n_heads, s, head_dim)
        k = keys.transpose(1, 2)  # (b, n_heads, end, head_dim)
        v = values.transpose(1, 2)
        mask = dx.tensor(np.tril(np.ones((s, end), dtype=bool), k=start_pos))
        out = dx.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        merged = out.transpose(1, 2).reshape(b, s, -1)
        return self.wo(merged)  # E: mypy[dfdx-shape "Linear[D, H]: gives Tensor[B, S, H], the ret"
        #     "urn type is Tensor[B, S, D] (H != D)"]


class FeedForward(Module, Generic[D, F]):
    def __init__(self, dim: D, hidden_dim: F) -> None:
        super().__init__()
        self.w1: Linear[D, F] = Linear(dim, hidden_dim, bias=False, rng=rng)
        # bug: w2 swapped
        self.w2 = Linear(dim, hidden_dim, bias=False, rng=rng)  # E: mypy[dfdx-shape "self.w2 is bu"
        #     "ilt here; called at line 112: Linear[D, F]: takes D features, got Tensor[B, S, F] (F"
        #     " != D)"]
        self.w3: Linear[D, F] = Linear(dim, hidden_dim, bias=False, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        gate = self.w1(x).silu()
        return self.w2(gate * self.w3(x))  # E: mypy[dfdx-shape "Linear[D, F]: takes D features, go"
        #     "t Tensor[B, S, F] (F != D)"]


class TransformerBlock(Module, Generic[D, H, F, C]):
    def __init__(self, dim: D, n_heads: H, hidden_dim: F, max_seq_len: C) -> None:
        super().__init__()
        self.attention = Attention(dim, n_heads, max_seq_len, max_batch=2)
        self.feed_forward = FeedForward(dim, hidden_dim)
        self.attention_norm = RMSNorm(dim)
        # bug: norm of wrong size
        self.ffn_norm = RMSNorm(hidden_dim)  # E: mypy[dfdx-shape "self.ffn_norm is built here; cal"
        #     "led at line 128: RMSNorm[F]: x takes Tensor[B, S, F], got Tensor[B, S, D] (D != F)"]

    def forward(self, x: Tensor[B, S, D, NoneTape], start_pos: int) -> Tensor[B, S, D, NoneTape]:
        h = x + self.attention(self.attention_norm(x), start_pos)
        out = h + self.feed_forward(self.ffn_norm(h))  # E: mypy[dfdx-shape "RMSNorm[F]: x takes Te"
        #     "nsor[B, S, F], got Tensor[B, S, D] (D != F)"]
        return out
