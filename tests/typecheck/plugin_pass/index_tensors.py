"""Tensors of indices from argmax, argsort and topk used to pick entries, as CLIP, MAE and a
mixture of experts write it: ``x[dx.arange(b), last]`` takes one row per batch entry (the
index tensors' shapes broadcast together and take the indexed axes' place), ``gather`` with an
index broadcast to the features keeps the index's shape, and a slice of ``argsort``'s result
keeps the first ``k`` positions."""

# rules: indexing, selection

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
E = TypeVar("E", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class EndOfTextPool(Module, Generic[D, E]):
    """CLIP's text head: the features at each sequence's end-of-text token (its largest id),
    projected to the shared width."""

    def __init__(self, width: D, embed_dim: E) -> None:
        super().__init__()
        self.proj = Linear(width, embed_dim, bias=False)

    def forward(self, x: Tensor[B, S, D, T], text: Tensor[B, S, NoneTape]) -> Tensor[B, E, T]:
        b = x.shape[0]
        eot = text.argmax(axis=-1)
        pooled = x[dx.arange(b, dtype=dx.int64), eot]
        assert_type(pooled, Tensor[B, D, T])
        return self.proj(pooled)


def random_masking(x: Tensor[B, S, D, T], noise: Tensor[B, S, NoneTape]) -> Tensor[B, L[4], D, T]:
    """MAE's masking: the patches of the 4 smallest noise values kept, twice over (by gather
    with an index broadcast to the features, and by indexing with a batch column)."""
    b, _, d = x.shape
    ids_keep = noise.argsort(axis=1)[:, :4]
    assert_type(ids_keep, Tensor[B, L[4], NoneTape])
    kept = x.gather(1, ids_keep.unsqueeze(-1).broadcast_to(b, 4, d))
    picked = x[dx.arange(b, dtype=dx.int64)[:, None], ids_keep]
    assert_type(picked, Tensor[B, L[4], D, T])
    return kept + picked


def top_experts(scores: Tensor[S, E, NoneTape], k: K) -> Tensor[S, K, NoneTape]:
    """A router's top ``k`` experts per token, their weights read back by index."""
    _, idx = scores.topk(k, axis=-1)
    assert_type(idx, Tensor[S, K, NoneTape])
    rows = dx.arange(scores.shape[0], dtype=dx.int64)
    weights = scores[rows[:, None], idx]
    assert_type(weights, Tensor[S, K, NoneTape])
    return weights


pool = EndOfTextPool(8, 4)
ids = dx.tensor(np.array([[1, 5, 2, 0], [3, 4, 9, 2], [7, 1, 1, 1]]))
assert pool(dx.randn(3, 4, 8), ids).shape == (3, 4)
assert random_masking(dx.randn(2, 6, 5), dx.rand(2, 6)).shape == (2, 4, 5)
assert top_experts(dx.randn(5, 4), 2).shape == (5, 2)
