"""The tape kind is part of the type: a traced result is not an untraced one, and back."""

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

a: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
w: Tensor[L[4], L[5], NoneTape] = dx.randn(4, 5)
t = a.trace()

r1: Tensor[L[3], L[5], OwnedTape] = a @ w  # E: mypy[assignment] pyright[reportAssignmentType]
r2: Tensor[L[3], L[5], NoneTape] = t @ w  # E: mypy[assignment] pyright[reportAssignmentType]
r3: Tensor[L[3], L[4], OwnedTape] = a + 1.0  # E: mypy[assignment] pyright[reportAssignmentType]
r4: Tensor[OwnedTape] = a.sum()  # E: mypy[assignment] pyright[reportAssignmentType]
grads = (a.trace() @ w).sum().backward()
r5: Tensor[L[4], L[5], OwnedTape] = grads[w]  # E: mypy[assignment] pyright[reportAssignmentType]


def keep(x: Tensor[B, L[4], T]) -> Tensor[B, L[4], T]:
    return x.trace()  # E: mypy[return-value] pyright[reportReturnType]


def drop(x: Tensor[B, L[4], T]) -> Tensor[B, L[4], NoneTape]:
    return x.relu()  # E: mypy[return-value] pyright[reportReturnType]


def needs_traced(x: Tensor[L[3], L[4], OwnedTape]) -> Tensor[OwnedTape]:
    return x.sum()


r6 = needs_traced(a)  # E: mypy[arg-type] pyright[reportArgumentType]
