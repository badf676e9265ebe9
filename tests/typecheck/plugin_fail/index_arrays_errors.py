"""Index tensors made from NumPy arrays and Python lists used wrongly: more indices than the
tensor has axes (an index of unknown rank still indexes one axis), an int out of a literal
axis's range beside such an index, and a list of (row, column) pairs used whole as an index
(``(Dyn, 2)``) beside a row of 3 indices, where its columns were to be picked apart."""

# rules: indexing, creation

from typing import Literal as L
from typing import TypeVar

import numpy as np
import numpy.typing as npt

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
F = TypeVar("F", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def too_many(z: Tensor[B, F, F, T], pairs: npt.NDArray[np.int64]) -> None:
    index = dx.tensor(pairs[0])
    z[:, index, index, 0]  # E: mypy[dfdx-shape "index: too many indices for Tensor[B, F, F]: 4 ax"
    #     "es indexed, 3 exist"]


def out_of_range(z: Tensor[B, F, L[4], T], pairs: npt.NDArray[np.int64]) -> None:
    index = dx.tensor(pairs[0])
    z[:, index, 4]  # E: mypy[dfdx-shape "index: index 4 is out of range for axis 2 of Tensor[B, F"
    #     ", 4]"]


def pairs_of_lists(table: Tensor[L[5], L[3], T], pairs: list[tuple[int, int]]) -> None:
    at = dx.tensor(np.asarray(pairs, dtype=np.int64))  # E: mypy[dfdx-shape "at is assigned here; "
    #     "used at line 38: index: index tensors do not broadcast: Tensor[Dyn, 2] and Tensor[3] (a"
    #     "xis -1: 2 != 3)"]
    table[at, dx.arange(3)]  # E: mypy[dfdx-shape "index: index tensors do not broadcast: Tensor[D"
    #     "yn, 2] and Tensor[3] (axis -1: 2 != 3)"]
