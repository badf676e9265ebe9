"""Data loading (``dfdx.utils.data``): samples in a dataset, batch sizes."""

from __future__ import annotations

from collections.abc import Sequence

from dfdx_mypy_plugin.shapes._core import Dim, Shape, ShapeError, fmt, fmt_dim, same_dim


def dataset_length(op: str, fields: Sequence[Shape]) -> Dim:
    """The number of samples of a dataset made of ``fields``: their first axis, which must
    agree (``TensorDataset(x, y)`` pairs ``x[i]`` with ``y[i]``)."""
    if not fields:
        raise ShapeError(f"{op}: needs at least one tensor")
    first = fields[0]
    n: Dim = None
    for i, shape in enumerate(fields):
        if not shape:
            raise ShapeError(f"{op}: tensor {i} is 0-d: every tensor needs a first axis of samples")
        if same_dim(first[0], shape[0]) is False:
            raise ShapeError(
                f"{op}: tensors differ in their number of samples (axis 0): "
                f"{fmt(first)} and {fmt(shape)} "
                f"({fmt_dim(first[0])} != {fmt_dim(shape[0])})"
            )
        if isinstance(shape[0], int) or n is None:
            n = shape[0]
    return n


def batch_size(op: str, n: int) -> int:
    """A loader's ``batch_size``: at least 1 (a batch of no samples is a mistake)."""
    if n < 1:
        raise ShapeError(f"{op}: batch_size must be at least 1, got {n}")
    return n
