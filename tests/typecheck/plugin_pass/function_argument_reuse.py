"""A function beside a module's class that gives its tensor argument a new shape
(``x = x.view(...)``, Swin's ``window_partition``), generic in the tape: mypy checks such a
body once per tape, where an argument cannot take a new type; the plugin lets it, as in the
module's own methods. (Only in a file that defines a module class: the plugin reaches the
functions of a file through its module classes.)"""

# rules: movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Module

B = TypeVar("B", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)
WS = TypeVar("WS", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def window_partition(x: Tensor[B, H, W, C, T], window_size: WS) -> Tensor[int, WS, WS, C, T]:
    """(B, H, W, C) to (num_windows*B, window_size, window_size, C)."""
    b, h, w, c = x.shape
    x = x.view(b, h // window_size, window_size, w // window_size, window_size, c)
    windows = x.permute(0, 1, 3, 2, 4, 5).reshape(-1, window_size, window_size, c)
    return windows


class Windows(Module, Generic[WS]):
    def __init__(self, window_size: WS) -> None:
        super().__init__()
        self.window_size = window_size

    def forward(self, x: Tensor[B, H, W, C, T]) -> Tensor[int, WS, WS, C, T]:
        return window_partition(x, self.window_size)


image: Tensor[L[2], L[4], L[4], L[3], NoneTape] = dx.randn(2, 4, 4, 3)
windows = Windows(2)(image)
# the instance's forward, window_partition included, is evaluated: 2 * (4 // 2) * (4 // 2)
assert_type(windows, Tensor[L[8], L[2], L[2], L[3], NoneTape])
assert windows.shape == (8, 2, 2, 3)
