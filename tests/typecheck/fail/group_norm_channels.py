"""GroupNorm's overloads (one per common rank besides the general one) still reject a typed
input whose channels are not the norm's, at every rank."""

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor
from dfdx.nn import GroupNorm

norm: GroupNorm[L[8]] = GroupNorm(4, 8)
image: Tensor[L[2], L[6], L[4], L[4], NoneTape] = dx.randn(2, 6, 4, 4)
seq: Tensor[L[2], L[6], L[5], NoneTape] = dx.randn(2, 6, 5)
volume: Tensor[L[2], L[6], L[3], L[3], L[3], NoneTape] = dx.randn(2, 6, 3, 3, 3)
norm(image)  # E: mypy[arg-type] pyright[reportCallIssue,reportArgumentType]
norm(seq)  # E: mypy[arg-type] pyright[reportCallIssue,reportArgumentType]
norm(volume)  # E: mypy[arg-type] pyright[reportCallIssue,reportArgumentType]
