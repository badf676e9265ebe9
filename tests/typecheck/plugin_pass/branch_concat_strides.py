"""A Res2Net-style block: the input split into scales, each convolved with the block's
stride, and the last scale concatenated as it is in the ``normal`` branch (built only with
stride 1) or pooled with the stride in the ``stage`` branch. Which branch runs, and so that
the stride is 1 where the unpooled scale is concatenated, no checker reads: in a branch of an
``if``, maps that differ only by a stride that is an ``int`` argument are concatenated as an
op on them there is."""

# rules: movement, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import AvgPool2d, BatchNorm2d, Conv2d, Module, ModuleList

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class ScaleBlock(Module, Generic[C]):
    def __init__(self, width: C, scales: int, stride: int, stype: str) -> None:
        super().__init__()
        self.stype = stype
        self.nums = scales - 1
        self.convs = ModuleList(
            [Conv2d(width, width, 3, stride=stride, padding=1) for _ in range(self.nums)]
        )
        self.bns = ModuleList([BatchNorm2d(width) for _ in range(self.nums)])
        self.pool = AvgPool2d(3, stride=stride, padding=1)

    def forward(
        self, x: Tensor[N, C, H, W, T], last: Tensor[N, C, H, W, T]
    ) -> Tensor[N, Dyn, Dyn, Dyn, T]:
        out = self.bns[0](self.convs[0](x)).relu()
        if self.stype == "normal":
            out = dx.cat([out, last], axis=1)
        else:
            out = dx.cat([out, self.pool(last)], axis=1)
        return out


data = np.random.default_rng(0).standard_normal((2, 4, 6, 6)).astype(np.float32)
parts = [dx.tensor(data) for _ in range(4)]
normal: ScaleBlock[L[4]] = ScaleBlock(4, scales=4, stride=1, stype="normal")
stage: ScaleBlock[L[4]] = ScaleBlock(4, scales=4, stride=2, stype="stage")
first: Tensor[L[2], L[4], L[6], L[6], NoneTape] = parts[0]
merged = normal(first, first)
assert_type(merged, Tensor[L[2], L[8], L[6], L[6], NoneTape])
assert merged.shape == (2, 8, 6, 6)
assert stage(parts[0], parts[1]).shape == (2, 8, 3, 3)
