"""A call of a user's module is checked against its ``forward`` without the plugin."""

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Module

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Head(Module):
    def forward(self, x: Tensor[B, L[16], T]) -> Tensor[B, L[16], T]:
        return x


y: Tensor[L[2], L[15], NoneTape] = dx.zeros(2, 15)
out = Head()(y)  # E: mypy[arg-type] pyright[reportArgumentType]
