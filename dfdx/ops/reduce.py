# pyright: reportOverlappingOverload=false
"""Ops over ``axis=`` (an int, negative ints count from the end, a tuple, or None for all
axes) with ``keepdims=``, and softmax/log_softmax along one axis. An empty tuple reduces no
axis (NumPy's rule; PyTorch's ``sum(dim=())`` reduces every axis).

Without the plugin, a reduction over every axis (``axis=None``) is typed as a 0-d tensor, so
``loss = (...).sum()`` can call ``backward()``; other reductions give an unknown shape, which
the plugin makes exact, except over one literal axis (``axis=0`` to ``3``, ``-1``, ``-2``),
whose overloads give the exact shape of any rank (with ``keepdims=True`` too). The fallback
overloads need ``axis`` or ``keepdims=`` to be given, so a call without them matches one
overload only: pyright otherwise types the function form (``dx.sum(x)``) of a tensor with
``Dyn`` sizes as ``Any``, since two overloads match it. Before them, one of rank 0 (which no
axis fits): for an ``x`` typed ``Any`` it matches beside a literal-axis one of another rank,
so both checkers give ``Any`` instead of the literal one's rank (pyright solved ``*S`` as one
axis: ``dx.min(x, 1)`` was 2-d, see docs/design.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Never, overload

from dfdx._backend import Array, xp
from dfdx._dtypes import check_float
from dfdx._typing import A0, A1, A2, A3, AnyTensor, D, Dyn, S, T
from dfdx.ops._op import array_of, result
from dfdx.ops.unary import _sigmoid
from dfdx_mypy_plugin.shapes import (
    AXES,
    AXIS,
    Axis,
    nonempty_reduce,
    normalize_axes,
    normalize_axis,
    not_an_int,
)
from dfdx_mypy_plugin.shapes import glu as glu_shape

if TYPE_CHECKING:
    from dfdx._tensor import Tensor


def _counts(a: Array) -> bool:
    """Whether ``a`` holds bools or ints, which sum to a count."""
    return a.dtype == xp.bool_ or bool(xp.issubdtype(a.dtype, xp.integer))


def _prepare(
    op: str, x: AnyTensor, axis: Axis, counts: bool = False
) -> tuple[Array, tuple[int, ...]]:
    """The array and the axes to reduce; ``counts``: a bool or int tensor is accepted too."""
    a = array_of(op, x)
    if not (counts and _counts(a)):
        check_float(op, a)
    items = axis if isinstance(axis, tuple) else (axis,)
    if axis is not None and any(isinstance(a, bool) or not isinstance(a, int) for a in items):
        raise TypeError(not_an_int(op, AXES, axis))
    return a, normalize_axes(op, a.shape, axis)


def _reduction(
    op: str,
    x: AnyTensor,
    axis: Axis,
    keepdims: bool,
    forward: Callable[[Array, tuple[int, ...]], Array],
    backward: Callable[[Array, Array, Array, tuple[int, ...]], Array],
) -> AnyTensor:
    """``forward(a, axes)`` reduces with keepdims; ``backward(g, a, y, axes)`` gets the
    output's gradient ``g`` and value ``y`` with the reduced axes kept as size 1."""
    a, axes = _prepare(op, x, axis)
    y = forward(a, axes)
    kept = y.shape  # the reduced axes as size 1
    out = y if keepdims else y.reshape([n for i, n in enumerate(kept) if i not in axes])
    shape = a.shape

    def grad(g: Array) -> Array:
        da = backward(g.reshape(kept), a, y, axes)
        return da if da.shape == shape else xp.broadcast_to(da, shape)

    return result(out, (x,), (grad,))


@overload
def sum(x: Tensor[*S, T], /, axis: None = None, keepdims: Literal[False] = False) -> Tensor[T]: ...
@overload
def sum(
    x: Tensor[A0, *S, T], /, axis: Literal[0], keepdims: Literal[False] = False
) -> Tensor[*S, T]: ...
@overload
def sum(
    x: Tensor[A0, *S, T], /, axis: Literal[0], keepdims: Literal[True]
) -> Tensor[Literal[1], *S, T]: ...
@overload
def sum(
    x: Tensor[A0, A1, *S, T], /, axis: Literal[1], keepdims: Literal[False] = False
) -> Tensor[A0, *S, T]: ...
@overload
def sum(
    x: Tensor[A0, A1, *S, T], /, axis: Literal[1], keepdims: Literal[True]
) -> Tensor[A0, Literal[1], *S, T]: ...
@overload
def sum(
    x: Tensor[A0, A1, A2, *S, T], /, axis: Literal[2], keepdims: Literal[False] = False
) -> Tensor[A0, A1, *S, T]: ...
@overload
def sum(
    x: Tensor[A0, A1, A2, *S, T], /, axis: Literal[2], keepdims: Literal[True]
) -> Tensor[A0, A1, Literal[1], *S, T]: ...
@overload
def sum(
    x: Tensor[A0, A1, A2, A3, *S, T], /, axis: Literal[3], keepdims: Literal[False] = False
) -> Tensor[A0, A1, A2, *S, T]: ...
@overload
def sum(
    x: Tensor[A0, A1, A2, A3, *S, T], /, axis: Literal[3], keepdims: Literal[True]
) -> Tensor[A0, A1, A2, Literal[1], *S, T]: ...
@overload
def sum(
    x: Tensor[*S, A0, T], /, axis: Literal[-1], keepdims: Literal[False] = False
) -> Tensor[*S, T]: ...
@overload
def sum(
    x: Tensor[*S, A0, T], /, axis: Literal[-1], keepdims: Literal[True]
) -> Tensor[*S, Literal[1], T]: ...
@overload
def sum(
    x: Tensor[*S, A0, A1, T], /, axis: Literal[-2], keepdims: Literal[False] = False
) -> Tensor[*S, A1, T]: ...
@overload
def sum(
    x: Tensor[*S, A0, A1, T], /, axis: Literal[-2], keepdims: Literal[True]
) -> Tensor[*S, Literal[1], A1, T]: ...
@overload  # of rank 0, for an ``x`` typed Any (the module's docstring)
def sum(x: Tensor[T], /, axis: int, keepdims: bool = False) -> Tensor[T]: ...
@overload
def sum(x: Tensor[*S, T], /, axis: Axis, keepdims: bool = False) -> Any: ...
@overload
def sum(x: Tensor[*S, T], /, *, keepdims: bool) -> Any: ...
def sum(x: Any, /, axis: Axis = None, keepdims: bool = False) -> Any:
    """Sum over ``axis`` (every axis by default). A bool or int tensor sums to an int64 count,
    with no gradient, as PyTorch's: ``(pred == labels).sum()`` counts the hits."""
    if _counts(array_of("sum", x)):  # the float path checks its input in _reduction
        a, axes = _prepare("sum", x, axis, counts=True)
        return x._new(xp.asarray(a.sum(axis=axes, keepdims=keepdims, dtype=xp.int64)), None)
    return _reduction(
        "sum",
        x,
        axis,
        keepdims,
        lambda a, axes: a.sum(axis=axes, keepdims=True),
        lambda g, a, y, axes: g,
    )


def _count(a: Array, axes: tuple[int, ...]) -> int:
    return math.prod(a.shape[i] for i in axes)


def _mean(a: Array, axes: tuple[int, ...]) -> Array:
    with xp.errstate(invalid="ignore", divide="ignore"):  # an empty axis: NaN, as PyTorch's
        y: Array = a.sum(axis=axes, keepdims=True) / _count(a, axes)
    return y


@overload
def mean(x: Tensor[*S, T], /, axis: None = None, keepdims: Literal[False] = False) -> Tensor[T]: ...
@overload
def mean(
    x: Tensor[A0, *S, T], /, axis: Literal[0], keepdims: Literal[False] = False
) -> Tensor[*S, T]: ...
@overload
def mean(
    x: Tensor[A0, *S, T], /, axis: Literal[0], keepdims: Literal[True]
) -> Tensor[Literal[1], *S, T]: ...
@overload
def mean(
    x: Tensor[A0, A1, *S, T], /, axis: Literal[1], keepdims: Literal[False] = False
) -> Tensor[A0, *S, T]: ...
@overload
def mean(
    x: Tensor[A0, A1, *S, T], /, axis: Literal[1], keepdims: Literal[True]
) -> Tensor[A0, Literal[1], *S, T]: ...
@overload
def mean(
    x: Tensor[A0, A1, A2, *S, T], /, axis: Literal[2], keepdims: Literal[False] = False
) -> Tensor[A0, A1, *S, T]: ...
@overload
def mean(
    x: Tensor[A0, A1, A2, *S, T], /, axis: Literal[2], keepdims: Literal[True]
) -> Tensor[A0, A1, Literal[1], *S, T]: ...
@overload
def mean(
    x: Tensor[A0, A1, A2, A3, *S, T], /, axis: Literal[3], keepdims: Literal[False] = False
) -> Tensor[A0, A1, A2, *S, T]: ...
@overload
def mean(
    x: Tensor[A0, A1, A2, A3, *S, T], /, axis: Literal[3], keepdims: Literal[True]
) -> Tensor[A0, A1, A2, Literal[1], *S, T]: ...
@overload
def mean(
    x: Tensor[*S, A0, T], /, axis: Literal[-1], keepdims: Literal[False] = False
) -> Tensor[*S, T]: ...
@overload
def mean(
    x: Tensor[*S, A0, T], /, axis: Literal[-1], keepdims: Literal[True]
) -> Tensor[*S, Literal[1], T]: ...
@overload
def mean(
    x: Tensor[*S, A0, A1, T], /, axis: Literal[-2], keepdims: Literal[False] = False
) -> Tensor[*S, A1, T]: ...
@overload
def mean(
    x: Tensor[*S, A0, A1, T], /, axis: Literal[-2], keepdims: Literal[True]
) -> Tensor[*S, Literal[1], A1, T]: ...
@overload  # of rank 0, for an ``x`` typed Any (the module's docstring)
def mean(x: Tensor[T], /, axis: int, keepdims: bool = False) -> Tensor[T]: ...
@overload
def mean(x: Tensor[*S, T], /, axis: Axis, keepdims: bool = False) -> Any: ...
@overload
def mean(x: Tensor[*S, T], /, *, keepdims: bool) -> Any: ...
def mean(x: Any, /, axis: Axis = None, keepdims: bool = False) -> Any:
    """Mean over ``axis`` (every axis by default)."""
    return _reduction(
        "mean",
        x,
        axis,
        keepdims,
        _mean,
        lambda g, a, y, axes: g / _count(a, axes),
    )


def _extreme_grad(g: Array, a: Array, y: Array, axes: tuple[int, ...]) -> Array:
    # Ties share the gradient equally (PyTorch's amax/amin).
    hit = (a == y).astype(a.dtype)
    share: Array = hit / hit.sum(axis=axes, keepdims=True)
    return g * share


@overload
def max(x: Tensor[*S, T], /, axis: None = None, keepdims: Literal[False] = False) -> Tensor[T]: ...
@overload
def max(
    x: Tensor[A0, *S, T], /, axis: Literal[0], keepdims: Literal[False] = False
) -> Tensor[*S, T]: ...
@overload
def max(
    x: Tensor[A0, *S, T], /, axis: Literal[0], keepdims: Literal[True]
) -> Tensor[Literal[1], *S, T]: ...
@overload
def max(
    x: Tensor[A0, A1, *S, T], /, axis: Literal[1], keepdims: Literal[False] = False
) -> Tensor[A0, *S, T]: ...
@overload
def max(
    x: Tensor[A0, A1, *S, T], /, axis: Literal[1], keepdims: Literal[True]
) -> Tensor[A0, Literal[1], *S, T]: ...
@overload
def max(
    x: Tensor[A0, A1, A2, *S, T], /, axis: Literal[2], keepdims: Literal[False] = False
) -> Tensor[A0, A1, *S, T]: ...
@overload
def max(
    x: Tensor[A0, A1, A2, *S, T], /, axis: Literal[2], keepdims: Literal[True]
) -> Tensor[A0, A1, Literal[1], *S, T]: ...
@overload
def max(
    x: Tensor[A0, A1, A2, A3, *S, T], /, axis: Literal[3], keepdims: Literal[False] = False
) -> Tensor[A0, A1, A2, *S, T]: ...
@overload
def max(
    x: Tensor[A0, A1, A2, A3, *S, T], /, axis: Literal[3], keepdims: Literal[True]
) -> Tensor[A0, A1, A2, Literal[1], *S, T]: ...
@overload
def max(
    x: Tensor[*S, A0, T], /, axis: Literal[-1], keepdims: Literal[False] = False
) -> Tensor[*S, T]: ...
@overload
def max(
    x: Tensor[*S, A0, T], /, axis: Literal[-1], keepdims: Literal[True]
) -> Tensor[*S, Literal[1], T]: ...
@overload
def max(
    x: Tensor[*S, A0, A1, T], /, axis: Literal[-2], keepdims: Literal[False] = False
) -> Tensor[*S, A1, T]: ...
@overload
def max(
    x: Tensor[*S, A0, A1, T], /, axis: Literal[-2], keepdims: Literal[True]
) -> Tensor[*S, Literal[1], A1, T]: ...
@overload  # of rank 0, for an ``x`` typed Any (the module's docstring)
def max(x: Tensor[T], /, axis: int, keepdims: bool = False) -> Tensor[T]: ...
@overload
def max(x: Tensor[*S, T], /, axis: Axis, keepdims: bool = False) -> Any: ...
@overload
def max(x: Tensor[*S, T], /, *, keepdims: bool) -> Any: ...
def max(x: Any, /, axis: Axis = None, keepdims: bool = False) -> Any:
    """Largest value over ``axis``; tied maxima share the gradient equally (PyTorch's
    ``amax``; ``torch.max(x, dim)`` gives it all to one of them)."""

    def forward(a: Array, axes: tuple[int, ...]) -> Array:
        nonempty_reduce("max", a.shape, axes)
        y: Array = a.max(axis=axes, keepdims=True)
        return y

    return _reduction("max", x, axis, keepdims, forward, _extreme_grad)


@overload
def min(x: Tensor[*S, T], /, axis: None = None, keepdims: Literal[False] = False) -> Tensor[T]: ...
@overload
def min(
    x: Tensor[A0, *S, T], /, axis: Literal[0], keepdims: Literal[False] = False
) -> Tensor[*S, T]: ...
@overload
def min(
    x: Tensor[A0, *S, T], /, axis: Literal[0], keepdims: Literal[True]
) -> Tensor[Literal[1], *S, T]: ...
@overload
def min(
    x: Tensor[A0, A1, *S, T], /, axis: Literal[1], keepdims: Literal[False] = False
) -> Tensor[A0, *S, T]: ...
@overload
def min(
    x: Tensor[A0, A1, *S, T], /, axis: Literal[1], keepdims: Literal[True]
) -> Tensor[A0, Literal[1], *S, T]: ...
@overload
def min(
    x: Tensor[A0, A1, A2, *S, T], /, axis: Literal[2], keepdims: Literal[False] = False
) -> Tensor[A0, A1, *S, T]: ...
@overload
def min(
    x: Tensor[A0, A1, A2, *S, T], /, axis: Literal[2], keepdims: Literal[True]
) -> Tensor[A0, A1, Literal[1], *S, T]: ...
@overload
def min(
    x: Tensor[A0, A1, A2, A3, *S, T], /, axis: Literal[3], keepdims: Literal[False] = False
) -> Tensor[A0, A1, A2, *S, T]: ...
@overload
def min(
    x: Tensor[A0, A1, A2, A3, *S, T], /, axis: Literal[3], keepdims: Literal[True]
) -> Tensor[A0, A1, A2, Literal[1], *S, T]: ...
@overload
def min(
    x: Tensor[*S, A0, T], /, axis: Literal[-1], keepdims: Literal[False] = False
) -> Tensor[*S, T]: ...
@overload
def min(
    x: Tensor[*S, A0, T], /, axis: Literal[-1], keepdims: Literal[True]
) -> Tensor[*S, Literal[1], T]: ...
@overload
def min(
    x: Tensor[*S, A0, A1, T], /, axis: Literal[-2], keepdims: Literal[False] = False
) -> Tensor[*S, A1, T]: ...
@overload
def min(
    x: Tensor[*S, A0, A1, T], /, axis: Literal[-2], keepdims: Literal[True]
) -> Tensor[*S, Literal[1], A1, T]: ...
@overload  # of rank 0, for an ``x`` typed Any (the module's docstring)
def min(x: Tensor[T], /, axis: int, keepdims: bool = False) -> Tensor[T]: ...
@overload
def min(x: Tensor[*S, T], /, axis: Axis, keepdims: bool = False) -> Any: ...
@overload
def min(x: Tensor[*S, T], /, *, keepdims: bool) -> Any: ...
def min(x: Any, /, axis: Axis = None, keepdims: bool = False) -> Any:
    """Smallest value over ``axis``; tied minima share the gradient equally (PyTorch's
    ``amin``; ``torch.min(x, dim)`` gives it all to one of them)."""

    def forward(a: Array, axes: tuple[int, ...]) -> Array:
        nonempty_reduce("min", a.shape, axes)
        y: Array = a.min(axis=axes, keepdims=True)
        return y

    return _reduction("min", x, axis, keepdims, forward, _extreme_grad)


@overload
def var(
    x: Tensor[*S, T], /, axis: None = None, keepdims: Literal[False] = False, correction: int = 1
) -> Tensor[T]: ...
@overload
def var(
    x: Tensor[A0, *S, T], /, axis: Literal[0], keepdims: Literal[False] = False, correction: int = 1
) -> Tensor[*S, T]: ...
@overload
def var(
    x: Tensor[A0, *S, T], /, axis: Literal[0], keepdims: Literal[True], correction: int = 1
) -> Tensor[Literal[1], *S, T]: ...
@overload
def var(
    x: Tensor[A0, A1, *S, T],
    /,
    axis: Literal[1],
    keepdims: Literal[False] = False,
    correction: int = 1,
) -> Tensor[A0, *S, T]: ...
@overload
def var(
    x: Tensor[A0, A1, *S, T], /, axis: Literal[1], keepdims: Literal[True], correction: int = 1
) -> Tensor[A0, Literal[1], *S, T]: ...
@overload
def var(
    x: Tensor[A0, A1, A2, *S, T],
    /,
    axis: Literal[2],
    keepdims: Literal[False] = False,
    correction: int = 1,
) -> Tensor[A0, A1, *S, T]: ...
@overload
def var(
    x: Tensor[A0, A1, A2, *S, T], /, axis: Literal[2], keepdims: Literal[True], correction: int = 1
) -> Tensor[A0, A1, Literal[1], *S, T]: ...
@overload
def var(
    x: Tensor[A0, A1, A2, A3, *S, T],
    /,
    axis: Literal[3],
    keepdims: Literal[False] = False,
    correction: int = 1,
) -> Tensor[A0, A1, A2, *S, T]: ...
@overload
def var(
    x: Tensor[A0, A1, A2, A3, *S, T],
    /,
    axis: Literal[3],
    keepdims: Literal[True],
    correction: int = 1,
) -> Tensor[A0, A1, A2, Literal[1], *S, T]: ...
@overload
def var(
    x: Tensor[*S, A0, T],
    /,
    axis: Literal[-1],
    keepdims: Literal[False] = False,
    correction: int = 1,
) -> Tensor[*S, T]: ...
@overload
def var(
    x: Tensor[*S, A0, T], /, axis: Literal[-1], keepdims: Literal[True], correction: int = 1
) -> Tensor[*S, Literal[1], T]: ...
@overload
def var(
    x: Tensor[*S, A0, A1, T],
    /,
    axis: Literal[-2],
    keepdims: Literal[False] = False,
    correction: int = 1,
) -> Tensor[*S, A1, T]: ...
@overload
def var(
    x: Tensor[*S, A0, A1, T], /, axis: Literal[-2], keepdims: Literal[True], correction: int = 1
) -> Tensor[*S, Literal[1], A1, T]: ...
@overload  # of rank 0, for an ``x`` typed Any (the module's docstring)
def var(x: Tensor[T], /, axis: int, keepdims: bool = False, correction: int = 1) -> Tensor[T]: ...
@overload
def var(x: Tensor[*S, T], /, axis: Axis, keepdims: bool = False, correction: int = 1) -> Any: ...
@overload
def var(x: Tensor[*S, T], /, *, keepdims: bool, correction: int = 1) -> Any: ...
def var(x: Any, /, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Any:
    """Variance over ``axis``: the sum of squared deviations over ``n - correction``
    (PyTorch's default ``correction=1``; ``correction=0`` is NumPy's default)."""

    def forward(a: Array, axes: tuple[int, ...]) -> Array:
        y: Array = xp.var(a, axis=axes, keepdims=True, ddof=correction)
        return y

    def backward(g: Array, a: Array, y: Array, axes: tuple[int, ...]) -> Array:
        centered: Array = a - a.mean(axis=axes, keepdims=True)
        dof = _count(a, axes) - correction
        return g * centered * (2 / dof if dof > 0 else math.nan)

    return _reduction("var", x, axis, keepdims, forward, backward)


def _shifted(a: Array, axes: tuple[int, ...], finite: bool) -> tuple[Array, Array, Array]:
    """``(m, a - m, log(sum(exp(a - m))))`` with ``m`` the maximum over ``axes`` (``finite``:
    0 where it is not finite, so that logsumexp of ``[1, inf]`` is inf; else, as PyTorch's
    softmax, a row holding inf or only -inf is NaN): ``log_softmax`` is the difference of the
    last two, computed without adding ``m`` back, which would round ``log(n)`` away next to a
    large ``m``."""
    if a.size == 0:  # an empty axis sums to 0, whose log is -inf (PyTorch's logsumexp)
        m = xp.zeros([1 if i in axes else n for i, n in enumerate(a.shape)], dtype=a.dtype)
    else:
        m = a.max(axis=axes, keepdims=True)
        if finite:
            m = xp.where(xp.isfinite(m), m, 0)
    with xp.errstate(divide="ignore", invalid="ignore"):
        d = a - m
        lse: Array = xp.log(xp.exp(d).sum(axis=axes, keepdims=True))
    return m, d, lse


def _logsumexp(a: Array, axes: tuple[int, ...]) -> Array:
    m, _, lse = _shifted(a, axes, finite=True)
    y: Array = lse + m
    return y


@overload
def logsumexp(
    x: Tensor[*S, T], /, axis: None = None, keepdims: Literal[False] = False
) -> Tensor[T]: ...
@overload
def logsumexp(
    x: Tensor[A0, *S, T], /, axis: Literal[0], keepdims: Literal[False] = False
) -> Tensor[*S, T]: ...
@overload
def logsumexp(
    x: Tensor[A0, *S, T], /, axis: Literal[0], keepdims: Literal[True]
) -> Tensor[Literal[1], *S, T]: ...
@overload
def logsumexp(
    x: Tensor[A0, A1, *S, T], /, axis: Literal[1], keepdims: Literal[False] = False
) -> Tensor[A0, *S, T]: ...
@overload
def logsumexp(
    x: Tensor[A0, A1, *S, T], /, axis: Literal[1], keepdims: Literal[True]
) -> Tensor[A0, Literal[1], *S, T]: ...
@overload
def logsumexp(
    x: Tensor[A0, A1, A2, *S, T], /, axis: Literal[2], keepdims: Literal[False] = False
) -> Tensor[A0, A1, *S, T]: ...
@overload
def logsumexp(
    x: Tensor[A0, A1, A2, *S, T], /, axis: Literal[2], keepdims: Literal[True]
) -> Tensor[A0, A1, Literal[1], *S, T]: ...
@overload
def logsumexp(
    x: Tensor[A0, A1, A2, A3, *S, T], /, axis: Literal[3], keepdims: Literal[False] = False
) -> Tensor[A0, A1, A2, *S, T]: ...
@overload
def logsumexp(
    x: Tensor[A0, A1, A2, A3, *S, T], /, axis: Literal[3], keepdims: Literal[True]
) -> Tensor[A0, A1, A2, Literal[1], *S, T]: ...
@overload
def logsumexp(
    x: Tensor[*S, A0, T], /, axis: Literal[-1], keepdims: Literal[False] = False
) -> Tensor[*S, T]: ...
@overload
def logsumexp(
    x: Tensor[*S, A0, T], /, axis: Literal[-1], keepdims: Literal[True]
) -> Tensor[*S, Literal[1], T]: ...
@overload
def logsumexp(
    x: Tensor[*S, A0, A1, T], /, axis: Literal[-2], keepdims: Literal[False] = False
) -> Tensor[*S, A1, T]: ...
@overload
def logsumexp(
    x: Tensor[*S, A0, A1, T], /, axis: Literal[-2], keepdims: Literal[True]
) -> Tensor[*S, Literal[1], A1, T]: ...
@overload  # of rank 0, for an ``x`` typed Any (the module's docstring)
def logsumexp(x: Tensor[T], /, axis: int, keepdims: bool = False) -> Tensor[T]: ...
@overload
def logsumexp(x: Tensor[*S, T], /, axis: Axis, keepdims: bool = False) -> Any: ...
@overload
def logsumexp(x: Tensor[*S, T], /, *, keepdims: bool) -> Any: ...
def logsumexp(x: Any, /, axis: Axis = None, keepdims: bool = False) -> Any:
    """``log(sum(exp(x)))`` over ``axis``, without overflow."""

    return _reduction(
        "logsumexp",
        x,
        axis,
        keepdims,
        _logsumexp,
        lambda g, a, y, axes: g * xp.exp(a - y),
    )


def _one_axis(op: str, a: Array, axis: int) -> int:
    """softmax/log_softmax normalise along exactly one axis."""
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(not_an_int(op, AXIS, axis))
    return normalize_axis(op, a.shape, axis)


# An argument typed Any meets the `Never` overload first (nothing else fits it): both checkers
# give a tensor of unknown rank. Without it pyright solves `*S` from Any as one axis and claims
# rank 1 (`dx.relu(h).shape` a 1-tuple; `dx.add(h, x)` of rank 1).
@overload
def softmax(x: Never, /, axis: int = -1) -> AnyTensor: ...
@overload
def softmax(x: Tensor[*S, T], /, axis: int = -1) -> Tensor[*S, T]: ...
def softmax(x: Tensor[*S, T], /, axis: int = -1) -> Tensor[*S, T]:
    """``exp(x)`` normalised to sum to 1 along ``axis``."""
    a = x._data
    check_float("softmax", a)
    ax = _one_axis("softmax", a, axis)
    _, d, lse = _shifted(a, (ax,), finite=False)
    y = xp.exp(d - lse)
    return result(y, (x,), (lambda g: y * (g - (g * y).sum(axis=ax, keepdims=True)),))


@overload
def log_softmax(x: Never, /, axis: int = -1) -> AnyTensor: ...
@overload
def log_softmax(x: Tensor[*S, T], /, axis: int = -1) -> Tensor[*S, T]: ...
def log_softmax(x: Tensor[*S, T], /, axis: int = -1) -> Tensor[*S, T]:
    """``x - logsumexp(x)`` along ``axis``: the log of softmax, computed stably."""
    a = x._data
    check_float("log_softmax", a)
    ax = _one_axis("log_softmax", a, axis)
    _, d, lse = _shifted(a, (ax,), finite=False)
    y = d - lse

    def grad(g: Array) -> Array:
        total: Array = g.sum(axis=ax, keepdims=True)
        return g - xp.exp(y) * total  # type: ignore[no-any-return]

    return result(y, (x,), (grad,))


# ``glu`` halves ``axis``: along the last axis (the default) its exact shape; along another an
# unknown shape without the plugin, which makes it exact (dfdx_mypy_plugin/rules/reduce.py).
@overload
def glu(x: Never, /, axis: int = -1) -> AnyTensor: ...
@overload
def glu(x: Tensor[*S, D, T], /, axis: Literal[-1] = -1) -> Tensor[*S, Dyn, T]: ...
@overload
def glu(x: Tensor[*S, T], /, axis: int) -> AnyTensor: ...
def glu(x: Any, /, axis: int = -1) -> Any:
    """The gated linear unit, PyTorch's ``F.glu``: ``x`` cut in halves ``a``, ``b`` along
    ``axis``, ``a * sigmoid(b)``; ``axis`` must have an even size, the result has half of
    it."""
    op = "glu"
    a = array_of(op, x)
    check_float(op, a)
    ax = _one_axis(op, a, axis)
    glu_shape(op, a.shape, axis)
    half = a.shape[ax] // 2
    first = xp.take(a, xp.arange(half), axis=ax)
    gate = _sigmoid(xp.take(a, xp.arange(half, 2 * half), axis=ax))
    y = first * gate

    def grad(g: Array) -> Array:
        return xp.concatenate([g * gate, g * first * gate * (1 - gate)], axis=ax)

    return result(y, (x,), (grad,))


# ``norm``: over every axis a 0-d tensor, over the last axis (``x.norm(axis=-1,
# keepdims=True)``, the usual normalisation) its exact shape; other axes an unknown shape
# without the plugin, which makes it exact as for ``sum``.


@overload
def norm(
    x: Tensor[*S, T], /, p: float = 2, *, axis: None = None, keepdims: Literal[False] = False
) -> Tensor[T]: ...
@overload
def norm(
    x: Tensor[*S, A0, T], /, p: float = 2, *, axis: Literal[-1], keepdims: Literal[False] = False
) -> Tensor[*S, T]: ...
@overload
def norm(
    x: Tensor[*S, A0, T], /, p: float = 2, *, axis: Literal[-1], keepdims: Literal[True]
) -> Tensor[*S, Literal[1], T]: ...
@overload  # of rank 0, for an ``x`` typed Any (the module's docstring)
def norm(x: Tensor[T], /, p: float = 2, *, axis: int, keepdims: bool = False) -> Tensor[T]: ...
@overload
def norm(x: Tensor[*S, T], /, p: float = 2, *, axis: Axis, keepdims: bool = False) -> Any: ...
@overload
def norm(x: Tensor[*S, T], /, p: float = 2, *, keepdims: bool) -> Any: ...
def norm(x: Any, /, p: float = 2, *, axis: Axis = None, keepdims: bool = False) -> Any:
    """The ``p``-norm (``p`` 2, Euclidean, or 1, the sum of magnitudes) over ``axis`` (every
    axis by default): ``torch.linalg.vector_norm`` / ``Tensor.norm(p, dim, keepdim)``. The
    gradient of the 2-norm at a zero vector is 0, as PyTorch's."""
    if isinstance(p, bool) or p not in (1, 2):
        raise ValueError(f"norm: p must be 1 or 2, got {p!r}")
    if p == 1:
        return _reduction(
            "norm",
            x,
            axis,
            keepdims,
            lambda a, axes: xp.abs(a).sum(axis=axes, keepdims=True),
            lambda g, a, y, axes: g * xp.sign(a),
        )

    def two_norm_grad(g: Array, a: Array, y: Array, axes: tuple[int, ...]) -> Array:
        with xp.errstate(invalid="ignore", divide="ignore"):
            scale = xp.where(y == 0, 0, g / y)
        return scale * a

    return _reduction(
        "norm",
        x,
        axis,
        keepdims,
        lambda a, axes: xp.sqrt((a * a).sum(axis=axes, keepdims=True)),
        two_norm_grad,
    )


@overload
def cumsum(x: Never, /, axis: int) -> AnyTensor: ...
@overload
def cumsum(x: Tensor[*S, T], /, axis: int) -> Tensor[*S, T]: ...
def cumsum(x: Any, /, axis: int) -> Any:
    """Running sums along ``axis`` (``torch.cumsum(x, dim)``): the same shape. A bool or int
    tensor gives int64 running counts, with no gradient, as PyTorch's."""
    a = array_of("cumsum", x)
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(not_an_int("cumsum", AXIS, axis))
    ax = normalize_axis("cumsum", a.shape, axis)
    if _counts(a):
        return x._new(xp.cumsum(a, axis=ax, dtype=xp.int64), None)
    check_float("cumsum", a)

    def grad(g: Array) -> Array:
        reverse = [slice(None)] * g.ndim
        reverse[ax] = slice(None, None, -1)
        return xp.cumsum(g[tuple(reverse)], axis=ax)[tuple(reverse)]

    return result(xp.cumsum(a, axis=ax), (x,), (grad,))
