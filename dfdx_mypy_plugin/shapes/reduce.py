"""Reductions over axes."""

from __future__ import annotations

from collections.abc import Sequence

from dfdx_mypy_plugin.shapes._core import Axis, Shape, ShapeError, fmt, normalize_axes


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
