"""Convolutions with ``padding="same"`` (stride 1: each spatial size kept, symbolic ones too,
whatever the kernel and dilation) and ``padding="valid"`` (as padding 0), through the layers
(the word recorded in the type's window parameter) and the functions."""

# rules: conv, nn

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, Conv2d, Flatten, Linear, Module, Sequential

B = TypeVar("B", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x = dx.randn(2, 3, 9, 8)
s = dx.randn(2, 4, 10)

# the layers
same = Conv2d(3, 4, (4, 3), padding="same", dilation=(1, 2))
assert_type(
    same,
    Conv2d[
        L[3],
        L[4],
        tuple[tuple[L[4], L[3]], tuple[L[1], L[1]], L["same"], tuple[L[1], L[2]], L[1]],
    ],
)
assert_type(same(x), Tensor[L[2], L[4], L[9], L[8], NoneTape])
assert_type(Conv2d(3, 4, 3, padding="valid")(x.trace()), Tensor[L[2], L[4], L[7], L[6], OwnedTape])
assert_type(Conv2d(3, 4, 3, stride=2, padding="valid")(x), Tensor[L[2], L[4], L[4], L[3], NoneTape])
assert_type(Conv1d(4, 6, 4, padding="same")(s), Tensor[L[2], L[6], L[10], NoneTape])
assert_type(Conv1d(4, 6, 3, padding="valid", dilation=2)(s), Tensor[L[2], L[6], L[6], NoneTape])
assert_type(Conv1d(4, 6, 3, stride=(1,), padding="same")(s), Tensor[L[2], L[6], L[10], NoneTape])

# in a Sequential: the sizes after a "same" convolution are the input's
head = Sequential(Conv2d(3, 8, 5, padding="same"), Flatten(), Linear(8 * 9 * 8, 10))
assert_type(head(x), Tensor[L[2], L[10], NoneTape])

# the functions
wt = dx.randn(4, 3, 2, 3).trace()
assert_type(dx.conv2d(x, wt, padding="same"), Tensor[L[2], L[4], L[9], L[8], OwnedTape])
assert_type(dx.conv2d(x, wt, padding="valid"), Tensor[L[2], L[4], L[8], L[6], OwnedTape])
assert_type(
    dx.conv1d(s, dx.randn(5, 4, 4), padding="same", dilation=3), Tensor[L[2], L[5], L[10], NoneTape]
)
assert_type(dx.conv1d(s, dx.randn(5, 4, 4), padding="valid"), Tensor[L[2], L[5], L[7], NoneTape])


class Block(Module):
    """Symbolic sizes: a "same" convolution keeps ``H`` and ``W``."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = Conv2d(3, 3, 3, padding="same")
        self.line = Conv1d(3, 3, 2, padding="same")

    def forward(self, x: Tensor[B, L[3], H, W, T]) -> Tensor[B, L[3], H, W, T]:
        return x + self.conv(x)

    def line_forward(self, x: Tensor[B, L[3], H, T]) -> Tensor[B, L[3], H, T]:
        return self.line(x)


block = Block()
assert_type(block.forward(dx.randn(2, 3, 5, 7)), Tensor[L[2], L[3], L[5], L[7], NoneTape])
assert_type(block.line_forward(dx.randn(2, 3, 6)), Tensor[L[2], L[3], L[6], NoneTape])
