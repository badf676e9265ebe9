"""``@dx.checked`` keeps the decorated function's signature for both checkers: shapes still
flow through a call, and methods keep their keyword arguments."""

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


@dx.checked
def head(x: Tensor[B, L[16], T], w: Tensor[L[16], L[4], NoneTape]) -> Tensor[B, L[4], T]:
    return (x @ w).tanh()


class Head:
    @dx.checked
    def forward(self, x: Tensor[B, L[16], T], *, scale: float = 1.0) -> Tensor[B, L[16], T]:
        return x * scale


x: Tensor[L[32], L[16], OwnedTape] = dx.zeros(32, 16).trace()
w: Tensor[L[16], L[4], NoneTape] = dx.zeros(16, 4)
assert_type(head(x, w), Tensor[L[32], L[4], OwnedTape])
assert_type(Head().forward(x, scale=2.0), Tensor[L[32], L[16], OwnedTape])
