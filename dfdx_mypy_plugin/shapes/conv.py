"""Convolution, pooling and upsampling."""

from __future__ import annotations

from typing import Literal

from dfdx_mypy_plugin.shapes._core import (
    Dim,
    Shape,
    ShapeError,
    constant_range,
    dim_add,
    dim_floordiv,
    dim_mul,
    fmt,
    fmt_dim,
    same_dim,
    same_layer_size,
)

Param = tuple[Dim, ...]
"""A window argument, one entry per spatial axis: an int, a symbolic size (``K``,
``(K-1)//2``: from a module's size TypeVars) or None (not known)."""


SPATIAL_NAMES = {1: "(N, C, L)", 2: "(N, C, H, W)"}

PaddingMode = Literal["same", "valid"]
"""A convolution's padding as a word, as PyTorch's: ``"valid"`` none, ``"same"`` as much as
keeps each spatial size (stride 1 only)."""
PADDING_MODES: tuple[PaddingMode, ...] = ("same", "valid")


def padding_mode(op: str, value: object) -> PaddingMode | None:
    """``value`` as a padding word, or None where it is not a string (an int or a tuple: see
    :func:`conv_param`); a string other than ``"same"`` or ``"valid"`` is a ValueError."""
    if not isinstance(value, str):
        return None
    if value == "same":
        return "same"
    if value == "valid":
        return "valid"
    raise ShapeError(
        f"{op}: padding must be 'same', 'valid', an int or a tuple of ints, got {value!r}"
    )


def same_needs_stride_1(op: str, stride: object) -> None:
    """``padding="same"`` with a ``stride`` other than 1 is an error (PyTorch's too: the output
    of a strided window cannot keep the input's size)."""
    strides = stride if isinstance(stride, tuple) else (stride,)
    if any(isinstance(s, int) and s != 1 for s in strides):
        raise ShapeError(f"{op}: padding='same' needs stride 1, got stride={stride!r}")


def same_padding(
    kernel: tuple[int, ...], dilation: tuple[int, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``padding="same"`` per spatial axis as ``(before, after)``: ``dilation (k - 1)`` in all,
    the odd one after (on the right, the bottom), as PyTorch pads."""
    totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
    before = tuple(t // 2 for t in totals)
    return before, tuple(t - b for t, b in zip(totals, before, strict=True))


def conv_param(op: str, name: str, value: object, spatial: int, minimum: int) -> tuple[int, ...]:
    """An int or a tuple of ``spatial`` ints, each at least ``minimum``, as a tuple."""
    items = value if isinstance(value, tuple) else (value,) * spatial
    ints = tuple(v for v in items if isinstance(v, int) and not isinstance(v, bool))
    if len(items) != spatial or len(ints) != spatial:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {spatial} ints, got {value!r}")
    if any(v < minimum for v in ints):
        raise ShapeError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return ints


def _rank(op: str, x: Shape, spatial: int, what: str = "input") -> None:
    if len(x) != spatial + 2:
        raise ShapeError(
            f"{op}: expected a {spatial + 2}-d {what} {SPATIAL_NAMES[spatial]}, got {fmt(x)}"
        )


def _known(*values: Dim) -> bool:
    return all(isinstance(v, int) for v in values)


def _window(
    op: str, x: Shape, i: int, n: Dim, k: Dim, s: Dim, p: Dim, d: Dim, ceil: bool = False
) -> Dim:
    """``(n + 2p - d(k - 1) - 1) // s + 1``: the output size along axis ``i`` of ``x``; for a
    symbolic ``n`` in canonical form (``H`` for a same-padded stride-1 window, ``H//2`` for a
    2x2 pool, ``(H+1)//2`` for a 3x3 convolution with stride 2 and padding 1). With ``ceil``
    (a pool's ``ceil_mode``) the division rounds up, less the last window where it would start
    past the input and its left padding (PyTorch's rule)."""
    if not _known(k, s, p, d):
        return None if ceil and s != 1 else symbolic_window(n, k, s, p, d)
    assert isinstance(k, int) and isinstance(s, int)
    assert isinstance(p, int) and isinstance(d, int)
    if k < 1 or s < 1 or d < 1 or p < 0:
        return None  # invalid arguments, rejected where they are given: no size from them
    if ceil and s > 1 and not isinstance(n, int):
        # the last window is dropped only where it would start in the right padding, which
        # needs p + s > d(k - 1) + 1 and depends on n: without that, the rounded-up size
        if p + s > d * (k - 1) + 1:
            return None
        return dim_add(dim_floordiv(dim_add(n, 2 * p - d * (k - 1) - 1 + s - 1), s), 1)
    if not isinstance(n, int):  # too small an input is found at run time
        return dim_add(dim_floordiv(dim_add(n, 2 * p - d * (k - 1) - 1), s), 1)
    span = n + 2 * p - d * (k - 1) - 1
    out = span // s + 1
    if ceil and span >= 0:
        out = -(-span // s) + 1
        if (out - 1) * s >= n + p:
            out -= 1
    if span < 0 or out <= 0:
        raise ShapeError(
            f"{op}: output size {out} at axis {i} of {fmt(x)} (size {n} + 2 * padding {p} "
            f"< dilation {d} * (kernel {k} - 1) + 1)"
        )
    return out


def symbolic_window(n: Dim, k: Dim, s: Dim, p: Dim, d: Dim) -> Dim:
    """:func:`_window`'s size where a window argument is symbolic (a kernel ``K``, a padding
    ``(K-1)//2``, a dilation ``D``: a module's size TypeVars and arithmetic on them), in the
    canonical form of :mod:`._symbolic`, so that a padding that keeps the size folds to ``n``
    (``padding=(K-1)*D`` and ``dilation=D``, then the ``(K-1)*D`` trimmed: ``n``). A padding
    that keeps the size up to the rounding of a floor is taken to keep it
    (:func:`same_up_to_rounding`). None where an argument is unknown or the stride is not a
    positive int or product of names; a literal argument out of range gives None too (it is
    reported where it is given)."""
    if any(
        v is None or (isinstance(v, int) and v < lo) for v, lo in ((k, 1), (s, 1), (p, 0), (d, 1))
    ):
        return None
    reach = dim_mul(d, dim_add(k, -1))  # dilation * (kernel - 1)
    surplus = dim_add(dim_mul(2, p), reach, -1)  # what the padding adds beyond the reach
    if same_up_to_rounding(surplus):
        surplus = 0
    return dim_add(dim_floordiv(dim_add(n, dim_add(surplus, -1)), s), 1)


def same_up_to_rounding(surplus: Dim) -> bool:
    """Whether a window's padding surplus ``2p - d(k - 1)`` is 0 up to the rounding of a
    floor: ``2*((K-1)//2) - (K-1)`` (padding ``(K-1)//2``, or ``K//2``) is 0 for every odd
    kernel ``K`` and -1 for an even one. No type states that a kernel is odd, as none states
    that a height is even (``2*(H//2)`` is accepted as ``H``): such a padding is taken to be
    the one it was written to be, keeping the size at stride 1 (``H``) and halving it at
    stride 2 (``(H+1)//2``). A surplus that grows with a size (``K-1``: padding ``K-1``, not
    trimmed) is no rounding, and stays."""
    return isinstance(surplus, str) and constant_range(surplus) is not None


def _groups(op: str, x: Shape, w: Shape, channels: Dim, groups: Dim, what: str) -> None:
    if not isinstance(groups, int) or groups < 1 or not isinstance(channels, int):
        return
    if channels % groups == 0:
        return
    raise ShapeError(
        f"{op}: groups {groups} does not divide the {channels} {what} channels "
        f"(input {fmt(x)}, weight {fmt(w)})"
    )


def conv(
    op: str,
    x: Shape,
    w: Shape,
    stride: Param,
    padding: Param | PaddingMode,
    dilation: Param,
    groups: Dim,
) -> Shape:
    """``conv1d``/``conv2d``: ``x`` is ``(N, C, *spatial)``, ``w`` is ``(O, C / groups,
    *kernel)``; the result is ``(N, O, *out)``, each out ``(n + 2p - d(k - 1) - 1) // s + 1``;
    with ``padding="same"`` (stride 1) each out is ``n``, with ``"valid"`` as padding 0."""
    spatial = len(stride)
    if padding == "same":
        same_needs_stride_1(op, stride)
    elif padding == "valid":
        padding = (0,) * spatial
    _rank(op, x, spatial)
    _rank(op, w, spatial, "weight")
    _groups(op, x, w, w[0], groups, "output")
    _groups(op, x, w, x[1], groups, "input")
    per_group = w[1]
    if isinstance(groups, int) and isinstance(per_group, int) and isinstance(x[1], int):
        if x[1] != per_group * groups:
            raise ShapeError(
                f"{op}: input channels differ: input {fmt(x)}, weight {fmt(w)} "
                f"({x[1]} != {per_group} per group * groups {groups})"
            )
    elif groups == 1 and same_layer_size(x[1], per_group) is False:  # ``CI`` is no ``CO``
        raise ShapeError(f"{op}: input channels differ: input {fmt(x)}, weight {fmt(w)}")
    elif isinstance(groups, str) and same_layer_size(x[1], dim_mul(per_group, groups)) is False:
        # groups from the input's sizes (``groups=b``: per-sample kernels as one convolution)
        raise ShapeError(
            f"{op}: input channels differ: input {fmt(x)}, weight {fmt(w)} "
            f"({fmt_dim(x[1])} != {fmt_dim(per_group)} per group * groups {groups})"
        )
    if padding == "same":
        return (x[0], w[0], *x[2:])
    out = tuple(
        _window(op, x, i + 2, x[i + 2], w[i + 2], stride[i], padding[i], dilation[i])
        for i in range(spatial)
    )
    return (x[0], w[0], *out)


def conv_transpose(
    op: str,
    x: Shape,
    w: Shape,
    stride: Param,
    padding: Param,
    output_padding: Param,
    dilation: Param,
    groups: Dim,
) -> Shape:
    """``conv_transpose2d``: ``x`` is ``(N, C, H, W)``, ``w`` is ``(C, O / groups, *kernel)``;
    each output size is ``(n - 1)s - 2p + d(k - 1) + output_padding + 1``."""
    spatial = len(stride)
    _rank(op, x, spatial)
    _rank(op, w, spatial, "weight")
    _groups(op, x, w, x[1], groups, "input")
    if same_layer_size(x[1], w[0]) is False:
        raise ShapeError(
            f"{op}: input channels differ: input {fmt(x)}, weight {fmt(w)} "
            f"({fmt_dim(x[1])} != {fmt_dim(w[0])})"
        )
    for i in range(spatial):
        op_, s, d = output_padding[i], stride[i], dilation[i]
        if _known(op_, s, d) and not (op_ < s or op_ < d):  # type: ignore[operator]
            raise ShapeError(
                f"{op}: output_padding {op_} must be smaller than stride {s} or dilation {d}"
            )
    out: list[Dim] = []
    for i in range(spatial):
        n, k, s, p, d, o = x[i + 2], w[i + 2], stride[i], padding[i], dilation[i], output_padding[i]
        if not _known(k, s, p, d, o):
            out.append(_symbolic_transposed(n, k, s, p, d, o))
            continue
        if not isinstance(n, int):  # symbolic: ``2*H`` for kernel 2, stride 2
            shift = -s - 2 * p + d * (k - 1) + o + 1  # type: ignore[operator]
            out.append(dim_add(dim_mul(n, s), shift))
            continue
        size = (n - 1) * s - 2 * p + d * (k - 1) + o + 1  # type: ignore[operator]
        if size <= 0:
            raise ShapeError(
                f"{op}: output size {size} at axis {i + 2} of {fmt(x)} "
                f"(padding {p} too large for size {n}, kernel {k}, stride {s})"
            )
        out.append(size)
    channels = dim_mul(w[1], groups)
    return (x[0], channels, *out)


def _symbolic_transposed(n: Dim, k: Dim, s: Dim, p: Dim, d: Dim, o: Dim) -> Dim:
    """:func:`conv_transpose`'s size ``(n - 1)s - 2p + d(k - 1) + o + 1`` where a window
    argument is symbolic (a module's ``stride: int`` or size TypeVar: ``H*stride`` for a
    kernel of ``stride`` and no padding), in the canonical form of :mod:`._symbolic`; None
    where an argument is unknown or a literal one is out of range (reported where it is
    given)."""
    bounds = ((k, 1), (s, 1), (p, 0), (d, 1), (o, 0))
    if any(v is None or (isinstance(v, int) and v < lo) for v, lo in bounds):
        return None
    reach = dim_mul(d, dim_add(k, -1))  # dilation * (kernel - 1)
    shift = dim_add(dim_add(dim_add(reach, o), 1), dim_add(s, dim_mul(2, p)), -1)
    return dim_add(dim_mul(n, s), shift)


def pool(
    op: str, x: Shape, kernel: Param, stride: Param, padding: Param, ceil_mode: bool = False
) -> Shape:
    """``max_pool2d``/``avg_pool2d`` over ``(N, C, H, W)``: each output size is
    ``(n + 2p - k) // s + 1``, rounded up with ``ceil_mode`` (see :func:`_window`); padding
    may be at most half the kernel (as in PyTorch)."""
    spatial = len(kernel)
    _rank(op, x, spatial)
    for k, p in zip(kernel, padding, strict=True):
        if isinstance(k, int) and isinstance(p, int) and p > k // 2:
            raise ShapeError(f"{op}: padding {p} is more than half the kernel size {k}")
    out = tuple(
        _window(op, x, i + 2, x[i + 2], kernel[i], stride[i], padding[i], 1, ceil_mode)
        for i in range(spatial)
    )
    return (x[0], x[1], *out)


def adaptive_pool(op: str, x: Shape, output_size: Param) -> Shape:
    """``adaptive_avg_pool2d``: ``(N, C, H, W)`` to ``(N, C, *output_size)``."""
    _rank(op, x, len(output_size))
    return (x[0], x[1], *output_size)


def upsample(op: str, x: Shape, scale: Param) -> Shape:
    """Nearest upsampling by whole factors: each spatial size times its factor."""
    _rank(op, x, len(scale))
    out = tuple(dim_mul(n, s) for n, s in zip(x[2:], scale, strict=True))
    return (x[0], x[1], *out)


def conv_bias(op: str, bias: Shape, channels: Dim) -> None:
    """A conv bias has one entry per output channel: ``Tensor[channels]``."""
    if len(bias) != 1 or same_dim(bias[0], channels) is False:
        raise ShapeError(
            f"{op}: bias must be Tensor[{fmt_dim(channels)}] (one per output channel), "
            f"got {fmt(bias)}"
        )
