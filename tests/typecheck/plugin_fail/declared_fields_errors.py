"""Parameters created with their sizes in the wrong order (or the wrong size) for the type
their field or name declares: the field declared in the class body and assigned in
``__init__``, or annotated where it is assigned; the creation wrapped in ``.trace()``, a scale,
``.detach()``, or written over several lines. Each is reported at the creation that made the
sizes, naming it, both shapes and the size at fault (mypy alone says ``assignment``)."""

# rules: creation, binary

from typing import Generic, TypeVar

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
    """Weights declared in the class body, assigned in ``__init__``."""

    weight: Tensor[FI, FO, OwnedTape]
    bias: Tensor[FO, NoneTape]

    def __init__(self, in_features: FI, out_features: FO) -> None:
        super().__init__()
        self.weight = dx.randn(out_features, in_features).trace()  # E: mypy[dfdx-shape "randn: "
        #     "gives Tensor[FO, FI], self.weight's declared type is Tensor[FI, FO] (FO != FI)"]
        self.bias = dx.zeros(in_features)  # E: mypy[dfdx-shape "zeros: gives Tensor[FI], self.bia"
        #     "s's declared type is Tensor[FO] (FI != FO)"]

    def forward(self, x: Tensor[B, FI, T]) -> Tensor[B, FO, OwnedTape]:
        return x @ self.weight + self.bias


class Scaled(Module, Generic[FI, FO]):
    """Weights annotated where they are assigned, the creation inside an expression."""

    def __init__(self, fan_in: FI, fan_out: FO, std: float) -> None:
        super().__init__()
        self.w: Tensor[FI, FO, NoneTape] = std * dx.randn(fan_out, fan_in)  # E: mypy[dfdx-shape "r"
        #     "andn: gives Tensor[FO, FI], self.w's declared type is Tensor[FI, FO] (FO != FI)"]
        self.v: Tensor[FI, FO, NoneTape] = dx.randn(fan_in, fan_in) / fan_in  # E: mypy[dfdx-shape
        #     "randn: gives Tensor[FI, FI], self.v's declared type is Tensor[FI, FO] (FI != FO)"]
        self.u: Tensor[FO, NoneTape] = dx.ones(fan_in).detach()  # E: mypy[dfdx-shape "ones: gives"
        #     " Tensor[FI], self.u's declared type is Tensor[FO] (FI != FO)"]
        self.g: Tensor[FI, FO, OwnedTape] = dx.zeros(  # E: mypy[dfdx-shape "zeros: gives Tens"
            #     "or[FO, FI], self.g's declared type is Tensor[FI, FO] (FO != FI)"]
            fan_out,  # E: mypy[dfdx-shape "zeros: gives Tensor[FO, FI], self.g's declared type is "
            #     "Tensor[FI, FO] (FO != FI)"]
            fan_in,
        ).trace()


def init_table(rows: FI, cols: FO) -> Tensor[FI, FO, NoneTape]:
    table: Tensor[FI, FO, NoneTape] = 0.02 * dx.randn(cols, rows)  # E: mypy[dfdx-shape "randn: gi"
    #     "ves Tensor[FO, FI], table's declared type is Tensor[FI, FO] (FO != FI)"]
    return table
