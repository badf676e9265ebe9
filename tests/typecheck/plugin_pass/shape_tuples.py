"""Sizes given as one tuple, as PyTorch takes them: ``dx.zeros((2, 3))``, ``dx.ones(x.shape)``,
``dx.randn((B, T, C))``, ``dx.full(x.shape, 0.0)``, ``x.reshape((B * T, C))``,
``x.view(y.shape)``, ``x.expand(y.shape)``, ``x.repeat((2, 1))``. A tuple of literals or of
named sizes gives those sizes, a ``.shape`` gives its tensor's sizes, a list display reads as
a tuple, and a ``tuple[int, ...]`` (``x.size()``, a loader's shape) gives a tensor of unknown
rank."""

# rules: creation, movement, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
H = TypeVar("H", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

n = int("3")  # a size known only at run time

# literal tuples, lists and an empty tuple
assert_type(dx.zeros((2, 3)), Tensor[L[2], L[3], NoneTape])
assert_type(dx.ones((4,)), Tensor[L[4], NoneTape])
assert_type(dx.randn((2, 3, 4), dtype=dx.float64), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.rand(()), Tensor[NoneTape])
assert_type(dx.zeros([2, 3]), Tensor[L[2], L[3], NoneTape])
assert_type(dx.zeros((2, n)), Tensor[L[2], Dyn, NoneTape])
assert_type(dx.full([2, 2 * 3], 1.0), Tensor[L[2], L[6], NoneTape])
assert_type(dx.zeros((1, 2, 3, 4, 5, 6)), Tensor[L[1], L[2], L[3], L[4], L[5], L[6], NoneTape])

# a .shape gives its tensor's sizes
a = dx.randn(2, 5)
assert_type(dx.zeros(a.shape), Tensor[L[2], L[5], NoneTape])
assert_type(dx.full(a.shape, 0.5), Tensor[L[2], L[5], NoneTape])
assert_type(dx.ones(a.shape) + a, Tensor[L[2], L[5], NoneTape])
assert_type(a.reshape((5, 2)), Tensor[L[5], L[2], NoneTape])
assert_type(a.view((-1,)), Tensor[L[10], NoneTape])
assert_type(dx.reshape(a, [10, 1]), Tensor[L[10], L[1], NoneTape])
assert_type(a.reshape(a.shape), Tensor[L[2], L[5], NoneTape])
assert_type(dx.ones(5).expand(a.shape), Tensor[L[2], L[5], NoneTape])
assert_type(dx.ones(1, 5).broadcast_to((3, 2, 5)), Tensor[L[3], L[2], L[5], NoneTape])
assert_type(a.repeat((2, 1)), Tensor[L[4], L[5], NoneTape])
assert_type(dx.repeat(a.trace(), [1, 1, 3]), Tensor[L[1], L[2], L[15], OwnedTape])


def resized(size: tuple[int, ...], sizes: list[int]) -> None:
    """A tuple of unknown length: the rank is known only at run time."""
    assert_type(dx.zeros(size), Tensor[*tuple[Dyn, ...], NoneTape])
    assert_type(dx.ones(sizes), Tensor[*tuple[Dyn, ...], NoneTape])
    assert_type(dx.full(size, 1.0), Tensor[*tuple[Dyn, ...], NoneTape])
    assert_type(a.reshape(size), Tensor[*tuple[Dyn, ...], NoneTape])
    assert_type(a.trace().view(sizes), Tensor[*tuple[Dyn, ...], OwnedTape])
    assert_type(a.expand(size), Tensor[*tuple[Dyn, ...], NoneTape])


resized((2, 5), [5, 2])
data = np.zeros((4, 3))
assert_type(dx.zeros(data.shape), Tensor[Dyn, Dyn, NoneTape])


def noise_like(x: Tensor[B, S, D, T]) -> Tensor[B, S, D, NoneTape]:
    """A generic function: sizes of TypeVars read from ``x.shape``."""
    return dx.randn(x.shape) * 0.1


class Attention(Module, Generic[D, H]):
    """A causal self-attention head split written the PyTorch way: sizes unpacked from
    ``x.shape``, a mask and a scratch tensor made from a tuple of them."""

    def __init__(self, dim: D, heads: H) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = Linear(dim, 3 * dim)
        self.out = Linear(dim, dim)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, OwnedTape]:
        b, s, d = x.shape
        mask = dx.ones((s, s)).tril()
        q, k, v = self.qkv(x).split(d, axis=2)
        h = self.heads
        q = q.view((b, s, h, d // h)).transpose(1, 2)
        k = k.view((b, s, h, d // h)).transpose(1, 2)
        v = v.view((b, s, h, d // h)).transpose(1, 2)
        scores = (q @ k.transpose(-2, -1)).masked_fill(mask == 0, float("-inf"))
        y = scores.softmax(axis=-1) @ v
        merged = y.transpose(1, 2).reshape((b, s, d))
        bias = dx.zeros(merged.shape)
        return self.out(merged + bias).trace()


x = dx.randn((2, 4, 8))
assert_type(x, Tensor[L[2], L[4], L[8], NoneTape])
assert_type(noise_like(x), Tensor[L[2], L[4], L[8], NoneTape])
attention: Attention[L[8], L[2]] = Attention(8, 2)
assert_type(attention(x), Tensor[L[2], L[4], L[8], OwnedTape])
steps = [dx.zeros(x.shape) for _ in range(3)]
for step in steps:
    x = x + step
assert_type(x, Tensor[L[2], L[4], L[8], NoneTape])
assert attention(x).shape == (2, 4, 8)
