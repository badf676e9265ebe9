"""Summing traced terms in a loop (each expert's weighted output, Mixtral's ``final =
zeros(...)`` then ``final = final + term``) in the two forms that keep the input's tape for
every checker, pyright and mypy without the plugin included: stack the terms and sum them, or
start from the input times zero (an accumulator started from ``dx.zeros`` is on the terms'
tape after the loop only with the plugin: loop_accumulator_started_untraced.py)."""

# rules: creation, reduce, binary

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

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
        self.n = n

    def stacked(self, x: Tensor[S, D, T], weights: Tensor[S, int, NoneTape]) -> Tensor[S, D, T]:
        terms = [e(x) * weights[:, i : i + 1] for i, e in enumerate(self.experts)]
        total = dx.stack(terms, axis=0).sum(axis=0)
        assert_type(total, Tensor[S, D, T])
        return total

    def started_from_input(
        self, x: Tensor[S, D, T], weights: Tensor[S, int, NoneTape]
    ) -> Tensor[S, D, T]:
        total = x * 0.0
        for i, e in enumerate(self.experts):
            total = total + e(x) * weights[:, i : i + 1]
        return total


experts: Experts[L[8]] = Experts(8, 3)
w: Tensor[L[5], int, NoneTape] = dx.rand(5, 3)
x = dx.randn(5, 8).trace()
assert_type(experts.stacked(x, w), Tensor[L[5], L[8], OwnedTape])
assert_type(experts.started_from_input(x, w), Tensor[L[5], L[8], OwnedTape])
