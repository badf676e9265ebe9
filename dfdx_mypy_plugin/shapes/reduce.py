"""Reductions over axes."""

from __future__ import annotations

from collections.abc import Sequence

from dfdx_mypy_plugin.shapes._core import (
    Axis,
    Shape,
    ShapeError,
    dim_div,
    dim_floordiv,
    fmt,
    normalize_axes,
    normalize_axis,
)


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


def glu(op: str, shape: Shape, axis: int) -> Shape:
    """``glu(x, axis)``: ``axis`` halved (its first half gated by the sigmoid of its second);
    an odd size is an error. A symbolic size ``2*D`` halves to ``D``, another one ``S`` to
    ``S//2`` (taken to be even, as a pool takes a height)."""
    ax = normalize_axis(op, shape, axis)
    n = shape[ax]
    if isinstance(n, int) and n % 2:
        raise ShapeError(
            f"{op}: axis {axis} of {fmt(shape)} has odd size {n}; glu halves it (a gate for "
            "each value)"
        )
    half = dim_div(n, 2)
    if half is None and isinstance(n, str):
        half = dim_floordiv(n, 2)
    return (*shape[:ax], half, *shape[ax + 1 :])
