"""A user's module called on a tensor that does not fit its forward: the call is reported,
and its value is still what forward declares (its batch size and tape taken from the
argument), so a second mistake after it is reported too (``self.head`` built for the wrong
width below). A size of the result that forward shares with the misfit (a norm's features)
is not known: either may be the wrong one, and what follows is not reported on its account."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Encoder(Module, Generic[CI, CO]):
    def __init__(self, ci: CI, co: CO) -> None:
        super().__init__()
        self.lin = Linear(ci, co)

    def forward(self, x: Tensor[B, CI, T]) -> Tensor[B, CO, T]:
        return self.lin(x).relu()


class Norm(Module, Generic[C]):
    def __init__(self, dim: C) -> None:
        super().__init__()
        self.weight: Tensor[C, NoneTape] = dx.ones(dim)

    def forward(self, x: Tensor[B, C, T]) -> Tensor[B, C, T]:
        return dx.layer_norm(x, self.weight.shape, self.weight)


class Net(Module):
    def __init__(self) -> None:
        super().__init__()
        self.enc = Encoder(4, 8)  # E: mypy[dfdx-shape "self.enc is built here; called at line 54:"
        #     " Encoder[4, 8]: x takes Tensor[B, 4], got Tensor[B, 5] (5 != 4)", dfdx-shape
        #     "self.enc is built here; its output reaches line 58: Linear[16, 3]: tak"
        #     "es 16 features, got Tensor[B, 8] (8 != 16)"]
        self.norm = Norm(16)  # E: mypy[dfdx-shape "self.norm is built here; called at line 62: No"
        #     "rm[16]: x takes Tensor[B, 16], got Tensor[B, 8] (8 != 16)"]
        self.head = Linear(16, 3)  # E: mypy[dfdx-shape "self.head is built here; called at line 5"
        #     "8: Linear[16, 3]: takes 16 features, got Tensor[B, 8] (8 != 16)"]

    def forward(self, x: Tensor[B, L[5], T]) -> Tensor[B, L[3], T]:
        h = self.enc(x)  # E: mypy[dfdx-shape "Encoder[4, 8]: x takes Tensor[B, 4], got Tensor[B, "
        #     "5] (5 != 4)", dfdx-shape "h is assigned here; used at line 58: Linear[16, 3]: takes"
        #     " 16 features, got Tensor[B, 8] (8 != 16)"]
        assert_type(h, Tensor[B, L[8], T])
        return self.head(h)  # E: mypy[dfdx-shape "Linear[16, 3]: takes 16 features, got Tensor[B,"
        #     " 8] (8 != 16)"]

    def normed(self, x: Tensor[B, L[8], T]) -> Tensor[B, L[3], T]:
        h = self.norm(x)  # E: mypy[dfdx-shape "Norm[16]: x takes Tensor[B, 16], got Tensor[B, 8] "
        #     "(8 != 16)"]
        return self.head(h)
