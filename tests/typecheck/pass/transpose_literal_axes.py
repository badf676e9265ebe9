"""transpose and permute with literal axes keep exact sizes in the plain signatures (pyright
without the plugin): a transpose of two of the first four axes (or the last two) for any
rank, a permute of a tensor of rank 2 to 4, and ``mT``. Other axes fall back to an unknown
shape."""

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

assert_type(m.permute(1, 0), Tensor[L[4], L[3], NoneTape])
assert_type(x.permute(2, 0, 1), Tensor[L[4], L[2], L[3], NoneTape])
assert_type(dx.permute(x, 0, 2, 1), Tensor[L[2], L[4], L[3], NoneTape])
assert_type(y.permute(0, 2, 1, 3), Tensor[L[2], L[4], L[3], L[5], NoneTape])
assert_type(y.trace().permute(3, 2, 1, 0), Tensor[L[5], L[4], L[3], L[2], OwnedTape])


# axes that are not literals: the fallback
def swap(a: Tensor[L[2], L[3], L[4], NoneTape], i: int) -> None:
    assert_type(a.transpose(i, 0), Any)
    assert_type(a.permute(i, 0, 2), Any)


swap(x, 1)

# mT: the last two axes swapped, for any rank from 2
assert_type(m.mT, Tensor[L[4], L[3], NoneTape])
assert_type(x.trace().mT, Tensor[L[2], L[4], L[3], OwnedTape])
assert_type(y.mT, Tensor[L[2], L[3], L[5], L[4], NoneTape])
