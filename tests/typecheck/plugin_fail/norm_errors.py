"""dx.layer_norm that cannot fit: a weight or bias whose size is not the last axis's, an input
whose last size is not normalized_shape; with literal and symbolic batches."""

# rules: norm

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x: Tensor[L[2], L[3], L[8], NoneTape] = dx.randn(2, 3, 8)

n1 = dx.layer_norm(x, 8, dx.ones(4))  # E: mypy[dfdx-shape "layer_norm: weight must be "
#     "Tensor[8] (one per feature of the last axis), got Tensor[4]"]
n2 = dx.layer_norm(x, 8, dx.ones(8), dx.zeros(2, 8))  # E: mypy[dfdx-shape "layer_norm: bias "
#     "must be Tensor[8] (one per feature of the last axis), got Tensor[2, 8]"]
n3 = dx.layer_norm(x, 6)  # E: mypy[dfdx-shape "layer_norm: takes 6 features, got "
#     "Tensor[2, 3, 8] (8 != 6)"]


def symbolic(h: Tensor[B, L[8], T]) -> None:
    dx.layer_norm(h, (8,), bias=dx.zeros(7))  # E: mypy[dfdx-shape "layer_norm: bias must be "
    #     "Tensor[8] (one per feature of the last axis), got Tensor[7]"]
