"""Where plain signatures cannot compute a shape they give ``Any``, or a tensor of unknown rank
(``Tensor[*tuple[Dyn, ...], Any]``: broadcasting elementwise ops, matmul with a right operand
that is not a matrix): no false error, no check.
Plain-only: the plugin computes these shapes (and reports the mistakes marked below).

Same-rank elementwise ops with conflicting literal sizes are among them: ``(3, 4) + (3, 5)``
fails at run time, but overloads cannot tell it from ``(3, 4) + (1, 4)`` or ``(3, 4) + (3, 1)``,
which broadcast, so the checkers accept it and only the run time (and the plugin) rejects it.
"""

from typing import Any, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import DynTensor, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

a: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
row: Tensor[L[1], L[4], NoneTape] = dx.randn(1, 4)
col: Tensor[L[3], L[1], NoneTape] = dx.randn(3, 1)
bias: Tensor[L[4], NoneTape] = dx.randn(4)
v: Tensor[L[4], NoneTape] = dx.randn(4)
batch: Tensor[L[2], L[4], L[5], NoneTape] = dx.randn(2, 4, 5)
other: Tensor[L[3], L[5], NoneTape] = dx.randn(3, 5)
positions: Tensor[L[4], L[5], NoneTape] = dx.randn(4, 5)

# broadcasting (valid at run time)
assert_type(a + row, DynTensor[Any])
assert_type(a * col, DynTensor[Any])
# ... except a 1-d untraced operand on the last axis (a bias, a norm's weight): exact
assert_type(a + bias, Tensor[L[3], L[4], NoneTape])
assert_type(a.trace() - bias, Tensor[L[3], L[4], OwnedTape])
assert_type(bias * batch.trace().mT, Tensor[L[2], L[5], L[4], OwnedTape])
assert_type(batch + positions, Tensor[L[2], L[4], L[5], NoneTape])
assert_type(dx.maximum(a, row), DynTensor[Any])

# reductions over several axes, or keeping every reduced axis (one literal axis is exact:
# pass/reductions_literal_axis.py)
assert_type(a.sum(axis=(0,)), Any)
assert_type(a.mean(axis=(-1, 0)), Any)
assert_type(dx.max(a, (1,)), Any)
assert_type(a.sum(keepdims=True), Any)
assert_type(dx.var(a, axis=(0, 1), correction=0), Any)

# matmul with a right operand that is not a matrix
assert_type(a @ v, DynTensor[Any])
assert_type(a @ batch, DynTensor[Any])

# a backward() on such a result is not checked either
assert_type(a.trace().sum(axis=(0,)).sum(axis=(0,)).backward(), Any)

# same-rank conflicting literal sizes: accepted by both checkers, rejected at run time
try:
    assert_type(a + other, DynTensor[Any])
except dx.ShapeError:
    pass
else:
    raise AssertionError("(3, 4) + (3, 5) should not broadcast")


# a declared variable takes a fallback without a cast; a tensor of unknown rank may also be
# returned from a typed function (pass/plain_typed_returns.py)
def with_bias(x: Tensor[B, L[4], T], b: Tensor[L[4], NoneTape]) -> Tensor[B, L[4], T]:
    y: Tensor[B, L[4], T] = x + b
    return y


assert_type(with_bias(a.trace(), bias), Tensor[L[3], L[4], OwnedTape])

# the run time agrees
assert (a + bias).shape == (3, 4)
assert a.sum(axis=0).shape == (4,)
assert (a @ v).shape == (3,)
assert (a @ batch).shape == (2, 3, 5)
