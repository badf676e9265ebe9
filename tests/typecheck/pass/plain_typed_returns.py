"""Plain-only: a typed function may return what plain signatures cannot size exactly, under mypy
--strict (``warn_return_any``) too: a broadcast (a ``(1, 5)`` row bias, a division by a
``keepdims`` norm), and arithmetic on ``chunk``/``split`` pieces (a GRU update, a GEGLU gate)
are tensors of unknown rank that keep the tape, not ``Any``. No false error, no check: the
run time checks every shape, and the plugin computes them."""

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import DynTensor, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def linear(
    x: Tensor[B, L[4], T], w: Tensor[L[4], L[5], NoneTape], b: Tensor[L[1], L[5], NoneTape]
) -> Tensor[B, L[5], T]:
    return x @ w + b


def normalize(z: Tensor[N, D, T], eps: float = 1e-12) -> Tensor[N, D, T]:
    norm = z.square().sum(axis=1, keepdims=True).sqrt().clamp(min=eps)
    return z / norm


def gru_update(gates: Tensor[B, L[9], T], h: Tensor[B, L[3], T]) -> Tensor[B, L[3], T]:
    r, z, n = gates.chunk(3, axis=1)
    assert_type(z, DynTensor[T])
    n = dx.tanh(n * dx.sigmoid(r))
    return (1 - dx.sigmoid(z)) * n + dx.sigmoid(z) * h


def geglu(x: Tensor[B, L[8], T]) -> Tensor[B, L[4], T]:
    value, gate = x.split(4, axis=-1)
    return value * dx.relu(gate)


x = dx.randn(2, 4)
assert linear(x, dx.randn(4, 5), dx.randn(1, 5)).shape == (2, 5)
assert normalize(dx.randn(3, 6).trace()).shape == (3, 6)
g: Tensor[L[2], L[9], OwnedTape] = dx.randn(2, 9).trace()
h: Tensor[L[2], L[3], OwnedTape] = dx.randn(2, 3).trace()
out = gru_update(g, h)
assert_type(out, Tensor[L[2], L[3], OwnedTape])
out.sum().backward()
assert geglu(dx.randn(2, 8)).shape == (2, 4)
