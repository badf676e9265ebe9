"""An identity shortcut taken where the widths agree is accepted in the ``if``'s branch (its
sum's channels are unknown there), in either order under the plugin; pyright keeps the left
operand's sizes. Outside such a branch, or with a projection of the wrong width, the sum is
reported."""

# rules: binary, nn

from typing import Any, Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Module

N = TypeVar("N", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class PreActBlock(Module, Generic[CI, CO]):
    def __init__(self, in_planes: CI, out_planes: CO) -> None:
        super().__init__()
        self.bn1 = BatchNorm2d(in_planes)
        self.conv1 = Conv2d(in_planes, out_planes, 3, padding=1, bias=False)
        self.shortcut: Conv2d[CI, CO, Any] | None = None
        if in_planes != out_planes:
            self.shortcut = Conv2d(in_planes, out_planes, 1, bias=False)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, H, W, T]:
        o = dx.relu(self.bn1(x))
        out = self.conv1(o)
        if self.shortcut is None:
            return x + out  # E: pyright[reportReturnType]
        return self.shortcut(o) + out


class Unconditional(Module, Generic[CI, CO]):
    def __init__(self, in_planes: CI, out_planes: CO) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_planes, out_planes, 3, padding=1)  # E: mypy[dfdx-shape "self.conv1 "
        #     "is built here; called at line 47: add: shapes do not broadcast: Tensor[N, CI, H, W] "
        #     "and Tensor[N, CO, H, W] (axis -3: CI != CO)"]

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, H, W, T]:
        out = self.conv1(x)  # E: mypy[dfdx-shape "out is assigned here; used at line 50: add: shap"
        #     "es do not broadcast: Tensor[N, CI, H, W] and Tensor[N, CO, H, W] (axis -3: CI != CO)"
        #     ""]
        return x + out  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[N, CI, H, W] and"
        #     " Tensor[N, CO, H, W] (axis -3: CI != CO)"] pyright[reportReturnType]
