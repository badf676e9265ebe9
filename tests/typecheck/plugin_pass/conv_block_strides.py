"""A ``ConvBNAct`` block used at stride 1 and 2 in one model, declared so that mypy with the
plugin, plain mypy and pyright are all clean (docs/modules.md, "A layer used at several
strides"): the stride is a literal type parameter of the block, and ``forward`` has one
overload per stride, on ``self``. Stride 1 keeps ``H`` and ``W`` for every checker; stride 2
is ``(H+1)//2``, the canonical spelling of ``(H - 1) // 2 + 1``, which every checker reads
from the overload and the plugin also computes for the stage that chains the two blocks."""

# rules: nn

from typing import Any, Generic, TypeVar, assert_type, overload
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Module, ReLU

CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
S = TypeVar("S", L[1], L[2])
N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class ConvBNAct(Module, Generic[CI, CO, S]):
    def __init__(self, ci: CI, co: CO, stride: S) -> None:
        super().__init__()
        self.conv: Conv2d[CI, CO, Any] = Conv2d(ci, co, 3, stride=stride, padding=1, bias=False)
        self.bn = BatchNorm2d(co)
        self.act = ReLU()

    @overload
    def forward(
        self: "ConvBNAct[CI, CO, L[1]]", x: Tensor[N, CI, H, W, T]
    ) -> Tensor[N, CO, H, W, T]: ...
    @overload
    def forward(
        self: "ConvBNAct[CI, CO, L[2]]", x: Tensor[N, CI, H, W, T]
    ) -> Tensor[N, CO, Expr[L["(H+1)//2"]], Expr[L["(W+1)//2"]], T]: ...
    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        return self.act(self.bn(self.conv(x)))


class Stage(Module, Generic[CI, CO]):
    """One downsampling block, then one that keeps the size: the usual stage of a backbone."""

    def __init__(self, ci: CI, co: CO) -> None:
        super().__init__()
        self.down: ConvBNAct[CI, CO, L[2]] = ConvBNAct(ci, co, 2)
        self.keep: ConvBNAct[CO, CO, L[1]] = ConvBNAct(co, co, 1)

    def forward(
        self, x: Tensor[N, CI, H, W, T]
    ) -> Tensor[N, CO, Expr[L["(H+1)//2"]], Expr[L["(W+1)//2"]], T]:
        h = self.down(x)
        assert_type(h, Tensor[N, CO, Expr[L["(H+1)//2"]], Expr[L["(W+1)//2"]], T])
        return self.keep(h)


C2 = TypeVar("C2", bound=int)


class Backbone(Module, Generic[CI, CO, C2]):
    """Two stages: the plugin writes ``((H+1)//2+1)//2`` as ``(H+3)//4``. Plain checkers read
    each stage's declared ``(H+1)//2`` with the stage's names, so the output is declared with
    ``Dyn`` sizes, which all three accept."""

    def __init__(self, ci: CI, co: CO, c2: C2) -> None:
        super().__init__()
        self.s1: Stage[CI, CO] = Stage(ci, co)
        self.s2: Stage[CO, C2] = Stage(co, c2)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, C2, Dyn, Dyn, T]:
        h = self.s2(self.s1(x))
        assert_type(h, Tensor[N, C2, Expr[L["(H+3)//4"]], Expr[L["(W+3)//4"]], T])  # plugin
        return h


stage: Stage[L[3], L[8]] = Stage(3, 8)
backbone: Backbone[L[3], L[8], L[16]] = Backbone(3, 8, 16)
assert backbone(dx.zeros(1, 3, 15, 15)).shape == (1, 16, 4, 4)
images: Tensor[L[2], L[3], L[15], L[15], NoneTape] = dx.tensor(
    np.random.default_rng(0).standard_normal((2, 3, 15, 15)).astype(np.float32)
)
out = stage(images)
assert_type(out, Tensor[L[2], L[8], L[8], L[8], NoneTape])  # the plugin's
traced = stage(images.trace())
assert out.shape == traced.shape == (2, 8, 8, 8)
