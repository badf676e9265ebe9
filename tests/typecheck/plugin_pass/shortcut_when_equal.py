"""A residual that only exists where the widths agree: Wide-ResNet's and YOLO's blocks add the
input to the output when no projection shortcut was built (``if self.shortcut is None: return
x + out``), which is only where ``CI == CO``. In the ``if``'s branch the sum's channel axis is
one of two sizes the condition holds equal, so it is unknown (``Dyn``), and the ``return`` fits
the declared ``CO`` whichever operand comes first (pyright keeps the left operand's sizes:
``out + x`` is the order both checkers take)."""

# rules: binary, nn

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Linear, Module, ModuleList

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
        self.bn2 = BatchNorm2d(out_planes)
        self.conv2 = Conv2d(out_planes, out_planes, 3, padding=1, bias=False)
        self.shortcut: Conv2d[CI, CO, Any] | None = None
        if in_planes != out_planes:
            self.shortcut = Conv2d(in_planes, out_planes, 1, bias=False)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, H, W, T]:
        o = dx.relu(self.bn1(x))
        out = self.conv1(o)
        out = self.conv2(dx.relu(self.bn2(out)))
        if self.shortcut is None:
            return out + x
        return self.shortcut(o) + out

    __call__ = forward


class Bottleneck(Module, Generic[CI, CO]):
    """YOLO's bottleneck: the input is added only where asked and the widths agree."""

    def __init__(self, c1: CI, c2: CO, shortcut: bool = True) -> None:
        super().__init__()
        self.cv1 = Conv2d(c1, c2, 1)
        self.cv2 = Conv2d(c2, c2, 3, padding=1)
        self.add = shortcut and c1 == c2

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, H, W, T]:
        y = self.cv2(dx.silu(self.cv1(x)))
        if self.add:
            y = y + x
        return y

    __call__ = forward


class Group(Module, Generic[CI, CO]):
    def __init__(self, n: int, in_planes: CI, out_planes: CO) -> None:
        super().__init__()
        self.first = PreActBlock(in_planes, out_planes)
        self.rest = ModuleList([PreActBlock(out_planes, out_planes) for _ in range(n - 1)])

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, H, W, T]:
        out = self.first(x)
        for block in self.rest:
            out = block(out)
        return out

    __call__ = forward


group: Group[L[4], L[8]] = Group(2, 4, 8)
same: Bottleneck[L[8], L[8]] = Bottleneck(8, 8)
head = Linear(8, 10)
images = dx.tensor(np.random.default_rng(0).standard_normal((2, 4, 6, 6)).astype(np.float32))
x: Tensor[Dyn, L[4], Dyn, Dyn, NoneTape] = images
features = same(group(x))
assert_type(features, Tensor[Dyn, L[8], Dyn, Dyn, NoneTape])
logits = head(features.mean(axis=(2, 3)))
assert logits.shape == (2, 10)
