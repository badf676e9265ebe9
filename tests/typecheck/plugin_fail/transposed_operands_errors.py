"""A transposed operand where the plain signatures used to type the broadcast as the left
operand's shape: GAT's scores with the second column not transposed are ``(N, 1)``, and a
declared ``(N, N)`` rejects them; a transpose put on the wrong operand, or left out of a
broadcast against a row, is a size mismatch."""

# rules: binary

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

N = TypeVar("N", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def scores(wh1: Tensor[N, L[1], T], wh2: Tensor[N, L[1], T]) -> Tensor[N, N, T]:
    e = wh1 + wh2  # E: mypy[dfdx-shape "add: gives Tensor[N, 1], the return type is Tensor[N, N]"
    #     " (1 != N)"]
    return e


a: Tensor[L[3], L[4], NoneTape] = dx.zeros(3, 4)
b: Tensor[L[3], L[5], NoneTape] = dx.zeros(3, 5)
c = a.T + b  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[4, 3] and "
#     "Tensor[3, 5] (axis -2: 4 != 3)"]
d = a.T * a  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[4, 3] and "
#     "Tensor[3, 4] (axis -2: 4 != 3)"]
