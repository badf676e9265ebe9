# pyright: reportOverlappingOverload=false
"""Sorting and sampling: sort, argsort, topk, multinomial.

Indices are int64 tensors without a tape (``NoneTape``): nothing flows back through an index.
The values of sort and topk are a selection of ``x``'s values, so their gradient goes back to
the places they were taken from.

Without the plugin, topk's values and indices keep the other sizes of ``x`` and have ``Dyn`` along
``axis`` (``-1``, ``0`` or ``1``; another axis gives ``Any``): the size there is ``k``, which
plain signatures cannot say; the plugin computes it (a literal, or a size parameter ``k: K``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from dfdx._backend import Array, xp
from dfdx._dtypes import DTypeError, bool_, check_float, int64
from dfdx._typing import Dyn, S, T
from dfdx.ops._op import result
from dfdx_mypy_plugin import shapes

_A0 = TypeVar("_A0")
_A1 = TypeVar("_A1")

if TYPE_CHECKING:
    from numpy.random import Generator

    from dfdx._tensor import NoneTape, Tensor


def _data(op: str, x: object) -> Array:
    a = getattr(x, "_data", None)
    if a is None:
        raise TypeError(f"{op}: expected a tensor, got {type(x).__name__}")
    if a.dtype == bool_:
        raise DTypeError(f"{op}: needs a float or int64 tensor, got bool")
    return a  # type: ignore[no-any-return]


def _int(op: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | xp.integer):
        raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    return int(value)


def _bool(op: str, name: str, value: object) -> bool:
    if not isinstance(value, bool | xp.bool_):
        raise TypeError(f"{op}: {name} must be a bool, got {value!r}")
    return bool(value)


def _order(a: Array, axis: int, descending: bool) -> Array:
    """Stable argsort along ``axis``: equal values keep their order, also when descending
    (the ascending order of the reversed values, reversed)."""
    if not descending:
        return xp.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    flipped = xp.argsort(xp.flip(a, axis), axis=axis, kind="stable")
    return xp.flip(n - 1 - flipped, axis)


def _taken(x: Any, a: Array, idx: Array, axis: int) -> Any:
    """The values of ``x`` at ``idx`` along ``axis``; the gradient goes back to those places
    (the indices along an axis are distinct, so assignment is enough)."""
    shape = a.shape

    def grad(g: Array) -> Array:
        out = xp.zeros(shape, g.dtype)
        xp.put_along_axis(out, idx, g, axis)
        return out

    return result(xp.take_along_axis(a, idx, axis), (x,), (grad,))


def _sorted(op: str, x: Any, axis: int, descending: bool) -> tuple[Array, Array, int]:
    """``x``'s array (a 0-d one as 1-d), the places that sort it along ``axis``, and the axis
    as an index."""
    a = _data(op, x)
    axis = _int(op, "axis", axis)
    descending = _bool(op, "descending", descending)
    shapes.sort(op, a.shape, axis)
    if not a.ndim:
        a = a.reshape(1)
    ax = axis % a.ndim
    return a, _order(a, ax, descending), ax


def sort(
    x: Tensor[*S, T], /, axis: int = -1, descending: bool = False, stable: bool = False
) -> tuple[Tensor[*S, T], Tensor[*S, NoneTape]]:
    """``(values, indices)``: the values of ``x`` sorted along ``axis`` (ascending, or
    ``descending``) and the int64 places they came from (PyTorch's ``torch.sort``). The sort
    is always stable (``stable=`` is accepted for PyTorch's signature): equal values keep
    their order. The values' gradient goes back to where each value came from."""
    op = "sort"
    _bool(op, "stable", stable)
    a, idx, ax = _sorted(op, x, axis, descending)
    if not x._data.ndim:  # one value: itself, at place 0
        return result(x._data, (x,), (lambda g: g,)), x._new(xp.zeros((), int64), None)
    return _taken(x, a, idx, ax), x._new(idx.astype(int64, copy=False), None)


def argsort(
    x: Tensor[*S, Any], /, axis: int = -1, descending: bool = False, stable: bool = False
) -> Tensor[*S, NoneTape]:
    """The int64 places that sort ``x`` along ``axis`` (PyTorch's ``torch.argsort``); stable
    always, as :func:`sort`. No gradient."""
    op = "argsort"
    _bool(op, "stable", stable)
    _a, idx, _ax = _sorted(op, x, axis, descending)
    return x._new(idx.reshape(x._data.shape).astype(int64, copy=False), None)


@overload
def topk(
    x: Tensor[*S, _A0, T],
    /,
    k: int,
    axis: Literal[-1] = -1,
    largest: bool = True,
    sorted: bool = True,
) -> tuple[Tensor[*S, Dyn, T], Tensor[*S, Dyn, NoneTape]]: ...
@overload
def topk(
    x: Tensor[_A0, *S, T], /, k: int, axis: Literal[0], largest: bool = True, sorted: bool = True
) -> tuple[Tensor[Dyn, *S, T], Tensor[Dyn, *S, NoneTape]]: ...
@overload
def topk(
    x: Tensor[_A0, _A1, *S, T],
    /,
    k: int,
    axis: Literal[1],
    largest: bool = True,
    sorted: bool = True,
) -> tuple[Tensor[_A0, Dyn, *S, T], Tensor[_A0, Dyn, *S, NoneTape]]: ...
@overload
def topk(
    x: Tensor[*S, T], /, k: int, axis: int = -1, largest: bool = True, sorted: bool = True
) -> tuple[Any, Any]: ...
def topk(
    x: Any, /, k: int, axis: int = -1, largest: bool = True, sorted: bool = True
) -> tuple[Any, Any]:
    """``(values, indices)``: the ``k`` largest (or, ``largest=False``, smallest) values of
    ``x`` along ``axis`` and their int64 places (PyTorch's ``torch.topk``): ``Tensor[3, 10]``
    with ``k=2`` gives two ``Tensor[3, 2]``. The values come in order (largest first), also
    with ``sorted=False``; among equal values the first one wins. The values' gradient goes
    back to where each came from."""
    op = "topk"
    a = _data(op, x)
    k = _int(op, "k", k)
    axis = _int(op, "axis", axis)
    largest = _bool(op, "largest", largest)
    _bool(op, "sorted", sorted)
    shapes.topk(a.shape, k, axis)
    if not a.ndim:  # k is 1 (the shape rule says so): the value itself
        return result(a, (x,), (lambda g: g,)), x._new(xp.zeros((), int64), None)
    ax = axis % a.ndim
    idx = xp.take(_order(a, ax, largest), xp.arange(k), axis=ax)
    return _taken(x, a, idx, ax), x._new(idx.astype(int64, copy=False), None)


def multinomial(
    probs: Tensor[*S, Any],
    /,
    num_samples: int,
    replacement: bool = False,
    *,
    rng: Generator | None = None,
) -> Any:
    """int64 category indices drawn from the weights on the last axis of 1-d ``(C,)`` or 2-d
    ``(N, C)`` ``probs`` (non-negative, not necessarily summing to 1): ``(num_samples,)`` or
    ``(N, num_samples)`` (PyTorch's ``torch.multinomial``). Without ``replacement`` a
    category is drawn at most once, so each row needs ``num_samples`` non-zero weights.
    ``rng`` (a NumPy Generator) draws them, else the generator of :func:`dfdx.manual_seed`.
    No gradient."""
    from dfdx._creation import _generator

    op = "multinomial"
    a = _data(op, probs)
    check_float(op, a)
    n = _int(op, "num_samples", num_samples)
    replacement = _bool(op, "replacement", replacement)
    shapes.multinomial(a.shape, n, replacement)
    p = a.reshape(-1, a.shape[-1]).astype(xp.float64)
    if not xp.isfinite(p).all() or (p < 0).any():
        raise ValueError(f"{op}: probs must be finite and >= 0")
    total = p.sum(axis=-1, keepdims=True)
    if (total <= 0).any():
        raise ValueError(f"{op}: every row of probs needs a weight > 0")
    gen = _generator(rng)
    rows, c = p.shape
    if replacement:
        # Inverse CDF in one search: row r's cumulative weights are shifted to [r, r + 1].
        cdf = xp.cumsum(p / total, axis=-1)
        cdf[:, -1] = 1.0
        offsets = xp.arange(rows)[:, None]
        u = gen.random((rows, n)) + offsets
        flat = xp.searchsorted((cdf + offsets).reshape(-1), u.reshape(-1), side="right")
        out = flat.reshape(rows, n) - offsets * c
    else:
        nonzero = (p > 0).sum(axis=-1)
        if (nonzero < n).any():
            raise ValueError(
                f"{op}: cannot draw {n} samples without replacement from a row with "
                f"{int(nonzero.min())} non-zero weights"
            )
        # Efraimidis-Spirakis: the n smallest of E / p (E ~ Exp(1)) are a draw without
        # replacement, each pick proportional to the weights left.
        with xp.errstate(divide="ignore"):
            keys = gen.standard_exponential((rows, c)) / p
        out = xp.argsort(keys, axis=-1, kind="stable")[:, :n]
    shape = (*a.shape[:-1], n)
    return probs._new(out.astype(int64).reshape(shape), None)
