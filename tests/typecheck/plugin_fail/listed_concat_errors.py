"""Concatenations of a list held in a name whose tensors do not fit: a branch at another
resolution (a pooling branch built with stride 2), features appended in a counted loop at
another resolution (reported at the ``append`` too), ``[x] + embs`` with embeddings of
another width, a list of branches whose channels do not add up to the declared result. The
list is read where it was made, so the concatenation is checked as for a list written out."""

# rules: movement

from typing import Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import Dyn, Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Module, ModuleList

N = TypeVar("N", bound=int)
B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
E = TypeVar("E", bound=int)
C = TypeVar("C", bound=int)
C1 = TypeVar("C1", bound=int)
C3 = TypeVar("C3", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class InceptionBlock(Module, Generic[C, C1, C3]):
    def __init__(self, in_channels: C, ch1x1: C1, ch3x3: C3) -> None:
        super().__init__()
        self.branch1 = Conv2d(in_channels, ch1x1, 1)
        self.branch2 = Conv2d(in_channels, ch3x3, 3, padding=1)
        self.branch3 = Conv2d(in_channels, ch3x3, 3, stride=2, padding=1)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, Dyn, H, W, T]:
        branch1 = self.branch1(x)
        branch2 = self.branch2(x)
        branch3 = self.branch3(x)  # E: mypy[dfdx-shape "branch3 is assigned here; used at line 45"
        #     ": concat: sizes differ on axis 2: Tensor[N, C1, H, W] and Tensor[N, C3, (H+1)//2, ("
        #     "W+1)//2] (H != (H+1)//2)"]
        outputs = [branch1, branch2, branch3]  # E: mypy[dfdx-shape "outputs is assigned here; use"
        #     "d at line 45: concat: sizes differ on axis 2: Tensor[N, C1, H, W] and Tensor[N, C3,"
        #     " (H+1)//2, (W+1)//2] (H != (H+1)//2)"]
        return dx.cat(outputs, axis=1)  # E: mypy[dfdx-shape "concat: sizes differ on axis 2: Tens"
        #     "or[N, C1, H, W] and Tensor[N, C3, (H+1)//2, (W+1)//2] (H != (H+1)//2)"]

    def widths(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, Expr[L["C1+C3"]], H, W, T]:
        outputs = [self.branch1(x), self.branch2(x), self.branch2(x)]
        return dx.cat(outputs, axis=1)  # E: mypy[dfdx-shape "concat: gives Tensor[N, C1+2*C3, H, "
        #     "W], the return type is Tensor[N, C1+C3, H, W] (C1+2*C3 != C1+C3)"]


class DenseBlock(Module, Generic[C]):
    def __init__(self, in_channels: C) -> None:
        super().__init__()
        self.layers = ModuleList([Conv2d(in_channels, in_channels, 3, stride=2) for _ in range(2)])

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, Dyn, H, W, T]:
        features: list[Tensor[N, C, Dyn, Dyn, T]] = [x]  # E: mypy[dfdx-shape "features is assigne"
        #     "d here; used at line 67: concat: sizes differ on axis 2: Tensor[N, C, H, W] and Ten"
        #     "sor[N, C, (H+1)//2-1, (W+1)//2-1] (H != (H+1)//2-1)"]
        for layer in self.layers:
            features.append(layer(x))  # E: mypy[dfdx-shape "put in the list here; used at line "
            #     "67: concat: sizes differ on axis 2: Tensor[N, C, H, W] and Tensor[N, C, "
            #     "(H+1)//2-1, (W+1)//2-1] (H != (H+1)//2-1)"]
        return dx.cat(features, axis=1)  # E: mypy[dfdx-shape "concat: sizes differ on axis 2: Ten"
        #     "sor[N, C, H, W] and Tensor[N, C, (H+1)//2-1, (W+1)//2-1] (H != (H+1)//2-1)"]


def prefixed(x: Tensor[B, S, D, T], embs: list[Tensor[B, L[1], E, T]]) -> Tensor[B, Dyn, D, T]:
    feats = [x] + embs  # noqa: RUF005  # E: mypy[dfdx-shape "feats is assigned here; used at line"
    #     " 74: concat: sizes differ on axis 2: Tensor[B, S, D] and Tensor[B, 1, E] (D != E)"]
    return dx.cat(feats, axis=1)  # E: mypy[dfdx-shape "concat: sizes differ on axis 2: Tensor[B, "
    #     "S, D] and Tensor[B, 1, E] (D != E)"]
