"""Calls of the user's own functions and methods with a tensor whose size is a computed
``Expr`` equal to the parameter's where each division is exact: ShuffleNet's channels split
in halves and put back side by side (``2*(C//2)`` for ``C``), attention heads merged back
(``NH*(D//NH)`` for ``D``). The ops take these sizes as the module's own; so do the user's
calls, as a parameter with a size of the module (``self.mix(out)``) or of the function's own
(``return channel_shuffle(out, 2)``, whose ``C`` mypy would otherwise solve from the return
type first)."""

# rules: movement, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Linear, Module, ReLU, Sequential

N = TypeVar("N", bound=int)
B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
C = TypeVar("C", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
D = TypeVar("D", bound=int)
NH = TypeVar("NH", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


def channel_shuffle(x: Tensor[N, C, H, W, T], groups: int) -> Tensor[N, C, H, W, T]:
    n, c, h, w = x.shape
    y = x.view(n, groups, c // groups, h, w).transpose(1, 2)
    return y.reshape(n, c, h, w)


class DownUnit(Module, Generic[CI, CO]):
    """ShuffleNet's downsampling unit: two strided branches of ``CO // 2`` channels each."""

    def __init__(self, inp: CI, oup: CO) -> None:
        super().__init__()
        branch_features = oup // 2
        self.branch1 = Sequential(
            Conv2d(inp, branch_features, 3, stride=2, padding=1, rng=rng),
            BatchNorm2d(branch_features),
            ReLU(),
        )
        self.branch2 = Conv2d(inp, branch_features, 3, stride=2, padding=1, rng=rng)
        self.post = Conv2d(oup, oup, 1, rng=rng)

    def mix(self, x: Tensor[N, CO, H, W, T]) -> Tensor[N, CO, H, W, T]:
        return self.post(x)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Dyn, Dyn, T]:
        out = dx.cat([self.branch1(x), self.branch2(x)], axis=1)
        assert_type(
            out, Tensor[N, Expr[L["2*(CO//2)"]], Expr[L["(H+1)//2"]], Expr[L["(W+1)//2"]], T]
        )
        mixed = self.mix(out)
        assert_type(mixed, Tensor[N, CO, Expr[L["(H+1)//2"]], Expr[L["(W+1)//2"]], T])
        return channel_shuffle(out, 2)


class BasicUnit(Module, Generic[C]):
    """ShuffleNet's basic unit: half the channels pass, half go through a branch."""

    def __init__(self, channels: C) -> None:
        super().__init__()
        half = channels // 2
        self.branch = Conv2d(half, half, 1, rng=rng)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        x1, x2 = x.split(x.shape[1] // 2, axis=1)
        out = dx.cat([x1, self.branch(x2)], axis=1)
        return channel_shuffle(out, 2)


class MergedHeads(Module, Generic[D, NH]):
    """Heads split and merged back, then given to a method that takes ``D`` features."""

    def __init__(self, width: D, heads: NH) -> None:
        super().__init__()
        self.heads = heads
        self.proj = Linear(width, width, rng=rng)

    def project(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        return self.proj(x)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        b, s, d = x.shape
        h = x.view(b, s, self.heads, d // self.heads).transpose(1, 2)
        merged = h.transpose(1, 2).reshape(b, s, self.heads * (d // self.heads))
        return self.project(merged)


def widths(x: Tensor[B, S, D, T], layer: MergedHeads[D, NH]) -> Tensor[B, S, D, T]:
    """A module's method called from a function generic over the same sizes."""
    return layer.project(x)


img = dx.randn(2, 4, 8, 8)
assert DownUnit(4, 6)(img).shape == (2, 6, 4, 4)
assert BasicUnit(4)(img).shape == (2, 4, 8, 8)
heads = MergedHeads(6, 2)
assert heads(dx.randn(2, 5, 6)).shape == (2, 5, 6)
assert widths(dx.randn(2, 5, 6), heads).shape == (2, 5, 6)
