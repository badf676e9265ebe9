"""dx.layer_norm with the plugin: the input's shape and tape kind come back (merged with the
weight's and bias's tapes), with a symbolic batch kept; normalized_shape as an int or a
1-tuple."""

# rules: norm

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x = dx.randn(2, 3, 8)
w = dx.ones(8)
b = dx.zeros(8)

assert_type(dx.layer_norm(x, 8), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(dx.layer_norm(x, (8,), w, b), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(dx.layer_norm(x.trace(), 8, w, b), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(dx.layer_norm(x, 8, w.trace()), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(dx.layer_norm(x, 8, bias=b, eps=1e-3), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(dx.layer_norm(x, 8, None, b.trace()), Tensor[L[2], L[3], L[8], OwnedTape])


def normed(h: Tensor[B, L[8], T], scale: Tensor[L[8], NoneTape]) -> Tensor[B, L[8], T]:
    return dx.layer_norm(h, 8, scale)


assert_type(normed(dx.randn(5, 8), w), Tensor[L[5], L[8], NoneTape])
