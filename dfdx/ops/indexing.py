# pyright: reportOverlappingOverload=false
"""Indexing and selection: basic indexing ``x[...]``, index_select, gather, where,
masked_fill, tril/triu, one_hot, argmax, dropout, and the comparisons that make masks.

Comparisons, argmax and one_hot return tensors without a tape (``NoneTape``): nothing flows
back through a bool mask, an index or a label. Index tensors are int64 and masks bool; an
index tensor is not an input of the op on the tape (its tape, if any, is not carried).

Without the plugin, ``x[i]`` with an int drops the first axis and ``x[a:b]`` gives it a
``Dyn`` size; other indices give ``Any``. The plugin computes every basic index.
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Never, overload

from dfdx._backend import Array, xp
from dfdx._dtypes import DTypeError, bool_, check_float, check_same, float32, int64
from dfdx._typing import AnyTensor, Dyn, S, T
from dfdx.ops._op import array_of, result
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from numpy.random import Generator

    from dfdx._tensor import NoneTape, OwnedTape, Tensor


# ---- helpers ---------------------------------------------------------------------------------


def _int_arg(op: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | xp.integer):
        raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    return int(value)


def _is_number(v: object) -> bool:
    return type(v) is float or type(v) is int or isinstance(v, numbers.Real)


def _indices(op: str, indices: object) -> Array:
    idx = array_of(op, indices, "an int64 tensor of indices")
    if idx.dtype != int64:
        raise DTypeError(f"{op}: indices must be an int64 tensor, got {idx.dtype}")
    return idx


def _mask(op: str, mask: object, what: str) -> Array:
    m = array_of(op, mask, f"a bool tensor as the {what}")
    if m.dtype != bool_:
        raise DTypeError(f"{op}: the {what} must be a bool tensor, got {m.dtype}")
    return m


def _in_range(op: str, shape: tuple[int, ...], axis: int, idx: Array) -> None:
    """Every index in ``[0, shape[axis])``, as PyTorch requires of index tensors."""
    if not idx.size:
        return
    lo, hi = int(idx.min()), int(idx.max())
    if hi >= shape[axis]:
        raise shapes.index_out_of_range(op, shape, axis, hi)
    if lo < 0:
        raise shapes.index_out_of_range(op, shape, axis, lo)


def _scalar(op: str, value: object, dtype: Any) -> Array:
    """A Python number as a 0-d array of ``dtype`` (never a silent truncation)."""
    if not _is_number(value):
        raise TypeError(f"{op}: expected a tensor or a number, got {type(value).__name__}")
    v = xp.asarray(value, dtype)
    if dtype.kind != "f" and v != value:
        raise DTypeError(f"{op}: {value!r} does not fit a {dtype} tensor")
    return v


# ---- basic indexing --------------------------------------------------------------------------

_INDEX_HELP = "ints, slices, None, ... or int64 tensors of indices"


def _index_int(v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, int | xp.integer):
        raise TypeError(f"index: expected {_INDEX_HELP}, got {type(v).__name__}")
    return operator.index(v)


def _index_item(i: object) -> shapes.IndexItem:
    if i is None or i is Ellipsis:
        return i
    if isinstance(i, slice):
        parts = [None if p is None else _index_int(p) for p in (i.start, i.stop, i.step)]
        return slice(*parts)
    a = getattr(i, "_data", None)
    if a is not None:
        if a.dtype != int64:
            raise DTypeError(f"index: a tensor index must hold int64 indices, got {a.dtype}")
        return shapes.TensorIndex(a.shape)
    return _index_int(i)


@overload
def getitem(x: Tensor[Any, *S, T], index: int, /) -> Tensor[*S, T]: ...
@overload
def getitem(x: Tensor[Any, *S, T], index: slice, /) -> Tensor[Dyn, *S, T]: ...
@overload
def getitem(x: AnyTensor, index: Any, /) -> Any: ...
def getitem(x: Any, index: Any, /) -> Any:
    """``x[index]``: NumPy's basic indexing (ints, slices with any step, ``None``, ``...``)
    gives a view of ``x``'s values; int64 tensors of indices select entries as PyTorch's
    advanced indexing does (``x[dx.arange(b), last]``: their shapes broadcast together, see
    :func:`dfdx_mypy_plugin.shapes.index`), a copy. The gradient is the output's gradient
    written (for tensor indices, added) into zeros of ``x``'s shape at the indexed places."""
    a = x._data
    items: tuple[Any, ...]
    if type(index) is int and a.ndim:  # x[i], a dataset's sample: the one check it needs
        if not -a.shape[0] <= index < a.shape[0]:
            raise shapes.index_out_of_range("index", a.shape, 0, index)
        items = (index,)
        view = a[index, ...]
    else:
        raw = index if type(index) is tuple else (index,)
        checked: tuple[Any, ...] = tuple(map(_index_item, raw))
        shapes.index(a.shape, checked)
        if any(isinstance(i, shapes.TensorIndex) for i in checked):
            return _advanced(x, raw, checked)
        items = checked
        # a trailing ``...`` keeps an index of ints a 0-d view (NumPy returns a scalar copy)
        view = a[items] if any(i is Ellipsis for i in items) else a[(*items, Ellipsis)]
    shape = a.shape

    def grad(g: Array) -> Array:
        out = xp.zeros(shape, g.dtype)
        out[items] = g
        return out

    return result(view, (x,), (grad,))


def _advanced(x: Any, raw: tuple[Any, ...], items: tuple[shapes.IndexItem, ...]) -> Any:
    """``x[items]`` with tensors of indices, as PyTorch takes it: the ints first (basic
    indexing: they remove their axes), then the tensors with the slices and new axes, where
    NumPy's rule for tensors and slices is PyTorch's."""
    a = x._data
    named = sum(1 for i in items if i is not None and i is not Ellipsis)
    expanded: list[Any] = []
    for i, r in zip(items, raw, strict=True):
        if i is Ellipsis:
            expanded.extend([slice(None)] * (a.ndim - named))
        else:
            expanded.append(r._data if isinstance(i, shapes.TensorIndex) else i)
    if not any(i is Ellipsis for i in items):
        expanded.extend([slice(None)] * (a.ndim - named))
    ints = tuple(i if isinstance(i, int) or i is None else slice(None) for i in expanded)
    rest: Any = tuple(slice(None) if i is None else i for i in expanded if not isinstance(i, int))
    axis = 0
    for i in expanded:
        if isinstance(i, xp.ndarray):
            _wrapped_in_range(a.shape, axis, i)
        if i is not None:
            axis += 1
    first = a[ints]
    shape, first_shape = a.shape, first.shape

    def grad(g: Array) -> Array:
        inner = xp.zeros(first_shape, g.dtype)
        xp.add.at(inner, rest, g)
        out = xp.zeros(shape, g.dtype)
        out[ints] = inner
        return out

    reads = tuple(r for r in raw if getattr(r, "_data", None) is not None)
    return result(first[rest], (x,), (grad,), reads)


def _wrapped_in_range(shape: tuple[int, ...], axis: int, idx: Array) -> None:
    """Every index in ``[-n, n)`` for an axis of size ``n`` (negative ones count from the end,
    as in PyTorch's advanced indexing)."""
    if not idx.size:
        return
    lo, hi = int(idx.min()), int(idx.max())
    if hi >= shape[axis]:
        raise shapes.index_out_of_range("index", shape, axis, hi)
    if lo < -shape[axis]:
        raise shapes.index_out_of_range("index", shape, axis, lo)


# ---- selection by index tensors ----------------------------------------------------------------


def index_select(x: Tensor[*S, T], /, axis: int, indices: AnyTensor) -> Any:
    """The entries of ``x`` at the int64 ``indices`` (1-d) along ``axis``:
    ``Tensor[3, 4]`` with 5 indices on axis 1 gives ``Tensor[3, 5]``. Repeated indices add
    up their gradients."""
    op = "index_select"
    a = x._data
    idx = _indices(op, indices)
    axis = _int_arg(op, "axis", axis)
    shapes.index_select(a.shape, axis, idx.shape)
    ax = shapes.normalize_axis(op, a.shape, axis)
    _in_range(op, a.shape, ax, idx)
    shape = a.shape
    where: tuple[Any, ...] = (slice(None),) * ax + (idx,)

    def grad(g: Array) -> Array:
        out = xp.zeros(shape, g.dtype)
        if idx.size < 64:
            xp.add.at(out, where, g)
            return out
        # Sorted, each index's slices summed with one reduceat: ~10x faster than add.at
        # (an embedding's gradient), and the same sums in the same order.
        order = xp.argsort(idx, kind="stable")
        ordered = idx[order]
        starts = xp.flatnonzero(xp.concatenate(([True], ordered[1:] != ordered[:-1])))
        sums = xp.add.reduceat(xp.take(g, order, axis=ax), starts, axis=ax)
        out[(slice(None),) * ax + (ordered[starts],)] = sums
        return out

    return result(xp.take(a, idx, axis=ax), (x,), (grad,), (indices,))


# Indices typed Any meet the `Never` overload first (nothing else fits it): a tensor of
# unknown rank, where pyright would solve `*S` from Any as one axis and claim rank 1.
@overload
def gather(
    x: Tensor[*tuple[Dyn, ...], T], /, axis: int, indices: Never
) -> Tensor[*tuple[Dyn, ...], T]: ...
@overload
def gather(
    x: Tensor[*tuple[Dyn, ...], T], /, axis: int, indices: Tensor[*S, Any]
) -> Tensor[*S, T]: ...
def gather(x: Any, /, axis: int, indices: Any) -> Any:
    """``out[i][j] = x[indices[i][j]][j]`` for ``axis=0`` (PyTorch's gather): the result has
    the shape of the int64 ``indices``, which has ``x``'s rank and no larger size on the
    other axes. Repeated indices add up their gradients."""
    op = "gather"
    a = x._data
    idx = _indices(op, indices)
    axis = _int_arg(op, "axis", axis)
    shapes.gather(a.shape, axis, idx.shape)
    ax = shapes.normalize_axis(op, a.shape, axis)
    _in_range(op, a.shape, ax, idx)
    nd = idx.ndim
    where: tuple[Any, ...] = tuple(
        idx if d == ax else xp.arange(m).reshape((1,) * d + (m,) + (1,) * (nd - d - 1))
        for d, m in enumerate(idx.shape)
    )
    shape = a.shape

    def grad(g: Array) -> Array:
        out = xp.zeros(shape, g.dtype)
        xp.add.at(out, where, g)
        return out

    return result(a[where], (x,), (grad,), (indices,))


# ---- selection by masks ------------------------------------------------------------------------


@overload
def where(cond: Never, x: AnyTensor | float, y: AnyTensor | float, /) -> AnyTensor: ...
@overload
def where(
    cond: Tensor[*S, Any], x: Tensor[*S, T], y: Tensor[*S, T] | Tensor[*S, NoneTape] | float, /
) -> Tensor[*S, T]: ...
@overload
def where(
    cond: Tensor[*S, Any], x: Tensor[*S, NoneTape] | float, y: Tensor[*S, T], /
) -> Tensor[*S, T]: ...
@overload
def where(
    cond: Tensor[*S, Any], x: Tensor[*S, Any], y: Tensor[*S, Any], /
) -> Tensor[*S, OwnedTape]: ...
@overload
def where(cond: AnyTensor, x: AnyTensor | float, y: AnyTensor | float, /) -> Any: ...
def where(cond: Any, x: Any, y: Any, /) -> Any:
    """``x`` where the bool ``cond`` is true, ``y`` elsewhere, with broadcasting; either
    branch may be a number. Each branch's gradient flows where it was chosen."""
    op = "where"
    c = _mask(op, cond, "condition")
    tensors = [t for t in (x, y) if hasattr(t, "_data")]
    if len(tensors) == 2:
        check_same(op, x._data, y._data)
    dtype = tensors[0]._data.dtype if tensors else float32
    a = x._data if hasattr(x, "_data") else _scalar(op, x, dtype)
    b = y._data if hasattr(y, "_data") else _scalar(op, y, dtype)
    shapes.where(c.shape, a.shape, b.shape)
    out = xp.where(c, a, b)
    if not tensors:
        return cond._new(out, None)
    fns: list[Callable[[Array], Array]] = []
    if hasattr(x, "_data"):
        fns.append(lambda g: xp.where(c, g, 0))
    if hasattr(y, "_data"):
        fns.append(lambda g: xp.where(c, 0, g))
    return result(out, tensors, fns, (cond,))


# An argument typed Any meets the `Never` overload first (nothing else fits it): both checkers
# give a tensor of unknown rank. Without it pyright solves `*S` from Any as one axis and claims
# rank 1 (`dx.relu(h).shape` a 1-tuple; `dx.add(h, x)` of rank 1).
@overload
def masked_fill(x: Never, /, mask: AnyTensor, value: float) -> AnyTensor: ...
@overload
def masked_fill(x: Tensor[*S, T], /, mask: AnyTensor, value: float) -> Tensor[*S, T]: ...
def masked_fill(x: Tensor[*S, T], /, mask: AnyTensor, value: float) -> Tensor[*S, T]:
    """``x`` with ``value`` where the bool ``mask`` (broadcast to ``x``'s shape) is true; no
    gradient flows to the filled places."""
    op = "masked_fill"
    a = array_of(op, x)
    m = _mask(op, mask, "mask")
    shapes.mask_broadcast(op, m.shape, a.shape)
    v = _scalar(op, value, a.dtype)
    return result(xp.where(m, v, a), (x,), (lambda g: xp.where(m, 0, g),), (mask,))


def _diagonal(op: str, diagonal: int, k: int | None) -> int:
    if k is not None:
        if diagonal != 0:
            raise TypeError(f"{op}: give diagonal or k (its older name), not both")
        return _int_arg(op, "k", k)
    return _int_arg(op, "diagonal", diagonal)


@overload
def tril(x: Never, /, diagonal: int = 0, *, k: int | None = None) -> AnyTensor: ...
@overload
def tril(x: Tensor[*S, T], /, diagonal: int = 0, *, k: int | None = None) -> Tensor[*S, T]: ...
def tril(x: Tensor[*S, T], /, diagonal: int = 0, *, k: int | None = None) -> Tensor[*S, T]:
    """The lower triangle of the last two axes: zeros above the ``diagonal``-th diagonal
    (PyTorch's ``torch.tril``; ``k=`` is the same offset under NumPy's name)."""
    a = array_of("tril", x)
    d = _diagonal("tril", diagonal, k)
    shapes.matrix("tril", a.shape)
    return result(xp.tril(a, d), (x,), (lambda g: xp.tril(g, d),))


@overload
def triu(x: Never, /, diagonal: int = 0, *, k: int | None = None) -> AnyTensor: ...
@overload
def triu(x: Tensor[*S, T], /, diagonal: int = 0, *, k: int | None = None) -> Tensor[*S, T]: ...
def triu(x: Tensor[*S, T], /, diagonal: int = 0, *, k: int | None = None) -> Tensor[*S, T]:
    """The upper triangle of the last two axes: zeros below the ``diagonal``-th diagonal
    (PyTorch's ``torch.triu``; ``k=`` is the same offset under NumPy's name)."""
    a = array_of("triu", x)
    d = _diagonal("triu", diagonal, k)
    shapes.matrix("triu", a.shape)
    return result(xp.triu(a, d), (x,), (lambda g: xp.triu(g, d),))


# ---- labels and indices ------------------------------------------------------------------------


@overload
def one_hot(labels: Tensor[*S, Any], /, n: int) -> Tensor[*S, Dyn, NoneTape]: ...
@overload
def one_hot(labels: Tensor[*S, Any], /, *, num_classes: int) -> Tensor[*S, Dyn, NoneTape]: ...
# of a rank the first two cover, for ``labels`` typed Any (see nn.Linear.__call__)
@overload
def one_hot(labels: Tensor[T], /, n: int) -> Tensor[Dyn, NoneTape]: ...  # pyright: ignore[reportOverlappingOverload]
@overload
def one_hot(labels: Tensor[T], /, *, num_classes: int) -> Tensor[Dyn, NoneTape]: ...  # pyright: ignore[reportOverlappingOverload]
def one_hot(labels: Any, /, n: Any = None, *, num_classes: Any = None) -> Any:
    """int64 ``labels`` in ``[0, n)`` as float32 one-hot vectors: ``Tensor[B]`` gives
    ``Tensor[B, n]``; ``num_classes=`` is PyTorch's name of ``n``. No gradient flows to
    labels."""
    op = "one_hot"
    if (n is None) == (num_classes is None):
        raise TypeError(f"{op}: give the number of classes once, as n or num_classes")
    n = num_classes if n is None else n
    lab = array_of(op, labels, "an int64 tensor of labels")
    if lab.dtype != int64:
        raise DTypeError(f"{op}: labels must be an int64 tensor, got {lab.dtype}")
    n = _int_arg(op, "n", n)
    shapes.one_hot(lab.shape, n)
    if lab.size:
        lo, hi = int(lab.min()), int(lab.max())
        if hi >= n or lo < 0:
            raise shapes.label_out_of_range(lab.shape, n, hi if hi >= n else lo)
    out = (lab[..., None] == xp.arange(n)).astype(float32)
    return labels._new(out, None)


@overload
def argmax(
    x: Tensor[*S, Any], /, axis: None = None, keepdims: Literal[False] = False
) -> Tensor[NoneTape]: ...
@overload
def argmax(x: Tensor[*S, Any], /, axis: int | None, keepdims: bool = False) -> Any: ...
@overload
def argmax(x: Tensor[*S, Any], /, *, keepdims: bool) -> Any: ...
def argmax(x: Any, /, axis: int | None = None, keepdims: bool = False) -> Any:
    """The int64 index of the largest value along ``axis`` (the first one among ties), or in
    the flattened tensor for ``axis=None``. No gradient."""
    return _arg_extreme("argmax", x, axis, keepdims)


@overload
def argmin(
    x: Tensor[*S, Any], /, axis: None = None, keepdims: Literal[False] = False
) -> Tensor[NoneTape]: ...
@overload
def argmin(x: Tensor[*S, Any], /, axis: int | None, keepdims: bool = False) -> Any: ...
@overload
def argmin(x: Tensor[*S, Any], /, *, keepdims: bool) -> Any: ...
def argmin(x: Any, /, axis: int | None = None, keepdims: bool = False) -> Any:
    """The int64 index of the smallest value along ``axis`` (the first one among ties), or in
    the flattened tensor for ``axis=None`` (PyTorch's ``argmin``). No gradient."""
    return _arg_extreme("argmin", x, axis, keepdims)


def _arg_extreme(op: Literal["argmax", "argmin"], x: Any, axis: Any, keepdims: bool) -> Any:
    a = array_of(op, x)
    if a.dtype == bool_:
        raise DTypeError(f"{op}: needs a float or int64 tensor, got bool")
    pick = a.argmax if op == "argmax" else a.argmin
    if axis is None:
        shapes.nonempty_reduce(op, (a.size,), (0,))
        y = xp.asarray(pick())
        out = y.reshape((1,) * a.ndim) if keepdims else y
    else:
        ax = shapes.normalize_axis(op, a.shape, _int_arg(op, "axis", axis))
        shapes.nonempty_reduce(op, a.shape, (ax,))
        out = pick(axis=ax, keepdims=bool(keepdims))
    return x._new(xp.asarray(out).astype(int64, copy=False), None)


# ---- dropout -----------------------------------------------------------------------------------


@overload
def dropout(
    x: Never, /, p: float = 0.5, training: bool = True, rng: Generator | None = None
) -> AnyTensor: ...
@overload
def dropout(
    x: Tensor[*S, T], /, p: float = 0.5, training: bool = True, rng: Generator | None = None
) -> Tensor[*S, T]: ...
def dropout(
    x: Tensor[*S, T], /, p: float = 0.5, training: bool = True, rng: Generator | None = None
) -> Tensor[*S, T]:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``
    (inverted dropout, as PyTorch's); ``x`` itself when not ``training`` or ``p == 0``, zeros
    for ``p == 1``. ``rng`` (a NumPy Generator) draws the mask, else the generator of
    :func:`dfdx.manual_seed`."""
    op = "dropout"
    if isinstance(p, bool) or not _is_number(p):
        raise TypeError(f"{op}: p must be a number, got {p!r}")
    shapes.probability(op, p)
    a = array_of(op, x)
    check_float(op, a)
    if not training or p == 0:
        return x
    if p == 1:
        return result(xp.zeros_like(a), (x,), (lambda g: xp.zeros_like(g),))
    scale = dropout_multipliers(a.shape, float(p), a.dtype, rng)
    return result(a * scale, (x,), (lambda g: g * scale,))


def dropout_multipliers(
    shape: tuple[int, ...], p: float, dtype: Any, rng: Generator | None
) -> Array:
    """Inverted dropout's multipliers: ``1 / (1 - p)`` where an element is kept (with
    probability ``1 - p``), 0 where it is dropped; drawn from ``rng``, else the generator of
    :func:`dfdx.manual_seed`. :func:`dropout` and attention's dropout draw them alike."""
    from dfdx._creation import _generator

    keep = _generator(rng).random(shape, dtype=dtype) >= p
    return keep * xp.asarray(1 / (1 - p), dtype)  # type: ignore[no-any-return]


# ---- comparisons -------------------------------------------------------------------------------


def _compare(op: str, x: Any, y: Any, fn: Callable[[Array, Any], Array]) -> Any:
    a = array_of(op, x, "a tensor as the first operand")
    b = getattr(y, "_data", None)
    if b is None:
        if not _is_number(y):
            raise TypeError(f"{op}: expected a tensor or a number, got {type(y).__name__}")
        return x._new(xp.asarray(fn(a, y)), None)
    check_same(op, a, b)
    if a.shape != b.shape:
        shapes.broadcast(op, a.shape, b.shape)
    return x._new(xp.asarray(fn(a, b)), None)


@overload
def eq(x: Never, y: AnyTensor | float, /) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def eq(x: Tensor[*S, Any], y: Tensor[*S, Any] | float, /) -> Tensor[*S, NoneTape]: ...
@overload
def eq(x: AnyTensor, y: AnyTensor | float, /) -> Any: ...
def eq(x: Any, y: Any, /) -> Any:
    """``x == y``, elementwise with broadcasting: a bool tensor without a tape."""
    return _compare("eq", x, y, operator.eq)


@overload
def ne(x: Never, y: AnyTensor | float, /) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def ne(x: Tensor[*S, Any], y: Tensor[*S, Any] | float, /) -> Tensor[*S, NoneTape]: ...
@overload
def ne(x: AnyTensor, y: AnyTensor | float, /) -> Any: ...
def ne(x: Any, y: Any, /) -> Any:
    """``x != y``, elementwise with broadcasting: a bool tensor without a tape."""
    return _compare("ne", x, y, operator.ne)


@overload
def lt(x: Never, y: AnyTensor | float, /) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def lt(x: Tensor[*S, Any], y: Tensor[*S, Any] | float, /) -> Tensor[*S, NoneTape]: ...
@overload
def lt(x: AnyTensor, y: AnyTensor | float, /) -> Any: ...
def lt(x: Any, y: Any, /) -> Any:
    """``x < y``, elementwise with broadcasting: a bool tensor without a tape."""
    return _compare("lt", x, y, operator.lt)


@overload
def le(x: Never, y: AnyTensor | float, /) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def le(x: Tensor[*S, Any], y: Tensor[*S, Any] | float, /) -> Tensor[*S, NoneTape]: ...
@overload
def le(x: AnyTensor, y: AnyTensor | float, /) -> Any: ...
def le(x: Any, y: Any, /) -> Any:
    """``x <= y``, elementwise with broadcasting: a bool tensor without a tape."""
    return _compare("le", x, y, operator.le)


@overload
def gt(x: Never, y: AnyTensor | float, /) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def gt(x: Tensor[*S, Any], y: Tensor[*S, Any] | float, /) -> Tensor[*S, NoneTape]: ...
@overload
def gt(x: AnyTensor, y: AnyTensor | float, /) -> Any: ...
def gt(x: Any, y: Any, /) -> Any:
    """``x > y``, elementwise with broadcasting: a bool tensor without a tape."""
    return _compare("gt", x, y, operator.gt)


@overload
def ge(x: Never, y: AnyTensor | float, /) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def ge(x: Tensor[*S, Any], y: Tensor[*S, Any] | float, /) -> Tensor[*S, NoneTape]: ...
@overload
def ge(x: AnyTensor, y: AnyTensor | float, /) -> Any: ...
def ge(x: Any, y: Any, /) -> Any:
    """``x >= y``, elementwise with broadcasting: a bool tensor without a tape."""
    return _compare("ge", x, y, operator.ge)


# ``==`` and ``!=`` (Tensor's typed methods call these): an operand that is neither a tensor nor
# a number gives ``NotImplemented``, so ``x == None`` is False, as for any Python object.


def eq_operator(x: AnyTensor, y: object, /) -> Any:
    if not hasattr(y, "_data") and not _is_number(y):
        return NotImplemented
    return _compare("eq", x, y, operator.eq)


def ne_operator(x: AnyTensor, y: object, /) -> Any:
    if not hasattr(y, "_data") and not _is_number(y):
        return NotImplemented
    return _compare("ne", x, y, operator.ne)
