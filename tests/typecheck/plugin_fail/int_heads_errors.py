"""Attention with its head count a plain ``int`` (``self.heads = heads``) in generic modules,
mistaken: keys not transposed before the scores (``q @ k``: a head's ``D//heads`` features
against ``N`` keys), a query split into heads but not transposed (its ``N`` meets the keys'
``heads`` on a batch axis, in ``@`` and in ``scaled_dot_product_attention``), a split with the
head count and the head size swapped (``heads`` against ``D//heads``), and grouped key heads
not repeated to the query's count (``n_heads`` against ``n_kv_heads``); each reported at the
op and where the operand was made."""

# rules: linalg, movement, attention

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class FusedAttention(Module, Generic[D]):
    def __init__(self, dim: D, num_heads: int = 8) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = Linear(dim, dim * 3)
        self.proj = Linear(dim, dim)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        b, n, c = x.shape
        qkv = (
            self.qkv(x)
            .reshape(b, n, 3, self.num_heads, c // self.num_heads)  # E: mypy[
            #     dfdx-shape "qkv is assigned here; used at line 45: matmul: inner sizes differ: "
            #     "Tensor[B, num_heads, N, D//num_heads] @ Tensor[B, num_heads, N, D//num_heads] "
            #     "(D//num_heads != N)"]
            .permute(2, 0, 3, 1, 4)
        )
        q, k, v = qkv[0], qkv[1], qkv[2]  # E: mypy[
        #     dfdx-shape "k is assigned here; used at line 45: matmul: inner sizes differ: Tensor"
        #     "[B, num_heads, N, D//num_heads] @ Tensor[B, num_heads, N, D//num_heads] (D//num_he"
        #     "ads != N)"]
        attn = (q * self.scale) @ k  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, nu"
        #     "m_heads, N, D//num_heads] @ Tensor[B, num_heads, N, D//num_heads] (D//num_heads != "
        #     "N)"]
        attn = attn.softmax(axis=-1)
        y = (attn @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(y)


class SwappedSplit(Module, Generic[D]):
    def __init__(self, dim: D, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.to_q = Linear(dim, dim)
        self.to_k = Linear(dim, dim)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, N, T]:
        b, n, c = x.shape
        h = self.heads
        q = self.to_q(x).view(b, n, c // h, h).transpose(1, 2)  # E: mypy[
        #     dfdx-shape "q is assigned here; used at line 69: matmul: inner sizes differ: Tensor"
        #     "[B, D//heads, N, heads] @ Tensor[B, heads, D//heads, N] (heads != D//heads)"]
        k = self.to_k(x).view(b, n, h, c // h).transpose(1, 2)  # E: mypy[
        #     dfdx-shape "k is assigned here; used at line 69: matmul: inner sizes differ: Tensor"
        #     "[B, D//heads, N, heads] @ Tensor[B, heads, D//heads, N] (heads != D//heads)"]
        scores = q @ k.transpose(-2, -1)  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor["
        #     "B, D//heads, N, heads] @ Tensor[B, heads, D//heads, N] (heads != D//heads)"]
        return scores.softmax(axis=-1).mean(axis=1)


class QueryNotTransposed(Module, Generic[D]):
    def __init__(self, dim: D, heads: int = 4) -> None:
        super().__init__()
        self.heads = heads
        self.dim_head = dim // heads
        self.to_qk = Linear(dim, dim * 2, bias=False)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, N, T]:
        b = x.shape[0]
        q, k = self.to_qk(x).chunk(2, axis=-1)
        hd = self.dim_head
        q = q.reshape(b, -1, self.heads, hd)  # E: mypy[
        #     dfdx-shape "q is assigned here; used at line 93: matmul: batch axes do not broadcas"
        #     "t: Tensor[B, N, heads, D//heads] @ Tensor[B, heads, D//heads, N] (Tensor[B, N] vs "
        #     "Tensor[B, heads])"]
        k = k.reshape(b, -1, self.heads, hd).transpose(1, 2)  # E: mypy[
        #     dfdx-shape "k is assigned here; used at line 93: matmul: batch axes do not broadcas"
        #     "t: Tensor[B, N, heads, D//heads] @ Tensor[B, heads, D//heads, N] (Tensor[B, N] vs "
        #     "Tensor[B, heads])"]
        dots = q @ k.transpose(-2, -1)  # E: mypy[dfdx-shape "matmul: batch axes do not broadcast: "
        #     "Tensor[B, N, heads, D//heads] @ Tensor[B, heads, D//heads, N] (Tensor[B, N] vs Tens"
        #     "or[B, heads])"]
        return dots.softmax(axis=-1).mean(axis=1)


class KeysNotTransposed(Module, Generic[D]):
    def __init__(self, dim: D, n_head: int) -> None:
        super().__init__()
        self.n_head = n_head
        self.c_attn = Linear(dim, 3 * dim)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        b, t, c = x.shape
        q, k, v = self.c_attn(x).chunk(3, axis=2)
        nh = self.n_head
        q = q.view(b, t, nh, c // nh).transpose(1, 2)  # E: mypy[
        #     dfdx-shape "q is assigned here; used at line 118: scaled_dot_product_attention: que"
        #     "ry and key batch axes do not broadcast: query Tensor[B, n_head, N, D//n_head], key"
        #     " Tensor[B, N, n_head, D//n_head] (axis -1: n_head != N)"]
        k = k.view(b, t, nh, c // nh)  # E: mypy[
        #     dfdx-shape "k is assigned here; used at line 118: scaled_dot_product_attention: que"
        #     "ry and key batch axes do not broadcast: query Tensor[B, n_head, N, D//n_head], key"
        #     " Tensor[B, N, n_head, D//n_head] (axis -1: n_head != N)"]
        v = v.view(b, t, nh, c // nh).transpose(1, 2)
        y = dx.scaled_dot_product_attention(q, k, v)  # E: mypy[dfdx-shape "scaled_dot_product_atte"
        #     "ntion: query and key batch axes do not broadcast: query Tensor[B, n_head, N, D//n_h"
        #     "ead], key Tensor[B, N, n_head, D//n_head] (axis -1: n_head != N)"]
        return y.transpose(1, 2).reshape(b, t, c)


class GroupedNotRepeated(Module, Generic[D]):
    def __init__(self, dim: D, n_heads: int, n_kv_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.n_kv_heads = n_kv_heads
        self.head_dim = dim // n_heads
        self.wq = Linear(dim, n_heads * self.head_dim, bias=False)
        self.wk = Linear(dim, n_kv_heads * self.head_dim, bias=False)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, N, T]:
        b, s, _ = x.shape
        hd = self.head_dim
        q = self.wq(x).view(b, s, self.n_heads, hd).transpose(1, 2)  # E: mypy[
        #     dfdx-shape "q is assigned here; used at line 144: matmul: batch axes do not broadca"
        #     "st: Tensor[B, n_heads, N, D//n_heads] @ Tensor[B, n_kv_heads, D//n_heads, N] (Tens"
        #     "or[B, n_heads] vs Tensor[B, n_kv_heads])"]
        k = self.wk(x).view(b, s, self.n_kv_heads, hd).transpose(1, 2)  # E: mypy[
        #     dfdx-shape "k is assigned here; used at line 144: matmul: batch axes do not broadca"
        #     "st: Tensor[B, n_heads, N, D//n_heads] @ Tensor[B, n_kv_heads, D//n_heads, N] (Tens"
        #     "or[B, n_heads] vs Tensor[B, n_kv_heads])"]
        scores = q @ k.transpose(-2, -1)  # E: mypy[dfdx-shape "matmul: batch axes do not broadcast"
        #     ": Tensor[B, n_heads, N, D//n_heads] @ Tensor[B, n_kv_heads, D//n_heads, N] (Tensor["
        #     "B, n_heads] vs Tensor[B, n_kv_heads])"]
        return scores.softmax(axis=-1).mean(axis=1)
