"""Tables made from a local of ``__init__`` (docs/modules.md, "Where a mistake is reported"):
a sinusoidal positional encoding built in a local and registered as a buffer, a learned
positional table made in a local and traced into a field, a layer scale registered from a
local, a rotary table registered from an op on a local, and a positional table beside an
embedding. Where such a table has the wrong sizes, the creation of the local is shown too."""

# rules: creation, binary

import math
from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Embedding, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
M = TypeVar("M", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class PositionalEncoding(Module, Generic[M, D]):
    pe: Tensor[M, D, NoneTape]

    def __init__(self, d_model: D, max_len: M) -> None:
        super().__init__()
        position = np.arange(max_len)[:, None]
        div_term = np.exp(np.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        table = np.zeros((max_len, d_model), dtype=np.float32)
        table[:, 0::2] = np.sin(position * div_term)
        table[:, 1::2] = np.cos(position * div_term)
        pe = dx.zeros(max_len, d_model) + dx.tensor(table)
        self.register_buffer("pe", pe)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        return x + self.pe[: x.shape[1]]


class LearnedPositions(Module, Generic[M, D]):
    def __init__(self, d_model: D, max_len: M) -> None:
        super().__init__()
        pos = dx.randn(max_len, d_model, rng=rng) * 0.02
        self.pos = pos.trace()
        self.proj = Linear(d_model, d_model, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, OwnedTape]:
        return self.proj(x + self.pos[: x.shape[1]])


class LayerScale(Module, Generic[D]):
    gamma: Tensor[D, NoneTape]

    def __init__(self, dim: D) -> None:
        super().__init__()
        gamma = dx.ones(dim) * 1e-5
        self.register_buffer("gamma", gamma)
        self.fc = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        return self.fc(x) * self.gamma


class Rotary(Module, Generic[M, D]):
    cos: Tensor[M, D, NoneTape]

    def __init__(self, max_len: M, head_dim: D) -> None:
        super().__init__()
        angles = dx.ones(max_len, head_dim)
        self.register_buffer("cos", angles.cos())

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        return x * self.cos[: x.shape[1]]


class TokenEmbedding(Module, Generic[M, D]):
    """Token embeddings plus a learned positional table held in a field."""

    def __init__(self, vocab: int, d_model: D, max_len: M) -> None:
        super().__init__()
        self.embed = Embedding(vocab, d_model, rng=rng)
        self.pos = dx.zeros(max_len, d_model).trace()

    def forward(self, ids: Tensor[B, S, NoneTape]) -> Tensor[B, S, D, OwnedTape]:
        return self.embed(ids) + self.pos[: ids.shape[1]]


x = dx.randn(2, 5, 16, rng=rng)
y1 = PositionalEncoding(16, 32)(x)
assert_type(y1, Tensor[L[2], L[5], L[16], NoneTape])
y2 = LearnedPositions(16, 32)(x)
assert_type(y2, Tensor[L[2], L[5], L[16], OwnedTape])
y3 = LayerScale(16)(x)
y4 = Rotary(32, 16)(x)
y5 = TokenEmbedding(50, 16, 32)(dx.zeros(2, 5, dtype=dx.int64))
assert_type(y5, Tensor[L[2], L[5], L[16], OwnedTape])
assert y1.shape == y5.shape == y2.shape == y3.shape == y4.shape == (2, 5, 16)
