"""Normalisation."""

from __future__ import annotations

from collections.abc import Sequence

from dfdx_mypy_plugin.shapes._core import Dim, Shape, ShapeError, fmt, fmt_dim, same_dim
from dfdx_mypy_plugin.shapes.nn import features


def layer_norm(op: str, x: Shape, size: Dim, params: Sequence[tuple[str, Shape]]) -> Shape:
    """``layer_norm`` of ``x`` over its last axis, of ``size`` features: ``weight`` and
    ``bias`` (``params``, name and shape) are ``Tensor[size]``; the result has ``x``'s shape."""
    features(op, x, size)
    for name, shape in params:
        if len(shape) != 1 or same_dim(shape[0], size) is False:
            raise ShapeError(
                f"{op}: {name} must be Tensor[{fmt_dim(size)}] (one per feature of the "
                f"last axis), got {fmt(shape)}"
            )
    return x
