"""Models whose blocks are built from lists of layers and plain ``int`` arguments, evaluated per
instance (docs/modules.md, "Sizes computed in ``__init__``"): upsampling factors given as a
list (``[2, 2]``), ``layers += [...]`` with ``ch //= 2``, a padding block of the user's own in
a ``Sequential(*layers)``, a ``ModuleList`` joined from two lists with ``if ... else ...``
members, a width read from another module's field (``enc.out_dim``), ``if dropout:`` on a
float, and an attention block with ``qkv[0]`` and ``@``. Each model is typed by its forward
and runs."""

# rules: nn, movement

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, ConvTranspose1d, Dropout, Linear, Module, ModuleList, ReLU, Sequential

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
D = TypeVar("D", bound=int)
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
                    ch,
                    ch // 2,
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
        return self.net(x)


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
                Linear(hidden + in_dim, hidden, rng=rng) if i == skip_at else Linear(hidden, hidden)
                for i in range(depth - 1)
            ]
            + [Linear(hidden, 1, rng=rng)]
        )

    def forward(self, x: Tensor[B, int, T]) -> Tensor[B, int, T]:
        h = x
        for i, layer in enumerate(self.layers):
            if i == self.skip_at + 1:
                h = dx.cat([h, x], axis=-1)
            h = layer(h)
        return h


class Head(Module):
    def __init__(self, in_dim: int, out_dim: int, dropout: float = 0.0) -> None:
        super().__init__()
        layers: list[Module] = [Linear(in_dim, out_dim, rng=rng)]
        if dropout:
            layers.append(Dropout(dropout))
        self.body = Sequential(*layers)

    def forward(self, x: Tensor[B, S, int, T]) -> Tensor[B, S, int, T]:
        return self.body(x)


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
        self.heads = ModuleList([Head(dim, 8) for _ in range(tokens)])

    def forward(self, x: Tensor[B, S, int, T]) -> Tensor[B, S, int, T]:
        h = self.attn(x)
        return dx.stack([head(h) for head in self.heads], axis=2).sum(axis=2)


def main() -> None:
    up = Upsampler(4, 8, [2, 2])
    wav = up(dx.randn(2, 4, 6, rng=rng))
    assert_type(wav, Tensor[L[2], L[1], L[24], NoneTape])

    enc = Fourier(3, 4)
    mlp = SkipMLP(enc.out_dim, 32)
    features = enc(dx.randn(5, 3, rng=rng))
    assert_type(features, Tensor[L[5], L[27], NoneTape])
    assert_type(mlp(features), Tensor[L[5], L[1], NoneTape])

    head = Head(16, 4, dropout=0.1)
    assert_type(head(dx.randn(2, 3, 16, rng=rng)), Tensor[L[2], L[3], L[4], NoneTape])
    mixer = Mixer(16, 4, 2)
    assert_type(mixer(dx.randn(2, 3, 16, rng=rng)), Tensor[L[2], L[3], L[8], NoneTape])


main()
