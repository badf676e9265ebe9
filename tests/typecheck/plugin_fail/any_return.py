"""A known limitation, pinned: for ``+ - * /`` on two tensors that do not broadcast, mypy tries
the reflected operator too (``v.__radd__(x)``), which the plugin rejects as well; with both
failing, mypy types the result ``Any``. Under --strict a result returned directly then also gets
``no-any-return`` (once per value of the tape TypeVar). The method and function forms, and
``@`` (which has no reflected operator), keep the plugin's unknown-shape tensor and get no
second error."""

# rules: binary

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def add_bias(x: Tensor[B, L[4], T], bias: Tensor[L[5], NoneTape]) -> Tensor[B, L[4], T]:
    return x + bias  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, 4] and "
    #     "Tensor[5] (axis -1: 4 != 5)", no-any-return]


def scale(
    x: Tensor[L[3], L[4], NoneTape], s: Tensor[L[5], NoneTape]
) -> Tensor[L[3], L[4], NoneTape]:
    return s * x  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[5] and Tensor[3, 4] "
    #     "(axis -1: 5 != 4)", no-any-return]


def add_bias_method(x: Tensor[B, L[4], T], bias: Tensor[L[5], NoneTape]) -> Tensor[B, L[4], T]:
    return x.add(bias)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, 4] and "
    #     "Tensor[5] (axis -1: 4 != 5)"]


def add_bias_function(x: Tensor[B, L[4], T], bias: Tensor[L[5], NoneTape]) -> Tensor[B, L[4], T]:
    return dx.add(x, bias)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, 4] and "
    #     "Tensor[5] (axis -1: 4 != 5)"]


def project(x: Tensor[B, L[4], T], w: Tensor[L[5], L[2], NoneTape]) -> Tensor[B, L[2], T]:
    return x @ w  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, 4] @ Tensor[5, 2] "
    #     "(4 != 5)"]
