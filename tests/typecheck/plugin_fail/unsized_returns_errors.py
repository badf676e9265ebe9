"""A helper's size typed plain ``int`` fits any declared size, but the call's other sizes are
still checked where its value goes to a declared type: an encoder block declared to keep the
length of its input, whose strided convolution shortens it (the gated channels, ``int``, are
taken as the block's ``CO``)."""

# rules: nn, movement

from typing import Generic, TypeVar

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, Module

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
N = TypeVar("N", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def glu(x: Tensor[B, C, N, T]) -> Tensor[B, int, N, T]:
    a, b = x.chunk(2, axis=1)
    return a * b.sigmoid()


class DownBlock(Module, Generic[CI, CO]):
    def __init__(self, chin: CI, chout: CO) -> None:
        super().__init__()
        self.conv = Conv1d(chin, chout, 8, 4)  # E: mypy[dfdx-shape "self.conv is built here; its "
        #     "output reaches line 36: glu: gives Tensor[B, Dyn, N//4-1], the return type is Tenso"
        #     "r[B, CO, N] (N//4-1 != N)"]
        self.gate = Conv1d(chout, 2 * chout, 1)

    def forward(self, x: Tensor[B, CI, N, T]) -> Tensor[B, CO, N, T]:
        x = self.conv(x).relu()
        return glu(self.gate(x))  # E: mypy[dfdx-shape "glu: gives Tensor[B, Dyn, N//4-1], the ret"
        #     "urn type is Tensor[B, CO, N] (N//4-1 != N)"]
