"""Attention written with its head count a plain ``int`` (``self.heads = heads``) in generic
modules: the head count is kept as a size of its own through ``view``/``reshape``, the
transposes, the scores and ``scaled_dot_product_attention``, and correct code stays accepted:
timm's fused projection permuted into heads, nanoGPT's view and transpose, lucidrains'
``heads`` and ``dim_head`` arguments, a relative position bias of one row per head, a
Linformer projection along the sequence, grouped key heads repeated to the query's count, a
positional table built for ``num_patches``
tokens, a channel shuffle's ``groups``, and a module built with one head."""

# rules: linalg, movement, attention

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
D = TypeVar("D", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class FusedAttention(Module, Generic[D]):
    """timm's ``Attention``: one projection, reshaped to (3, B, heads, N, head size)."""

    def __init__(self, dim: D, num_heads: int = 8) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = Linear(dim, dim * 3, rng=rng)
        self.proj = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        b, n, c = x.shape
        qkv = (
            self.qkv(x).reshape(b, n, 3, self.num_heads, c // self.num_heads).permute(2, 0, 3, 1, 4)
        )
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * self.scale) @ k.transpose(-2, -1)
        assert_type(attn, Tensor[B, Dyn, N, N, T])  # the plugin keeps num_heads there
        attn = attn.softmax(axis=-1)
        y = (attn @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(y)


class ViewAttention(Module, Generic[D]):
    """nanoGPT's form: ``view`` then ``transpose(1, 2)``, the scores masked per head."""

    def __init__(self, dim: D, n_head: int) -> None:
        super().__init__()
        self.n_head = n_head
        self.c_attn = Linear(dim, 3 * dim, rng=rng)
        self.c_proj = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        b, t, c = x.shape
        q, k, v = self.c_attn(x).chunk(3, axis=2)
        q = q.view(b, t, self.n_head, c // self.n_head).transpose(1, 2)
        k = k.view(b, t, self.n_head, c // self.n_head).transpose(1, 2)
        v = v.view(b, t, self.n_head, c // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / (k.shape[-1] ** 0.5))
        mask = dx.ones(t, t).tril()
        att = att.masked_fill(mask == 0, float("-inf")).softmax(axis=-1)
        y = att @ v
        y2 = dx.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj((y + y2).transpose(1, 2).reshape(b, t, c))


class HeadsAndHeadSize(Module, Generic[D]):
    """lucidrains' form: ``heads`` and ``dim_head`` both ``int`` arguments, with a relative
    position bias of one row per head added to the scores."""

    def __init__(self, dim: D, max_len: int, heads: int = 8, dim_head: int = 16) -> None:
        super().__init__()
        self.heads = heads
        self.dim_head = dim_head
        inner = heads * dim_head
        self.to_qkv = Linear(dim, inner * 3, bias=False, rng=rng)
        self.to_out = Linear(inner, dim, rng=rng)
        self.bias = dx.zeros(heads, max_len, max_len)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        b, n, _ = x.shape
        q, k, v = self.to_qkv(x).chunk(3, axis=-1)
        q = q.reshape(b, -1, self.heads, self.dim_head).transpose(1, 2)
        k = k.reshape(b, -1, self.heads, self.dim_head).transpose(1, 2)
        v = v.reshape(b, -1, self.heads, self.dim_head).transpose(1, 2)
        dots = q @ k.transpose(-2, -1) * self.dim_head**-0.5
        dots = dots + self.bias[:, :n, :n]
        out = dots.softmax(axis=-1) @ v
        return self.to_out(out.transpose(1, 2).reshape(b, n, -1))


class LowRankAttention(Module, Generic[D]):
    """Linformer: keys and values projected along the sequence to ``k`` rows, per head."""

    def __init__(self, dim: D, seq_len: int, k: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.to_q = Linear(dim, dim, rng=rng)
        self.to_kv = Linear(dim, dim * 2, rng=rng)
        self.proj_k = Linear(seq_len, k, rng=rng)
        self.proj_v = Linear(seq_len, k, rng=rng)
        self.to_out = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        b, n, d = x.shape
        h = self.heads
        q = self.to_q(x).reshape(b, n, h, d // h).transpose(1, 2)
        keys, values = self.to_kv(x).chunk(2, axis=-1)
        keys = self.proj_k(keys.transpose(1, 2)).transpose(1, 2)
        values = self.proj_v(values.transpose(1, 2)).transpose(1, 2)
        keys = keys.reshape(b, -1, h, d // h).transpose(1, 2)
        values = values.reshape(b, -1, h, d // h).transpose(1, 2)
        dots = (q @ keys.transpose(-2, -1)) * (d // h) ** -0.5
        out = dots.softmax(axis=-1) @ values
        return self.to_out(out.transpose(1, 2).reshape(b, n, -1))


class PatchTokens(Module, Generic[C, D]):
    """A positional table built for ``num_patches`` tokens added to a sequence of ``N``."""

    def __init__(self, in_dim: C, dim: D, num_patches: int) -> None:
        super().__init__()
        self.embed = Linear(in_dim, dim, rng=rng)
        self.pos = dx.zeros(1, num_patches, dim)
        self.num_patches = num_patches

    def forward(self, x: Tensor[B, N, C, T]) -> Tensor[B, N, D, T]:
        pos = self.pos.view(1, self.num_patches, -1)  # Tensor[1, num_patches, D]
        return self.embed(x) + pos


class GroupedQueryAttention(Module, Generic[D]):
    """LLaMA's grouped heads: the key heads repeated ``n_rep`` times to the query's count."""

    def __init__(self, dim: D, n_heads: int, n_kv_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.n_kv_heads = n_kv_heads
        self.n_rep = n_heads // n_kv_heads
        self.head_dim = dim // n_heads
        self.wq = Linear(dim, n_heads * self.head_dim, bias=False, rng=rng)
        self.wk = Linear(dim, n_kv_heads * self.head_dim, bias=False, rng=rng)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, N, T]:
        b, s, _ = x.shape
        q = self.wq(x).view(b, s, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.wk(x).view(b, s, self.n_kv_heads, self.head_dim)
        k = k[:, :, :, None, :].expand(b, s, self.n_kv_heads, self.n_rep, self.head_dim)
        k = k.reshape(b, s, self.n_kv_heads * self.n_rep, self.head_dim).transpose(1, 2)
        scores = q @ k.transpose(-2, -1)
        return scores.softmax(axis=-1).mean(axis=1)


class ChannelShuffle(Module):
    """ShuffleNet's shuffle: ``groups`` alone on an axis, ``C//groups`` beside it."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups
        self.scale = dx.ones(groups, 1, 1, 1)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        b, c, h, w = x.shape
        y = x.view(b, self.groups, c // self.groups, h, w) * self.scale
        return y.transpose(1, 2).reshape(b, c, h, w)


def run() -> None:
    x: Tensor[L[2], L[6], L[8], NoneTape] = dx.randn(2, 6, 8, rng=rng)
    fused: FusedAttention[L[8]] = FusedAttention(8, num_heads=2)
    assert_type(fused(x), Tensor[L[2], L[6], L[8], NoneTape])
    viewed: ViewAttention[L[8]] = ViewAttention(8, n_head=4)
    one_head: ViewAttention[L[8]] = ViewAttention(8, n_head=1)
    assert_type(viewed(x), Tensor[L[2], L[6], L[8], NoneTape])
    assert_type(one_head(x.trace()), Tensor[L[2], L[6], L[8], OwnedTape])
    both: HeadsAndHeadSize[L[8]] = HeadsAndHeadSize(8, max_len=6, heads=2, dim_head=4)
    assert_type(both(x), Tensor[L[2], L[6], L[8], NoneTape])
    low_rank: LowRankAttention[L[8]] = LowRankAttention(8, seq_len=6, k=3, heads=2)
    assert_type(low_rank(x), Tensor[L[2], L[6], L[8], NoneTape])
    tokens: PatchTokens[L[8], L[4]] = PatchTokens(8, 4, num_patches=6)
    assert_type(tokens(x), Tensor[L[2], L[6], L[4], NoneTape])
    grouped: GroupedQueryAttention[L[8]] = GroupedQueryAttention(8, n_heads=4, n_kv_heads=2)
    assert_type(grouped(x), Tensor[L[2], L[6], L[6], NoneTape])
    image: Tensor[L[2], L[6], L[3], L[3], NoneTape] = dx.randn(2, 6, 3, 3, rng=rng)
    assert_type(ChannelShuffle(3)(image), Tensor[L[2], L[6], L[3], L[3], NoneTape])


run()
