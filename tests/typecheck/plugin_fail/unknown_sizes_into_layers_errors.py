"""A layer of literal sizes takes an input size typed ``int`` as unknown, but still rejects
a size it knows to be wrong beside it."""

# rules: nn

from typing import Literal as L
from typing import TypeVar

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import LayerNorm, Linear, Module

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Head(Module):
    def __init__(self) -> None:
        super().__init__()
        self.norm = LayerNorm(16)  # E: mypy[dfdx-shape "self.norm is built here; called at line 27"
        #     ": LayerNorm[16]: takes 16 features, got Tensor[B, Dyn, 8] (8 != 16)"]
        self.head = Linear(16, 4)  # E: mypy[dfdx-shape "self.head is built here; called at line 25"
        #     ": Linear[16, 4]: takes 16 features, got Tensor[B, Dyn, 8] (8 != 16)"]

    def forward(self, x: Tensor[B, int, L[8], T]) -> Tensor[B, int, L[16], T]:
        self.head(x)  # E: mypy[dfdx-shape "Linear[16, 4]: takes 16 features, got Tensor[B, Dyn, 8]"
        #     " (8 != 16)"]
        return self.norm(x)  # E: mypy[dfdx-shape "LayerNorm[16]: takes 16 features, got Tensor[B, "
        #     "Dyn, 8] (8 != 16)"]
