"""What the loop accumulator rule (docs/modules.md, "Summing traced terms in a loop") still
reports: a name only assigned in a loop under a condition (the last layer's output, kept
where a flag is set) may still hold its untraced value from before the loop, and so may a sum
accumulated only on some passes; a term of the wrong width is reported where it is summed."""

# rules: creation, binary

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module, ModuleList

S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
H = TypeVar("H", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class LastSelected(Module, Generic[D]):
    def __init__(self, dim: D, n: int) -> None:
        super().__init__()
        self.layers = ModuleList([Linear(dim, dim) for _ in range(n)])
        self.keep = [i % 2 == 0 for i in range(n)]

    def forward(self, x: Tensor[S, D, OwnedTape]) -> Tensor[S, D, OwnedTape]:
        s, d = x.shape
        kept = dx.zeros(s, d)
        for layer, keep in zip(self.layers, self.keep, strict=True):
            x = layer(x)
            if keep:
                kept = x
        return kept  # E: mypy[return-value]


class EveryOtherExpert(Module, Generic[D]):
    def __init__(self, dim: D, n: int) -> None:
        super().__init__()
        self.experts = ModuleList([Linear(dim, dim) for _ in range(n)])

    def forward(self, x: Tensor[S, D, OwnedTape]) -> Tensor[S, D, OwnedTape]:
        total = dx.zeros_like(x)
        for i, expert in enumerate(self.experts):
            if i % 2 == 0:
                total = total + expert(x)
        return total  # E: mypy[return-value]


class WrongWidthExperts(Module, Generic[D, H]):
    def __init__(self, dim: D, hidden: H, n: int) -> None:
        super().__init__()
        self.experts = ModuleList([Linear(dim, hidden) for _ in range(n)])  # E: mypy[
        #     dfdx-shape "expert is built here; its output reaches line 62: add: shapes do not br"
        #     "oadcast: Tensor[S, D] and Tensor[S, H] (axis -1: D != H)"]

    def forward(self, x: Tensor[S, D, T], weights: Tensor[S, int, NoneTape]) -> Tensor[S, D, T]:
        s, d = x.shape
        total = dx.zeros(s, d)  # E: mypy[
        #     dfdx-shape "total is assigned here; used at line 62: add: shapes do not broadcast: "
        #     "Tensor[S, D] and Tensor[S, H] (axis -1: D != H)"]
        for i, expert in enumerate(self.experts):
            total = total + expert(x) * weights[:, i : i + 1]  # E: mypy[dfdx-shape "add: shapes "
            #     "do not broadcast: Tensor[S, D] and Tensor[S, H] (axis -1: D != H)"]
        return total
