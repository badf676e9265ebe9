"""A size the user types plain ``int`` (a helper's ``-> Tensor[B, int, N, T]``: Demucs' gated
linear unit halves the channels, which the signature does not say) is one the run time
checks: a call whose value goes straight to a declared type (a ``return``, an annotated name)
takes that type where every other size fits it. mypy alone and pyright hold ``int`` to be
another type than the module's ``CO`` (pyright's ignore comments below); the plugin accepts
the call, and reports a size that certainly differs (``plugin_fail/unsized_returns_errors.py``)."""

# rules: nn, movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, ConvTranspose1d, Linear, Module

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
D = TypeVar("D", bound=int)
N = TypeVar("N", bound=int)
S = TypeVar("S", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def glu(x: Tensor[B, C, N, T]) -> Tensor[B, int, N, T]:
    a, b = x.chunk(2, axis=1)
    return a * b.sigmoid()


class DownBlock(Module, Generic[CI, CO]):
    def __init__(self, chin: CI, chout: CO) -> None:
        super().__init__()
        self.conv = Conv1d(chin, chout, 8, 4)
        self.gate = Conv1d(chout, 2 * chout, 1)

    def forward(self, x: Tensor[B, CI, N, T]) -> Tensor[B, CO, int, T]:
        x = self.conv(x).relu()
        return glu(self.gate(x))  # pyright: ignore[reportReturnType]


class UpBlock(Module, Generic[CI, CO]):
    def __init__(self, chin: CI, chout: CO) -> None:
        super().__init__()
        self.gate = Conv1d(chin, 2 * chin, 3, padding=1)
        self.up = ConvTranspose1d(chin, chout, 8, 4)

    def forward(self, x: Tensor[B, CI, N, T]) -> Tensor[B, CO, int, T]:
        gated: Tensor[B, CI, N, T] = glu(self.gate(x))  # pyright: ignore[reportAssignmentType]
        return self.up(gated)


class TokenPool(Module, Generic[D]):
    """Mean of the tokens that are not padding; the width is typed ``int`` in its result."""

    def __init__(self, dim: D) -> None:
        super().__init__()
        self.proj = Linear(dim, dim)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, int, T]:
        return self.proj(x).mean(axis=1)


class Head(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.pool = TokenPool(dim)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, D, T]:
        return self.pool(x)  # pyright: ignore[reportReturnType]


def main() -> None:
    down, up = DownBlock(1, 8), UpBlock(8, 1)
    wave = dx.randn(2, 1, 64)
    coded = down(wave.trace())
    assert_type(coded, Tensor[L[2], L[8], L[15], OwnedTape])
    assert coded.shape == (2, 8, 15)
    back = up(coded)
    assert_type(back, Tensor[L[2], L[1], L[64], OwnedTape])
    assert back.shape == (2, 1, 64)
    back.sum().backward()

    head = Head(6)
    pooled = head(dx.randn(3, 5, 6))
    assert_type(pooled, Tensor[L[3], L[6], NoneTape])
    assert pooled.shape == (3, 6)


main()
