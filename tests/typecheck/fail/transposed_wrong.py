"""A transposed tensor assigned where the untransposed shape is declared is rejected by both
checkers (mypy used to type ``y.T`` as ``Any`` under a declared type it did not fit)."""

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

y: Tensor[L[3], L[4], NoneTape] = dx.zeros(3, 4)
ok: Tensor[L[4], L[3], NoneTape] = y.T
wrong: Tensor[L[3], L[4], NoneTape] = y.T  # E: mypy[arg-type] pyright[reportAssignmentType]
