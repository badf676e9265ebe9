"""dx.linear and the fused relu_feed_forward with the plugin: exact shapes from creation
calls, leading axes kept, the bias by position or by name, symbolic batches, and the merged
tape of every operand."""

# rules: linalg

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.ops.linalg import relu_feed_forward

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x = dx.randn(2, 3, 4)
w = dx.randn(5, 4)
b = dx.zeros(5)
w2 = dx.randn(6, 5)

assert_type(dx.linear(x, w), Tensor[L[2], L[3], L[5], NoneTape])
assert_type(dx.linear(x, w, b), Tensor[L[2], L[3], L[5], NoneTape])
assert_type(dx.linear(x, w, bias=b), Tensor[L[2], L[3], L[5], NoneTape])
assert_type(dx.linear(x, w, None), Tensor[L[2], L[3], L[5], NoneTape])
assert_type(dx.linear(x.trace(), w, b), Tensor[L[2], L[3], L[5], OwnedTape])
assert_type(dx.linear(x, w, b.trace()), Tensor[L[2], L[3], L[5], OwnedTape])
assert_type(dx.nn.linear(x, w.trace()), Tensor[L[2], L[3], L[5], OwnedTape])

assert_type(relu_feed_forward(x, w, b, w2, None), Tensor[L[2], L[3], L[6], NoneTape])
assert_type(relu_feed_forward(x.trace(), w, None, w2, None), Tensor[L[2], L[3], L[6], OwnedTape])
assert_type(relu_feed_forward(x, w, b, w2.trace(), None), Tensor[L[2], L[3], L[6], OwnedTape])


def projected(h: Tensor[B, L[4], T], weight: Tensor[L[5], L[4], NoneTape]) -> Tensor[B, L[5], T]:
    return dx.linear(h, weight)


assert_type(projected(dx.randn(7, 4), w), Tensor[L[7], L[5], NoneTape])
