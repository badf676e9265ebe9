"""Concatenations of maps at two resolutions that a branch's condition cannot excuse: one
outside any branch (the strided path against the unstrided input), and one in a branch
whose maps differ by a literal stride, not by an ``int`` argument that may be 1."""

# rules: movement, nn

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, MaxPool2d, Module

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Strided(Module, Generic[C]):
    def __init__(self, width: C, stride: int) -> None:
        super().__init__()
        self.conv = Conv2d(width, width, 3, stride=stride, padding=1)  # E: mypy[dfdx-shape
        #     "self.conv is built here with stride=stride (stride=1 gives the size wanted); its out"
        #     "put reaches line 29: concat: sizes differ on axis 2: Tensor[N, C, (H-1)//stride+1, ("
        #     "W-1)//stride+1] and Tensor[N, C, H, W] ((H-1)//stride+1 != H)"]

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, Dyn, Dyn, Dyn, T]:
        return dx.cat([self.conv(x), x], axis=1)  # E: mypy[dfdx-shape "concat: sizes differ on axi"
        #     "s 2: Tensor[N, C, (H-1)//stride+1, (W-1)//stride+1] and Tensor[N, C, H, W] ((H-1)//s"
        #     "tride+1 != H)"]


class Pooled(Module, Generic[C]):
    def __init__(self, width: C, pool_last: bool) -> None:
        super().__init__()
        self.pool_last = pool_last
        self.conv = Conv2d(width, width, 3, padding=1)
        self.pool = MaxPool2d(2)  # E: mypy[dfdx-shape "self.pool is built here; its output reaches"
        #     " line 46: concat: sizes differ on axis 2: Tensor[N, C, H, W] and Tensor[N, C, H//2, "
        #     "W//2] (H != H//2)"]

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, Dyn, Dyn, Dyn, T]:
        out = self.conv(x)
        if self.pool_last:
            out = dx.cat([out, self.pool(x)], axis=1)  # E: mypy[dfdx-shape "concat: sizes differ o"
            #     "n axis 2: Tensor[N, C, H, W] and Tensor[N, C, H//2, W//2] (H != H//2)"]
        return out
