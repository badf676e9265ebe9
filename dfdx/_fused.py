"""Single-pass kernels compiled with Numba, when it is installed (the ``fast`` extra): one
loop over the elements does what NumPy does in many full passes over every array (Adam's
update: ~10; exact GELU's forward in float32: ~30). ``import dfdx`` never imports
Numba: it is imported at the first use. Without Numba, or with ``DFDX_NO_NUMBA=1`` in the
environment, the same ops use NumPy.

The kernels compile on first use (about a second) and are cached on disk (Numba's
``cache=True``, beside this file or in ``NUMBA_CACHE_DIR``).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

from dfdx._backend import Array, xp

_KERNELS: dict[str, Any] = {}


def enabled() -> bool:
    """Whether the Numba kernels are used (Numba importable and not turned off)."""
    if "enabled" not in _KERNELS:
        ok = os.environ.get("DFDX_NO_NUMBA", "") in ("", "0")
        if ok:
            try:
                _KERNELS["numba"] = importlib.import_module("numba")
            except ImportError:
                ok = False
        _KERNELS["enabled"] = ok
    return bool(_KERNELS["enabled"])


def _adam_source(p: Any, g: Any, m: Any, v: Any, s: Any) -> None:  # pragma: no cover
    # s: (decay, weight_decay, b1, b2, eps, step) in the arrays' dtype. Compiled by Numba;
    # the same arithmetic as Adam._step's NumPy passes (moments kept scaled).
    decay, wd, b1, b2, eps, step = s[0], s[1], s[2], s[3], s[4], s[5]
    for i in range(p.size):
        pi = p[i] * decay
        gi = g[i] + wd * pi
        mi = m[i] * b1 + gi
        vi = v[i] * b2 + gi * gi
        m[i] = mi
        v[i] = vi
        p[i] = pi - step * (mi / (xp.sqrt(vi) + eps))


def adam() -> Callable[[Array, Array, Array, Array, Array], None] | None:
    """The fused Adam/AdamW step on flat contiguous arrays, or None without Numba."""
    if not enabled():
        return None
    if "adam" not in _KERNELS:
        numba = _KERNELS["numba"]
        _KERNELS["adam"] = numba.njit(cache=True, nogil=True, error_model="numpy")(_adam_source)
    fn: Callable[[Array, Array, Array, Array, Array], None] = _KERNELS["adam"]
    return fn


def _adam_many_source(ps: Any, gs: Any, ms: Any, vs: Any, s: Any) -> None:  # pragma: no cover
    # _adam_source over tuples of flat arrays, one row of s per array: one call updates
    # every parameter of a model (the per-parameter Python of a step costs more than the
    # small parameters' arithmetic)
    for k in range(len(ps)):
        p = ps[k]
        g = gs[k]
        m = ms[k]
        v = vs[k]
        decay, wd, b1, b2, eps, step = s[k, 0], s[k, 1], s[k, 2], s[k, 3], s[k, 4], s[k, 5]
        for i in range(p.size):
            pi = p[i] * decay
            gi = g[i] + wd * pi
            mi = m[i] * b1 + gi
            vi = v[i] * b2 + gi * gi
            m[i] = mi
            v[i] = vi
            p[i] = pi - step * (mi / (xp.sqrt(vi) + eps))


def adam_many() -> Callable[..., None] | None:
    """The fused Adam/AdamW step of many parameters in one call: ``(ps, gs, ms, vs, s)``,
    tuples of flat contiguous arrays of one dtype and ``s`` ``(len(ps), 6)`` holding each
    one's scalars (as :func:`adam`'s); None without Numba."""
    if not enabled():
        return None
    return _jit("adam_many", _adam_many_source)


def flat(*arrays: Array) -> list[Array] | None:
    """The arrays as flat views when all are C-contiguous with one float dtype, else None."""
    dtype = arrays[0].dtype
    if dtype not in (xp.float32, xp.float64):
        return None
    out = []
    for a in arrays:
        if a.dtype != dtype or not a.flags.c_contiguous:
            return None
        out.append(a.reshape(-1))
    return out


def _erf_far_exponent_source(t: Any) -> Any:  # pragma: no cover
    # r(t) with erf(z) = 1 - exp(r(|z|)) on erf's far branch, t = |z|
    # (dfdx.ops._special.erf_float32's polynomial)
    f32 = xp.float32
    s = t * t
    q = t * f32(-1.72853470e-5) + f32(3.83197126e-4)
    u = t * f32(-3.88396438e-3) + f32(2.42546219e-2)
    q = q * s + u
    q = q * t + f32(-1.06777877e-1)
    q = q * t + f32(-6.34846687e-1)
    q = q * t + f32(-1.28717512e-1)
    return q * t - t


def _gelu_cdf_source(z: Any, e: Any) -> Any:  # pragma: no cover
    # (1 + erf(z)) / 2 given e = exp(r(|z|)) (see _erf_far_exponent_source); erf's near
    # branch is computed here, and either branch is picked without a jump, so that the loops
    # calling this compile to SIMD instructions
    f32 = xp.float32
    t = abs(z)
    s = z * z
    near = s * f32(-5.96761703e-4) + f32(4.99119423e-3)
    near = near * s + f32(-2.67681349e-2)
    near = near * s + f32(1.12819925e-1)
    near = near * s + f32(-3.76125336e-1)
    near = near * s + f32(1.28379166e-1)
    near = near * z + z
    far = f32(1) - e
    far = -far if z < f32(0) else far
    return f32(0.5) * (f32(1) + (far if t > f32(0.927734375) else near))


erf_far_exponent: Callable[[Any], Any] = _erf_far_exponent_source
gelu_cdf: Callable[[Any, Any], Any] = _gelu_cdf_source
"""The scalar steps of exact GELU in float32, shared by the training kernels here and the
inference kernels (:mod:`dfdx._inference`): replaced by their compiled forms, inlined, by
:func:`compile_gelu_steps` before any kernel calling them compiles."""


def compile_gelu_steps() -> None:
    """Compile :data:`erf_far_exponent` and :data:`gelu_cdf` (inlined where called)."""
    global erf_far_exponent, gelu_cdf
    if erf_far_exponent is _erf_far_exponent_source:
        inline = _KERNELS["numba"].njit(inline="always", error_model="numpy")
        erf_far_exponent = inline(_erf_far_exponent_source)
        gelu_cdf = inline(_gelu_cdf_source)


def _gelu_far_source(a: Any, r: Any) -> None:  # pragma: no cover
    # r = the exponent of erf's far branch at z = a / sqrt(2), for every element; NumPy's
    # exp follows
    for i in range(a.size):
        r[i] = erf_far_exponent(abs(a[i] * xp.float32(0.7071067811865476)))


def _gelu_combine_source(a: Any, e: Any, y: Any) -> None:  # pragma: no cover
    # e holds exp(r) (see _gelu_far_source) and receives the cdf; y = a * cdf
    for i in range(a.size):
        x = a[i]
        c = gelu_cdf(x * xp.float32(0.7071067811865476), e[i])
        e[i] = c
        y[i] = x * c


def _gelu_grad_exponent_source(a: Any, d: Any) -> None:  # pragma: no cover
    f32 = xp.float32
    for i in range(a.size):
        d[i] = a[i] * a[i] * f32(-0.5)


def _gelu_grad_combine_source(a: Any, cdf: Any, g: Any, d: Any) -> None:  # pragma: no cover
    # d holds exp(-a**2 / 2); the gradient g * (cdf + a * pdf(a)) in NumPy's pass order.
    f32 = xp.float32
    for i in range(a.size):
        d[i] = (d[i] * a[i] * f32(0.3989422804014327) + cdf[i]) * g[i]


def _jit(name: str, source: Callable[..., None]) -> Callable[..., None]:
    if name not in _KERNELS:
        jit = _KERNELS["numba"].njit(cache=True, nogil=True, error_model="numpy")
        _KERNELS[name] = jit(source)
    kernel: Callable[..., None] = _KERNELS[name]
    return kernel


def gelu_forward_float32() -> Callable[[Array, Array, Array], None] | None:
    """Exact GELU's forward ``(a, y, cdf)`` on flat contiguous float32 arrays (writes ``y``
    and ``cdf``), or None without Numba: two compiled passes that vectorize (no branch, no
    ``exp`` call in them) around NumPy's vectorized ``exp``, ~4x one compiled loop that
    calls ``exp`` per element."""
    if not enabled():
        return None
    compile_gelu_steps()
    far = _jit("gelu_far", _gelu_far_source)
    combine = _jit("gelu_combine", _gelu_combine_source)

    def forward(a: Array, y: Array, cdf: Array) -> None:
        far(a, cdf)
        xp.exp(cdf, out=cdf)
        combine(a, cdf, y)

    return forward


def gelu_grad_float32() -> Callable[[Array, Array, Array, Array], None] | None:
    """Exact GELU's gradient ``(a, cdf, g, out)`` on flat contiguous float32 arrays: ``out =
    g * (cdf + a * pdf(a))`` in three passes (NumPy's ``exp`` between two compiled ones)
    instead of seven; None without Numba."""
    if not enabled():
        return None
    exponent = _jit("gelu_grad_exponent", _gelu_grad_exponent_source)
    combine = _jit("gelu_grad_combine", _gelu_grad_combine_source)

    def grad(a: Array, cdf: Array, g: Array, out: Array) -> None:
        exponent(a, out)
        xp.exp(out, out=out)
        combine(a, cdf, g, out)

    return grad


def _softmax_shift_source(s: Any, masked: bool) -> None:  # pragma: no cover
    # Each row of a 2-d array minus its largest element, in place; with masked, a row whose
    # largest element is not finite (every key masked: -inf) is left as it is. NumPy's max
    # propagates NaN, this one only a leading NaN: a row with a NaN ends NaN either way.
    rows, cols = s.shape
    for i in range(rows):
        m = s[i, 0]
        for j in range(1, cols):
            v = s[i, j]
            m = v if v > m else m
        if masked and not (m > -xp.inf and m < xp.inf):
            m = s.dtype.type(0)
        for j in range(cols):
            s[i, j] -= m


def _softmax_normalize_source(p: Any, masked: bool) -> None:  # pragma: no cover
    # Each row divided by its sum, in place; with masked, a row summing to 0 stays 0.
    rows, cols = p.shape
    for i in range(rows):
        z = p.dtype.type(0)
        for j in range(cols):
            z += p[i, j]
        if masked and z == 0:
            z = p.dtype.type(1)
        for j in range(cols):
            p[i, j] /= z


def _softmax_backward_source(gp: Any, p: Any, scale: Any) -> None:  # pragma: no cover
    # Softmax's backward in place on gp: (gp - rowsum(gp * p)) * p * scale.
    rows, cols = gp.shape
    for i in range(rows):
        r = gp.dtype.type(0)
        for j in range(cols):
            r += gp[i, j] * p[i, j]
        for j in range(cols):
            gp[i, j] = (gp[i, j] - r) * p[i, j] * scale


def softmax_rows() -> tuple[Callable[..., None], Callable[..., None], Callable[..., None]] | None:
    """Attention's softmax on the rows of C-contiguous 2-d float arrays, in place: ``shift
    (s, masked)`` (minus each row's maximum), ``normalize(p, masked)`` (divided by each row's
    sum) and ``backward(gp, p, scale)``; None without Numba. One pass each where NumPy
    takes two to four (and its maximum over short rows is slow); the sums are compiled
    with reassociation allowed (``fastmath={"reassoc"}``) so that they vectorize: another
    order than NumPy's, equal up to rounding."""
    if not enabled():
        return None
    if "softmax" not in _KERNELS:
        numba = _KERNELS["numba"]
        plain = numba.njit(cache=True, nogil=True, error_model="numpy")
        sums = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})
        _KERNELS["softmax"] = (
            plain(_softmax_shift_source),
            sums(_softmax_normalize_source),
            sums(_softmax_backward_source),
        )
    kernels: tuple[Callable[..., None], Callable[..., None], Callable[..., None]]
    kernels = _KERNELS["softmax"]
    return kernels


def _layer_norm_forward_source(
    a: Any, w: Any, b: Any, eps: Any, y: Any, xhat: Any, rstd: Any, keep: bool
) -> None:  # pragma: no cover
    # Per row of a (M, D): xhat = (a - mean) * rstd, rstd = 1 / sqrt(var + eps), y = xhat * w + b.
    # Two read-only passes (the mean, the variance), then one that writes; xhat only where
    # ``keep`` (inference keeps nothing for a backward pass and passes y as xhat).
    rows, d = a.shape
    inv_d = a.dtype.type(1.0 / d)  # a float32 scalar: a float64 one would widen every row
    for i in range(rows):
        row = a[i]
        s = a.dtype.type(0)
        for j in range(d):
            s += row[j]
        mean = s * inv_d
        v = a.dtype.type(0)
        for j in range(d):
            c = row[j] - mean
            v += c * c
        r = a.dtype.type(1) / xp.sqrt(v * inv_d + eps)  # in a's dtype: float32 vectorizes
        rstd[i] = r
        if keep:
            for j in range(d):
                h = (row[j] - mean) * r
                xhat[i, j] = h
                y[i, j] = h * w[j] + b[j]
        else:
            for j in range(d):
                y[i, j] = (row[j] - mean) * r * w[j] + b[j]


def _layer_norm_backward_source(
    g: Any, xhat: Any, rstd: Any, w: Any, dx: Any, dw: Any, db: Any
) -> None:  # pragma: no cover
    # dx = rstd * (g w - mean(g w) - xhat * mean(g w xhat)) per row; dw = sum(g xhat) and
    # db = sum(g) over the rows (dw and db start at zero).
    rows, d = g.shape
    inv_d = g.dtype.type(1.0 / d)
    for i in range(rows):
        m1 = g.dtype.type(0)
        m2 = g.dtype.type(0)
        for j in range(d):
            gw = g[i, j] * w[j]
            m1 += gw
            m2 += gw * xhat[i, j]
            dw[j] += g[i, j] * xhat[i, j]
            db[j] += g[i, j]
        r = rstd[i]
        m1 *= inv_d
        m2 *= inv_d
        for j in range(d):
            dx[i, j] = (g[i, j] * w[j] - m1 - xhat[i, j] * m2) * r


def layer_norm() -> tuple[Callable[..., None], Callable[..., None]] | None:
    """Layer norm's forward ``(a, w, b, eps, y, xhat, rstd, keep)`` (xhat written only where
    ``keep``) and backward ``(g, xhat, rstd, w, dx, dw, db)`` on C-contiguous ``(M, D)``
    float arrays, one pass over the rows each, or None without Numba. Compiled with
    reassociation allowed (``fastmath={"reassoc"}``), so that the row sums vectorize: sums in
    another order than NumPy's, equal up to rounding."""
    if not enabled():
        return None
    if "layer_norm" not in _KERNELS:
        jit = _KERNELS["numba"].njit(
            cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"}
        )
        _KERNELS["layer_norm"] = (
            jit(_layer_norm_forward_source),
            jit(_layer_norm_backward_source),
        )
    kernels: tuple[Callable[..., None], Callable[..., None]] = _KERNELS["layer_norm"]
    return kernels


def _bias_relu_source(h: Any, b: Any) -> None:  # pragma: no cover
    # h (M, N) = max(h + b, 0) in place (NaN stays NaN, as NumPy's maximum keeps it)
    rows, cols = h.shape
    zero = h.dtype.type(0)
    for i in range(rows):
        for j in range(cols):
            x = h[i, j] + b[j]
            h[i, j] = zero if x <= zero else x


def relu_feed_forward() -> tuple[Callable[[Array, Array], None], Callable[..., None]] | None:
    """The hidden layer of :func:`dfdx.ops.linalg.relu_feed_forward` on C-contiguous 2-d
    float arrays, in place, one pass each: ``bias_relu(h, b)`` (the bias added and the ReLU,
    after the product) and ``grad(gh, h, db)`` (the ReLU's mask on the hidden gradient and
    the bias's gradient, its column sums, into ``db``); None without Numba."""
    if not enabled():
        return None
    forward = _jit("relu_ff.bias_relu", _bias_relu_source)
    backward = _jit("relu_ff.mask_in_place", _relu_mask_in_place_source)
    return forward, backward


def _relu_mask_in_place_source(g: Any, y: Any, db: Any) -> None:  # pragma: no cover
    # _relu_mask_cols_source with gp = g, as its own kernel: called with one array as both
    # g and gp, that kernel fails the overlap check LLVM puts before its vectorized loop
    # and runs the scalar one (~300 us against ~65 for a (1024, 512) float32 gradient)
    rows, cols = g.shape
    one = g.dtype.type(1)
    zero = g.dtype.type(0)
    for j in range(cols):
        db[j] = zero
    for i in range(rows):
        for j in range(cols):
            v = g[i, j] * (one if y[i, j] > zero else zero)
            g[i, j] = v
            db[j] += v


def _relu_source(a: Any, y: Any) -> None:  # pragma: no cover
    # y = max(a, 0), as NumPy's maximum(a, 0) gives it: NaN stays NaN, -0.0 becomes 0.0
    zero = a.dtype.type(0)
    for i in range(a.size):
        x = a[i]
        y[i] = zero if x <= zero else x


def _relu_grad_source(g: Any, a: Any, out: Any) -> None:  # pragma: no cover
    # out = g * (a > 0), a product as NumPy's (an infinite or NaN g at a masked entry: NaN)
    one = g.dtype.type(1)
    zero = g.dtype.type(0)
    for i in range(g.size):
        out[i] = g[i] * (one if a[i] > zero else zero)


RELU_MIN_SIZE = 4096
"""From this many elements :func:`dfdx.ops.unary.relu` takes the compiled passes: one pass
each way where NumPy's backward makes two (a bool mask, then a product that casts it), and
NumPy's ``maximum`` with a scalar is slower than the loop; below it, the call's own cost
(~1 us) is what counts."""


def relu() -> tuple[Callable[[Array, Array], None], Callable[[Array, Array, Array], None]] | None:
    """ReLU's forward ``(a, y)`` and gradient ``(g, a, out)`` on flat contiguous float
    arrays of one dtype, or None without Numba."""
    if not enabled():
        return None
    return _jit("relu.forward", _relu_source), _jit("relu.grad", _relu_grad_source)


def _bias_relu_rows_source(t: Any, b: Any) -> None:  # pragma: no cover
    # t (N, M) = max(t + b[:, None], 0) in place: a layer's output kept transposed, one row
    # per output feature (NaN stays NaN, as in _bias_relu_source)
    rows, cols = t.shape
    zero = t.dtype.type(0)
    for j in range(rows):
        bj = b[j]
        for i in range(cols):
            x = t[j, i] + bj
            t[j, i] = zero if x <= zero else x


def _thin_linear_relu_source(w: Any, x: Any, b: Any, out: Any) -> None:  # pragma: no cover
    # out (N, O) = max(x (N, K) @ w (O, K).T + b, 0), both operands read along their rows
    # (no packing: x stays in cache while each block of 4 rows of w streams through once).
    # 4 x 4 outputs per pass over K, each a sum the loop vectorizes (compiled with
    # reassociation); then the bias and the ReLU in one pass over out's rows (NaN stays
    # NaN, as in _bias_relu_source).
    rows, k_size = w.shape
    cols = x.shape[0]
    zero = out.dtype.type(0)
    rows4 = rows - rows % 4
    cols4 = cols - cols % 4
    for o in range(0, rows, 4):
        if o < rows4:
            w0, w1, w2, w3 = w[o], w[o + 1], w[o + 2], w[o + 3]
            for j in range(0, cols4, 4):
                x0, x1, x2, x3 = x[j], x[j + 1], x[j + 2], x[j + 3]
                s00 = s01 = s02 = s03 = zero
                s10 = s11 = s12 = s13 = zero
                s20 = s21 = s22 = s23 = zero
                s30 = s31 = s32 = s33 = zero
                for k in range(k_size):
                    p0, p1, p2, p3 = w0[k], w1[k], w2[k], w3[k]
                    q0, q1, q2, q3 = x0[k], x1[k], x2[k], x3[k]
                    s00 += p0 * q0
                    s01 += p0 * q1
                    s02 += p0 * q2
                    s03 += p0 * q3
                    s10 += p1 * q0
                    s11 += p1 * q1
                    s12 += p1 * q2
                    s13 += p1 * q3
                    s20 += p2 * q0
                    s21 += p2 * q1
                    s22 += p2 * q2
                    s23 += p2 * q3
                    s30 += p3 * q0
                    s31 += p3 * q1
                    s32 += p3 * q2
                    s33 += p3 * q3
                out[j, o], out[j, o + 1], out[j, o + 2], out[j, o + 3] = s00, s10, s20, s30
                out[j + 1, o], out[j + 1, o + 1] = s01, s11
                out[j + 1, o + 2], out[j + 1, o + 3] = s21, s31
                out[j + 2, o], out[j + 2, o + 1] = s02, s12
                out[j + 2, o + 2], out[j + 2, o + 3] = s22, s32
                out[j + 3, o], out[j + 3, o + 1] = s03, s13
                out[j + 3, o + 2], out[j + 3, o + 3] = s23, s33
        for i in range(o, min(o + 4, rows)):
            # what the blocks left: the last rows of x, and every row for the last rows of w
            for j in range(cols4 if i < rows4 else 0, cols):
                s = zero
                for k in range(k_size):
                    s += w[i, k] * x[j, k]
                out[j, i] = s
    for j in range(cols):
        for i in range(rows):
            v = out[j, i] + b[i]
            out[j, i] = zero if v <= zero else v


def _thin_weight_grad_source(g: Any, x: Any, out: Any) -> None:  # pragma: no cover
    # out (O, K) = g (O, N) @ x (N, K) for a thin batch (few N): a weight's gradient from
    # its output's gradient (g: its transpose, a view, where the layer keeps (n, out)); g's
    # values are read one by one, outside the inner loops. Each block of 4 rows of out is written
    # once per 8 rows of x while it stays in cache (no zero fill first, as OpenBLAS's
    # beta = 0 makes); the loops over K vectorize. Sums in the order written (products
    # fused into multiply-adds).
    rows, cols = g.shape
    k_size = x.shape[1]
    rows4 = rows - rows % 4
    cols8 = cols - cols % 8
    for o in range(0, rows4, 4):
        g0 = g[o]
        g1 = g[o + 1]
        g2 = g[o + 2]
        g3 = g[o + 3]
        r0 = out[o]
        r1 = out[o + 1]
        r2 = out[o + 2]
        r3 = out[o + 3]
        for j in range(0, cols8, 8):
            x0 = x[j]
            x1 = x[j + 1]
            x2 = x[j + 2]
            x3 = x[j + 3]
            x4 = x[j + 4]
            x5 = x[j + 5]
            x6 = x[j + 6]
            x7 = x[j + 7]
            c0_0 = g0[j]
            c0_1 = g0[j + 1]
            c0_2 = g0[j + 2]
            c0_3 = g0[j + 3]
            c0_4 = g0[j + 4]
            c0_5 = g0[j + 5]
            c0_6 = g0[j + 6]
            c0_7 = g0[j + 7]
            c1_0 = g1[j]
            c1_1 = g1[j + 1]
            c1_2 = g1[j + 2]
            c1_3 = g1[j + 3]
            c1_4 = g1[j + 4]
            c1_5 = g1[j + 5]
            c1_6 = g1[j + 6]
            c1_7 = g1[j + 7]
            c2_0 = g2[j]
            c2_1 = g2[j + 1]
            c2_2 = g2[j + 2]
            c2_3 = g2[j + 3]
            c2_4 = g2[j + 4]
            c2_5 = g2[j + 5]
            c2_6 = g2[j + 6]
            c2_7 = g2[j + 7]
            c3_0 = g3[j]
            c3_1 = g3[j + 1]
            c3_2 = g3[j + 2]
            c3_3 = g3[j + 3]
            c3_4 = g3[j + 4]
            c3_5 = g3[j + 5]
            c3_6 = g3[j + 6]
            c3_7 = g3[j + 7]
            if j == 0:
                for k in range(k_size):
                    y0 = x0[k]
                    y1 = x1[k]
                    y2 = x2[k]
                    y3 = x3[k]
                    y4 = x4[k]
                    y5 = x5[k]
                    y6 = x6[k]
                    y7 = x7[k]
                    r0[k] = (
                        c0_0 * y0
                        + c0_1 * y1
                        + c0_2 * y2
                        + c0_3 * y3
                        + c0_4 * y4
                        + c0_5 * y5
                        + c0_6 * y6
                        + c0_7 * y7
                    )
                    r1[k] = (
                        c1_0 * y0
                        + c1_1 * y1
                        + c1_2 * y2
                        + c1_3 * y3
                        + c1_4 * y4
                        + c1_5 * y5
                        + c1_6 * y6
                        + c1_7 * y7
                    )
                    r2[k] = (
                        c2_0 * y0
                        + c2_1 * y1
                        + c2_2 * y2
                        + c2_3 * y3
                        + c2_4 * y4
                        + c2_5 * y5
                        + c2_6 * y6
                        + c2_7 * y7
                    )
                    r3[k] = (
                        c3_0 * y0
                        + c3_1 * y1
                        + c3_2 * y2
                        + c3_3 * y3
                        + c3_4 * y4
                        + c3_5 * y5
                        + c3_6 * y6
                        + c3_7 * y7
                    )
            else:
                for k in range(k_size):
                    y0 = x0[k]
                    y1 = x1[k]
                    y2 = x2[k]
                    y3 = x3[k]
                    y4 = x4[k]
                    y5 = x5[k]
                    y6 = x6[k]
                    y7 = x7[k]
                    r0[k] += (
                        c0_0 * y0
                        + c0_1 * y1
                        + c0_2 * y2
                        + c0_3 * y3
                        + c0_4 * y4
                        + c0_5 * y5
                        + c0_6 * y6
                        + c0_7 * y7
                    )
                    r1[k] += (
                        c1_0 * y0
                        + c1_1 * y1
                        + c1_2 * y2
                        + c1_3 * y3
                        + c1_4 * y4
                        + c1_5 * y5
                        + c1_6 * y6
                        + c1_7 * y7
                    )
                    r2[k] += (
                        c2_0 * y0
                        + c2_1 * y1
                        + c2_2 * y2
                        + c2_3 * y3
                        + c2_4 * y4
                        + c2_5 * y5
                        + c2_6 * y6
                        + c2_7 * y7
                    )
                    r3[k] += (
                        c3_0 * y0
                        + c3_1 * y1
                        + c3_2 * y2
                        + c3_3 * y3
                        + c3_4 * y4
                        + c3_5 * y5
                        + c3_6 * y6
                        + c3_7 * y7
                    )
    for i in range(rows):
        # what the blocks left: the last rows of x for the blocks' rows, every row of x
        # for the last rows of out
        r = out[i]
        for j in range(cols8 if i < rows4 else 0, cols):
            xj = x[j]
            a = g[i, j]
            if j == 0:
                for k in range(k_size):
                    r[k] = a * xj[k]
            else:
                for k in range(k_size):
                    r[k] += a * xj[k]


def _relu_mask_cols_source(g: Any, y: Any, gp: Any, db: Any) -> None:  # pragma: no cover
    # gp = g * (y > 0) (a product: an infinite or NaN g at a masked entry gives NaN, as
    # NumPy's); db = gp's column sums, row after row as NumPy's sum(axis=0)
    rows, cols = g.shape
    one = g.dtype.type(1)
    zero = g.dtype.type(0)
    for j in range(cols):
        db[j] = zero
    for i in range(rows):
        for j in range(cols):
            v = g[i, j] * (one if y[i, j] > zero else zero)
            gp[i, j] = v
            db[j] += v


def _relu_mask_rows_source(g: Any, y: Any, gp: Any, db: Any) -> None:  # pragma: no cover
    # The same on transposed arrays (one row per feature): db = gp's row sums
    rows, cols = g.shape
    one = g.dtype.type(1)
    zero = g.dtype.type(0)
    for j in range(rows):
        s = zero
        for i in range(cols):
            v = g[j, i] * (one if y[j, i] > zero else zero)
            gp[j, i] = v
            s += v
        db[j] = s


def linear_relu() -> tuple[Callable[..., None], ...] | None:
    """The kernels of :func:`dfdx.ops.linalg.linear_relu` on 2-d float arrays, one pass
    each, or None without Numba: ``bias_relu(h, b)`` and ``bias_relu_rows(t, b)`` (the bias
    and the ReLU in place, on the output or on its transpose), ``mask_cols(g, y, gp, db)``
    and ``mask_rows(g, y, gp, db)`` (the ReLU's mask on the output's gradient into ``gp``,
    and the bias's gradient into ``db``, on the output or on transposes), and
    ``thin_forward(w, x, b, out)``, the whole layer on a thin batch (``out = max(x @ w.T
    + b, 0)``, ``x`` and ``w`` C-contiguous: see :data:`dfdx.ops.linalg.SMALL_BATCH`) and
    ``thin_weight_grad(g, x, out)``, its weight's gradient ``g @ x`` (``x`` C-contiguous,
    ``g`` of any layout). The row sums and the products are compiled with
    reassociation allowed (``fastmath={"reassoc"}``, and ``"contract"`` for the products'
    fused multiply-adds), so that they vectorize: sums in another order than NumPy's and
    BLAS's, equal up to rounding."""
    if not enabled():
        return None
    if "linear_relu" not in _KERNELS:
        numba = _KERNELS["numba"]
        sums = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})
        products = numba.njit(
            cache=True, nogil=True, error_model="numpy", fastmath={"reassoc", "contract"}
        )
        _KERNELS["linear_relu"] = (
            _jit("relu_ff.bias_relu", _bias_relu_source),
            _jit("linear_relu.bias_relu_rows", _bias_relu_rows_source),
            _jit("linear_relu.mask_cols", _relu_mask_cols_source),
            sums(_relu_mask_rows_source),
            products(_thin_linear_relu_source),
            numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})(
                _thin_weight_grad_source
            ),
        )
    kernels: tuple[Callable[..., None], ...] = _KERNELS["linear_relu"]
    return kernels


def one_blas_thread() -> bool:
    """Whether BLAS runs on one thread, as OpenBLAS reads it from the environment when NumPy
    loads it (``OPENBLAS_NUM_THREADS``, else ``GOTO_NUM_THREADS``, else ``OMP_NUM_THREADS``,
    else every core the process may use). The compiled thin-batch products of
    :func:`linear_relu` run on one thread: they beat OpenBLAS there, not where OpenBLAS
    splits the product over several cores (an MLP at batch 32 on 2 cores: ~1040 steps/s
    with them against ~1300 with OpenBLAS)."""
    if "one_blas_thread" not in _KERNELS:
        for name in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"):
            value = os.environ.get(name, "").strip()
            if value:
                _KERNELS["one_blas_thread"] = value == "1"
                break
        else:
            affinity = getattr(os, "sched_getaffinity", None)  # Linux only
            cores = len(affinity(0)) if affinity is not None else os.cpu_count()
            _KERNELS["one_blas_thread"] = cores == 1
    return bool(_KERNELS["one_blas_thread"])


def _cross_entropy_labels_source(a: Any, labels: Any, p: Any) -> Any:  # pragma: no cover
    # Rows of a (N, C) against int labels: p = softmax(a) per row, and the sum over the rows
    # of logsumexp(a) - a[label] (float64); NaN where a label is outside [0, C), for the
    # caller to take the checked path.
    rows, c = a.shape
    total = 0.0
    for i in range(rows):
        label = labels[i]
        if label < 0 or label >= c:
            return xp.nan
        m = a[i, 0]
        for j in range(1, c):
            v = a[i, j]
            m = v if v > m else m
        s = a.dtype.type(0)
        for j in range(c):
            e = xp.exp(a[i, j] - m)
            p[i, j] = e
            s += e
        r = a.dtype.type(1) / s
        for j in range(c):
            p[i, j] *= r
        total += xp.log(s) - (a[i, label] - m)
    return total


def _cross_entropy_labels_grad_source(
    p: Any, labels: Any, scale: Any, out: Any
) -> None:  # pragma: no cover
    # out = (p - one_hot(labels)) * scale
    rows, c = p.shape
    for i in range(rows):
        for j in range(c):
            out[i, j] = p[i, j] * scale
        out[i, labels[i]] = (p[i, labels[i]] - p.dtype.type(1)) * scale


CROSS_ENTROPY_MAX_CLASSES = 16
"""Up to this many classes the cross-entropy on labels is one compiled pass each way,
whatever the number of rows (forward and backward: 11 us against 26 for NumPy's ~15 calls
at (32, 10); 0.36 against 0.75 ms at (8192, 10)): NumPy's reductions over short rows are
slow. From ~32 classes NumPy's vectorized ``exp`` makes its passes as fast or faster (1024
rows: even at 32 classes, 1.4x faster at 64). The class count alone decides, so a batch
and its halves (data-parallel ranks) take the same path."""


def cross_entropy_labels() -> tuple[Callable[..., Any], Callable[..., None]] | None:
    """Cross-entropy of the rows of a C-contiguous 2-d float array against int labels:
    ``forward(a, labels, p)`` (writes the softmax into ``p``, returns the sum of the rows'
    losses, NaN for a label out of range) and ``grad(p, labels, scale, out)``; None without
    Numba."""
    kernels = _KERNELS.get("cross_entropy")  # the pair, built once: this runs every step
    if kernels is None:
        if not enabled():
            return None
        kernels = _KERNELS["cross_entropy"] = (
            _jit("cross_entropy.labels", _cross_entropy_labels_source),
            _jit("cross_entropy.labels_grad", _cross_entropy_labels_grad_source),
        )
    return kernels
