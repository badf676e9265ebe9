"""dx.group_norm and dx.rms_norm that cannot fit: groups that do not divide the channels, a
weight or bias that is not one per channel (group_norm) or per feature (rms_norm), an input
whose last size is not normalized_shape, an input of one axis; with a symbolic batch."""

# rules: norm

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x: Tensor[L[2], L[6], L[5], NoneTape] = dx.randn(2, 6, 5)

g1 = dx.group_norm(x, 4)  # E: mypy[dfdx-shape "group_norm: num_groups 4 must divide the 6 "
#     "channels on axis 1 of Tensor[2, 6, 5]"]
g2 = dx.group_norm(x, 3, dx.ones(5))  # E: mypy[dfdx-shape "group_norm: weight must be "
#     "Tensor[6] (one per channel on axis 1), got Tensor[5]"]
g3 = dx.group_norm(x, 2, None, dx.zeros(6, 1))  # E: mypy[dfdx-shape "group_norm: bias must be "
#     "Tensor[6] (one per channel on axis 1), got Tensor[6, 1]"]
g4 = dx.group_norm(dx.randn(6), 2)  # E: mypy[dfdx-shape "group_norm: expected an input (N, C, "
#     "*) of at least 2 axes, got Tensor[6]"]

r1 = dx.rms_norm(x, 6)  # E: mypy[dfdx-shape "rms_norm: takes 6 features, got Tensor[2, 6, 5] "
#     "(5 != 6)"]
r2 = dx.rms_norm(x, 5, dx.ones(6))  # E: mypy[dfdx-shape "rms_norm: weight must be Tensor[5] "
#     "(one per feature of the last axis), got Tensor[6]"]


def symbolic(h: Tensor[B, L[8], T]) -> None:
    dx.group_norm(h, 3)  # E: mypy[dfdx-shape "group_norm: num_groups 3 must divide the 8 "
    #     "channels on axis 1 of Tensor[B, 8]"]
    dx.rms_norm(h, (8,), dx.ones(4))  # E: mypy[dfdx-shape "rms_norm: weight must be Tensor[8] "
    #     "(one per feature of the last axis), got Tensor[4]"]
