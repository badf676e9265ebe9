"""Tensors a ``forward`` creates (``dx.arange``, ``dx.zeros``, ``dx.ones_like``), head
counts held in ``int`` fields the evaluation does not know (a block built with its owner's
``int`` argument), ``qkv.chunk(3)`` of a width it does not know, and a method of the class
that states its return type: the per-instance evaluation goes on through them, and nothing
is reported on correct code (docs/modules.md, "Blocks typed per instance")."""

# rules: nn, creation, movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Embedding, LayerNorm, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class SelfAttention(Module, Generic[D]):
    def __init__(self, dim: D, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.scale = self.head_dim**-0.5
        self.qkv = Linear(dim, 3 * dim)
        self.out = Linear(dim, dim)

    def _split(self, t: Tensor[B, S, Dyn, T]) -> Tensor[B, Dyn, S, Dyn, T]:
        b, s, _ = t.shape
        return t.view(b, s, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        b, s, d = x.shape
        q, k, v = self.qkv(x).chunk(3, axis=-1)
        q, k, v = self._split(q), self._split(k), self._split(v)
        scores = (q @ k.transpose(-1, -2)) * self.scale
        mask = dx.ones_like(scores)
        context = (scores * mask).softmax(axis=-1) @ v
        return self.out(context.transpose(1, 2).reshape(b, s, d))


class EncoderLayer(Module, Generic[D]):
    def __init__(self, dim: D, heads: int, mlp_dim: int) -> None:
        super().__init__()
        self.attn = SelfAttention(dim, heads)
        self.norm1 = LayerNorm(dim)
        self.fc1 = Linear(dim, mlp_dim)
        self.fc2 = Linear(mlp_dim, dim)
        self.norm2 = LayerNorm(dim)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        x = self.norm1(x + self.attn(x))
        return self.norm2(x + self.fc2(dx.gelu(self.fc1(x))))


class Encoder(Module, Generic[D]):
    def __init__(self, vocab: int, dim: D, heads: int, depth: int, max_len: int) -> None:
        super().__init__()
        self.tokens = Embedding(vocab, dim)
        self.positions = Embedding(max_len, dim)
        self.layers = ModuleList([EncoderLayer(dim, heads, 4 * dim) for _ in range(depth)])

    def forward(self, ids: Tensor[B, S, NoneTape]) -> Tensor[B, S, D, OwnedTape]:
        n = ids.shape[1]
        h = (self.tokens(ids) + self.positions(dx.arange(n))).trace()
        for layer in self.layers:
            h = layer(h)
        return h


class MelDecoder(Module):
    def __init__(self, n_mels: int, hidden: int) -> None:
        super().__init__()
        self.n_mels = n_mels
        self.prenet = Linear(n_mels, hidden)
        self.to_mel = Linear(hidden, n_mels)

    def forward(self, frames: Tensor[B, S, Dyn, T]) -> Tensor[B, Dyn, Dyn, T]:
        b = frames.shape[0]
        go = dx.zeros(b, 1, self.n_mels)
        h = self.prenet(frames).relu()
        return dx.cat([go, self.to_mel(h)], axis=1)


def main() -> None:
    ids = dx.tensor(np.random.randint(0, 50, (2, 7)))
    encoder = Encoder(50, 16, 4, 2, 32)
    encoded = encoder(ids)
    assert_type(encoded, Tensor[L[2], L[7], L[16], OwnedTape])
    print(encoded.shape)
    decoder = MelDecoder(8, 24)
    mels = decoder(dx.randn(2, 5, 8))
    assert_type(mels, Tensor[L[2], L[6], L[8], NoneTape])
    print(mels.shape)


if __name__ == "__main__":
    main()
