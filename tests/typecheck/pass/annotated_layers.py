"""A literal-sized layer keeps its sizes when annotated, without the plugin: a ``Linear``
maps the last size exactly, a ``Conv2d`` the channels (its spatial sizes need the plugin)."""

from typing import Any, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear

lin: Linear[L[4], L[8]] = Linear(4, 8)
x: Tensor[L[2], L[4], NoneTape] = dx.zeros(2, 4)
assert_type(lin(x), Tensor[L[2], L[8], NoneTape])
assert_type(lin(x.trace()), Tensor[L[2], L[8], OwnedTape])

conv: Conv2d[L[1], L[8], Any] = Conv2d(1, 8, 3)
img: Tensor[L[2], L[1], L[28], L[28], NoneTape] = dx.zeros(2, 1, 28, 28)
y = conv(img)
assert y.shape == (2, 8, 26, 26)
