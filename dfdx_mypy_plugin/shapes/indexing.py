"""Indexing, slicing and selection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import EllipsisType

from dfdx_mypy_plugin.shapes._core import (
    Dim,
    Shape,
    ShapeError,
    dim_add,
    dim_floordiv,
    fmt,
    is_negative,
    is_nonnegative,
    normalize_axis,
    same_dim,
)
from dfdx_mypy_plugin.shapes.binary import broadcast


class _AnyInt:
    """An int whose value is not known at check time (``x[i]`` with ``i: int``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ANY_INT"


ANY_INT = _AnyInt()


IndexInt = int | str | _AnyInt
"""An int index or a slice's part: an int, a symbolic size (``"H"``, ``"T-1"``; one whose
polynomial is negative, ``"-P"``, counts from the end as a negative int does), or
``ANY_INT``."""


@dataclass(frozen=True)
class TensorIndex:
    """An int64 tensor in an index (PyTorch's advanced indexing), by its shape."""

    shape: Shape


IndexItem = IndexInt | slice | None | EllipsisType | TensorIndex
"""One entry of an index: an int, a slice (of ints, symbolic sizes, ``None`` or ``ANY_INT``),
``None`` (a new axis of size 1), ``...`` or a tensor of indices."""


def index_out_of_range(op: str, shape: Shape, axis: int, value: int) -> ShapeError:
    return ShapeError(f"{op}: index {value} is out of range for axis {axis} of {fmt(shape)}")


def _slice_size(s: slice, d: Dim) -> Dim:
    """The length of ``s`` on an axis of size ``d``. Ints on a known size are exact (Python's
    rule). Otherwise, with a step of 1 or a positive int, the bounds are taken to lie within
    the axis (``table[:h]`` is ``h`` long, ``x[..., :-p]`` is ``W-P``, ``x[:, 1:]`` is
    ``T-1``, ``x[::2]`` is ``(H+1)//2``) unless one is provably past its end; a bound whose
    value or sign is not known gives an unknown size."""
    parts = (s.start, s.stop, s.step)
    if isinstance(d, int) and all(p is None or type(p) is int for p in parts):
        return len(range(*s.indices(d)))
    if s.start is None and s.stop is None and s.step in (None, 1, -1):
        return d  # the whole axis (reversed for step -1)
    step = 1 if s.step is None else s.step
    if type(step) is not int or step < 1:
        return None
    start = _bound(s.start, d, 0)
    stop = _bound(s.stop, d, d)
    length = dim_add(stop, start, -1)
    if length is None or is_negative(length):
        return None if length is None else 0
    if isinstance(length, int):
        return -(-length // step)
    return dim_floordiv(dim_add(length, step - 1), step) if step > 1 else length


def _bound(p: IndexInt | None, d: Dim, default: Dim) -> Dim:
    """A slice's bound as a position from the start of an axis of size ``d``: one counted from
    the end (negative) is ``d`` plus it; one provably past the end is ``d``."""
    if p is None:
        return default
    if isinstance(p, _AnyInt):
        return None
    if is_negative(p) or (isinstance(p, str) and p.startswith("-")):
        # a size written negated counts from the end, as a negative int does: ``x[..., :-p]``
        # trims a causal padding ``p = (K-1)*D`` (a generic module does not rely on it being 0)
        return dim_add(d, p)
    if not is_nonnegative(p):
        return None
    if d is not None and (same_dim(p, d) or is_nonnegative(dim_add(p, d, -1))):
        return d
    return p


def index(shape: Shape, items: Sequence[IndexItem]) -> Shape:
    """The shape of ``x[items]``: an int removes its axis, a slice keeps it (resized), ``None``
    inserts an axis of size 1, ``...`` stands for the axes that no other entry names (NumPy's
    basic indexing). Tensors of indices (advanced indexing, as PyTorch does it) each index an
    axis; their shapes broadcast together into the axes they give, which take the place of
    the indexed axes where those are next to each other once ints are taken out
    (``x[:, rows, cols]``, ``x[0, :, idx]``), else go first (``x[rows, :, cols]``). An int out
    of a known size's range is an error, as are index tensors that do not broadcast."""
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
    if not any(i is Ellipsis for i in items):
        expanded.extend([slice(None)] * (len(shape) - named))
    out: list[Dim | TensorIndex] = []
    tensors: list[Shape] = []
    axis = 0
    for i in expanded:
        if i is None:
            out.append(1)
            continue
        d = shape[axis]
        if isinstance(i, TensorIndex):
            tensors.append(i.shape)
            out.append(i)
        elif isinstance(i, slice):
            if i.step == 0:
                raise ShapeError(f"{op}: slice step cannot be zero (axis {axis} of {fmt(shape)})")
            out.append(_slice_size(i, d))
        elif isinstance(i, int) and isinstance(d, int) and not -d <= i < d:
            raise index_out_of_range(op, shape, axis, i)
        axis += 1
    if not tensors:
        return tuple(d for d in out if not isinstance(d, TensorIndex))
    return _advanced(out, _index_broadcast(tensors))


def _index_broadcast(tensors: list[Shape]) -> Shape:
    """The broadcast of the index tensors' shapes."""
    out = tensors[0]
    for t in tensors[1:]:
        try:
            out = broadcast("index", out, t)
        except ShapeError as e:
            message = str(e).replace("shapes do not broadcast", "index tensors do not broadcast")
            raise ShapeError(message) from None
    return out


def _advanced(out: list[Dim | TensorIndex], indexed: Shape) -> Shape:
    """``out`` with its index tensors' places replaced by ``indexed``: where they are next
    to each other, there; else first (NumPy's and PyTorch's rule)."""
    places = [k for k, d in enumerate(out) if isinstance(d, TensorIndex)]
    rest = [d for d in out if not isinstance(d, TensorIndex)]
    if places[-1] - places[0] == len(places) - 1:
        return (*rest[: places[0]], *indexed, *rest[places[0] :])
    return (*indexed, *rest)


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
