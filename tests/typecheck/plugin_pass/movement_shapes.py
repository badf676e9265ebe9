"""Movement and shape ops with the plugin: reshape (one -1 solved), flatten, permute,
transpose, unsqueeze, squeeze, broadcast_to, concat and stack, as methods and functions, on
both tapes and with a symbolic batch."""

# rules: movement

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import Dyn, Expr, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x = dx.randn(2, 3, 4)
t = x.trace()
n = int("6")

# reshape: the element counts agree; one -1 is solved from the other sizes
assert_type(x.reshape(6, 4), Tensor[L[6], L[4], NoneTape])
assert_type(x.reshape(6, -1), Tensor[L[6], L[4], NoneTape])
assert_type(x.reshape(-1), Tensor[L[24], NoneTape])
assert_type(x.reshape(2, -1, 2), Tensor[L[2], L[6], L[2], NoneTape])
assert_type(dx.reshape(t, 4, 3, 2), Tensor[L[4], L[3], L[2], OwnedTape])
assert_type(dx.tensor(1.0).reshape(1, 1), Tensor[L[1], L[1], NoneTape])
assert_type(x.reshape(n, -1), Tensor[Dyn, Dyn, NoneTape])  # a size that is not a literal

# flatten: the merged sizes multiply
assert_type(x.flatten(), Tensor[L[24], NoneTape])
assert_type(x.flatten(1), Tensor[L[2], L[12], NoneTape])
assert_type(x.flatten(0, 1), Tensor[L[6], L[4], NoneTape])
assert_type(x.flatten(end_axis=-2), Tensor[L[6], L[4], NoneTape])
assert_type(dx.flatten(t, start_axis=-2), Tensor[L[2], L[12], OwnedTape])
assert_type(dx.tensor(1.0).flatten(), Tensor[L[1], NoneTape])

# permute and transpose
assert_type(x.permute(2, 0, 1), Tensor[L[4], L[2], L[3], NoneTape])
assert_type(x.permute(-1, -2, -3), Tensor[L[4], L[3], L[2], NoneTape])
assert_type(dx.permute(t, 1, 0, 2), Tensor[L[3], L[2], L[4], OwnedTape])
assert_type(x.transpose(0, 2), Tensor[L[4], L[3], L[2], NoneTape])
assert_type(dx.transpose(t, -1, -2), Tensor[L[2], L[4], L[3], OwnedTape])

# unsqueeze and squeeze
assert_type(x.unsqueeze(0), Tensor[L[1], L[2], L[3], L[4], NoneTape])
assert_type(x.unsqueeze(-1), Tensor[L[2], L[3], L[4], L[1], NoneTape])
assert_type(dx.unsqueeze(t, axis=1), Tensor[L[2], L[1], L[3], L[4], OwnedTape])
y = dx.zeros(1, 3, 1)
assert_type(y.squeeze(), Tensor[L[3], NoneTape])
assert_type(y.squeeze(0), Tensor[L[3], L[1], NoneTape])
assert_type(y.squeeze(axis=-1), Tensor[L[1], L[3], NoneTape])
assert_type(dx.squeeze(y, (0, 2)), Tensor[L[3], NoneTape])

# broadcast_to: new leading axes, size-1 axes repeated, -1 keeps a size
c = dx.randn(3, 1)
assert_type(c.broadcast_to(3, 5), Tensor[L[3], L[5], NoneTape])
assert_type(c.broadcast_to(2, 3, 4), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.broadcast_to(c.trace(), -1, 4), Tensor[L[3], L[4], OwnedTape])

# concat: the sizes on the axis add up; stack: a new axis of len(tensors)
a = dx.randn(2, 4)
b = dx.randn(5, 4)
assert_type(dx.concat([a, b]), Tensor[L[7], L[4], NoneTape])
assert_type(dx.concat((a, b, a), axis=0), Tensor[L[9], L[4], NoneTape])
assert_type(dx.concat([a, a.trace()], axis=-1), Tensor[L[2], L[8], OwnedTape])
pair = (a, a)
assert_type(dx.stack(pair), Tensor[L[2], L[2], L[4], NoneTape])
assert_type(dx.stack([a, a, a], axis=1), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.stack([a, a.trace()], axis=-1), Tensor[L[2], L[4], L[2], OwnedTape])


# a symbolic batch flows through every op that keeps it
def images(h: Tensor[B, L[28], L[28], T]) -> Tensor[B, L[784], T]:
    assert_type(h.reshape(-1, 784), Tensor[B, L[784], T])
    assert_type(h.flatten(1), Tensor[B, L[784], T])
    assert_type(h.permute(1, 2, 0), Tensor[L[28], L[28], B, T])
    assert_type(h.transpose(0, 1), Tensor[L[28], B, L[28], T])
    assert_type(h.unsqueeze(1), Tensor[B, L[1], L[28], L[28], T])
    assert_type(h.unsqueeze(1).squeeze(1), Tensor[B, L[28], L[28], T])
    assert_type(h.flatten(), Tensor[Expr[L["784*B"]], T])  # a product of sizes, see shape-typing.md
    assert_type(dx.concat([h, h], axis=1), Tensor[B, L[56], L[28], T])
    assert_type(dx.concat([h, h]), Tensor[Expr[L["2*B"]], L[28], L[28], T])  # sizes add up
    assert_type(dx.stack([h, h]), Tensor[L[2], B, L[28], L[28], T])
    return h.flatten(1)


assert_type(images(dx.randn(5, 28, 28)), Tensor[L[5], L[784], NoneTape])
assert_type(images(dx.randn(5, 28, 28).trace()), Tensor[L[5], L[784], OwnedTape])

# the run time agrees
assert x.reshape(2, -1, 2).shape == (2, 6, 2)
assert dx.concat((a, b, a)).shape == (9, 4)
