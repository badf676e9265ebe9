"""Calls of the user's own functions and methods with a computed size that is not the
parameter's, even where divisions are exact: one half of the channels (``CO//2`` for ``CO``),
one head's features (``D//NH`` for ``D``). Only sizes equal where divisions are exact are
taken as the parameter's; these stay mypy's errors, or the plugin's where the value goes to a
declared type."""

# rules: movement, nn

from typing import Generic, TypeVar

from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module

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


def channel_shuffle(x: Tensor[N, C, H, W, T], groups: int) -> Tensor[N, C, H, W, T]:
    n, c, h, w = x.shape
    return x.view(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class DownUnit(Module, Generic[CI, CO]):
    def __init__(self, inp: CI, oup: CO) -> None:
        super().__init__()
        self.branch1 = Conv2d(inp, oup // 2, 3, stride=2, padding=1)  # E: mypy[dfdx-shape "self.b"
        #     "ranch1 is built here; its output reaches line 48: channel_shuffle: gives Tensor[N, "
        #     "CO//2, (H+1)//2, (W+1)//2], the return type is Tensor[N, CO, Dyn, Dyn] (CO//2 != CO"
        #     ")"]
        self.branch2 = Conv2d(inp, oup // 2, 3, stride=2, padding=1)
        self.post = Conv2d(oup, oup, 1)

    def mix(self, x: Tensor[N, CO, H, W, T]) -> Tensor[N, CO, H, W, T]:
        return self.post(x)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Dyn, Dyn, T]:
        half = self.branch1(x)
        self.mix(half)  # E: mypy[arg-type]
        return channel_shuffle(half, 2)  # E: mypy[dfdx-shape "channel_shuffle: gives Tensor[N, CO"
        #     "//2, (H+1)//2, (W+1)//2], the return type is Tensor[N, CO, Dyn, Dyn] (CO//2 != CO)"]


class MergedHeads(Module, Generic[D, NH]):
    def __init__(self, width: D, heads: NH) -> None:
        super().__init__()
        self.heads = heads
        self.proj = Linear(width, width)

    def project(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        return self.proj(x)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        b, s, d = x.shape
        one_head = x.view(b, s, self.heads, d // self.heads)[:, :, 0]
        return self.project(one_head)  # E: mypy[arg-type]
