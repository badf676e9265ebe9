"""Mistakes in branches whose conditions hold no sizes equal: ``self.training``, a ``bool``
argument kept in a field, a ``None`` test of a mask, a loop's index, a ``str`` mode. Each is
reported as it would be outside the branch (a residual under ``if self.use_res_connect:``,
set from a comparison of sizes, is not: plugin_pass/branch_conditions.py). Where the block
is built with known sizes, the branch its condition takes for that instance is checked as
any other code: a residual guarded by the stride alone, built with two widths, is reported
for that instance."""

# rules: binary

from typing import Any, Generic, TypeVar
from typing import Literal as L

from dfdx import NoneTape, OwnedTape, Tensor
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


class FeedForward(Module, Generic[D, F]):
    def __init__(self, dim: D, hidden: F, normalize_before: bool, p: float = 0.1) -> None:
        super().__init__()
        self.fc1 = Linear(dim, hidden)
        self.fc2 = Linear(hidden, dim)
        self.norm = LayerNorm(dim)
        self.drop = Dropout(p)
        self.normalize_before = normalize_before

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        h = self.fc1(x).relu()
        if self.normalize_before:
            h = h + x  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, S, F] and Tens"
            #     "or[B, S, D] (axis -1: F != D)"]
        out = self.fc2(h)
        if self.training:
            out = self.drop(out) * h  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[B,"
            #     " S, D] and Tensor[B, S, F] (axis -1: D != F)"]
        return out


class Scorer(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.proj = Linear(dim, dim)

    def forward(
        self, data: Tensor[B, S, D, T], mask: Tensor[B, S, NoneTape] | None, is_query: bool
    ) -> Tensor[B, S, D, T]:
        h = self.proj(data)
        if is_query:
            pooled = data.max(axis=-1)  # E: mypy[dfdx-shape "pooled is assigned here; used at line"
            #     " 63: mul: shapes do not broadcast: Tensor[B, S, D] and Tensor[B, S] (axis -2: S "
            #     "!= B)"]
            h = h * pooled  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[B, S, D] and"
            #     " Tensor[B, S] (axis -2: S != B)"]
        if mask is None:
            return h
        return h * mask  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[B, S, D] and Te"
        #     "nsor[B, S] (axis -2: S != B)"]


class Stack(Module, Generic[D]):
    def __init__(self, dim: D, depth: int) -> None:
        super().__init__()
        self.layers = ModuleList([Linear(dim, dim) for _ in range(depth)])
        self.head = Linear(dim, 10)  # E: mypy[dfdx-shape "self.head is built here; called at line "
        #     "82: add: shapes do not broadcast: Tensor[B, D] and Tensor[B, 10] (axis -1: D != 10)"]

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, D, T]:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i == len(self.layers) - 1:
                x = x + self.head(x)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B,"
                #     " D] and Tensor[B, 10] (axis -1: D != 10)"]
        return x


class Block(Module, Generic[CI, CO]):
    def __init__(self, ci: CI, co: CO, identity: bool, mode: str) -> None:
        super().__init__()
        self.conv = Conv2d(ci, co, 3, padding=1)  # E: mypy[
        #     dfdx-shape "self.conv is built here; its output reaches line 101: add: shapes do no"
        #     "t broadcast: Tensor[N, CO, H, W] and Tensor[N, CI, H, W] (axis -3: CO != CI)"]
        self.identity = identity
        self.mode = mode

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, H, W, T]:
        out = self.conv(x)
        if self.identity:
            out = out + x  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[N, CO, H, W] "
            #     "and Tensor[N, CI, H, W] (axis -3: CO != CI)"]
        return out + x if self.mode == "sum" else out  # E: mypy[dfdx-shape "add: shapes do not bro"
        #     "adcast: Tensor[N, CO, H, W] and Tensor[N, CI, H, W] (axis -3: CO != CI)"]


class InvertedResidual(Module, Generic[CI, CO]):
    def __init__(self, inp: CI, oup: CO, stride: int) -> None:
        super().__init__()
        self.use_res_connect = stride == 1
        self.conv = Conv2d(inp, oup, 3, stride=stride, padding=1)  # E: mypy[
        #     dfdx-shape "self.conv is built here; its output reaches line 118: add: shapes do no"
        #     "t broadcast: Tensor[N, 16, H, W] and Tensor[N, 24, H, W] (axis -3: 16 != 24) (in I"
        #     "nvertedResidual(16, 24, 1) built at line 128)"]
        self.bn = BatchNorm2d(oup)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        out = self.bn(self.conv(x))
        if self.use_res_connect:
            return x + out  # E: mypy[
            #     dfdx-shape "add: shapes do not broadcast: Tensor[N, 16, H, W] and Tensor[N, 24,"
            #     " H, W] (axis -3: 16 != 24) (in InvertedResidual(16, 24, 1) built at line 128)"]
        return out


class Features(Module):
    def __init__(self) -> None:
        super().__init__()
        self.first = InvertedResidual(16, 16, 1)
        self.second = InvertedResidual(16, 24, 1)

    def forward(self, x: Tensor[N, L[16], H, W, T]) -> Tensor[N, L[24], Any, Any, T]:
        return self.second(self.first(x))
