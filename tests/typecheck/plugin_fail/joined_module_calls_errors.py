"""A user's module called in a loop that grows its input (``x`` joined from each pass's map
sizes) is taken once per path, but a size another argument binds to one a path certainly
does not have is still reported: a mask built once for the 8x8 map, given to every pass."""

# rules: nn, creation, binary

from typing import Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Module, ModuleList, Upsample

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class MaskedBlock(Module, Generic[C]):
    def __init__(self, channels: C) -> None:
        super().__init__()
        self.conv = Conv2d(channels, channels, 3, padding=1)

    def forward(
        self, x: Tensor[B, C, H, W, T], mask: Tensor[B, L[1], H, W, NoneTape]
    ) -> Tensor[B, C, H, W, T]:
        return dx.relu(self.conv(x)) * mask


class Refiner(Module):
    def __init__(self, channels: int = 8, stages: int = 2) -> None:
        super().__init__()
        self.stages = ModuleList([MaskedBlock(channels) for _ in range(stages)])
        self.up = Upsample(scale_factor=2)

    def forward(self, x: Tensor[L[2], int, L[4], L[4], T]) -> Tensor[L[2], int, int, int, T]:
        mask = dx.ones(2, 1, 8, 8)
        for stage in self.stages:
            x = stage(self.up(x), mask)  # E: mypy[
            #     dfdx-shape "stage: x and mask give H two sizes: x is Tensor[2, Dyn, 16, 16] on "
            #     "one of the paths it is joined from (axis 2: 16), mask is Tensor[2, 1, 8, 8] (a"
            #     "xis 2: 8) (16 != 8)",
            #     dfdx-shape "stage: x and mask give W two sizes: x is Tensor[2, Dyn, 16, 16] on "
            #     "one of the paths it is joined from (axis 3: 16), mask is Tensor[2, 1, 8, 8] (a"
            #     "xis 3: 8) (16 != 8)"]
        return x
