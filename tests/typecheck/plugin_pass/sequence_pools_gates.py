"""1-d pools, gated linear units and repeat_interleave, as ports of audio and text models use
them: ``MaxPool1d``/``AvgPool1d`` (stride defaulting to the kernel, padding, ceil_mode),
``AdaptiveAvgPool1d``/``AdaptiveMaxPool1d``, ``GLU`` in a ``Sequential`` and called in a typed
``forward``, their functional forms, and ``repeat_interleave`` sharing key/value heads among
query heads (grouped-query attention) and upsampling a sequence."""

# rules: conv, reduce, movement, nn

from typing import Literal as L
from typing import TypeVar, assert_type

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class ConvGLUBlock(dx.nn.Module):
    """A gated convolution (as in a conformer's or a wav2letter's block): the convolution
    doubles the channels, GLU halves them back; a pool halves the length."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = dx.nn.Conv1d(16, 32, 3, padding=1)
        self.glu = dx.nn.GLU(axis=1)
        self.pool = dx.nn.MaxPool1d(2)

    def forward(self, x: Tensor[B, L[16], L[40], T]) -> Tensor[B, L[16], L[20], T]:
        h = self.conv(x)
        h = self.glu(h)
        return self.pool(h)


class GatedStack(dx.nn.Module):
    """Gated convolutions kept in a ModuleList and applied in turn, each output's channels
    halved by ``dx.glu`` before the next member reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.convs = dx.nn.ModuleList(
            [dx.nn.Conv1d(16, 64, 3, padding=1), dx.nn.Conv1d(32, 32, 3, padding=1)]
        )

    def forward(self, x: Tensor[B, int, S, T]) -> Tensor[B, int, S, T]:
        for conv in self.convs:
            x = dx.glu(conv(x), axis=1)
        return x


class AudioClassifier(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = dx.nn.Sequential(
            dx.nn.Conv1d(1, 16, 5, stride=2, padding=2),
            dx.nn.ReLU(),
            dx.nn.AvgPool1d(3, stride=2, padding=1),
            dx.nn.Conv1d(16, 32, 3),
            dx.nn.MaxPool1d(3, stride=2, ceil_mode=True),
        )
        self.avg = dx.nn.AdaptiveAvgPool1d(1)
        self.max = dx.nn.AdaptiveMaxPool1d(1)
        self.head = dx.nn.Linear(64, 10)

    def forward(self, x: Tensor[B, L[1], L[160], T]) -> Tensor[B, L[10], T]:
        h = self.features(x)
        assert_type(h, Tensor[B, L[32], L[19], T])
        pooled = dx.cat([self.avg(h), self.max(h)], axis=1).flatten(1)
        return self.head(pooled)


def gated_features(x: Tensor[B, S, L[64], T]) -> Tensor[B, S, L[32], T]:
    return dx.glu(x)


def pooled_lengths(x: Tensor[B, L[8], L[50], T]) -> None:
    assert_type(dx.max_pool1d(x, 4), Tensor[B, L[8], L[12], T])
    assert_type(dx.max_pool1d(x, 3, stride=2, padding=1), Tensor[B, L[8], L[25], T])
    assert_type(dx.avg_pool1d(x, 4, ceil_mode=True), Tensor[B, L[8], L[13], T])
    assert_type(dx.adaptive_avg_pool1d(x, 7), Tensor[B, L[8], L[7], T])
    assert_type(dx.adaptive_max_pool1d(x, (5,)), Tensor[B, L[8], L[5], T])
    assert_type(dx.glu(x, axis=1), Tensor[B, L[4], L[50], T])

    assert_type(dx.nn.MaxPool1d(5, stride=5)(x), Tensor[B, L[8], L[10], T])
    assert_type(dx.nn.AvgPool1d(2, padding=1)(x), Tensor[B, L[8], L[26], T])
    assert_type(dx.nn.AdaptiveAvgPool1d(3)(x), Tensor[B, L[8], L[3], T])
    assert_type(dx.nn.AdaptiveMaxPool1d(1)(x), Tensor[B, L[8], L[1], T])
    assert_type(dx.nn.GLU(axis=-2)(x), Tensor[B, L[4], L[50], T])


class GroupedQueryAttention(dx.nn.Module):
    """Two key/value heads shared by eight query heads: each repeated four times in place."""

    def __init__(self) -> None:
        super().__init__()
        self.q = dx.nn.Linear(64, 64)
        self.kv = dx.nn.Linear(64, 32)

    def forward(self, x: Tensor[B, S, L[64], T]) -> Tensor[B, S, L[64], T]:
        b, s, _ = x.shape
        q = self.q(x).reshape(b, s, 8, 8).transpose(1, 2)
        k = self.kv(x).reshape(b, s, 2, 16)[..., :8].transpose(1, 2)
        k = k.repeat_interleave(4, axis=1)
        assert_type(k, Tensor[B, L[8], S, L[8], T])
        scores = (q @ k.transpose(-2, -1)).softmax(axis=-1)
        return (scores @ q).transpose(1, 2).reshape(b, s, 64)


def upsampled(x: Tensor[B, L[4], L[25], T]) -> Tensor[B, L[4], L[50], T]:
    """Nearest upsampling of a sequence: each step repeated twice."""
    return dx.repeat_interleave(x, 2, axis=2)


data = np.random.default_rng(0).standard_normal((3, 1, 160)).astype(np.float32)
batch: Tensor[L[3], L[1], L[160], NoneTape] = dx.tensor(data)
logits = AudioClassifier()(batch.trace())
assert_type(logits, Tensor[L[3], L[10], OwnedTape])
block = ConvGLUBlock()(dx.randn(2, 16, 40))
assert_type(block, Tensor[L[2], L[16], L[20], NoneTape])
assert_type(gated_features(dx.randn(2, 5, 64)), Tensor[L[2], L[5], L[32], NoneTape])
pooled_lengths(dx.randn(2, 8, 50))
assert_type(GroupedQueryAttention()(dx.randn(2, 7, 64)), Tensor[L[2], L[7], L[64], NoneTape])
assert_type(dx.randn(2, 3).repeat_interleave(3), Tensor[L[18], NoneTape])
assert_type(upsampled(dx.randn(2, 4, 25)), Tensor[L[2], L[4], L[50], NoneTape])
assert GatedStack()(dx.randn(2, 16, 10)).shape == (2, 16, 10)
