"""GroupNorm on a value the plain signatures leave untyped (under pyright, ``h + emb[:, :, None,
None]`` of a diffusion model's residual block is Any), kept in a name and given to a
convolution: the result is Any, not a tensor of a rank fixed by an empty ``*S`` that the
convolution rejects. A typed input keeps its shape."""

from typing import Any, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor
from dfdx.nn import Conv2d, GroupNorm


def untyped_batch() -> Any:
    return dx.randn(2, 8, 4, 4)


norm: GroupNorm[L[8]] = GroupNorm(4, 8)
conv = Conv2d(8, 8, 3, padding=1)
h = norm(untyped_batch())
out = conv(h)
assert out.shape == (2, 8, 4, 4)

x: Tensor[L[2], L[8], L[4], L[4], NoneTape] = dx.randn(2, 8, 4, 4)
assert_type(norm(x), Tensor[L[2], L[8], L[4], L[4], NoneTape])
seq: Tensor[L[2], L[8], L[5], NoneTape] = dx.randn(2, 8, 5)
assert_type(norm(seq), Tensor[L[2], L[8], L[5], NoneTape])
