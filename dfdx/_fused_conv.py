"""Convolution and max-pooling kernels compiled with Numba, when it is installed (the
``fast`` extra; :func:`dfdx._fused.enabled` decides, ``DFDX_NO_NUMBA=1`` turns them off).
``dfdx/ops/conv.py`` has a NumPy path for each and picks these when they are there:

- ``add_runs``: col2im's sums of stride 1 (see ``_col2im`` there), each grid row of a
  channel kept in cache while every kernel position adds its run (NumPy: one pass over the
  whole block per kernel position; ~5x slower on the benchmark's conv);

- ``max_pool``: each window's largest value and its position in one pass (NumPy: a padded
  copy, ``argmax`` over a window view, ``take_along_axis``);
- ``max_pool_grad``: the gradient sent back through those positions in one pass (NumPy:
  index arithmetic and ``bincount`` in float64);
- ``winograd_input``, ``winograd_output``, ``winograd_grad``, ``winograd_input_grad``:
  Winograd F(2x2, 3x3)'s transforms and their transposes (``dfdx/ops/_winograd.py``; without
  Numba those convolutions take the im2col path).

A window's geometry is ``g = (kh, kw, sh, sw, ph, pw)``: kernel, stride and padding. The
kernels compile on first use (a few seconds) and are cached on disk.

Measured and not kept: compiled im2col and col2im loops (rows of ``Wo`` values) were 2-3x
slower than NumPy's strided copy and its runs of the flattened grid (see ``_col2im``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from dfdx import _fused
from dfdx._backend import xp

_KERNELS: dict[str, Callable[..., None]] = {}


def _add_runs_source(part: Any, wp: int, dh: int, dw: int, grid: Any) -> None:  # pragma: no cover
    n, kh, kw, c, m = part.shape
    for b in range(n):
        for ch in range(c):
            row = grid[b, ch]
            for i in range(kh):
                for j in range(kw):
                    off = i * dh * wp + j * dw
                    src = part[b, i, j, ch]
                    dst = row[off : off + m]
                    for q in range(m):
                        dst[q] += src[q]


def _max_pool_source(x: Any, g: Any, y: Any, at: Any) -> None:  # pragma: no cover
    n, c, h, w = x.shape
    ho, wo = y.shape[2], y.shape[3]
    kh, kw, sh, sw, ph, pw = g[0], g[1], g[2], g[3], g[4], g[5]
    # planes as flat rows: ~25% faster than indexing (b, ch, row, column)
    xs, ys, ats = x.reshape(n * c, h * w), y.reshape(n * c, ho * wo), at.reshape(n * c, ho * wo)
    for p in range(n * c):
        src, dst, pos = xs[p], ys[p], ats[p]
        for oy in range(ho):
            y0 = oy * sh - ph
            y1 = min(y0 + kh, h)
            y0 = max(y0, 0)
            for ox in range(wo):
                x0 = ox * sw - pw
                x1 = min(x0 + kw, w)
                x0 = max(x0, 0)
                where = y0 * w + x0
                best = src[where]
                for yy in range(y0, y1):
                    for xx in range(yy * w + x0, yy * w + x1):
                        v = src[xx]
                        # the first largest value; the first NaN, as NumPy's argmax
                        if v > best or (v != v and best == best):
                            best = v
                            where = xx
                dst[oy * wo + ox] = best
                pos[oy * wo + ox] = where


def _max_pool_grad_source(g: Any, at: Any, gx: Any) -> None:  # pragma: no cover
    n, c = g.shape[:2]
    m = g.shape[2] * g.shape[3]
    gs, ats = g.reshape(n * c, m), at.reshape(n * c, m)
    gxs = gx.reshape(n * c, gx.shape[2])
    for p in range(n * c):
        src, pos, dst = gs[p], ats[p], gxs[p]
        for o in range(m):
            dst[pos[o]] += src[o]


# ---- Winograd F(2x2, 3x3) transforms (see dfdx/ops/_winograd.py) ----------------------------
# A transformed block is (16, C, N, slots), its 16 rows the positions (a, b) of a tile's 4 x 4
# transform, a * 4 + b. A plane's tiles are numbered ty * (tw + 1) + tx: each row of tiles has
# one slot more than it has tiles, so that tile f's window starts at 2 * f in a plane buffer
# of rows 2 * (tw + 1) wide, its rows split by parity. Every loop then runs over a whole
# plane's tiles at unit (or 2) stride, long enough to vectorize (a row of 14 tiles is shorter
# than one AVX-512 vector). The spare slot of each row is zero in the output gradient's
# transform (and so in the input gradient's); the input and output transforms compute and
# drop a value there.


def _winograd_input_source(
    x: Any, ph: int, pw: int, th: int, tw: int, v: Any
) -> None:  # pragma: no cover
    # v[:, c, n] = B^T d B for every 4 x 4 tile d (stride 2) of x[n, c] padded by (ph, pw)
    n_, c_, h, w = x.shape
    hb, wb = 2 * th + 2, 2 * tw + 2
    tp = tw + 1
    t = th * tp
    # the padded plane, rows by parity (row i at [i % 2, i // 2]), one spare zero row each:
    # the padding stays zero from plane to plane
    plane = xp.zeros((2, th + 2, wb), x.dtype)
    flat = plane.reshape(2, (th + 2) * wb)
    hs = xp.empty((2, 4, (th + 1) * tp), x.dtype)  # d B along each row, by the row's parity
    for n in range(n_):
        for c in range(c_):
            src = x[n, c]
            for k in range(min(h, hb - ph)):
                i = k + ph
                row, s = plane[i % 2, i // 2, pw:], src[k]  # a slice: see f + tp below
                for j in range(min(w, wb - pw)):
                    row[j] = s[j]
            for par in range(2):  # times B: a tile's columns 2f .. 2f + 3
                p = flat[par]  # one array: offsets 2f + k are read as interleaved vectors
                h0, h1, h2, h3 = hs[par, 0], hs[par, 1], hs[par, 2], hs[par, 3]
                for f in range((th + 1) * tp):
                    h0[f] = p[2 * f] - p[2 * f + 2]
                    h1[f] = p[2 * f + 1] + p[2 * f + 2]
                    h2[f] = p[2 * f + 2] - p[2 * f + 1]
                    h3[f] = p[2 * f + 1] - p[2 * f + 3]
            for b in range(4):  # B^T times that: a tile's rows 2ty .. 2ty + 3
                e, o = hs[0, b], hs[1, b]
                e1, o1 = e[tp:], o[tp:]  # slices: an index f + tp is not vectorized
                d0, d1, d2, d3 = v[b, c, n], v[4 + b, c, n], v[8 + b, c, n], v[12 + b, c, n]
                for f in range(t):
                    d0[f] = e[f] - e1[f]
                    d1[f] = o[f] + e1[f]
                    d2[f] = e1[f] - o[f]
                    d3[f] = o[f] - o1[f]


def _winograd_output_source(
    m: Any, bias: Any, th: int, tw: int, y: Any
) -> None:  # pragma: no cover
    # y[n, o] = A^T m A + bias[o] for every tile of m[:, o, n], cut at the edges of y
    n_, o_, ho, wo = y.shape
    wb = 2 * tw + 2
    t = th * (tw + 1)
    s = xp.empty((2, 4, t), y.dtype)  # A^T m: a tile's top and bottom rows, by column
    out = xp.empty((2, th, wb), y.dtype)  # the output's rows by parity
    flat = out.reshape(2, th * wb)
    for n in range(n_):
        for o in range(o_):
            bo = bias[o]
            for b in range(4):
                m0, m1, m2, m3 = m[b, o, n], m[4 + b, o, n], m[8 + b, o, n], m[12 + b, o, n]
                top, bot = s[0, b], s[1, b]
                for f in range(t):
                    top[f] = m0[f] + m1[f] + m2[f]
                    bot[f] = m1[f] - m2[f] - m3[f]
            for par in range(2):  # times A, plus the bias
                s0, s1, s2, s3 = s[par, 0], s[par, 1], s[par, 2], s[par, 3]
                q = flat[par]
                for f in range(t):
                    q[2 * f] = s0[f] + s1[f] + s2[f] + bo
                    q[2 * f + 1] = s1[f] - s2[f] - s3[f] + bo
            dst = y[n, o]
            for i in range(ho):
                d, src = dst[i], out[i % 2, i // 2]
                for j in range(wo):
                    d[j] = src[j]


def _winograd_grad_source(
    g: Any, th: int, tw: int, dm: Any, total: Any
) -> None:  # pragma: no cover
    # dm[:, o, n] = A g A^T for every 2 x 2 tile g of g[n, o] (zeros past its edges, and in
    # each row's spare slot): the gradient of the output transform's input; total[o] += the
    # sums of g[:, o]'s columns
    n_, o_, ho, wo = g.shape
    wb = 2 * tw + 2
    t = th * (tw + 1)
    plane = xp.zeros((2, th, wb), g.dtype)  # g's rows by parity; past the edges: zeros
    flat = plane.reshape(2, th * wb)
    for n in range(n_):
        for o in range(o_):
            src, sums = g[n, o], total[o]
            for i in range(ho):
                d, s = plane[i % 2, i // 2], src[i]
                for j in range(wo):
                    d[j] = s[j]
                    sums[j] += s[j]
            # A g, row by row (g0, g0 + g1, g0 - g1, -g1), times A^T: a tile's columns 2f and
            # 2f + 1 read as interleaved vectors, four rows of dm a loop
            g0, g1 = flat[0], flat[1]
            d0, d1, d2, d3 = dm[0, o, n], dm[1, o, n], dm[2, o, n], dm[3, o, n]
            for f in range(t):
                c0, c1 = g0[2 * f], g0[2 * f + 1]
                d0[f] = c0
                d1[f] = c0 + c1
                d2[f] = c0 - c1
                d3[f] = -c1
            d0, d1, d2, d3 = dm[4, o, n], dm[5, o, n], dm[6, o, n], dm[7, o, n]
            for f in range(t):
                c0, c1 = g0[2 * f] + g1[2 * f], g0[2 * f + 1] + g1[2 * f + 1]
                d0[f] = c0
                d1[f] = c0 + c1
                d2[f] = c0 - c1
                d3[f] = -c1
            d0, d1, d2, d3 = dm[8, o, n], dm[9, o, n], dm[10, o, n], dm[11, o, n]
            for f in range(t):
                c0, c1 = g0[2 * f] - g1[2 * f], g0[2 * f + 1] - g1[2 * f + 1]
                d0[f] = c0
                d1[f] = c0 + c1
                d2[f] = c0 - c1
                d3[f] = -c1
            d0, d1, d2, d3 = dm[12, o, n], dm[13, o, n], dm[14, o, n], dm[15, o, n]
            for f in range(t):
                c0, c1 = -g1[2 * f], -g1[2 * f + 1]
                d0[f] = c0
                d1[f] = c0 + c1
                d2[f] = c0 - c1
                d3[f] = -c1


def _winograd_input_grad_source(
    dv: Any, ph: int, pw: int, th: int, tw: int, dx: Any
) -> None:  # pragma: no cover
    # dx[n, c] = the sum of B dv B^T over the tiles of dv[:, c, n], each added where its 4 x 4
    # window lies, without the padding (ph, pw): the gradient of the input transform's input.
    # dv's spare slots are zero (dv = U^T dM), so each row's spare slot adds nothing.
    n_, c_, h, w = dx.shape
    wb = 2 * tw + 2
    tp = tw + 1
    t = th * tp
    u = (th + 1) * tp
    hs = xp.zeros((2, 4, u), dx.dtype)  # B dv by the padded row's parity, by column
    plane = xp.empty((2, th + 1, wb), dx.dtype)  # the padded plane, rows by parity
    flat = plane.reshape(2, (th + 1) * wb)
    for n in range(n_):
        for c in range(c_):
            for b in range(4):  # the rows of B dv: v0, v1 - v2 + v3, v1 + v2 - v0, -v3
                v0, v1, v2, v3 = dv[b, c, n], dv[4 + b, c, n], dv[8 + b, c, n], dv[12 + b, c, n]
                e, o = hs[0, b], hs[1, b]  # rows 2ty and 2ty + 2, 2ty + 1 and 2ty + 3
                e1, o1 = e[tp:], o[tp:]
                for f in range(t):
                    e[f] = v0[f]
                    o[f] = v1[f] - v2[f] + v3[f]
                for f in range(t, u):
                    e[f] = 0
                    o[f] = 0
                for f in range(t):
                    e1[f] += v1[f] + v2[f] - v0[f]
                    o1[f] -= v3[f]
            for par in range(2):  # times B^T: a tile adds h0, h1 - h2 + h3, h1 + h2 - h0, -h3
                # to its columns 2f .. 2f + 3; column 2f gets tile f's first and tile f - 1's
                # third, column 2f + 1 tile f's second and tile f - 1's fourth
                h0, h1, h2, h3 = hs[par, 0], hs[par, 1], hs[par, 2], hs[par, 3]
                n0, n1, n2, n3 = h0[1:], h1[1:], h2[1:], h3[1:]  # tile f + 1's
                q = flat[par]
                q[0] = h0[0]
                q[1] = h1[0] - h2[0] + h3[0]
                for f in range(u - 1):
                    q[2 * f + 2] = n0[f] + (h1[f] + h2[f] - h0[f])
                    q[2 * f + 3] = (n1[f] - n2[f] + n3[f]) + -h3[f]
            dst = dx[n, c]
            for k in range(h):
                i = k + ph
                d, src = dst[k], plane[i % 2, i // 2, pw:]
                for j in range(w):
                    d[j] = src[j]


def _kernel(name: str) -> Callable[..., None] | None:
    """The compiled kernel ``name``, or None without Numba."""
    if not _fused.enabled():
        return None
    if name not in _KERNELS:
        numba = importlib.import_module("numba")
        jit = numba.njit(cache=True, nogil=True, error_model="numpy", boundscheck=False)
        _KERNELS[name] = jit(globals()[f"_{name}_source"])
    return _KERNELS[name]


def add_runs() -> Callable[[Any, int, int, int, Any], None] | None:
    """``(part, wp, dh, dw, grid)``: ``part`` ``(N, kh, kw, C, M)`` added onto ``grid`` ``(N,
    C, Hp * Wp)``, kernel position ``(i, j)``'s run at offset ``i * dh * wp + j * dw``."""
    return _kernel("add_runs")


def max_pool() -> Callable[[Any, Any, Any, Any], None] | None:
    """``(x, geometry, y, at)``: each window's largest value into ``y`` ``(N, C, Ho, Wo)``
    and its flat position in its ``(H, W)`` plane into ``at``."""
    return _kernel("max_pool")


def max_pool_grad() -> Callable[[Any, Any, Any], None] | None:
    """``(g, at, gx)``: ``g`` ``(N, C, Ho, Wo)`` added onto ``gx`` ``(N, C, H * W)`` at
    ``at``."""
    return _kernel("max_pool_grad")


def winograd_input() -> Callable[[Any, int, int, int, int, Any], None] | None:
    """``(x, ph, pw, th, tw, v)``: ``x`` ``(N, C, H, W)`` padded by ``(ph, pw)``, its ``th`` x
    ``tw`` tiles of 4 x 4 (stride 2) transformed into ``v`` ``(16, C, N, th * (tw + 1))`` (a
    spare slot after each row of tiles)."""
    return _kernel("winograd_input")


def winograd_output() -> Callable[[Any, Any, int, int, Any], None] | None:
    """``(m, bias, th, tw, y)``: the products ``m`` ``(16, O, N, th * (tw + 1))`` transformed
    back into ``y`` ``(N, O, Ho, Wo)`` (2 x 2 a tile), plus ``bias`` ``(O,)``."""
    return _kernel("winograd_output")


def winograd_grad() -> Callable[[Any, int, int, Any, Any], None] | None:
    """``(g, th, tw, dm, total)``: ``g`` ``(N, O, Ho, Wo)``, the output's gradient, sent
    back through the output transform into ``dm`` ``(16, O, N, th * (tw + 1))``, zero in
    the spare slots; its sums over samples and rows added onto ``total`` ``(O, Wo)``
    (float64: for the bias's gradient)."""
    return _kernel("winograd_grad")


def winograd_input_grad() -> Callable[[Any, int, int, int, int, Any], None] | None:
    """``(dv, ph, pw, th, tw, dx)``: ``dv`` ``(16, C, N, th * (tw + 1))``, zero in the spare
    slots, sent back through the input transform into ``dx`` ``(N, C, H, W)`` (without the
    padding ``(ph, pw)``)."""
    return _kernel("winograd_input_grad")
