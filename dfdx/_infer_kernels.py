"""Numba kernels for untraced (``NoneTape``) forwards, which keep nothing for a backward
pass: each writes only its result, and each loop is branch-free so that LLVM vectorizes it
(NumPy's own vectorized ``exp`` does the exponentials between two such loops). They are
used when Numba is (see :mod:`dfdx._fused`: the ``fast`` extra, ``DFDX_NO_NUMBA``), and
compile on first use, cached on disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dfdx import _fused
from dfdx._backend import Array, xp

# exact GELU in float32: the polynomials of dfdx.ops._special.erf_float32 (N. Juffa's),
# as in dfdx._fused._gelu_forward_source, split around the exponential.
_TAIL = 0.927734375  # |z| above it: erf(|z|) = 1 - exp(r(|z|))


def _gelu_exponent_source(a: Any, r: Any) -> None:  # pragma: no cover
    # r = the exponent of erf's tail branch at z = a / sqrt(2) (0 where the branch is not taken)
    f32 = xp.float32
    for i in range(a.size):
        z = a[i] * f32(0.7071067811865476)
        t = abs(z)
        s = z * z
        p = t * f32(-1.72853470e-5) + f32(3.83197126e-4)
        u = t * f32(-3.88396438e-3) + f32(2.42546219e-2)
        p = p * s + u
        p = p * t + f32(-1.06777877e-1)
        p = p * t + f32(-6.34846687e-1)
        p = p * t + f32(-1.28717512e-1)
        p = p * t - t
        r[i] = p if t > f32(_TAIL) else f32(0)


def _gelu_combine_source(a: Any, e: Any, y: Any) -> None:  # pragma: no cover
    # e = exp(r) from the first loop; y = a * (1 + erf(a / sqrt(2))) / 2
    f32 = xp.float32
    for i in range(a.size):
        x = a[i]
        z = x * f32(0.7071067811865476)
        t = abs(z)
        s = z * z
        q = s * f32(-5.96761703e-4) + f32(4.99119423e-3)
        q = q * s + f32(-2.67681349e-2)
        q = q * s + f32(1.12819925e-1)
        q = q * s + f32(-3.76125336e-1)
        q = q * s + f32(1.28379166e-1)
        q = q * z + z
        tail = f32(1) - e[i]
        tail = -tail if z < f32(0) else tail
        erf = tail if t > f32(_TAIL) else q
        y[i] = x * (f32(0.5) * (f32(1) + erf))


def _jit(name: str, source: Callable[..., None]) -> Callable[..., None]:
    if name not in _fused._KERNELS:
        numba = _fused._KERNELS["numba"]
        jit = numba.njit(cache=True, nogil=True, error_model="numpy")
        _fused._KERNELS[name] = jit(source)
    kernel: Callable[..., None] = _fused._KERNELS[name]
    return kernel


def gelu_float32(a: Array) -> Array | None:
    """Exact GELU of a C-contiguous float32 array, ``gelu(-inf)`` left to the caller; None
    without Numba. Two vectorized loops around NumPy's ``exp``: ~5x the one-loop kernel that
    training uses (which also keeps the CDF for the gradient)."""
    if not _fused.enabled():
        return None
    flat = a.reshape(-1)
    e, out = xp.empty_like(flat), xp.empty_like(flat)
    _jit("gelu_exponent", _gelu_exponent_source)(flat, e)
    xp.exp(e, out=e)
    _jit("gelu_combine", _gelu_combine_source)(flat, e, out)  # e, out apart: vectorized
    return out.reshape(a.shape)
