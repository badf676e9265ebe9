"""Normalisation."""

from __future__ import annotations

from collections.abc import Sequence

from dfdx_mypy_plugin.shapes._core import Dim, Shape, ShapeError, fmt, fmt_dim, same_layer_size
from dfdx_mypy_plugin.shapes.nn import features


def layer_norm(op: str, x: Shape, size: Dim, params: Sequence[tuple[str, Shape]]) -> Shape:
    """``layer_norm`` of ``x`` over its last axis, of ``size`` features: ``weight`` and
    ``bias`` (``params``, name and shape) are ``Tensor[size]``; the result has ``x``'s shape."""
    features(op, x, size)
    for name, shape in params:
        if len(shape) != 1 or same_layer_size(shape[0], size) is False:
            raise ShapeError(
                f"{op}: {name} must be Tensor[{fmt_dim(size)}] (one per feature of the "
                f"last axis), got {fmt(shape)}"
            )
    return x


def rms_norm(op: str, x: Shape, size: Dim, params: Sequence[tuple[str, Shape]]) -> Shape:
    """``rms_norm`` of ``x`` over its last axis, of ``size`` features: as :func:`layer_norm`
    (``weight`` is ``Tensor[size]``); the result has ``x``'s shape."""
    return layer_norm(op, x, size, params)


def group_norm(
    op: str, x: Shape, num_groups: int | None, params: Sequence[tuple[str, Shape]]
) -> Shape:
    """``group_norm`` of ``x`` ``(N, C, *)`` in ``num_groups`` groups of channels (None where
    not known): they must divide ``C``; ``weight`` and ``bias`` (``params``, name and shape)
    are ``Tensor[C]``; the result has ``x``'s shape."""
    if len(x) < 2:
        raise ShapeError(f"{op}: expected an input (N, C, *) of at least 2 axes, got {fmt(x)}")
    c = x[1]
    if num_groups is not None and isinstance(c, int) and c % num_groups:
        raise ShapeError(
            f"{op}: num_groups {num_groups} must divide the {c} channels on axis 1 of {fmt(x)}"
        )
    for name, shape in params:
        if len(shape) != 1 or same_layer_size(shape[0], c) is False:
            raise ShapeError(
                f"{op}: {name} must be Tensor[{fmt_dim(c)}] (one per channel on axis 1), "
                f"got {fmt(shape)}"
            )
    return x
