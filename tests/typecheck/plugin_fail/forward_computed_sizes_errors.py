"""Computed sizes in a user module's ``forward`` signature, worked out at the call and checked
in the body: a dense layer's ``CI+G`` channels given to a transition built for ``CI``; a
transition without its pool returns ``H`` where ``H//2`` is declared; a concatenation of
the wrong tensors returns ``2*CI`` where ``CI+G`` is declared."""

# rules: nn

from typing import Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Module

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
G = TypeVar("G", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class DenseLayer(Module, Generic[CI, G]):
    def __init__(self, ci: CI, g: G) -> None:
        super().__init__()
        self.conv = Conv2d(ci, g, 3, padding=1)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, Expr[L["CI+G"]], H, W, T]:
        return dx.cat([x, self.conv(x)], axis=1)


class Transition(Module, Generic[CI, CO]):
    def __init__(self, ci: CI, co: CO) -> None:
        super().__init__()
        self.conv = Conv2d(ci, co, 1)

    def forward(
        self, x: Tensor[N, CI, H, W, T]
    ) -> Tensor[N, CO, Expr[L["H//2"]], Expr[L["W//2"]], T]:
        return dx.avg_pool2d(self.conv(x), 2)


class NoPool(Module, Generic[CI, CO]):
    def __init__(self, ci: CI, co: CO) -> None:
        super().__init__()
        self.conv = Conv2d(ci, co, 1)  # E: mypy[dfdx-shape "self.conv is built here with stride=1"
        #     " (stride=2 gives the size wanted); its output reaches line 54: Conv2d: gives Tensor"
        #     "[N, CO, H, W], the return type is Tensor[N, CO, H//2, W//2] (H != H//2)"]

    def forward(
        self, x: Tensor[N, CI, H, W, T]
    ) -> Tensor[N, CO, Expr[L["H//2"]], Expr[L["W//2"]], T]:
        return self.conv(x)  # E: mypy[dfdx-shape "Conv2d: gives Tensor[N, CO, H, W], the "
        #     "return type is Tensor[N, CO, H//2, W//2] (H != H//2)"]


class SelfCat(Module, Generic[CI, G]):
    def __init__(self, ci: CI, g: G) -> None:
        super().__init__()

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, Expr[L["CI+G"]], H, W, T]:
        return dx.cat([x, x], axis=1)  # E: mypy[dfdx-shape "concat: gives Tensor[N, 2*CI, H, W], "
        #     "the return type is Tensor[N, CI+G, H, W] (2*CI != CI+G)"]


dense: DenseLayer[L[8], L[4]] = DenseLayer(8, 4)
trans: Transition[L[8], L[4]] = Transition(8, 4)  # E: mypy[dfdx-shape "trans is built here; "
#     "called at line 71: Transition[8, 4]: x takes Tensor[N, 8, H, W], got Tensor[2, 12, 8, "
#     "8] (12 != 8)"]
y = trans(dense(dx.randn(2, 8, 8, 8)))  # E: mypy[dfdx-shape "Transition[8, 4]: x takes "
#     "Tensor[N, 8, H, W], got Tensor[2, 12, 8, 8] (12 != 8)"]
