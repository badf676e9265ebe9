"""dx.einsum with the plugin: the result's sizes come from the subscripts (each output letter's
size in the operands), for attention written with einsum in a generic module (heads as a size
TypeVar, keys of their own length), matrix and batched products, outer products, sums and
traces, ``...`` for the axes a term does not name, implicit outputs (no ``->``), size-1 axes
that broadcast, operands built from NumPy arrays, and the merged tape of the operands."""

# rules: linalg

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
M = TypeVar("M", bound=int)
E = TypeVar("E", bound=int)
H = TypeVar("H", bound=int)
Dh = TypeVar("Dh", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

a = dx.randn(2, 3)
b = dx.randn(3, 4)
assert_type(dx.einsum("ij,jk->ik", a, b), Tensor[L[2], L[4], NoneTape])
assert_type(dx.einsum("ij,jk", a, b), Tensor[L[2], L[4], NoneTape])  # implicit output
assert_type(dx.einsum("ij->ji", a), Tensor[L[3], L[2], NoneTape])
assert_type(dx.einsum("ij->", a), Tensor[NoneTape])
assert_type(dx.einsum("ij -> i", a.trace()), Tensor[L[2], OwnedTape])
assert_type(dx.einsum("ii", dx.randn(4, 4)), Tensor[NoneTape])
assert_type(dx.einsum("ii->i", dx.randn(4, 4)), Tensor[L[4], NoneTape])
assert_type(dx.einsum("i,j->ij", dx.randn(5), dx.randn(6)), Tensor[L[5], L[6], NoneTape])
assert_type(dx.einsum("ij,ij->ij", dx.randn(1, 3), a), Tensor[L[2], L[3], NoneTape])
assert_type(
    dx.einsum("bij,bjk,bkl->bil", dx.randn(7, 2, 3), dx.randn(7, 3, 4), dx.randn(7, 4, 5)),
    Tensor[L[7], L[2], L[5], NoneTape],
)

# ``...``: the axes a term does not name, broadcast together (kept, or summed without it)
batch = dx.randn(8, 6, 2, 3)
assert_type(dx.einsum("...ij,jk->...ik", batch, b), Tensor[L[8], L[6], L[2], L[4], NoneTape])
assert_type(dx.einsum("...ij,jk", batch, b.trace()), Tensor[L[8], L[6], L[2], L[4], OwnedTape])
assert_type(dx.einsum("...ij,...jk->ik", batch, dx.randn(6, 3, 4)), Tensor[L[2], L[4], NoneTape])
assert_type(dx.einsum("b...d->bd", batch), Tensor[L[8], L[3], NoneTape])

# operands from NumPy arrays: sizes known at run time only stay unknown
data = dx.tensor(np.ones((5, 3), dtype=np.float32))
assert_type(dx.einsum("nd,dk->nk", data, b.to(dx.float32)).shape[1], L[4])


class EinsumAttention(Module, Generic[E, H, Dh]):
    """Multi-head attention written with einsum, as ports of vision transformers do."""

    def __init__(self, dim: E, heads: H, head_dim: Dh) -> None:
        super().__init__()
        self.heads = heads
        self.head_dim = head_dim
        self.query = Linear(dim, dim)

    def forward(
        self, q: Tensor[B, H, N, Dh, T], k: Tensor[B, H, M, Dh, T], v: Tensor[B, H, M, Dh, T]
    ) -> Tensor[B, H, N, Dh, T]:
        scores = dx.einsum("bhid,bhjd->bhij", q, k) * 0.125
        assert_type(scores, Tensor[B, H, N, M, T])
        weights = scores.softmax(axis=-1)
        out = dx.einsum("bhij,bhjd->bhid", weights, v)
        return out


def bilinear_scores(
    x: Tensor[B, N, T], w: Tensor[N, M, NoneTape], y: Tensor[B, M, T]
) -> Tensor[B, T]:
    return dx.einsum("bn,nm,bm->b", x, w, y)


def pairwise(x: Tensor[B, N, E, T]) -> Tensor[B, N, N, T]:
    return dx.einsum("bie,bje->bij", x, x)


attn = EinsumAttention(16, 4, 8)
q = dx.randn(2, 4, 5, 8)
k = dx.randn(2, 4, 9, 8)
assert_type(attn(q, k, k), Tensor[L[2], L[4], L[5], L[8], NoneTape])
assert_type(bilinear_scores(dx.randn(3, 4), dx.randn(4, 5), dx.randn(3, 5)), Tensor[L[3], NoneTape])
for h in [dx.randn(2, 6, 16), dx.randn(2, 6, 16).trace().detach()]:
    assert_type(pairwise(h), Tensor[L[2], L[6], L[6], NoneTape])
