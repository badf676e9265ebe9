"""Binary ops whose shapes do not broadcast: every op, as operator (both ways round), method
and function, traced or not. The plugin's message replaces mypy's own error: no
``[operator]``, ``[arg-type]`` or ``[call-overload]`` beside it."""

# rules: binary

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, Tensor

a: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
v: Tensor[L[5], NoneTape] = dx.randn(5)
b: Tensor[L[2], L[4], NoneTape] = dx.randn(2, 4)
c: Tensor[L[2], L[3], L[5], NoneTape] = dx.randn(2, 3, 5)

# operators, both ways round: the message names the operands in source order
r1 = a + v  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[3, 4] and Tensor[5] "
#     "(axis -1: 4 != 5)"]
r2 = v + a  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[5] and Tensor[3, 4] "
#     "(axis -1: 5 != 4)"]
r3 = a - b  # E: mypy[dfdx-shape "sub: shapes do not broadcast: Tensor[3, 4] and Tensor[2, 4] "
#     "(axis -2: 3 != 2)"]
r4 = b - a  # E: mypy[dfdx-shape "sub: shapes do not broadcast: Tensor[2, 4] and Tensor[3, 4] "
#     "(axis -2: 2 != 3)"]
r5 = a * c  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[3, 4] and Tensor[2, 3, 5] "
#     "(axis -1: 4 != 5)"]
r6 = c * a  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[2, 3, 5] and Tensor[3, 4] "
#     "(axis -1: 5 != 4)"]
r7 = a / v  # E: mypy[dfdx-shape "div: shapes do not broadcast: Tensor[3, 4] and Tensor[5] "
#     "(axis -1: 4 != 5)"]
r8 = v / a  # E: mypy[dfdx-shape "div: shapes do not broadcast: Tensor[5] and Tensor[3, 4] "
#     "(axis -1: 5 != 4)"]
r9 = dx.zeros(3, 2) + dx.zeros(2, 1, 5)  # E: mypy[dfdx-shape "add: shapes do not broadcast: "
#     "Tensor[3, 2] and Tensor[2, 1, 5] (axis -1: 2 != 5)"]

# traced operands: the same message
t1 = a.trace() + v  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[3, 4] and "
#     "Tensor[5] (axis -1: 4 != 5)"]
t2 = a * v.trace()  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[3, 4] and "
#     "Tensor[5] (axis -1: 4 != 5)"]
t3 = b.trace() / a.trace()  # E: mypy[dfdx-shape "div: shapes do not broadcast: Tensor[2, 4] and "
#     "Tensor[3, 4] (axis -2: 2 != 3)"]

# methods
m1 = a.add(v)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[3, 4] and Tensor[5] "
#     "(axis -1: 4 != 5)"]
m2 = a.sub(b)  # E: mypy[dfdx-shape "sub: shapes do not broadcast: Tensor[3, 4] and Tensor[2, 4] "
#     "(axis -2: 3 != 2)"]
m3 = a.mul(v)  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[3, 4] and Tensor[5] "
#     "(axis -1: 4 != 5)"]
m4 = a.div(v)  # E: mypy[dfdx-shape "div: shapes do not broadcast: Tensor[3, 4] and Tensor[5] "
#     "(axis -1: 4 != 5)"]
m5 = a.maximum(v)  # E: mypy[dfdx-shape "maximum: shapes do not broadcast: Tensor[3, 4] and "
#     "Tensor[5] (axis -1: 4 != 5)"]
m6 = a.minimum(b)  # E: mypy[dfdx-shape "minimum: shapes do not broadcast: Tensor[3, 4] and "
#     "Tensor[2, 4] (axis -2: 3 != 2)"]

# functions
f1 = dx.add(a, v)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[3, 4] and Tensor[5] "
#     "(axis -1: 4 != 5)"]
f2 = dx.sub(v, a)  # E: mypy[dfdx-shape "sub: shapes do not broadcast: Tensor[5] and Tensor[3, 4] "
#     "(axis -1: 5 != 4)"]
f3 = dx.mul(a, b)  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[3, 4] and "
#     "Tensor[2, 4] (axis -2: 3 != 2)"]
f4 = dx.div(a, v)  # E: mypy[dfdx-shape "div: shapes do not broadcast: Tensor[3, 4] and Tensor[5] "
#     "(axis -1: 4 != 5)"]
f5 = dx.maximum(a, v.trace())  # E: mypy[dfdx-shape "maximum: shapes do not broadcast: "
#     "Tensor[3, 4] and Tensor[5] (axis -1: 4 != 5)"]
f6 = dx.minimum(c, a)  # E: mypy[dfdx-shape "minimum: shapes do not broadcast: Tensor[2, 3, 5] "
#     "and Tensor[3, 4] (axis -1: 5 != 4)"]

# the result of a reported op is a tensor of unknown shape: no second error downstream
chained = (a.add(v) * 2.0).relu().sum()  # E: mypy[dfdx-shape "add: shapes do not broadcast: "
#     "Tensor[3, 4] and Tensor[5] (axis -1: 4 != 5)"]

# two size TypeVars are two sizes, as for a layer: the feed-forward's output width is wrong
B = TypeVar("B", bound=int)
D = TypeVar("D", bound=int)
F = TypeVar("F", bound=int)


def residual(x: Tensor[B, D, NoneTape], ff: Tensor[B, F, NoneTape]) -> None:
    y = x + ff  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, D] and "
    #     "Tensor[B, F] (axis -1: D != F)"]
    z = x + dx.exp(ff)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, D] and "
    #     "Tensor[B, F] (axis -1: D != F)"]
