"""Matrix products."""

from __future__ import annotations

from dfdx_mypy_plugin.shapes._core import Shape, ShapeError, fmt, fmt_dim, same_dim
from dfdx_mypy_plugin.shapes.binary import broadcast


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


def matrix(op: str, shape: Shape) -> Shape:
    """tril/triu act on the last two axes."""
    if len(shape) < 2:
        raise ShapeError(f"{op}: needs at least 2 axes, got {fmt(shape)}")
    return shape
