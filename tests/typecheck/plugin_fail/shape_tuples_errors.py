"""Sizes given as one tuple are checked as separate ints are: a bool or a size below 0 in a
tuple of a creation function, a reshape or view to a tuple whose element count differs, a
``.shape`` of another tensor that does not broadcast or reshape, a list display."""

# rules: creation, movement, nn

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

a = dx.zeros((2, True))  # E: mypy[dfdx-shape "zeros: sizes must be ints, got True"]
b = dx.ones([3, -1])  # E: mypy[dfdx-shape "ones: sizes must be >= 0, got -1 at position 1"]
x = dx.randn((2, 3))
c = x.reshape((4, 2))  # E: mypy[dfdx-shape "reshape: cannot reshape Tensor[2, 3] (6 elements) "
#                                            "to Tensor[4, 2] (8 elements)"]
d = x.view([True, 6])  # E: mypy[dfdx-shape "reshape: sizes must be ints, got True"]
y = dx.randn(4, 3)
e = x.expand(y.shape)  # E: mypy[dfdx-shape "broadcast_to: cannot broadcast Tensor[2, 3] to "
#                                            "Tensor[4, 3] (axis -2: 2 != 4)"]
f = x + dx.zeros(y.shape)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[2, 3] and "
#                                                "Tensor[4, 3] (axis -2: 2 != 4)"]
g = dx.full((2, 3), 1.0) @ dx.full(x.shape, 1.0)  # E: mypy[dfdx-shape "matmul: inner sizes "
#                                                  "differ: Tensor[2, 3] @ Tensor[2, 3] (3 != 2)"]


class Mixer(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.proj = Linear(dim, dim)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        batch, seq, dim = x.shape
        h = self.proj(x) + dx.randn((batch, dim, seq))  # E: mypy[dfdx-shape "add: shapes do not "
        #                    "broadcast: Tensor[B, S, D] and Tensor[B, D, S] (axis -2: S != D)"]
        return self.proj(x)


class Pool(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.proj = Linear(dim, dim)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, D, OwnedTape]:
        batch, seq, dim = x.shape
        h = self.proj(x).trace()
        return h.view((batch, seq * dim))  # E: mypy[dfdx-shape "reshape: gives Tensor[B, D*S], "
        #                                             "the return type is Tensor[B, D] (D*S != D)"]
