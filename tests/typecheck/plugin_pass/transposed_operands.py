"""A transposed operand in a broadcast, with the plugin: GAT's pairwise attention scores
``wh @ a_src + (wh @ a_dst).T`` from two ``(N, 1)`` columns are ``(N, N)``, whichever way the
transpose is written (``.T``, ``.mT``, ``transpose``, ``permute``), inline or named."""

# rules: binary, movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Module

N = TypeVar("N", bound=int)
F = TypeVar("F", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def pairwise(wh1: Tensor[N, L[1], T], wh2: Tensor[N, L[1], T]) -> Tensor[N, N, T]:
    assert_type(wh1 + wh2.T, Tensor[N, N, T])
    assert_type(wh1 * wh2.mT, Tensor[N, N, T])
    assert_type(wh2.transpose(0, 1) - wh1, Tensor[N, N, T])
    assert_type(dx.maximum(wh1, wh2.permute(1, 0)), Tensor[N, N, T])
    wh2t = wh2.T
    e = wh1 + wh2t
    return e


class Scores(Module, Generic[F]):
    def __init__(self, features: F) -> None:
        super().__init__()
        self.src: Tensor[F, L[1], NoneTape] = dx.zeros(features, 1)
        self.dst: Tensor[F, L[1], NoneTape] = dx.zeros(features, 1)

    def forward(self, wh: Tensor[N, F, T]) -> Tensor[N, N, T]:
        e = wh @ self.src + (wh @ self.dst).T
        assert_type(e, Tensor[N, N, T])
        return dx.leaky_relu(e, 0.2)


a: Tensor[L[3], L[1], NoneTape] = dx.zeros(3, 1)
b: Tensor[L[1], L[4], NoneTape] = dx.zeros(1, 4)
assert_type(a * b, Tensor[L[3], L[4], NoneTape])
assert_type(a.trace() - a.T, Tensor[L[3], L[3], OwnedTape])
assert_type(b.T + b, Tensor[L[4], L[4], NoneTape])
assert pairwise(a, a).shape == (3, 3)
scores: Scores[L[5]] = Scores(5)
assert scores(dx.randn(3, 5).trace()).shape == (3, 3)
