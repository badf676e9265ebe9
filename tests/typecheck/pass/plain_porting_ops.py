"""The ops ports of PyTorch models needed, without the plugin: ``einsum`` gives a tensor of
unknown rank on its operands' tape; the ``*_like`` makers give their argument's shape type
untraced; ``eye``, ``linspace`` and ``randint`` a rank from their arguments with ``Dyn`` sizes;
``cumsum``, ``erf`` and ``log1p`` keep the shape type; ``norm`` over every axis is 0-d and over
the last axis drops it (or keeps it with ``keepdims=True``). Plain-only: the plugin makes the
``Dyn`` sizes here exact."""

from typing import Any, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def ops(x: Tensor[B, N, T], y: Tensor[B, N, NoneTape]) -> None:
    assert_type(dx.einsum("bn,bn->b", x, y), Tensor[*tuple[Dyn, ...], T])
    assert_type(dx.einsum("bn->nb", y), Tensor[*tuple[Dyn, ...], NoneTape])
    assert_type(dx.zeros_like(x), Tensor[B, N, NoneTape])
    assert_type(dx.randn_like(x), Tensor[B, N, NoneTape])
    assert_type(dx.full_like(x, 2.0), Tensor[B, N, NoneTape])
    assert_type(dx.cumsum(x, 1), Tensor[B, N, T])
    assert_type(x.cumsum(0), Tensor[B, N, T])
    assert_type(dx.erf(x), Tensor[B, N, T])
    assert_type(x.log1p(), Tensor[B, N, T])
    assert_type(dx.norm(x), Tensor[T])
    assert_type(x.norm(axis=-1), Tensor[B, T])
    assert_type(x.norm(1, axis=-1, keepdims=True), Tensor[B, L[1], T])


assert_type(
    dx.einsum("i,j,k->ijk", dx.ones(2), dx.ones(3), dx.ones(4)), Tensor[*tuple[Dyn, ...], Any]
)
assert_type(dx.eye(3), Tensor[Dyn, Dyn, NoneTape])
assert_type(dx.eye(3, 4), Tensor[Dyn, Dyn, NoneTape])
assert_type(dx.linspace(0.0, 1.0, 5), Tensor[Dyn, NoneTape])
assert_type(dx.randint(10, (4, 2)), Tensor[Dyn, Dyn, NoneTape])
assert_type(dx.randint(0, 10, (4,)), Tensor[Dyn, NoneTape])
ops(dx.ones(2, 3).trace(), dx.ones(2, 3))
