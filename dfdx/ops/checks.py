# pyright: reportOverlappingOverload=false
"""Giving data of run-time shape a static shape, checked at run time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, overload

from dfdx._typing import Dyn, T
from dfdx_mypy_plugin.shapes import ensure

if TYPE_CHECKING:
    from dfdx._tensor import Tensor

Size = int | None


@overload
def ensure_shape(x: Tensor[*tuple[Any, ...], T], /) -> Tensor[T]: ...
@overload
def ensure_shape(x: Tensor[*tuple[Any, ...], T], d0: Size, /) -> Tensor[Dyn, T]: ...
@overload
def ensure_shape(x: Tensor[*tuple[Any, ...], T], d0: Size, d1: Size, /) -> Tensor[Dyn, Dyn, T]: ...
@overload
def ensure_shape(
    x: Tensor[*tuple[Any, ...], T], d0: Size, d1: Size, d2: Size, /
) -> Tensor[Dyn, Dyn, Dyn, T]: ...
@overload
def ensure_shape(
    x: Tensor[*tuple[Any, ...], T], d0: Size, d1: Size, d2: Size, d3: Size, /
) -> Tensor[Dyn, Dyn, Dyn, Dyn, T]: ...
@overload
def ensure_shape(x: Tensor[*tuple[Any, ...], T], /, *dims: Size) -> Tensor[*tuple[Dyn, ...], T]: ...
def ensure_shape(x: Any, /, *dims: Size) -> Any:
    """``x`` itself, after checking that its shape is ``dims`` (None accepts any size).

    With the plugin, ``ensure_shape(data, None, 784)`` is typed ``Tensor[Dyn, Literal[784], T]``:
    the way to give a tensor loaded at run time a static shape that the runtime vouches for.
    Raises ``ShapeError`` naming the axis that differs.
    """
    for d in dims:
        if d is not None and (isinstance(d, bool) or not isinstance(d, int)):
            raise TypeError(f"ensure_shape: sizes must be ints or None, got {d!r}")
    ensure("ensure_shape", x.shape, dims)
    return x
