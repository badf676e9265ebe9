"""``argmin`` as k-means and vector quantisation use it: the index of the nearest centroid of
every point (a distance matrix reduced over the centroids), in a loop that reuses its names,
on data from NumPy; ``keepdims`` keeps the axis for a gather."""

# rules: indexing

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Module

N = TypeVar("N", bound=int)
K = TypeVar("K", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Codebook(Module, Generic[K, D]):
    """VQ-VAE's quantiser: each vector's nearest code and its distance."""

    def __init__(self, codes: K, dim: D) -> None:
        super().__init__()
        self.codes = dx.randn(codes, dim).trace()

    def forward(self, z: Tensor[N, D, T]) -> tuple[Tensor[N, NoneTape], Tensor[N, L[1], NoneTape]]:
        diff = z.detach().unsqueeze(1) - self.codes.detach().unsqueeze(0)
        dist = (diff * diff).sum(axis=-1)
        assert_type(dist, Tensor[N, K, NoneTape])
        nearest = dist.argmin(axis=1)
        assert_type(nearest, Tensor[N, NoneTape])
        kept = dx.argmin(dist, axis=-1, keepdims=True)
        assert_type(kept, Tensor[N, L[1], NoneTape])
        return nearest, kept


rng = np.random.default_rng(0)
points: Tensor[L[6], L[2], NoneTape] = dx.tensor(rng.standard_normal((6, 2)).astype(np.float32))
centroids: Tensor[L[3], L[2], NoneTape] = dx.tensor(points.numpy()[:3].copy())
for _ in range(3):
    gaps = points.unsqueeze(1) - centroids.unsqueeze(0)
    dist = (gaps * gaps).sum(axis=2)
    assert_type(dist, Tensor[L[6], L[3], NoneTape])
    labels = dist.argmin(axis=1)
    assert_type(labels, Tensor[L[6], NoneTape])
    flat = dx.argmin(dist)
    assert_type(flat, Tensor[NoneTape])
    assert 0 <= int(flat.item()) < 18
    assert labels.shape == (6,)
book: Codebook[L[4], L[2]] = Codebook(4, 2)
idx, idx_kept = book(points.trace())
assert idx.shape == (6,) and idx_kept.shape == (6, 1)
