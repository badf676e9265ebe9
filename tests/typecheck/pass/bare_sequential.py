"""A helper that builds layers declared to return a bare ``Sequential``, as PyTorch ports
write it (``def conv_bn(...) -> nn.Sequential``): the layers' tuple defaults to
``tuple[Any, ...]``, so ``--strict`` reports no missing type argument."""

from typing import Any, assert_type

import dfdx as dx
from dfdx.nn import BatchNorm2d, Conv2d, Module, ReLU, Sequential


def conv_bn(inp: int, oup: int, stride: int) -> Sequential:
    return Sequential(Conv2d(inp, oup, 3, stride, 1, bias=False), BatchNorm2d(oup), ReLU())


class Stem(Module):
    def __init__(self) -> None:
        super().__init__()
        self.body: Sequential = conv_bn(3, 8, 2)


stem = Stem()
assert_type(stem.body, Sequential[tuple[Any, ...]])
print(stem.body(dx.randn(1, 3, 8, 8)).shape)
