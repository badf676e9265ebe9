"""Shape arithmetic and its error messages, shared by the runtime and the mypy plugin.

Pure Python: imports neither numpy nor mypy. The runtime calls these rules with ints; the
plugin calls them with what it knows at check time. A dimension (:data:`Dim`) is

- an ``int``: a size known exactly (a ``Literal`` at check time, every size at run time),
- a ``str``: a symbolic size, the name of an ``int``-bound TypeVar such as ``"B"``,
- ``None``: a size nobody knows (``Dyn``).

A rule raises :class:`ShapeError` only when it can prove the shapes are wrong (two different
known sizes); symbolic and unknown sizes are given the benefit of the doubt. The message names
the op, the shapes in the notation users write (``Tensor[B, 784]``) and the axis at fault.
"""

from __future__ import annotations

from collections.abc import Sequence

Dim = int | str | None
Shape = tuple[Dim, ...]
Axis = int | tuple[int, ...] | None


class ShapeError(ValueError):
    """Tensor shapes that do not fit the op (raised at run time, reported at check time)."""


def fmt_dim(d: Dim) -> str:
    return "Dyn" if d is None else str(d)


def fmt(shape: Shape) -> str:
    """``(3, 4)`` -> ``Tensor[3, 4]``; a 0-d shape is ``Tensor[()]``."""
    if not shape:
        return "Tensor[()]"
    return "Tensor[" + ", ".join(fmt_dim(d) for d in shape) + "]"


def same_dim(a: Dim, b: Dim) -> bool | None:
    """True or False when it is known whether two sizes are equal, None when it is not."""
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    if a == b:
        return True
    return None


def broadcast_dim(a: Dim, b: Dim) -> Dim | bool:
    """The broadcast of two sizes, or False when they provably cannot broadcast."""
    if a == 1:
        return b
    if b == 1:
        return a
    if isinstance(a, int) and isinstance(b, int):
        return a if a == b else False
    if a == b:
        return a
    # One side is known and not 1: a symbolic or unknown partner is 1 or the same size.
    if isinstance(a, int):
        return a
    if isinstance(b, int):
        return b
    return None


def broadcast(op: str, a: Shape, b: Shape) -> Shape:
    """NumPy broadcasting of two shapes, e.g. ``add: Tensor[2, 3] + Tensor[4]`` is an error."""
    if a == b:
        return a
    n = max(len(a), len(b))
    pa = (1,) * (n - len(a)) + a
    pb = (1,) * (n - len(b)) + b
    out: list[Dim] = []
    for i, (da, db) in enumerate(zip(pa, pb, strict=True)):
        d = broadcast_dim(da, db)
        if d is False:
            raise ShapeError(
                f"{op}: shapes do not broadcast: {fmt(a)} and {fmt(b)} "
                f"(axis {i - n}: {fmt_dim(da)} != {fmt_dim(db)})"
            )
        out.append(d)
    return tuple(out)


def matmul(a: Shape, b: Shape) -> Shape:
    """``a @ b`` with NumPy's rules: 1-d operands are vectors, leading axes broadcast."""
    if not a or not b:
        raise ShapeError(f"matmul: both operands need at least 1 axis: {fmt(a)} @ {fmt(b)}")
    k_a = a[-1]
    k_b = b[-min(len(b), 2)]  # the second-to-last axis, or a vector's only one
    if same_dim(k_a, k_b) is False:
        raise ShapeError(
            f"matmul: inner sizes differ: {fmt(a)} @ {fmt(b)} ({fmt_dim(k_a)} != {fmt_dim(k_b)})"
        )
    rows: Shape = a[-2:-1] if len(a) >= 2 else ()
    cols: Shape = b[-1:] if len(b) >= 2 else ()
    batch_a, batch_b = a[:-2], b[:-2]
    try:
        batch = broadcast("matmul", batch_a, batch_b)
    except ShapeError:
        raise ShapeError(
            f"matmul: batch axes do not broadcast: {fmt(a)} @ {fmt(b)} "
            f"({fmt(batch_a)} vs {fmt(batch_b)})"
        ) from None
    return batch + rows + cols


def normalize_axis(op: str, shape: Shape, axis: int) -> int:
    """A possibly negative axis as an index into ``shape``, or a ShapeError naming it."""
    n = len(shape)
    if not -n <= axis < n:
        raise ShapeError(f"{op}: axis {axis} is out of range for {fmt(shape)}")
    return axis % n


def normalize_axes(op: str, shape: Shape, axis: Axis) -> tuple[int, ...]:
    """``axis=None`` means every axis; a tuple may not name the same axis twice."""
    if axis is None:
        return tuple(range(len(shape)))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = tuple(normalize_axis(op, shape, a) for a in axes)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: axis {axis} names an axis twice for {fmt(shape)}")
    return out


def reduce(op: str, shape: Shape, axis: Axis, keepdims: bool) -> Shape:
    """The shape after reducing ``axis`` (kept as size 1 with ``keepdims``)."""
    axes = normalize_axes(op, shape, axis)
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def nonempty_reduce(op: str, shape: Shape, axes: Sequence[int]) -> None:
    """max/min/logsumexp have no value over zero elements."""
    for i in axes:
        if shape[i] == 0:
            raise ShapeError(f"{op}: cannot reduce axis {i} of size 0 in {fmt(shape)}")


def same_shape(op: str, a: Shape, b: Shape) -> None:
    """Ops that need equal shapes (no broadcasting)."""
    if len(a) != len(b) or any(same_dim(x, y) is False for x, y in zip(a, b, strict=False)):
        raise ShapeError(f"{op}: shapes differ: {fmt(a)} and {fmt(b)}")


TAPE_NEEDED = "backward() needs a traced tensor: call .trace() on an input first"


def scalar_for_backward(shape: Shape) -> None:
    """backward() starts from a 0-d loss."""
    if shape:
        raise ShapeError(
            f"backward: the loss must be 0-d, got {fmt(shape)}; reduce it first "
            "(e.g. .sum() or .mean())"
        )


def ensure(op: str, actual: Shape, expected: Shape) -> Shape:
    """``actual`` checked against ``expected`` (None there accepts any size); the result is
    ``expected`` with each None filled from ``actual``."""
    if len(actual) != len(expected):
        raise ShapeError(
            f"{op}: expected {fmt(expected)}, got {fmt(actual)} "
            f"(rank {len(actual)} != {len(expected)})"
        )
    for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
        if e is not None and same_dim(a, e) is False:
            raise ShapeError(
                f"{op}: expected {fmt(expected)}, got {fmt(actual)} "
                f"(axis {i}: {fmt_dim(a)} != {fmt_dim(e)})"
            )
    return tuple(a if e is None else e for a, e in zip(actual, expected, strict=True))
