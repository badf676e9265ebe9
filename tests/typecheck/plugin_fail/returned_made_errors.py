"""A value returned lines after the op that made it, whose sizes differ from the declared
return type: a reduction over the wrong axis, a concatenation along the wrong axis, a reshape
to the sizes in another order, a layer's output kept by later steps (a scale, an activation,
a dropout), an op applied to the argument instead of the value built from it. Each is
reported at the op that made the size at fault (mypy alone says ``return-value`` at the
``return``)."""

# rules: reduce, movement, binary, nn

from typing import Generic, TypeVar

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
    h = x.sum(axis=2)  # E: mypy[dfdx-shape "h is assigned here; used at line 27: mul: gives Tens"
    #     "or[B, S], the return type is Tensor[B, D] (S != D)"]
    h = h * 0.5  # E: mypy[dfdx-shape "mul: gives Tensor[B, S], the return type is Tensor[B, D] (S"
    #     " != D)"]
    return h


def max_pool(x: Tensor[B, S, D, T]) -> Tensor[B, D, T]:
    pooled = x.max(axis=-1).relu()  # E: mypy[dfdx-shape "max: gives Tensor[B, S], the return typ"
    #     "e is Tensor[B, D] (S != D)"]
    return pooled


def pair(x: Tensor[B, S, D, T], y: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
    both = dx.cat([x, y], axis=1)  # E: mypy[dfdx-shape "both is assigned here; used at line 41: "
    #     "relu: gives Tensor[B, 2*S, D], the return type is Tensor[B, S, D] (2*S != S)"]
    both = dx.relu(both)  # E: mypy[dfdx-shape "relu: gives Tensor[B, 2*S, D], the return type is "
    #     "Tensor[B, S, D] (2*S != S)"]
    return both


class Heads(Module, Generic[E, H]):
    def __init__(self, dim: E, heads: H) -> None:
        super().__init__()
        self.heads = heads
        self.proj = Linear(dim, dim)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, H, S, int, T]:
        b, s, _ = x.shape
        q = self.proj(x)
        q = q.reshape(b, s, self.heads, -1)  # E: mypy[dfdx-shape "q is assigned here; used at line"
        #     " 58: mul: gives Tensor[B, S, H, E//H], the return type is Tensor[B, H, S, Dyn] (S !="
        #     " H)"]
        q = q * 2.0  # E: mypy[dfdx-shape "mul: gives Tensor[B, S, H, E//H], the return type is Ten"
        #     "sor[B, H, S, Dyn] (S != H)"]
        return q


class Pooler(Module, Generic[D, E]):
    def __init__(self, dim: D, out: E) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.proj = Linear(dim, out)

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, E, T]:
        h = self.norm(x)
        h = x.tanh()  # E: mypy[dfdx-shape "tanh: gives Tensor[B, D], the return type is Tensor[B, "
        #     "E] (D != E)"]
        return h
