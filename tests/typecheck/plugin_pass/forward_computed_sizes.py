"""Computed sizes in a user module's ``forward`` signature (``-> Tensor[N, Expr[L["CI+G"]],
H, W, T]``, ``Expr[L["H//2"]]``) are worked out where the module is called, with the
module's sizes and those its tensor arguments bind: a dense layer's output feeds a
transition built for its channel count, a pooled map has half the caller's height whatever
the caller calls it, and a block built from the enclosing module's sizes keeps them."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Module

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
S = TypeVar("S", bound=int)
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


class Stage(Module, Generic[CI, G]):
    """A transition then a dense layer, built from the stage's own sizes."""

    def __init__(self, ci: CI, g: G) -> None:
        super().__init__()
        self.down: Transition[CI, CI] = Transition(ci, ci)
        self.dense: DenseLayer[CI, G] = DenseLayer(ci, g)

    def forward(
        self, x: Tensor[N, CI, H, W, T]
    ) -> Tensor[N, Expr[L["CI+G"]], Expr[L["H//2"]], Expr[L["W//2"]], T]:
        pooled = self.down(x)
        assert_type(pooled, Tensor[N, CI, Expr[L["H//2"]], Expr[L["W//2"]], T])
        return self.dense(pooled)


def pooled_twice(x: Tensor[N, L[8], S, S, T], t: Transition[L[8], L[8]]) -> None:
    once = t(x)
    assert_type(once, Tensor[N, L[8], Expr[L["S//2"]], Expr[L["S//2"]], T])
    assert_type(t(once), Tensor[N, L[8], Expr[L["S//4"]], Expr[L["S//4"]], T])


dense: DenseLayer[L[8], L[4]] = DenseLayer(8, 4)
trans: Transition[L[12], L[6]] = Transition(12, 6)
y = dense(dx.randn(2, 8, 8, 8))
assert_type(y, Tensor[L[2], L[12], L[8], L[8], NoneTape])
assert_type(trans(dx.randn(2, 12, 8, 8).trace()), Tensor[L[2], L[6], L[4], L[4], OwnedTape])
stage: Stage[L[8], L[4]] = Stage(8, 4)
assert_type(stage(dx.randn(2, 8, 6, 6)), Tensor[L[2], L[12], L[3], L[3], NoneTape])
pooled_twice(dx.randn(2, 8, 8, 8), Transition(8, 8))
