"""Ops on tensors whose rank NumPy's types do not state (a random generator's ``size=``):
``one_hot`` keeps its classes as the last axis, and ``transpose``/``permute`` give a tensor of
unknown rank, which a module's typed ``forward`` accepts. Their plain signatures' overloads
claimed a rank (``transpose(1, 2)`` of ``Tensor[*tuple[Dyn, ...], L[16]]`` was 4 or more),
so WaveNet's one-hot input transposed to ``(B, Q, S)`` was rejected by its ``forward``."""

# rules: indexing, movement, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, Linear, Module

B = TypeVar("B", bound=int)
Q = TypeVar("Q", bound=int)
S = TypeVar("S", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Head(Module, Generic[Q]):
    def __init__(self, classes: Q) -> None:
        super().__init__()
        self.conv = Conv1d(classes, classes, 1)

    def forward(self, x: Tensor[B, Q, S, T]) -> Tensor[B, Q, S, T]:
        return self.conv(x)


def load_samples() -> np.ndarray:
    """Samples read at run time: their sizes are not written in the code."""
    return np.random.default_rng(0).integers(0, 16, size=(2, 13))


samples = load_samples()
labels = dx.tensor(samples)
assert_type(labels, Tensor[*tuple[Dyn, ...], NoneTape])
hot = dx.one_hot(labels, 16)
assert_type(hot, Tensor[*tuple[Dyn, ...], L[16], NoneTape])
assert_type(dx.one_hot(labels, num_classes=16), Tensor[*tuple[Dyn, ...], L[16], NoneTape])
channels = hot.transpose(1, 2)
assert_type(channels, Tensor[*tuple[Dyn, ...], NoneTape])
assert_type(hot.permute(0, 2, 1), Tensor[*tuple[Dyn, ...], NoneTape])
head: Head[L[16]] = Head(16)
out = head(channels.trace())
assert out.shape == (2, 16, 13)
projected = Linear(16, 4)(hot)
assert projected.shape == (2, 13, 4)
