"""Movement and shape ops on sizes that cannot fit: element counts that differ in reshape,
axes out of range or named twice, squeezing a size that is not 1, sizes that cannot
broadcast, and concat/stack of tensors whose other sizes differ; with literal and symbolic
sizes."""

# rules: movement

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x: Tensor[L[2], L[3], L[4], NoneTape] = dx.randn(2, 3, 4)
a: Tensor[L[2], L[4], NoneTape] = dx.randn(2, 4)
b: Tensor[L[2], L[5], NoneTape] = dx.randn(2, 5)

# reshape
r1 = x.reshape(5, 5)  # E: mypy[dfdx-shape "reshape: cannot reshape Tensor[2, 3, 4] (24 elements) "
#     "to Tensor[5, 5] (25 elements)"]
r2 = x.reshape(5, -1)  # E: mypy[dfdx-shape "reshape: cannot reshape Tensor[2, 3, 4] (24 elements) "
#     "to Tensor[5, -1] (24 is not a multiple of 5)"]
r3 = dx.reshape(x, -1, -1)  # E: mypy[dfdx-shape "reshape: only one size may be -1, got Tensor[-1, "
#     "-1]"]
r4 = x.reshape(0, -1)  # E: mypy[dfdx-shape "reshape: cannot reshape Tensor[2, 3, 4] (24 elements) "
#     "to Tensor[0, -1] (-1 with a size 0)"]
r5 = x.reshape(2, -3)  # E: mypy[dfdx-shape "reshape: invalid size -3 in Tensor[2, -3]"]

# flatten
f1 = x.flatten(3)  # E: mypy[dfdx-shape "flatten: axis 3 is out of range for Tensor[2, 3, 4]"]
f2 = x.flatten(2, 1)  # E: mypy[dfdx-shape "flatten: start_axis 2 comes after end_axis 1 for "
#     "Tensor[2, 3, 4]"]
f3 = dx.flatten(x, 0, -4)  # E: mypy[dfdx-shape "flatten: axis -4 is out of range for Tensor[2, 3, "
#     "4]"]

# permute, transpose
p1 = x.permute(0, 1)  # E: mypy[dfdx-shape "permute: Tensor[2, 3, 4] has 3 axes, got 2: (0, 1)"]
p2 = x.permute(0, 1, 1)  # E: mypy[dfdx-shape "permute: axis 1 appears twice in (0, 1, 1) for "
#     "Tensor[2, 3, 4]"]
p3 = dx.permute(x, 0, 1, 3)  # E: mypy[dfdx-shape "permute: axis 3 is out of range for Tensor[2, "
#     "3, 4]"]
t1 = x.transpose(0, 3)  # E: mypy[dfdx-shape "transpose: axis 3 is out of range for Tensor[2, 3, "
#     "4]"]
t2 = dx.transpose(x, -4, 0)  # E: mypy[dfdx-shape "transpose: axis -4 is out of range for "
#     "Tensor[2, 3, 4]"]

# unsqueeze, squeeze
u1 = x.unsqueeze(4)  # E: mypy[dfdx-shape "unsqueeze: axis 4 is out of range for a new axis of "
#     "Tensor[2, 3, 4] (from -4 to 3)"]
u2 = dx.unsqueeze(x, axis=-5)  # E: mypy[dfdx-shape "unsqueeze: axis -5 is out of range for a new "
#     "axis of Tensor[2, 3, 4] (from -4 to 3)"]
s1 = x.squeeze(0)  # E: mypy[dfdx-shape "squeeze: axis 0 of Tensor[2, 3, 4] has size 2, not 1"]
s2 = dx.squeeze(x, (1, 2))  # E: mypy[dfdx-shape "squeeze: axis 1 of Tensor[2, 3, 4] has size 3, "
#     "not 1"]
s3 = x.squeeze(3)  # E: mypy[dfdx-shape "squeeze: axis 3 is out of range for Tensor[2, 3, 4]"]

# broadcast_to
b1 = a.broadcast_to(2, 5)  # E: mypy[dfdx-shape "broadcast_to: cannot broadcast Tensor[2, 4] to "
#     "Tensor[2, 5] (axis -1: 4 != 5)"]
b2 = x.broadcast_to(3, 4)  # E: mypy[dfdx-shape "broadcast_to: cannot broadcast Tensor[2, 3, 4] to "
#     "Tensor[3, 4] (rank 3 > 2)"]
b3 = dx.broadcast_to(a, -1, 2, 4)  # E: mypy[dfdx-shape "broadcast_to: cannot broadcast Tensor[2, "
#     "4] to Tensor[-1, 2, 4] (axis -3: -1 on a new axis)"]

# concat, stack
c1 = dx.concat([a, b], axis=0)  # E: mypy[dfdx-shape "concat: sizes differ on axis 1: Tensor[2, 4] "
#     "and Tensor[2, 5] (4 != 5)"]
c2 = dx.concat((a, x))  # E: mypy[dfdx-shape "concat: ranks differ: Tensor[2, 4] and Tensor[2, 3, "
#     "4] (2 != 3)"]
c3 = dx.concat([a, b], axis=2)  # E: mypy[dfdx-shape "concat: axis 2 is out of range for Tensor[2, "
#     "4]"]
k1 = dx.stack([a, b])  # E: mypy[dfdx-shape "stack: shapes differ: Tensor[2, 4] and Tensor[2, 5] "
#     "(axis 1: 4 != 5)"]
k2 = dx.stack((a, a), axis=3)  # E: mypy[dfdx-shape "stack: axis 3 is out of range for a new axis "
#     "of Tensor[2, 4] (from -3 to 2)"]
k3 = dx.stack([a, x])  # E: mypy[dfdx-shape "stack: shapes differ: Tensor[2, 4] and Tensor[2, 3, "
#     "4] (rank 2 != 3)"]


def batch(h: Tensor[B, L[28], L[28], T]) -> None:
    q1 = h.flatten(3)  # E: mypy[dfdx-shape "flatten: axis 3 is out of range for Tensor[B, 28, 28]"]
    q2 = h.squeeze(1)  # E: mypy[dfdx-shape "squeeze: axis 1 of Tensor[B, 28, 28] has size 28, not "
    #     "1"]
    q3 = dx.concat([h, h[0]])  # E: mypy[dfdx-shape "concat: ranks differ: Tensor[B, 28, 28] and "
    #     "Tensor[28, 28] (3 != 2)"]
    q4 = h.permute(0, 1)  # E: mypy[dfdx-shape "permute: Tensor[B, 28, 28] has 3 axes, got 2: (0, "
    #     "1)"]


# a bool where an axis (or a count) is wanted: Python counts True as 1, dfdx raises TypeError
bx = dx.zeros(2, 3, 4)
r1 = bx.transpose(True, 2)  # E: mypy[dfdx-shape "transpose: axes must be ints, got True"]
r2 = bx.permute(0, True, 2)  # E: mypy[dfdx-shape "permute: axes must be ints, got True"]
r3 = bx.unsqueeze(True)  # E: mypy[dfdx-shape "unsqueeze: axis must be an int, got True"]
r4 = bx.flatten(start_axis=True)  # E: mypy[dfdx-shape "flatten: axes must be ints, got True"]
r5 = dx.concat([bx, bx], axis=True)  # E: mypy[dfdx-shape "concat: axis must be an int, got True"]
r6 = dx.stack([bx, bx], axis=True)  # E: mypy[dfdx-shape "stack: axis must be an int, got True"]
r7 = dx.split(bx, 1, axis=True)  # E: mypy[dfdx-shape "split: axis must be an int, got True"]
r8 = dx.split(bx, True)  # E: mypy[dfdx-shape "split: the split size must be ints, got True"]
r9 = dx.split(bx, [True, 1])  # E: mypy[dfdx-shape "split: sizes must be ints, got True"]
r10 = dx.chunk(bx, 2, axis=True)  # E: mypy[dfdx-shape "chunk: axis must be an int, got True"]
r11 = dx.chunk(bx, True)  # E: mypy[dfdx-shape "chunk: chunks must be ints, got True"]
r12 = dx.slice_scatter(bx, bx, axis=True)  # E: mypy[dfdx-shape
#     "slice_scatter: axis must be an int, got True"]
