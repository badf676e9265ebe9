"""``dx.nn.init`` functions return the tensor they were given, with its type; a module's
optional bias is initialised once narrowed."""

from typing import Literal as L
from typing import assert_type

import numpy as np

import dfdx as dx
from dfdx import NoneTape, Tensor
from dfdx.nn import Linear, Module, init

w: Tensor[L[8], L[4], NoneTape] = dx.zeros(8, 4)
assert_type(init.kaiming_uniform_(w, a=0.1, mode="fan_out"), Tensor[L[8], L[4], NoneTape])
assert_type(init.orthogonal_(w, rng=np.random.default_rng(0)), Tensor[L[8], L[4], NoneTape])
assert_type(init.trunc_normal_(w, std=0.02), Tensor[L[8], L[4], NoneTape])
assert_type(init.calculate_gain("relu"), float)
assert_type(init._calculate_fan_in_and_fan_out(w), tuple[int, int])


def reset(m: Module) -> None:
    if isinstance(m, Linear):
        init.xavier_normal_(m.weight)
        if m.bias is not None:
            init.constant_(m.bias, 0.1)


fc: Linear[L[4], L[2]] = Linear(4, 2)
assert_type(fc.apply(reset), Linear[L[4], L[2]])
