"""Special functions NumPy lacks.

``erf`` follows W. J. Cody's CALERF (Argonne, 1985; netlib ``specfun``): rational Chebyshev
approximations on three ranges of ``y = |x|``,

- ``y <= 0.46875``: ``erf(x) = x * A(x**2) / B(x**2)``;
- ``0.46875 < y <= 4``: ``erfc(y) = exp(-y**2) * C(y) / D(y)``;
- ``y > 4``: ``erfc(y) = exp(-y**2) / y * (1/sqrt(pi) - z * P(z) / Q(z))``, ``z = 1/y**2``;

and ``erf(x) = (1/2 - erfc(y)) + 1/2`` with the sign of ``x`` outside the first range.
``exp(-y**2)`` is split as ``exp(-t**2) * exp(-(y - t)(y + t))``, ``t`` being ``y`` truncated
to a multiple of 1/16, which avoids the rounding error of ``y*y``. The coefficients are
Cody's, digit for digit; tests/test_special.py checks the result against ``math.erf``
(measured: at most 5 ulps in float64; float32 results correctly rounded). Arithmetic is in
float64 for every input dtype and the result has the input's dtype.
"""

from __future__ import annotations

import importlib
import math
import os
from collections.abc import Callable

from dfdx._backend import Array, xp

# Each rational function is stored in Horner order, highest power first, with the
# denominator monic (its leading 1 implicit); in Cody's numbering, for |x| <= 0.46875:
# A(5) z^4 + A(1) z^3 + A(2) z^2 + A(3) z + A(4)  over  z^4 + B(1) z^3 + ... + B(4).
_A = (
    1.85777706184603153e-1,
    3.16112374387056560e00,
    1.13864154151050156e02,
    3.77485237685302021e02,
    3.20937758913846947e03,
)
_B = (
    2.36012909523441209e01,
    2.44024637934444173e02,
    1.28261652607737228e03,
    2.84423683343917062e03,
)
# erfc(y) * exp(y^2) for 0.46875 < y <= 4: C(9), C(1), ..., C(8) over 1, D(1), ..., D(8).
_C = (
    2.15311535474403846e-8,
    5.64188496988670089e-1,
    8.88314979438837594e00,
    6.61191906371416295e01,
    2.98635138197400131e02,
    8.81952221241769090e02,
    1.71204761263407058e03,
    2.05107837782607147e03,
    1.23033935479799725e03,
)
_D = (
    1.57449261107098347e01,
    1.17693950891312499e02,
    5.37181101862009858e02,
    1.62138957456669019e03,
    3.29079923573345963e03,
    4.36261909014324716e03,
    3.43936767414372164e03,
    1.23033935480374942e03,
)
# y > 4, in z = 1/y^2: P(6), P(1), ..., P(5) over 1, Q(1), ..., Q(5).
_P = (
    1.63153871373020978e-2,
    3.05326634961232344e-1,
    3.60344899949804439e-1,
    1.25781726111229246e-1,
    1.60837851487422766e-2,
    6.58749161529837803e-4,
)
_Q = (
    2.56852019228982242e00,
    1.87295284992346047e00,
    5.27905102951428412e-1,
    6.05183413124413191e-2,
    2.33520497626869185e-3,
)
_SQRT_PI_INV = 5.6418958354775628695e-1  # 1 / sqrt(pi)
_THRESH = 0.46875
_MID_END = 4.0
# Past 6, erfc(|x|) < 2.2e-17 is below half an ulp of 1, so erf(x) rounds to +-1.
_TAIL_END = 6.0
# exp(-(k/16)**2) for k = 0..96, each rounded once from math.exp: Cody's split of exp(-y*y)
# needs it at multiples of 1/16 only, so a lookup replaces one of its two exps.
_EXP_NEG_SQ_16 = xp.array([math.exp(-((k / 16.0) ** 2)) for k in range(97)])

# Below this many elements a Python call per element (math.erf) is faster than the ~75 NumPy
# calls of the vectorized path (measured crossover: ~700); the two agree to a few ulps in
# float64 and round to the same float32.
_SMALL_SIZE = 512
# Larger arrays go through in blocks of this many elements, so that the temporaries of the
# ~70 passes stay in cache (a 3x gain at a million float64 elements).
_BLOCK = 32768

_erf_elementwise = xp.frompyfunc(math.erf, 1, 1)


def _rational(z: Array, num: tuple[float, ...], den: tuple[float, ...]) -> Array:
    """``num(z) / den(z)`` by Horner's rule, as Cody evaluates it: ``num`` has one more
    coefficient than ``den``, whose leading coefficient is an implicit 1."""
    top = num[0] * z
    bottom = z.copy()
    for c, d in zip(num[1:-1], den[:-1], strict=True):
        top += c
        top *= z
        bottom += d
        bottom *= z
    top += num[-1]
    bottom += den[-1]
    top /= bottom
    return top


def _exp_neg_square(y: Array) -> Array:
    """``exp(-y*y)`` for ``0 <= y <= 6`` without the rounding error of ``y*y``: Cody's split
    ``exp(-t*t) * exp(-(y - t)(y + t))``, ``t`` being ``y`` truncated to a multiple of 1/16."""
    i = (y * 16.0).astype(xp.intp)
    t = i / 16.0
    rest = y - t
    t += y
    rest *= t
    xp.negative(rest, out=rest)
    out: Array = xp.exp(rest, out=rest)
    out *= _EXP_NEG_SQ_16[i]
    return out


def _one_minus(e: Array) -> Array:
    """``1 - e`` for ``0 <= e <= 1/2`` in place, rounded as Cody does."""
    xp.subtract(0.5, e, out=e)
    e += 0.5
    return e


def _erf_small(a: Array) -> Array:
    """``erf(x)`` for ``|x| <= 0.46875``."""
    out = _rational(a * a, _A, _B)
    out *= a
    return out


def _erf_mid(y: Array) -> Array:
    """``erf(y) = 1 - erfc(y)`` for ``0.46875 <= y <= 4``."""
    e = _rational(y, _C, _D)
    e *= _exp_neg_square(y)
    return _one_minus(e)


def _erf_tail(y: Array) -> Array:
    """``erf(y) = 1 - erfc(y)`` for ``4 <= y <= 6``."""
    z = 1.0 / (y * y)
    e = _rational(z, _P, _Q)
    e *= z
    xp.subtract(_SQRT_PI_INV, e, out=e)
    e /= y
    e *= _exp_neg_square(y)
    return _one_minus(e)


def _erf_block(a: Array) -> Array:
    """``erf`` of a float64 array."""
    y = xp.abs(a)
    # The first two ranges' formulas run on every element, their argument clipped into the
    # range, and ``where`` picks: cheaper than gathering and scattering each range's
    # elements. A NaN stays NaN through ``minimum``/``maximum`` and the first formula, fails
    # ``y > _THRESH`` and so is picked from there (``fmin``/``fmax`` drop it from the second
    # formula, whose table lookup needs an integer).
    small = _erf_small(xp.maximum(xp.minimum(a, _THRESH), -_THRESH))
    mid = _erf_mid(xp.fmin(xp.fmax(y, _THRESH), _MID_END))
    xp.copysign(mid, a, out=mid)
    out: Array = xp.where(y > _THRESH, mid, small)
    far = y > _MID_END  # rare in practice: computed on those elements only
    if xp.count_nonzero(far):
        tail = _erf_tail(xp.minimum(y[far], _TAIL_END))
        out[far] = xp.copysign(tail, a[far])
    return out


def erf(x: Array) -> Array:
    """The error function, elementwise, in ``x``'s dtype: SciPy's ``special.erf`` where SciPy
    is installed (the ``fast`` extra; float32 computed in float64 and correctly rounded,
    ~2x faster than :func:`erf_numpy`), else :func:`erf_numpy`."""
    fast = _scipy_erf()
    if fast is None or x.dtype not in (xp.float32, xp.float64):
        return erf_numpy(x)
    out: Array = xp.asarray(fast(x))  # a 0-d array, never a NumPy scalar
    return out


_SCIPY_ERF: list[Callable[[Array], Array] | None] = []


def _scipy_erf() -> Callable[[Array], Array] | None:
    """``scipy.special.erf``, imported on first use (``import dfdx`` never imports SciPy);
    None without SciPy or with ``DFDX_NO_SCIPY=1`` in the environment."""
    if not _SCIPY_ERF:
        fn: Callable[[Array], Array] | None = None
        if os.environ.get("DFDX_NO_SCIPY", "") in ("", "0"):
            try:
                fn = importlib.import_module("scipy.special").erf
            except ImportError:
                fn = None
        _SCIPY_ERF.append(fn)
    return _SCIPY_ERF[0]


def erf_numpy(x: Array) -> Array:
    """The error function, elementwise, in ``x``'s dtype (computed in float64) with NumPy
    alone: Cody's approximations (above)."""
    if x.size < _SMALL_SIZE:
        few: Array = xp.asarray(_erf_elementwise(x), dtype=x.dtype)
        return few
    a = xp.asarray(x, dtype=xp.float64)
    if a.size <= 2 * _BLOCK:
        return _erf_block(a).astype(x.dtype, copy=False)
    flat = a.reshape(-1)
    out = xp.empty(flat.shape, dtype=x.dtype)
    for start in range(0, flat.size, _BLOCK):
        out[start : start + _BLOCK] = _erf_block(flat[start : start + _BLOCK])
    return out.reshape(x.shape)


# erff in float32 arithmetic (N. Juffa's minimax fits, as published on Stack Overflow, 2015):
# for |x| <= 0.927734375, x + x * P(x**2); above, 1 - exp(Q(|x|)) with the sign of x.
_ERFF_SPLIT = xp.float32(0.927734375)
_ERFF_NEAR = tuple(
    xp.float32(c)
    for c in (-5.96761703e-4, 4.99119423e-3, -2.67681349e-2, 1.12819925e-1, -3.76125336e-1)
)
_ERFF_NEAR_LAST = xp.float32(1.28379166e-1)
_ERFF_FAR_R = (xp.float32(-1.72853470e-5), xp.float32(3.83197126e-4))
_ERFF_FAR_U = (xp.float32(-3.88396438e-3), xp.float32(2.42546219e-2))
_ERFF_FAR = tuple(xp.float32(c) for c in (-1.06777877e-1, -6.34846687e-1, -1.28717512e-1))


def erf_float32(a: Array) -> Array:
    """``erf`` of a float32 array of at least one dimension in float32 arithmetic: within 1.3
    ulps of the exact value (measured on a dense grid; tests/test_special.py checks 2), the
    class of PyTorch's own float32 ``erf``, and ~3x faster than SciPy's (which computes in
    float64). Exact GELU uses it; :func:`erf` stays correctly rounded in float32."""
    with xp.errstate(over="ignore", invalid="ignore"):
        t = xp.abs(a)
        s = a * a
        # the far branch: 1 - exp(Q(t)), Q(t) = ((r(t) s + u(t)) t + c0) t + c1) t + c2) t - t
        r = t * _ERFF_FAR_R[0]
        r += _ERFF_FAR_R[1]
        u = t * _ERFF_FAR_U[0]
        u += _ERFF_FAR_U[1]
        r *= s
        r += u
        for c in _ERFF_FAR:
            r *= t
            r += c
        r *= t
        r -= t
        xp.exp(r, out=r)
        xp.subtract(1, r, out=r)
        xp.copysign(r, a, out=r)
        # the near branch, in u's buffer: x + x * P(x**2)
        xp.multiply(s, _ERFF_NEAR[0], out=u)
        for c in _ERFF_NEAR[1:]:
            u += c
            u *= s
        u += _ERFF_NEAR_LAST
        u *= a
        u += a
        xp.copyto(u, r, where=t > _ERFF_SPLIT)
    return u
