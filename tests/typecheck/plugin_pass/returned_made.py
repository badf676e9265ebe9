"""Values returned lines after the op that made them, of the declared sizes
(plugin_fail/returned_made_errors.py): a reduction, a concatenation, a head split and its
transpose, a layer's output kept by later steps, an op on the argument itself, a name rebound
in a branch, sizes the return type leaves ``int``."""

# rules: reduce, movement, binary, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import LayerNorm, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
E = TypeVar("E", bound=int)
H = TypeVar("H", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def mean_pool(x: Tensor[B, S, D, T]) -> Tensor[B, D, T]:
    h = x.sum(axis=1)
    h = h * 0.5
    return h


def max_pool(x: Tensor[B, S, D, T], scale: S) -> Tensor[B, D, T]:
    pooled = x.max(axis=1).relu() / scale
    return pooled


def pair(x: Tensor[B, S, D, T], y: Tensor[B, S, D, T]) -> Tensor[B, S, int, T]:
    both = dx.cat([x, y], axis=2)
    both = dx.relu(both)
    return both


def doubled(x: Tensor[B, S, D, T], twice: bool) -> Tensor[B, S, D, T]:
    h = x.relu()
    if twice:
        h = h * 2.0
    return h


class Heads(Module, Generic[E, H]):
    def __init__(self, dim: E, heads: H) -> None:
        super().__init__()
        self.heads = heads
        self.proj = Linear(dim, dim)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, H, S, int, T]:
        b, s, _ = x.shape
        q = self.proj(x)
        q = q.reshape(b, s, self.heads, -1).transpose(1, 2)
        q = q * 2.0
        return q


class Pooler(Module, Generic[D, E]):
    def __init__(self, dim: D, out: E) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.proj = Linear(dim, out)

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, E, T]:
        h = self.norm(x)
        h = self.proj(h)
        h = h.tanh()
        return h


x = dx.randn(2, 5, 4)
assert_type(mean_pool(x), Tensor[L[2], L[4], NoneTape])
assert_type(pair(x, x), Tensor[L[2], L[5], int, NoneTape])
assert_type(doubled(x, True), Tensor[L[2], L[5], L[4], NoneTape])
heads = Heads(4, 2)
assert_type(heads(x), Tensor[L[2], L[2], L[5], L[2], NoneTape])
pooler = Pooler(4, 3)
assert_type(pooler(dx.randn(2, 4)), Tensor[L[2], L[3], NoneTape])
