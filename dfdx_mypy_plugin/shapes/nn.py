"""Modules of ``dx.nn``: the features and channels a layer reads, and a Sequential's links
(the layers themselves are described in :mod:`.layers`)."""

from __future__ import annotations

from collections.abc import Sequence

from dfdx_mypy_plugin.shapes._core import (
    Dim,
    Shape,
    ShapeError,
    at_least,
    dim_add,
    fmt,
    fmt_dim,
    same_dim,
    same_layer_size,
)


def features(name: str, x: Shape, takes: Dim) -> None:
    """A layer ``name`` (``Linear[784, 10]``, ``LayerNorm[64]``) reading ``takes`` features
    from the last axis of ``x``."""
    if not x:
        raise ShapeError(f"{name}: needs at least 1 axis, got {fmt(x)}")
    if same_layer_size(x[-1], takes) is False:
        raise ShapeError(
            f"{name}: takes {fmt_dim(takes)} features, got {fmt(x)} "
            f"({fmt_dim(x[-1])} != {fmt_dim(takes)})"
        )


def linear(x: Shape, in_features: Dim, out_features: Dim) -> Shape:
    """``Linear[in, out]`` on ``Tensor[*B, in]``: ``Tensor[*B, out]``."""
    features(f"Linear[{fmt_dim(in_features)}, {fmt_dim(out_features)}]", x, in_features)
    return (*x[:-1], out_features)


def sequential_link(
    index: int,
    layer: str,
    takes: Dim,
    source: int,
    gives: Dim,
    what: str = "features",
    chain: tuple[str, str] = ("Sequential", "layer"),
) -> None:
    """Layer ``index`` (1-based, ``layer`` as written: ``Linear[256, 10]``) of a Sequential
    takes ``takes`` features (or channels); layer ``source`` is the last one before it that
    set that size, to ``gives``. ``chain``: what the message calls the chain and its
    members (a ``ModuleList`` applied in a loop names its members so)."""
    if same_layer_size(takes, gives) is False:
        container, item = chain
        raise ShapeError(
            f"{container}: {item} {index} ({layer}) takes {fmt_dim(takes)} {what}, "
            f"{item} {source} gives {fmt_dim(gives)}"
        )


def channels(name: str, x: Shape, ranks: Sequence[int], takes: Dim) -> None:
    """A layer ``name`` (``BatchNorm2d[8]``, ``Conv2d[3, 8]``) reading ``takes`` channels on
    axis 1 of an input of one of ``ranks``."""
    if len(x) not in ranks:
        want = " or ".join(f"{r}-d" for r in ranks)
        raise ShapeError(f"{name}: needs a {want} input, got {fmt(x)}")
    if same_layer_size(x[1], takes) is False:
        raise ShapeError(
            f"{name}: takes {fmt_dim(takes)} channels on axis 1, got {fmt(x)} "
            f"({fmt_dim(x[1])} != {fmt_dim(takes)})"
        )


def joined_input(
    name: str, x: Shape, what: str, takes: Dim, least: Dim, joined: str, line: int
) -> None:
    """A layer ``name`` reading ``takes`` ``what`` (features, channels) where ``x`` has a size
    not known, made by a concatenation (at line ``line``) at least ``least`` long there
    (``joined`` writes it: ``D + Dyn``, ``C per tensor of a list``): an error where that is
    provably more than ``takes``."""
    if least is None or takes is None or not at_least(dim_add(least, takes, -1), 1):
        return
    raise ShapeError(
        f"{name}: takes {fmt_dim(takes)} {what}, got {fmt(x)} ({joined} != {fmt_dim(takes)}: "
        f"concatenated at line {line})"
    )


def residual(inner: str, x: Shape, y: Shape) -> None:
    """``Residual(m)`` adds ``m(x)`` to ``x``: the two shapes must be equal."""
    if len(x) != len(y) or any(same_dim(a, b) is False for a, b in zip(x, y, strict=False)):
        raise ShapeError(f"Residual: {inner} maps {fmt(x)} to {fmt(y)}; the shapes must be equal")


def prelu(op: str, x: Shape, weight: Shape) -> Shape:
    """``prelu(x, weight)``: ``weight`` is ``(1,)`` or one slope per channel of axis 1 (an
    input of fewer than 2 axes has one channel, as PyTorch's); the result has ``x``'s
    shape."""
    if len(weight) != 1:
        raise ShapeError(f"{op}: weight must be 1-d (1 or C slopes), got {fmt(weight)}")
    (n,) = weight
    if n == 1:
        return x
    if len(x) < 2:
        if isinstance(n, int):
            raise ShapeError(f"{op}: {n} slopes for {fmt(x)}, which has one channel (no axis 1)")
        return x
    if same_layer_size(x[1], n) is False:
        raise ShapeError(
            f"{op}: {fmt_dim(n)} slopes for {fmt_dim(x[1])} channels on axis 1 of "
            f"{fmt(x)} ({fmt_dim(x[1])} != {fmt_dim(n)})"
        )
    return x
