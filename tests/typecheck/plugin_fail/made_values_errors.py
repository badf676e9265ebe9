"""Values made wrong on one line and used on the next: the line that made the value is
reported beside the use. An embedding not transposed to channels-first before a user's
convolutional encoder (the value has the sizes the encoder takes, in another order: the
encoder's building line is not blamed), mel frames moved on the wrong axes before a
concatenation, a mean without ``keepdims`` before a layer, the wrong axis dropped by
indexing."""

# rules: movement, nn, reduce

from typing import Any, Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
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
        x = self.embedding(tokens)  # E: mypy[dfdx-shape "x is assigned here; used at line 45: Conv"
        #     "Encoder[E]: x takes Tensor[B, E, S], got Tensor[B, S, E] (S != E)"]
        x = self.encoder(x)  # E: mypy[dfdx-shape "ConvEncoder[E]: x takes Tensor[B, E, S], got Ten"
        #     "sor[B, S, E] (S != E)"]
        return self.proj(x.transpose(1, 2))

    __call__ = forward


class MelFrames(Module, Generic[F]):
    def __init__(self, n_mels: F) -> None:
        super().__init__()
        self.out = Linear(n_mels, n_mels)  # E: mypy[dfdx-shape "self.out is built here; called at "
        #     "line 64: Linear[F, F]: takes F features, got Tensor[F, B+S, S] (S != F)"]

    def forward(self, mels: Tensor[B, F, S, T], prev: Tensor[B, S, F, T]) -> Tensor[B, Any, F, T]:
        frames = mels.transpose(0, 1)  # E: mypy[dfdx-shape "frames is assigned here; used at line "
        #     "61: concat: sizes differ on axis 0: Tensor[F, B, S] and Tensor[B, S, F] (F != B)"]
        both = dx.cat([frames, prev], axis=1)  # E: mypy[dfdx-shape "concat: sizes differ on axis 0"
        #     ": Tensor[F, B, S] and Tensor[B, S, F] (F != B)", dfdx-shape "both is assigned here; "
        #     "used at line 64: Linear[F, F]: takes F features, got Tensor[F, B+S, S] (S != F)"]
        return self.out(both)  # E: mypy[dfdx-shape "Linear[F, F]: takes F features, got Tensor[F, "
        #     "B+S, S] (S != F)"]

    __call__ = forward


class PooledGate(Module, Generic[E]):
    def __init__(self, dim: E) -> None:
        super().__init__()
        self.gate = Linear(dim, dim)  # E: mypy[dfdx-shape "self.gate is built here; called at line"
        #     " 82: Linear[E, E]: takes E features, got Tensor[B, S] (S != E)"]

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, S, E, T]:
        pooled = x.mean(axis=-1)  # E: mypy[dfdx-shape "pooled is assigned here; used at line 82: L"
        #     "inear[E, E]: takes E features, got Tensor[B, S] (S != E)", dfdx-shape "pooled is ass"
        #     "igned here; used at line 82: mul: shapes do not broadcast: Tensor[B, S, E] and Tenso"
        #     "r[B, S] (axis -2: S != B)", dfdx-shape "pooled is assigned here; used at line 82: mu"
        #     "l: shapes do not broadcast: Tensor[B, S] and Tensor[B, S, E] (axis -2: B != S)"]
        return x * dx.sigmoid(self.gate(pooled))  # E: mypy[dfdx-shape "mul: shapes do not broadcas"
        #     "t: Tensor[B, S, E] and Tensor[B, S] (axis -2: S != B)", dfdx-shape "mul: shapes do n"
        #     "ot broadcast: Tensor[B, S] and Tensor[B, S, E] (axis -2: B != S)", dfdx-shape
        #     "Linear[E, E]: takes E features, got Tensor[B, S] (S != E)"]

    __call__ = forward


class LastStep(Module, Generic[E]):
    def __init__(self, dim: E) -> None:
        super().__init__()
        self.head = Linear(dim, dim)  # E: mypy[dfdx-shape "self.head is built here; called at line"
        #     " 99: Linear[E, E]: takes E features, got Tensor[B, S] (S != E)"]

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, E, T]:
        last = x[:, :, -1]  # E: mypy[dfdx-shape "last is assigned here; used at line 99: Linear[E,"
        #     " E]: takes E features, got Tensor[B, S] (S != E)"]
        return self.head(last)  # E: mypy[dfdx-shape "Linear[E, E]: takes E features, got Tensor[B,"
        #     " S] (S != E)"]

    __call__ = forward
