"""Shape rules of data loading (``dfdx.utils.data``), shared by the runtime and the plugin.

Pure Python, like :mod:`dfdx_mypy_plugin.shapes` (whose conventions it follows: a size is an
int, a symbolic name or None). It belongs with the other rules in ``shapes``; it is a module of
its own only because ``shapes`` is being split into a package as this is written.
"""

from __future__ import annotations

from collections.abc import Sequence

from dfdx_mypy_plugin import shapes


def dataset_length(op: str, fields: Sequence[shapes.Shape]) -> shapes.Dim:
    """The number of samples of a dataset made of ``fields``: their first axis, which must
    agree (``TensorDataset(x, y)`` pairs ``x[i]`` with ``y[i]``)."""
    if not fields:
        raise shapes.ShapeError(f"{op}: needs at least one tensor")
    first = fields[0]
    n: shapes.Dim = None
    for i, shape in enumerate(fields):
        if not shape:
            raise shapes.ShapeError(
                f"{op}: tensor {i} is 0-d: every tensor needs a first axis of samples"
            )
        if shapes.same_dim(first[0], shape[0]) is False:
            raise shapes.ShapeError(
                f"{op}: tensors differ in their number of samples (axis 0): "
                f"{shapes.fmt(first)} and {shapes.fmt(shape)} "
                f"({shapes.fmt_dim(first[0])} != {shapes.fmt_dim(shape[0])})"
            )
        if isinstance(shape[0], int) or n is None:
            n = shape[0]
    return n


def batch_size(op: str, n: int) -> int:
    """A loader's ``batch_size``: at least 1 (a batch of no samples is a mistake)."""
    if n < 1:
        raise shapes.ShapeError(f"{op}: batch_size must be at least 1, got {n}")
    return n
