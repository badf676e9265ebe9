"""A gate split along the wrong axis: ``a, g = h.chunk(2, axis=2)`` of a ``Tensor[B, 2*D, S]``
halves the time axis and keeps the ``2*D`` channels, which the layer after the gate
(``a * g.sigmoid()``) rejects; the error is reported there, on the gate's line, and on the
line of the split too. Pieces of a size along an axis not known to be a multiple of it
(``x.split(d, axis=2)`` of ``Tensor[B, 2*D, S]``) are a number known only at run time:
reported where they are unpacked into names (runtime_sizes_joined_errors.py)."""

# rules: nn, movement

from typing import Generic, TypeVar

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Gated(Module, Generic[D]):
    def __init__(self, d: D) -> None:
        super().__init__()
        self.up = Conv1d(d, 2 * d, 1)
        self.out = Conv1d(d, d, 1)  # E: mypy[dfdx-shape "self.out is built here; called at line 34"
        #     ": conv1d: input channels differ: input Tensor[B, 2*D, Dyn], weight Tensor[D, D, 1]"]

    def forward(self, x: Tensor[B, D, S, T]) -> None:
        h = self.up(x)
        a, g = h.chunk(2, axis=2)  # E: mypy[dfdx-shape "a, g are split here; used at line 34: conv"
        #     "1d: input channels differ: input Tensor[B, 2*D, Dyn], weight Tensor[D, D, 1]"]
        h = a * g.sigmoid()  # E: mypy[dfdx-shape "h is assigned here; used at line 34: conv1d: inp"
        #     "ut channels differ: input Tensor[B, 2*D, Dyn], weight Tensor[D, D, 1]"]
        self.out(h)  # E: mypy[dfdx-shape "conv1d: input channels differ: input Tensor[B, 2*D, Dyn]"
        #     ", weight Tensor[D, D, 1]"]
