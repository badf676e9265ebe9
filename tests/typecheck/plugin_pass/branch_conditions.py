"""Branches whose conditions may hold two sizes equal, and branches whose conditions hold
none. A residual added under a condition followed back to a comparison of sizes (MobileNet's
``use_res_connect`` from ``stride == 1 and inp == oup``, through a local name in
``__init__``; ``x.shape[1] == ...`` in ``forward``; a layer built only where the widths
differ and tested for ``None``; an optional width the caller leaves out) is accepted: no
checker reads the condition. Under ``self.training``, a ``bool`` argument, a ``None`` test of
a mask or a loop's index, the ops are the ones that fit for every instance."""

# rules: binary

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Dropout, LayerNorm, Linear, Module, ModuleList

N = TypeVar("N", bound=int)
B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
F = TypeVar("F", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class InvertedResidual(Module, Generic[CI, CO]):
    """MobileNetV2's block: the input added where the stride is 1 and the widths agree."""

    def __init__(self, inp: CI, oup: CO, stride: int, expand_ratio: int) -> None:
        super().__init__()
        hidden = inp * expand_ratio
        use_res = stride == 1 and inp == oup
        self.use_res_connect = use_res
        self.expand = Conv2d(inp, hidden, 1, bias=False)
        self.depthwise = Conv2d(hidden, hidden, 3, stride=stride, padding=1, groups=hidden)
        self.project = Conv2d(hidden, oup, 1, bias=False)
        self.bn = BatchNorm2d(oup)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        h = self.depthwise(self.expand(x).relu()).relu()
        out = self.bn(self.project(h))
        if self.use_res_connect:
            return out + x
        return out


class Shortcut(Module, Generic[CI, CO]):
    """A projection built only where the widths differ; the input added as it is otherwise."""

    def __init__(self, in_ch: CI, out_ch: CO) -> None:
        super().__init__()
        self.conv = Conv2d(in_ch, out_ch, 3, padding=1)
        self.proj = Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else None

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, H, W, T]:
        out = self.conv(x)
        if self.proj is not None:
            return out + self.proj(x)
        return out + x

    __call__ = forward


class Widened(Module, Generic[CI, CO]):
    """An optional output width, the input's where the caller leaves it out."""

    def __init__(self, in_ch: CI, out_ch: CO | None = None) -> None:
        super().__init__()
        self.out_ch = out_ch
        self.conv: Conv2d[CI, Any, Any] = Conv2d(in_ch, out_ch or in_ch, 1)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, Any, H, W, T]:
        h: Tensor[N, CO, H, W, T] = self.conv(x)
        if self.out_ch is None:
            return h + x
        return h


class FeedForward(Module, Generic[D, F]):
    """A transformer's feed-forward: norm first or last by a flag, dropout in training."""

    def __init__(self, dim: D, hidden: F, normalize_before: bool, p: float = 0.1) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.fc1 = Linear(dim, hidden)
        self.fc2 = Linear(hidden, dim)
        self.drop = Dropout(p)
        self.normalize_before = normalize_before

    def forward(
        self, x: Tensor[B, S, D, T], mask: Tensor[B, S, NoneTape] | None
    ) -> Tensor[B, S, D, T]:
        h = self.norm(x) if self.normalize_before else x
        h = self.fc2(self.fc1(h).relu())
        if self.training:
            h = self.drop(h)
        if mask is not None:
            h = h * mask.unsqueeze(-1)
        out = x + h
        if not self.normalize_before:
            out = self.norm(out)
        return out


class Tower(Module, Generic[D]):
    """Layers of one width, a residual on every layer but the last."""

    def __init__(self, dim: D, depth: int) -> None:
        super().__init__()
        self.layers = ModuleList([Linear(dim, dim) for _ in range(depth)])

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, D, T]:
        for i, layer in enumerate(self.layers):
            h = layer(x)
            x = h if i == len(self.layers) - 1 else x + h
        return x


def gray_or_rgb(
    x: Tensor[N, CI, H, W, T], rgb: Tensor[N, L[3], H, W, T]
) -> Tensor[N, Dyn, H, W, T]:
    """A size read from the tensor: the branch runs only where ``CI`` is 3."""
    if x.shape[1] == 3:
        return x + rgb
    return rgb


rng = np.random.default_rng(0)
image = dx.randn(2, 8, 6, 6, rng=rng)
same: InvertedResidual[L[8], L[8]] = InvertedResidual(8, 8, 1, 2)
wider: InvertedResidual[L[8], L[16]] = InvertedResidual(8, 16, 2, 2)
assert same(image).shape == (2, 8, 6, 6)
assert wider(image).shape == (2, 16, 3, 3)
shortcut: Shortcut[L[8], L[16]] = Shortcut(8, 16)
assert_type(shortcut(image), Tensor[L[2], L[16], L[6], L[6], NoneTape])
kept: Widened[L[8], L[8]] = Widened(8)
assert kept(image).shape == (2, 8, 6, 6)
ff: FeedForward[L[8], L[32]] = FeedForward(8, 32, normalize_before=True)
tokens: Tensor[L[2], L[5], L[8], NoneTape] = dx.randn(2, 5, 8, rng=rng)
mask: Tensor[L[2], L[5], NoneTape] = dx.ones(2, 5)
assert_type(ff(tokens, mask), Tensor[L[2], L[5], L[8], NoneTape])
tower: Tower[L[8]] = Tower(8, 3)
assert_type(tower(dx.randn(4, 8, rng=rng)), Tensor[L[4], L[8], NoneTape])
assert gray_or_rgb(dx.randn(2, 3, 6, 6, rng=rng), dx.randn(2, 3, 6, 6, rng=rng)).shape == (
    2,
    3,
    6,
    6,
)
