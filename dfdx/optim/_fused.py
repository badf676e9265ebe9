"""Single-pass optimizer kernels compiled with Numba, when it is installed (the ``fast``
extra): one loop over the elements does what the NumPy update does in ~10 full passes over
every array. ``import dfdx`` never imports Numba: it is imported at the first update.
Without Numba, or with ``DFDX_NO_NUMBA=1`` in the environment, the optimizers use NumPy.

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
