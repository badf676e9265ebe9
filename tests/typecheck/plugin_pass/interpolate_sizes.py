"""dx.interpolate and Upsample with the plugin: resized to ``size`` (one int or a pair, larger
or smaller) the spatial sizes are the given ones, by ``scale_factor`` each is multiplied; a
decoder that brings a coarse feature map back to its skip connection's size before
concatenating (FPN, U-Net, DeepLab), and a segmentation head resized to the image."""

# rules: conv, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Module, Upsample

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x = dx.randn(2, 3, 8, 8)
assert_type(dx.interpolate(x, size=(16, 12)), Tensor[L[2], L[3], L[16], L[12], NoneTape])
assert_type(dx.interpolate(x, 5, mode="bilinear"), Tensor[L[2], L[3], L[5], L[5], NoneTape])
assert_type(
    dx.interpolate(x.trace(), size=(4, 4), mode="bilinear", align_corners=True),
    Tensor[L[2], L[3], L[4], L[4], OwnedTape],
)
assert_type(dx.interpolate(x, scale_factor=2), Tensor[L[2], L[3], L[16], L[16], NoneTape])
assert_type(Upsample(size=(32, 24))(x), Tensor[L[2], L[3], L[32], L[24], NoneTape])
assert_type(Upsample(scale_factor=(2, 3))(x), Tensor[L[2], L[3], L[16], L[24], NoneTape])
assert_type(Upsample(2, mode="bilinear")(x), Tensor[L[2], L[3], L[16], L[16], NoneTape])


def fuse(coarse: Tensor[B, C, L[4], L[4], T], skip: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
    """A top-down path: the coarse map resized to the skip's size and added."""
    up = dx.interpolate(coarse, size=(skip.shape[2], skip.shape[3]), mode="bilinear")
    return up + skip


class SegHead(Module, Generic[C]):
    def __init__(self, channels: C, classes: int) -> None:
        super().__init__()
        self.classify = Conv2d(channels, classes, 1)
        self.resize = Upsample(size=(64, 64), mode="bilinear")

    def forward(self, h: Tensor[B, C, L[16], L[16], T]) -> Tensor[B, int, L[64], L[64], T]:
        return self.resize(self.classify(h))


assert_type(
    fuse(dx.randn(2, 8, 4, 4), dx.randn(2, 8, 16, 16)), Tensor[L[2], L[8], L[16], L[16], NoneTape]
)
assert SegHead(8, 5)(dx.randn(1, 8, 16, 16)).shape == (1, 5, 64, 64)
