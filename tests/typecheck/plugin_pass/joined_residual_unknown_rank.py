"""A residual whose main path has sizes no checker follows (a ``Sequential(*layers)`` built
from a list) and whose shortcut is joined from two paths (``skip = inp`` or
``self.skip(inp)``, the projection built only where the channels or the stride change):
the sum is the projection's path, so it is returned as the declared type, and the block's
call keeps its sizes. Written as Xception's and torchvision's blocks write it."""

# rules: binary, nn

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Module, ReLU, Sequential

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class SeparableBlock(Module, Generic[CI, CO]):
    def __init__(self, in_filters: CI, out_filters: CO, reps: int) -> None:
        super().__init__()
        self.skip: Conv2d[CI, CO, Any] | None = None
        if out_filters != in_filters:
            self.skip = Conv2d(in_filters, out_filters, 1, bias=False)
        rep: list[Module] = [ReLU(), Conv2d(in_filters, out_filters, 3, padding=1, bias=False)]
        for _ in range(reps - 1):
            rep.append(ReLU())
            rep.append(Conv2d(out_filters, out_filters, 3, padding=1, bias=False))
        rep.append(BatchNorm2d(out_filters))
        self.rep = Sequential(*rep)

    def forward(self, inp: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, H, W, T]:
        x = self.rep(inp)
        if self.skip is not None:
            skip = self.skip(inp)
        else:
            skip = inp
        x = x + skip
        return x


class Bottleneck(Module, Generic[CI, CO]):
    def __init__(self, inplanes: CI, planes: CO, depth: int) -> None:
        super().__init__()
        layers: list[Module] = [Conv2d(inplanes, planes, 1), ReLU()]
        layers += [Conv2d(planes, planes, 3, padding=1) for _ in range(depth)]
        self.body = Sequential(*layers)
        self.downsample: Sequential[Any] | None = None
        if inplanes != planes:
            self.downsample = Sequential(Conv2d(inplanes, planes, 1), BatchNorm2d(planes))

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, H, W, T]:
        identity = x
        out = self.body(x)
        if self.downsample is not None:
            identity = self.downsample(x)
        out = out + identity
        return out.relu()


data = np.random.default_rng(0).standard_normal((2, 8, 6, 6)).astype(np.float32)
x: Tensor[L[2], L[8], L[6], L[6], NoneTape] = dx.tensor(data)
blocks: list[SeparableBlock[L[8], L[16]]] = [SeparableBlock(8, 16, reps=r) for r in (2, 3)]
for block in blocks:
    y = block(x)
    assert_type(y, Tensor[L[2], L[16], L[6], L[6], NoneTape])
    assert y.shape == (2, 16, 6, 6)
bottleneck: Bottleneck[L[8], L[8]] = Bottleneck(8, 8, depth=2)
z = bottleneck(x.trace())
assert_type(z, Tensor[L[2], L[8], L[6], L[6], OwnedTape])
assert z.shape == (2, 8, 6, 6)
