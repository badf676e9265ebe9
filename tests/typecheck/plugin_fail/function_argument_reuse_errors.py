"""A function beside a module's class that reuses its tensor argument: a mistake after the
reuse is reported in the plugin's words on its line (the argument has its new shape there),
not as mypy's ``assignment`` error on the reuse."""

# rules: movement

from typing import TypeVar

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Module

B = TypeVar("B", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)
WS = TypeVar("WS", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def window_partition(x: Tensor[B, H, W, C, T], window_size: WS) -> Tensor[int, WS, WS, C, T]:
    b, h, w, c = x.shape
    x = x.view(b, h // window_size, window_size, w // window_size, window_size, c)
    windows = x.permute(0, 1, 3, 2, 4).reshape(  # E: mypy[dfdx-shape "permute: Tensor[B, H//WS, WS"
        #     ", W//WS, WS, C] has 6 axes, got 5: (0, 1, 3, 2, 4)"]
        -1,
        window_size,
        window_size,
        c,
    )
    return windows


class Identity(Module):
    def forward(self, x: Tensor[B, T]) -> Tensor[B, T]:
        return x
