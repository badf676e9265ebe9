"""Mistakes with sizes held in ``int`` attributes (``self.n_kv_heads = n_kv_heads``,
``self.n_rep = self.n_heads // self.n_kv_heads``): a reshape whose element count can match
only where two of the module's ``int`` arguments are equal (a key projection built for
``n_heads`` heads viewed as ``n_kv_heads``, a value projection built for the key/value heads
viewed as query heads, repeated key heads viewed as the key/value heads again) or where one of
its sizes is 1 (a pixel predictor's output convolution giving ``n_levels`` channels viewed as
``in_ch * n_levels``, a key projection built for one head viewed as ``heads``), or that cannot
match at all (timm's fused projection built for two parts viewed as three), reported at the
reshape and where the layer that made the size is built; and buffers registered with other
sizes than their fields declare."""

# rules: movement, nn

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CTX = TypeVar("CTX", bound=int)
HD = TypeVar("HD", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class GroupedAttention(Module, Generic[D]):
    def __init__(self, dim: D, n_heads: int, n_kv_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.n_kv_heads = n_kv_heads
        self.head_dim = dim // n_heads
        self.n_rep = self.n_heads // self.n_kv_heads
        self.wq = Linear(dim, n_heads * self.head_dim, bias=False)
        self.wk = Linear(dim, n_heads * self.head_dim, bias=False)  # E: mypy[dfdx-shape "self.wk "
        #     "is built here; its output reaches line 49: reshape: cannot reshape Tensor[B, S, n_h"
        #     "eads*(D//n_heads)] (B*D*S elements) to Tensor[B, S, n_kv_heads, D//n_heads] (B*S*n_"
        #     "kv_heads*(D//n_heads) elements: equal only where n_kv_heads == n_heads)"]
        self.wv = Linear(dim, self.n_kv_heads * self.head_dim, bias=False)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, Dyn, Dyn, T]:
        bsz, seqlen, _ = x.shape
        xq = self.wq(x).view(bsz, seqlen, self.n_heads, self.head_dim)
        xk = self.wk(x).view(bsz, seqlen, self.n_kv_heads, self.head_dim)  # E: mypy[dfdx-shape "r"
        #     "eshape: cannot reshape Tensor[B, S, n_heads*(D//n_heads)] (B*D*S elements) to Tenso"
        #     "r[B, S, n_kv_heads, D//n_heads] (B*S*n_kv_heads*(D//n_heads) elements: equal only w"
        #     "here n_kv_heads == n_heads)"]
        xv = self.wv(x).view(bsz, seqlen, self.n_kv_heads, self.head_dim)
        return dx.cat([xq, xk, xv], axis=2)  # (xq + xk: n_heads against n_kv_heads heads)


class ValueHeads(Module, Generic[D]):
    def __init__(self, dim: D, n_heads: int, n_kv_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.n_kv_heads = n_kv_heads
        self.head_dim = dim // n_heads
        self.wv = Linear(
            dim,
            self.n_kv_heads * self.head_dim,  # E: mypy[dfdx-shape "self.wv is built here; its o"
            #     "utput reaches line 75: reshape: cannot reshape Tensor[B, S, n_kv_heads*(D//n_hea"
            #     "ds)] (B*S*n_kv_heads*(D//n_heads) elements) to Tensor[B, S, n_heads, D//n_heads]"
            #     " (B*D*S elements: equal only where n_kv_heads == n_heads)"]
            bias=False,
        )

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, Dyn, S, Dyn, T]:
        b, s, _ = x.shape
        v = self.wv(x)
        v = v.reshape(b, s, self.n_heads, self.head_dim)  # E: mypy[dfdx-shape "reshape: cannot re"
        #     "shape Tensor[B, S, n_kv_heads*(D//n_heads)] (B*S*n_kv_heads*(D//n_heads) elements) "
        #     "to Tensor[B, S, n_heads, D//n_heads] (B*D*S elements: equal only where n_kv_heads ="
        #     "= n_heads)"]
        return v.transpose(1, 2)


class LevelLogits(Module, Generic[C]):
    def __init__(self, in_ch: C, hidden: int, n_levels: int) -> None:
        super().__init__()
        self.in_ch = in_ch
        self.n_levels = n_levels
        self.body = Conv2d(in_ch, hidden, 3, padding=1)
        self.out = Conv2d(hidden, n_levels, 1)  # E: mypy[dfdx-shape "self.out is built here; its "
        #     "output reaches line 96: reshape: cannot reshape Tensor[N, n_levels, H, W] (H*N*W*n_"
        #     "levels elements) to Tensor[N, C, n_levels, H, W] (C*H*N*W*n_levels elements: equal "
        #     "only where C is 1)"]

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, Dyn, H, W, T]:
        b, _, h, w = x.shape
        logits = self.out(self.body(x).relu())
        return logits.reshape(b, self.in_ch, self.n_levels, h, w)  # E: mypy[dfdx-shape "reshape: "
        #     "cannot reshape Tensor[N, n_levels, H, W] (H*N*W*n_levels elements) to Tensor[N, C, "
        #     "n_levels, H, W] (C*H*N*W*n_levels elements: equal only where C is 1)"]


class SplitHeads(Module, Generic[D]):
    """lucidrains-style: ``inner_dim = heads * dim_head``; the keys built for one head."""

    def __init__(self, dim: D, heads: int, dim_head: int) -> None:
        super().__init__()
        self.heads = heads
        self.dim_head = dim_head
        inner_dim = heads * dim_head
        self.to_q = Linear(dim, inner_dim, bias=False)
        self.to_k = Linear(dim, dim_head, bias=False)  # E: mypy[dfdx-shape "self.to_k is built he"
        #     "re; its output reaches line 118: reshape: cannot reshape Tensor[B, S, dim_head] (B*"
        #     "S*dim_head elements) to Tensor[B, S, heads, dim_head] (B*S*dim_head*heads elements:"
        #     " equal only where heads is 1)"]

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, Dyn, S, S, T]:
        b, n, _ = x.shape
        q = self.to_q(x).view(b, n, self.heads, self.dim_head).transpose(1, 2)
        k = self.to_k(x).view(b, n, self.heads, self.dim_head)  # E: mypy[dfdx-shape "reshape: can"
        #     "not reshape Tensor[B, S, dim_head] (B*S*dim_head elements) to Tensor[B, S, heads, d"
        #     "im_head] (B*S*dim_head*heads elements: equal only where heads is 1)"]
        return q @ k.transpose(1, 2).transpose(-2, -1)


class Rotary(Module, Generic[CTX, HD]):
    cos: Tensor[CTX, HD, NoneTape]
    sin: Tensor[CTX, HD, NoneTape]
    positions: Tensor[CTX, NoneTape]

    def __init__(self, max_seq_len: CTX, head_dim: HD) -> None:
        super().__init__()
        self.register_buffer("cos", dx.ones(max_seq_len, head_dim // 2))  # E: mypy[dfdx-shape "re"
        #     "gister_buffer: \"cos\" is declared Tensor[CTX, HD], given Tensor[CTX, HD//2] (axis "
        #     "1: HD//2 != HD)"]
        self.register_buffer("sin", dx.zeros(head_dim, max_seq_len))  # E: mypy[dfdx-shape "regist"
        #     "er_buffer: \"sin\" is declared Tensor[CTX, HD], given Tensor[HD, CTX] (axis 0: HD !"
        #     "= CTX)"]
        self.register_buffer("positions", dx.zeros(max_seq_len, 1))  # E: mypy[dfdx-shape "registe"
        #     "r_buffer: \"positions\" is declared Tensor[CTX], given Tensor[CTX, 1] (2 axes, not "
        #     "1)"]


class FusedQKV(Module, Generic[D]):
    """timm's attention: the fused projection built for two parts, viewed as three."""

    def __init__(self, dim: D, num_heads: int = 8, qkv_bias: bool = False) -> None:
        super().__init__()
        self.num_heads = num_heads
        head_dim = dim // num_heads
        self.scale = head_dim**-0.5
        self.qkv = Linear(dim, dim * 2, bias=qkv_bias)  # E: mypy[dfdx-shape "self.qkv is built he"
        #     "re; its output reaches line 157: reshape: cannot reshape Tensor[B, S, 2*D] (2*B*D*S"
        #     " elements) to Tensor[B, S, 3, num_heads, D//num_heads] (3*B*D*S elements)"]

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[Dyn, B, Dyn, S, Dyn, T]:
        b, n, c = x.shape
        y = self.qkv(x)
        qkv = y.reshape(b, n, 3, self.num_heads, c // self.num_heads)  # E: mypy[dfdx-shape "resha"
        #     "pe: cannot reshape Tensor[B, S, 2*D] (2*B*D*S elements) to Tensor[B, S, 3, num_head"
        #     "s, D//num_heads] (3*B*D*S elements)"]
        return qkv.permute(2, 0, 3, 1, 4)


class RepeatedKV(Module, Generic[D]):
    """The key heads repeated ``n_rep`` times, then viewed as the key/value heads again."""

    def __init__(self, dim: D, n_heads: int, n_kv_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.n_kv_heads = n_kv_heads
        self.head_dim = dim // n_heads
        self.n_rep = self.n_heads // self.n_kv_heads

    def forward(self, k: Tensor[B, S, Dyn, Dyn, T]) -> Tensor[B, S, Dyn, Dyn, T]:
        b, s, _, _ = k.shape
        k = k.reshape(b, s, self.n_kv_heads, 1, self.head_dim)
        k = k.expand(b, s, self.n_kv_heads, self.n_rep, self.head_dim)
        return k.reshape(b, s, self.n_kv_heads, self.head_dim)  # E: mypy[dfdx-shape "reshape: can"
        #     "not reshape Tensor[B, S, n_kv_heads, n_heads//n_kv_heads, D//n_heads] (B*D*S elemen"
        #     "ts) to Tensor[B, S, n_kv_heads, D//n_heads] (B*S*n_kv_heads*(D//n_heads) elements: "
        #     "equal only where n_kv_heads == n_heads)"]


class SequentialLevels(Module, Generic[C]):
    """The output layers in a ``Sequential``; the last convolution built for ``n_levels``."""

    def __init__(self, in_ch: C, hidden: int, n_levels: int) -> None:
        super().__init__()
        self.in_ch = in_ch
        self.n_levels = n_levels
        self.out = Sequential(
            ReLU(),
            Conv2d(in_ch, hidden, 1),
            ReLU(),
            Conv2d(hidden, n_levels, 1),  # E: mypy[dfdx-shape "layer 4 of self.out is built here;"
            #     " its output reaches line 202: reshape: cannot reshape Tensor[N, n_levels, H, W]"
            #     " (H*N*W*n_levels elements) to Tensor[N, C, n_levels, H, W] (C*H*N*W*n_levels el"
            #     "ements: equal only where C is 1)"]
        )

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, Dyn, H, W, T]:
        b, _, h, w = x.shape
        return self.out(x).reshape(b, self.in_ch, self.n_levels, h, w)  # E: mypy[dfdx-shape "resh"
        #     "ape: cannot reshape Tensor[N, n_levels, H, W] (H*N*W*n_levels elements) to Tensor[N"
        #     ", C, n_levels, H, W] (C*H*N*W*n_levels elements: equal only where C is 1)"]
