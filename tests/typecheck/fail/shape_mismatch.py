"""Wrong sizes or rank where plain signatures know them: declared results, creation ranks,
arguments of user functions, and a symbolic size bound to two different literals."""

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

a: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
b: Tensor[L[4], L[5], NoneTape] = dx.randn(4, 5)

# mypy infers the product's sizes from the declared type, and so blames the operand `b`
r1: Tensor[L[3], L[4], NoneTape] = a @ b  # E: mypy[arg-type] pyright[reportAssignmentType]
r2: Tensor[L[4], L[3], NoneTape] = a.relu()  # E: mypy[assignment] pyright[reportAssignmentType]
r3: Tensor[L[3], L[5], NoneTape] = a + a  # E: mypy[assignment] pyright[reportAssignmentType]
r4: Tensor[L[1], NoneTape] = a.sum()  # E: mypy[assignment] pyright[reportAssignmentType]
r5: Tensor[L[3], L[4], NoneTape] = dx.zeros(3)  # E: mypy[assignment] pyright[reportAssignmentType]
r6: Tensor[L[3], NoneTape] = dx.zeros(3, 4)  # E: mypy[assignment] pyright[reportAssignmentType]
r7 = dx.zeros((3, 4), 5)  # E: mypy[call-overload] pyright[reportCallIssue,reportArgumentType]


def pair(x: Tensor[B, L[4], T], y: Tensor[B, L[4], T]) -> Tensor[B, L[4], T]:
    return x + y


x8: Tensor[L[8], L[4], NoneTape] = dx.randn(8, 4)
x9: Tensor[L[9], L[4], NoneTape] = dx.randn(9, 4)
r8 = pair(x8, x9)  # E: mypy[misc] pyright[reportArgumentType]
r9 = pair(x8, b)  # E: mypy[misc,arg-type] pyright[reportArgumentType]
