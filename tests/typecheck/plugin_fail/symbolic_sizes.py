"""A symbolic size (``B = TypeVar("B", bound=int)``) is accepted against an unknown size, the
literal sizes beside it are checked, and the message names it: ``Tensor[B, 4]``. Where an op
needs it equal to a literal, it is another size (``B`` stands for every size, not only 5)."""

# rules: binary, linalg

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

w5: Tensor[L[5], L[2], NoneTape] = dx.randn(5, 2)
bias5: Tensor[L[5], NoneTape] = dx.randn(5)


def layer(x: Tensor[B, L[4], T]) -> None:
    h1 = x @ w5  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, 4] @ Tensor[5, 2] "
    #     "(4 != 5)"]
    h2 = dx.matmul(x, w5)  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, 4] @ "
    #     "Tensor[5, 2] (4 != 5)"]
    h3 = x.matmul(bias5)  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, 4] @ "
    #     "Tensor[5] (4 != 5)"]
    h4 = x + bias5  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, 4] and "
    #     "Tensor[5] (axis -1: 4 != 5)"]
    h5 = dx.maximum(bias5, x)  # E: mypy[dfdx-shape "maximum: shapes do not broadcast: Tensor[5] "
    #     "and Tensor[B, 4] (axis -1: 5 != 4)"]
    h6 = x.sum(axis=2)  # E: mypy[dfdx-shape "sum: axis 2 is out of range for Tensor[B, 4]"]
    h7 = x.softmax(axis=2)  # E: mypy[dfdx-shape "softmax: axis 2 is out of range for Tensor[B, 4]"]
    h8 = x.ensure_shape(None, 5)  # E: mypy[dfdx-shape "ensure_shape: expected Tensor[Dyn, 5], "
    #     "got Tensor[B, 4] (axis 1: 4 != 5)"]
    h9 = x.mean(axis=(0, -2))  # E: mypy[dfdx-shape "mean: axis (0, -2) names an axis twice for "
    #     "Tensor[B, 4]"]


def dyn(x: Tensor[Dyn, L[4], NoneTape], y: Tensor[B, B, NoneTape]) -> None:
    d1 = x @ w5  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[Dyn, 4] @ Tensor[5, 2] "
    #     "(4 != 5)"]
    # B is every size, not only 5: mypy's plain signature asks B to be 5 for every B, and so
    # does the plugin, naming the sizes (a generic function holds for every value of B).
    d2 = y @ w5  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, B] @ Tensor[5, 2] "
    #     "(B != 5)"]
    d3 = y.sum(axis=-3)  # E: mypy[dfdx-shape "sum: axis -3 is out of range for Tensor[B, B]"]
