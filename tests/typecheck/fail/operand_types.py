"""Operands that are not tensors or numbers, and arguments ops do not take."""

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

a: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)

r1 = a + "1"  # E: mypy[operator] pyright[reportOperatorIssue]
r2 = "2" * a  # E: mypy[operator] pyright[reportOperatorIssue]
r3 = dx.add(a, "1")  # E: mypy[call-overload] pyright[reportCallIssue,reportArgumentType]
r4 = a @ 2.0  # E: mypy[operator] pyright[reportOperatorIssue]
r5 = a.relu(2)  # E: mypy[call-arg] pyright[reportCallIssue]
r6 = a.exp(axis=0)  # E: mypy[call-arg] pyright[reportCallIssue]
r7 = a.sum(axis=0.5)  # E: mypy[call-overload] pyright[reportCallIssue,reportArgumentType]
