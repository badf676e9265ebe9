"""Sizes computed from a generic module's TypeVars that broadcast only where a size is 1
(``C`` and ``4*C``, ``H`` and ``H//2``, ``H`` and a stride-2 window's ``(H+1)//2``): a module
does not rely on a size parameter being 1, as it does not rely on two of them being equal, so
the op is reported (and the line that built the layer whose size does not fit). A size TypeVar
is the result against a computed size (``CTX`` against ``(S+1)//2``), but two TypeVars (``S``
and ``CTX``) are two sizes."""

# rules: binary, nn

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CTX = TypeVar("CTX", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class LayerScale(Module, Generic[C]):
    def __init__(self, dim: C) -> None:
        super().__init__()
        self.gamma = 1e-6 * dx.ones(dim)
        self.weight = dx.randn(dim, dim, 3, 3)
        self.proj = Linear(dim, 4 * dim)  # E: mypy[dfdx-shape "self.proj is built here; called at "
        #     "line 35: mul: shapes do not broadcast: Tensor[C] and Tensor[B, S, 4*C] (axis -1: C !"
        #     "= 4*C)"]

    def forward(self, x: Tensor[B, S, C, T]) -> None:
        self.gamma * self.proj(x)  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[C] an"
        #     "d Tensor[B, S, 4*C] (axis -1: C != 4*C)"]

    def skip(self, x: Tensor[B, C, H, W, T]) -> None:
        x + dx.max_pool2d(x, 2)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, C, H"
        #     ", W] and Tensor[B, C, H//2, W//2] (axis -2: H != H//2)"]
        x + dx.conv2d(x, self.weight, stride=2, padding=1)  # E: mypy[dfdx-shape "add: shapes do no"
        #     "t broadcast: Tensor[B, C, H, W] and Tensor[B, C, (H+1)//2, (W+1)//2] (axis -2: H != "
        #     "(H+1)//2)"]


class Positions(Module, Generic[CTX, C]):
    table: Tensor[CTX, C, NoneTape]

    def __init__(self, n_ctx: CTX, dim: C) -> None:
        super().__init__()
        # the stride-2 convolution with stride 1: blamed where its frames meet the table
        self.conv = Conv1d(dim, dim, 3, padding=1)  # E: mypy[dfdx-shape "self.conv is built here; "
        #     "its output reaches line 61: add: shapes do not broadcast: Tensor[B, S, C] and Tensor"
        #     "[CTX, C] (axis -2: S != CTX)"]
        self.register_buffer("table", dx.zeros(n_ctx, dim))

    def forward(self, x: Tensor[B, C, S, T]) -> None:
        h = self.conv(x).permute(0, 2, 1)  # E: mypy[dfdx-shape "h is assigned here; used at line 6"
        #     "1: add: shapes do not broadcast: Tensor[B, S, C] and Tensor[CTX, C] (axis -2: S != C"
        #     "TX)"]
        h + self.table  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, S, C] and Ten"
        #     "sor[CTX, C] (axis -2: S != CTX)"]
