"""Names reused PyTorch-style in a generic module (``h = ...`` on each line, ``x`` rebound in
a loop): the plugin follows each value, and the line a mistake would be blamed on is found
only where an error is (here none)."""

# rules: nn, binary, movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import LayerNorm, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
E = TypeVar("E", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Mixer(Module, Generic[E, K]):
    def __init__(self, dim: E, classes: K, depth: int) -> None:
        super().__init__()
        self.norms = ModuleList([LayerNorm(dim) for _ in range(depth)])
        self.head = Linear(dim, classes)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, K, T]:
        for norm in self.norms:
            y = norm(x)
            y = y.transpose(0, 1)
            y = y.transpose(0, 1)
            x = x + y
        h = x.mean(axis=1)
        assert_type(h, Tensor[B, E, T])
        return self.head(h)


mixer: Mixer[L[4], L[3]] = Mixer(4, 3, depth=2)
out = mixer(dx.randn(2, 5, 4))
assert_type(out, Tensor[L[2], L[3], NoneTape])
assert out.shape == (2, 3)
