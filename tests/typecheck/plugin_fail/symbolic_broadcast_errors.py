"""Sizes computed from a generic module's TypeVars that broadcast only where a size is 1
(``C`` and ``4*C``, ``H`` and ``H//2``): a module does not rely on a size parameter being
1, as it does not rely on two of them being equal, so the op is reported (and the line that
built the layer whose size does not fit)."""

# rules: binary, nn

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class LayerScale(Module, Generic[C]):
    def __init__(self, dim: C) -> None:
        super().__init__()
        self.gamma = 1e-6 * dx.ones(dim)
        self.proj = Linear(dim, 4 * dim)  # E: mypy[dfdx-shape "self.proj is built here; called at"
        #     " line 31: mul: shapes do not broadcast: Tensor[C] and Tensor[B, S, 4*C] (axis -1: C"
        #     " != 4*C)"]

    def forward(self, x: Tensor[B, S, C, T]) -> None:
        self.gamma * self.proj(x)  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[C] a"
        #     "nd Tensor[B, S, 4*C] (axis -1: C != 4*C)"]

    def skip(self, x: Tensor[B, C, H, W, T]) -> None:
        x + dx.max_pool2d(x, 2)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, C, "
        #     "H, W] and Tensor[B, C, H//2, W//2] (axis -2: H != H//2)"]
