# pyright: reportOverlappingOverload=false
"""Two operands, NumPy broadcasting: ``+ - * /``, maximum, minimum.

Without the plugin, the signatures give an exact type when both operands have the same shape
(the tape of the result is ``OwnedTape`` when either input is traced) and a tensor of unknown
shape otherwise; the plugin computes broadcast shapes and reports the axis that cannot
broadcast. Overloads, in order: the left operand's tape wins when the right one is untraced or
a number; the right one's wins when the left is untraced; two traced operands give OwnedTape;
an untraced 1-d or 2-d operand on the last axes of the other (a bias or a norm's weight: ``x
@ w + b``, ``x * rsqrt(...) * weight``; positions: ``tok_emb + pos_emb``) keeps the other's
shape and tape; anything else (shapes that
differ) falls back to an unknown shape.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Never, overload

import numpy as np

from dfdx._backend import Array, xp
from dfdx._dtypes import check_float, check_same
from dfdx._typing import AnyTensor, C, D, S, T
from dfdx.ops._op import not_a_tensor, result
from dfdx_mypy_plugin.shapes import broadcast

# The check is a pure function of the op and the two shapes, and a model meets the same few
# shape pairs at every step: a cache hit costs ~0.2 us, the check ~2.5 us. (Errors are not
# cached: they are raised again on every call, the same way.)
_check_broadcast = functools.lru_cache(maxsize=256)(broadcast)

if TYPE_CHECKING:
    from dfdx._tensor import NoneTape, OwnedTape, Tensor

Scalar = float | np.floating[Any] | np.integer[Any]
"""A number operand: NumPy scalars too, as at run time (``np.float32`` is no ``float``)."""
GradPair = tuple[Array, Callable[[Array], Array], Callable[[Array], Array]]
Kernel = Callable[[Array, Array], GradPair]
"""Forward of a binary op: its value and the gradient functions of both operands."""


def _operands(op: str, x: AnyTensor, y: object) -> tuple[Array, Array | None]:
    """The arrays of ``x`` and of a tensor ``y`` (None when ``y`` is a number), checked."""
    try:
        a = x._data
    except AttributeError:  # not array_of: the try costs nothing where it succeeds
        raise not_a_tensor(op, x, "a tensor as the first operand") from None
    check_float(op, a)
    b = getattr(y, "_data", None)
    if b is None:
        # The type tests first: an ABC isinstance costs ~0.5 us, more than the rest of an op.
        if type(y) is not float and type(y) is not int and not isinstance(y, numbers.Real):
            raise TypeError(f"{op}: expected a tensor or a number, got {type(y).__name__}")
        return a, None
    check_same(op, a, b)
    if a.shape != b.shape:
        _check_broadcast(op, a.shape, b.shape)
    return a, b


def _binary(op: str, x: AnyTensor, y: Any, kernel: Kernel) -> AnyTensor:
    a, b = _operands(op, x, y)
    if b is None:
        out, da, _ = kernel(a, xp.asarray(y, a.dtype))
        return result(out, (x,), (da,))
    out, da, db = kernel(a, b)
    return result(out, (x, y), (da, db))


def _reversed(op: str, x: AnyTensor, y: Any, kernel: Kernel) -> AnyTensor:
    """``y <op> x`` for a number ``y`` on the left."""
    a, b = _operands(op, x, y)
    if b is not None:  # only reached by a direct call: Python tries x.__op__ first
        return _binary(op, y, x, kernel)
    out, _, da = kernel(xp.asarray(y, a.dtype), a)
    return result(out, (x,), (da,))


def _add(a: Array, b: Array) -> GradPair:
    return a + b, lambda g: g, lambda g: g


def _sub(a: Array, b: Array) -> GradPair:
    return a - b, lambda g: g, lambda g: -g


def _mul(a: Array, b: Array) -> GradPair:
    return a * b, lambda g: g * b, lambda g: g * a


def _div(a: Array, b: Array) -> GradPair:
    return a / b, lambda g: g / b, lambda g: -g * a / (b * b)


def _maximum(a: Array, b: Array) -> GradPair:
    # Ties share the gradient equally, as in PyTorch.
    share = xp.where(a > b, 1.0, xp.where(a == b, 0.5, 0.0)).astype(a.dtype)
    return xp.maximum(a, b), lambda g: g * share, lambda g: g * (1 - share)


def _minimum(a: Array, b: Array) -> GradPair:
    share = xp.where(a < b, 1.0, xp.where(a == b, 0.5, 0.0)).astype(a.dtype)
    return xp.minimum(a, b), lambda g: g * share, lambda g: g * (1 - share)


# An argument typed Any meets the `Never` overload first (nothing else fits it): both checkers
# give a tensor of unknown rank. Without it pyright solves `*S` from Any as one axis and claims
# rank 1 (`dx.relu(h).shape` a 1-tuple; `dx.add(h, x)` of rank 1).
@overload
def add(x: Never, y: AnyTensor | Scalar, /) -> AnyTensor: ...
@overload
def add(x: Tensor[*S, T], y: Tensor[*S, T] | Tensor[*S, NoneTape] | Scalar, /) -> Tensor[*S, T]: ...
@overload
def add(x: Tensor[*S, NoneTape], y: Tensor[*S, T], /) -> Tensor[*S, T]: ...
@overload
def add(x: Tensor[*S, Any], y: Tensor[*S, Any], /) -> Tensor[*S, OwnedTape]: ...
@overload
def add(x: Tensor[*S, D, T], y: Tensor[D, NoneTape], /) -> Tensor[*S, D, T]: ...
@overload
def add(x: Tensor[D, NoneTape], y: Tensor[*S, D, T], /) -> Tensor[*S, D, T]: ...
@overload
def add(x: Tensor[*S, C, D, T], y: Tensor[C, D, NoneTape], /) -> Tensor[*S, C, D, T]: ...
@overload
def add(x: Tensor[C, D, NoneTape], y: Tensor[*S, C, D, T], /) -> Tensor[*S, C, D, T]: ...
@overload
def add(x: AnyTensor, y: AnyTensor, /) -> AnyTensor: ...
def add(x: Any, y: Any, /) -> Any:
    """``x + y`` with broadcasting."""
    return _binary("add", x, y, _add)


@overload
def sub(x: Never, y: AnyTensor | Scalar, /) -> AnyTensor: ...
@overload
def sub(x: Tensor[*S, T], y: Tensor[*S, T] | Tensor[*S, NoneTape] | Scalar, /) -> Tensor[*S, T]: ...
@overload
def sub(x: Tensor[*S, NoneTape], y: Tensor[*S, T], /) -> Tensor[*S, T]: ...
@overload
def sub(x: Tensor[*S, Any], y: Tensor[*S, Any], /) -> Tensor[*S, OwnedTape]: ...
@overload
def sub(x: Tensor[*S, D, T], y: Tensor[D, NoneTape], /) -> Tensor[*S, D, T]: ...
@overload
def sub(x: Tensor[D, NoneTape], y: Tensor[*S, D, T], /) -> Tensor[*S, D, T]: ...
@overload
def sub(x: Tensor[*S, C, D, T], y: Tensor[C, D, NoneTape], /) -> Tensor[*S, C, D, T]: ...
@overload
def sub(x: Tensor[C, D, NoneTape], y: Tensor[*S, C, D, T], /) -> Tensor[*S, C, D, T]: ...
@overload
def sub(x: AnyTensor, y: AnyTensor, /) -> AnyTensor: ...
def sub(x: Any, y: Any, /) -> Any:
    """``x - y`` with broadcasting."""
    return _binary("sub", x, y, _sub)


@overload
def mul(x: Never, y: AnyTensor | Scalar, /) -> AnyTensor: ...
@overload
def mul(x: Tensor[*S, T], y: Tensor[*S, T] | Tensor[*S, NoneTape] | Scalar, /) -> Tensor[*S, T]: ...
@overload
def mul(x: Tensor[*S, NoneTape], y: Tensor[*S, T], /) -> Tensor[*S, T]: ...
@overload
def mul(x: Tensor[*S, Any], y: Tensor[*S, Any], /) -> Tensor[*S, OwnedTape]: ...
@overload
def mul(x: Tensor[*S, D, T], y: Tensor[D, NoneTape], /) -> Tensor[*S, D, T]: ...
@overload
def mul(x: Tensor[D, NoneTape], y: Tensor[*S, D, T], /) -> Tensor[*S, D, T]: ...
@overload
def mul(x: Tensor[*S, C, D, T], y: Tensor[C, D, NoneTape], /) -> Tensor[*S, C, D, T]: ...
@overload
def mul(x: Tensor[C, D, NoneTape], y: Tensor[*S, C, D, T], /) -> Tensor[*S, C, D, T]: ...
@overload
def mul(x: AnyTensor, y: AnyTensor, /) -> AnyTensor: ...
def mul(x: Any, y: Any, /) -> Any:
    """``x * y`` with broadcasting."""
    return _binary("mul", x, y, _mul)


@overload
def div(x: Never, y: AnyTensor | Scalar, /) -> AnyTensor: ...
@overload
def div(x: Tensor[*S, T], y: Tensor[*S, T] | Tensor[*S, NoneTape] | Scalar, /) -> Tensor[*S, T]: ...
@overload
def div(x: Tensor[*S, NoneTape], y: Tensor[*S, T], /) -> Tensor[*S, T]: ...
@overload
def div(x: Tensor[*S, Any], y: Tensor[*S, Any], /) -> Tensor[*S, OwnedTape]: ...
@overload
def div(x: Tensor[*S, D, T], y: Tensor[D, NoneTape], /) -> Tensor[*S, D, T]: ...
@overload
def div(x: Tensor[D, NoneTape], y: Tensor[*S, D, T], /) -> Tensor[*S, D, T]: ...
@overload
def div(x: Tensor[*S, C, D, T], y: Tensor[C, D, NoneTape], /) -> Tensor[*S, C, D, T]: ...
@overload
def div(x: Tensor[C, D, NoneTape], y: Tensor[*S, C, D, T], /) -> Tensor[*S, C, D, T]: ...
@overload
def div(x: AnyTensor, y: AnyTensor, /) -> AnyTensor: ...
def div(x: Any, y: Any, /) -> Any:
    """``x / y`` with broadcasting."""
    return _binary("div", x, y, _div)


@overload
def maximum(x: Never, y: AnyTensor | Scalar, /) -> AnyTensor: ...
@overload
def maximum(
    x: Tensor[*S, T], y: Tensor[*S, T] | Tensor[*S, NoneTape] | Scalar, /
) -> Tensor[*S, T]: ...
@overload
def maximum(x: Tensor[*S, NoneTape], y: Tensor[*S, T], /) -> Tensor[*S, T]: ...
@overload
def maximum(x: Tensor[*S, Any], y: Tensor[*S, Any], /) -> Tensor[*S, OwnedTape]: ...
@overload
def maximum(x: Tensor[*S, D, T], y: Tensor[D, NoneTape], /) -> Tensor[*S, D, T]: ...
@overload
def maximum(x: Tensor[D, NoneTape], y: Tensor[*S, D, T], /) -> Tensor[*S, D, T]: ...
@overload
def maximum(x: Tensor[*S, C, D, T], y: Tensor[C, D, NoneTape], /) -> Tensor[*S, C, D, T]: ...
@overload
def maximum(x: Tensor[C, D, NoneTape], y: Tensor[*S, C, D, T], /) -> Tensor[*S, C, D, T]: ...
@overload
def maximum(x: AnyTensor, y: AnyTensor, /) -> AnyTensor: ...
def maximum(x: Any, y: Any, /) -> Any:
    """The larger of ``x`` and ``y``, elementwise; ties split the gradient in half."""
    return _binary("maximum", x, y, _maximum)


@overload
def minimum(x: Never, y: AnyTensor | Scalar, /) -> AnyTensor: ...
@overload
def minimum(
    x: Tensor[*S, T], y: Tensor[*S, T] | Tensor[*S, NoneTape] | Scalar, /
) -> Tensor[*S, T]: ...
@overload
def minimum(x: Tensor[*S, NoneTape], y: Tensor[*S, T], /) -> Tensor[*S, T]: ...
@overload
def minimum(x: Tensor[*S, Any], y: Tensor[*S, Any], /) -> Tensor[*S, OwnedTape]: ...
@overload
def minimum(x: Tensor[*S, D, T], y: Tensor[D, NoneTape], /) -> Tensor[*S, D, T]: ...
@overload
def minimum(x: Tensor[D, NoneTape], y: Tensor[*S, D, T], /) -> Tensor[*S, D, T]: ...
@overload
def minimum(x: Tensor[*S, C, D, T], y: Tensor[C, D, NoneTape], /) -> Tensor[*S, C, D, T]: ...
@overload
def minimum(x: Tensor[C, D, NoneTape], y: Tensor[*S, C, D, T], /) -> Tensor[*S, C, D, T]: ...
@overload
def minimum(x: AnyTensor, y: AnyTensor, /) -> AnyTensor: ...
def minimum(x: Any, y: Any, /) -> Any:
    """The smaller of ``x`` and ``y``, elementwise; ties split the gradient in half."""
    return _binary("minimum", x, y, _minimum)


# Reversed operators: a Python number on the left (``2.0 - x``).
def radd(x: Tensor[*S, T], y: Scalar, /) -> Tensor[*S, T]:
    return _reversed("add", x, y, _add)


def rsub(x: Tensor[*S, T], y: Scalar, /) -> Tensor[*S, T]:
    return _reversed("sub", x, y, _sub)


def rmul(x: Tensor[*S, T], y: Scalar, /) -> Tensor[*S, T]:
    return _reversed("mul", x, y, _mul)


def rdiv(x: Tensor[*S, T], y: Scalar, /) -> Tensor[*S, T]:
    return _reversed("div", x, y, _div)
