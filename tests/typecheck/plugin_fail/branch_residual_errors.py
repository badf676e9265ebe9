"""Two different size TypeVars broadcast in a branch of an ``if`` (its condition may hold
them equal), but not outside one; and in a branch, sizes that differ for every value of
the names (``CO`` and ``2*CO``) or literal sizes that differ are still reported."""

# rules: binary

from typing import Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Module

N = TypeVar("N", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Shortcuts(Module, Generic[CI, CO]):
    def forward(self, x: Tensor[N, CI, T], y: Tensor[N, CO, T], flag: bool) -> Tensor[N, CO, T]:
        outside = y + x  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[N, CO] and Tens"
        #     "or[N, CI] (axis -1: CO != CI)"]
        doubled = dx.cat([y, y], axis=1)
        if flag:
            doubled = doubled + y  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[N, 2*"
            #     "CO] and Tensor[N, CO] (axis -1: 2*CO != CO)"]
        return y


def literal(a: Tensor[L[2], L[3], NoneTape], b: Tensor[L[2], L[4], NoneTape], flag: bool) -> None:
    if flag:
        a + b  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[2, 3] and Tensor[2, 4] (a"
        #     "xis -1: 3 != 4)"]
