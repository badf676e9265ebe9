"""Calls of the user's own functions and methods generic over sizes whose tensor arguments
agree on each size parameter (plugin_fail/generic_calls_errors.py): rotary tables applied to
heads of the right order, a method given a mask of the right lengths, keyword arguments, a
square matrix, computed sizes that may be equal, sizes known only at run time, values built
with literal sizes."""

# rules: movement, nn, linalg, binary

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
M = TypeVar("M", bound=int)
D = TypeVar("D", bound=int)
E = TypeVar("E", bound=int)
H = TypeVar("H", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def apply_rope(
    q: Tensor[B, H, S, D, T], cos: Tensor[S, D, NoneTape], sin: Tensor[S, D, NoneTape]
) -> Tensor[B, H, S, D, T]:
    return q * cos + q * sin


def attend(
    q: Tensor[B, S, D, T], k: Tensor[B, M, D, T], mask: Tensor[S, M, NoneTape]
) -> Tensor[B, S, M, T]:
    return (q @ k.mT).masked_fill(mask, -1e9)


def square(x: Tensor[S, S, T]) -> Tensor[S, T]:
    return x.sum(axis=0)


def halves(x: Tensor[B, D, T], y: Tensor[B, D, T]) -> Tensor[B, D, T]:
    return x + y


class Attention(Module, Generic[E, H, D]):
    def __init__(self, dim: E, heads: H, head_dim: D) -> None:
        super().__init__()
        self.heads = heads
        self.head_dim = head_dim
        self.q = Linear(dim, dim)

    def forward(
        self, x: Tensor[B, S, E, T], cos: Tensor[S, D, NoneTape], sin: Tensor[S, D, NoneTape]
    ) -> Tensor[B, H, S, D, T]:
        b, s, _ = x.shape
        q = self.q(x).reshape(b, s, self.heads, self.head_dim).transpose(1, 2)
        return apply_rope(q, cos, sin)

    def cross(
        self, x: Tensor[B, S, D, T], memory: Tensor[B, M, D, T], src_mask: Tensor[S, M, NoneTape]
    ) -> Tensor[B, S, M, T]:
        return self.score(x, memory, mask=src_mask)

    def score(
        self, q: Tensor[B, S, D, T], k: Tensor[B, M, D, T], mask: Tensor[S, M, NoneTape]
    ) -> Tensor[B, S, M, T]:
        return attend(q, k, mask)


def gram_diagonal(x: Tensor[B, S, D, T]) -> Tensor[D, T]:
    grams = x.mT @ x
    return square(grams[0])


def split_halves(x: Tensor[B, D, T]) -> Tensor[B, int, T]:
    a, b = x.chunk(2, axis=1)
    return halves(a, b)


def dynamic(x: Tensor[B, Dyn, D, T], mask: Tensor[Dyn, Dyn, NoneTape]) -> Tensor[B, Dyn, Dyn, T]:
    return attend(x, x, mask)


q = dx.randn(2, 4, 3)
k = dx.randn(2, 5, 3)
mask = dx.zeros(4, 5) > 0
assert_type(attend(q, k, mask), Tensor[L[2], L[4], L[5], NoneTape])
attention = Attention(6, 2, 3)
cos = dx.ones(4, 3)
assert_type(attention(dx.randn(2, 4, 6), cos, cos), Tensor[L[2], L[2], L[4], L[3], NoneTape])
assert_type(gram_diagonal(q), Tensor[L[3], NoneTape])
assert_type(split_halves(dx.randn(2, 6)), Tensor[L[2], int, NoneTape])
assert_type(dynamic(q, dx.zeros(4, 4) > 0), Tensor[L[2], Dyn, Dyn, NoneTape])
