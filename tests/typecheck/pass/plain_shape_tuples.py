"""Sizes given as one tuple, without the plugin: the rank is the tuple's length (0 to 4), each
size ``Dyn``, as for separate ints; a longer tuple, a list or a ``tuple[int, ...]`` (a
``.size()``) gives a tensor of unknown rank, and reshape/view/expand/repeat give ``Any``, as
with separate ints. Plain-only: the plugin makes the sizes exact (``dx.zeros((3, 4))`` is
``Tensor[L[3], L[4], NoneTape]``, ``dx.zeros(x.shape)`` has ``x``'s sizes)."""

from typing import Any, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, DynTensor, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
D = TypeVar("D", bound=int)

rng = np.random.default_rng(0)

assert_type(dx.zeros(()), Tensor[NoneTape])
assert_type(dx.zeros((3,)), Tensor[Dyn, NoneTape])
assert_type(dx.ones((3, 4)), Tensor[Dyn, Dyn, NoneTape])
assert_type(dx.randn((2, 3, 4), rng=rng), Tensor[Dyn, Dyn, Dyn, NoneTape])
assert_type(dx.rand((1, 2, 3, 4)), Tensor[Dyn, Dyn, Dyn, Dyn, NoneTape])
assert_type(dx.zeros((1, 2, 3, 4, 5)), Tensor[*tuple[Dyn, ...], NoneTape])
assert_type(dx.zeros([2, 3]), Tensor[*tuple[Dyn, ...], NoneTape])
assert_type(dx.full((2, 3), 0.5), Tensor[Dyn, Dyn, NoneTape])
assert_type(dx.full((), 1), Tensor[NoneTape])
assert_type(dx.full([2, 3], 0.5), Tensor[*tuple[Dyn, ...], NoneTape])

# a declared shape takes them
a: Tensor[L[3], L[4], NoneTape] = dx.zeros((3, 4))
b: Tensor[L[3], L[4], NoneTape] = dx.full(a.shape, 2.0)
c: Tensor[L[3], L[4], NoneTape] = dx.randn(a.shape, rng=rng)
assert_type(a + b * c, Tensor[L[3], L[4], NoneTape])


def like(x: Tensor[B, D, OwnedTape], size: tuple[int, ...]) -> Tensor[B, D, NoneTape]:
    """A typed ``.shape`` is a tuple of its TypeVars: its rank is kept, each size ``Dyn``."""
    assert_type(dx.zeros(x.shape), Tensor[Dyn, Dyn, NoneTape])
    assert_type(dx.zeros(size), Tensor[*tuple[Dyn, ...], NoneTape])
    assert_type(dx.full(size, 0.0), Tensor[*tuple[Dyn, ...], NoneTape])
    assert_type(x.reshape(size), Any)
    assert_type(x.view((-1,)), Any)
    assert_type(x.expand(x.shape), Any)
    assert_type(x.repeat((1, 2)), Any)
    unknown: DynTensor[OwnedTape] = x.reshape(size)
    # the .shape of a tensor of unknown rank (tuple[Any, ...]) fits every tuple overload: the
    # tuple[Never] one, first, gives a tensor of unknown rank (pyright), or mypy gives Any;
    # never rank 0, the first fixed-length overload
    _r, _c = dx.zeros(unknown.shape).shape
    _r, _c = dx.full(unknown.shape, 1.0).shape
    flat: Tensor[Dyn, OwnedTape] = x.reshape((-1,))
    assert flat.shape == (x.shape[0] * x.shape[1],)
    return dx.ones(x.shape)


out = like(dx.randn(2, 3, rng=rng).trace(), (3, 2))
assert out.shape == (2, 3)
assert dx.zeros((1, 2, 3, 4, 5)).shape == (1, 2, 3, 4, 5)
assert a.reshape((2, 6)).shape == (2, 6) and a.expand((2, 3, 4)).shape == (2, 3, 4)
