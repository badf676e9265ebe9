"""A call of a ``@dx.checked`` function is checked against its signature as before."""

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


@dx.checked
def head(x: Tensor[B, L[16], T], w: Tensor[L[16], L[4], NoneTape]) -> Tensor[B, L[4], T]:
    return (x @ w).tanh()


x: Tensor[L[32], L[16], NoneTape] = dx.zeros(32, 16)
w: Tensor[L[16], L[4], NoneTape] = dx.zeros(16, 4)
head(w, w)  # E: mypy[arg-type] pyright[reportArgumentType]
head(x, w, 3)  # E: mypy[call-arg] pyright[reportCallIssue]
