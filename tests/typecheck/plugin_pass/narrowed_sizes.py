"""A size parameter that mypy narrows to another size TypeVar after ``==`` (RepVGG's
identity branch, built only ``if out_channels == in_channels and stride == 1``): a layer
built from it has the size the parameter is declared with, the one its field is declared
with, not the narrowed one (the two are equal there)."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Module, ReLU, Sequential

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class RepBlock(Module, Generic[CI, CO]):
    def __init__(self, in_channels: CI, out_channels: CO, stride: int = 1) -> None:
        super().__init__()
        self.act = ReLU()
        self.identity: BatchNorm2d[CI] | None = None
        if out_channels == in_channels and stride == 1:
            self.identity = BatchNorm2d(in_channels)
        self.dense = Sequential(
            Conv2d(in_channels, out_channels, 3, padding=1, bias=False), BatchNorm2d(out_channels)
        )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, H, W, T]:
        out = self.dense(x)
        assert_type(out, Tensor[N, CO, H, W, T])
        return self.act(out)


block: RepBlock[L[8], L[8]] = RepBlock(8, 8)
y = block(dx.randn(2, 8, 5, 5))
assert_type(y, Tensor[L[2], L[8], L[5], L[5], NoneTape])
assert block.identity is not None and y.shape == (2, 8, 5, 5)
