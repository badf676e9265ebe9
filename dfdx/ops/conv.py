# pyright: reportOverlappingOverload=false
"""Convolution and pooling over ``(N, C, *spatial)`` tensors, as PyTorch lays them out (NCHW).

The kernels keep PyTorch's layout and make one matrix product per sample (``np.matmul`` over
the batch), whose result is already NCHW: no transposes of the input, the output or its
gradient (the earlier channels-first layout, one product over the whole batch, paid three
such copies and ran its products no faster):

- forward: each sample's windows copied once into ``cols`` by ``_im2col``, ``(N, C * kh *
  kw + 1, Ho * Wo)``, whose last row of ones meets the bias as the weight matrix's last
  column, so that the product (``_forward``) adds the bias. ``cols`` is kept for the
  weight's gradient, ``cols @ g^T`` per sample summed over the batch (whose last row is the
  bias's gradient).
- the input's gradient (``_col2im``): the transposed weight times a block of samples of
  the output's gradient gives each window's share, added where the window lies (col2im)
  while the block is in cache. Of stride 1 the gradient is first laid on the flattened
  padded grid, so that the windows of a kernel position are one contiguous, shifted run;
  with Numba (the ``fast`` extra) one compiled pass adds them (``dfdx._fused_conv``). It is
  computed only when read: not for a first layer, whose input is not traced.

Measured in ``bench/bench_conv.py``: the three products are most of the time (see
docs/performance.md). With Numba, a 3x3 kernel of stride 1 (dilation 1, one group) on an
output of at least 14 x 14 takes Winograd's F(2x2, 3x3) instead (``dfdx.ops._winograd``:
2.25x fewer multiplications in each of the three products). ``max_pool2d`` has a compiled
kernel too (largest values and their positions in one pass); every compiled kernel has its
NumPy fallback here.

``conv_transpose2d`` is the same kernels the other way round (its forward is conv2d's input
gradient), and ``conv1d`` (``conv_transpose1d``, ``max_pool1d``, ``avg_pool1d``) is ``conv2d``
(``conv_transpose2d``, ``max_pool2d``, ``avg_pool2d``) with a height of 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, overload

from dfdx import _fused, _fused_conv, _validate
from dfdx._backend import Array, xp
from dfdx._dtypes import check_float, check_same
from dfdx._typing import AnyTensor, C, Dyn, N, O, T
from dfdx.ops import _winograd
from dfdx.ops._op import array_of, result, result_shared
from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin.shapes import PaddingMode, conv_param

if TYPE_CHECKING:
    from dfdx._tensor import NoneTape, OwnedTape, Tensor

Pair = int | tuple[int, int]

_as_strided = xp.lib.stride_tricks.as_strided
CHUNK_BYTES = 1 << 21
"""About how many bytes of windows one step of the input's gradient handles (see
``_col2im``): a block of samples whose product is still in cache when it is added up."""


# ---- kernels on arrays ((N, C, H, W), one product per sample) ------------------------------
Ints = tuple[int, ...]


def _compiled(a: Array) -> bool:
    """Whether the compiled kernels take ``a`` (Numba there, a float32/float64 array)."""
    return a.dtype in (xp.float32, xp.float64) and _fused.enabled()


def _padded(a: Array, pad: Ints, fill: float = 0.0) -> Array:
    """``(N, C, H, W)`` padded with ``fill`` on the last two axes (itself without padding)."""
    if pad == (0, 0):
        return a
    n, c, h, w = a.shape
    grid = xp.full((n, c, h + 2 * pad[0], w + 2 * pad[1]), fill, dtype=a.dtype)
    grid[:, :, pad[0] : pad[0] + h, pad[1] : pad[1] + w] = a
    return grid


def _window_view(grid: Array, kernel: Ints, out: Ints, s: Ints, d: Ints) -> Array:
    """``(N, C, kh, kw, Ho, Wo)`` view of the windows of ``grid`` ``(N, C, Hp, Wp)``."""
    sn, sc, sh, sw = grid.strides
    return _as_strided(
        grid,
        (*grid.shape[:2], *kernel, *out),
        (sn, sc, d[0] * sh, d[1] * sw, s[0] * sh, s[1] * sw),
        writeable=False,
    )


def _im2col(a: Array, kernel: Ints, out: Ints, s: Ints, p: Ints, d: Ints, ones: bool) -> Array:
    """The windows of ``a`` ``(N, C, H, W)`` copied once (im2col): ``(N, C * kh * kw [+ 1],
    Ho * Wo)``, rows ordered (channel, kernel row, kernel column), with a last row of ones
    when ``ones`` (a weight matrix with the bias as its last column then adds it). A 1x1
    kernel of stride 1 without padding is ``a`` itself, no copy."""
    n, c = a.shape[:2]
    rows, m = c * kernel[0] * kernel[1], out[0] * out[1]
    if not ones and (kernel, s, p) == ((1, 1), (1, 1), (0, 0)):
        return xp.ascontiguousarray(a).reshape(n, c, m)
    cols = xp.empty((n, rows + ones, m), dtype=a.dtype)
    view = _window_view(_padded(a, p), kernel, out, s, d)
    xp.copyto(cols[:, :rows].reshape(view.shape), view)
    if ones:
        cols[:, rows] = 1
    return cols


def _forward(cols: Array, w: Array, groups: int, bias: Array | None, ones: bool) -> Array:
    """``y[n, o, m] = sum over c, i, j of w[o, c, i, j] * cols[n, c, i, j, m]`` per group,
    plus the bias (through ``cols``'s row of ones when ``ones``): ``(N, O, M)``, one matrix
    product per sample (already the NCHW layout: no transpose afterwards)."""
    n, _, m = cols.shape
    o = w.shape[0]
    if groups == 1:
        wm = w.reshape(o, -1)
        if ones:
            assert bias is not None
            wm = xp.concatenate([wm, bias[:, None]], axis=1)
        return xp.matmul(wm, cols)  # type: ignore[no-any-return]
    og, rows = o // groups, w[0].size
    y = xp.matmul(w.reshape(groups, og, rows), cols.reshape(n, groups, rows, m))
    y = y.reshape(n, o, m)
    if bias is not None:
        y += bias[:, None]
    return y  # type: ignore[no-any-return]


def _weight_grad(g: Array, cols: Array, groups: int) -> Array:
    """The gradient of :func:`_forward`'s weight, ``(O, C / groups * kh * kw [+ 1])`` (the
    bias's as a last column when ``cols`` has its row of ones): ``g`` is ``(N, O, M)``.
    Of the layouts measured, ``cols @ g^T`` per sample summed over the batch was the
    fastest (``g @ cols^T`` was ~20% slower in OpenBLAS)."""
    n, o, m = g.shape
    if groups == 1:
        return _summed_products(cols, g.transpose(0, 2, 1)).T
    og, rows = o // groups, cols.shape[1] // groups
    gg = g.reshape(n, groups, og, m).transpose(0, 1, 3, 2)
    gw = _summed_products(cols.reshape(n, groups, rows, m), gg)  # (groups, rows, og)
    return gw.transpose(0, 2, 1).reshape(o, rows)


def _summed_products(a: Array, b: Array) -> Array:
    """``sum over i of a[i] @ b[i]`` (stacks of matrices), a block of samples at a time, so
    that the products waiting to be summed stay under ``CHUNK_BYTES`` (for a large layer,
    one sample's product alone is megabytes)."""
    n = a.shape[0]
    one = a[0, ..., :1].size * b.shape[-1] * a.itemsize  # the bytes of one sample's product
    step = max(1, CHUNK_BYTES // one)
    total: Array = xp.matmul(a[:step], b[:step]).sum(axis=0)
    for first in range(step, n, step):
        total += xp.matmul(a[first : first + step], b[first : first + step]).sum(axis=0)
    return total


def _col2im(
    g: Array, w: Array, shape: Ints, out: Ints, s: Ints, p: Ints, d: Ints, groups: int
) -> Array:
    """The transpose of :func:`_forward` after :func:`_im2col`: ``g`` ``(N, O, Ho * Wo)``
    spread back through ``w`` ``(O, C / groups, kh, kw)`` onto ``(N, C, H, W)`` (``shape``)
    seen through padding ``p`` (col2im).

    Each step multiplies the weight (one row per kernel position and channel) by a block of
    samples of ``g`` and adds each window's values where the window lies while the block is
    in cache (about ``CHUNK_BYTES``). Of stride 1, ``g`` is first laid on the flattened
    padded grid (zeros where no window starts), so that a kernel position's windows are one
    contiguous run of the grid, shifted by its offset: long runs, where rows of ``Wo``
    values would cost NumPy a loop each (measured ~2.5x faster)."""
    o, cg, kh, kw = w.shape
    n, c, h, wd = shape
    hp, wp = h + 2 * p[0], wd + 2 * p[1]
    og, rows = o // groups, kh * kw * cg
    flat = s == (1, 1)
    # per group, the weight as (kernel row, kernel column, channel) x output channel
    wt = [w[k * og : (k + 1) * og].transpose(2, 3, 1, 0).reshape(rows, og) for k in range(groups)]
    cols = (out[0] - 1) * wp + out[1] if flat else out[0] * out[1]
    step = max(1, CHUNK_BYTES // (rows * groups * cols * g.itemsize))
    x = xp.empty(shape, dtype=g.dtype)
    for first in range(0, n, step):
        last = min(n, first + step)
        block = g[first:last]
        if flat:
            spread = xp.zeros((last - first, o, hp * wp), dtype=g.dtype)
            spread.reshape(last - first, o, hp, wp)[:, :, : out[0], : out[1]] = block.reshape(
                last - first, o, *out
            )
            block = spread[:, :, :cols]
        grid = xp.zeros((last - first, c, hp, wp), dtype=g.dtype)
        for k in range(groups):
            part = xp.matmul(wt[k], block[:, k * og : (k + 1) * og])
            part = part.reshape(last - first, kh, kw, cg, cols)
            _add_windows(part, grid[:, k * cg : (k + 1) * cg], out, s, d)
        x[first:last] = grid[:, :, p[0] : p[0] + h, p[1] : p[1] + wd]
    return x


def _add_windows(part: Array, grid: Array, out: Ints, s: Ints, d: Ints) -> None:
    """Adds ``part`` ``(N, kh, kw, C, M)`` window by window onto ``grid`` ``(N, C, Hp, Wp)``:
    of stride 1 ``M`` is a run of the flattened grid (see :func:`_col2im`), else ``Ho *
    Wo``."""
    n, kh, kw, c, m = part.shape
    wp = grid.shape[3]
    if s == (1, 1):
        runs = grid.reshape(n, c, -1)
        add_runs = _fused_conv.add_runs() if _compiled(part) else None
        if add_runs is not None:
            add_runs(part, wp, d[0], d[1], runs)
            return
        for i in range(kh):
            for j in range(kw):
                off = i * d[0] * wp + j * d[1]
                runs[:, :, off : off + m] += part[:, i, j]
        return
    for i in range(kh):
        for j in range(kw):
            r = slice(i * d[0], i * d[0] + s[0] * (out[0] - 1) + 1, s[0])
            q = slice(j * d[1], j * d[1] + s[1] * (out[1] - 1) + 1, s[1])
            grid[:, :, r, q] += part[:, i, j].reshape(n, c, *out)


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
    mode = shapes.padding_mode(op, padding)
    p = (0,) * spatial if mode is not None else conv_param(op, "padding", padding, spatial, 0)
    d = conv_param(op, "dilation", dilation, spatial, 1)
    gr = _groups(op, groups)
    _validate.nonempty_features(op, a.shape)
    _validate.nonempty_kernel(op, w.shape)
    out_shape = _sizes(shapes.conv(op, a.shape, w.shape, s, p if mode is None else mode, d, gr))
    _check_bias(op, b, w.shape[0])
    if mode == "same":
        p, after = shapes.same_padding(w.shape[2:], d)
        extra = tuple(right - left for left, right in zip(p, after, strict=True))
        if any(extra):  # an odd total: the kernels pad both sides alike, the extra is added here
            x = _pad_after(x, extra)
            a = x._data
            inputs[0] = x
    _validate.bounded(op, "the windows", (w[0].size, *out_shape[:1], *out_shape[2:]))
    if spatial == 2 and _winograd.usable(a, w.shape[2:], out_shape[2:], s, d, gr):
        return _conv_winograd(x, weight, a, w, b, p, inputs)
    if spatial == 1:  # a height of 1
        a, w = a[:, :, None], w[:, :, None]
        s, p, d = (1, *s), (0, *p), (1, *d)
    n, o = a.shape[0], w.shape[0]
    out = (1, *out_shape[2:]) if spatial == 1 else out_shape[2:]
    m = out[0] * out[1]
    ones = b is not None and gr == 1  # the bias rides in the product
    cols = _im2col(a, w.shape[2:], out, s, p, d, ones)
    y = _forward(cols, w, gr, b, ones).reshape(out_shape)
    in_shape, w_shape = x._data.shape, weight._data.shape
    rows = w[0].size

    def shared(g: Array) -> list[Array]:
        """The output's gradient as ``(N, O, Ho * Wo)``, which the input's and the weight's
        gradients read; :func:`grad_wb` adds the weight's and bias's product."""
        return [xp.ascontiguousarray(g).reshape(n, o, m)]

    def grad_x(sh: list[Array]) -> Array:
        return _col2im(sh[0], w, a.shape, out, s, p, d, gr).reshape(in_shape)

    def grad_wb(sh: list[Array]) -> Array:
        """The weight's and (with ``ones``) the bias's gradients: one product, made by
        whichever of the two is read first."""
        if len(sh) == 1:
            sh.append(_weight_grad(sh[0], cols, gr))
        return sh[1]

    parts: list[Callable[[list[Array]], Array]] = [
        grad_x,
        lambda sh: grad_wb(sh)[:, :rows].reshape(w_shape),
    ]
    if b is not None and ones:
        parts.append(lambda sh: grad_wb(sh)[:, rows])
    elif b is not None:
        parts.append(lambda sh: sh[0].sum(axis=(0, 2)))
    return result_shared(y, inputs, shared, parts)


def _pad_after(x: AnyTensor, extra: Ints) -> AnyTensor:
    """``x`` ``(N, C, *spatial)`` with ``extra`` zeros after each spatial axis: the odd one of
    ``padding="same"`` (PyTorch's goes on the right, the bottom), which the kernels (the same
    padding on both sides) do not take. Its gradient is the output's, cut back."""
    a = x._data
    widths = ((0, 0), (0, 0), *((0, e) for e in extra))
    keep = (slice(None), slice(None), *(slice(0, n) for n in a.shape[2:]))
    return result(xp.pad(a, widths), (x,), (lambda g: g[keep],))


def _conv_winograd(
    x: Any, weight: Any, a: Array, w: Array, b: Array | None, p: Ints, inputs: list[AnyTensor]
) -> AnyTensor:
    """:func:`_conv` by :mod:`dfdx.ops._winograd` (a 3x3 kernel of stride 1). The input's
    gradient, if read first (as the reverse pass does for a layer inside a network), is
    computed with the weight's in one pass over the blocks of samples, each block's output
    gradient transformed once for both. The weight's, read first (a first layer, whose input
    batch's gradient nobody reads), is computed alone; an input gradient read after it then
    takes a pass of its own. The bias's is summed by either pass."""
    y, saved = _winograd.forward(a, w, b, p)
    no_grads: list[Array | None] = [None, None, None]

    def shared(g: Array) -> list[Array | None]:
        """``[g, the weight's gradient, the input's, the bias's]``, each None until computed."""
        return [g, *no_grads]

    def run(sh: list[Array | None], weight: bool, inputs: bool) -> None:
        assert sh[0] is not None
        gw, gx, gb = _winograd.backward(sh[0], saved, weight, inputs)
        sh[1] = gw if weight else sh[1]
        sh[2] = gx if inputs else sh[2]
        sh[3] = gb

    def grad_x(sh: list[Array | None]) -> Array:
        if sh[2] is None:
            run(sh, sh[1] is None, True)
        assert sh[2] is not None
        return sh[2]

    def grad_w(sh: list[Array | None]) -> Array:
        if sh[1] is None:
            run(sh, True, False)
        assert sh[1] is not None
        return sh[1]

    def grad_b(sh: list[Array | None]) -> Array:
        if sh[3] is None:
            assert sh[0] is not None
            sh[3] = sh[0].sum(axis=(0, 2, 3), dtype=xp.float64).astype(a.dtype)
        assert sh[3] is not None
        return sh[3]

    parts = [grad_x, grad_w] if b is None else [grad_x, grad_w, grad_b]
    return result_shared(y, inputs, shared, parts)


@overload
def conv1d(
    x: Tensor[N, Dyn, Dyn, T],
    weight: Tensor[O, Dyn, Dyn, T] | Tensor[O, Dyn, Dyn, NoneTape],
    /,
    bias: Tensor[O, T] | Tensor[O, NoneTape] | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] | PaddingMode = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor[N, O, Dyn, T]: ...
@overload
def conv1d(
    x: Tensor[N, Dyn, Dyn, NoneTape],
    weight: Tensor[O, Dyn, Dyn, T],
    /,
    bias: Tensor[O, T] | Tensor[O, NoneTape] | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] | PaddingMode = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor[N, O, Dyn, T]: ...
@overload
def conv1d(
    x: Tensor[N, Dyn, Dyn, Any],
    weight: Tensor[O, Dyn, Dyn, Any],
    /,
    bias: Tensor[O, Any] | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] | PaddingMode = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor[N, O, Dyn, OwnedTape]: ...
@overload
def conv1d(
    x: AnyTensor,
    weight: AnyTensor,
    /,
    bias: AnyTensor | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] | PaddingMode = 0,
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
    ``L_out = (L + 2 padding - dilation (k - 1) - 1) // stride + 1``. ``padding="same"``
    (stride 1 only) keeps ``L``, the odd one of an odd total on the right, as PyTorch's;
    ``"valid"`` is padding 0."""
    return _conv("conv1d", x, weight, bias, stride, padding, dilation, groups, 1)


@overload
def conv2d(
    x: Tensor[N, Dyn, Dyn, Dyn, T],
    weight: Tensor[O, Dyn, Dyn, Dyn, T] | Tensor[O, Dyn, Dyn, Dyn, NoneTape],
    /,
    bias: Tensor[O, T] | Tensor[O, NoneTape] | None = None,
    stride: Pair = 1,
    padding: Pair | PaddingMode = 0,
    dilation: Pair = 1,
    groups: int = 1,
) -> Tensor[N, O, Dyn, Dyn, T]: ...
@overload
def conv2d(
    x: Tensor[N, Dyn, Dyn, Dyn, NoneTape],
    weight: Tensor[O, Dyn, Dyn, Dyn, T],
    /,
    bias: Tensor[O, T] | Tensor[O, NoneTape] | None = None,
    stride: Pair = 1,
    padding: Pair | PaddingMode = 0,
    dilation: Pair = 1,
    groups: int = 1,
) -> Tensor[N, O, Dyn, Dyn, T]: ...
@overload
def conv2d(
    x: Tensor[N, Dyn, Dyn, Dyn, Any],
    weight: Tensor[O, Dyn, Dyn, Dyn, Any],
    /,
    bias: Tensor[O, Any] | None = None,
    stride: Pair = 1,
    padding: Pair | PaddingMode = 0,
    dilation: Pair = 1,
    groups: int = 1,
) -> Tensor[N, O, Dyn, Dyn, OwnedTape]: ...
@overload
def conv2d(
    x: AnyTensor,
    weight: AnyTensor,
    /,
    bias: AnyTensor | None = None,
    stride: Pair = 1,
    padding: Pair | PaddingMode = 0,
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
    ``padding`` and ``dilation`` are an int or an (h, w) pair; ``padding="same"`` (stride 1
    only) keeps ``H`` and ``W``, the odd one of an odd total on the right and the bottom, as
    PyTorch's; ``"valid"`` is padding 0."""
    return _conv("conv2d", x, weight, bias, stride, padding, dilation, groups, 2)


@overload
def conv_transpose2d(
    x: Tensor[N, Dyn, Dyn, Dyn, T],
    weight: Tensor[Dyn, Dyn, Dyn, Dyn, T] | Tensor[Dyn, Dyn, Dyn, Dyn, NoneTape],
    /,
    bias: Tensor[Dyn, T] | Tensor[Dyn, NoneTape] | None = None,
    stride: Pair = 1,
    padding: Pair = 0,
    output_padding: Pair = 0,
    dilation: Pair = 1,
    groups: int = 1,
) -> Tensor[N, Dyn, Dyn, Dyn, T]: ...
@overload
def conv_transpose2d(
    x: Tensor[N, Dyn, Dyn, Dyn, NoneTape],
    weight: Tensor[Dyn, Dyn, Dyn, Dyn, T],
    /,
    bias: Tensor[Dyn, T] | Tensor[Dyn, NoneTape] | None = None,
    stride: Pair = 1,
    padding: Pair = 0,
    output_padding: Pair = 0,
    dilation: Pair = 1,
    groups: int = 1,
) -> Tensor[N, Dyn, Dyn, Dyn, T]: ...
@overload
def conv_transpose2d(
    x: Tensor[N, Dyn, Dyn, Dyn, Any],
    weight: Tensor[Dyn, Dyn, Dyn, Dyn, Any],
    /,
    bias: Tensor[Dyn, Any] | None = None,
    stride: Pair = 1,
    padding: Pair = 0,
    output_padding: Pair = 0,
    dilation: Pair = 1,
    groups: int = 1,
) -> Tensor[N, Dyn, Dyn, Dyn, OwnedTape]: ...
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
    return _conv_transpose(
        "conv_transpose2d", x, weight, bias, stride, padding, output_padding, dilation, groups, 2
    )


@overload
def conv_transpose1d(
    x: Tensor[N, Dyn, Dyn, T],
    weight: Tensor[Dyn, Dyn, Dyn, T] | Tensor[Dyn, Dyn, Dyn, NoneTape],
    /,
    bias: Tensor[Dyn, T] | Tensor[Dyn, NoneTape] | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] = 0,
    output_padding: int | tuple[int] = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor[N, Dyn, Dyn, T]: ...
@overload
def conv_transpose1d(
    x: Tensor[N, Dyn, Dyn, NoneTape],
    weight: Tensor[Dyn, Dyn, Dyn, T],
    /,
    bias: Tensor[Dyn, T] | Tensor[Dyn, NoneTape] | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] = 0,
    output_padding: int | tuple[int] = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor[N, Dyn, Dyn, T]: ...
@overload
def conv_transpose1d(
    x: Tensor[N, Dyn, Dyn, Any],
    weight: Tensor[Dyn, Dyn, Dyn, Any],
    /,
    bias: Tensor[Dyn, Any] | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] = 0,
    output_padding: int | tuple[int] = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor[N, Dyn, Dyn, OwnedTape]: ...
@overload
def conv_transpose1d(
    x: AnyTensor,
    weight: AnyTensor,
    /,
    bias: AnyTensor | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] = 0,
    output_padding: int | tuple[int] = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Any: ...
def conv_transpose1d(
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
    """The transpose (gradient) of ``conv1d`` with respect to its input: ``x`` ``(N, C, L)``,
    ``weight`` ``(C, O / groups, k)``, ``bias`` ``(O,)``; the result is ``(N, O, L_out)`` with
    ``L_out = (L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1``."""
    return _conv_transpose(
        "conv_transpose1d", x, weight, bias, stride, padding, output_padding, dilation, groups, 1
    )


def _conv_transpose(
    op: str,
    x: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    output_padding: Any,
    dilation: Any,
    groups: Any,
    spatial: int,
) -> AnyTensor:
    """``conv_transpose2d``, and ``conv_transpose1d`` as it with a height of 1."""
    a, w, b, inputs = _operands(op, x, weight, bias)
    s = conv_param(op, "stride", stride, spatial, 1)
    p = conv_param(op, "padding", padding, spatial, 0)
    out_pad = conv_param(op, "output_padding", output_padding, spatial, 0)
    d = conv_param(op, "dilation", dilation, spatial, 1)
    gr = _groups(op, groups)
    out_shape = _sizes(shapes.conv_transpose(op, a.shape, w.shape, s, p, out_pad, d, gr))
    o = w.shape[1] * gr
    _check_bias(op, b, o)
    _validate.nonempty_features(op, a.shape)
    _validate.nonempty_kernel(op, w.shape)
    in_shape, w_shape, result_shape = a.shape, w.shape, out_shape
    if spatial == 1:  # a height of 1
        a, w = a[:, :, None], w[:, :, None]
        s, p, d = (1, *s), (0, *p), (1, *d)
        out_shape = (*out_shape[:2], 1, out_shape[2])
    _validate.bounded(
        op, "the output", (*out_shape[:2], out_shape[2] + 2 * p[0], out_shape[3] + 2 * p[1])
    )
    n, c, h, wd = a.shape
    z = xp.ascontiguousarray(a).reshape(n, c, h * wd)  # the output's gradient of a conv2d
    y = _col2im(z, w, out_shape, (h, wd), s, p, d, gr)
    if b is not None:
        y += b[:, None, None]
    axes = (0, *range(2, 2 + spatial))  # every axis but the channels'

    def windows(g: Array) -> tuple[Array, Array]:
        """The output's gradient, and its windows, which the input's and the weight's
        gradients read."""
        return g, _im2col(g.reshape(out_shape), w.shape[2:], (h, wd), s, p, d, False)

    def grad_x(sh: tuple[Array, Array]) -> Array:
        return _forward(sh[1], w, gr, None, False).reshape(in_shape)

    def grad_w(sh: tuple[Array, Array]) -> Array:
        return _weight_grad(z, sh[1], gr).reshape(w_shape)

    parts: list[Callable[[tuple[Array, Array]], Array]] = [grad_x, grad_w]
    if b is not None:
        parts.append(lambda sh: sh[0].sum(axis=axes))
    return result_shared(y.reshape(result_shape), inputs, windows, parts)


# ---- pooling -------------------------------------------------------------------------------


def _pool_params(
    op: str,
    x: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: Any = False,
    spatial: int = 2,
) -> tuple[Array, Ints, Ints, Ints, Ints]:
    """The input as ``(N, C, H, W)`` (a 1-d pool's ``(N, C, L)`` with a height of 1), the
    window's kernel, stride and padding per axis of it, and the output's shape (of the op's
    own rank), each checked by the shape rule (:func:`shapes.pool`)."""
    a = array_of(op, x)
    check_float(op, a)
    k = conv_param(op, "kernel_size", kernel_size, spatial, 1)
    s = k if stride is None else conv_param(op, "stride", stride, spatial, 1)
    p = conv_param(op, "padding", padding, spatial, 0)
    if not isinstance(ceil_mode, bool):
        raise TypeError(f"{op}: ceil_mode must be a bool, got {ceil_mode!r}")
    out = _sizes(shapes.pool(op, a.shape, k, s, p, ceil_mode))
    _validate.nonempty_features(op, a.shape)
    if spatial == 1:  # a height of 1: the 2-d kernels do the work
        a, k, s, p = a[:, :, None], (1, *k), (1, *s), (0, *p)
    n, c, h, w = a.shape
    _validate.bounded(op, "the padded input", (n, c, h + 2 * p[0], w + 2 * p[1]))
    _validate.bounded(op, "the windows", (*out, *k))
    return a, k, s, p, out


def _overhang(a: Array, k: Ints, s: Ints, p: Ints, out: Ints) -> Ints:
    """How far the last windows reach past the padded input, per spatial axis: 0 but with
    ``ceil_mode``, whose last window may end in the right padding or beyond it."""
    return tuple(
        max(0, (o - 1) * st + kk - (n + 2 * pp))
        for o, st, kk, n, pp in zip(out, s, k, a.shape[2:], p, strict=True)
    )


def _pool_grid(a: Array, p: Ints, extra: Ints, fill: float) -> Array:
    """``a`` padded by ``p`` on each side and ``extra`` more after (``ceil_mode``'s last
    windows), with ``fill``."""
    if extra == (0, 0):
        return _padded(a, p, fill)
    n, c, h, w = a.shape
    grid = xp.full((n, c, h + 2 * p[0] + extra[0], w + 2 * p[1] + extra[1]), fill, dtype=a.dtype)
    grid[:, :, p[0] : p[0] + h, p[1] : p[1] + w] = a
    return grid


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
    ceil_mode: bool = False,
) -> Tensor[N, C, Dyn, Dyn, T]:
    """The largest value of each ``kernel_size`` window of ``(N, C, H, W)``, moved by
    ``stride`` (``kernel_size`` by default) over the input padded with ``-inf``. The gradient
    goes to the first largest value of each window (as PyTorch's). With ``ceil_mode`` the
    output size rounds up: a last window that starts inside the input (or its left padding)
    but overhangs it is kept (PyTorch's rule)."""
    op = "max_pool2d"
    return _max_pool(x, *_pool_params(op, x, kernel_size, stride, padding, ceil_mode))


def max_pool1d(
    x: Tensor[N, C, Dyn, T],
    /,
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    ceil_mode: bool = False,
) -> Tensor[N, C, Dyn, T]:
    """The largest value of each ``kernel_size`` window of ``(N, C, L)``, moved by ``stride``
    (``kernel_size`` by default) over the input padded with ``-inf``: ``L_out = (L + 2
    padding - kernel_size) // stride + 1``, rounded up with ``ceil_mode``, as PyTorch's
    ``F.max_pool1d``. :func:`max_pool2d` with a height of 1; the gradient goes to the first
    largest value of each window."""
    op = "max_pool1d"
    return _max_pool(x, *_pool_params(op, x, kernel_size, stride, padding, ceil_mode, 1))


def _max_pool(x: Any, a: Array, k: Ints, s: Ints, p: Ints, shape: Ints) -> AnyTensor:
    """:func:`max_pool2d` of ``a`` ``(N, C, H, W)`` (``x``'s array, a 1-d one with a height
    of 1) to an output of ``shape`` (``x``'s rank)."""
    n, c, h, w = a.shape
    out = (shape[2], shape[3]) if len(shape) == 4 else (1, shape[2])
    in_shape = x._data.shape
    extra = _overhang(a, k, s, p, out)
    if _compiled(a) and extra == (0, 0):
        return _max_pool_compiled(x, a, k, s, p, out, shape)
    hp, wp = h + 2 * p[0] + extra[0], w + 2 * p[1] + extra[1]
    grid = _pool_grid(a, p, extra, -xp.inf)
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
        return gg[:, :, p[0] : p[0] + h, p[1] : p[1] + w].reshape(in_shape)

    return result(y.reshape(shape), (x,), (grad,))


def _max_pool_compiled(
    x: Any, a: Array, k: Ints, s: Ints, p: Ints, out: Ints, shape: Ints
) -> AnyTensor:
    """:func:`_max_pool` with :mod:`dfdx._fused_conv`'s kernels: one pass for the largest
    values and their positions, one for the gradient."""
    n, c, h, w = a.shape
    pool, pool_grad = _fused_conv.max_pool(), _fused_conv.max_pool_grad()
    assert pool is not None and pool_grad is not None
    y = xp.empty((n, c, *out), dtype=a.dtype)
    at = xp.empty((n, c, *out), dtype=xp.intp)
    pool(xp.ascontiguousarray(a), (*k, *s, *p), y, at)
    in_shape = x._data.shape

    def grad(g: Array) -> Array:
        gx = xp.zeros((n, c, h * w), dtype=a.dtype)
        g4 = xp.ascontiguousarray(g, dtype=a.dtype).reshape(n, c, *out)
        pool_grad(g4, at, gx)
        return gx.reshape(in_shape)

    return result(y.reshape(shape), (x,), (grad,))


def avg_pool2d(
    x: Tensor[N, C, Dyn, Dyn, T],
    /,
    kernel_size: Pair,
    stride: Pair | None = None,
    padding: Pair = 0,
    ceil_mode: bool = False,
) -> Tensor[N, C, Dyn, Dyn, T]:
    """The mean of each ``kernel_size`` window of ``(N, C, H, W)``, moved by ``stride``
    (``kernel_size`` by default); padding counts as zeros in the mean (PyTorch's default
    ``count_include_pad=True``). With ``ceil_mode`` the output size rounds up (as
    :func:`max_pool2d`'s); a last window that overhangs the padded input averages the
    positions it covers there (PyTorch's divisor)."""
    op = "avg_pool2d"
    return _avg_pool(x, *_pool_params(op, x, kernel_size, stride, padding, ceil_mode))


def avg_pool1d(
    x: Tensor[N, C, Dyn, T],
    /,
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    ceil_mode: bool = False,
) -> Tensor[N, C, Dyn, T]:
    """The mean of each ``kernel_size`` window of ``(N, C, L)``, moved by ``stride``
    (``kernel_size`` by default), padding counted as zeros (PyTorch's
    ``count_include_pad=True``): ``F.avg_pool1d``'s sizes and values, ``ceil_mode``
    included. :func:`avg_pool2d` with a height of 1."""
    op = "avg_pool1d"
    return _avg_pool(x, *_pool_params(op, x, kernel_size, stride, padding, ceil_mode, 1))


def _avg_pool(x: Any, a: Array, k: Ints, s: Ints, p: Ints, shape: Ints) -> AnyTensor:
    """:func:`avg_pool2d` of ``a`` ``(N, C, H, W)`` (``x``'s array, a 1-d one with a height
    of 1) to an output of ``shape`` (``x``'s rank)."""
    n, c, h, w = a.shape
    out = (shape[2], shape[3]) if len(shape) == 4 else (1, shape[2])
    in_shape = x._data.shape
    extra = _overhang(a, k, s, p, out)
    hp, wp = h + 2 * p[0] + extra[0], w + 2 * p[1] + extra[1]
    grid = a if p == (0, 0) and extra == (0, 0) else _pool_grid(a, p, extra, 0.0)
    scale = _window_scale(k, s, out, (h + 2 * p[0], w + 2 * p[1]), a.dtype)
    y = _windows(grid, k, out, s).sum(axis=(4, 5)) * scale

    def grad(g: Array) -> Array:
        gg = xp.zeros((n, c, hp, wp), dtype=a.dtype)
        share = g.reshape(n, c, *out) * scale
        for i in range(k[0]):
            for j in range(k[1]):
                gg[:, :, i : i + s[0] * out[0] : s[0], j : j + s[1] * out[1] : s[1]] += share
        return gg[:, :, p[0] : p[0] + h, p[1] : p[1] + w].reshape(in_shape)

    return result(y.reshape(shape), (x,), (grad,))


def _window_scale(k: Ints, s: Ints, out: Ints, padded: Ints, dtype: Any) -> Any:
    """``1 / window size`` for each output position of an average pool: ``1 / (kh kw)``, but
    for ``ceil_mode``'s last windows, which count only the positions within the padded
    input."""
    spans = []
    for kk, st, o, size in zip(k, s, out, padded, strict=True):
        starts = xp.arange(o) * st
        spans.append(xp.minimum(starts + kk, size) - starts)
    if all(int(span.min()) == kk for span, kk in zip(spans, k, strict=True)):
        return dtype.type(1.0 / (k[0] * k[1]))
    return (1.0 / (spans[0][:, None] * spans[1][None, :])).astype(dtype)


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


def _adaptive_params(op: str, x: Any, output_size: Any, first: int) -> tuple[Array, int]:
    """``x``'s array ``(N, C, L)`` and the output's length, checked as
    :func:`adaptive_avg_pool2d`'s; every axis from ``first`` on must be non-empty (PyTorch's
    average pool takes no channels, its max pool refuses them)."""
    a = array_of(op, x)
    check_float(op, a)
    (size,) = conv_param(op, "output_size", output_size, 1, 1)
    shapes.adaptive_pool(op, a.shape, (size,))
    _validate.nonempty_features(op, a.shape, first=first)
    _validate.bounded(op, "the output", (a.shape[0], a.shape[1], size))
    return a, size


def adaptive_avg_pool1d(
    x: Tensor[N, C, Dyn, T], /, output_size: int | tuple[int]
) -> Tensor[N, C, Dyn, T]:
    """``(N, C, L)`` averaged to ``(N, C, output_size)`` over PyTorch's adaptive bins (bin
    ``i`` spans ``floor(i L / size)`` to ``ceil((i + 1) L / size)``; ``output_size=1`` is the
    global average pool), as ``F.adaptive_avg_pool1d``."""
    a, size = _adaptive_params("adaptive_avg_pool1d", x, output_size, 2)
    length = a.shape[2]
    bins = _bins(length, size, a.dtype)
    y = _bin_means(a, length, size, 2)  # over each bin's slice: a NaN stays in its bins
    return result(y, (x,), (lambda g: xp.matmul(g, bins),))


def adaptive_max_pool1d(
    x: Tensor[N, C, Dyn, T], /, output_size: int | tuple[int]
) -> Tensor[N, C, Dyn, T]:
    """The largest value of each of PyTorch's adaptive bins of ``(N, C, L)`` (as
    :func:`adaptive_avg_pool1d`'s): ``(N, C, output_size)``, as ``F.adaptive_max_pool1d``
    (without ``return_indices``). The gradient goes to the first largest value of each bin;
    bins that overlap add their shares."""
    a, size = _adaptive_params("adaptive_max_pool1d", x, output_size, 1)
    n, c, length = a.shape
    at = xp.empty((n, c, size), dtype=xp.intp)
    for i in range(size):
        lo, hi = (i * length) // size, -(-((i + 1) * length) // size)
        at[:, :, i] = a[:, :, lo:hi].argmax(axis=2) + lo
    y = xp.take_along_axis(a, at, axis=2)

    def grad(g: Array) -> Array:
        flat = (xp.arange(n * c).reshape(n, c, 1) * length + at).ravel()
        gx = xp.bincount(flat, weights=g.ravel(), minlength=n * c * length)
        return gx.astype(a.dtype, copy=False).reshape(a.shape)

    return result(y, (x,), (grad,))


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


def interpolate(
    x: Tensor[N, C, Dyn, Dyn, T],
    /,
    size: Pair | None = None,
    scale_factor: Pair | None = None,
    mode: Literal["nearest", "bilinear"] = "nearest",
    align_corners: bool | None = None,
) -> Tensor[N, C, Dyn, Dyn, T]:
    """``(N, C, H, W)`` resized to ``size`` (``(H', W')`` or one int for both) or upsampled
    by whole ``scale_factor``s (:func:`upsample2d`), one of the two: PyTorch's
    ``F.interpolate``. ``mode="nearest"`` takes, for output pixel ``i``, input pixel
    ``floor(i * H / H')`` (PyTorch's ``"nearest"``); ``"bilinear"`` interpolates between the
    four nearest inputs with PyTorch's ``align_corners``. To any size, larger or smaller."""
    op = "interpolate"
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    if scale_factor is not None:
        return upsample2d(x, scale_factor, mode, align_corners)
    a = array_of(op, x)
    check_float(op, a)
    target: tuple[int, ...] = conv_param(op, "size", size, 2, 1)
    shapes.adaptive_pool(op, a.shape, target)
    n, c, h, w = a.shape
    _validate.nonempty_features(op, a.shape)
    _validate.bounded(op, "the output", (n, c, *target))
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"{op}: mode must be 'nearest' or 'bilinear', got {mode!r}")
    if mode == "nearest" and align_corners is not None:
        raise ValueError(f"{op}: align_corners is for mode='bilinear' only (PyTorch's rule)")
    if align_corners is not None and not isinstance(align_corners, bool):
        raise TypeError(f"{op}: align_corners must be a bool or None, got {align_corners!r}")
    rows = _resize_weights(h, target[0], mode, bool(align_corners), a.dtype)
    cols = _resize_weights(w, target[1], mode, bool(align_corners), a.dtype)
    y = rows @ a @ cols.T
    return result(y, (x,), (lambda g: rows.T @ g @ cols,))


def _resize_weights(size: int, out: int, mode: str, align_corners: bool, dtype: Any) -> Array:
    """The ``(out, size)`` matrix taking one axis of ``size`` values to ``out``, as PyTorch's
    ``interpolate`` places its source points: ``floor(i * size / out)`` for ``"nearest"``
    (in float32, as PyTorch computes it); for ``"bilinear"`` ``(i + 0.5) * size / out - 0.5``
    (clamped at 0), or ``i * (size - 1) / (out - 1)`` with ``align_corners``."""
    i = xp.arange(out)
    m = xp.zeros((out, size))
    if mode == "nearest":
        scale = xp.float32(size) / xp.float32(out)
        src = xp.floor(i.astype(xp.float32) * scale).astype(xp.int64)
        m[i, xp.minimum(src, size - 1)] = 1.0
        return m.astype(dtype)
    if align_corners:
        pos = i * ((size - 1) / (out - 1)) if out > 1 else xp.zeros(out)
    else:
        pos = xp.maximum((i + 0.5) * (size / out) - 0.5, 0.0)
    lo = xp.minimum(xp.floor(pos).astype(xp.int64), size - 1)
    hi = xp.minimum(lo + 1, size - 1)
    frac = pos - lo
    xp.add.at(m, (i, lo), 1 - frac)
    xp.add.at(m, (i, hi), frac)
    return m.astype(dtype)


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
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "avg_pool1d",
    "avg_pool2d",
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "interpolate",
    "max_pool1d",
    "max_pool2d",
    "upsample2d",
]
