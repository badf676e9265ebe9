"""Sizes put on the wrong axes: seed vectors created ``(1, dim, num_seeds)`` where their
declared type is ``(1, num_seeds, dim)``, a reshape into heads that forgets the transpose
before it, a table of positions created ``(dim, length)``; each reported on the call that
states the sizes (mypy's own ``assignment`` error would name no axis). A feature map flattened
to ``b c (h w)`` without its transpose before a loop over its blocks: reported where the loop
first uses it and on the line that made it (the value the loop's first pass reads)."""

# rules: creation, movement, nn

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
D = TypeVar("D", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
S = TypeVar("S", bound=int)
NH = TypeVar("NH", bound=int)
HD = TypeVar("HD", bound=int)
NS = TypeVar("NS", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Pooling(Module, Generic[D, NS]):
    def __init__(self, dim: D, num_seeds: NS) -> None:
        super().__init__()
        self.seeds: Tensor[NS, D, NoneTape] = dx.randn(dim, num_seeds)  # E: mypy[dfdx-shape "r"
        #     "andn: gives Tensor[D, NS], self.seeds's declared type is Tensor[NS, D] (D != NS)"]


def split_heads(x: Tensor[B, S, D, T], nh: NH, hd: HD) -> Tensor[B, NH, S, HD, T]:
    b, s, d = x.shape
    return x.view(b, s, nh, hd)  # E: mypy[dfdx-shape "reshape: gives Tensor[B, S, NH, HD], the"
    #     " return type is Tensor[B, NH, S, HD] (S != NH)"]


def positions(length: S, dim: D) -> Tensor[S, D, NoneTape]:
    table = dx.zeros(dim, length)  # E: mypy[dfdx-shape "zeros: gives Tensor[D, S], the return "
    #     "type is Tensor[S, D] (D != S)"]
    return table


class TokenMixer(Module, Generic[C]):
    def __init__(self, channels: C, depth: int) -> None:
        super().__init__()
        self.proj = Conv2d(channels, channels, 1)
        self.blocks = ModuleList([Linear(channels, channels) for _ in range(depth)])

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        b, c, h, w = x.shape
        tokens = self.proj(x).flatten(2)  # E: mypy[dfdx-shape "tokens is assigned here; used at"]
        for block in self.blocks:
            tokens = dx.gelu(block(tokens))  # E: mypy[dfdx-shape "Linear[C, C]: takes C feature"
            #     "s, got Tensor[B, C, H*W] (H*W != C)"]
        return tokens.transpose(1, 2).reshape(b, c, h, w)
