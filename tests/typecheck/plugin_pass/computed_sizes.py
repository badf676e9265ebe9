"""Sizes computed from a module's TypeVars: integer multiples (``Linear(n, 3 * n)`` is
``Linear[C, Expr[L["3*C"]]]``, and splitting its output by ``n`` gives three ``C``), sums
(concatenating ``CI`` and ``CO`` channels gives ``CI+CO``), floor quotients (``c // nh``),
the spatial size after a strided convolution or a pool (``(H+1)//2``, ``H//2``, and ``H`` for
a same-padded stride-1 convolution), its inverse (a stride-2 transposed convolution or an
upsampling doubles it), a size held in a local variable assigned once (``hs = c // nh``) or
in a field of ``self`` assigned once (``self.hs = n // nh``),
the rank of a reshape of a tensor of unknown rank, sizes given as ``*x.shape``, and a size
in two chunks (``2*C`` in two ``C``; ``S`` in ``(S+1)//2`` and ``S//2``, whose sum is
``S``). Each is in canonical form, so equal sizes written differently are one type."""

# rules: nn, movement, conv

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, ConvTranspose2d, Linear, MaxPool2d, Module, Upsample

N = TypeVar("N", bound=int)
S = TypeVar("S", bound=int)
C = TypeVar("C", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
NH = TypeVar("NH", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class Heads(Module, Generic[C, NH]):
    """A fused qkv projection split into three and into heads."""

    def __init__(self, n: C, nh: NH) -> None:
        super().__init__()
        self.qkv = Linear(n, 3 * n, rng=rng)
        self.n = n
        self.nh = nh
        self.hs = n // nh  # a field assigned once: read through its value

    def forward(self, x: Tensor[N, S, C, T]) -> Tensor[N, S, C, T]:
        n, s, c = x.shape
        qkv = self.qkv(x)
        assert_type(qkv, Tensor[N, S, Expr[L["3*C"]], T])
        q, k, v = qkv.split(self.n, axis=2)
        assert_type(q, Tensor[N, S, C, T])
        qk, rest = qkv.split(2 * self.n, axis=2)  # a whole piece and a smaller last one
        assert_type(rest, Tensor[N, S, C, T])
        assert_type(qk, Tensor[N, S, Expr[L["2*C"]], T])
        heads = q.reshape(n, s, self.nh, c // self.nh)
        assert_type(heads, Tensor[N, S, NH, Expr[L["C//NH"]], T])
        assert_type(k.reshape(n, s, self.nh, self.hs), Tensor[N, S, NH, Expr[L["C//NH"]], T])
        merged = heads.reshape(n, s, c)
        assert_type(merged, Tensor[N, S, C, T])
        return merged + k + v


class Down(Module, Generic[CI, CO]):
    """A stride-2 convolution beside a 2x2 pool, and their channels concatenated."""

    def __init__(self, ci: CI, co: CO) -> None:
        super().__init__()
        self.conv = Conv2d(ci, co, 3, stride=2, padding=1, rng=rng)
        self.proj = Conv2d(ci, co, 1, stride=2, rng=rng)
        self.same = Conv2d(ci, co, 3, padding=1, rng=rng)
        self.pool = MaxPool2d(2)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, Any, Any, Any, T]:
        strided = self.conv(x)
        assert_type(strided, Tensor[N, CO, Expr[L["(H+1)//2"]], Expr[L["(W+1)//2"]], T])
        assert_type(self.proj(x), Tensor[N, CO, Expr[L["(H+1)//2"]], Expr[L["(W+1)//2"]], T])
        assert_type(self.same(x), Tensor[N, CO, H, W, T])
        pooled = self.pool(x)
        assert_type(pooled, Tensor[N, CI, Expr[L["H//2"]], Expr[L["W//2"]], T])
        assert_type(dx.max_pool2d(x, 2), Tensor[N, CI, Expr[L["H//2"]], Expr[L["W//2"]], T])
        both = dx.cat([x, self.same(x)], axis=1)
        assert_type(both, Tensor[N, Expr[L["CI+CO"]], H, W, T])
        return strided + self.proj(x)  # the same size however it is written


class Up(Module, Generic[C]):
    """Doubling the resolution: a stride-2 transposed convolution and an upsampling."""

    def __init__(self, c: C) -> None:
        super().__init__()
        self.up = ConvTranspose2d(c, c, 2, stride=2, rng=rng)
        self.upsample = Upsample(scale_factor=2)
        self.pool = MaxPool2d(2)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, Any, Any, T]:
        doubled = self.up(x)
        assert_type(doubled, Tensor[N, C, Expr[L["2*H"]], Expr[L["2*W"]], T])
        assert_type(self.upsample(x), Tensor[N, C, Expr[L["2*H"]], Expr[L["2*W"]], T])
        back = self.pool(doubled)
        assert_type(back, Tensor[N, C, H, W, T])
        skip = dx.cat([x, back], axis=1)
        assert_type(skip, Tensor[N, Expr[L["2*C"]], H, W, T])
        return doubled


def head_split(x: Tensor[N, S, C, T], nh: NH) -> Tensor[N, S, NH, Any, T]:
    """A size held in a local variable assigned once is read through its definition; one
    bound twice (or in a loop) is not."""
    n, s, c = x.shape
    hs = c // nh
    assert_type(x.reshape(n, s, nh, hs), Tensor[N, S, NH, Expr[L["C//NH"]], T])
    width = 2 * c
    width = width // 2
    assert_type(x.reshape(n, s, width), Tensor[N, S, Any, T])
    for _ in range(2):
        step = 2 * c
        assert_type(x.reshape(n, s, step // 2), Tensor[N, S, Any, T])
    return x.reshape(n, s, nh, hs)


def rebound(x: Tensor[N, S, C, T], nh: NH) -> Tensor[N, S, NH, Any, T]:
    """A function that binds names inside expressions (``:=``) is not read at all."""
    n, s, c = x.shape
    hs = c // nh
    if (hs := hs + 0) < 0:
        raise ValueError(hs)
    assert_type(x.reshape(n, s, nh, hs), Tensor[N, S, NH, Any, T])
    return x.reshape(n, s, nh, hs)


def halves(h: Tensor[N, C, S, T]) -> Tensor[N, C, S, T]:
    """A GLU over the channels; the time axis in two is its ceiling half and the rest."""
    x = dx.cat([h, h], axis=1)
    first, second = x.chunk(2, axis=2)
    assert_type(first, Tensor[N, Expr[L["2*C"]], Expr[L["(S+1)//2"]], T])
    assert_type(second, Tensor[N, Expr[L["2*C"]], Expr[L["S//2"]], T])
    assert_type(dx.cat([second, first], axis=2), Tensor[N, Expr[L["2*C"]], S, T])
    a, g = x.chunk(2, axis=1)
    return a * g.sigmoid()


def unknown_rank(x: Tensor[*tuple[Any, ...], T], y: Tensor[N, S, T], n: int) -> None:
    assert_type(x.reshape(2, -1), Tensor[L[2], Any, T])
    assert_type(x.view(n, n, 3), Tensor[Any, Any, L[3], T])
    assert_type(x.reshape(*y.shape), Tensor[N, S, T])
    assert_type(dx.zeros(*y.shape), Tensor[N, S, NoneTape])


heads: Heads[L[8], L[2]] = Heads(8, 2)
assert heads(dx.randn(2, 3, 8, rng=rng)).shape == (2, 3, 8)
down: Down[L[3], L[4]] = Down(3, 4)
assert down(dx.randn(2, 3, 5, 6, rng=rng)).shape == (2, 4, 3, 3)
up: Up[L[3]] = Up(3)
assert up(dx.randn(2, 3, 5, 6, rng=rng)).shape == (2, 3, 10, 12)
assert halves(dx.randn(2, 3, 5, rng=rng)).shape == (2, 3, 5)
unknown_rank(dx.randn(4, 3, rng=rng), dx.randn(3, 4, rng=rng), 2)
head_split(dx.randn(2, 3, 8, rng=rng), 2)
assert rebound(dx.randn(2, 3, 8, rng=rng), 2).shape == (2, 3, 2, 4)
