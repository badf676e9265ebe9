"""Type variables shared by the typed signatures of ops and modules (not part of the public
API): every module imports them from here rather than defining its own."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar, TypeVarTuple

if TYPE_CHECKING:
    from dfdx._tensor import NoneTape, OwnedTape, Tensor

Dyn: TypeAlias = Any
"""A size known only at run time (the runtime still checks it)."""

T = TypeVar("T", "NoneTape", "OwnedTape")
"""The tape kind an op's result carries: its traced operand's (or none)."""

S = TypeVarTuple("S")
"""Leading axes an op keeps as they are (``Tensor[*S, D]``)."""
Bs = TypeVarTuple("Bs")
"""Batch axes (of a matrix product, of attention)."""

# Sizes (int-bound: the plugin reads them as symbolic sizes).
M = TypeVar("M", bound=int)
"""Rows of a matrix."""
K = TypeVar("K", bound=int)
"""The inner size of a matrix product."""
N = TypeVar("N", bound=int)
"""Columns of a matrix, or a batch of images (``(N, C, H, W)``)."""
B = TypeVar("B", bound=int)
"""A batch size."""
C = TypeVar("C", bound=int)
"""Channels (features of ``BatchNorm1d``)."""
D = TypeVar("D", bound=int)
"""Features (``d_model``, the normalised axis), or a head's query/key size."""
Dv = TypeVar("Dv", bound=int)
"""A head's value size."""
E = TypeVar("E", bound=int)
"""``embed_dim``."""
H = TypeVar("H", bound=int)
"""Heads, or a hidden layer's features."""
I = TypeVar("I", bound=int)
"""Input features."""
O = TypeVar("O", bound=int)
"""Output features."""
L = TypeVar("L", bound=int)
"""A (query, target) sequence length."""
Sk = TypeVar("Sk", bound=int)
"""A key (source, memory) sequence length."""
V = TypeVar("V", bound=int)
"""A vocabulary size."""
A0 = TypeVar("A0")
A1 = TypeVar("A1")
A2 = TypeVar("A2")
A3 = TypeVar("A3")
"""The sizes of the first (or last) axes of a tensor whose other axes are ``*S``: what an op
over one literal axis (a reduction, a transpose) keeps, drops or moves."""

R = TypeVar("R")
"""Any type: what a generic helper returns as it was given."""

AnyTensor: TypeAlias = "Tensor[*tuple[Dyn, ...], Any]"
"""Any rank, any tape: the fallback where plain signatures cannot compute a shape."""

_Form = TypeVar("_Form")


class Expr(int, Generic[_Form]):
    """A size computed from symbolic sizes, as ``dfdx_mypy_plugin`` writes it in a type:
    ``x.reshape(-1, C)`` on a ``Tensor[B, T, C]`` is ``Tensor[Expr[Literal["B*T"]], C]``. Never
    instantiated; without the plugin no type holds it. An ``int`` subclass, so it fits every
    size parameter; equal only to itself (a ``Tensor[Expr[L["B*T"]]]`` is no ``Tensor[B]``)."""
