"""dx.group_norm and dx.rms_norm with the plugin: the input's shape and tape kind come back
(merged with the weight's and bias's tapes), with a symbolic batch kept; group_norm takes an
input (N, C, *) of any rank from 2, rms_norm normalises the last axis."""

# rules: norm

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x = dx.randn(2, 6, 5, 4)
s = dx.randn(3, 6)
w = dx.ones(6)
b = dx.zeros(6)

assert_type(dx.group_norm(x, 3), Tensor[L[2], L[6], L[5], L[4], NoneTape])
assert_type(dx.group_norm(x, 2, w, b), Tensor[L[2], L[6], L[5], L[4], NoneTape])
assert_type(dx.group_norm(x.trace(), 6, w, b, eps=1e-3), Tensor[L[2], L[6], L[5], L[4], OwnedTape])
assert_type(dx.group_norm(s, 1, bias=b.trace()), Tensor[L[3], L[6], OwnedTape])

assert_type(dx.rms_norm(s, 6), Tensor[L[3], L[6], NoneTape])
assert_type(dx.rms_norm(x, (4,), dx.ones(4)), Tensor[L[2], L[6], L[5], L[4], NoneTape])
assert_type(dx.rms_norm(s, 6, w.trace(), eps=1e-6), Tensor[L[3], L[6], OwnedTape])
assert_type(dx.rms_norm(s.trace(), 6, None), Tensor[L[3], L[6], OwnedTape])


def grouped(h: Tensor[B, L[6], T], scale: Tensor[L[6], NoneTape]) -> Tensor[B, L[6], T]:
    return dx.group_norm(h, 3, scale)


def rms(h: Tensor[B, L[6], T], scale: Tensor[L[6], NoneTape]) -> Tensor[B, L[6], T]:
    return dx.rms_norm(h, 6, scale)


assert_type(grouped(dx.randn(5, 6), w), Tensor[L[5], L[6], NoneTape])
assert_type(rms(dx.randn(5, 6).trace(), w), Tensor[L[5], L[6], OwnedTape])
