"""A transposed tensor used as an operand (``e = wh1 + wh2.T``, GAT's pairwise scores from two
``(N, 1)`` columns) is typed by what the plain signatures can say: a tensor of unknown rank
where the sizes broadcast to a shape they cannot write (here ``(N, N)``), never the left
operand's shape.
mypy infers a descriptor's type from the expected type first; ``.T`` used to be ``Any``
there, and the sum ``Tensor[N, 1]``. ``.T`` of a 2-d tensor alone keeps its exact type."""

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Module

N = TypeVar("N", bound=int)
F = TypeVar("F", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def pairwise(wh1: Tensor[N, L[1], T], wh2: Tensor[N, L[1], T]) -> Tensor[N, N, T]:
    assert_type(wh2.T, Tensor[L[1], N, T])
    assert_type(wh1 + wh2.T, Tensor[*tuple[Any, ...], Any])
    assert_type(wh1 * wh2.mT, Tensor[*tuple[Any, ...], Any])
    e: Tensor[N, N, T] = wh1 + wh2.T
    return e


class Scores(Module, Generic[F]):
    def __init__(self, features: F) -> None:
        super().__init__()
        self.src: Tensor[F, L[1], NoneTape] = dx.zeros(features, 1)
        self.dst: Tensor[F, L[1], NoneTape] = dx.zeros(features, 1)

    def forward(self, wh: Tensor[N, F, T]) -> Tensor[N, N, T]:
        return dx.leaky_relu(wh @ self.src + (wh @ self.dst).T, 0.2)


a: Tensor[L[3], L[1], NoneTape] = dx.zeros(3, 1)
b: Tensor[L[1], L[4], NoneTape] = dx.zeros(1, 4)
assert_type(b.T, Tensor[L[4], L[1], NoneTape])
assert_type(a * b, Tensor[*tuple[Any, ...], Any])
assert_type(a.trace() - a.T, Tensor[*tuple[Any, ...], Any])
assert pairwise(a, a).shape == (3, 3)
scores: Scores[L[5]] = Scores(5)
assert scores(dx.randn(3, 5).trace()).shape == (3, 3)
