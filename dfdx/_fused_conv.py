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
# The tiles of a plane are numbered ty * tw + tx; a transformed block is (16, C, N, tiles), its
# 16 rows the positions (a, b) of a tile's 4 x 4 transform, a * 4 + b (the input's: the whole
# batch, written from sample ``first`` on). A plane's 16 rows of
# tiles are read or written whole, as 1-d slices (loops Numba vectorizes; by computed flat
# positions it does not, nor loops as short as a row of tiles); the spatial side goes through
# small per-plane buffers, zero-filled for the padding and the edges of odd sizes.


def _winograd_input_source(
    x: Any, ph: int, pw: int, th: int, tw: int, v: Any, first: int
) -> None:  # pragma: no cover
    # v[:, c, first + n] = B^T d B for every 4 x 4 tile d (stride 2) of x[n, c] padded by (ph, pw)
    n_, c_, h, w = x.shape
    hb, wb = 2 * th + 2, 2 * tw + 2
    t = th * tw
    plane = xp.zeros((hb, wb), x.dtype)  # the padding stays zero from plane to plane
    r = xp.empty((4, wb), x.dtype)
    buf = xp.empty((16, th, tw), x.dtype)
    rows = buf.reshape(16, t)  # reshaped once: a reshape in the loop costs as much as the copy
    for n in range(n_):
        for c in range(c_):
            src = x[n, c]
            for i in range(min(h, hb - ph)):
                row, s = plane[i + ph], src[i]
                for j in range(min(w, wb - pw)):
                    row[j + pw] = s[j]
            for ty in range(th):
                d0, d1, d2, d3 = (
                    plane[2 * ty],
                    plane[2 * ty + 1],
                    plane[2 * ty + 2],
                    plane[2 * ty + 3],
                )
                for j in range(wb):  # the rows of B^T d
                    r[0, j] = d0[j] - d2[j]
                    r[1, j] = d1[j] + d2[j]
                    r[2, j] = d2[j] - d1[j]
                    r[3, j] = d1[j] - d3[j]
                for a in range(4):  # times B
                    for tx in range(tw):
                        buf[4 * a, ty, tx] = r[a, 2 * tx] - r[a, 2 * tx + 2]
                        buf[4 * a + 1, ty, tx] = r[a, 2 * tx + 1] + r[a, 2 * tx + 2]
                        buf[4 * a + 2, ty, tx] = r[a, 2 * tx + 2] - r[a, 2 * tx + 1]
                        buf[4 * a + 3, ty, tx] = r[a, 2 * tx + 1] - r[a, 2 * tx + 3]
            for k in range(16):
                dst, bk = v[k, c, first + n], rows[k]
                for f in range(t):
                    dst[f] = bk[f]


def _winograd_output_source(
    m: Any, bias: Any, th: int, tw: int, y: Any
) -> None:  # pragma: no cover
    # y[n, o] = A^T m A + bias[o] for every tile of m[:, o, n], cut at the edges of y
    n_, o_, ho, wo = y.shape
    t = th * tw
    s = xp.empty((8, t), y.dtype)
    out = xp.empty((th, 2, 2 * tw), y.dtype)
    rows = out.reshape(2 * th, 2 * tw)
    for n in range(n_):
        for o in range(o_):
            b = bias[o]
            for i in range(4):  # each row of m times A
                m0, m1, m2, m3 = (
                    m[4 * i, o, n],
                    m[4 * i + 1, o, n],
                    m[4 * i + 2, o, n],
                    m[4 * i + 3, o, n],
                )
                sa, sb = s[2 * i], s[2 * i + 1]
                for f in range(t):
                    sa[f] = m0[f] + m1[f] + m2[f]
                    sb[f] = m1[f] - m2[f] - m3[f]
            for ty in range(th):  # A^T times that, laid out as the output's rows
                for tx in range(tw):
                    f = ty * tw + tx
                    out[ty, 0, 2 * tx] = s[0, f] + s[2, f] + s[4, f] + b
                    out[ty, 0, 2 * tx + 1] = s[1, f] + s[3, f] + s[5, f] + b
                    out[ty, 1, 2 * tx] = s[2, f] - s[4, f] - s[6, f] + b
                    out[ty, 1, 2 * tx + 1] = s[3, f] - s[5, f] - s[7, f] + b
            dst = y[n, o]
            for i in range(ho):
                d, src = dst[i], rows[i]
                for j in range(wo):
                    d[j] = src[j]


def _winograd_grad_source(
    g: Any, th: int, tw: int, dm: Any, total: Any
) -> None:  # pragma: no cover
    # dm[:, o, n] = A g A^T for every 2 x 2 tile g of g[n, o] (zeros past its edges): the
    # gradient of the output transform's input; total[o] += the sums of g[:, o]'s columns
    n_, o_, ho, wo = g.shape
    t = th * tw
    plane = xp.zeros((2 * th, 2 * tw), g.dtype)  # past the edges: zeros
    r = xp.empty((8, th, tw), g.dtype)
    rows = r.reshape(8, t)
    for n in range(n_):
        for o in range(o_):
            src, sums = g[n, o], total[o]
            for i in range(ho):
                d, s = plane[i], src[i]
                for j in range(wo):
                    d[j] = s[j]
                    sums[j] += s[j]
            for ty in range(th):  # the rows of A g: g0, g0 + g1, g0 - g1, -g1
                for tx in range(tw):
                    a0, a1 = plane[2 * ty, 2 * tx], plane[2 * ty, 2 * tx + 1]
                    b0, b1 = plane[2 * ty + 1, 2 * tx], plane[2 * ty + 1, 2 * tx + 1]
                    r[0, ty, tx] = a0
                    r[1, ty, tx] = a1
                    r[2, ty, tx] = a0 + b0
                    r[3, ty, tx] = a1 + b1
                    r[4, ty, tx] = a0 - b0
                    r[5, ty, tx] = a1 - b1
                    r[6, ty, tx] = -b0
                    r[7, ty, tx] = -b1
            for i in range(4):  # times A^T
                c0, c1 = rows[2 * i], rows[2 * i + 1]
                d0, d1, d2, d3 = (
                    dm[4 * i, o, n],
                    dm[4 * i + 1, o, n],
                    dm[4 * i + 2, o, n],
                    dm[4 * i + 3, o, n],
                )
                for f in range(t):
                    d0[f] = c0[f]
                    d1[f] = c0[f] + c1[f]
                    d2[f] = c0[f] - c1[f]
                    d3[f] = -c1[f]


def _winograd_input_grad_source(
    dv: Any, ph: int, pw: int, th: int, tw: int, dx: Any
) -> None:  # pragma: no cover
    # dx[n, c] = the sum of B dv B^T over the tiles of dv[:, c, n], each added where its 4 x 4
    # window lies, without the padding (ph, pw): the gradient of the input transform's input
    n_, c_, h, w = dx.shape
    hb, wb = 2 * th + 2, 2 * tw + 2
    t = th * tw
    plane = xp.zeros((hb, wb), dx.dtype)
    e = xp.empty((16, t), dx.dtype)
    tiles = e.reshape(16, th, tw)
    for n in range(n_):
        for c in range(c_):
            plane[:, :] = 0
            for j in range(4):  # the rows of B dv: v0, v1 - v2 + v3, v1 + v2 - v0, -v3
                v0, v1, v2, v3 = dv[j, c, n], dv[4 + j, c, n], dv[8 + j, c, n], dv[12 + j, c, n]
                e0, e1, e2, e3 = e[j], e[4 + j], e[8 + j], e[12 + j]
                for f in range(t):
                    e0[f] = v0[f]
                    e1[f] = v1[f] - v2[f] + v3[f]
                    e2[f] = v1[f] + v2[f] - v0[f]
                    e3[f] = -v3[f]
            for a in range(4):  # times B^T: a window's four columns
                f0, f1, f2, f3 = e[4 * a], e[4 * a + 1], e[4 * a + 2], e[4 * a + 3]
                for f in range(t):
                    c1 = f1[f] - f2[f] + f3[f]
                    c2 = f1[f] + f2[f] - f0[f]
                    f1[f] = c1
                    f2[f] = c2
                    f3[f] = -f3[f]
            for ty in range(th):  # added onto the window's rows
                for a in range(4):
                    row = plane[2 * ty + a]
                    for tx in range(tw):  # two passes: neighbouring tiles overlap by 2 columns
                        row[2 * tx] += tiles[4 * a, ty, tx]
                        row[2 * tx + 1] += tiles[4 * a + 1, ty, tx]
                    for tx in range(tw):
                        row[2 * tx + 2] += tiles[4 * a + 2, ty, tx]
                        row[2 * tx + 3] += tiles[4 * a + 3, ty, tx]
            dst = dx[n, c]
            for i in range(h):
                d, src = dst[i], plane[i + ph]
                for j in range(w):
                    d[j] = src[j + pw]


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


def winograd_input() -> Callable[[Any, int, int, int, int, Any, int], None] | None:
    """``(x, ph, pw, th, tw, v, first)``: ``x`` ``(n, C, H, W)`` padded by ``(ph, pw)``, its
    ``th`` x ``tw`` tiles of 4 x 4 (stride 2) transformed into ``v`` ``(16, C, N, th * tw)``
    at samples ``first`` to ``first + n``."""
    return _kernel("winograd_input")


def winograd_output() -> Callable[[Any, Any, int, int, Any], None] | None:
    """``(m, bias, th, tw, y)``: the products ``m`` ``(16, O, N, th * tw)`` transformed back
    into ``y`` ``(N, O, Ho, Wo)`` (2 x 2 a tile), plus ``bias`` ``(O,)``."""
    return _kernel("winograd_output")


def winograd_grad() -> Callable[[Any, int, int, Any, Any], None] | None:
    """``(g, th, tw, dm, total)``: ``g`` ``(N, O, Ho, Wo)``, the output's gradient, sent
    back through the output transform into ``dm`` ``(16, O, N, th * tw)``; its sums over
    samples and rows added onto ``total`` ``(O, Wo)`` (float64: for the bias's gradient)."""
    return _kernel("winograd_grad")


def winograd_input_grad() -> Callable[[Any, int, int, int, int, Any], None] | None:
    """``(dv, ph, pw, th, tw, dx)``: ``dv`` ``(16, C, N, th * tw)`` sent back through the input
    transform into ``dx`` ``(N, C, H, W)`` (without the padding ``(ph, pw)``)."""
    return _kernel("winograd_input_grad")
