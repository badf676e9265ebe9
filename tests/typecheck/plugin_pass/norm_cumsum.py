"""cumsum, norm, erf and log1p with the plugin: running sums keep the shape (method and
function, any axis), a norm over every axis is 0-d and over an axis drops it (or keeps it as
size 1 with ``keepdims``: features normalised to unit length, as CLIP and cosine-similarity
heads do), erf and log1p keep their argument's shape type (an exact GELU, a softplus)."""

# rules: reduce

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
D = TypeVar("D", bound=int)
E = TypeVar("E", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x = dx.randn(2, 3, 4)
assert_type(dx.cumsum(x, 1), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(x.trace().cumsum(-1), Tensor[L[2], L[3], L[4], OwnedTape])
assert_type(dx.cumsum(x, axis=0), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.norm(x), Tensor[NoneTape])
assert_type(x.norm(axis=-1), Tensor[L[2], L[3], NoneTape])
assert_type(x.norm(axis=-1, keepdims=True), Tensor[L[2], L[3], L[1], NoneTape])
assert_type(dx.norm(x, 1, axis=(0, 2)), Tensor[L[3], NoneTape])
assert_type(x.trace().norm(p=1, axis=1, keepdims=True), Tensor[L[2], L[1], L[4], OwnedTape])
assert_type(dx.erf(x), Tensor[L[2], L[3], L[4], NoneTape])
assert_type((x * x).log1p(), Tensor[L[2], L[3], L[4], NoneTape])


def normalized(h: Tensor[B, D, T]) -> Tensor[B, D, T]:
    return h / h.norm(axis=-1, keepdims=True)


def cosine_logits(images: Tensor[B, D, T], texts: Tensor[N, D, T]) -> Tensor[B, N, T]:
    return normalized(images) @ normalized(texts).T


def exact_gelu(h: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
    return h * 0.5 * (1.0 + dx.erf(h * 0.7071067811865476))


def positions(mask: Tensor[B, N, NoneTape]) -> Tensor[B, N, NoneTape]:
    """Position ids counted over the tokens a padding mask keeps (RoBERTa's)."""
    return mask.cumsum(1) * mask


class Projection(Module, Generic[D, E]):
    def __init__(self, dim: D, out: E) -> None:
        super().__init__()
        self.proj = Linear(dim, out)

    def forward(self, h: Tensor[B, D, T]) -> Tensor[B, E, T]:
        z = self.proj(h)
        z = z / z.norm(axis=1, keepdims=True)
        return dx.log1p(z * z)


assert_type(cosine_logits(dx.randn(4, 8), dx.randn(5, 8)), Tensor[L[4], L[5], NoneTape])
assert_type(exact_gelu(dx.randn(2, 3, 4)), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(positions(dx.ones(2, 6)), Tensor[L[2], L[6], NoneTape])
assert_type(Projection(8, 3)(dx.randn(5, 8)), Tensor[L[5], L[3], NoneTape])
