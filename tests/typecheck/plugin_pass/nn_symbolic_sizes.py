"""A module sized by an int-bound TypeVar keeps it: ``Linear(features, 512)`` with
``features: F`` is ``Linear[F, L[512]]`` (the plain signature gives ``Linear[Any, Any]``, which
accepts it), and calling it maps ``Tensor[B, F, T]`` to ``Tensor[B, L[512], T]``."""

# rules: nn

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, Tensor
from dfdx.nn import LayerNorm, Linear

B = TypeVar("B", bound=int)
F = TypeVar("F", bound=int)


def head(features: F, x: Tensor[B, F, NoneTape]) -> Tensor[B, L[512], NoneTape]:
    lin = Linear(features, 512)
    assert_type(lin, Linear[F, L[512]])
    assert_type(LayerNorm(features), LayerNorm[F])
    y = lin(x)
    assert_type(y, Tensor[B, L[512], NoneTape])
    return y


out = head(3, dx.randn(2, 3))
assert_type(out, Tensor[L[2], L[512], NoneTape])
