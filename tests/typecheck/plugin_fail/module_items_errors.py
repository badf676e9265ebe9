"""Modules built with sizes that conflict with the declared type they are stored in: a
user's block or a layer appended to a list declared of other sizes, built in a list
comprehension or a ``ModuleList`` assigned to a declared field, a field declared with the
module's sizes built with them swapped over several lines. Each is reported on the line of
the size argument at fault, naming the module, the argument and both sizes (mypy alone says
``arg-type`` or ``assignment``)."""

# rules: nn

from typing import Any, Generic, TypeVar

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
            out_planes,  # E: mypy[dfdx-shape "Block: in_planes is CO, self.first's declared type "
            #     "is Block[CI, CO] (CO != CI)"]
            out_planes,
            2,
        )
        layers: list[Block[CO, CO]] = []
        for _ in range(depth):
            layers.append(Block(in_planes, out_planes, 1))  # E: mypy[dfdx-shape "Block: in_planes"
            #     " is CI, an item of layers is Block[CO, CO] (CI != CO)"]
        self.rest = ModuleList(layers)
        self.extra: list[Block[CO, CO]] = [
            Block(out_planes, in_planes, 1)  # E: mypy[dfdx-shape "Block: out_planes is CI, an ite"
            #     "m of self.extra is Block[CO, CO] (CI != CO)"]
            for _ in range(depth)
        ]

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
            self.hidden.append(Linear(width, classes))  # E: mypy[dfdx-shape "Linear[CI, CO] is bu"
            #     "ilt where an item of self.hidden is Linear[CI, CI] (CO != CI)"]
        self.stack: ModuleList[Linear[CI, CI]] = ModuleList(
            [Linear(classes, width) for _ in range(depth)]  # E: mypy[dfdx-shape "Linear[CO, CI] i"
            #     "s built where an item of self.stack is Linear[CI, CI] (CO != CI)"]
        )
        self.out: Linear[CI, CO] = Linear(
            width,
            width,  # E: mypy[dfdx-shape "Linear[CI, CI] is built where self.out's declared type i"
            #     "s Linear[CI, CO] (CI != CO)"]
        )
