"""Members of a ``ModuleList`` built by one comprehension, right: a tower whose layers take
what they give, chained in a loop, and heads that give another size than they take, each
called on the same input (not on one another): nothing is blamed on the comprehension."""

# rules: nn

from typing import Literal as L
from typing import TypeVar, assert_type

import numpy as np

import dfdx as dx
from dfdx import NoneTape, Tensor
from dfdx.nn import Linear, Module, ModuleList, ReLU

B = TypeVar("B", bound=int)


class Tower(Module):
    def __init__(self, depth: int) -> None:
        super().__init__()
        self.layers = ModuleList([Linear(64, 64) for _ in range(depth)])
        self.act = ReLU()

    def forward(self, x: Tensor[B, L[64], NoneTape]) -> Tensor[B, L[64], NoneTape]:
        for layer in self.layers:
            x = self.act(layer(x))
        return x


class Heads(Module):
    def __init__(self, count: int) -> None:
        super().__init__()
        self.heads = ModuleList([Linear(64, 32) for _ in range(count)])

    def forward(self, x: Tensor[B, L[64], NoneTape]) -> list[Tensor[B, L[32], NoneTape]]:
        outs = []
        for head in self.heads:
            outs.append(head(x))
        return outs


rng = np.random.default_rng(0)
rows: Tensor[L[2], L[64], NoneTape] = dx.tensor(rng.standard_normal((2, 64), np.float32))
assert_type(Tower(3)(rows), Tensor[L[2], L[64], NoneTape])
assert_type(Heads(2)(rows)[0], Tensor[L[2], L[32], NoneTape])
