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


def _gelu_forward_source(a: Any, y: Any, cdf: Any) -> None:  # pragma: no cover
    # y = a * cdf, cdf = (1 + erf(a / sqrt(2))) / 2, erf in float32 arithmetic with
    # dfdx.ops._special.erf_float32's polynomials (the same branches, one element at a time).
    f32 = xp.float32
    for i in range(a.size):
        x = a[i]
        z = x * f32(0.7071067811865476)
        t = abs(z)
        s = z * z
        if t > f32(0.927734375):
            r = t * f32(-1.72853470e-5) + f32(3.83197126e-4)
            u = t * f32(-3.88396438e-3) + f32(2.42546219e-2)
            r = r * s + u
            r = r * t + f32(-1.06777877e-1)
            r = r * t + f32(-6.34846687e-1)
            r = r * t + f32(-1.28717512e-1)
            r = r * t - t
            e = f32(1) - xp.exp(r)
            if z < 0:
                e = -e
        else:
            e = s * f32(-5.96761703e-4) + f32(4.99119423e-3)
            e = e * s + f32(-2.67681349e-2)
            e = e * s + f32(1.12819925e-1)
            e = e * s + f32(-3.76125336e-1)
            e = e * s + f32(1.28379166e-1)
            e = e * z + z
        c = f32(0.5) * (f32(1) + e)
        cdf[i] = c
        y[i] = x * c


def gelu_forward_float32() -> Callable[..., None] | None:
    """Exact GELU's forward kernel ``(a, y, cdf)`` on flat contiguous float32 arrays, or None
    without Numba. (Its gradient stays NumPy's: one ``exp`` call per element in a loop is
    slower than NumPy's vectorized passes.)"""
    if not enabled():
        return None
    if "gelu" not in _KERNELS:
        jit = _KERNELS["numba"].njit(cache=True, nogil=True, error_model="numpy")
        _KERNELS["gelu"] = jit(_gelu_forward_source)
    kernel: Callable[..., None] = _KERNELS["gelu"]
    return kernel
