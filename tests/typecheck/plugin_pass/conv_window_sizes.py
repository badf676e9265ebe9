"""Convolutions whose kernel size, padding and dilation are a generic module's own sizes:
``kernel_size: K`` and ``dilation: D`` are size TypeVars (or plain ``int`` arguments given
to the layer as they are), and the padding is arithmetic on them. The plugin computes the
window's output size symbolically and folds it, so that a padding written to keep the size
keeps it: ``(K-1)//2`` for an odd kernel, ``(K-1)*D`` on both sides trimmed off the end (a
causal convolution), ``padding="same"``; a stride-2 window halves it. Built with literal
sizes (odd kernels) and run."""

# rules: conv, nn, indexing

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, Conv2d, MaxPool2d, Module, ModuleList

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)  # time steps
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
K = TypeVar("K", bound=int)  # kernel size
D = TypeVar("D", bound=int)  # dilation
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class SameConv1d(Module, Generic[CI, CO, K]):
    """A convolution padded by half its (odd) kernel: the length is kept."""

    def __init__(self, in_channels: CI, out_channels: CO, kernel_size: K) -> None:
        super().__init__()
        padding = (kernel_size - 1) // 2
        self.conv = Conv1d(in_channels, out_channels, kernel_size, padding=padding, rng=rng)

    def forward(self, x: Tensor[B, CI, S, T]) -> Tensor[B, CO, S, T]:
        y = self.conv(x)
        assert_type(y, Tensor[B, CO, S, T])
        return y


class CausalConv1d(Module, Generic[C, K, D]):
    """Padded by ``(kernel_size - 1) * dilation`` on both sides, the end trimmed off: each
    output step sees only the steps before it."""

    def __init__(self, channels: C, kernel_size: K, dilation: D) -> None:
        super().__init__()
        self.pad = (kernel_size - 1) * dilation
        self.conv = Conv1d(
            channels, channels, kernel_size, padding=self.pad, dilation=dilation, rng=rng
        )

    def forward(self, x: Tensor[B, C, S, T]) -> Tensor[B, C, S, T]:
        out = self.conv(x)
        assert_type(out, Tensor[B, C, Expr[L["D*K-D+S"]], T])
        assert_type(out[:, :, : -self.pad], Tensor[B, C, S, T])
        return out[:, :, : -self.pad]


class TrimmedToLength(Module, Generic[C, K]):
    """The trim written with the length (also right for a padding of 0)."""

    def __init__(self, channels: C, kernel_size: K) -> None:
        super().__init__()
        self.pad = kernel_size - 1
        self.conv = Conv1d(channels, channels, kernel_size, padding=self.pad, rng=rng)

    def forward(self, x: Tensor[B, C, S, T]) -> Tensor[B, C, S, T]:
        h = self.conv(x)
        assert_type(h, Tensor[B, C, Expr[L["K+S-1"]], T])
        h = h[:, :, : h.shape[2] - self.pad]
        assert_type(h, Tensor[B, C, S, T])
        return h


class Down(Module, Generic[CI, CO, K]):
    """A same-padded convolution, then a stride-2 one and a pool: sizes halved."""

    def __init__(self, in_channels: CI, out_channels: CO, kernel_size: K) -> None:
        super().__init__()
        self.conv = Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2)
        self.same = Conv2d(out_channels, out_channels, kernel_size, padding="same")
        self.down = Conv2d(out_channels, out_channels, 2, stride=2)
        self.pool = MaxPool2d(2)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, H, W, T]:
        h = self.same(self.conv(x))
        assert_type(h, Tensor[B, CO, H, W, T])
        assert_type(self.down(h), Tensor[B, CO, Expr[L["H//2"]], Expr[L["W//2"]], T])
        assert_type(self.pool(h), Tensor[B, CO, Expr[L["H//2"]], Expr[L["W//2"]], T])
        return h


class Chomp(Module, Generic[CI, CO]):
    """The kernel size and dilation as plain ``int`` arguments given to the layer: read as
    sizes of their own (``kernel_size``, ``dilation``), the same in ``forward``."""

    def __init__(self, in_channels: CI, out_channels: CO, kernel_size: int, dilation: int) -> None:
        super().__init__()
        self.chomp = (kernel_size - 1) * dilation
        self.conv = Conv1d(
            in_channels, out_channels, kernel_size, padding=self.chomp, dilation=dilation
        )

    def forward(self, x: Tensor[B, CI, S, T]) -> Tensor[B, CO, S, T]:
        out = self.conv(x)
        assert_type(
            out,
            Tensor[B, CO, Expr[L["dilation*kernel_size+S-dilation"]], T],
        )
        out = out[:, :, : -self.chomp]
        assert_type(out, Tensor[B, CO, S, T])
        return out


def same_conv(x: Tensor[B, C, S, T], w: Tensor[C, C, K, NoneTape], k: K) -> Tensor[B, C, S, T]:
    """The functional form: the kernel's size is the weight's."""
    y = dx.conv1d(x, w, padding=(k - 1) // 2)
    assert_type(y, Tensor[B, C, S, T])
    return y


class TemporalBlock(Module, Generic[C, K, D]):
    """Two causal convolutions of one dilation and a residual connection (a TCN's block)."""

    def __init__(self, channels: C, kernel_size: K, dilation: D) -> None:
        super().__init__()
        self.conv1 = CausalConv1d(channels, kernel_size, dilation)
        self.conv2 = CausalConv1d(channels, kernel_size, dilation)

    def forward(self, x: Tensor[B, C, S, T]) -> Tensor[B, C, S, T]:
        h = self.conv1(x).relu()
        h = self.conv2(h).relu()
        return (h + x).relu()


class TemporalNet(Module, Generic[C, K]):
    """Blocks of dilations 1, 2, 4 (the dilations are ints of a loop: not types)."""

    def __init__(self, channels: C, kernel_size: K, levels: int) -> None:
        super().__init__()
        self.blocks = ModuleList(
            [TemporalBlock(channels, kernel_size, 2**i) for i in range(levels)]
        )

    def forward(self, x: Tensor[B, C, S, T]) -> Tensor[B, C, S, T]:
        for block in self.blocks:
            x = block(x)
        return x


x1: Tensor[L[2], L[4], L[10], NoneTape] = dx.randn(2, 4, 10, rng=rng)
same: SameConv1d[L[4], L[6], L[5]] = SameConv1d(4, 6, 5)
assert_type(same(x1), Tensor[L[2], L[6], L[10], NoneTape])
assert same(x1).shape == (2, 6, 10)

causal: CausalConv1d[L[4], L[3], L[2]] = CausalConv1d(4, 3, 2)
assert_type(causal(x1), Tensor[L[2], L[4], L[10], NoneTape])
assert causal(x1).shape == (2, 4, 10)
trimmed: TrimmedToLength[L[4], L[3]] = TrimmedToLength(4, 3)
assert_type(trimmed(x1), Tensor[L[2], L[4], L[10], NoneTape])
assert trimmed(x1).shape == (2, 4, 10)
pointwise: TrimmedToLength[L[4], L[1]] = TrimmedToLength(4, 1)  # padding 0: nothing trimmed
assert pointwise(x1).shape == (2, 4, 10)

x2: Tensor[L[2], L[3], L[8], L[6], NoneTape] = dx.randn(2, 3, 8, 6, rng=rng)
down: Down[L[3], L[5], L[3]] = Down(3, 5, 3)
assert_type(down(x2), Tensor[L[2], L[5], L[8], L[6], NoneTape])
assert down(x2).shape == (2, 5, 8, 6)

w = dx.randn(4, 4, 3, rng=rng)
assert same_conv(x1, w, 3).shape == (2, 4, 10)

chomp: Chomp[L[4], L[6]] = Chomp(4, 6, 3, dilation=2)
assert_type(chomp(x1), Tensor[L[2], L[6], L[10], NoneTape])
assert chomp(x1).shape == (2, 6, 10)

net: TemporalNet[L[4], L[3]] = TemporalNet(4, 3, levels=3)
assert_type(net(x1.trace()), Tensor[L[2], L[4], L[10], OwnedTape])
assert net(x1).shape == (2, 4, 10)
