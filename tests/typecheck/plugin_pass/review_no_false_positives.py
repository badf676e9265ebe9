"""Programs correct at run time that once got an error with the plugin: an op whose plain
signature gives ``Any`` on a ``DynTensor`` (``x.sum(axis=0)``, ``x.reshape(-1)``, argmax)
returned from a function declared to return a ``DynTensor`` (``no-any-return`` under
``--strict``; the plain signatures alone still give it), and a NumPy scalar (``np.float32``,
``np.int64``: no ``float`` to the checkers) as an operand of ``+ - * /``, as the run time
accepts it."""

# rules: binary, indexing, movement, reduce

from typing import Literal as L
from typing import TypeVar, TypeVarTuple, assert_type

import numpy as np

import dfdx as dx
from dfdx import DynTensor, NoneTape, OwnedTape, Tensor

T = TypeVar("T", NoneTape, OwnedTape)
Ts = TypeVarTuple("Ts")


def column_sums(x: DynTensor[T]) -> DynTensor[T]:
    """Rank-polymorphic code on DynTensor: every op keeps the tape, its rank is unknown."""
    y = x.sum(axis=0)
    assert_type(y, DynTensor[T])
    z = y.reshape(-1)
    assert_type(z, DynTensor[T])
    assert_type(x.softmax(axis=0), DynTensor[T])
    return z + x.mean()


def first_row(x: DynTensor[NoneTape]) -> DynTensor[NoneTape]:
    return x.max(axis=0, keepdims=False)


def squash(x: Tensor[*Ts, T]) -> DynTensor[T]:
    return x.mean(axis=-1).flatten()


def labels(x: DynTensor[OwnedTape]) -> DynTensor[NoneTape]:
    """argmax is untraced whatever the input's tape."""
    assert_type(x.argmax(axis=-1), DynTensor[NoneTape])
    return dx.argmax(x, 0, True)


def numpy_scalars(x: Tensor[L[2], L[3], T]) -> Tensor[L[2], L[3], T]:
    a = x + np.float32(0.5)
    assert_type(a, Tensor[L[2], L[3], T])
    b = x * np.int64(2)
    assert_type(b, Tensor[L[2], L[3], T])
    assert_type(np.float32(2.0) * x - np.int64(1), Tensor[L[2], L[3], T])
    return dx.maximum(a - np.float16(1.0), b / np.float64(3.0))


x0 = dx.randn(2, 3)
assert column_sums(x0).shape == (3,)
assert column_sums(x0.trace()).shape == (3,)
assert first_row(x0).shape == (3,)
assert squash(x0).shape == (2,)
assert labels(x0.trace()).shape == (1, 3)
assert numpy_scalars(x0).shape == (2, 3)
assert numpy_scalars(x0.trace()).shape == (2, 3)
