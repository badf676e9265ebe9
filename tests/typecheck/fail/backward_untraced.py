"""backward() on a tensor that carries no tape: an error in both checkers, even without the
plugin, because ``backward`` is declared only for ``self: Tensor[OwnedTape]``."""

from typing import Literal as L
from typing import TypeVar, TypeVarTuple

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

T = TypeVar("T", NoneTape, OwnedTape)
S = TypeVarTuple("S")

x: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
w: Tensor[L[4], L[5], NoneTape] = dx.randn(4, 5)

dx.zeros(3).sum().backward()  # E: mypy[misc] pyright[reportAttributeAccessIssue]
(x @ w).tanh().mean().backward()  # E: mypy[misc] pyright[reportAttributeAccessIssue]
dx.mean(x).backward()  # E: mypy[misc] pyright[reportAttributeAccessIssue]
loss: Tensor[NoneTape] = x.sum()
loss.backward()  # E: mypy[misc] pyright[reportAttributeAccessIssue]
x.trace().detach().sum().backward()  # E: mypy[misc] pyright[reportAttributeAccessIssue]


def maybe_traced(x: Tensor[*S, T]) -> dx.Gradients:
    return x.sum().backward()  # E: mypy[misc] pyright[reportAttributeAccessIssue]
