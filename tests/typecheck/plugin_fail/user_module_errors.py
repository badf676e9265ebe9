"""Mistakes inside a user's module generic over its sizes are reported on their own line, as
they are in a module written with literal sizes: two different TypeVars are two sizes."""

# rules: nn

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Block(Module, Generic[CI, CO]):
    def __init__(self, ci: CI, co: CO) -> None:
        super().__init__()
        self.inner = Linear(ci, co)  # E: mypy[dfdx-shape "self.inner is built here; its output re"
        #     "aches line 31: Linear[CI, CO]: takes CI features, got Tensor[B, CO] (CO != CI)"]
        self.outer = Linear(ci, co)  # E: mypy[dfdx-shape "self.outer is built here; called at lin"
        #     "e 31: Linear[CI, CO]: takes CI features, got Tensor[B, CO] (CO != CI)"]
        self.mlp = Sequential(Linear(ci, co), ReLU(), Linear(ci, co))  # E: mypy[dfdx-shape
        #     "Sequential: layer 3 (Linear[CI, CO]) takes CI features, layer 1 gives CO"]

    def forward(self, x: Tensor[B, CI, T]) -> Tensor[B, CO, T]:
        h = self.inner(x)  # E: mypy[dfdx-shape "h is assigned here; used at line 31: Linear[CI, C"
        #     "O]: takes CI features, got Tensor[B, CO] (CO != CI)"]
        return self.outer(h)  # E: mypy[dfdx-shape "Linear[CI, CO]: takes CI features, got Tensor[B"
        #     ", CO] (CO != CI)"]


block = Block(4, 8)  # Block[L[4], L[8]]: its call takes 4 features
out = block(dx.zeros(2, 5))  # E: mypy[dfdx-shape "Block[4, 8]: x takes Tensor[B, 4], got Tensor[2,"
#     " 5] (5 != 4)"]
