"""Mixed tapes at a user's module do not hide its mistakes: a frozen context of the wrong width
given with a traced query is still a size error,
the joined result is traced (a variable declared untraced rejects it), and a call whose
arguments are all untraced has no tape to run backward on."""

# rules: nn

from typing import Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
M = TypeVar("M", bound=int)
D = TypeVar("D", bound=int)
DK = TypeVar("DK", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class CrossBlock(Module, Generic[D, DK]):
    def __init__(self, d: D, dk: DK) -> None:
        super().__init__()
        self.to_q = Linear(d, d)
        self.to_k = Linear(dk, d)

    def forward(self, x: Tensor[B, N, D, T], ctx: Tensor[B, M, DK, T]) -> Tensor[B, N, M, T]:
        return self.to_q(x) @ self.to_k(ctx).transpose(1, 2)


block = CrossBlock(8, 6)
queries = dx.randn(2, 3, 8)
frozen = dx.randn(2, 5, 6)
narrow = dx.randn(2, 5, 4)
r1 = block(queries.trace(), narrow)  # E: mypy[dfdx-shape "CrossBlock[8, 6]: ctx takes "
#     "Tensor[2, M, 6], got Tensor[2, 5, 4] (4 != 6)"]
r2: Tensor[L[2], L[3], L[5], NoneTape] = block(queries, frozen.trace())  # E: mypy[assignment]
r3 = block(queries, frozen)
r3.sum().backward()  # E: mypy[misc, dfdx-tape "backward() needs a traced tensor: call "
#     ".trace() on an input first"]
