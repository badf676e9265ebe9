"""Construction mistakes in models whose blocks are built from lists of layers and plain
``int`` arguments (docs/modules.md, "Sizes computed in ``__init__``"): each is reported where
the instance's values make it fail and where the layer or block built wrong is built (the
output width's line of a layer written over several lines)."""

# rules: nn, movement

from typing import Any, Generic, TypeVar
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    Conv1d,
    Conv2d,
    ConvTranspose1d,
    Dropout,
    Linear,
    Module,
    ModuleList,
    ReLU,
    Sequential,
)

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
D = TypeVar("D", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
S = TypeVar("S", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class ReplicatePad(Module):
    """``nn.ReplicationPad1d`` written by hand."""

    def __init__(self, amount: int) -> None:
        super().__init__()
        self.amount = amount

    def forward(self, x: Tensor[B, C, S, T]) -> Tensor[B, C, Any, T]:
        return dx.pad(x, (self.amount, self.amount), mode="replicate")


class Upsampler(Module):
    def __init__(self, in_ch: int, base: int, factors: list[int]) -> None:
        super().__init__()
        ch = base * 2 ** len(factors)
        layers: list[Module] = [ReplicatePad(1), Conv1d(in_ch, ch, kernel_size=3, rng=rng)]
        for f in factors:
            layers += [
                ReLU(),
                ConvTranspose1d(
                    ch,  # E: mypy[
                    #     dfdx-shape "layer 6 of Sequential (ConvTranspose1d[16, 16]) is built her"
                    #     "e; called at line 79: conv_transpose1d: input channels diffe"
                    #     "r: input Tensor[2, 32, 12], weight Tensor[16, 16, 4] (32 != "
                    #     "16) (in Upsampler(4, 8, [2, 2]) built at line 199)"]
                    ch,  # ch // 2  # E: mypy[
                    #     dfdx-shape "ConvTranspose1d[32, 32] is built here; its output reaches li"
                    #     "ne 79: conv_transpose1d: input channels differ: input Tensor"
                    #     "[2, 32, 12], weight Tensor[16, 16, 4] (32 != 16) (in Upsampl"
                    #     "er(4, 8, [2, 2]) built at line 199)"]
                    kernel_size=2 * f,
                    stride=f,
                    padding=f // 2,
                    rng=rng,
                ),
            ]
            ch //= 2
        layers += [ReplicatePad(1), Conv1d(ch, 1, kernel_size=3, rng=rng)]
        self.net = Sequential(*layers)

    def forward(self, x: Tensor[B, Any, S, T]) -> Tensor[B, Any, Any, T]:
        return self.net(x)  # E: mypy[
        #     dfdx-shape "conv_transpose1d: input channels differ: input Tensor[2, 32, 12], weight"
        #     " Tensor[16, 16, 4] (32 != 16) (in Upsampler(4, 8, [2, 2]) built at line "
        #     "199)"]


class Fourier(Module):
    """x -> [x, sin(2^k x), cos(2^k x) for k < bands]."""

    def __init__(self, dims: int, bands: int) -> None:
        super().__init__()
        self.bands = bands
        self.out_dim = dims + 2 * dims * bands

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, int, T]:
        parts = [x]
        for k in range(self.bands):
            parts += [dx.sin(x * 2.0**k), dx.cos(x * 2.0**k)]
        return dx.cat(parts, axis=-1)


class SkipMLP(Module):
    def __init__(self, in_dim: int, hidden: int, depth: int = 4, skip_at: int = 2) -> None:
        super().__init__()
        self.skip_at = skip_at
        self.layers = ModuleList(
            [Linear(in_dim, hidden, rng=rng)]
            + [
                Linear(hidden + 2 * in_dim, hidden)  # E: mypy[
                #     dfdx-shape "Linear[86, 32] is built here; called at line 123: Linear[86, 32]"
                #     ": takes 86 features, got Tensor[5, 59] (59 != 86) (in SkipMLP(ou"
                #     "t_dim, 32) built at line 204)"]
                if i == skip_at
                else Linear(hidden, hidden)
                for i in range(depth - 1)
            ]
            + [Linear(hidden, 1, rng=rng)]
        )

    def forward(self, x: Tensor[B, int, T]) -> Tensor[B, int, T]:
        h = x
        for i, layer in enumerate(self.layers):
            if i == self.skip_at + 1:
                h = dx.cat([h, x], axis=-1)
            h = layer(h)  # E: mypy[
            #     dfdx-shape "Linear[86, 32]: takes 86 features, got Tensor[5, 59] (59 != 86) (in "
            #     "SkipMLP(out_dim, 32) built at line 204)"]
        return h


class Head(Module):
    def __init__(self, in_dim: int, out_dim: int, dropout: float = 0.0) -> None:
        super().__init__()
        layers: list[Module] = [Linear(in_dim, out_dim, rng=rng)]
        if dropout:
            layers.append(Dropout(dropout))
        self.body = Sequential(*layers)

    def forward(self, x: Tensor[B, S, int, T]) -> Tensor[B, S, int, T]:
        return self.body(x)  # E: mypy[
        #     dfdx-shape "Linear[64, 8]: takes 64 features, got Tensor[2, 3, 16] (16 != 64) (in He"
        #     "ad(..., 8) built at line 162)"]


class SelfAttention(Module, Generic[D]):
    def __init__(self, dim: D, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = Linear(dim, 3 * dim, rng=rng)
        self.mix = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        b, s, d = x.shape
        qkv = self.qkv(x).reshape(b, s, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = (q @ k.transpose(-2, -1)).softmax(axis=-1)
        return self.mix((att @ v).transpose(1, 2).reshape(b, s, d))


class Mixer(Module):
    def __init__(self, dim: int, heads: int, tokens: int) -> None:
        super().__init__()
        self.attn = SelfAttention(dim, heads)
        self.heads = ModuleList([Head(dim * heads, 8) for _ in range(tokens)])  # E: mypy[
        #     dfdx-shape "in_dim is given here; used at line 138: Linear[64, 8]: takes 64 features"
        #     ", got Tensor[2, 3, 16] (16 != 64) (in Head(..., 8) built at line 162)"]

    def forward(self, x: Tensor[B, S, int, T]) -> Tensor[B, S, int, T]:
        h = self.attn(x)
        return dx.stack([head(h) for head in self.heads], axis=2).sum(axis=2)


class Refine(Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.conv = Conv2d(ch, ch, 3, padding=1, rng=rng)
        self.gate = Conv2d(ch, ch, 1, rng=rng)

    def forward(self, x: Tensor[B, int, H, W, T]) -> Tensor[B, int, H, W, T]:
        return self.conv(x) * self.gate(x).sigmoid()  # E: mypy[
        #     dfdx-shape "conv2d: input channels differ: input Tensor[1, 10, 5, 5], weight Tensor["
        #     "4, 4, 3, 3] (10 != 4 per group * groups 1) (in Refine(low) built at line"
        #     " 187)"]


class Fuse(Module):
    def __init__(self, low: int, high: int) -> None:
        super().__init__()
        self.refine = Refine(low)  # low + high  # E: mypy[
        #     dfdx-shape "self.refine is built here; called at line 195: conv2d: input channels di"
        #     "ffer: input Tensor[1, 10, 5, 5], weight Tensor[4, 4, 3, 3] (10 != 4 per "
        #     "group * groups 1) (in Refine(low) built at line 187)"]

    def forward(
        self, a: Tensor[B, int, H, W, T], b: Tensor[B, int, H, W, T]
    ) -> Tensor[B, int, H, W, T]:
        return self.refine(dx.cat([a, b], axis=1))


def main() -> None:
    up = Upsampler(4, 8, [2, 2])
    wav = up(dx.randn(2, 4, 6, rng=rng))
    assert wav.shape == (2, 1, 24)

    enc = Fourier(3, 4)
    mlp = SkipMLP(enc.out_dim, 32)
    y = mlp(enc(dx.randn(5, 3, rng=rng)))
    assert y.shape == (5, 1)

    head = Head(16, 4, dropout=0.1)
    assert head(dx.randn(2, 3, 16, rng=rng)).shape == (2, 3, 4)
    mixer = Mixer(16, 4, 2)
    out: Tensor[L[2], L[3], int, NoneTape] = mixer(dx.randn(2, 3, 16, rng=rng))
    assert out.shape == (2, 3, 8)
    fuse = Fuse(4, 6)
    fused = fuse(dx.randn(1, 4, 5, 5, rng=rng), dx.randn(1, 6, 5, 5, rng=rng))
    assert fused.shape == (1, 10, 5, 5)
