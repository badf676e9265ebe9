"""Operands as models write them. A residual connection's right operand is itself a call
whose type mypy infers from its context (a layer, a generic op, a user module): mypy alone
gives such a sum ``Any`` (the argument matches several overloads once inferred in each one's
context); the plugin reads the operand's own type, so the sum keeps its shape. An attention
scale ``head_dim ** -0.5`` is a ``float`` (typeshed: ``Any``, which mypy would spread to the
scores)."""

# rules: binary

from typing import Generic, TypeVar, assert_type

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Dropout, Embedding, LayerNorm, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
F = TypeVar("F", bound=int)
V = TypeVar("V", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class FeedForward(Module, Generic[D, F]):
    def __init__(self, d: D, f: F) -> None:
        super().__init__()
        self.up = Linear(d, f, rng=rng)
        self.down = Linear(f, d, rng=rng)
        self.norm = LayerNorm(d)
        self.dropout = Dropout(0.1)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        h = x + self.dropout(self.down(self.up(x).gelu()))
        assert_type(h, Tensor[B, S, D, T])
        h = h + dx.exp(self.down(self.up(h)))
        assert_type(h, Tensor[B, S, D, T])
        return self.norm(h)


class Attention(Module, Generic[D]):
    def __init__(self, d: D, heads: int) -> None:
        super().__init__()
        self.qkv = Linear(d, d, rng=rng)
        self.head_dim = d // heads
        self.scale = self.head_dim**-0.5

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, S, T]:
        q = self.qkv(x)
        assert_type(self.scale, float)
        scores = q @ q.mT * self.scale
        assert_type(scores, Tensor[B, S, S, T])
        scores = q @ q.mT / float(self.head_dim) ** 0.5
        assert_type(scores, Tensor[B, S, S, T])
        return dx.softmax(scores, axis=-1)


class Embed(Module, Generic[V, D]):
    def __init__(self, vocab: V, d: D) -> None:
        super().__init__()
        self.word = Embedding(vocab, d, rng=rng)
        self.position = Embedding(16, d, rng=rng)

    def forward(self, ids: Tensor[B, S, T]) -> Tensor[B, S, D, T]:
        _, s = ids.shape
        x = self.word(ids) + self.position(dx.arange(s))
        assert_type(x, Tensor[B, S, D, T])
        return x


embed = Embed(50, 8)
ff = FeedForward(8, 32)
ids = dx.tensor(np.arange(12).reshape(2, 6) % 50).ensure_shape(2, 6)
out = ff(embed(ids))
assert out.shape == (2, 6, 8)
assert Attention(8, 2)(out).shape == (2, 6, 6)
