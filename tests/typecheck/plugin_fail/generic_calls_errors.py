"""Calls of the user's own functions and methods generic over sizes whose tensor arguments
bind a size parameter to two sizes: rotary tables applied to heads whose axes are in another
order, a method of a module given a mask of the source's length, keyword arguments, one
argument whose two axes should be one size, values built with literal sizes. Each is
reported at the call, naming the function, both arguments, their shapes and the axes at
fault, and where each argument was assigned (mypy alone says ``Cannot infer value of type
parameter``)."""

# rules: movement, nn, linalg, binary

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
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
        q = self.q(x).reshape(b, s, self.heads, self.head_dim)  # E: mypy[dfdx-shape "q is assigned"
        #     " here; used at line 56: apply_rope: q and cos give S two sizes: q is Tensor[B, S, H,"
        #     " D] (axis 2: H), cos is Tensor[S, D] (axis 0: S) (H != S)"]
        return apply_rope(q, cos, sin)  # E: mypy[dfdx-shape "apply_rope: q and cos give S two size"
        #     "s: q is Tensor[B, S, H, D] (axis 2: H), cos is Tensor[S, D] (axis 0: S) (H != S)"]

    def cross(
        self, x: Tensor[B, S, D, T], memory: Tensor[B, M, D, T], src_mask: Tensor[M, M, NoneTape]
    ) -> Tensor[B, S, M, T]:
        return self.score(x, memory, mask=src_mask)  # E: mypy[dfdx-shape "score: q and mask give S"
        #     " two sizes: q is Tensor[B, S, D] (axis 1: S), mask is Tensor[M, M] (axis 0: M) (S !="
        #     " M)"]

    def score(
        self, q: Tensor[B, S, D, T], k: Tensor[B, M, D, T], mask: Tensor[S, M, NoneTape]
    ) -> Tensor[B, S, M, T]:
        return attend(q, k, mask)


def first_square(x: Tensor[B, S, D, T]) -> Tensor[S, T]:
    first = x[0]  # E: mypy[dfdx-shape "first is assigned here; used at line 75: square: x gives S "
    #     "two sizes: Tensor[S, D] (axis 0: S, axis 1: D) (S != D)"]
    return square(first)  # E: mypy[dfdx-shape "square: x gives S two sizes: Tensor[S, D] (axis 0: "
    #     "S, axis 1: D) (S != D)"]


def script() -> None:
    q = dx.randn(2, 4, 3)
    k = dx.randn(2, 5, 3)  # E: mypy[dfdx-shape "k is assigned here; used at line 87: attend: k and"
    #     " mask give M two sizes: k is Tensor[2, 5, 3] (axis 1: 5), mask is Tensor[4, 4] (axis 1: "
    #     "4) (5 != 4)"]
    mask = dx.zeros(4, 4) > 0  # E: mypy[dfdx-shape "mask is assigned here; used at line 87: attend"
    #     ": k and mask give M two sizes: k is Tensor[2, 5, 3] (axis 1: 5), mask is Tensor[4, 4] (a"
    #     "xis 1: 4) (5 != 4)"]
    attend(q, k, mask)  # E: mypy[dfdx-shape "attend: k and mask give M two sizes: k is Tensor[2, 5"
    #     ", 3] (axis 1: 5), mask is Tensor[4, 4] (axis 1: 4) (5 != 4)"]
