"""Creation with the plugin: literal sizes become ``Literal`` sizes, a size that is not a
literal is ``Dyn``, and ``dx.tensor`` reads the shape of a nested list literal."""

# rules: creation

from typing import Final, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, Tensor

rng = np.random.default_rng(0)
n = int("3")  # an int known only at run time
K: Final = 4  # a Final name keeps its literal value

# zeros, ones, randn, rand: every rank, with dtype= and rng=
assert_type(dx.zeros(), Tensor[NoneTape])
assert_type(dx.zeros(3), Tensor[L[3], NoneTape])
assert_type(dx.zeros(3, 4), Tensor[L[3], L[4], NoneTape])
assert_type(dx.zeros(2, 3, 4), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.zeros(1, 2, 3, 4), Tensor[L[1], L[2], L[3], L[4], NoneTape])
assert_type(dx.zeros(1, 2, 3, 4, 5), Tensor[L[1], L[2], L[3], L[4], L[5], NoneTape])
assert_type(dx.zeros(2, 1, 2, 1, 2, 1), Tensor[L[2], L[1], L[2], L[1], L[2], L[1], NoneTape])
assert_type(dx.zeros(0, 3), Tensor[L[0], L[3], NoneTape])
assert_type(dx.ones(3, 4), Tensor[L[3], L[4], NoneTape])
assert_type(dx.ones(5, dtype=dx.float64), Tensor[L[5], NoneTape])
assert_type(dx.ones(), Tensor[NoneTape])
assert_type(dx.randn(3, 4), Tensor[L[3], L[4], NoneTape])
assert_type(dx.randn(3, 4, rng=rng), Tensor[L[3], L[4], NoneTape])
assert_type(
    dx.randn(2, 3, 4, 5, 6, dtype=dx.float64), Tensor[L[2], L[3], L[4], L[5], L[6], NoneTape]
)
assert_type(dx.rand(7), Tensor[L[7], NoneTape])
assert_type(dx.rand(2, 3, rng=rng), Tensor[L[2], L[3], NoneTape])
assert_type(dx.zeros(K, 2), Tensor[L[4], L[2], NoneTape])

# a size that is not a literal is Dyn (the runtime checks it); the others stay literal
assert_type(dx.zeros(n), Tensor[Dyn, NoneTape])
assert_type(dx.zeros(n, 4), Tensor[Dyn, L[4], NoneTape])
assert_type(dx.ones(2, n, 4), Tensor[L[2], Dyn, L[4], NoneTape])
assert_type(dx.randn(n + 1, 2), Tensor[Dyn, L[2], NoneTape])
assert_type(dx.rand(2 * 3), Tensor[L[6], NoneTape])  # arithmetic on known sizes is folded

# full: the sizes of a tuple literal
assert_type(dx.full((2, 3), 0.5), Tensor[L[2], L[3], NoneTape])
assert_type(dx.full((4,), 1.0), Tensor[L[4], NoneTape])
assert_type(dx.full((), 2.0), Tensor[NoneTape])
assert_type(dx.full((2, n, 1), 0.0), Tensor[L[2], Dyn, L[1], NoneTape])
assert_type(
    dx.full((1, 2, 3, 4, 5), 0.0, dtype=dx.float64), Tensor[L[1], L[2], L[3], L[4], L[5], NoneTape]
)

# arange
assert_type(dx.arange(5), Tensor[L[5], NoneTape])
assert_type(dx.arange(n), Tensor[Dyn, NoneTape])
assert_type(dx.arange(4, dtype=dx.float32), Tensor[L[4], NoneTape])
S = TypeVar("S", bound=int)


def positions(x: Tensor[S, NoneTape]) -> Tensor[S, NoneTape]:
    """``arange(0, s)`` of a symbolic size is that size, as ``arange(s)`` is."""
    (s,) = x.shape
    assert_type(dx.arange(0, s), Tensor[S, NoneTape])
    return dx.arange(0, s)


assert_type(positions(dx.zeros(6)), Tensor[L[6], NoneTape])

# tensor: the nesting of a list (or tuple) literal of numbers
assert_type(dx.tensor(2.0), Tensor[NoneTape])
assert_type(dx.tensor([1.0, 2.0, 3.0]), Tensor[L[3], NoneTape])
assert_type(dx.tensor([[1.0, 2.0], [3.0, 4.0]]), Tensor[L[2], L[2], NoneTape])
assert_type(dx.tensor([[1.0, 2.0, 3.0]]), Tensor[L[1], L[3], NoneTape])
assert_type(dx.tensor([[[1.0], [2.0]], [[3.0], [4.0]]]), Tensor[L[2], L[2], L[1], NoneTape])
assert_type(dx.tensor([1, -2, 3], dtype=dx.int64), Tensor[L[3], NoneTape])
assert_type(dx.tensor((0.5, -0.5)), Tensor[L[2], NoneTape])
assert_type(dx.tensor([(1.0, 2.0), (3.0, 4.0), (5.0, 6.0)]), Tensor[L[3], L[2], NoneTape])
# NumPy data made with sizes written out has them; data whose sizes are not written (a
# function's result, here) keeps the plain signature's unknown rank
assert_type(dx.tensor(np.ones((2, 3))), Tensor[L[2], L[3], NoneTape])


def loaded() -> np.ndarray:
    return np.ones((2, 3))


assert_type(dx.tensor(loaded()), Tensor[*tuple[Dyn, ...], NoneTape])

# the computed types flow on: no declaration needed
a = dx.randn(3, 4)
w = dx.randn(4, 5)
assert_type((a @ w).relu(), Tensor[L[3], L[5], NoneTape])
assert_type(dx.tensor([[1.0, 0.0], [0.0, 1.0]]) @ dx.ones(2, 6), Tensor[L[2], L[6], NoneTape])

# the run time agrees
assert dx.zeros(2, 1, 2, 1, 2, 1).shape == (2, 1, 2, 1, 2, 1)
assert dx.tensor([[[1.0], [2.0]], [[3.0], [4.0]]]).shape == (2, 2, 1)
assert dx.full((2, n, 1), 0.0).shape == (2, 3, 1)
