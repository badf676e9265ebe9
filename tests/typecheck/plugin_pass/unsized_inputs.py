"""A block built with literal sizes (``ConvBNReLU(3, 16, ...)``, typed ``ConvBNReLU[L[3],
L[16]]`` with the plugin) called on an input whose sizes are declared plain ``int``
(``x: Tensor[B, int, int, int, T]``, an image of channels not stated): the block takes it, as
a layer takes an ``int`` size (the runtime checks it), and gives its own sizes."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Module

B = TypeVar("B", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class ConvBNReLU(Module, Generic[CI, CO]):
    def __init__(self, in_chan: CI, out_chan: CO, ks: int = 3, stride: int = 1) -> None:
        super().__init__()
        self.conv = Conv2d(in_chan, out_chan, ks, stride=stride, padding=ks // 2, bias=False)
        self.bn = BatchNorm2d(out_chan)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, int, int, T]:
        return self.bn(self.conv(x)).relu()


class SpatialPath(Module, Generic[CO]):
    def __init__(self, out_chan: CO) -> None:
        super().__init__()
        self.conv1 = ConvBNReLU(3, 16, ks=7, stride=2)
        self.conv_out = ConvBNReLU(16, out_chan, ks=1)

    def forward(self, x: Tensor[B, int, int, int, T]) -> Tensor[B, CO, int, int, T]:
        feat = self.conv1(x)
        return self.conv_out(feat)


path = SpatialPath(8)
out = path(dx.randn(2, 3, 16, 16))
assert_type(out, Tensor[L[2], L[8], L[8], L[8], NoneTape])
print(out.shape)
