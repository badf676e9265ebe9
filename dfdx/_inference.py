"""Numba kernels for untraced (``NoneTape``) forwards, which keep nothing for a backward
pass: each writes only its result, and each inner loop is branch-free and runs along
contiguous memory so that LLVM vectorizes it (NumPy's own vectorized ``exp`` does the
exponentials between two such loops: Numba's ``exp`` is one libm call per element). They
are used when Numba is (see :mod:`dfdx._fused`: the ``fast`` extra, ``DFDX_NO_NUMBA``), and
compile on first use, cached on disk. Each function returns None without Numba, and the
caller takes its general path.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from dfdx import _fused
from dfdx._backend import Array, xp


def _jit(name: str, source: Callable[..., None]) -> Callable[..., None]:
    key = f"inference.{name}"  # _fused's own kernels share the table
    if key not in _fused._KERNELS:
        numba = _fused._KERNELS["numba"]
        jit = numba.njit(cache=True, nogil=True, error_model="numpy")
        _fused._KERNELS[key] = jit(source)
    kernel: Callable[..., None] = _fused._KERNELS[key]
    return kernel


# ---- softmax attention ---------------------------------------------------------------------
# The logits are computed transposed, ``(B, H, S, L)`` (keys first), so that each query's max
# and sum over the keys run across rows: elementwise along contiguous memory, not a
# reduction of 64-element rows (NumPy's reductions there pay a call per row).


def _shift_source(st: Any, add: Any, scale: Any, m: Any) -> None:  # pragma: no cover
    # st = st * scale + add; m = each column's max (0 where all are -inf); st -= m
    nb, nh, ns, nl = st.shape
    for b in range(nb):
        for h in range(nh):
            mx = m[b, h]
            for i in range(nl):
                mx[i] = -xp.inf
            for j in range(ns):
                row = st[b, h, j]
                ad = add[b if add.shape[0] > 1 else 0, h if add.shape[1] > 1 else 0, j]
                for i in range(nl):
                    v = row[i] * scale + ad[i]
                    row[i] = v
                    mx[i] = v if v > mx[i] else mx[i]
            for i in range(nl):
                mx[i] = mx[i] if mx[i] > -xp.inf else 0
            for j in range(ns):
                row = st[b, h, j]
                for i in range(nl):
                    row[i] = row[i] - mx[i]


def _normalize_source(p: Any, z: Any) -> None:  # pragma: no cover
    # p /= each column's sum (a column of zeros, a fully masked query, stays zero)
    nb, nh, ns, nl = p.shape
    for b in range(nb):
        for h in range(nh):
            zz = z[b, h]
            for i in range(nl):
                zz[i] = 0
            for j in range(ns):
                row = p[b, h, j]
                for i in range(nl):
                    zz[i] += row[i]
            for i in range(nl):
                zz[i] = 1 / zz[i] if zz[i] > 0 else 0
            for j in range(ns):
                row = p[b, h, j]
                for i in range(nl):
                    row[i] = row[i] * zz[i]


_LAST_MASK: list[tuple[Array, Any, int, int, Array, bool]] = []
"""The additive form of the last read-only ``keep`` mask given alone (the causal mask that
:class:`dfdx.nn.MultiHeadAttention` shares between calls), with its dtype and sizes, and
whether it is the causal mask."""


def _additive_mask(
    keep: Array | None, add: Array | None, dtype: Any, nl: int, ns: int
) -> tuple[Array, bool]:
    """``add`` plus ``-inf`` where not ``keep``, as a contiguous ``(b, h, S, L)`` array
    (``b``, ``h`` 1 where the masks broadcast), transposed as the logits are; and whether
    it is the causal mask alone (``keep`` read-only and lower triangular, checked once
    per mask)."""
    if keep is not None and add is None and not keep.flags.writeable:
        if _LAST_MASK:
            last, last_dtype, last_nl, last_ns, cached, causal = _LAST_MASK[0]
            if last is keep and (last_dtype, last_nl, last_ns) == (dtype, nl, ns):
                return cached, causal
        cached = _additive_mask(keep.copy(), None, dtype, nl, ns)[0]
        cached.flags.writeable = False
        causal = (
            nl == ns
            and keep.shape == (nl, ns)
            and bool(xp.array_equal(keep, xp.tril(xp.ones((nl, ns), dtype=bool))))
        )
        _LAST_MASK[:] = [(keep, dtype, nl, ns, cached, causal)]
        return cached, causal
    parts = [m for m in (add, keep) if m is not None]
    if not parts:
        return xp.zeros((1, 1, ns, nl), dtype), False
    f: Array | None = None
    if keep is not None:
        f = xp.where(keep, dtype.type(0), dtype.type(-xp.inf))
    if add is not None:
        f = add.astype(dtype) if f is None else f + add
    assert f is not None
    f4 = f.reshape((1,) * (4 - f.ndim) + f.shape)
    full = xp.broadcast_to(f4, (*f4.shape[:2], nl, ns))
    return xp.ascontiguousarray(xp.swapaxes(full, -1, -2)), False


def softmax_attention(
    a: Array,
    b: Array,
    c: Array,
    keep: Array | None,
    add: Array | None,
    scale: float,
    heads_inner: bool,
) -> Array | None:
    """``softmax(a @ b^T * scale + add, masked where not keep) @ c`` for 4-d float arrays
    ``(B, H, L, D)``, ``(B, H, S, D)``, ``(B, H, S, Dv)``, with masks that broadcast to
    ``(B, H, L, S)``: the forward of :func:`dfdx.ops.attention._softmax_attention`, with its
    zero weights for a fully masked query and its output layout (``heads_inner``); None
    without Numba or for other ranks."""
    if not _fused.enabled() or a.ndim != 4 or a.dtype not in (xp.float32, xp.float64):
        return None
    if (keep is not None and keep.ndim > 4) or (add is not None and add.ndim > 4):
        return None
    if a.dtype == xp.float32 and b.dtype == c.dtype == a.dtype and a.size and b.size:
        nb, nh, nl = a.shape[:3]
        if heads_inner:
            out = xp.empty((nb, nl, nh, c.shape[-1]), c.dtype).transpose(0, 2, 1, 3)
        else:
            out = xp.empty((*a.shape[:3], c.shape[-1]), c.dtype)
        _attention_float32(a, b, c, keep, add, scale, out)
        return out
    st = xp.matmul(b, xp.swapaxes(a, -1, -2))  # (B, H, S, L)
    nb, nh, ns, nl = st.shape
    if (keep is not None and keep.ndim > 4) or (add is not None and add.ndim > 4) or not st.size:
        return None
    mask = _additive_mask(keep, add, st.dtype, nl, ns)[0]
    m = xp.empty((nb, nh, nl), st.dtype)
    _jit("attention_shift", _shift_source)(st, mask, st.dtype.type(scale), m)
    p = xp.exp(st, out=st)
    _jit("attention_normalize", _normalize_source)(p, m)
    pt = xp.swapaxes(p, -1, -2)
    if heads_inner:
        out = xp.empty((nb, nl, nh, c.shape[-1]), c.dtype).transpose(0, 2, 1, 3)
        xp.matmul(pt, c, out=out)
        return out
    return xp.matmul(pt, c)  # type: ignore[no-any-return]


# ---- float32 softmax, one kernel --------------------------------------------------------------
# The float32 logits' scale, mask, shift, ``exp`` and sums in one kernel over each (batch,
# head)'s ``(S, L)`` logits (a few KiB, in cache between its two sweeps), with ``exp``
# computed in the loop (NumPy's is a separate pass over the whole array, the largest part of
# the softmax); the weights are left unnormalised and the product with the values is divided
# by the sums afterwards (``Dv`` values per query, not ``S`` weights). A causal mask skips the
# keys after each query: half the sweeps' work.


def _exp_nonpositive_source(t: Any) -> Any:  # pragma: no cover
    # exp(t) in float32 for t <= 0 (NaN stays NaN; 0 below float32's normal range): Cephes'
    # expf (Cody-Waite reduction by ln 2 in two parts, a degree-7 polynomial; within 2 ulps),
    # with 2**k put in the exponent bits instead of a libm call, so that a loop calling it
    # vectorizes
    f32 = xp.float32
    z = t * f32(1.4426950408889634)
    z = f32(-126.0) if z < f32(-126.0) else z
    k = (z + f32(12582912.0)) - f32(12582912.0)  # z rounded to the nearest integer
    x = t - k * f32(0.693359375)
    x = x - k * f32(-2.12194440e-4)
    p = f32(1.9875691500e-4)
    p = p * x + f32(1.3981999507e-3)
    p = p * x + f32(8.3334519073e-3)
    p = p * x + f32(4.1665795894e-2)
    p = p * x + f32(1.6666665459e-1)
    p = p * x + f32(5.0000001201e-1)
    p = p * (x * x) + x + f32(1.0)
    p = p * _float32_of_bits((xp.int32(k) + xp.int32(127)) << xp.int32(23))
    return f32(0.0) if t < f32(-87.33654) else p


def _float32_of_bits_source(bits: Any) -> Any:  # pragma: no cover
    raise NotImplementedError  # replaced by a Numba intrinsic (a bit cast) before use


_exp_nonpositive: Callable[[Any], Any] = _exp_nonpositive_source
_float32_of_bits: Callable[[Any], Any] = _float32_of_bits_source
"""What the softmax kernel calls: replaced by their compiled forms (inlined) before it
compiles (:func:`_compile_exp`)."""


def _compile_exp() -> None:
    global _exp_nonpositive, _float32_of_bits
    if _exp_nonpositive is not _exp_nonpositive_source:
        return
    numba = _fused._KERNELS["numba"]
    types = importlib.import_module("numba.core.types")
    extending = importlib.import_module("numba.extending")

    def float32_of_bits(typingctx: Any, bits: Any) -> Any:
        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            return builder.bitcast(args[0], context.get_value_type(types.float32))

        return types.float32(types.int32), codegen

    _float32_of_bits = extending.intrinsic(float32_of_bits)
    _exp_nonpositive = numba.njit(inline="always", error_model="numpy")(_exp_nonpositive_source)


def _softmax_exp_source(
    st: Any, mask: Any, scale: Any, causal: bool, z: Any
) -> None:  # pragma: no cover
    # st (B, H, S, L) = exp(st * scale + mask - each query's max), z (B, H, L) = the sums over
    # the keys; mask (b, h, S, L) additive, broadcast over its first two axes. With causal
    # (S == L, mask 0 where key j <= query i), row j is computed from query j on (rounded
    # down to a multiple of 16, a vector of float32: no scalar remainder loop, and the few
    # queries before j it takes are masked by -inf) and zero before it. Unsigned loop
    # bounds: LLVM vectorizes a loop from j only when it knows j >= 0.
    nb, nh, ns, nl = st.shape
    m = xp.empty(nl, st.dtype)
    zero = xp.float32(0)
    end = xp.uint64(nl)
    for b in range(nb):
        mb = b if mask.shape[0] > 1 else 0
        for h in range(nh):
            mh = h if mask.shape[1] > 1 else 0
            for i in range(nl):
                m[i] = -xp.inf
                z[b, h, i] = zero
            for j in range(ns):
                lo = xp.uint64(j // 16 * 16 if causal else 0)
                for i in range(xp.uint64(0), lo):
                    st[b, h, j, i] = zero
                for i in range(lo, end):
                    val = st[b, h, j, i] * scale + mask[mb, mh, j, i]
                    st[b, h, j, i] = val
                    m[i] = val if val > m[i] else m[i]
            for i in range(nl):
                m[i] = m[i] if m[i] > -xp.inf else zero  # all masked: exp(-inf) = 0
            for j in range(ns):
                lo = xp.uint64(j // 16 * 16 if causal else 0)
                for i in range(lo, end):
                    e = _exp_nonpositive(st[b, h, j, i] - m[i])
                    st[b, h, j, i] = e
                    z[b, h, i] += e


def _divide_rows_source(out: Any, z: Any) -> None:  # pragma: no cover
    # out (B, H, L, Dv) /= z (B, H, L) (as a product by 1 / z); a zero sum (every key masked)
    # leaves zeros
    nb, nh, nl, dv = out.shape
    one, zero = xp.float32(1), xp.float32(0)
    for b in range(nb):
        for h in range(nh):
            for i in range(nl):
                zi = z[b, h, i]
                r = one / zi if zi > zero else zero
                for c in range(dv):
                    out[b, h, i, c] = out[b, h, i, c] * r


def _attention_float32(
    a: Array, b: Array, c: Array, keep: Array | None, add: Array | None, scale: float, out: Array
) -> None:
    """:func:`softmax_attention` of float32 arrays into ``out``. With the causal mask, the
    products skip the block of keys ``[h, S)`` and queries ``[0, h)`` (``h`` half the length,
    a multiple of 16: the softmax kernel neither reads nor keeps that block): 3/4 of the
    work, ~15% less time at a small GPT's sizes (64 queries, 4 heads of 16)."""
    nb, nh, nl = a.shape[:3]
    ns = b.shape[2]
    mask, causal = _additive_mask(keep, add, xp.dtype(xp.float32), nl, ns)
    at = xp.ascontiguousarray(xp.swapaxes(a, -1, -2))  # a plain product beats BLAS's flag
    h = nl // 2 // 16 * 16 if causal else 0
    if h:
        st = xp.empty((nb, nh, ns, nl), xp.float32)
        xp.matmul(b[:, :, :h], at, out=st[:, :, :h])
        xp.matmul(b[:, :, h:], at[..., h:], out=st[:, :, h:, h:])
    else:
        st = xp.matmul(b, at)  # (B, H, S, L)
    _compile_exp()
    z = xp.empty((nb, nh, nl), st.dtype)
    kernel = _fused._KERNELS.get("inference.softmax_exp")
    if kernel is None:
        numba = _fused._KERNELS["numba"]
        jit = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
        kernel = _fused._KERNELS["inference.softmax_exp"] = jit(_softmax_exp_source)
    kernel(st, mask, xp.float32(scale), causal, z)
    pt = xp.swapaxes(st, -1, -2)
    if h:
        xp.matmul(pt[:, :, :h, :h], c[:, :, :h], out=out[:, :, :h])
        xp.matmul(pt[:, :, h:], c, out=out[:, :, h:])
    else:
        xp.matmul(pt, c, out=out)
    _jit("divide_rows", _divide_rows_source)(out, z)


# ---- exact GELU -----------------------------------------------------------------------------
# The training kernels' polynomials (dfdx/_fused.py), without the CDF kept for a backward pass,
# in one pass: the bias of the product before it added, the far branch's exponent, its ``exp``
# computed in the loop (:func:`_exp_nonpositive_source`: NumPy's would be a pass of its own,
# and the whole took three), the result written over the input (or into another array),
# ``gelu(-inf)`` (0, the limit) selected. Compiled with contraction into fused multiply-adds:
# the values of the training kernels' passes up to a few float32 roundings.


def _gelu_bias_rows_source(h: Any, b: Any) -> None:  # pragma: no cover
    # h (M, N) = gelu(h + b) in place, b (N,)
    nr, nc = h.shape
    for i in range(nr):
        for j in range(nc):
            x = h[i, j] + b[j]
            h[i, j] = _gelu_of(x)


def _gelu_apply_source(a: Any, y: Any) -> None:  # pragma: no cover
    # y = gelu(a) over flat arrays; y is not a (an aliased output defeats vectorization:
    # _gelu_in_place_source is that case)
    for i in range(a.size):
        y[i] = _gelu_of(a[i])


def _gelu_in_place_source(a: Any) -> None:  # pragma: no cover
    for i in range(a.size):
        a[i] = _gelu_of(a[i])


def _gelu_of_source(x: Any) -> Any:  # pragma: no cover
    # gelu(x) = x * cdf(x); gelu(-inf) = 0, its limit
    z = x * xp.float32(0.7071067811865476)
    e = _exp_nonpositive(_fused.erf_far_exponent(abs(z)))
    c = _fused.gelu_cdf(z, e)
    return xp.float32(0) if x == -xp.inf else x * c


_gelu_of: Callable[[Any], Any] = _gelu_of_source
"""What the three kernels above call: replaced by its compiled form (inlined) before they
compile."""


def _gelu_kernel(name: str, source: Callable[..., None]) -> Callable[..., None]:
    global _gelu_of
    _fused.compile_gelu_steps()
    _compile_exp()
    if _gelu_of is _gelu_of_source:
        _gelu_of = _fused._KERNELS["numba"].njit(inline="always", error_model="numpy")(
            _gelu_of_source
        )
    key = f"inference.{name}"
    if key not in _fused._KERNELS:
        numba = _fused._KERNELS["numba"]
        jit = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
        _fused._KERNELS[key] = jit(source)
    kernel: Callable[..., None] = _fused._KERNELS[key]
    return kernel


def gelu_float32(a: Array, bias: Array | None = None, out: Array | None = None) -> Array | None:
    """Exact GELU of ``a + bias`` for a C-contiguous float32 array (``bias`` along its last
    axis), into ``out`` (``a`` itself, a C-contiguous array of its shape, or None: a new
    array; with a bias, ``a`` itself only): one compiled pass; None without Numba or for
    other inputs. The training kernels' polynomials (:func:`dfdx._fused.gelu_forward_float32`),
    with the ``exp`` of :func:`_exp_nonpositive_source`."""
    if (
        not _fused.enabled()
        or a.dtype != xp.float32
        or not a.ndim
        or not a.flags.c_contiguous
        or (bias is not None and (bias.dtype != xp.float32 or bias.shape != a.shape[-1:]))
    ):
        return None
    if bias is not None:
        if out is not a:
            a = a + bias
            out = a if out is None else out  # the sum is this call's own array
        else:
            _gelu_kernel("gelu_bias_rows", _gelu_bias_rows_source)(a.reshape(-1, a.shape[-1]), bias)
            return a
    flat = a.reshape(-1)
    if out is a:
        _gelu_kernel("gelu_in_place", _gelu_in_place_source)(flat)
        return a
    y = xp.empty_like(a) if out is None else out
    _gelu_kernel("gelu_apply", _gelu_apply_source)(flat, y.reshape(-1))
    return y


# ---- layer norm ------------------------------------------------------------------------------


def layer_norm(a: Array, w: Array | None, b: Array | None, eps: float) -> Array | None:
    """Layer norm over the last axis of a float array (``w``, ``b`` of its last size, or
    None): the training kernel's forward pass keeping nothing for a backward pass; None
    without Numba."""
    kernels = _fused.layer_norm() if a.dtype in (xp.float32, xp.float64) and a.size else None
    if kernels is None:
        return None
    d = a.shape[-1]
    rows = xp.ascontiguousarray(a.reshape(-1, d))
    ones = w if w is not None else xp.ones(d, a.dtype)
    zeros = b if b is not None else xp.zeros(d, a.dtype)
    y = xp.empty_like(rows)
    rstd = xp.empty(len(rows), a.dtype)
    kernels[0](rows, ones, zeros, a.dtype.type(eps), y, y, rstd, False)  # no xhat kept
    return y.reshape(a.shape)


# ---- residual connections ------------------------------------------------------------------


def _add_residual_source(y: Any, b: Any, x: Any) -> None:  # pragma: no cover
    # y (M, N) = x + (y + b) in place, b (N,): the order of ``x + linear(...)``'s two adds
    rows, cols = y.shape
    for i in range(rows):
        for j in range(cols):
            y[i, j] = x[i, j] + (y[i, j] + b[j])


def add_residual(y: Array, bias: Array | None, x: Array) -> Array:
    """``x + (y + bias)`` written over ``y`` (C-contiguous ``(M, N)`` arrays of one float
    dtype, ``bias`` ``(N,)`` or None): a layer's output projection joining its residual
    connection, one compiled pass where NumPy makes two; the same roundings as the two adds."""
    if bias is None:
        return xp.add(x, y, out=y)
    if _fused.enabled() and y.flags.c_contiguous and y.ndim == 2:
        _jit("add_residual", _add_residual_source)(y, bias, x)
        return y
    y += bias
    return xp.add(x, y, out=y)
