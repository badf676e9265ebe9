"""What ``x.shape`` gives without the plugin where the type does not state a size: a ``Dyn``
size is ``Any`` (the plugin makes it ``int``), a tensor of unknown rank gives
``tuple[Any, ...]``, and in a function generic over ``*S`` the sizes are ``tuple[*S]``, whose
items are not known to be ints: ``x.size()`` is ``tuple[int, ...]`` there."""

from typing import Any, TypeVar, TypeVarTuple, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import DynTensor, NoneTape, OwnedTape, Tensor

S = TypeVarTuple("S")
T = TypeVar("T", NoneTape, OwnedTape)


def sizes(x: Tensor[*S, T]) -> tuple[int, ...]:
    assert_type(x.shape, tuple[*S])
    return x.size()


def last_size(x: DynTensor[T]) -> int:
    assert_type(x.shape, tuple[Any, ...])
    return x.size(-1)


d = dx.zeros(3, 4)
assert_type(d.shape, tuple[Any, Any])
assert_type(d.size(), tuple[int, ...])
f: Tensor[Any, L[4], NoneTape] = dx.zeros(3, 4)
assert_type(f.shape[1], L[4])
assert sizes(d) == (3, 4) and last_size(d) == 4
