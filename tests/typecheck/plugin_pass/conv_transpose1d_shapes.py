"""dx.conv_transpose1d with the plugin: ``(N, C, L)`` with a weight ``(C, O / groups, k)`` gives
``(N, O, (L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1)``, from literal
arguments (ints or 1-tuples); the tapes of input, weight and bias merged; a symbolic length
kept."""

# rules: conv

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

N = TypeVar("N", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

s = dx.randn(2, 4, 5)
w = dx.randn(4, 3, 3)

assert_type(dx.conv_transpose1d(s, w), Tensor[L[2], L[3], L[7], NoneTape])
assert_type(dx.conv_transpose1d(s, w, stride=2), Tensor[L[2], L[3], L[11], NoneTape])
assert_type(
    dx.conv_transpose1d(s, w, dx.zeros(6), stride=2, padding=1, output_padding=1, groups=2),
    Tensor[L[2], L[6], L[10], NoneTape],
)
assert_type(
    dx.conv_transpose1d(s.trace(), w, dilation=(2,), padding=(1,)),
    Tensor[L[2], L[3], L[7], OwnedTape],
)
assert_type(dx.conv_transpose1d(s, w.trace()), Tensor[L[2], L[3], L[7], OwnedTape])


def upsampled(h: Tensor[N, L[4], L[5], T]) -> Tensor[N, L[3], L[10], T]:
    return dx.conv_transpose1d(h, dx.randn(4, 3, 2), stride=2)


assert_type(upsampled(s), Tensor[L[2], L[3], L[10], NoneTape])
