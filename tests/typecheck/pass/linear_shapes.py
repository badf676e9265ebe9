"""dx.linear without the plugin: the plain signature gives the exact result type for literal
sizes (``x`` ``(*B, in)``, ``weight`` ``(out, in)``), keeps the leading axes, symbolic sizes
in generic code, and the tape of whichever operand is traced; dx.nn.linear is the same op."""

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
batch: Tensor[L[2], L[3], L[4], NoneTape] = dx.randn(2, 3, 4)
v: Tensor[L[4], NoneTape] = dx.randn(4)
w: Tensor[L[5], L[4], NoneTape] = dx.randn(5, 4)
b: Tensor[L[5], NoneTape] = dx.randn(5)

assert_type(dx.linear(x, w), Tensor[L[3], L[5], NoneTape])
assert_type(dx.linear(x, w, b), Tensor[L[3], L[5], NoneTape])
assert_type(dx.linear(x, w, bias=b), Tensor[L[3], L[5], NoneTape])
assert_type(dx.linear(batch, w, b), Tensor[L[2], L[3], L[5], NoneTape])
assert_type(dx.linear(v, w, b), Tensor[L[5], NoneTape])
assert_type(dx.nn.linear(x, w, b), Tensor[L[3], L[5], NoneTape])

# the tape: a traced input, weight or bias gives OwnedTape
assert_type(dx.linear(x.trace(), w, b), Tensor[L[3], L[5], OwnedTape])
assert_type(dx.linear(x, w.trace(), b), Tensor[L[3], L[5], OwnedTape])
assert_type(dx.linear(x, w.trace(), b.trace()), Tensor[L[3], L[5], OwnedTape])
assert_type(dx.linear(x.trace(), w.trace()), Tensor[L[3], L[5], OwnedTape])
assert_type(dx.linear(x, w, b.trace()), Tensor[L[3], L[5], OwnedTape])


def layer(h: Tensor[B, L[4], T], weight: Tensor[L[5], L[4], NoneTape]) -> Tensor[B, L[5], T]:
    return dx.linear(h, weight)


assert_type(layer(x, w), Tensor[L[3], L[5], NoneTape])
assert_type(layer(x.trace(), w), Tensor[L[3], L[5], OwnedTape])


def unknown_rank(h: dx.DynTensor[NoneTape], weight: Tensor[L[5], L[4], NoneTape]) -> None:
    """An input of unknown rank is accepted (no fallback overload is needed for it)."""
    dx.linear(h, weight)


unknown_rank(x, w)
