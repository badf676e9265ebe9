"""matmul whose inner sizes differ, at every rank (matrices, vectors, batches), and batch axes
that do not broadcast; operator, method and function, traced or not."""

# rules: linalg

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

m: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
w: Tensor[L[5], L[2], NoneTape] = dx.randn(5, 2)
v: Tensor[L[5], NoneTape] = dx.randn(5)
u: Tensor[L[4], NoneTape] = dx.randn(4)
batch: Tensor[L[7], L[3], L[4], NoneTape] = dx.randn(7, 3, 4)
wb: Tensor[L[6], L[4], L[2], NoneTape] = dx.randn(6, 4, 2)

# matrix @ matrix, in every form
r1 = m @ w  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[3, 4] @ Tensor[5, 2] (4 != 5)"]
r2 = m.matmul(w)  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[3, 4] @ Tensor[5, 2] "
#     "(4 != 5)"]
r3 = dx.matmul(m, w)  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[3, 4] @ "
#     "Tensor[5, 2] (4 != 5)"]
r4 = m.trace() @ w  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[3, 4] @ Tensor[5, 2] "
#     "(4 != 5)"]
r5 = dx.matmul(m, w.trace())  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[3, 4] @ "
#     "Tensor[5, 2] (4 != 5)"]

# vectors
r6 = m @ v  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[3, 4] @ Tensor[5] (4 != 5)"]
r7 = u @ w  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[4] @ Tensor[5, 2] (4 != 5)"]
r8 = u @ v  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[4] @ Tensor[5] (4 != 5)"]
r9 = dx.matmul(v, m)  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[5] @ Tensor[3, 4] "
#     "(5 != 3)"]

# batches
r10 = batch @ w  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[7, 3, 4] @ Tensor[5, 2] "
#     "(4 != 5)"]
r11 = w @ batch  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[5, 2] @ Tensor[7, 3, 4] "
#     "(2 != 3)"]
r12 = batch.matmul(v)  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[7, 3, 4] @ "
#     "Tensor[5] (4 != 5)"]
r13 = batch @ wb  # E: mypy[dfdx-shape "matmul: batch axes do not broadcast: Tensor[7, 3, 4] @ "
#     "Tensor[6, 4, 2] (Tensor[7] vs Tensor[6])"]
r14 = dx.matmul(dx.zeros(2, 3, 3, 4), wb)  # E: mypy[dfdx-shape "matmul: batch axes do not "
#     "broadcast: Tensor[2, 3, 3, 4] @ Tensor[6, 4, 2] (Tensor[2, 3] vs Tensor[6])"]

# 0-d operands
r15 = dx.tensor(2.0) @ m  # E: mypy[dfdx-shape "matmul: both operands need at least 1 axis: "
#     "Tensor[()] @ Tensor[3, 4]"]
