"""Maps appended to a list started from the input (``out = [x]``) are taken whatever their
channels, but their concatenation still checks every other axis: a branch built with a
stride gives a map of another resolution. A list whose item type is declared keeps it."""

# rules: movement, nn

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Module

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Branches(Module, Generic[C]):
    def __init__(self, in_dim: C) -> None:
        super().__init__()
        self.a = Conv2d(in_dim, 16, 1)
        self.b = Conv2d(in_dim, 8, 3, stride=2, padding=1)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, Dyn, H, W, T]:
        outs = [x]  # E: mypy[dfdx-shape "outs is assigned here; used at line 34: concat: sizes dif"
        #     "fer on axis 2: Tensor[N, C, H, W] and Tensor[N, 8, (H+1)//2, (W+1)//2] (H != (H+1)//"
        #     "2)"]
        outs.append(self.a(x))
        outs.append(self.b(x))  # E: mypy[dfdx-shape "put in the list here; used at line 34: concat"
        #     ": sizes differ on axis 2: Tensor[N, C, H, W] and Tensor[N, 8, (H+1)//2, (W+1)//2] (H"
        #     " != (H+1)//2)"]
        return dx.cat(outs, axis=1)  # E: mypy[dfdx-shape "concat: sizes differ on axis 2: Tensor[N"
        #     ", C, H, W] and Tensor[N, 8, (H+1)//2, (W+1)//2] (H != (H+1)//2)"]


def declared(x: Tensor[N, C, H, W, T]) -> list[Tensor[N, C, H, W, T]]:
    feats: list[Tensor[N, C, H, W, T]] = [x]
    feats.append(dx.cat([x, x], axis=1))  # E: mypy[arg-type]
    return feats
