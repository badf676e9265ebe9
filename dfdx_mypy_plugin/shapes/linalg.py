"""Matrix products."""

from __future__ import annotations

from dfdx_mypy_plugin.shapes._core import (
    Dim,
    Shape,
    ShapeError,
    agree,
    apart_for_every_argument,
    at_least,
    dim_add,
    fmt,
    fmt_dim,
    head_counts,
    same_dim,
    same_layer_size,
)
from dfdx_mypy_plugin.shapes.binary import broadcast


def matmul(a: Shape, b: Shape) -> Shape:
    """``a @ b`` with NumPy's rules: 1-d operands are vectors, leading axes broadcast."""
    if not a or not b:
        raise ShapeError(f"matmul: both operands need at least 1 axis: {fmt(a)} @ {fmt(b)}")
    k_a = a[-1]
    k_b = b[-min(len(b), 2)]  # the second-to-last axis, or a vector's only one
    rows: Shape = a[-2:-1] if len(a) >= 2 else ()
    cols: Shape = b[-1:] if len(b) >= 2 else ()
    batch_a, batch_b = a[:-2], b[:-2]
    batch_error = None
    try:
        batch = broadcast("matmul", batch_a, batch_b, whole=(a, b))
    except ShapeError as e:
        batch, batch_error = e.best or batch_a, e
    # Two size parameters are two sizes, as for a layer's features (same_layer_size): the
    # scores of a generic attention ``q @ k`` without the transpose contract S with D.
    counts = head_counts(a) | head_counts(b)
    if same_layer_size(k_a, k_b) is False or _split_apart(k_a, k_b, counts):
        if len(b) >= 2 and same_dim(k_a, b[-1]):
            cols = b[-2:-1]  # ``q @ k`` for ``q @ k.mT``: the result it was meant to have
        try:
            matmul_inner(fmt(a), fmt(b), k_a, k_b, counts)
        except ShapeError as e:
            raise ShapeError(str(e), best=batch + rows + cols) from None
    if batch_error is not None:
        raise ShapeError(
            f"matmul: batch axes do not broadcast: {fmt(a)} @ {fmt(b)} "
            f"({fmt(batch_a)} vs {fmt(batch_b)})",
            best=batch + rows + cols,
        ) from None
    return batch + rows + cols


def _split_apart(k_a: Dim, k_b: Dim, counts: set[str]) -> bool:
    """Inner sizes of which one is a head's size and that differ for every head count
    (``D//heads`` against ``N``: :func:`apart_for_every_argument`)."""
    return (
        isinstance(k_a, str) and isinstance(k_b, str) and apart_for_every_argument(k_a, k_b, counts)
    )


def joined_inner(a: Shape, b: Shape, side: int, least: Dim, joined: str, line: int) -> None:
    """``a @ b`` where the inner size of one operand (``side``: 0 for ``a``) is unknown, made
    by a concatenation (at line ``line``) that is at least ``least`` long there (``joined``
    writes it, ``E//NH + Dyn``): an error where that is provably more than the other
    operand's inner size."""
    k_a, k_b = a[-1], b[-2]
    other = k_b if side == 0 else k_a
    if other is None or least is None or not at_least(dim_add(least, other, -1), 1):
        return
    sizes = (joined, fmt_dim(k_b)) if side == 0 else (fmt_dim(k_a), joined)
    raise ShapeError(
        f"matmul: inner sizes differ: {fmt(a)} @ {fmt(b)} ({sizes[0]} != {sizes[1]}: "
        f"concatenated at line {line})",
        best=matmul(a, b),
    )


def matmul_inner(a: str, b: str, k_a: Dim, k_b: Dim, counts: set[str] | None = None) -> None:
    """The inner sizes ``k_a`` and ``k_b`` of ``a @ b`` (the operands as written) agree;
    ``counts``: the operands' head counts (:func:`head_counts`)."""
    if same_layer_size(k_a, k_b) is False or _split_apart(k_a, k_b, counts or set()):
        raise ShapeError(
            f"matmul: inner sizes differ: {a} @ {b} ({fmt_dim(k_a)} != {fmt_dim(k_b)})"
        )


def matrix(op: str, shape: Shape) -> Shape:
    """tril/triu act on the last two axes."""
    if len(shape) < 2:
        raise ShapeError(f"{op}: needs at least 2 axes, got {fmt(shape)}")
    return shape


def linear_operands(
    op: str,
    x: Shape,
    weight: Shape,
    bias: Shape | None,
    names: tuple[str, str, str] = ("x", "weight", "bias"),
) -> Shape:
    """``x @ weight.T + bias``: ``x`` ``(*B, in)``, ``weight`` ``(out, in)`` (PyTorch's
    layout), ``bias`` ``(out,)`` or absent; the result is ``(*B, out)``. ``names`` are the
    operands as the op calls them (``weight2`` in a feed-forward)."""
    x_name, w_name, b_name = names
    if len(weight) != 2:
        raise ShapeError(
            f"{op}: {w_name} must be 2-d (out_features, in_features), got {fmt(weight)}"
        )
    if not x:
        raise ShapeError(f"{op}: {x_name} needs at least 1 axis, got {fmt(x)}")
    out, takes = weight
    if same_layer_size(x[-1], takes) is False:
        raise ShapeError(
            f"{op}: {w_name} {fmt(weight)} takes {fmt_dim(takes)} features, "
            f"{x_name} {fmt(x)} has {fmt_dim(x[-1])}",
            best=(*x[:-1], out),
        )
    if bias is not None:
        if len(bias) != 1 or same_layer_size(bias[0], out) is False:
            raise ShapeError(
                f"{op}: {b_name} must be Tensor[{fmt_dim(out)}] (one per output feature of "
                f"{w_name}), got {fmt(bias)}",
                best=(*x[:-1], out),
            )
        out = agree(out, bias[0])
    return (*x[:-1], out)


def feed_forward(
    op: str, x: Shape, w1: Shape, b1: Shape | None, w2: Shape, b2: Shape | None
) -> Shape:
    """``linear(relu(linear(x, w1, b1)), w2, b2)``: ``w1`` ``(hidden, in)``, ``w2``
    ``(out, hidden)``; the result is ``(*B, out)``."""
    hidden = linear_operands(op, x, w1, b1, ("x", "weight1", "bias1"))
    if len(w2) == 2 and same_layer_size(w2[1], hidden[-1]) is False:
        raise ShapeError(
            f"{op}: weight2 {fmt(w2)} takes {fmt_dim(w2[1])} features, "
            f"weight1 {fmt(w1)} gives {fmt_dim(hidden[-1])}"
        )
    return linear_operands(op, hidden, w2, b2, ("the hidden layer", "weight2", "bias2"))
