"""A gated linear unit built from a user's projection module, widened to twice the hidden size
inside another generic module: the projection's sizes are the enclosing module's (``2*H``), so
the gate's halves have the hidden size and the down projection takes them."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
I = TypeVar("I", bound=int)
O = TypeVar("O", bound=int)
D = TypeVar("D", bound=int)
H = TypeVar("H", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Projection(Module, Generic[I, O]):
    def __init__(self, in_features: I, out_features: O) -> None:
        super().__init__()
        self.fc = Linear(in_features, out_features)

    def forward(self, x: Tensor[B, I, T]) -> Tensor[B, O, T]:
        return self.fc(x)


class GatedUnit(Module, Generic[D, H]):
    def __init__(self, dim: D, hidden: H) -> None:
        super().__init__()
        self.up = Projection(dim, 2 * hidden)
        self.down = Linear(hidden, dim)

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, D, T]:
        value, gate = self.up(x).chunk(2, axis=1)
        gated: Tensor[B, H, T] = value * gate.sigmoid()
        return self.down(gated)


unit: GatedUnit[L[8], L[16]] = GatedUnit(8, 16)
y = unit(dx.randn(4, 8))
assert y.shape == (4, 8)
assert unit.up.fc.weight.shape == (32, 8)
assert_type(y, Tensor[L[4], L[8], NoneTape])
