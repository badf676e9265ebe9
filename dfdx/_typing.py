"""Type variables shared by the typed signatures of ops (not part of the public API)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar, TypeVarTuple

if TYPE_CHECKING:
    from dfdx._tensor import NoneTape, OwnedTape, Tensor

Dyn: TypeAlias = Any
"""A size known only at run time (the runtime still checks it)."""

S = TypeVarTuple("S")
Bs = TypeVarTuple("Bs")
T = TypeVar("T", "NoneTape", "OwnedTape")
M = TypeVar("M")
K = TypeVar("K")
N = TypeVar("N")

AnyTensor: TypeAlias = "Tensor[*tuple[Dyn, ...], Any]"
"""Any rank, any tape: the fallback where plain signatures cannot compute a shape."""

_Form = TypeVar("_Form")


class Expr(int, Generic[_Form]):
    """A size computed from symbolic sizes, as ``dfdx_mypy_plugin`` writes it in a type:
    ``x.reshape(-1, C)`` on a ``Tensor[B, T, C]`` is ``Tensor[Expr[Literal["B*T"]], C]``. Never
    instantiated; without the plugin no type holds it. An ``int`` subclass, so it fits every
    size parameter; equal only to itself (a ``Tensor[Expr[L["B*T"]]]`` is no ``Tensor[B]``)."""
