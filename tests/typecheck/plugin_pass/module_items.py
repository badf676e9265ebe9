"""Modules built for the declared type they are stored in (plugin_fail/
module_items_errors.py): blocks appended to a list declared of their sizes, built in a list
comprehension or a ``ModuleList`` assigned to a declared field, a constructor over several
lines, a list of layers declared ``int`` where sizes are computed."""

# rules: nn

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module, ModuleList

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Block(Module, Generic[CI, CO]):
    def __init__(self, in_planes: CI, out_planes: CO, stride: int) -> None:
        super().__init__()
        self.conv = Conv2d(in_planes, out_planes, 3, stride=stride, padding=1)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, int, int, T]:
        return self.conv(x)


class Stage(Module, Generic[CI, CO]):
    def __init__(self, in_planes: CI, out_planes: CO, depth: int) -> None:
        super().__init__()
        self.first: Block[CI, CO] = Block(
            in_planes,
            out_planes,
            2,
        )
        layers: list[Block[CO, CO]] = []
        for _ in range(depth):
            layers.append(Block(out_planes, out_planes, 1))
        self.rest = ModuleList(layers)
        self.extra: list[Block[CO, CO]] = [Block(out_planes, out_planes, 1) for _ in range(depth)]

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        h = self.first(x)
        for block in self.rest:
            h = block(h)
        return h


class Head(Module, Generic[CI, CO]):
    def __init__(self, width: CI, classes: CO, depth: int) -> None:
        super().__init__()
        self.hidden: list[Linear[CI, CI]] = []
        for _ in range(depth):
            self.hidden.append(Linear(width, width))
        self.stack: ModuleList[Linear[CI, CI]] = ModuleList(
            [Linear(width, width) for _ in range(depth)]
        )
        self.wide: list[Linear[CI, int]] = [Linear(width, 2 * width)]
        self.out: Linear[CI, CO] = Linear(
            width,
            classes,
        )

    def forward(self, x: Tensor[N, CI, T]) -> Tensor[N, CO, T]:
        for layer in self.stack:
            x = layer(x)
        return self.out(x)


stage = Stage(3, 8, 2)
assert_type(stage.first, Block[L[3], L[8]])
y = stage(dx.randn(2, 3, 8, 8))
head = Head(8, 4, 2)
assert_type(head(dx.randn(2, 8)), Tensor[L[2], L[4], NoneTape])
