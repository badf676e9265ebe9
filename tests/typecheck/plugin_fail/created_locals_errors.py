"""Tables made from a local of ``__init__`` (docs/modules.md, "Where a mistake is reported"):
a sinusoidal positional encoding built in a local and registered as a buffer, a learned
positional table made in a local and traced into a field, a layer scale registered from a
local, and a rotary table registered from an op on a local. Where such a table has the wrong
sizes, the creation of the local is shown too. The mistakes: the encoding's sizes swapped,
the learned table's swapped, the layer scale made twice as wide, the rotary table made for
half the head size, the positional table beside the embedding made twice as wide."""

# rules: creation, binary

import math
from typing import Generic, TypeVar

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
        pe = dx.zeros(d_model, max_len) + dx.tensor(table)  # E: mypy[
        #     dfdx-shape "pe is created here; it reaches line 42: register_buffer: \"pe\" is decl"
        #     "ared Tensor[M, D], given Tensor[D, M] (axis 0: D != M)"]
        self.register_buffer("pe", pe)  # E: mypy[
        #     dfdx-shape "register_buffer: \"pe\" is declared Tensor[M, D], given Tensor[D, M] (a"
        #     "xis 0: D != M)"]

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        return x + self.pe[: x.shape[1]]


class LearnedPositions(Module, Generic[M, D]):
    def __init__(self, d_model: D, max_len: M) -> None:
        super().__init__()
        pos = dx.randn(d_model, max_len, rng=rng) * 0.02  # E: mypy[
        #     dfdx-shape "self.pos is created here; it reaches line 60: add: shapes do not broadc"
        #     "ast: Tensor[B, S, D] and Tensor[S, M] (axis -1: D != M)"]
        self.pos = pos.trace()
        self.proj = Linear(d_model, d_model, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, OwnedTape]:
        return self.proj(x + self.pos[: x.shape[1]])  # E: mypy[
        #     dfdx-shape "add: shapes do not broadcast: Tensor[B, S, D] and Tensor[S, M] (axis -1"
        #     ": D != M)"]


class LayerScale(Module, Generic[D]):
    gamma: Tensor[D, NoneTape]

    def __init__(self, dim: D) -> None:
        super().__init__()
        gamma = dx.ones(dim * 2) * 1e-5  # E: mypy[
        #     dfdx-shape "gamma is created here; it reaches line 73: register_buffer: \"gamma\" i"
        #     "s declared Tensor[D], given Tensor[2*D] (axis 0: 2*D != D)"]
        self.register_buffer("gamma", gamma)  # E: mypy[
        #     dfdx-shape "register_buffer: \"gamma\" is declared Tensor[D], given Tensor[2*D] (ax"
        #     "is 0: 2*D != D)"]
        self.fc = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        return self.fc(x) * self.gamma


class Rotary(Module, Generic[M, D]):
    cos: Tensor[M, D, NoneTape]

    def __init__(self, max_len: M, head_dim: D) -> None:
        super().__init__()
        angles = dx.ones(max_len, head_dim // 2)  # E: mypy[
        #     dfdx-shape "the tensor of \"cos\" is created here; it reaches line 91: register_buf"
        #     "fer: \"cos\" is declared Tensor[M, D], given Tensor[M, D//2] (axis 1: D"
        #     "//2 != D)"]
        self.register_buffer("cos", angles.cos())  # E: mypy[
        #     dfdx-shape "register_buffer: \"cos\" is declared Tensor[M, D], given Tensor[M, D//2"
        #     "] (axis 1: D//2 != D)"]

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        return x * self.cos[: x.shape[1]]


class TokenEmbedding(Module, Generic[M, D]):
    """Token embeddings plus a learned positional table held in a field."""

    def __init__(self, vocab: int, d_model: D, max_len: M) -> None:
        super().__init__()
        self.embed = Embedding(vocab, d_model, rng=rng)  # E: mypy[
        #     dfdx-shape "self.embed is built here; called at line 112: add: shapes do not broadc"
        #     "ast: Tensor[B, S, D] and Tensor[S, 2*D] (axis -1: D != 2*D)"]
        self.pos = dx.zeros(max_len, d_model * 2).trace()  # E: mypy[
        #     dfdx-shape "self.pos is created here; it reaches line 112: add: shapes do not broad"
        #     "cast: Tensor[B, S, D] and Tensor[S, 2*D] (axis -1: D != 2*D)"]

    def forward(self, ids: Tensor[B, S, NoneTape]) -> Tensor[B, S, D, OwnedTape]:
        return self.embed(ids) + self.pos[: ids.shape[1]]  # E: mypy[
        #     dfdx-shape "add: shapes do not broadcast: Tensor[B, S, D] and Tensor[S, 2*D] (axis "
        #     "-1: D != 2*D)"]


x = dx.randn(2, 5, 16, rng=rng)
y1 = PositionalEncoding(16, 32)(x)
y2 = LearnedPositions(16, 32)(x)
y3 = LayerScale(16)(x)
y4 = Rotary(32, 16)(x)
y5 = TokenEmbedding(50, 16, 32)(dx.zeros(2, 5, dtype=dx.int64))
