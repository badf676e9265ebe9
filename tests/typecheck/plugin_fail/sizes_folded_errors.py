"""Folded sizes are checked as literal ones: a head split that leaves a remainder, sizes from
``Final`` constants, a dataclass config and ``.shape`` that do not fit, data from NumPy stated
with one shape and used with another."""

# rules: movement, linalg, nn, checks

from dataclasses import dataclass
from typing import Final, TypeVar
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import OwnedTape, Tensor

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
N_HEAD: Final = 3


@dataclass(frozen=True)
class Config:
    n_embd: L[32] = 32


def split_heads(x: Tensor[B, S, L[32], OwnedTape]) -> None:
    b, s, c = x.shape
    q = x.reshape(b, s, N_HEAD, c // N_HEAD)  # E: mypy[dfdx-shape "reshape: cannot reshape "
    #     "Tensor[B, S, 32] (32*B*S elements) to Tensor[B, S, 3, 10] (30*B*S elements)"]


cfg = Config()
h = dx.randn(4, 8) @ dx.randn(16 * 4, 2)  # E: mypy[dfdx-shape "matmul: inner sizes differ: "
#     "Tensor[4, 8] @ Tensor[64, 2] (8 != 64)"]
lin = dx.nn.Linear(cfg.n_embd, 3 * cfg.n_embd)
out = lin(dx.randn(2, 3 * 10))  # E: mypy[dfdx-shape "Linear[32, 96]: takes 32 features, got "
#     "Tensor[2, 30] (30 != 32)"]
data = dx.tensor(np.zeros((4, 30), dtype=np.float32)).ensure_shape(4, 30)
w = dx.randn(3 * 10 + 1, 5)
bad = data @ w  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[4, 30] @ Tensor[31, 5] "
#     "(30 != 31)"]
wrong = data.ensure_shape(2 * 2, 3 * 11)  # E: mypy[dfdx-shape "ensure_shape: expected "
#     "Tensor[4, 33], got Tensor[4, 30] (axis 1: 30 != 33)"]
