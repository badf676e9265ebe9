"""transpose and permute with literal axes keep exact sizes in the plain signatures (pyright
without the plugin): a transpose of two of the first four axes (or the last two) for any
rank, any pair of the last three, 0 or 1 with 3), a permute of a tensor of rank 2 to 4,
``swapaxes`` (PyTorch's alias of transpose), ``mT``, and ``T`` of a 2-d tensor. Other axes
fall back to an unknown shape."""

from typing import Any, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

m: Tensor[L[3], L[4], NoneTape] = dx.zeros(3, 4)
x: Tensor[L[2], L[3], L[4], NoneTape] = dx.zeros(2, 3, 4)
y: Tensor[L[2], L[3], L[4], L[5], NoneTape] = dx.zeros(2, 3, 4, 5)

assert_type(m.transpose(0, 1), Tensor[L[4], L[3], NoneTape])
assert_type(m.transpose(-1, -2), Tensor[L[4], L[3], NoneTape])
assert_type(x.transpose(1, 2), Tensor[L[2], L[4], L[3], NoneTape])
assert_type(x.transpose(2, 0), Tensor[L[4], L[3], L[2], NoneTape])
assert_type(dx.transpose(x.trace(), -2, -1), Tensor[L[2], L[4], L[3], OwnedTape])
assert_type(y.transpose(2, 3), Tensor[L[2], L[3], L[5], L[4], NoneTape])
assert_type(y.transpose(1, 0), Tensor[L[3], L[2], L[4], L[5], NoneTape])
assert_type(y.transpose(0, 3), Tensor[L[5], L[3], L[4], L[2], NoneTape])
assert_type(y.transpose(3, 1), Tensor[L[2], L[5], L[4], L[3], NoneTape])
assert_type(y.transpose(-3, -1), Tensor[L[2], L[5], L[4], L[3], NoneTape])
assert_type(x.transpose(-1, -3), Tensor[L[4], L[3], L[2], NoneTape])
assert_type(x.transpose(-2, -3), Tensor[L[3], L[2], L[4], NoneTape])

assert_type(m.swapaxes(0, 1), Tensor[L[4], L[3], NoneTape])
assert_type(x.swapaxes(1, 2), Tensor[L[2], L[4], L[3], NoneTape])
assert_type(y.trace().swapaxes(-2, -1), Tensor[L[2], L[3], L[5], L[4], OwnedTape])
assert_type(y.swapaxes(1, 3), Tensor[L[2], L[5], L[4], L[3], NoneTape])

assert_type(m.permute(1, 0), Tensor[L[4], L[3], NoneTape])
assert_type(x.permute(2, 0, 1), Tensor[L[4], L[2], L[3], NoneTape])
assert_type(dx.permute(x, 0, 2, 1), Tensor[L[2], L[4], L[3], NoneTape])
assert_type(y.permute(0, 2, 1, 3), Tensor[L[2], L[4], L[3], L[5], NoneTape])
assert_type(y.trace().permute(3, 2, 1, 0), Tensor[L[5], L[4], L[3], L[2], OwnedTape])


# axes that are not literals: the fallback
def swap(a: Tensor[L[2], L[3], L[4], NoneTape], i: int) -> None:
    assert_type(a.transpose(i, 0), Any)
    assert_type(a.swapaxes(0, i), Any)
    assert_type(a.permute(i, 0, 2), Any)


swap(x, 1)

# mT: the last two axes swapped, for any rank from 2
assert_type(m.mT, Tensor[L[4], L[3], NoneTape])
assert_type(x.trace().mT, Tensor[L[2], L[4], L[3], OwnedTape])
assert_type(y.mT, Tensor[L[2], L[3], L[5], L[4], NoneTape])

# T: a 2-d tensor's axes swapped
assert_type(m.T, Tensor[L[4], L[3], NoneTape])
assert_type(m.trace().T, Tensor[L[4], L[3], OwnedTape])
assert_type(m.T.T, Tensor[L[3], L[4], NoneTape])
