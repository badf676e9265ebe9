"""Convolution and pooling with the plugin: each output size is
``(n + 2p - d(k - 1) - 1) // s + 1`` (pools: ``(n + 2p - k) // s + 1``; conv_transpose2d:
``(n - 1)s - 2p + d(k - 1) + output_padding + 1``), from literal parameters given as ints or
tuples, with the tapes merged and a symbolic batch kept."""

# rules: conv

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x = dx.randn(2, 3, 9, 8)
w = dx.randn(4, 3, 3, 3)
wt = w.trace()
k = int("1")

# conv2d: stride, padding, dilation as ints or (h, w) pairs; groups; bias
assert_type(dx.conv2d(x, w), Tensor[L[2], L[4], L[7], L[6], NoneTape])
assert_type(dx.conv2d(x, w, padding=1), Tensor[L[2], L[4], L[9], L[8], NoneTape])
assert_type(dx.conv2d(x, wt, stride=2), Tensor[L[2], L[4], L[4], L[3], OwnedTape])
assert_type(
    dx.conv2d(x, w, stride=(2, 1), padding=(0, 2)), Tensor[L[2], L[4], L[4], L[10], NoneTape]
)
assert_type(dx.conv2d(x, w, dilation=2), Tensor[L[2], L[4], L[5], L[4], NoneTape])
assert_type(dx.conv2d(x, w, bias=dx.zeros(4).trace()), Tensor[L[2], L[4], L[7], L[6], OwnedTape])
assert_type(dx.conv2d(x, dx.randn(6, 1, 1, 1), groups=3), Tensor[L[2], L[6], L[9], L[8], NoneTape])
assert_type(dx.conv2d(x, w, padding=k), Tensor[L[2], L[4], Dyn, Dyn, NoneTape])

# conv1d
s = dx.randn(2, 3, 10)
assert_type(dx.conv1d(s, dx.randn(5, 3, 3)), Tensor[L[2], L[5], L[8], NoneTape])
assert_type(
    dx.conv1d(s, dx.randn(5, 3, 3), stride=2, padding=1), Tensor[L[2], L[5], L[5], NoneTape]
)
assert_type(
    dx.conv1d(s.trace(), dx.randn(5, 3, 2), dilation=(3,)), Tensor[L[2], L[5], L[7], OwnedTape]
)

# conv_transpose2d: the weight is (C, O / groups, kh, kw)
u = dx.randn(3, 5, 3, 3)
assert_type(dx.conv_transpose2d(x, u), Tensor[L[2], L[5], L[11], L[10], NoneTape])
assert_type(
    dx.conv_transpose2d(x, u, stride=2, padding=1, output_padding=1),
    Tensor[L[2], L[5], L[18], L[16], NoneTape],
)
assert_type(
    dx.conv_transpose2d(x, dx.randn(3, 2, 2, 2).trace(), stride=2, groups=3),
    Tensor[L[2], L[6], L[18], L[16], OwnedTape],
)

# pooling, adaptive pooling, upsampling
assert_type(dx.max_pool2d(x, 2), Tensor[L[2], L[3], L[4], L[4], NoneTape])
assert_type(dx.max_pool2d(x, (3, 2), stride=1, padding=1), Tensor[L[2], L[3], L[9], L[9], NoneTape])
assert_type(dx.avg_pool2d(x.trace(), 3, stride=2), Tensor[L[2], L[3], L[4], L[3], OwnedTape])
assert_type(dx.avg_pool2d(x, 2, stride=None), Tensor[L[2], L[3], L[4], L[4], NoneTape])
assert_type(dx.adaptive_avg_pool2d(x, 1), Tensor[L[2], L[3], L[1], L[1], NoneTape])
assert_type(dx.adaptive_avg_pool2d(x, (3, 2)), Tensor[L[2], L[3], L[3], L[2], NoneTape])
assert_type(dx.upsample2d(x, 2), Tensor[L[2], L[3], L[18], L[16], NoneTape])
assert_type(dx.upsample2d(x, (1, 3)), Tensor[L[2], L[3], L[9], L[24], NoneTape])


# a symbolic batch, and channels checked against a generic tape
def block(h: Tensor[B, L[3], L[9], L[8], T]) -> Tensor[B, L[4], L[3], L[3], T]:
    y = dx.conv2d(h, w, padding=1)
    assert_type(y, Tensor[B, L[4], L[9], L[8], T])
    assert_type(dx.max_pool2d(y, 2), Tensor[B, L[4], L[4], L[4], T])
    assert_type(dx.upsample2d(y, 2), Tensor[B, L[4], L[18], L[16], T])
    return dx.adaptive_avg_pool2d(y, 3)


assert_type(block(x), Tensor[L[2], L[4], L[3], L[3], NoneTape])
assert_type(block(x.trace()), Tensor[L[2], L[4], L[3], L[3], OwnedTape])


# sizes the plugin cannot prove wrong are accepted: Dyn channels and sizes (a TypeVar's channels
# are not the weight's 3: generic code holds for every value of C, see
# plugin_fail/generic_size_errors.py)
def unproven(h: Tensor[B, Dyn, L[9], L[8], T], d: Tensor[Dyn, Dyn, Dyn, Dyn, NoneTape]) -> None:
    assert_type(dx.conv2d(h, w), Tensor[B, L[4], L[7], L[6], T])
    assert_type(dx.conv_transpose2d(h, u), Tensor[B, L[5], L[11], L[10], T])
    assert_type(dx.conv2d(d, w, padding=1), Tensor[Dyn, L[4], Dyn, Dyn, NoneTape])
    assert_type(dx.max_pool2d(d, 2), Tensor[Dyn, Dyn, Dyn, Dyn, NoneTape])


unproven(x, x)

# the run time agrees
assert dx.conv_transpose2d(x, u, stride=2, padding=1, output_padding=1).shape == (2, 5, 18, 16)
