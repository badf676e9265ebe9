"""Numba kernels for untraced (``NoneTape``) forwards, which keep nothing for a backward
pass: each writes only its result, and each inner loop is branch-free and runs along
contiguous memory so that LLVM vectorizes it (NumPy's own vectorized ``exp`` does the
exponentials between two such loops: Numba's ``exp`` is one libm call per element). They
are used when Numba is (see :mod:`dfdx._fused`: the ``fast`` extra, ``DFDX_NO_NUMBA``), and
compile on first use, cached on disk. Each function returns None without Numba, and the
caller takes its general path.
"""

from __future__ import annotations

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


_LAST_MASK: list[tuple[Array, Any, int, int, Array]] = []
"""The additive form of the last read-only ``keep`` mask given alone (the causal mask that
:class:`dfdx.nn.MultiHeadAttention` shares between calls), with its dtype and sizes."""


def _additive_mask(keep: Array | None, add: Array | None, dtype: Any, nl: int, ns: int) -> Array:
    """``add`` plus ``-inf`` where not ``keep``, as a contiguous ``(b, h, S, L)`` array
    (``b``, ``h`` 1 where the masks broadcast), transposed as the logits are."""
    if keep is not None and add is None and not keep.flags.writeable:
        if _LAST_MASK:
            last, last_dtype, last_nl, last_ns, cached = _LAST_MASK[0]
            if last is keep and (last_dtype, last_nl, last_ns) == (dtype, nl, ns):
                return cached
        cached = _additive_mask(keep.copy(), None, dtype, nl, ns)
        cached.flags.writeable = False
        _LAST_MASK[:] = [(keep, dtype, nl, ns, cached)]
        return cached
    parts = [m for m in (add, keep) if m is not None]
    if not parts:
        return xp.zeros((1, 1, ns, nl), dtype)
    f: Array | None = None
    if keep is not None:
        f = xp.where(keep, dtype.type(0), dtype.type(-xp.inf))
    if add is not None:
        f = add.astype(dtype) if f is None else f + add
    assert f is not None
    f4 = f.reshape((1,) * (4 - f.ndim) + f.shape)
    full = xp.broadcast_to(f4, (*f4.shape[:2], nl, ns))
    return xp.ascontiguousarray(xp.swapaxes(full, -1, -2))


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
    st = xp.matmul(b, xp.swapaxes(a, -1, -2))  # (B, H, S, L)
    nb, nh, ns, nl = st.shape
    if (keep is not None and keep.ndim > 4) or (add is not None and add.ndim > 4) or not st.size:
        return None
    mask = _additive_mask(keep, add, st.dtype, nl, ns)
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


# ---- exact GELU -----------------------------------------------------------------------------
# The training kernels' polynomials (dfdx/_fused.py), without the CDF kept for a backward pass:
# the far branch's exponent (with the bias of the product before it added on the way), NumPy's
# vectorized ``exp``, then the result written over the input, ``gelu(-inf)`` (0, the limit)
# selected in the same pass.


def _gelu_bias_far_source(h: Any, b: Any, r: Any) -> None:  # pragma: no cover
    # h (M, N) += b (N,) in place; r = the far exponent of each element (as _gelu_far_source)
    nr, nc = h.shape
    for i in range(nr):
        row = h[i]
        out = r[i]
        for j in range(nc):
            x = row[j] + b[j]
            row[j] = x
            out[j] = _fused.erf_far_exponent(abs(x * xp.float32(0.7071067811865476)))


def _gelu_apply_source(a: Any, e: Any, y: Any) -> None:  # pragma: no cover
    # y = a * cdf(a) with e = exp(far exponent), as _gelu_combine_source; y is not a (an
    # aliased output defeats vectorization: _gelu_in_place_source is that case)
    for i in range(a.size):
        y[i] = _gelu_of(a[i], e[i])


def _gelu_in_place_source(a: Any, e: Any) -> None:  # pragma: no cover
    for i in range(a.size):
        a[i] = _gelu_of(a[i], e[i])


def _gelu_of_source(x: Any, e: Any) -> Any:  # pragma: no cover
    # gelu(x) given e = exp(the far exponent of x); gelu(-inf) = 0, its limit
    c = _fused.gelu_cdf(x * xp.float32(0.7071067811865476), e)
    return xp.float32(0) if x == -xp.inf else x * c


_gelu_of: Callable[[Any, Any], Any] = _gelu_of_source
"""What the two kernels above call: replaced by its compiled form (inlined) before they
compile."""


def _gelu_kernel(name: str, source: Callable[..., None]) -> Callable[..., None]:
    global _gelu_of
    _fused.compile_gelu_steps()
    if f"inference.{name}" not in _fused._KERNELS and _gelu_of is _gelu_of_source:
        _gelu_of = _fused._KERNELS["numba"].njit(inline="always", error_model="numpy")(
            _gelu_of_source
        )
    return _jit(name, source)


def gelu_float32(a: Array, bias: Array | None = None, out: Array | None = None) -> Array | None:
    """Exact GELU of ``a + bias`` for a C-contiguous float32 array (``bias`` along its last
    axis), into ``out`` (``a`` itself, a C-contiguous array of its shape, or None: a new
    array): three passes, the bias added (in place in ``a``) in the first; None without
    Numba or for other inputs. The same float32 arithmetic as the training kernels
    (:func:`dfdx._fused.gelu_forward_float32`)."""
    if (
        not _fused.enabled()
        or a.dtype != xp.float32
        or not a.ndim
        or not a.flags.c_contiguous
        or (bias is not None and (bias.dtype != xp.float32 or bias.shape != a.shape[-1:]))
    ):
        return None
    flat = a.reshape(-1)
    e = xp.empty_like(flat)
    _fused.compile_gelu_steps()
    if bias is None:
        _fused._jit("gelu_far", _fused._gelu_far_source)(flat, e)
    else:
        rows = a.reshape(-1, a.shape[-1])
        _jit("gelu_bias_far", _gelu_bias_far_source)(rows, bias, e.reshape(rows.shape))
    xp.exp(e, out=e)
    if out is a:
        _gelu_kernel("gelu_in_place", _gelu_in_place_source)(flat, e)
        return a
    y = xp.empty_like(a) if out is None else out
    _gelu_kernel("gelu_apply", _gelu_apply_source)(flat, e, y.reshape(-1))
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
