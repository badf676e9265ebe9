"""The tape kind: ``trace()`` gives OwnedTape, ``detach()`` NoneTape; every op carries the tape of
its inputs (OwnedTape when either input is traced); a user function generic in the tape keeps
it."""

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

T = TypeVar("T", NoneTape, OwnedTape)

a: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
b: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
w: Tensor[L[4], L[5], NoneTape] = dx.randn(4, 5)

# trace / detach
t = a.trace()
assert_type(t, Tensor[L[3], L[4], OwnedTape])
assert_type(t.trace(), Tensor[L[3], L[4], OwnedTape])
assert_type(t.detach(), Tensor[L[3], L[4], NoneTape])
assert_type(a.detach(), Tensor[L[3], L[4], NoneTape])

# binary ops: every combination of tapes
assert_type(a + b, Tensor[L[3], L[4], NoneTape])
assert_type(t + b, Tensor[L[3], L[4], OwnedTape])
assert_type(a + t, Tensor[L[3], L[4], OwnedTape])
assert_type(t + t, Tensor[L[3], L[4], OwnedTape])
assert_type(a - t, Tensor[L[3], L[4], OwnedTape])
assert_type(t * b, Tensor[L[3], L[4], OwnedTape])
assert_type(a / t, Tensor[L[3], L[4], OwnedTape])
assert_type(dx.add(a, t), Tensor[L[3], L[4], OwnedTape])
assert_type(dx.maximum(t, b), Tensor[L[3], L[4], OwnedTape])
assert_type(dx.minimum(a, t), Tensor[L[3], L[4], OwnedTape])
assert_type(t.maximum(t), Tensor[L[3], L[4], OwnedTape])

# with a number, the tensor's tape
assert_type(t + 1.0, Tensor[L[3], L[4], OwnedTape])
assert_type(2.0 * t, Tensor[L[3], L[4], OwnedTape])
assert_type(1.0 - t, Tensor[L[3], L[4], OwnedTape])
assert_type(1.0 / t, Tensor[L[3], L[4], OwnedTape])

# unary ops and full reductions keep the tape
assert_type(t.relu(), Tensor[L[3], L[4], OwnedTape])
assert_type(-t, Tensor[L[3], L[4], OwnedTape])
assert_type(dx.exp(t), Tensor[L[3], L[4], OwnedTape])
assert_type(t.sum(), Tensor[OwnedTape])
assert_type(a.sum(), Tensor[NoneTape])

# a traced value that meets many untraced ones stays traced
h = ((t @ w).tanh() * 2.0 + 1.0).sigmoid()
assert_type(h, Tensor[L[3], L[5], OwnedTape])


# user functions generic in the tape
def double(x: Tensor[L[3], L[4], T]) -> Tensor[L[3], L[4], T]:
    assert_type(x + x, Tensor[L[3], L[4], T])
    assert_type(x * 2.0, Tensor[L[3], L[4], T])
    assert_type(2.0 * x, Tensor[L[3], L[4], T])
    return x + x


def project(x: Tensor[L[3], L[4], T], w: Tensor[L[4], L[5], NoneTape]) -> Tensor[L[3], L[5], T]:
    assert_type(x @ w, Tensor[L[3], L[5], T])
    return (x @ w).relu()


def shift(x: Tensor[L[3], L[4], T], y: Tensor[L[3], L[4], NoneTape]) -> Tensor[L[3], L[4], T]:
    assert_type(x + y, Tensor[L[3], L[4], T])
    assert_type(y - x, Tensor[L[3], L[4], T])
    return y * x


def score(x: Tensor[L[3], L[4], T]) -> Tensor[T]:
    assert_type(x.sum(), Tensor[T])
    return x.square().mean()


def mix(
    x: Tensor[L[3], L[4], T], y: Tensor[L[3], L[4], OwnedTape]
) -> Tensor[L[3], L[4], OwnedTape]:
    assert_type(x + y, Tensor[L[3], L[4], OwnedTape])
    assert_type(y + x, Tensor[L[3], L[4], OwnedTape])
    return x * y


def untraced_weight_traced(
    x: Tensor[L[3], L[4], NoneTape], w: Tensor[L[4], L[5], T]
) -> Tensor[L[3], L[5], T]:
    return x @ w


assert_type(double(a), Tensor[L[3], L[4], NoneTape])
assert_type(double(t), Tensor[L[3], L[4], OwnedTape])
assert_type(project(a, w), Tensor[L[3], L[5], NoneTape])
assert_type(project(t, w), Tensor[L[3], L[5], OwnedTape])
assert_type(shift(t, b), Tensor[L[3], L[4], OwnedTape])
assert_type(score(a), Tensor[NoneTape])
assert_type(score(t), Tensor[OwnedTape])
assert_type(mix(a, t), Tensor[L[3], L[4], OwnedTape])
assert_type(untraced_weight_traced(a, w.trace()), Tensor[L[3], L[5], OwnedTape])

# a value that may or may not be traced: both checkers keep the union through ops
training = bool(len(a))
x2 = a.trace() if training else a
y2 = (x2 @ w).relu()
assert y2.shape == (3, 5)

# the run time agrees
assert t.is_traced and not t.detach().is_traced
assert (a + t).is_traced and not (a + b).is_traced
assert project(t, w).is_traced and not project(a, w).is_traced
