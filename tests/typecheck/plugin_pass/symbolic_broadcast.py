"""Broadcasting sizes computed from a generic module's TypeVars: a size that cannot be 1
(``4*C``) is the result against a ``1`` or a size of unknown value, and a size equal to its
partner up to a floor's rounding (a stride-2 convolution's ``(H+1)//2`` against an average
pool's ``H//2``) is accepted; a size TypeVar against a size computed from others (a positional
table's ``CTX`` against a stride-2 convolution's ``(S+1)//2``) is the TypeVar, as a size
parameter is not taken to be 1."""

# rules: binary, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import Dyn, Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import AvgPool2d, Conv1d, Conv2d, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CTX = TypeVar("CTX", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Expand(Module, Generic[C]):
    def __init__(self, dim: C) -> None:
        super().__init__()
        self.up = Linear(dim, 4 * dim)
        self.down = Conv2d(dim, dim, 3, stride=2, padding=1)
        self.pool = AvgPool2d(2)

    def forward(self, x: Tensor[B, S, C, T], noise: Tensor[Dyn, NoneTape]) -> None:
        h = self.up(x)
        scaled = dx.ones(1) * h
        assert_type(scaled, Tensor[B, S, Expr[L["4*C"]], T])
        noisy = h + noise
        assert_type(noisy, Tensor[B, S, Expr[L["4*C"]], T])
        centred = x - x.mean(axis=1, keepdims=True)
        assert_type(centred, Tensor[B, S, C, T])

    def pooled(self, x: Tensor[B, C, H, W, T]) -> None:
        _ = self.pool(x) + self.down(x)  # H//2 and (H+1)//2: equal for an even H


block: Expand[L[4]] = Expand(4)
block(dx.randn(2, 3, 4), dx.randn(16).ensure_shape(None))
block.pooled(dx.randn(2, 4, 6, 6))


class Positions(Module, Generic[CTX, C]):
    table: Tensor[CTX, C, NoneTape]

    def __init__(self, n_ctx: CTX, dim: C) -> None:
        super().__init__()
        self.down = Conv1d(dim, dim, 3, stride=2, padding=1)
        self.register_buffer("table", dx.zeros(n_ctx, dim))

    def forward(self, x: Tensor[B, C, S, T]) -> Tensor[B, CTX, C, T]:
        h = self.down(x).permute(0, 2, 1)
        assert_type(h, Tensor[B, Expr[L["(S+1)//2"]], C, T])
        out = h + self.table
        assert_type(out, Tensor[B, CTX, C, T])
        return out


positions: Positions[L[3], L[4]] = Positions(3, 4)
assert_type(positions(dx.randn(2, 4, 6)), Tensor[L[2], L[3], L[4], NoneTape])
