"""With the plugin, a call of a class-based model is checked against its ``forward``."""

# rules: nn

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Head(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = dx.nn.Linear(16, 4)

    def forward(self, x: Tensor[B, L[16], T]) -> Tensor[B, L[4], T]:
        return self.proj(x).tanh()


head = Head()
y: Tensor[L[8], L[15], NoneTape] = dx.zeros(8, 15)
out = head(y)  # E: mypy[dfdx-shape "Head: x takes Tensor[B, 16], got Tensor[8, 15] (15 != 16)"]
more = head(dx.zeros(8, 16), 3)  # E: mypy[call-arg]
