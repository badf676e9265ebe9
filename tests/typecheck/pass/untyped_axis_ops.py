"""The function forms of the literal-axis reductions and of ``dx.transpose`` on a value typed
``Any`` (an untyped helper's result): the result is ``Any``, so declaring the rank it really
has is no error. Under pyright, the literal-axis overload's ``*S`` took one axis for ``Any``
(``dx.min(x, 1)`` of a 4-d value was 2-d), a false error at each declaration below. A typed
input still gets the exact result (the failing twin, ``fail/typed_axis_ops.py``)."""

from typing import Any, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import Dyn, NoneTape, Tensor


def untyped(x: Tensor[L[2], L[3], L[4], L[5], NoneTape]) -> Any:
    return x * 1.0


v = untyped(dx.randn(2, 3, 4, 5))
# bound to names first, as code goes on with them (a declaration right at the call would
# solve the overload against the declared type instead)
kept_ = dx.sum(v, -1, keepdims=True)
least_ = dx.min(v, 1)
largest_ = dx.max(v, 2)
average_ = dx.mean(v, 1, keepdims=True)
spread_ = dx.var(v, 3)
pooled_ = dx.logsumexp(v, -2)
swapped_ = dx.transpose(v, 1, 2)
last_two_ = dx.transpose(v, -2, -1)
kept: Tensor[Dyn, Dyn, Dyn, L[1], NoneTape] = kept_
least: Tensor[Dyn, Dyn, Dyn, NoneTape] = least_
largest: Tensor[Dyn, Dyn, Dyn, NoneTape] = largest_
average: Tensor[Dyn, L[1], Dyn, Dyn, NoneTape] = average_
spread: Tensor[Dyn, Dyn, Dyn, NoneTape] = spread_
pooled: Tensor[Dyn, Dyn, Dyn, NoneTape] = pooled_
swapped: Tensor[Dyn, Dyn, Dyn, Dyn, NoneTape] = swapped_
last_two: Tensor[Dyn, Dyn, Dyn, Dyn, NoneTape] = last_two_
assert kept.shape == (2, 3, 4, 1)
assert least.shape == (2, 4, 5)
assert swapped.shape == (2, 4, 3, 5)
assert last_two.shape == (2, 3, 5, 4)

x: Tensor[L[2], L[3], L[4], NoneTape] = dx.randn(2, 3, 4)
assert_type(dx.sum(x, -1, keepdims=True), Tensor[L[2], L[3], L[1], NoneTape])
assert_type(dx.min(x, 1), Tensor[L[2], L[4], NoneTape])
assert_type(dx.transpose(x, 1, 2), Tensor[L[2], L[4], L[3], NoneTape])
