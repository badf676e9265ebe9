"""An accumulator started from ``dx.zeros`` (untraced) and summed with traced terms in a loop
is ``NoneTape | OwnedTape`` after the loop (the loop may run no time, and then the result
has no tape: ``backward()`` on it would fail); a ``forward`` declared on the input's tape
rejects it. docs/modules.md gives the two forms that keep the tape."""

# rules: creation, binary

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module, ModuleList

S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Experts(Module, Generic[D]):
    def __init__(self, dim: D, n: int) -> None:
        super().__init__()
        self.experts = ModuleList([Linear(dim, dim) for _ in range(n)])

    def forward(self, x: Tensor[S, D, T], weights: Tensor[S, int, NoneTape]) -> Tensor[S, D, T]:
        s, d = x.shape
        total = dx.zeros(s, d)
        for i, e in enumerate(self.experts):
            total = total + e(x) * weights[:, i : i + 1]
        return total  # E: mypy[return-value]
