"""The plain signatures of the functional convolutions: the rank, the batch and (for
``conv1d``/``conv2d``) the output channels from the weight's first size, whichever of the
input, the weight and the bias is traced (a traced weight on an untraced batch is the usual
case: a module's parameter). Spatial sizes are ``Dyn``; the plugin computes them
(plugin_pass/conv_functional.py). A weight of ``Dyn`` sizes gives ``Any`` (its sizes could
match another rank's overload): declare a functional layer's weight to keep the types.
Plain-only: the plugin's types are exact.
"""

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Module

B = TypeVar("B", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class MaskedConv(Module, Generic[CI, CO]):
    def __init__(self, ci: CI, co: CO) -> None:
        super().__init__()
        self.weight: Tensor[CO, CI, L[3], L[3], OwnedTape] = dx.randn(co, ci, 3, 3).trace()
        self.bias: Tensor[CO, OwnedTape] = dx.zeros(co).trace()
        self.mask: Tensor[CO, CI, L[3], L[3], NoneTape] = dx.ones(co, ci, 3, 3)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, Any, Any, OwnedTape]:
        y = dx.conv2d(x, self.weight * self.mask, self.bias, padding=1)
        assert_type(y, Tensor[B, CO, Any, Any, OwnedTape])
        return y


untraced: Tensor[L[2], L[3], L[8], L[8], NoneTape] = dx.randn(2, 3, 8, 8)
traced = untraced.trace()
weight: Tensor[L[4], L[3], L[3], L[3], NoneTape] = dx.randn(4, 3, 3, 3)
bias: Tensor[L[4], NoneTape] = dx.zeros(4)
assert_type(dx.conv2d(untraced, weight, bias), Tensor[L[2], L[4], Any, Any, NoneTape])
assert_type(dx.conv2d(traced, weight, bias), Tensor[L[2], L[4], Any, Any, OwnedTape])
assert_type(dx.conv2d(untraced, weight.trace()), Tensor[L[2], L[4], Any, Any, OwnedTape])
assert_type(dx.conv2d(untraced, weight, bias.trace()), Tensor[L[2], L[4], Any, Any, OwnedTape])
line: Tensor[L[2], L[3], L[16], NoneTape] = dx.randn(2, 3, 16)
kernel: Tensor[L[5], L[3], L[3], OwnedTape] = dx.randn(5, 3, 3).trace()
assert_type(dx.conv1d(line, kernel, padding=1), Tensor[L[2], L[5], Any, OwnedTape])
up: Tensor[L[3], L[6], L[2], L[2], OwnedTape] = dx.randn(3, 6, 2, 2).trace()
assert_type(dx.conv_transpose2d(untraced, up, stride=2), Tensor[L[2], Any, Any, Any, OwnedTape])
masked: MaskedConv[L[3], L[4]] = MaskedConv(3, 4)
assert masked(untraced).shape == (2, 4, 8, 8)
assert dx.conv_transpose2d(untraced, up, stride=2).shape == (2, 6, 16, 16)
