"""Tensors a ``forward`` creates (position ids from ``dx.arange``, a decoder's first frame
from ``dx.zeros``) and head counts it does not know do not end the per-instance evaluation
(docs/modules.md, "Blocks typed per instance"): the mistakes after them are found with the
instance's sizes, and where the layer built wrong is built."""

# rules: nn, creation, movement

from typing import TypeVar

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Embedding, LayerNorm, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class TextEncoder(Module):
    def __init__(self, vocab: int, dim: int, max_len: int, out_dim: int) -> None:
        super().__init__()
        self.tokens = Embedding(vocab, dim)
        self.positions = Embedding(max_len, dim)
        self.proj = Linear(dim, out_dim)  # E: mypy[
        #     dfdx-shape "self.proj is built here; its output reaches line 39: LayerNorm[16]: tak"
        #     "es 16 features, got Tensor[2, 7, 24] (24 != 16) (in TextEncoder(50, 16,"
        #     " 32, 24) built at line 62)"]
        # out_dim was meant
        self.norm = LayerNorm(dim)  # E: mypy[
        #     dfdx-shape "self.norm is built here; called at line 39: LayerNorm[16]: takes 16 fea"
        #     "tures, got Tensor[2, 7, 24] (24 != 16) (in TextEncoder(50, 16, 32, 24) "
        #     "built at line 62)"]

    def forward(self, ids: Tensor[B, S, NoneTape]) -> Tensor[B, S, Dyn, OwnedTape]:
        n = ids.shape[1]
        h = self.tokens(ids) + self.positions(dx.arange(n))
        return self.norm(self.proj(h.trace()).relu())  # E: mypy[
        #     dfdx-shape "LayerNorm[16]: takes 16 features, got Tensor[2, 7, 24] (24 != 16) (in T"
        #     "extEncoder(50, 16, 32, 24) built at line 62)"]


class MelDecoder(Module):
    def __init__(self, n_mels: int, hidden: int) -> None:
        super().__init__()
        self.n_mels = n_mels
        self.prenet = Linear(n_mels, hidden)
        self.to_mel = Linear(hidden, hidden)  # n_mels was meant: shown where the frames meet

    def forward(self, frames: Tensor[B, S, Dyn, T]) -> Tensor[B, Dyn, Dyn, T]:
        b = frames.shape[0]
        go = dx.zeros(b, 1, self.n_mels)
        h = self.prenet(frames).relu()
        return dx.cat([go, self.to_mel(h)], axis=1)  # E: mypy[
        #     dfdx-shape "concat: sizes differ on axis 2: Tensor[2, 1, 8] and Tensor[2, 5, 24] (8"
        #     " != 24) (in MelDecoder(8, 24) built at line 64)"]


def main() -> None:
    ids = dx.tensor(np.random.randint(0, 50, (2, 7)))
    encoder = TextEncoder(50, 16, 32, 24)
    print(encoder(ids).shape)
    decoder = MelDecoder(8, 24)
    print(decoder(dx.randn(2, 5, 8)).shape)
