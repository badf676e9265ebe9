"""dx.interpolate and Upsample(size=...) whose sizes do not fit: a coarse map resized to the
wrong size before it is added to its skip connection, a head resized to another size than the
image it is compared with (reported where it is used and where the layer is built with its
size), a size of 0, a 3-d input, and a value declared with other sizes."""

# rules: conv, nn, binary

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Upsample

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x = dx.randn(2, 3, 8, 8)
skip = dx.randn(2, 3, 16, 16)
r1 = dx.interpolate(x, size=(16, 12)) + skip  # E: mypy[dfdx-shape "add: shapes do not "
#     "broadcast: Tensor[2, 3, 16, 12] and Tensor[2, 3, 16, 16] (axis -1: 12 != 16)"]
r2 = dx.interpolate(x, size=(0, 4))  # E: mypy[dfdx-shape "interpolate: size must be at least 1, "
#     "got (0, 4)"]
r3 = dx.interpolate(x[0], size=4)  # E: mypy[dfdx-shape "interpolate: expected a 4-d input "
#     "(N, C, H, W), got Tensor[3, 8, 8]"]
up = Upsample(size=(32, 32), mode="bilinear")  # E: mypy[dfdx-shape "up is built here; its "
#     "output reaches line 30: sub: shapes do not broadcast: Tensor[2, 3, 32, 32] and "
#     "Tensor[2, 3, 64, 64] (axis -2: 32 != 64)"]
r4 = up(x) - dx.randn(2, 3, 64, 64)  # E: mypy[dfdx-shape "sub: shapes do not broadcast: "
#     "Tensor[2, 3, 32, 32] and Tensor[2, 3, 64, 64] (axis -2: 32 != 64)"]


def resized(h: Tensor[B, C, L[8], L[8], T]) -> Tensor[B, C, L[32], L[32], T]:
    return dx.interpolate(h, size=(32, 16))  # E: mypy[dfdx-shape "interpolate: gives "
    #     "Tensor[B, C, 32, 16], the return type is Tensor[B, C, 32, 32] (16 != 32)"]
