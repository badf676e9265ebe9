"""Parameters created for the type their field or name declares (plugin_fail/
declared_fields_errors.py): fields declared in the class body and assigned in ``__init__``,
creations wrapped in ``.trace()``, a scale or ``.detach()``, a creation over several lines, a
size parameter as the scale, data from NumPy, a field set in one branch or another."""

# rules: creation, binary, linalg

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Module

B = TypeVar("B", bound=int)
FI = TypeVar("FI", bound=int)
FO = TypeVar("FO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class Dense(Module, Generic[FI, FO]):
    weight: Tensor[FI, FO, OwnedTape]
    bias: Tensor[FO, NoneTape]

    def __init__(self, in_features: FI, out_features: FO, zero_bias: bool = True) -> None:
        super().__init__()
        self.weight = dx.randn(in_features, out_features).trace()
        if zero_bias:
            self.bias = dx.zeros(out_features)
        else:
            self.bias = dx.ones(out_features) * 0.1

    def forward(self, x: Tensor[B, FI, T]) -> Tensor[B, FO, OwnedTape]:
        return x @ self.weight + self.bias


class Scaled(Module, Generic[FI, FO]):
    def __init__(self, fan_in: FI, fan_out: FO, std: float) -> None:
        super().__init__()
        self.w: Tensor[FI, FO, NoneTape] = std * dx.randn(fan_in, fan_out)
        self.v: Tensor[FI, FI, NoneTape] = dx.randn(fan_in, fan_in) / fan_in
        self.u: Tensor[FO, NoneTape] = dx.ones(fan_out).detach()
        self.g: Tensor[FI, FO, OwnedTape] = dx.zeros(
            fan_in,
            fan_out,
        ).trace()
        self.data = dx.tensor(rng.standard_normal((3, 4)))

    def forward(self, x: Tensor[B, FI, T]) -> Tensor[B, FO, OwnedTape]:
        return (x @ self.v) @ (self.w + self.g) * self.u


def init_table(rows: FI, cols: FO) -> Tensor[FI, FO, NoneTape]:
    table: Tensor[FI, FO, NoneTape] = 0.02 * dx.randn(rows, cols)
    return table


dense = Dense(4, 3)
assert_type(dense.weight, Tensor[L[4], L[3], OwnedTape])
out = dense(dx.randn(2, 4))
assert_type(out, Tensor[L[2], L[3], OwnedTape])
scaled = Scaled(4, 3, 0.1)
assert_type(scaled(dx.randn(2, 4)), Tensor[L[2], L[3], OwnedTape])
assert_type(init_table(5, 2), Tensor[int, int, NoneTape])
