"""A layer chosen by a conditional expression inside a ``Sequential`` (GhostNet's
``ReLU() if relu else Identity()``, a norm or nothing): where every choice keeps its input's
shape, the chain is folded through it, so the block's result keeps its sizes."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Identity, Module, ReLU, Sequential

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class ConvAct(Module, Generic[CI, CO]):
    def __init__(self, inp: CI, oup: CO, relu: bool = True) -> None:
        super().__init__()
        self.primary = Sequential(
            Conv2d(inp, oup, 1, bias=False),
            BatchNorm2d(oup),
            ReLU() if relu else Identity(),
        )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, H, W, T]:
        y = self.primary(x)
        assert_type(y, Tensor[N, CO, H, W, T])
        return y


block: ConvAct[L[3], L[8]] = ConvAct(3, 8, relu=False)
out = block(dx.randn(2, 3, 5, 5))
assert_type(out, Tensor[L[2], L[8], L[5], L[5], NoneTape])
assert out.shape == (2, 8, 5, 5)
