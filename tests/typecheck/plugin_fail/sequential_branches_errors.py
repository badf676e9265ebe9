"""A ``Sequential`` field declared ``Sequential[Any]`` and built in both branches of an ``if``
(``plugin_pass/sequential_branches.py``): each branch's chain is checked where it is built,
so a 1x1 convolution after the residual blocks built for twice the channels is reported on
the lines of both layers."""

# rules: nn

from typing import Any, Generic, TypeVar

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Residual(Module, Generic[C]):
    def __init__(self, channels: C) -> None:
        super().__init__()
        self.conv = Conv2d(channels, channels, 3, padding=1)
        self.bn = BatchNorm2d(channels)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        return x + self.bn(self.conv(x)).relu()


class Stage(Module, Generic[C]):
    def __init__(self, channels: C, n: int) -> None:
        super().__init__()
        self.blocks: Sequential[Any]
        if n == 1:
            self.blocks = Sequential(Conv2d(channels, channels, 3, padding=1), ReLU())
        else:
            self.blocks = Sequential(
                Residual(channels),
                Residual(channels),  # E: mypy[dfdx-shape "Sequential: layer 3 (Conv2d[2*C, C"
                #     "]) takes 2*C channels, layer 2 gives C"]
                Conv2d(2 * channels, channels, 1),  # E: mypy[dfdx-shape "Sequential: layer 3 (C"
                #     "onv2d[2*C, C]) takes 2*C channels, layer 2 gives C"]
            )

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        return self.blocks(x)
