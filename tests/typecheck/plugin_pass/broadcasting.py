"""Binary ops with the plugin: NumPy broadcasting in every form (operators both ways round,
methods, functions), numbers on either side, symbolic and ``Dyn`` sizes, and the tape of the
result."""

# rules: binary

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

a = dx.rand(3, 4) + 0.5
row = dx.rand(1, 4) + 0.5
col = dx.rand(3, 1) + 0.5
bias = dx.rand(4) + 0.5
cube = dx.rand(2, 1, 4) + 0.5
s = dx.tensor(2.0)

# operators, both ways round
assert_type(a + bias, Tensor[L[3], L[4], NoneTape])
assert_type(bias + a, Tensor[L[3], L[4], NoneTape])
assert_type(a - row, Tensor[L[3], L[4], NoneTape])
assert_type(row - a, Tensor[L[3], L[4], NoneTape])
assert_type(a * col, Tensor[L[3], L[4], NoneTape])
assert_type(col * a, Tensor[L[3], L[4], NoneTape])
assert_type(a / bias, Tensor[L[3], L[4], NoneTape])
assert_type(bias / a, Tensor[L[3], L[4], NoneTape])
assert_type(col + row, Tensor[L[3], L[4], NoneTape])
assert_type(row * col, Tensor[L[3], L[4], NoneTape])
assert_type(cube + col, Tensor[L[2], L[3], L[4], NoneTape])
assert_type(col - cube, Tensor[L[2], L[3], L[4], NoneTape])
assert_type(cube * a, Tensor[L[2], L[3], L[4], NoneTape])

# methods and functions
assert_type(a.add(bias), Tensor[L[3], L[4], NoneTape])
assert_type(a.sub(row), Tensor[L[3], L[4], NoneTape])
assert_type(col.mul(row), Tensor[L[3], L[4], NoneTape])
assert_type(a.div(col), Tensor[L[3], L[4], NoneTape])
assert_type(a.maximum(bias), Tensor[L[3], L[4], NoneTape])
assert_type(col.minimum(cube), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.add(bias, a), Tensor[L[3], L[4], NoneTape])
assert_type(dx.sub(a, col), Tensor[L[3], L[4], NoneTape])
assert_type(dx.mul(row, col), Tensor[L[3], L[4], NoneTape])
assert_type(dx.div(cube, bias), Tensor[L[2], L[1], L[4], NoneTape])
assert_type(dx.maximum(col, row), Tensor[L[3], L[4], NoneTape])
assert_type(dx.minimum(a, cube), Tensor[L[2], L[3], L[4], NoneTape])

# numbers on either side, and 0-d tensors
assert_type(a + 1.0, Tensor[L[3], L[4], NoneTape])
assert_type(1.0 + a, Tensor[L[3], L[4], NoneTape])
assert_type(2 * bias, Tensor[L[4], NoneTape])
assert_type(bias - 2, Tensor[L[4], NoneTape])
assert_type(1.0 / col, Tensor[L[3], L[1], NoneTape])
assert_type(dx.maximum(a, 0.0), Tensor[L[3], L[4], NoneTape])
assert_type(a.minimum(1), Tensor[L[3], L[4], NoneTape])
assert_type(s + a, Tensor[L[3], L[4], NoneTape])
assert_type(a * s, Tensor[L[3], L[4], NoneTape])
assert_type(s / s, Tensor[NoneTape])
assert_type(dx.mul(s, 3.0), Tensor[NoneTape])

# the tape: traced on either side (or both) gives OwnedTape
t = a.trace()
assert_type(t + bias, Tensor[L[3], L[4], OwnedTape])
assert_type(bias + t, Tensor[L[3], L[4], OwnedTape])
assert_type(col * t, Tensor[L[3], L[4], OwnedTape])
assert_type(row.trace() - col.trace(), Tensor[L[3], L[4], OwnedTape])
assert_type(dx.maximum(col, t), Tensor[L[3], L[4], OwnedTape])
assert_type(t.div(row), Tensor[L[3], L[4], OwnedTape])
assert_type(2.0 * t, Tensor[L[3], L[4], OwnedTape])
assert_type(s.trace() * a, Tensor[L[3], L[4], OwnedTape])


# symbolic sizes: B against 1 is B, B against B is B (B against 5 is an error: B stands for every
# size, plugin_fail/generic_size_errors.py)
def with_row(x: Tensor[B, L[4], T], r: Tensor[L[1], L[4], NoneTape]) -> Tensor[B, L[4], T]:
    assert_type(x + r, Tensor[B, L[4], T])
    assert_type(r * x, Tensor[B, L[4], T])
    assert_type(x - bias, Tensor[B, L[4], T])
    assert_type(x + x, Tensor[B, L[4], T])
    assert_type(x / 2.0, Tensor[B, L[4], T])
    return x + r


def tapes(x: Tensor[B, L[4], T], o: Tensor[B, L[4], OwnedTape]) -> Tensor[B, L[4], OwnedTape]:
    assert_type(x + o, Tensor[B, L[4], OwnedTape])
    assert_type(o * x, Tensor[B, L[4], OwnedTape])
    assert_type(x + row, Tensor[B, L[4], T])
    return x - o


def outer(u: Tensor[B, L[1], T], v: Tensor[L[1], B, T]) -> Tensor[B, B, T]:
    assert_type(u * v, Tensor[B, B, T])
    return u * v


# Dyn sizes: a Dyn against a literal is the literal (Dyn is 1 or the same), else Dyn
d: Tensor[Dyn, Dyn, NoneTape] = dx.rand(3, 4)
assert_type(d + a, Tensor[L[3], L[4], NoneTape])
assert_type(d * bias, Tensor[Dyn, L[4], NoneTape])
assert_type(d - d, Tensor[Dyn, Dyn, NoneTape])

assert_type(with_row(a, row), Tensor[L[3], L[4], NoneTape])
assert_type(with_row(t, row), Tensor[L[3], L[4], OwnedTape])
assert_type(tapes(a, a.trace()), Tensor[L[3], L[4], OwnedTape])
u: Tensor[L[3], L[1], NoneTape] = dx.rand(3, 1)
v: Tensor[L[1], L[3], NoneTape] = dx.rand(1, 3)
assert_type(outer(u, v), Tensor[L[3], L[3], NoneTape])

# the run time agrees
assert (cube * a).shape == (2, 3, 4)
assert (col + row).shape == (3, 4)
assert (bias + t).is_traced
