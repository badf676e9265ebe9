"""Sorting and sampling: sort, argsort, topk, multinomial."""

from __future__ import annotations

from dfdx_mypy_plugin.shapes._core import Dim, Shape, ShapeError, fmt, fmt_dim, normalize_axis


def sort(op: str, shape: Shape, axis: int) -> Shape:
    """sort/argsort along ``axis``: the shape is unchanged (a 0-d tensor sorts as one value,
    as PyTorch's)."""
    if shape:
        normalize_axis(op, shape, axis)
    elif axis not in (0, -1):
        raise ShapeError(f"{op}: axis {axis} is out of range for {fmt(shape)}")
    return shape


def topk(shape: Shape, k: Dim, axis: int) -> Shape:
    """The ``k`` largest (or smallest) entries along ``axis``: that axis becomes ``k``."""
    op = "topk"
    if isinstance(k, int) and k < 0:
        raise ShapeError(f"{op}: k must be >= 0, got {k}")
    if not shape:
        sort(op, shape, axis)
        if isinstance(k, int) and k != 1:
            raise ShapeError(f"{op}: k must be 1 for a 0-d tensor, got {k}")
        return shape
    ax = normalize_axis(op, shape, axis)
    n = shape[ax]
    if isinstance(k, int) and isinstance(n, int) and k > n:
        raise ShapeError(
            f"{op}: k {k} is larger than axis {ax} of {fmt(shape)} (size {fmt_dim(n)})"
        )
    return (*shape[:ax], k, *shape[ax + 1 :])


def multinomial(shape: Shape, num_samples: Dim, replacement: bool | None) -> Shape:
    """Samples of the categories on the last axis of 1-d or 2-d ``probs``: that axis becomes
    ``num_samples``; without replacement, at most as many samples as categories
    (``replacement`` None where it is not known)."""
    op = "multinomial"
    if len(shape) not in (1, 2):
        raise ShapeError(f"{op}: probs must be 1-d or 2-d, got {fmt(shape)}")
    if isinstance(num_samples, int) and num_samples <= 0:
        raise ShapeError(f"{op}: num_samples must be > 0, got {num_samples}")
    n = shape[-1]
    if (
        replacement is False
        and isinstance(num_samples, int)
        and isinstance(n, int)
        and num_samples > n
    ):
        raise ShapeError(
            f"{op}: cannot draw {num_samples} samples without replacement from {n} categories "
            f"({fmt(shape)})"
        )
    return (*shape[:-1], num_samples)
