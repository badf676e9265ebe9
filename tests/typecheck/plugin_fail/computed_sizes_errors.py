"""Mistakes with sizes computed from a module's TypeVars, reported where two sizes provably
differ: a fused projection split into pieces of the wrong size (two pieces where three are
unpacked), a layer built for ``C`` features called on ``3*C``, a convolution after a channel
concat that takes ``C`` channels instead of ``2*C``, a skip connection concatenated at the
pooled resolution, a residual added across channel counts that cannot broadcast, and a
reshape to a different number of elements."""

# rules: nn, movement, conv, binary

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module

N = TypeVar("N", bound=int)
S = TypeVar("S", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Attention(Module, Generic[C]):
    def __init__(self, n: C) -> None:
        super().__init__()
        self.qkv = Linear(n, 3 * n)  # E: mypy[dfdx-shape "self.qkv is built here; its output reac"
        #     "hes line 41: Linear[C, C]: takes C features, got Tensor[N, S, 3*C] (3*C != C)",
        #     dfdx-shape "self.qkv is built here; its output reaches line 38: split: axis 2 of "
        #     "Tensor[N, S, 3*C] (3*C) cut into pieces of 2*C gives 2, unpacked into 3 names"]
        self.n = n
        self.proj = Linear(n, n)  # E: mypy[dfdx-shape "self.proj is built here; called at line 41"
        #     ": Linear[C, C]: takes C features, got Tensor[N, S, 3*C] (3*C != C)"]

    def forward(self, x: Tensor[N, S, C, T]) -> None:
        qkv = self.qkv(x)  # E: mypy[dfdx-shape "qkv is assigned here; used at line 41: Linear[C, "
        #     "C]: takes C features, got Tensor[N, S, 3*C] (3*C != C)"]
        q, k, v = qkv.split(2 * self.n, axis=2)  # E: mypy[dfdx-shape "split: axis 2 of Tensor[N, "
        #     "S, 3*C] (3*C) cut into pieces of 2*C gives 2, unpacked into 3 names"]
        print(q, k, v)
        self.proj(qkv)  # E: mypy[dfdx-shape "Linear[C, C]: takes C features, got "
        #     "Tensor[N, S, 3*C] (3*C != C)"]


class Up(Module, Generic[C]):
    def __init__(self, c: C) -> None:
        super().__init__()
        self.conv = Conv2d(c, c, 3, padding=1)  # E: mypy[dfdx-shape "self.conv is built here; cal"
        #     "led at line 56: conv2d: input channels differ: input Tensor[N, 2*C, H, W], weight T"
        #     "ensor[C, C, 3, 3]"]

    def forward(self, x: Tensor[N, C, H, W, T]) -> None:
        skip = dx.cat([x, x], axis=1)  # E: mypy[dfdx-shape "skip is assigned here; used at line 5"
        #     "6: conv2d: input channels differ: input Tensor[N, 2*C, H, W], weight Tensor[C, C, 3"
        #     ", 3]"]
        self.conv(skip)  # E: mypy[dfdx-shape "conv2d: input channels differ: input "
        #     "Tensor[N, 2*C, H, W], weight Tensor[C, C, 3, 3]"]
        dx.cat([x, dx.max_pool2d(x, 2)], axis=1)  # E: mypy[dfdx-shape "concat: sizes differ on "
        #     "axis 2: Tensor[N, C, H, W] and Tensor[N, C, H//2, W//2] (H != H//2)"]


def residual(x: Tensor[N, C, T]) -> None:
    wide = dx.cat([x, x], axis=1)  # E: mypy[dfdx-shape "wide is assigned here; used at line 68: a"
    #     "dd: shapes do not broadcast: Tensor[N, 2*C] and Tensor[N, 3*C] (axis -1: 2*C != 3*C)"]
    wider = dx.cat([x, x, x], axis=1)  # E: mypy[dfdx-shape "wider is assigned here; used at line "
    #     "68: add: shapes do not broadcast: Tensor[N, 2*C] and Tensor[N, 3*C] (axis -1: 2*C != 3*"
    #     "C)"]
    print(wide + wider)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[N, 2*C] "
    #     "and Tensor[N, 3*C] (axis -1: 2*C != 3*C)"]


def flat(x: Tensor[N, C, T]) -> None:
    n, c = x.shape
    width = 2 * c  # E: mypy[dfdx-shape "width is assigned here; used at line 76: reshape: cannot "
    #     "reshape Tensor[N, C] (C*N elements) to Tensor[N, 2*C] (2*C*N elements)"]
    x.reshape(n, width)  # E: mypy[dfdx-shape "reshape: cannot reshape Tensor[N, C] (C*N "
    #     "elements) to Tensor[N, 2*C] (2*C*N elements)"]
    x.reshape(n, 2 * c)  # E: mypy[dfdx-shape "reshape: cannot reshape Tensor[N, C] (C*N "
    #     "elements) to Tensor[N, 2*C] (2*C*N elements)"]
