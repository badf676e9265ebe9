"""A mistake in ``+ - * /`` on two tensors that do not broadcast gets one error, and the result
stays a tensor. mypy tries the reflected operator (``v.__radd__(x)``) where the operator
reports an error, and types the result ``Any`` where both do: that hid every later mistake in
the function, and a result returned directly got ``no-any-return`` under --strict too. The
plugin's error does not count as the operator's failure, so the result is the best type known
(the declared type where it is returned); so for the method and function forms, and ``@``."""

# rules: binary

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def add_bias(x: Tensor[B, L[4], T], bias: Tensor[L[5], NoneTape]) -> Tensor[B, L[4], T]:
    return x + bias  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, 4] and Tensor[5]"
    #     " (axis -1: 4 != 5)"]


def scale(
    x: Tensor[L[3], L[4], NoneTape], s: Tensor[L[5], NoneTape]
) -> Tensor[L[3], L[4], NoneTape]:
    return s * x  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[5] and Tensor[3, 4] (a"
    #     "xis -1: 5 != 4)"]


def add_bias_method(x: Tensor[B, L[4], T], bias: Tensor[L[5], NoneTape]) -> Tensor[B, L[4], T]:
    return x.add(bias)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, 4] and Tensor"
    #     "[5] (axis -1: 4 != 5)"]


def add_bias_function(x: Tensor[B, L[4], T], bias: Tensor[L[5], NoneTape]) -> Tensor[B, L[4], T]:
    return dx.add(x, bias)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, 4] and Te"
    #     "nsor[5] (axis -1: 4 != 5)"]


def project(x: Tensor[B, L[4], T], w: Tensor[L[5], L[2], NoneTape]) -> Tensor[B, L[2], T]:
    return x @ w  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, 4] @ Tensor[5, 2] (4 "
    #     "!= 5)"]
