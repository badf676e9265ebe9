"""Tensors of a list concatenated with others (``dx.cat([prompt, *new_tokens], axis=1)``):
their number is not known, so neither is the size along the axis, but the other axes are
checked as for a list written out."""

# rules: movement

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, Tensor

B = TypeVar("B", bound=int)


def join(first: Tensor[B, L[4], NoneTape], rest: list[Tensor[B, L[5], NoneTape]]) -> None:
    dx.cat([first, *rest], axis=0)  # E: mypy[dfdx-shape "concat: sizes differ on axis 1: Tensor[B,"
    #     " 4] and Tensor[B, 5] (4 != 5)"]
