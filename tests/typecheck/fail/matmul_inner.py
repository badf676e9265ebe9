"""matmul with different inner sizes: any left operand (matrix, batch, vector) times a matrix
must agree on the inner size; both checkers report it in every form, traced or not."""

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

a: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
c: Tensor[L[5], L[2], NoneTape] = dx.randn(5, 2)
batch: Tensor[L[7], L[3], L[4], NoneTape] = dx.randn(7, 3, 4)
v: Tensor[L[4], NoneTape] = dx.randn(4)

r1 = a @ c  # E: mypy[arg-type] pyright[reportOperatorIssue]
r2 = a.trace() @ c  # E: mypy[arg-type] pyright[reportOperatorIssue]
r3 = a @ c.trace()  # E: mypy[arg-type] pyright[reportOperatorIssue]
r4 = a.matmul(c)  # E: mypy[arg-type] pyright[reportCallIssue,reportArgumentType]
r5 = dx.matmul(a, c)  # E: mypy[misc] pyright[reportCallIssue,reportArgumentType]
r6 = batch @ c  # E: mypy[arg-type] pyright[reportOperatorIssue]
r7 = v @ c  # E: mypy[arg-type] pyright[reportOperatorIssue]


def layer(x: Tensor[B, L[4], T], w: Tensor[L[5], L[2], NoneTape]) -> Tensor[B, L[2], T]:
    return x @ w  # E: mypy[arg-type] pyright[reportOperatorIssue]


class Head:
    def __init__(self) -> None:
        self.weight: Tensor[L[16], L[4], NoneTape] = dx.randn(16, 4)

    def forward(self, x: Tensor[B, L[16], T]) -> Tensor[B, L[4], T]:
        return x @ self.weight


wide: Tensor[L[8], L[15], NoneTape] = dx.randn(8, 15)
out = Head().forward(wide)  # E: mypy[arg-type] pyright[reportArgumentType]
