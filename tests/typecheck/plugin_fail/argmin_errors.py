"""``argmin`` over an axis the tensor does not have, and its result taken for the input's
shape (the reduced axis is gone, or kept as 1)."""

# rules: indexing

from typing import Literal as L
from typing import TypeVar

import numpy as np

import dfdx as dx
from dfdx import NoneTape, Tensor

N = TypeVar("N", bound=int)
K = TypeVar("K", bound=int)

dist: Tensor[L[6], L[3], NoneTape] = dx.tensor(np.zeros((6, 3), np.float32))
bad = dist.argmin(axis=2)  # E: mypy[dfdx-shape "argmin: axis 2 is out of range for Tensor[6, 3]"]
worse = dx.argmin(dist, axis=-3)  # E: mypy[dfdx-shape "argmin: axis -3 is out of range "
#     "for Tensor[6, 3]"]


def assign(d: Tensor[N, K, NoneTape]) -> Tensor[N, K, NoneTape]:
    return d.argmin(axis=1, keepdims=True)  # E: mypy[dfdx-shape "argmin: gives Tensor[N, 1], "
    #     "the return type is Tensor[N, K] (1 != K)"]
