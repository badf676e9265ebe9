"""Values whose sizes do not fit the type the user declared for them (plugin_pass/
declared_sizes.py): a layer built with a size its annotated field does not have, an op whose
result has another rank than the declared return type or name. mypy alone says only that the
types differ (``assignment``, ``return-value``); the plugin names the sizes, on the line."""

# rules: nn, movement, reduce, indexing

from typing import Generic, TypeVar

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
        self.gate: Linear[D, F] = Linear(dim, hidden // 2)  # E: mypy[dfdx-shape
        #     "Linear: builds Linear[D, F//2], self.gate's declared type is "
        #     "Linear[D, F] (F//2 != F)"]
        self.up: Linear[D, F] = Linear(dim, hidden)
        self.down: Linear[F, D] = Linear(hidden, dim + 1)  # E: mypy[dfdx-shape
        #     "Linear: builds Linear[F, D+1], self.down's declared type is "
        #     "Linear[F, D] (D+1 != D)"]
        self.drop = Dropout(dropout)

    def forward(self, x: Tensor[B, S, D, NoneTape]) -> Tensor[B, S, D, NoneTape]:
        return self.down(self.drop(self.gate(x).silu() * self.up(x)))


class PreNormBlock(Module, Generic[H]):
    norm: LayerNorm[H]

    def __init__(self, n_embd: H) -> None:
        super().__init__()
        self.norm = LayerNorm(n_embd * 2)  # E: mypy[dfdx-shape "LayerNorm: builds LayerNorm[2*H], "
        #     "self.norm's declared type is LayerNorm[H] (2*H != H)"]
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
        return out.reshape(x.shape[0], self.grid, self.grid * self.boxes)  # E: mypy[dfdx-shape
        #     "reshape: gives Tensor[B, grid, boxes*grid], the return type is "
        #     "Tensor[B, Dyn, Dyn, Dyn] (rank 3 != 4)"]

    def pooled(self, x: Tensor[B, S, D, NoneTape]) -> Tensor[B, D, NoneTape]:
        weights = x.sum(axis=-1, keepdims=True).softmax(axis=1)
        return (weights * x).sum(axis=1, keepdims=True)  # E: mypy[dfdx-shape
        #     "sum: gives Tensor[B, 1, D], the return type is Tensor[B, D] (rank 3 != 2)"]

    def first(self, x: Tensor[B, S, D, NoneTape]) -> Tensor[B, S, D, NoneTape]:
        return x[:, 0]  # E: mypy[dfdx-shape "index: gives Tensor[B, D], the return type is "
        #     "Tensor[B, S, D] (rank 2 != 3)"]

    def merged(self, x: Tensor[B, S, D, NoneTape]) -> Tensor[B, S, D, NoneTape]:
        b, s, d = x.shape
        h: Tensor[B, S, D, NoneTape] = x.reshape(b, s * d)  # E: mypy[dfdx-shape
        #     "reshape: gives Tensor[B, D*S], h's declared type is Tensor[B, S, D] (rank 2 != 3)"]
        return h

    def kept(self, x: Tensor[B, S, D, NoneTape]) -> Tensor[B, S, D, NoneTape]:
        h = x.mean(axis=1)
        return h.relu()  # E: mypy[return-value]


def main() -> None:
    x = dx.randn(2, 5, 8)
    print(PreNormBlock(8)(x).shape, GridHead(8, 2, 3).first(x).shape)
