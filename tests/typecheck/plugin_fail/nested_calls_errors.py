"""Mistakes inside nested layer calls (``self.conv2(dx.relu(self.bn2(h)))``), reported on
their own line with the message the same calls split into statements get: a norm built for
the wrong channels three calls deep (a name reused), a strided convolution's sizes that the
nesting used to lose (``Dyn``: a residual sum or a product with the input went unreported),
a declared return, a comprehension reading a reused name, literal sizes at the top level."""

# rules: nn, binary, conv

from typing import Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Linear, Module, ModuleList

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)
D = TypeVar("D", bound=int)
F = TypeVar("F", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Bottleneck(Module, Generic[C]):
    def __init__(self, c: C) -> None:
        super().__init__()
        self.bn1 = BatchNorm2d(c)
        self.conv1 = Conv2d(c, 4 * c, 1, bias=False)  # E: mypy[dfdx-shape "self.conv1 is built he"
        #     "re; its output reaches line 40: BatchNorm2d[C]: takes C channels on axis 1, got Ten"
        #     "sor[N, 4*C, H, W] (4*C != C)"]
        self.bn2 = BatchNorm2d(c)  # E: mypy[dfdx-shape "self.bn2 is built here; called at line 40"
        #     ": BatchNorm2d[C]: takes C channels on axis 1, got Tensor[N, 4*C, H, W] (4*C != C)"]
        self.conv2 = Conv2d(4 * c, c, 3, padding=1, bias=False)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        out = self.conv1(dx.relu(self.bn1(x)))  # E: mypy[dfdx-shape "out is assigned here; used a"
        #     "t line 40: BatchNorm2d[C]: takes C channels on axis 1, got Tensor[N, 4*C, H, W] (4*"
        #     "C != C)"]
        out = self.conv2(dx.relu(self.bn2(out)))  # E: mypy[dfdx-shape "BatchNorm2d[C]: takes C ch"
        #     "annels on axis 1, got Tensor[N, 4*C, H, W] (4*C != C)"]
        return out


class Strided(Module, Generic[C]):
    def __init__(self, c: C) -> None:
        super().__init__()
        self.conv1 = Conv2d(c, 2 * c, 1)
        self.conv2 = Conv2d(2 * c, c, 3, stride=2, padding=1)  # E: mypy[dfdx-shape "self.conv2 is"
        #     " built here with stride=2 (stride=1 gives the size wanted); its output reaches line"
        #     " 55: Conv2d[2*C, C]: gives Tensor[N, C, (H+1)//2, (W+1)//2], the return type is Ten"
        #     "sor[N, C, H, W] ((H+1)//2 != H)"]

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        return self.conv2(dx.relu(self.conv1(x)))  # E: mypy[dfdx-shape "Conv2d[2*C, C]: gives Tens"
        #     "or[N, C, (H+1)//2, (W+1)//2], the return type is Tensor[N, C, H, W] ((H+1)//2 != H)"]


class Down(Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = Conv2d(8, 16, 1)
        self.bn = BatchNorm2d(16)
        self.conv2 = Conv2d(16, 8, 3, stride=2, padding=1)  # E: mypy[dfdx-shape "self.conv2 is bu"
        #     "ilt here with stride=2 (stride=1 gives the size wanted); its output reaches line 70"
        #     ": add: shapes do not broadcast: Tensor[N, 8, 8, 8] and Tensor[N, 8, 4, 4] (axis -2:"
        #     " 8 != 4)"]

    def forward(self, x: Tensor[N, L[8], L[8], L[8], T]) -> Tensor[N, L[8], L[8], L[8], T]:
        x = x + self.conv2(dx.relu(self.bn(self.conv1(x))))  # E: mypy[dfdx-shape "add: shapes do"
        #     " not broadcast: Tensor[N, 8, 8, 8] and Tensor[N, 8, 4, 4] (axis -2: 8 != 4)"]
        return x

    def pooled(self, x: Tensor[N, L[8], L[8], L[8], T]) -> Tensor[N, L[8], L[8], L[8], T]:
        h = dx.max_pool2d(dx.relu(self.conv2(dx.relu(self.conv1(x)))), 2)  # E: mypy[
        #     dfdx-shape "h is assigned here; used at line 78: mul: shapes do not broadcast: Tenso"
        #     "r[N, 8, 8, 8] and Tensor[N, 8, 2, 2] (axis -2: 8 != 2)"]
        return x * h  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[N, 8, 8, 8] and "
        #     "Tensor[N, 8, 2, 2] (axis -2: 8 != 2)"]


class Heads(Module, Generic[D, F]):
    def __init__(self, d: D, f: F) -> None:
        super().__init__()
        self.heads = ModuleList([Linear(d, f) for _ in range(2)])
        self.out = Linear(d, f)  # E: mypy[dfdx-shape "self.out is built here; called at line 95: "
        #     "Linear[D, F]: takes D features, got Tensor[N, F] (F != D)"]

    def forward(self, nodes: Tensor[N, D, T]) -> Tensor[N, F, T]:
        x = dx.relu(nodes)
        # the heads' outputs averaged: F features, which the output layer does not take
        x = dx.stack([head(x) for head in self.heads]).mean(axis=0)  # E: mypy[
        #     dfdx-shape "x is assigned here; used at line 95: Linear[D, F]: takes D features, got"
        #     " Tensor[N, F] (F != D)"]
        x = self.out(dx.relu(x))  # E: mypy[dfdx-shape "Linear[D, F]: takes D features, got Tensor"
        #     "[N, F] (F != D)"]
        return x


fc1 = Linear(16, 32)  # E: mypy[dfdx-shape "fc1 is built here; its output reaches line 104: Linear"
#     "[16, 16]: takes 16 features, got Tensor[4, 32] (32 != 16)"]
fc2 = Linear(16, 16)
tokens = dx.randn(4, 16)
logits = fc2(dx.gelu(fc1(tokens)))  # E: mypy[dfdx-shape "Linear[16, 16]: takes 16 features, got T"
#     "ensor[4, 32] (32 != 16)"]
