"""A generic module's sizes where they meet: a read-out tied to an embedding (``x @
wte.weight.transpose(0, 1)``), a 1x1 convolution on its own channels, a sub-module called with
a mask of the target's length, heads put side by side with ``self.h * self.d_k`` features
(``NH*(D//NH)``: ``D`` where ``NH`` divides ``D``, as the run time checks), a generation loop
that rebinds the model's outputs to another length, and tensors of a list concatenated or
stacked (their number unknown: that axis is ``Dyn``)."""

# rules: linalg, nn, movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Embedding, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
SS = TypeVar("SS", bound=int)
ST = TypeVar("ST", bound=int)
N = TypeVar("N", bound=int)
E = TypeVar("E", bound=int)
V = TypeVar("V", bound=int)
D = TypeVar("D", bound=int)
NH = TypeVar("NH", bound=int)
CI = TypeVar("CI", bound=int)
F = TypeVar("F", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class TiedLM(Module, Generic[V, E]):
    def __init__(self, vocab: V, dim: E) -> None:
        super().__init__()
        self.wte = Embedding(vocab, dim, rng=rng)

    def forward(
        self, idx: Tensor[B, S, T], past: list[Tensor[B, Dyn, T]] | None = None
    ) -> tuple[Tensor[B, S, V, T], list[Tensor[B, Dyn, T]]]:
        x = self.wte(idx)
        logits = x @ self.wte.weight.transpose(0, 1)
        assert_type(logits, Tensor[B, S, V, T])
        cache = [] if past is None else list(past)
        cache.append(idx)
        return logits, cache


def generate(model: TiedLM[V, E], idx: Tensor[B, S, NoneTape], n: int) -> Tensor[B, Dyn, NoneTape]:
    logits, past = model(idx)
    tokens = []
    for _ in range(n):
        next_token = logits[:, -1, :].argmax(axis=-1)[:, None]
        tokens.append(next_token)
        logits, past = model(next_token, past)  # another length than the prompt's
    assert_type(dx.stack(tokens, axis=0), Tensor[Dyn, B, L[1], NoneTape])
    return dx.cat([idx, *tokens], axis=1)


class Lateral(Module, Generic[CI, F]):
    def __init__(self, in_channels: CI, out_channels: F) -> None:
        super().__init__()
        self.conv = Conv2d(in_channels, out_channels, 1, rng=rng)

    def forward(self, c: Tensor[N, CI, Dyn, Dyn, T]) -> Tensor[N, F, Dyn, Dyn, T]:
        return self.conv(c)


class MaskedMix(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.mix = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, S, D, T], mask: Tensor[S, S, NoneTape]) -> Tensor[B, S, D, T]:
        scores = x @ x.transpose(1, 2)
        return self.mix(scores.masked_fill(mask, -1e9).softmax(axis=-1) @ x)


class Heads(Module, Generic[D, NH]):
    def __init__(self, d_model: D, h: NH) -> None:
        super().__init__()
        self.h = h
        self.d_k = d_model // h
        self.mix = MaskedMix(d_model)
        self.out = Linear(d_model, d_model, rng=rng)

    def forward(self, src: Tensor[B, SS, D, T], tgt: Tensor[B, ST, D, T]) -> Tensor[B, ST, D, T]:
        b, t, _ = tgt.shape
        mask = dx.triu(dx.ones(t, t), 1) > 0
        y = self.mix(tgt, mask)
        heads = y.reshape(b, t, self.h, self.d_k)
        return self.out(heads.reshape(b, t, self.h * self.d_k))


lm: TiedLM[L[7], L[4]] = TiedLM(7, 4)
prompt = dx.tensor(rng.integers(0, 7, (2, 3))).ensure_shape(2, 3)
assert generate(lm, prompt, 2).shape == (2, 5)

lateral: Lateral[L[6], L[4]] = Lateral(6, 4)
maps: Tensor[L[2], L[6], Dyn, Dyn, NoneTape] = dx.randn(2, 6, 5, 5, rng=rng)
assert lateral(maps).shape == (2, 4, 5, 5)

heads: Heads[L[8], L[2]] = Heads(8, 2)
src: Tensor[L[2], L[5], L[8], NoneTape] = dx.randn(2, 5, 8, rng=rng)
tgt: Tensor[L[2], L[3], L[8], NoneTape] = dx.randn(2, 3, 8, rng=rng)
out = heads(src.trace(), tgt.trace())
assert_type(out, Tensor[L[2], L[3], L[8], OwnedTape])
assert out.shape == (2, 3, 8)
