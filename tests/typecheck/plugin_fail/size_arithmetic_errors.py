"""Size arithmetic gone wrong: an up path one step short of its down path (``16*(H//32)``
rows where ``H`` is declared), a skip joined at the wrong level, a pooled map added to the
full-size input (``H//2`` is no ``H``, even where the divisions are exact), a reduction's
per-sample sizes added to another size, a channel shuffle whose ``// groups`` is forgotten,
heads split with sizes unpacked from tuples and merged back wrong, and a tuple returned from
``forward`` whose pooled item is the first sample, not the first token."""

# rules: binary, movement, nn

from typing import Generic, TypeVar

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, ConvTranspose2d, LayerNorm, LeakyReLU, Linear, Module, ReLU, Sequential

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


class ShortGenerator(Module, Generic[C, CO]):
    def __init__(self, in_channels: C, out_channels: CO) -> None:
        super().__init__()
        self.d1 = Conv2d(in_channels, 4, 4, stride=2, padding=1, rng=rng)
        self.d2 = Sequential(LeakyReLU(0.2), Conv2d(4, 8, 4, stride=2, padding=1, rng=rng))
        self.d3 = Sequential(LeakyReLU(0.2), Conv2d(8, 8, 4, stride=2, padding=1, rng=rng))
        self.u3 = Sequential(ReLU(), ConvTranspose2d(8, 8, 4, stride=2, padding=1, rng=rng))
        self.u2 = Sequential(ReLU(), ConvTranspose2d(16, 4, 4, stride=2, padding=1, rng=rng))
        self.u1 = ConvTranspose2d(8, out_channels, 3, padding=1, rng=rng)  # E: mypy[dfdx-shape
        #     "self.u1 is built here; its output reaches line 50: ConvTranspose2d: gives Tensor[N"
        #     ", CO, 4*(H//8), 4*(W//8)], the return type is Tensor[N, CO, H, W] (4*(H//8) != H)"]

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, CO, H, W, T]:
        e1 = self.d1(x)
        e2 = self.d2(e1)
        e3 = self.d3(e2)
        y = self.u3(e3)
        y = self.u2(dx.cat([y, e2], axis=1))
        return self.u1(dx.cat([y, e1], axis=1))  # E: mypy[dfdx-shape "ConvTranspose2d: gives Ten"
        #     "sor[N, CO, 4*(H//8), 4*(W//8)], the return type is Tensor[N, CO, H, W] (4*(H//8) !"
        #     "= H)"]


class SkippedLevel(Module, Generic[C]):
    def __init__(self, channels: C) -> None:
        super().__init__()
        self.down1 = Conv2d(channels, channels, 3, stride=2, padding=1, rng=rng)  # E: mypy[
        #     dfdx-shape "self.down1 is built here with stride=2 (stride=1 gives the size wanted)"
        #     "; its output reaches line 73: concat: sizes differ on axis 2: Tensor[B, C, 2*((H+3"
        #     ")//4), 2*((W+3)//4)] and Tensor[B, C, H, W] (2*((H+3)//4) != H)"]
        self.down2 = Conv2d(channels, channels, 3, stride=2, padding=1, rng=rng)  # E: mypy[
        #     dfdx-shape "self.down2 is built here with stride=2 (stride=1 gives the size wanted)"
        #     "; its output reaches line 73: concat: sizes differ on axis 2: Tensor[B, C, 2*((H+3"
        #     ")//4), 2*((W+3)//4)] and Tensor[B, C, H, W] (2*((H+3)//4) != H)"]
        self.up2 = ConvTranspose2d(channels, channels, 2, stride=2, rng=rng)
        self.up1 = ConvTranspose2d(2 * channels, channels, 2, stride=2, rng=rng)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        d1 = self.down1(x)
        d2 = self.down2(d1)
        u2 = self.up2(d2)
        u1 = self.up1(dx.cat([u2, x], axis=1))  # E: mypy[dfdx-shape "concat: sizes differ on axi"
        #     "s 2: Tensor[B, C, 2*((H+3)//4), 2*((W+3)//4)] and Tensor[B, C, H, W] (2*((H+3)//4)"
        #     " != H)"]
        return u1


class PooledResidual(Module, Generic[C]):
    def __init__(self, channels: C) -> None:
        super().__init__()
        self.conv = Conv2d(channels, channels, 3, padding=1, rng=rng)  # E: mypy[dfdx-shape
        #     "self.conv is built here; its output reaches line 90: add: shapes do not broadcast:"
        #     " Tensor[B, C, H, W] and Tensor[B, C, H//2, W//2] (axis -2: H != H//2)"]

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        h = self.conv(dx.max_pool2d(x, 2))  # E: mypy[dfdx-shape "h is assigned here; used at lin"
        #     "e 90: add: shapes do not broadcast: Tensor[B, C, H, W] and Tensor[B, C, H//2, W//2"
        #     "] (axis -2: H != H//2)"]
        return x + h  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, C, H, W] and "
        #     "Tensor[B, C, H//2, W//2] (axis -2: H != H//2)"]


def energy(z: Tensor[N, C, H, W, T], bias: Tensor[K, NoneTape]) -> Tensor[N, T]:
    flat = (z**2).reshape(-1)  # E: mypy[dfdx-shape "flat is assigned here; used at line 97: add:"
    #     " shapes do not broadcast: Tensor[C*H*N*W] and Tensor[K] (axis -1: C*H*N*W != K)"]
    return flat + bias  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[C*H*N*W] and T"
    #     "ensor[K] (axis -1: C*H*N*W != K)"]


def channel_shuffle(x: Tensor[B, C, H, W, T], groups: int) -> Tensor[B, C, H, W, T]:
    b, c, h, w = x.shape
    y = x.view(b, groups, c, h, w).transpose(1, 2)  # E: mypy[dfdx-shape "reshape: cannot reshape"
    #     " Tensor[B, C, H, W] (B*C*H*W elements) to Tensor[B, groups, C, H, W] (B*C*H*W*groups e"
    #     "lements: equal only where groups is 1)"]
    return y.reshape(b, c, h, w)  # E: mypy[dfdx-shape "reshape: cannot reshape Tensor[B, C, grou"
    #     "ps, H, W] (B*C*H*W*groups elements) to Tensor[B, C, H, W] (B*C*H*W elements: equal onl"
    #     "y where groups is 1)"]


class Attention(Module, Generic[D]):
    def __init__(self, dim: D, num_heads: int = 2) -> None:
        super().__init__()
        self.num_heads, self.head_dim = num_heads, dim // num_heads
        self.qkv = Linear(dim, dim * 3, rng=rng)
        self.proj = Linear(dim, dim, rng=rng)  # E: mypy[dfdx-shape "self.proj is built here; cal"
        #     "led at line 129: Linear[D, D]: takes D features, got Tensor[B, S, D//num_heads] (D"
        #     "//num_heads != D)"]

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        b, s, _ = x.shape
        nh, hd = self.num_heads, self.head_dim
        qkv = self.qkv(x).reshape(b, s, 3, nh, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = dx.softmax(q @ k.mT * hd**-0.5, axis=-1)
        out = (att @ v).transpose(1, 2).reshape(b, s, hd)  # E: mypy[dfdx-shape "out is assigned "
        #     "here; used at line 129: Linear[D, D]: takes D features, got Tensor[B, S, D//num_he"
        #     "ads] (D//num_heads != D)"]
        return self.proj(out)  # E: mypy[dfdx-shape "Linear[D, D]: takes D features, got Tensor[B"
        #     ", S, D//num_heads] (D//num_heads != D)"]


class Pooler(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.dense = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> tuple[Tensor[B, S, D, T], Tensor[B, D, T]]:
        hidden_states = self.norm(x)
        first = hidden_states[0]  # E: mypy[dfdx-shape "first is assigned here; used at line 143:"
        #     " tanh: gives Tensor[S, D], item 1 of the return type is Tensor[B, D] (S != B)"]
        pooled = self.dense(first).tanh()  # E: mypy[dfdx-shape "tanh: gives Tensor[S, D], item 1"
        #     " of the return type is Tensor[B, D] (S != B)"]
        return hidden_states, pooled
