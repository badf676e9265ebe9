"""Sizes held in ``int`` attributes, as PyTorch code keeps them (``self.n_heads = n_heads``,
``self.head_dim = dim // n_heads``, ``self.n_rep = self.n_heads // self.n_kv_heads``) and uses
them in ``forward`` (``q.view(b, s, self.n_heads, self.head_dim)``): a field assigned once
is read through its value, an ``int`` argument it is made of is a named size, and the element
counts of the reshapes that use them are checked. Correct code stays accepted: grouped-query
attention (the key/value heads repeated by a function or in ``forward`` with ``self.n_rep``),
timm's fused projection viewed as three parts, a pixel predictor's logits viewed per level,
heads split with ``self.n_head``, and attributes the plugin must leave unknown (chosen in a
branch, reassigned, computed from run-time data); buffers registered with the sizes their
fields declare."""

# rules: movement, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
E = TypeVar("E", bound=int)
N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CTX = TypeVar("CTX", bound=int)
HD = TypeVar("HD", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


def repeat_kv(x: Tensor[B, S, Dyn, Dyn, T], n_rep: int) -> Tensor[B, S, Dyn, Dyn, T]:
    """Each key/value head repeated ``n_rep`` times (LLaMA's ``repeat_kv``)."""
    b, s, n_kv, hd = x.shape
    if n_rep == 1:
        return x
    return x[:, :, :, None, :].expand(b, s, n_kv, n_rep, hd).reshape(b, s, n_kv * n_rep, hd)


class GroupedAttention(Module, Generic[D]):
    def __init__(self, dim: D, n_heads: int, n_kv_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.n_kv_heads = n_kv_heads
        self.head_dim = dim // n_heads
        self.n_rep = self.n_heads // self.n_kv_heads
        self.wq = Linear(dim, n_heads * self.head_dim, bias=False, rng=rng)
        self.wk = Linear(
            dim,
            self.n_kv_heads * self.head_dim,
            bias=False,
            rng=rng,
        )
        self.wv = Linear(dim, n_kv_heads * self.head_dim, bias=False, rng=rng)
        self.wo = Linear(n_heads * self.head_dim, dim, bias=False, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        bsz, seqlen, _ = x.shape
        xq = self.wq(x).view(bsz, seqlen, self.n_heads, self.head_dim)
        xk = self.wk(x).view(bsz, seqlen, self.n_kv_heads, self.head_dim)
        xv = self.wv(x).view(bsz, seqlen, self.n_kv_heads, self.head_dim)
        keys = repeat_kv(xk, self.n_rep)
        values = repeat_kv(xv, self.n_rep)
        q, k, v = xq.transpose(1, 2), keys.transpose(1, 2), values.transpose(1, 2)
        out = dx.scaled_dot_product_attention(q, k, v)
        merged = out.transpose(1, 2).reshape(bsz, seqlen, -1)
        return self.wo(merged)


class OptionalKVAttention(Module, Generic[D]):
    """Meta's form: ``n_kv_heads`` may be None (as many as the query heads), so the attribute
    is chosen by a condition and stays unknown."""

    def __init__(self, dim: D, n_heads: int, n_kv_heads: int | None = None) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.n_kv_heads = n_heads if n_kv_heads is None else n_kv_heads
        self.head_dim = dim // n_heads
        self.wq = Linear(dim, n_heads * self.head_dim, bias=False, rng=rng)
        self.wk = Linear(dim, self.n_kv_heads * self.head_dim, bias=False, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, Dyn, S, S, T]:
        b, s, _ = x.shape
        q = self.wq(x).view(b, s, self.n_heads, self.head_dim)
        k = self.wk(x).view(b, s, self.n_kv_heads, self.head_dim)
        k = repeat_kv(k, self.n_heads // self.n_kv_heads)
        return q.transpose(1, 2) @ k.transpose(1, 2).transpose(-2, -1)


class LevelLogits(Module, Generic[C]):
    """A PixelCNN-style output: ``in_ch * n_levels`` channels viewed per channel and level."""

    def __init__(self, in_ch: C, hidden: int, n_levels: int) -> None:
        super().__init__()
        self.in_ch = in_ch
        self.n_levels = n_levels
        self.body = Conv2d(in_ch, hidden, 3, padding=1, rng=rng)
        self.out = Conv2d(hidden, in_ch * n_levels, 1, rng=rng)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, Dyn, H, W, T]:
        b, _, h, w = x.shape
        logits = self.out(self.body(x).relu())
        return logits.reshape(b, self.in_ch, self.n_levels, h, w)


class PlainLevels(Module):
    """The same with every size a plain ``int``; the levels taken from the argument directly."""

    def __init__(self, in_ch: int, n_levels: int) -> None:
        super().__init__()
        self.in_ch = in_ch
        self.n_levels = n_levels
        self.out = Conv2d(in_ch, in_ch * n_levels, 1, rng=rng)

    def forward(self, x: Tensor[N, Dyn, H, W, T]) -> Tensor[N, Dyn, Dyn, H, W, T]:
        b, _, h, w = x.shape
        return self.out(x).view(b, self.in_ch, self.n_levels, h, w)


class SequentialLevels(Module, Generic[C]):
    def __init__(self, in_ch: C, hidden: int, n_levels: int) -> None:
        super().__init__()
        self.in_ch = in_ch
        self.n_levels = n_levels
        self.out = Sequential(
            ReLU(),
            Conv2d(in_ch, hidden, 1, rng=rng),
            ReLU(),
            Conv2d(hidden, in_ch * n_levels, 1, rng=rng),
        )

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, Dyn, H, W, T]:
        b, _, h, w = x.shape
        return self.out(x).reshape(b, self.in_ch, self.n_levels, h, w)


class CausalSelfAttention(Module, Generic[E]):
    """nanoGPT's attention: ``self.n_head`` and ``B, T, C = x.size()``."""

    def __init__(self, n_embd: E, n_head: int) -> None:
        super().__init__()
        self.n_head = n_head
        self.n_embd = n_embd
        self.c_attn = Linear(n_embd, 3 * n_embd, rng=rng)
        self.c_proj = Linear(n_embd, n_embd, rng=rng)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, S, E, T]:
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, axis=2)
        k = k.view(b, t, self.n_head, c // self.n_head).transpose(1, 2)
        q = q.view(b, t, self.n_head, c // self.n_head).transpose(1, 2)
        v = v.view(b, t, self.n_head, c // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / (k.shape[-1] ** 0.5))
        y = att.softmax(axis=-1) @ v
        return self.c_proj(y.transpose(1, 2).reshape(b, t, c))


class UnknownAttributes(Module, Generic[D]):
    """Attributes the plugin leaves unknown: set in the branches of an ``if``, reassigned, or
    computed from run-time data. Each reshape is right for the values it runs with."""

    def __init__(self, dim: D, heads: int, grid: tuple[int, int]) -> None:
        super().__init__()
        if heads > 1:
            self.groups = heads
        else:
            self.groups = 1
        self.width = heads
        self.width = 2 * heads  # reassigned: not the argument any more
        self.tokens = int(np.prod(grid))
        self.proj = Linear(dim, 2 * heads * 4, rng=rng)
        self.to_tokens = Linear(dim, self.tokens, rng=rng)

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, Dyn, Dyn, T]:
        b, _ = x.shape
        g = self.proj(x).view(b, self.groups, -1)
        h = self.proj(x).view(b, self.width, 4)
        t = self.to_tokens(x).view(b, self.tokens, 1)
        return g + h.reshape(b, self.groups, -1) + t.reshape(b, 1, -1).sum(axis=2, keepdims=True)


class FusedQKV(Module, Generic[D]):
    """timm's attention: one projection for the queries, keys and values, viewed as three."""

    def __init__(self, dim: D, num_heads: int = 8, qkv_bias: bool = False) -> None:
        super().__init__()
        self.num_heads = num_heads
        head_dim = dim // num_heads
        self.scale = head_dim**-0.5
        self.qkv = Linear(dim, dim * 3, bias=qkv_bias, rng=rng)
        self.proj = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        b, n, c = x.shape
        hd = c // self.num_heads
        qkv = self.qkv(x).reshape(b, n, 3, self.num_heads, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(axis=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))


class InlineRepeat(Module, Generic[D]):
    """The key/value heads repeated in ``forward`` with ``self.n_rep``; a module built with
    as many key/value heads as query heads (``self.n_kv_heads = n_heads``) too."""

    def __init__(self, dim: D, n_heads: int, n_kv_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.n_kv_heads = n_kv_heads
        self.head_dim = dim // n_heads
        self.n_rep = self.n_heads // self.n_kv_heads
        self.wk = Linear(dim, n_kv_heads * self.head_dim, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, Dyn, Dyn, T]:
        b, s, _ = x.shape
        k = self.wk(x).view(b, s, self.n_kv_heads, 1, self.head_dim)
        k = k.expand(b, s, self.n_kv_heads, self.n_rep, self.head_dim)
        return k.reshape(b, s, self.n_heads, self.head_dim)


class SharedHeads(Module, Generic[D]):
    def __init__(self, dim: D, n_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.n_kv_heads = n_heads
        self.head_dim = dim // n_heads
        self.wk = Linear(dim, n_heads * self.head_dim, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, Dyn, Dyn, T]:
        b, s, _ = x.shape
        return self.wk(x).view(b, s, self.n_kv_heads, self.head_dim)


class Rotary(Module, Generic[CTX, HD]):
    """Rotary tables registered as buffers with the sizes their fields declare."""

    cos: Tensor[CTX, HD, NoneTape]
    sin: Tensor[CTX, HD, NoneTape]
    inv_freq: Tensor[Dyn, NoneTape]

    def __init__(self, max_seq_len: CTX, head_dim: HD) -> None:
        super().__init__()
        self.register_buffer("cos", dx.ones(max_seq_len, head_dim))
        self.register_buffer("sin", dx.zeros(max_seq_len, head_dim), persistent=False)
        freqs = 1.0 / 10000.0 ** (np.arange(0, 8, 2) / 8)
        self.register_buffer("inv_freq", dx.tensor(freqs.astype(np.float32)))

    def forward(self, x: Tensor[B, S, HD, T]) -> Tensor[B, S, HD, T]:
        s = x.shape[1]
        return x * self.cos[:s] + x * self.sin[:s]


attention: GroupedAttention[L[16]] = GroupedAttention(16, n_heads=4, n_kv_heads=2)
tokens: Tensor[L[2], L[5], L[16], NoneTape] = dx.randn(2, 5, 16, rng=rng)
assert_type(attention(tokens), Tensor[L[2], L[5], L[16], NoneTape])
optional: OptionalKVAttention[L[16]] = OptionalKVAttention(16, n_heads=4)
assert optional(tokens).shape == (2, 4, 5, 5)
head: LevelLogits[L[3]] = LevelLogits(3, hidden=8, n_levels=4)
image: Tensor[L[2], L[3], L[6], L[6], NoneTape] = dx.randn(2, 3, 6, 6, rng=rng)
assert_type(head(image), Tensor[L[2], L[3], L[4], L[6], L[6], NoneTape])
assert head(image).shape == (2, 3, 4, 6, 6)
assert PlainLevels(3, 4)(image).shape == (2, 3, 4, 6, 6)
levels: SequentialLevels[L[3]] = SequentialLevels(3, hidden=8, n_levels=4)
assert_type(levels(image), Tensor[L[2], L[3], L[4], L[6], L[6], NoneTape])
gpt: CausalSelfAttention[L[16]] = CausalSelfAttention(16, n_head=4)
assert_type(gpt(tokens), Tensor[L[2], L[5], L[16], NoneTape])
unknown: UnknownAttributes[L[16]] = UnknownAttributes(16, heads=2, grid=(2, 3))
assert unknown(dx.randn(2, 16, rng=rng)).shape == (2, 2, 8)
fused: FusedQKV[L[16]] = FusedQKV(16, num_heads=4)
assert_type(fused(tokens), Tensor[L[2], L[5], L[16], NoneTape])
inline: InlineRepeat[L[16]] = InlineRepeat(16, n_heads=4, n_kv_heads=2)
assert inline(tokens).shape == (2, 5, 4, 4)
shared: SharedHeads[L[16]] = SharedHeads(16, n_heads=4)
assert shared(tokens).shape == (2, 5, 4, 4)
rotary: Rotary[L[8], L[4]] = Rotary(8, 4)
assert_type(rotary.cos, Tensor[L[8], L[4], NoneTape])
assert rotary(dx.randn(2, 5, 4, rng=rng)).shape == (2, 5, 4)
