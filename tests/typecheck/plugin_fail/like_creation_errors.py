"""Makers whose sizes do not fit where they are used: a mask ``ones_like`` the keys used on the
queries' scores, a T-Net's identity of a fixed size added to its ``k x k`` output, an identity
or a range of the wrong length, a negative size, and a value declared with other sizes than
its argument's. The error falls where the made value is used (and, for a name, where it was
assigned), or on the maker where its own sizes are wrong."""

# rules: creation, binary

from typing import Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
N = TypeVar("N", bound=int)
M = TypeVar("M", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def masked(scores: Tensor[B, N, N, T], keys: Tensor[B, M, T]) -> Tensor[B, N, N, T]:
    keep = dx.ones_like(keys)  # E: mypy[dfdx-shape "keep is assigned here; used at line 27: mul: "
    #     "shapes do not broadcast: Tensor[B, N, N] and Tensor[B, M] (axis -2: N != B)"]
    return scores * keep  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[B, N, N] "
    #     "and Tensor[B, M] (axis -2: N != B)"]


def zeros_declared(x: Tensor[B, N, T]) -> None:
    y: Tensor[B, B, NoneTape] = dx.zeros_like(x)  # E: mypy[dfdx-shape "zeros_like: gives "
    #     "Tensor[B, N], y's declared type is Tensor[B, B] (N != B)", arg-type]


class TNet(Module, Generic[K]):
    def __init__(self, k: K) -> None:
        super().__init__()
        self.k = k
        self.fc = Linear(256, k * k)

    def forward(self, h: Tensor[B, L[256], T]) -> Tensor[B, K, K, T]:
        out = self.fc(h).reshape(-1, self.k, self.k)  # E: mypy[dfdx-shape "out is assigned here; "
        #     "used at line 46: add: shapes do not broadcast: Tensor[B, K, K] and Tensor[3, 3] "
        #     "(axis -2: K != 3)"]
        return out + dx.eye(3)  # E: mypy[dfdx-shape "add: shapes do not broadcast: "
        #     "Tensor[B, K, K] and Tensor[3, 3] (axis -2: K != 3)"]


r1 = dx.eye(3) @ dx.randn(4, 2)  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[3, 3] "
#     "@ Tensor[4, 2] (3 != 4)"]
r2 = dx.linspace(0.0, 1.0, 5) + dx.zeros(6)  # E: mypy[dfdx-shape "add: shapes do not broadcast: "
#     "Tensor[5] and Tensor[6] (axis -1: 5 != 6)"]
r3 = dx.randint(0, 10, (-1, 3))  # E: mypy[dfdx-shape "randint: sizes must be >= 0, got -1 at "
#     "position 0"]
r4 = dx.eye(-2)  # E: mypy[dfdx-shape "eye: sizes must be >= 0, got -2 at position 0"]
r5 = dx.full_like(dx.zeros(2, 3), 1.0) + dx.zeros(3, 2)  # E: mypy[dfdx-shape "add: shapes do not "
#     "broadcast: Tensor[2, 3] and Tensor[3, 2] (axis -2: 2 != 3)"]
