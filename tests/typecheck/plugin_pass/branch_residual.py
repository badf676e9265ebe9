"""torchvision's inverted residual (MobileNetV2, EfficientNet's MBConv): the shortcut is
added only ``if self.use_res_connect``, set from ``stride == 1 and in_channels ==
out_channels``. In a branch of an ``if``, two different size TypeVars (``CO`` and ``CI``) may
be equal by the branch's condition, which no checker reads: they broadcast there."""

# rules: binary, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Module, Sequential

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class InvertedResidual(Module, Generic[CI, CO]):
    def __init__(self, in_channels: CI, out_channels: CO, stride: int) -> None:
        super().__init__()
        self.use_res_connect = stride == 1 and in_channels == out_channels
        self.block = Sequential(
            Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
            BatchNorm2d(out_channels),
        )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, int, int, T]:
        result = self.block(x)
        if self.use_res_connect:
            result = result + x
        return result


same: InvertedResidual[L[4], L[4]] = InvertedResidual(4, 4, stride=1)
down: InvertedResidual[L[4], L[8]] = InvertedResidual(4, 8, stride=2)
images: Tensor[L[2], L[4], L[6], L[6], NoneTape] = dx.randn(2, 4, 6, 6)
assert_type(same(images), Tensor[L[2], L[4], L[6], L[6], NoneTape])
assert_type(down(images), Tensor[L[2], L[8], L[3], L[3], NoneTape])
assert same(images).shape == (2, 4, 6, 6) and down(images).shape == (2, 8, 3, 3)
