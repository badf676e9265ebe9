"""Indexing, slicing and selection."""

from __future__ import annotations

from collections.abc import Sequence
from types import EllipsisType

from dfdx_mypy_plugin.shapes._core import Dim, Shape, ShapeError, dim_add, fmt, normalize_axis


class _AnyInt:
    """An int whose value is not known at check time (``x[i]`` with ``i: int``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ANY_INT"


ANY_INT = _AnyInt()


class Trim:
    """A slice's stop that is a symbolic size ``size`` written negated, ``x[..., :-p]`` (a
    causal convolution's padding trimmed off its end), or the axis's own size less one,
    ``x[..., : x.shape[2] - p]`` (``of_size``: the size it is written from)."""

    __slots__ = ("of_size", "size")

    def __init__(self, size: str, of_size: Dim = None) -> None:
        self.size = size
        self.of_size = of_size

    def __repr__(self) -> str:
        return f"Trim({self.size!r}, {self.of_size!r})"


IndexInt = int | _AnyInt | Trim


IndexItem = IndexInt | slice | None | EllipsisType
"""One entry of a basic index: an int, a slice (of ints, ``None`` or ``ANY_INT``), ``None``
(a new axis of size 1) or ``...``."""


def index_out_of_range(op: str, shape: Shape, axis: int, value: int) -> ShapeError:
    return ShapeError(f"{op}: index {value} is out of range for axis {axis} of {fmt(shape)}")


def _slice_size(s: slice, d: Dim) -> Dim:
    parts = (s.start, s.stop, s.step)
    if isinstance(s.stop, Trim):
        return _trimmed(s, d, s.stop)
    if any(isinstance(p, Trim) for p in parts):
        return None
    if isinstance(d, int) and not any(isinstance(p, _AnyInt) for p in parts):
        return len(range(*s.indices(d)))
    if s.start is None and s.stop is None and s.step in (None, 1, -1):
        return d  # the whole axis (reversed for step -1)
    return None


def _trimmed(s: slice, d: Dim, stop: Trim) -> Dim:
    """``x[:-p]`` along an axis of size ``d``: ``d - p`` (a padding ``p`` trimmed off the
    end). With ``p`` 0 the slice is empty: a generic module does not rely on a padding of
    ``(K-1)*D`` being 0 (a kernel of 1), as it does not rely on a size being 1; written
    ``x[: x.shape[2] - p]`` it keeps every element then, and is ``d - p`` for every ``p``.
    Only from the start, by step 1; else not known."""
    if s.start not in (None, 0) or s.step not in (None, 1):
        return None
    if stop.of_size is not None and not _equal(stop.of_size, d):
        return None
    out = dim_add(d, stop.size, -1)
    return out if out != 0 else None


def _equal(a: Dim, b: Dim) -> bool:
    return a is not None and dim_add(a, b, -1) == 0


def index(shape: Shape, items: Sequence[IndexItem]) -> Shape:
    """The shape of ``x[items]`` (NumPy's basic indexing): an int removes its axis, a slice
    keeps it (resized), ``None`` inserts an axis of size 1, ``...`` stands for the axes that
    no other entry names. An int out of a known size's range is an error."""
    op = "index"
    if sum(1 for i in items if i is Ellipsis) > 1:
        raise ShapeError(f"{op}: an index can have only one ellipsis (...)")
    named = sum(1 for i in items if i is not None and i is not Ellipsis)
    if named > len(shape):
        raise ShapeError(
            f"{op}: too many indices for {fmt(shape)}: {named} axes indexed, {len(shape)} exist"
        )
    expanded: list[IndexItem] = []
    for i in items:
        if i is Ellipsis:
            expanded.extend([slice(None)] * (len(shape) - named))
        else:
            expanded.append(i)
    if Ellipsis not in items:
        expanded.extend([slice(None)] * (len(shape) - named))
    out: list[Dim] = []
    axis = 0
    for i in expanded:
        if i is None:
            out.append(1)
            continue
        d = shape[axis]
        if isinstance(i, slice):
            if i.step == 0:
                raise ShapeError(f"{op}: slice step cannot be zero (axis {axis} of {fmt(shape)})")
            out.append(_slice_size(i, d))
        elif isinstance(i, int) and isinstance(d, int) and not -d <= i < d:
            raise index_out_of_range(op, shape, axis, i)
        axis += 1
    return tuple(out)


def index_select(shape: Shape, axis: int, indices: Shape) -> Shape:
    """``x`` with ``axis`` replaced by the entries that 1-d ``indices`` pick."""
    op = "index_select"
    ax = normalize_axis(op, shape, axis)
    if len(indices) != 1:
        raise ShapeError(f"{op}: indices must be 1-d, got {fmt(indices)}")
    return (*shape[:ax], indices[0], *shape[ax + 1 :])


def gather(shape: Shape, axis: int, indices: Shape) -> Shape:
    """``out[i][j] = x[indices[i][j]][j]`` along ``axis`` (here 0): the result has the shape of
    ``indices``, which has the rank of ``x`` and no larger size on the other axes (PyTorch's
    rule)."""
    op = "gather"
    ax = normalize_axis(op, shape, axis)
    if len(indices) != len(shape):
        raise ShapeError(
            f"{op}: indices {fmt(indices)} must have the rank of {fmt(shape)} "
            f"({len(indices)} != {len(shape)})"
        )
    for i, (n, m) in enumerate(zip(shape, indices, strict=True)):
        if i != ax and isinstance(n, int) and isinstance(m, int) and m > n:
            raise ShapeError(
                f"{op}: indices {fmt(indices)} are larger than {fmt(shape)} on axis {i} ({m} > {n})"
            )
    return indices


def one_hot(shape: Shape, n: Dim) -> Shape:
    """Labels of ``shape`` as one-hot vectors of ``n`` classes: ``shape + (n,)``."""
    if isinstance(n, int) and n < 0:
        raise ShapeError(f"one_hot: the number of classes must be >= 0, got {n}")
    return (*shape, n)


def label_out_of_range(shape: Shape, n: int, value: int) -> ShapeError:
    return ShapeError(f"one_hot: label {value} is out of range for {n} classes in {fmt(shape)}")


def probability(op: str, p: float) -> None:
    """dropout's ``p`` is a probability in ``[0, 1]``."""
    if not 0 <= p <= 1:
        raise ShapeError(f"{op}: p must be a probability in [0, 1], got {p!r}")
