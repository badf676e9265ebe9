"""The gated linear unit of plugin_pass/user_module_sizes.py with its down projection built for
the model width instead of the hidden size, and its halves split along the batch: the
projection widened to ``2*H`` inside the generic module gives each mistake its sizes."""

# rules: nn

from typing import Generic, TypeVar

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
        self.up = Projection(dim, 2 * hidden)  # E: mypy[
        #     dfdx-shape "self.up is built here; its output reaches line 41: Linear[D, D]: takes "
        #     "D features, got Tensor[B, H] (H != D)"]
        self.down = Linear(dim, dim)  # E: mypy[
        #     dfdx-shape "self.down is built here; called at line 41: Linear[D, D]: takes D featu"
        #     "res, got Tensor[B, H] (H != D)"]

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, D, T]:
        value, gate = self.up(x).chunk(2, axis=1)
        return self.down(value * gate.sigmoid())  # E: mypy[dfdx-shape "Linear[D, D]: takes D featu"
        #     "res, got Tensor[B, H] (H != D)"]


class SplitGatedUnit(Module, Generic[D, H]):
    def __init__(self, dim: D, hidden: H) -> None:
        super().__init__()
        self.up = Projection(dim, 2 * hidden)
        self.down = Linear(hidden, dim)  # E: mypy[
        #     dfdx-shape "self.down is built here; called at line 55: Linear[H, D]: takes H featu"
        #     "res, got Tensor[Dyn, 2*H] (2*H != H)"]

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, D, T]:
        value, gate = self.up(x).chunk(2, axis=0)
        return self.down(value * gate.sigmoid())  # E: mypy[dfdx-shape "Linear[H, D]: takes H featu"
        #     "res, got Tensor[Dyn, 2*H] (2*H != H)"]
