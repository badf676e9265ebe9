"""A name reused PyTorch-style (``h = ...`` on each line) that reaches an op or a layer that
does not fit it: the error is reported at the op and on the line that last bound the name
before it, in the same block (where its value was made), in a loop's body too. A name bound
in another block, by a loop, or by a comprehension, is not traced."""

# rules: nn, binary, movement

from typing import Generic, TypeVar

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import LayerNorm, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
E = TypeVar("E", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Head(Module, Generic[E, K]):
    def __init__(self, dim: E, classes: K) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.head = Linear(dim, classes)  # E: mypy[dfdx-shape "self.head is built here; called at"
        #     " line 31: Linear[E, K]: takes E features, got Tensor[B, S] (S != E)"]

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, K, T]:
        h = self.norm(x)
        h = h.mean(axis=2)  # E: mypy[dfdx-shape "h is assigned here; used at line 31: Linear[E, K"
        #     "]: takes E features, got Tensor[B, S] (S != E)"]
        return self.head(h)  # E: mypy[dfdx-shape "Linear[E, K]: takes E features, got Tensor[B, S"
        #     "] (S != E)"]


class Mixer(Module, Generic[E]):
    def __init__(self, dim: E, depth: int) -> None:
        super().__init__()
        self.norms = ModuleList([LayerNorm(dim) for _ in range(depth)])

    def forward(self, x: Tensor[B, S, E, T]) -> None:
        for norm in self.norms:
            y = norm(x)
            y = y.transpose(0, 1)  # E: mypy[dfdx-shape "y is assigned here; used at line 45: add:"
            #     " shapes do not broadcast: Tensor[B, S, E] and Tensor[S, B, E] (axis -3: B != S)"]
            x + y  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, S, E] and Tensor["
            #     "S, B, E] (axis -3: B != S)"]

    def branch(self, x: Tensor[B, S, E, T], flag: bool) -> None:
        y = x
        if flag:
            y = x.transpose(0, 1)
        x + y  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, S, E] and Tensor[S, B"
        #     ", E] (axis -3: B != S)"]

    def listed(self, x: Tensor[B, S, E, T]) -> None:
        h = x
        h = x.transpose(0, 1)
        # the comprehension's own h: not traced to the line above
        _ = [x + h for h in [x.transpose(0, 1)]]  # E: mypy[dfdx-shape "add: shapes do not broadca"
        #     "st: Tensor[B, S, E] and Tensor[S, B, E] (axis -3: B != S)"]
        _ = h
