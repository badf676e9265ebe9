"""cumsum and norm over an axis the tensor lacks, a norm without ``keepdims`` divided into
the features it was taken over (the axis it dropped makes the shapes misalign), a norm over
the batch axis taken for the features', and running sums declared with other sizes."""

# rules: reduce, binary

from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x = dx.randn(2, 3)
r1 = dx.cumsum(x, 2)  # E: mypy[dfdx-shape "cumsum: axis 2 is out of range for Tensor[2, 3]"]
r2 = x.cumsum(-3)  # E: mypy[dfdx-shape "cumsum: axis -3 is out of range for Tensor[2, 3]"]
r3 = x.norm(axis=2)  # E: mypy[dfdx-shape "norm: axis 2 is out of range for Tensor[2, 3]"]


def normalized(h: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
    return h / h.norm(axis=-1)  # E: mypy[dfdx-shape "div: shapes do not broadcast: "
    #     "Tensor[B, N, D] and Tensor[B, N] (axis -2: N != B)"]


def normalized_batch(h: Tensor[B, D, T]) -> Tensor[B, D, T]:
    return h / h.norm(axis=0, keepdims=True).T  # E: mypy[dfdx-shape "div: shapes do not "
    #     "broadcast: Tensor[B, D] and Tensor[D, 1] (axis -2: B != D)"]


def running(h: Tensor[B, N, T]) -> None:
    total: Tensor[B, B, T] = h.cumsum(1)  # E: mypy[dfdx-shape "cumsum: gives Tensor[B, N], "
    #     "total's declared type is Tensor[B, B] (N != B)"]
