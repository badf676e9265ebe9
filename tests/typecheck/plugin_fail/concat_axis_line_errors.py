"""A concatenation written over several lines whose ``axis=`` is the mistake: the tensors
differ on one axis only, where joining them would fit, so the error is also reported on the
line of the ``axis`` argument (the line to edit), as a fire module's expand branches
concatenated on the width, or a multi-scale feature list joined on the batch axis."""

# rules: movement, nn

from typing import Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
S = TypeVar("S", bound=int)
CI = TypeVar("CI", bound=int)
E1 = TypeVar("E1", bound=int)
E3 = TypeVar("E3", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Fire(Module, Generic[CI, E1, E3]):
    def __init__(self, inplanes: CI, expand1x1: E1, expand3x3: E3) -> None:
        super().__init__()
        self.expand1x1 = Conv2d(inplanes, expand1x1, kernel_size=1)
        self.expand3x3 = Conv2d(inplanes, expand3x3, kernel_size=3, padding=1)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, Expr[L["E1+E3"]], H, W, T]:
        return dx.cat(  # E: mypy[dfdx-shape "concat: sizes differ on axis 1: Tensor[N, E1, H, W] a"
            #     "nd Tensor[N, E3, H, W] (E1 != E3)"]
            [self.expand1x1(x).relu(), self.expand3x3(x).relu()],
            axis=-1,  # E: mypy[dfdx-shape "axis=-1 given here; joined on axis 1 they fit: concat: "
            #     "sizes differ on axis 1: Tensor[N, E1, H, W] and Tensor[N, E3, H, W] (E1 != E3)"]
        )


class TwoViews(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.local = Linear(dim, 16)
        self.glob = Linear(dim, 48)

    def forward(self, x: Tensor[N, S, D, T]) -> Tensor[N, S, L[64], T]:
        feats = dx.cat(  # E: mypy[dfdx-shape "concat: sizes differ on axis 2: Tensor[N, S, 16] and"
            #     " Tensor[N, S, 48] (16 != 48)"]
            [self.local(x), self.glob(x)],
            axis=0,  # E: mypy[dfdx-shape "axis=0 given here; joined on axis 2 they fit: concat: si"
            #     "zes differ on axis 2: Tensor[N, S, 16] and Tensor[N, S, 48] (16 != 48)"]
        )
        return feats
