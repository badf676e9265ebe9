"""Convolution and max-pooling kernels compiled with Numba, when it is installed (the
``fast`` extra; :func:`dfdx._fused.enabled` decides, ``DFDX_NO_NUMBA=1`` turns them off).
``dfdx/ops/conv.py`` has a NumPy path for each and picks these when they are there:

- ``add_runs``: col2im's sums of stride 1 (see ``_col2im`` there), each grid row of a
  channel kept in cache while every kernel position adds its run (NumPy: one pass over the
  whole block per kernel position; ~5x slower on the benchmark's conv);

- ``max_pool``: each window's largest value and its position in one pass (NumPy: a padded
  copy, ``argmax`` over a window view, ``take_along_axis``);
- ``max_pool_grad``: the gradient sent back through those positions in one pass (NumPy:
  index arithmetic and ``bincount`` in float64).

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
