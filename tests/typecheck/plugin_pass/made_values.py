"""Values made on one line and used on the next, made right: an embedding transposed to
channels-first before a user's convolutional encoder, mel frames moved to the axis the
concatenation joins on, a mean that keeps its axis for the layer after it, the last step of a
sequence taken by indexing its time axis. (The same lines made wrong are reported where the
value was made: ``plugin_fail/made_values_errors.py``.)"""

# rules: movement, nn, reduce

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, Embedding, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
E = TypeVar("E", bound=int)
F = TypeVar("F", bound=int)
V = TypeVar("V", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class ConvEncoder(Module, Generic[E]):
    def __init__(self, dim: E) -> None:
        super().__init__()
        self.conv = Conv1d(dim, dim, 3, padding=1)

    def forward(self, x: Tensor[B, E, S, T]) -> Tensor[B, E, S, T]:
        return dx.relu(self.conv(x))

    __call__ = forward


class TextEncoder(Module, Generic[V, E]):
    def __init__(self, vocab: V, dim: E) -> None:
        super().__init__()
        self.embedding = Embedding(vocab, dim)
        self.encoder = ConvEncoder(dim)
        self.proj = Linear(dim, dim)

    def forward(self, tokens: Tensor[B, S, NoneTape]) -> Tensor[B, S, E, NoneTape]:
        x = self.embedding(tokens).transpose(1, 2)
        x = self.encoder(x)
        return self.proj(x.transpose(1, 2))

    __call__ = forward


class MelFrames(Module, Generic[F]):
    def __init__(self, n_mels: F) -> None:
        super().__init__()
        self.out = Linear(n_mels, n_mels)

    def forward(self, mels: Tensor[B, F, S, T], prev: Tensor[B, S, F, T]) -> Tensor[B, Any, F, T]:
        frames = mels.transpose(1, 2)
        both = dx.cat([frames, prev], axis=1)
        return self.out(both)

    __call__ = forward


class PooledGate(Module, Generic[E]):
    def __init__(self, dim: E) -> None:
        super().__init__()
        self.gate = Linear(dim, dim)
        self.head = Linear(dim, dim)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, E, T]:
        pooled = x.mean(axis=1, keepdims=True)
        gated = x * dx.sigmoid(self.gate(pooled))
        last = gated[:, -1, :]
        return self.head(last)

    __call__ = forward


text: TextEncoder[L[20], L[8]] = TextEncoder(20, 8)
frames: MelFrames[L[8]] = MelFrames(8)
gate: PooledGate[L[8]] = PooledGate(8)
tokens: Tensor[Dyn, Dyn, NoneTape] = dx.tensor(np.array([[1, 2, 3], [4, 5, 6]]))
encoded = text(tokens)
assert_type(encoded, Tensor[Dyn, Dyn, L[8], NoneTape])
mels: Tensor[Dyn, L[8], Dyn, NoneTape] = dx.tensor(np.zeros((2, 8, 3), np.float32))
joined = frames(mels, encoded)
assert_type(joined, Tensor[Dyn, Any, L[8], NoneTape])
summary = gate(joined)
assert_type(summary, Tensor[Dyn, L[8], NoneTape])
assert summary.shape == (2, 8)
