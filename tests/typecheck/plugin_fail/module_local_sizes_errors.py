"""A user's module built with a size computed from the enclosing module's TypeVars through a
local (``inner = n_heads * d_head``) checks its input against that size: a block given the
head width instead of ``n_heads * d_head`` is reported where it is called and where it was
built."""

# rules: nn

from typing import Generic, TypeVar

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
D = TypeVar("D", bound=int)
NH = TypeVar("NH", bound=int)
DH = TypeVar("DH", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Block(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.fc = Linear(dim, dim)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        return self.fc(x)


class Stack(Module, Generic[NH, DH]):
    def __init__(self, n_heads: NH, d_head: DH) -> None:
        super().__init__()
        inner = n_heads * d_head
        self.block = Block(inner)  # E: mypy[dfdx-shape "self.block is built here; called at "
        #     "line 39: Block[DH*NH]: x takes Tensor[B, N, DH*NH], got Tensor[B, N, DH] "
        #     "(DH != DH*NH)"]

    def forward(self, x: Tensor[B, N, DH, T]) -> Tensor[B, N, DH, T]:
        h = self.block(x)  # E: mypy[dfdx-shape "Block[DH*NH]: x takes Tensor[B, N, DH*NH], "
        #     "got Tensor[B, N, DH] (DH != DH*NH)"]
        return x
