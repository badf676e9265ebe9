# pyright: reportOverlappingOverload=false
"""Convolution and pooling over ``(N, C, *spatial)`` tensors, as PyTorch lays them out (NCHW).

The kernels work on a channels-first layout, ``(C, N, H, W)``, so that one matrix product
covers the whole batch (measured faster than a product per sample):

- forward: the input's windows copied once into ``cols`` by ``_im2col``, ``(C * kh * kw +
  1, N * Ho * Wo)``, whose last row of ones meets the bias as the weight matrix's last
  column, so the product (``_weight_dot_cols``) adds the bias; one ``dot`` (per group).
  ``cols`` is kept for the weight's gradient, one ``dot`` of the output's gradient with
  ``cols`` (whose last column is the bias's gradient).
- the input's gradient (``_col2im``): the transposed weight times a block of the output's
  gradient gives each window's share, added where the window lies (col2im) while the block
  is in cache. Of stride 1 the gradient is first laid on the flattened padded grid, so that
  the windows of a kernel position are one contiguous, shifted run.

Measured in ``bench/bench_conv.py``: the three products are most of the time.

``conv_transpose2d`` is the same kernels the other way round (its forward is conv2d's input
gradient), and ``conv1d`` is ``conv2d`` with a height of 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, overload

from dfdx import _validate
from dfdx._backend import Array, xp
from dfdx._dtypes import check_float, check_same
from dfdx._typing import AnyTensor, C, Dyn, N, O, T
from dfdx.ops._op import array_of, result, result_shared
from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin.shapes import conv_param

if TYPE_CHECKING:
    from dfdx._tensor import Tensor

Pair = int | tuple[int, int]

_as_strided = xp.lib.stride_tricks.as_strided
CHUNK_BYTES = 1 << 21
"""About how many bytes of windows one step of col2im handles (see ``_col2im``): a block
whose product is still in cache when it is added up (measured on the benchmark's conv: 2 MiB
was the fastest of 0.5 to 4 MiB, and about 17% faster than one block for the whole batch)."""


# ---- kernels on arrays (channels first: (C, N, H, W)) ------------------------------------
Ints = tuple[int, ...]


def _channels_first(a: Array, pad: Ints = (0, 0)) -> Array:
    """``(N, C, H, W)`` as ``(C, N, H + 2 pad, W + 2 pad)``, zero-padded."""
    n, c, h, w = a.shape
    hp, wp = h + 2 * pad[0], w + 2 * pad[1]
    if (hp, wp) == (h, w):
        return xp.ascontiguousarray(a.transpose(1, 0, 2, 3))
    grid = xp.zeros((c, n, hp, wp), dtype=a.dtype)
    grid[:, :, pad[0] : pad[0] + h, pad[1] : pad[1] + w] = a.transpose(1, 0, 2, 3)
    return grid


def _batch_first(a: Array) -> Array:
    """``(C, N, H, W)`` back to a contiguous ``(N, C, H, W)``."""
    return xp.ascontiguousarray(a.transpose(1, 0, 2, 3))


def _im2col(grid: Array, kernel: Ints, out: Ints, s: Ints, d: Ints, ones: bool) -> Array:
    """The windows of ``grid`` ``(C, N, Hp, Wp)`` copied once (im2col): ``(C * kh * kw [+ 1],
    N * Ho * Wo)``, rows ordered (channel, kernel row, kernel column), with a last row of
    ones when ``ones`` (a weight matrix with the bias as its last column then adds it)."""
    c, n = grid.shape[:2]
    rows, m = c * kernel[0] * kernel[1], n * out[0] * out[1]
    sc, sn, sh, sw = grid.strides
    view = _as_strided(
        grid,
        (c, kernel[0], kernel[1], n, out[0], out[1]),
        (sc, d[0] * sh, d[1] * sw, sn, s[0] * sh, s[1] * sw),
        writeable=False,
    )
    cols = xp.empty((rows + ones, m), dtype=grid.dtype)
    xp.copyto(cols[:rows].reshape(view.shape), view)  # the first rows: a view
    if ones:
        cols[rows] = 1
    return cols


def _weight_dot_cols(cols: Array, w: Array, groups: int, bias: Array | None) -> Array:
    """``sum over c, i, j of w[o, c, i, j] * cols[c, i, j, m]`` per group (plus the bias,
    whose row of ones ``cols`` then has): ``(O, M)``."""
    o = w.shape[0]
    if groups == 1:
        wm = w.reshape(o, -1)
        if bias is not None:
            wm = xp.concatenate([wm, bias[:, None]], axis=1)
        return xp.dot(wm, cols)  # type: ignore[no-any-return]
    og, rows = o // groups, w[0].size
    y = xp.empty((o, cols.shape[1]), dtype=w.dtype)
    for g in range(groups):
        part = slice(g * og, (g + 1) * og)
        y[part] = xp.dot(w[part].reshape(og, -1), cols[g * rows : (g + 1) * rows])
    if bias is not None:
        y += bias[:, None]
    return y


def _weight_grad(g: Array, cols: Array, wshape: Ints, groups: int) -> Array:
    """The gradient of ``_weight_dot_cols``'s weight (and bias, as a last column, when
    ``cols`` has its row of ones and ``groups == 1``): ``g`` is ``(O, M)``."""
    if groups == 1:
        return xp.dot(g, cols.T)  # type: ignore[no-any-return]
    o = wshape[0]
    og, rows = o // groups, cols.shape[0] // groups
    gw = xp.empty((o, rows), dtype=g.dtype)
    for k in range(groups):
        part = slice(k * og, (k + 1) * og)
        gw[part] = xp.dot(g[part], cols[k * rows : (k + 1) * rows].T)
    return gw


def _col2im(g: Array, w: Array, grid: Ints, s: Ints, d: Ints, groups: int) -> Array:
    """The transpose of ``_weight_dot_cols`` after ``_im2col``: ``g`` ``(O, N, Ho, Wo)``
    spread back through ``w`` ``(O, C / groups, kh, kw)`` onto a zero grid ``(C, N, Hp,
    Wp)`` (col2im).

    Each step multiplies a block of ``g``'s columns by the weight (one row per channel and
    kernel position) and adds the rows of each kernel position where their windows lie,
    while the block is in cache (about ``CHUNK_BYTES``). Of stride 1, ``g`` is first laid on
    the flattened grid (zeros where no window starts), so that a kernel position's windows
    are one contiguous run of the grid, shifted by its offset: long runs, where rows of
    ``Wo`` values would cost NumPy a loop each."""
    o, cg, kh, kw = w.shape
    c, n, hp, wp = grid
    ho, wo = g.shape[2:]
    og = o // groups
    # the weight of group k as (kernel row, kernel column, channel) x output channel
    wt = [
        w[k * og : (k + 1) * og].transpose(2, 3, 1, 0).reshape(kh * kw * cg, og)
        for k in range(groups)
    ]
    block = max(1, CHUNK_BYTES // (kh * kw * cg * g.itemsize))
    if s == (1, 1):
        total = n * hp * wp
        span = total - (kh - 1) * d[0] * wp - (kw - 1) * d[1]
        spread = xp.zeros((o, n, hp, wp), dtype=g.dtype)
        spread[:, :, :ho, :wo] = g
        flat = spread.reshape(o, total)
        out = xp.zeros((c, total), dtype=g.dtype)
        for k in range(groups):
            rows = out[k * cg : (k + 1) * cg]
            for first in range(0, span, block):
                last = min(span, first + block)
                part = xp.dot(wt[k], flat[k * og : (k + 1) * og, first:last])
                for i in range(kh):
                    for j in range(kw):
                        off = i * d[0] * wp + j * d[1]
                        r = (i * kw + j) * cg
                        rows[:, first + off : last + off] += part[r : r + cg]
        return out.reshape(grid)
    out = xp.zeros(grid, dtype=g.dtype)
    step = max(1, block // (ho * wo))  # whole samples per block
    gm = g.reshape(o, n, ho * wo)
    for k in range(groups):
        for first in range(0, n, step):
            last = min(n, first + step)
            part = xp.dot(wt[k], gm[k * og : (k + 1) * og, first:last].reshape(og, -1))
            part = part.reshape(kh, kw, cg, last - first, ho, wo)
            acc = out[k * cg : (k + 1) * cg, first:last]
            for i in range(kh):
                for j in range(kw):
                    r = slice(i * d[0], i * d[0] + s[0] * (ho - 1) + 1, s[0])
                    q = slice(j * d[1], j * d[1] + s[1] * (wo - 1) + 1, s[1])
                    acc[:, :, r, q] += part[i, j]
    return out


# ---- the ops -------------------------------------------------------------------------------


def _operands(
    op: str, x: Any, weight: Any, bias: Any
) -> tuple[Array, Array, Array | None, list[AnyTensor]]:
    a = array_of(op, x, "tensors for the input and the weight")
    w = array_of(op, weight, "tensors for the input and the weight")
    check_float(op, a)
    check_same(op, a, w)
    inputs = [x, weight]
    b = None
    if bias is not None:
        b = array_of(op, bias, "a tensor or None", "bias")
        check_same(op, a, b)
        inputs.append(bias)
    return a, w, b, inputs


def _check_bias(op: str, b: Array | None, channels: int) -> None:
    if b is not None:
        shapes.conv_bias(op, b.shape, channels)


def _sizes(shape: shapes.Shape) -> Ints:
    """A shape the rules computed from run-time sizes: every entry is an int."""
    out = tuple(d for d in shape if isinstance(d, int))
    assert len(out) == len(shape)
    return out


def _groups(op: str, groups: object) -> int:
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise TypeError(f"{op}: groups must be an int, got {groups!r}")
    if groups < 1:
        raise shapes.ShapeError(f"{op}: groups must be at least 1, got {groups}")
    return groups


def _conv(
    op: str,
    x: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any,
    spatial: int,
) -> AnyTensor:
    a, w, b, inputs = _operands(op, x, weight, bias)
    s = conv_param(op, "stride", stride, spatial, 1)
    p = conv_param(op, "padding", padding, spatial, 0)
    d = conv_param(op, "dilation", dilation, spatial, 1)
    gr = _groups(op, groups)
    _validate.nonempty_features(op, a.shape)
    _validate.nonempty_kernel(op, w.shape)
    out_shape = _sizes(shapes.conv(op, a.shape, w.shape, s, p, d, gr))
    _check_bias(op, b, w.shape[0])
    _validate.bounded(op, "the windows", (w[0].size, *out_shape[:1], *out_shape[2:]))
    if spatial == 1:  # a height of 1
        a, w = a[:, :, None], w[:, :, None]
        s, p, d = (1, *s), (0, *p), (1, *d)
    n, o = a.shape[0], w.shape[0]
    out = (1, *out_shape[2:]) if spatial == 1 else out_shape[2:]
    ho, wo = out
    ones = b is not None and gr == 1  # the bias rides in the product
    grid = _channels_first(a, p)
    cols = _im2col(grid, w.shape[2:], out, s, d, ones)
    y = _weight_dot_cols(cols, w, gr, b).reshape(o, n, ho, wo)
    y = _batch_first(y).reshape(out_shape)
    in_shape, w_shape = x._data.shape, weight._data.shape
    rows = w[0].size

    def shared(g: Array) -> list[Array]:
        """The output's gradient, and as ``(O, N, Ho, Wo)``, which the input's and the
        weight's gradients read; :func:`grad_wb` adds the weight's and bias's product."""
        return [g, xp.ascontiguousarray(g.reshape(n, o, ho, wo).transpose(1, 0, 2, 3))]

    def grad_x(sh: list[Array]) -> Array:
        full = _col2im(sh[1], w, grid.shape, s, d, gr)
        h, wd = a.shape[2:]
        return _batch_first(full[:, :, p[0] : p[0] + h, p[1] : p[1] + wd]).reshape(in_shape)

    def grad_wb(sh: list[Array]) -> Array:
        """The weight's and (with ``ones``) the bias's gradients: one product, made by
        whichever of the two is read first."""
        if len(sh) == 2:
            sh.append(_weight_grad(sh[1].reshape(o, -1), cols, w.shape, gr))
        return sh[2]

    parts: list[Callable[[list[Array]], Array]] = [
        grad_x,
        lambda sh: grad_wb(sh)[:, :rows].reshape(w_shape),
    ]
    if b is not None and ones:
        parts.append(lambda sh: grad_wb(sh)[:, rows])
    elif b is not None:
        parts.append(lambda sh: sh[0].sum(axis=tuple(i for i in range(sh[0].ndim) if i != 1)))
    return result_shared(y, inputs, shared, parts)


@overload
def conv1d(
    x: Tensor[N, Dyn, Dyn, T],
    weight: Tensor[O, Dyn, Dyn, T],
    /,
    bias: Tensor[O, T] | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor[N, O, Dyn, T]: ...
@overload
def conv1d(
    x: AnyTensor,
    weight: AnyTensor,
    /,
    bias: AnyTensor | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Any: ...
def conv1d(
    x: Any,
    weight: Any,
    /,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: Any = 1,
) -> Any:
    """1-d convolution (cross-correlation, as PyTorch's): ``x`` ``(N, C, L)``, ``weight``
    ``(O, C / groups, k)``, ``bias`` ``(O,)``; the result is ``(N, O, L_out)`` with
    ``L_out = (L + 2 padding - dilation (k - 1) - 1) // stride + 1``."""
    return _conv("conv1d", x, weight, bias, stride, padding, dilation, groups, 1)


@overload
def conv2d(
    x: Tensor[N, Dyn, Dyn, Dyn, T],
    weight: Tensor[O, Dyn, Dyn, Dyn, T],
    /,
    bias: Tensor[O, T] | None = None,
    stride: Pair = 1,
    padding: Pair = 0,
    dilation: Pair = 1,
    groups: int = 1,
) -> Tensor[N, O, Dyn, Dyn, T]: ...
@overload
def conv2d(
    x: AnyTensor,
    weight: AnyTensor,
    /,
    bias: AnyTensor | None = None,
    stride: Pair = 1,
    padding: Pair = 0,
    dilation: Pair = 1,
    groups: int = 1,
) -> Any: ...
def conv2d(
    x: Any,
    weight: Any,
    /,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: Any = 1,
) -> Any:
    """2-d convolution (cross-correlation, as PyTorch's): ``x`` ``(N, C, H, W)``, ``weight``
    ``(O, C / groups, kh, kw)``, ``bias`` ``(O,)``; the result is ``(N, O, H_out, W_out)``
    with ``H_out = (H + 2 padding - dilation (kh - 1) - 1) // stride + 1``. ``stride``,
    ``padding`` and ``dilation`` are an int or an (h, w) pair."""
    return _conv("conv2d", x, weight, bias, stride, padding, dilation, groups, 2)


@overload
def conv_transpose2d(
    x: Tensor[N, Dyn, Dyn, Dyn, T],
    weight: Tensor[Dyn, Dyn, Dyn, Dyn, T],
    /,
    bias: Tensor[Dyn, T] | None = None,
    stride: Pair = 1,
    padding: Pair = 0,
    output_padding: Pair = 0,
    dilation: Pair = 1,
    groups: int = 1,
) -> Tensor[N, Dyn, Dyn, Dyn, T]: ...
@overload
def conv_transpose2d(
    x: AnyTensor,
    weight: AnyTensor,
    /,
    bias: AnyTensor | None = None,
    stride: Pair = 1,
    padding: Pair = 0,
    output_padding: Pair = 0,
    dilation: Pair = 1,
    groups: int = 1,
) -> Any: ...
def conv_transpose2d(
    x: Any,
    weight: Any,
    /,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    dilation: Any = 1,
    groups: Any = 1,
) -> Any:
    """The transpose (gradient) of ``conv2d`` with respect to its input: ``x`` ``(N, C, H,
    W)``, ``weight`` ``(C, O / groups, kh, kw)``, ``bias`` ``(O,)``; the result is ``(N, O,
    H_out, W_out)`` with ``H_out = (H - 1) stride - 2 padding + dilation (kh - 1) +
    output_padding + 1``."""
    op = "conv_transpose2d"
    a, w, b, inputs = _operands(op, x, weight, bias)
    s = conv_param(op, "stride", stride, 2, 1)
    p = conv_param(op, "padding", padding, 2, 0)
    out_pad = conv_param(op, "output_padding", output_padding, 2, 0)
    d = conv_param(op, "dilation", dilation, 2, 1)
    gr = _groups(op, groups)
    out_shape = _sizes(shapes.conv_transpose(op, a.shape, w.shape, s, p, out_pad, d, gr))
    n, c, h, wd = a.shape
    o = w.shape[1] * gr
    _check_bias(op, b, o)
    _validate.nonempty_features(op, a.shape)
    _validate.nonempty_kernel(op, w.shape)
    _validate.bounded(
        op, "the output", (*out_shape[:2], out_shape[2] + 2 * p[0], out_shape[3] + 2 * p[1])
    )
    hf, wf = out_shape[2] + 2 * p[0], out_shape[3] + 2 * p[1]
    z = _channels_first(a)
    full = _col2im(z, w, (o, n, hf, wf), s, d, gr)
    y = full[:, :, p[0] : hf - p[0], p[1] : wf - p[1]]
    if b is not None:
        y = y + b[:, None, None, None]
    y = _batch_first(y)

    def windows(g: Array) -> tuple[Array, Array]:
        """The output's gradient, and its windows on the full (unpadded-output) grid, which
        the input's and the weight's gradients read."""
        return g, _im2col(_channels_first(g, p), w.shape[2:], (h, wd), s, d, False)

    def grad_x(sh: tuple[Array, Array]) -> Array:
        gz = _weight_dot_cols(sh[1], w, gr, None).reshape(c, n, h, wd)
        return _batch_first(gz)

    def grad_w(sh: tuple[Array, Array]) -> Array:
        return _weight_grad(z.reshape(c, -1), sh[1], w.shape, gr).reshape(w.shape)

    parts: list[Callable[[tuple[Array, Array]], Array]] = [grad_x, grad_w]
    if b is not None:
        parts.append(lambda sh: sh[0].sum(axis=(0, 2, 3)))
    return result_shared(y, inputs, windows, parts)


# ---- pooling -------------------------------------------------------------------------------


def _pool_params(
    op: str, x: Any, kernel_size: Any, stride: Any, padding: Any
) -> tuple[Array, Ints, Ints, Ints, Ints]:
    a = array_of(op, x)
    check_float(op, a)
    k = conv_param(op, "kernel_size", kernel_size, 2, 1)
    s = k if stride is None else conv_param(op, "stride", stride, 2, 1)
    p = conv_param(op, "padding", padding, 2, 0)
    out = _sizes(shapes.pool(op, a.shape, k, s, p))
    _validate.nonempty_features(op, a.shape)
    n, c, h, w = a.shape
    _validate.bounded(op, "the padded input", (n, c, h + 2 * p[0], w + 2 * p[1]))
    _validate.bounded(op, "the windows", (*out, k[0], k[1]))
    return a, k, s, p, out[2:]


def _windows(grid: Array, k: Ints, out: Ints, s: Ints) -> Array:
    """``(N, C, Ho, Wo, kh, kw)`` view of ``grid`` ``(N, C, Hp, Wp)``."""
    sn, sc, sh, sw = grid.strides
    shape = (*grid.shape[:2], out[0], out[1], k[0], k[1])
    strides = (sn, sc, s[0] * sh, s[1] * sw, sh, sw)
    return _as_strided(grid, shape, strides, writeable=False)


def max_pool2d(
    x: Tensor[N, C, Dyn, Dyn, T],
    /,
    kernel_size: Pair,
    stride: Pair | None = None,
    padding: Pair = 0,
) -> Tensor[N, C, Dyn, Dyn, T]:
    """The largest value of each ``kernel_size`` window of ``(N, C, H, W)``, moved by
    ``stride`` (``kernel_size`` by default) over the input padded with ``-inf``. The gradient
    goes to the first largest value of each window (as PyTorch's)."""
    op = "max_pool2d"
    a, k, s, p, out = _pool_params(op, x, kernel_size, stride, padding)
    n, c, h, w = a.shape
    hp, wp = h + 2 * p[0], w + 2 * p[1]
    if p == (0, 0):
        grid = a
    else:
        grid = xp.full((n, c, hp, wp), -xp.inf, dtype=a.dtype)
        grid[:, :, p[0] : p[0] + h, p[1] : p[1] + w] = a
    win = _windows(grid, k, out, s).reshape(n, c, out[0], out[1], k[0] * k[1])
    arg = win.argmax(axis=-1)
    y = xp.take_along_axis(win, arg[..., None], axis=-1)[..., 0]

    def grad(g: Array) -> Array:
        i, j = xp.divmod(arg, k[1])
        rows = xp.arange(out[0])[:, None] * s[0] + i
        cols = xp.arange(out[1]) * s[1] + j
        planes = xp.arange(n * c).reshape(n, c, 1, 1)
        flat = (planes * hp + rows) * wp + cols
        gg = xp.bincount(flat.ravel(), weights=g.ravel(), minlength=n * c * hp * wp)
        gg = gg.astype(a.dtype, copy=False).reshape(n, c, hp, wp)
        return gg[:, :, p[0] : p[0] + h, p[1] : p[1] + w]

    return result(y, (x,), (grad,))


def avg_pool2d(
    x: Tensor[N, C, Dyn, Dyn, T],
    /,
    kernel_size: Pair,
    stride: Pair | None = None,
    padding: Pair = 0,
) -> Tensor[N, C, Dyn, Dyn, T]:
    """The mean of each ``kernel_size`` window of ``(N, C, H, W)``, moved by ``stride``
    (``kernel_size`` by default); padding counts as zeros in the mean (PyTorch's default
    ``count_include_pad=True``)."""
    op = "avg_pool2d"
    a, k, s, p, out = _pool_params(op, x, kernel_size, stride, padding)
    n, c, h, w = a.shape
    hp, wp = h + 2 * p[0], w + 2 * p[1]
    if p == (0, 0):
        grid = a
    else:
        grid = xp.zeros((n, c, hp, wp), dtype=a.dtype)
        grid[:, :, p[0] : p[0] + h, p[1] : p[1] + w] = a
    scale = 1.0 / (k[0] * k[1])
    y = _windows(grid, k, out, s).sum(axis=(4, 5)) * a.dtype.type(scale)

    def grad(g: Array) -> Array:
        gg = xp.zeros((n, c, hp, wp), dtype=a.dtype)
        share = g * a.dtype.type(scale)
        for i in range(k[0]):
            for j in range(k[1]):
                gg[:, :, i : i + s[0] * out[0] : s[0], j : j + s[1] * out[1] : s[1]] += share
        return gg[:, :, p[0] : p[0] + h, p[1] : p[1] + w]

    return result(y, (x,), (grad,))


def _bins(n: int, size: int, dtype: Any) -> Array:
    """``(size, n)``: row ``i`` averages ``floor(i n / size)`` to ``ceil((i + 1) n / size)``
    (PyTorch's adaptive bins)."""
    m = xp.zeros((size, n), dtype=dtype)
    for i in range(size):
        lo, hi = (i * n) // size, -(-((i + 1) * n) // size)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def _bin_means(a: Array, n: int, size: int, axis: int) -> Array:
    """The mean of each of PyTorch's ``size`` adaptive bins of ``a``'s axis ``axis`` (of
    size ``n``)."""
    parts = []
    for i in range(size):
        lo, hi = (i * n) // size, -(-((i + 1) * n) // size)
        parts.append(xp.take(a, xp.arange(lo, hi), axis=axis).mean(axis=axis, keepdims=True))
    return xp.concatenate(parts, axis=axis)


def adaptive_avg_pool2d(
    x: Tensor[N, C, Dyn, Dyn, T], /, output_size: Pair
) -> Tensor[N, C, Dyn, Dyn, T]:
    """``(N, C, H, W)`` averaged to ``(N, C, *output_size)`` over PyTorch's adaptive bins
    (``output_size=1`` is the global average pool)."""
    op = "adaptive_avg_pool2d"
    a = array_of(op, x)
    check_float(op, a)
    size: Ints = conv_param(op, "output_size", output_size, 2, 1)
    shapes.adaptive_pool(op, a.shape, size)
    _validate.nonempty_features(op, a.shape, first=2)
    _validate.bounded(op, "the output", (a.shape[0], a.shape[1], *size))
    h, w = a.shape[2:]
    if size == (1, 1):
        y = a.mean(axis=(2, 3), keepdims=True)
        return result(y, (x,), (lambda g: xp.broadcast_to(g / (h * w), a.shape),))
    mh, mw = _bins(h, size[0], a.dtype), _bins(w, size[1], a.dtype)
    # Each bin's mean taken over its own slice, so that a NaN or inf stays in the bins whose
    # windows hold it (a product with the bins' matrix would spread it through 0 * inf).
    y = _bin_means(_bin_means(a, h, size[0], 2), w, size[1], 3)
    return result(y, (x,), (lambda g: xp.matmul(xp.matmul(mh.T, g), mw),))


def upsample2d(
    x: Tensor[N, C, Dyn, Dyn, T],
    /,
    scale_factor: Pair,
    mode: Literal["nearest", "bilinear"] = "nearest",
    align_corners: bool | None = None,
) -> Tensor[N, C, Dyn, Dyn, T]:
    """Upsampling of ``(N, C, H, W)`` by whole factors (PyTorch's ``interpolate``):
    ``mode="nearest"`` repeats each value into a ``scale_factor`` block; ``"bilinear"``
    interpolates between the four nearest inputs, with PyTorch's ``align_corners`` (False by
    default: pixel centres are aligned; True: the corner pixels are)."""
    op = "upsample2d"
    a = array_of(op, x)
    check_float(op, a)
    f = conv_param(op, "scale_factor", scale_factor, 2, 1)
    shapes.upsample(op, a.shape, f)
    n, c, h, w = a.shape
    _validate.nonempty_features(op, a.shape)  # as PyTorch's interpolate
    _validate.bounded(op, "the output", (n, c, h * f[0], w * f[1]))
    if mode == "bilinear":
        if align_corners is not None and not isinstance(align_corners, bool):
            raise TypeError(f"{op}: align_corners must be a bool or None, got {align_corners!r}")
        corners = bool(align_corners)
        rows = _linear_weights(h, f[0], corners, a.dtype)
        cols = _linear_weights(w, f[1], corners, a.dtype)
        y = rows @ a @ cols.T
        return result(y, (x,), (lambda g: rows.T @ g @ cols,))
    if mode != "nearest":
        raise ValueError(f"{op}: mode must be 'nearest' or 'bilinear', got {mode!r}")
    if align_corners is not None:
        raise ValueError(f"{op}: align_corners is for mode='bilinear' only (PyTorch's rule)")
    y = xp.broadcast_to(a[:, :, :, None, :, None], (n, c, h, f[0], w, f[1]))
    y = y.reshape(n, c, h * f[0], w * f[1])
    return result(y, (x,), (lambda g: g.reshape(n, c, h, f[0], w, f[1]).sum(axis=(3, 5)),))


def _linear_weights(size: int, factor: int, align_corners: bool, dtype: Any) -> Array:
    """The ``(size * factor, size)`` matrix of linear interpolation along one axis, as
    PyTorch places the source points: ``(i + 0.5) / factor - 0.5`` (clamped at 0), or
    ``i * (size - 1) / (out - 1)`` with ``align_corners``."""
    out = size * factor
    i = xp.arange(out, dtype=xp.float64)
    if align_corners:
        src = i * ((size - 1) / (out - 1)) if out > 1 else xp.zeros(out)
    else:
        src = xp.maximum((i + 0.5) / factor - 0.5, 0.0)
    lo = xp.minimum(xp.floor(src).astype(xp.int64), size - 1)
    hi = xp.minimum(lo + 1, size - 1)
    frac = src - lo
    m = xp.zeros((out, size))
    xp.add.at(m, (xp.arange(out), lo), 1 - frac)
    xp.add.at(m, (xp.arange(out), hi), frac)
    return m.astype(dtype)


__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "max_pool2d",
    "upsample2d",
]
