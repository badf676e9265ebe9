"""Layers and ops whose sizes fit the type declared for them (plugin_fail/
declared_sizes_errors.py): annotated fields built with their sizes, reshapes, reductions and
indexes that give the declared return type's rank, a field declared with an ``int`` size."""

# rules: nn, movement, reduce, indexing

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor
from dfdx.nn import Dropout, LayerNorm, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
F = TypeVar("F", bound=int)
H = TypeVar("H", bound=int)


class GatedFeedForward(Module, Generic[D, F]):
    def __init__(self, dim: D, hidden: F, dropout: float = 0.1) -> None:
        super().__init__()
        self.gate: Linear[D, F] = Linear(dim, hidden)
        self.up: Linear[D, F] = Linear(dim, hidden)
        self.down: Linear[F, D] = Linear(hidden, dim)
        self.wide: Linear[D, int] = Linear(dim, hidden * 2)
        self.drop = Dropout(dropout)

    def forward(self, x: Tensor[B, S, D, NoneTape]) -> Tensor[B, S, D, NoneTape]:
        return self.down(self.drop(self.gate(x).silu() * self.up(x)))


class PreNormBlock(Module, Generic[H]):
    norm: LayerNorm[H]

    def __init__(self, n_embd: H) -> None:
        super().__init__()
        self.norm = LayerNorm(n_embd)
        self.proj = Linear(n_embd, n_embd)

    def forward(self, x: Tensor[B, S, H, NoneTape]) -> Tensor[B, S, H, NoneTape]:
        return x + self.proj(self.norm(x))


class GridHead(Module, Generic[D]):
    def __init__(self, dim: D, grid: int, boxes: int) -> None:
        super().__init__()
        self.fc = Linear(dim, grid * grid * boxes)
        self.grid, self.boxes = grid, boxes

    def forward(self, x: Tensor[B, D, NoneTape]) -> Tensor[B, int, int, int, NoneTape]:
        out = self.fc(x)
        return out.reshape(x.shape[0], self.grid, self.grid, self.boxes)

    def pooled(self, x: Tensor[B, S, D, NoneTape]) -> Tensor[B, D, NoneTape]:
        weights = x.sum(axis=-1, keepdims=True).softmax(axis=1)
        return (weights * x).sum(axis=1)

    def first(self, x: Tensor[B, S, D, NoneTape]) -> Tensor[B, D, NoneTape]:
        return x[:, 0]

    def merged(self, x: Tensor[B, S, D, NoneTape]) -> Tensor[B, S, D, NoneTape]:
        b, s, d = x.shape
        h: Tensor[B, S, D, NoneTape] = x.reshape(b, s * d).reshape(b, s, d)
        return h


def main() -> None:
    x = dx.randn(2, 5, 8)
    assert_type(PreNormBlock(8)(x), Tensor[L[2], L[5], L[8], NoneTape])
    head = GridHead(8, 2, 3)
    assert_type(head.first(x), Tensor[L[2], L[8], NoneTape])
    assert_type(head.pooled(x), Tensor[L[2], L[8], NoneTape])
    assert_type(GatedFeedForward(8, 16)(x), Tensor[L[2], L[5], L[8], NoneTape])
    print(head(x[:, 0]).shape, head.merged(x).shape)


if __name__ == "__main__":
    main()
