"""Type variables shared by the typed signatures of ops (not part of the public API)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, TypeVarTuple

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
