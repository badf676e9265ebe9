"""``dfdx.ops._special.erf`` against ``math.erf``: accuracy, symmetry, limits, dtypes.

Every test runs twice: with SciPy's ``special.erf`` (the ``fast`` extra; skipped without
SciPy) and with the NumPy-only fallback, ``erf_numpy``.

``erf`` has three code paths: a Python call per element below ``_SMALL_SIZE`` elements,
Cody's vectorized rational approximations above, and the same in blocks of ``_BLOCK``
elements for large arrays. Every property is checked on each path.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import dfdx as dx
from dfdx.ops import _special
from dfdx.ops._special import erf


@pytest.fixture(autouse=True, params=["scipy", "numpy"])
def erf_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which implementation ``erf`` dispatches to in this test."""
    if request.param == "scipy":
        pytest.importorskip("scipy.special")
        monkeypatch.setattr(_special, "_SCIPY_ERF", [])
        monkeypatch.delenv("DFDX_NO_SCIPY", raising=False)
        assert _special._scipy_erf() is not None
    else:
        monkeypatch.setattr(_special, "_SCIPY_ERF", [None])
    return str(request.param)


_exact = np.vectorize(math.erf, otypes=[np.float64])

# Sizes that take each path: a few elements, just past the vectorized threshold, blocked.
PATH_SIZES = [7, _special._SMALL_SIZE, 2 * _special._BLOCK + 5]


def _points() -> np.ndarray:
    """A dense grid over [-6, 6], both sides of each range's edge, random points of every
    magnitude down to subnormals, and points past the last range."""
    rng = np.random.default_rng(20240611)
    edges = np.array([0.46875, 4.0, 6.0])
    near_edges = np.concatenate(
        [np.nextafter(edges, 0.0), edges, np.nextafter(edges, 10.0), edges + 1e-9, edges - 1e-9]
    )
    pos = np.concatenate(
        [
            np.linspace(0.0, 6.0, 120_001),
            rng.uniform(0.0, 8.0, 50_000),
            10.0 ** rng.uniform(-310.0, 0.0, 20_000),
            near_edges,
            [5e-324, 2.2250738585072014e-308, 1e-8, 26.0, 1e300],
        ]
    )
    return np.concatenate([pos, -pos])


def _ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    want = np.asarray(want)
    return np.abs(got.astype(np.float64) - want.astype(np.float64)) / np.spacing(
        np.abs(want)
    ).astype(np.float64)


def test_float64_accuracy() -> None:
    x = _points()
    got = erf(x)
    want = _exact(x)
    assert got.dtype == np.float64
    normal = np.abs(want) >= np.finfo(np.float64).tiny
    rel = np.abs(got[normal] - want[normal]) / np.abs(want[normal])
    # Measured: 6.6e-16 (5 ulps) at worst, just past |x| = 0.46875.
    assert rel.max() < 1e-15
    # In ulps, which also covers subnormal results and zero.
    assert _ulps(got, want).max() <= 6


def test_float32_is_correctly_rounded() -> None:
    """Computed in float64: within half an ulp of erf at the float32 inputs (1 allowed)."""
    x = _points()
    x = x[np.abs(x) < 1e30].astype(np.float32)
    got = erf(x)
    assert got.dtype == np.float32
    exact = _exact(x.astype(np.float64))
    assert _ulps(got, exact.astype(np.float32)).max() <= 1
    assert np.max(np.abs(got - exact) / np.maximum(np.abs(exact), 1e-30)) < 1.2e-7


@pytest.mark.parametrize("size", PATH_SIZES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_each_path_matches_math_erf(size: int, dtype: type) -> None:
    rng = np.random.default_rng(size)
    x = rng.uniform(-7.0, 7.0, size).astype(dtype)
    got = erf(x)
    assert got.dtype == dtype
    assert got.shape == x.shape
    want = _exact(x.astype(np.float64)).astype(dtype)
    assert _ulps(got, want).max() <= 6


@pytest.mark.parametrize("size", PATH_SIZES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_odd_symmetry(size: int, dtype: type) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(size).astype(dtype) * 3
    assert np.array_equal(erf(-x), -erf(x))


@pytest.mark.parametrize("size", PATH_SIZES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_limits_zero_and_nan(size: int, dtype: type) -> None:
    special = np.array([np.inf, -np.inf, 0.0, -0.0, np.nan, 40.0, -40.0], dtype=dtype)
    x = np.resize(np.linspace(-1.0, 1.0, 11, dtype=dtype), max(size, len(special)))
    x[: len(special)] = special
    got = erf(x)
    assert got.dtype == dtype
    assert got[0] == 1.0 and got[1] == -1.0
    assert got[2] == 0.0 and not np.signbit(got[2])
    assert got[3] == 0.0 and np.signbit(got[3])
    assert np.isnan(got[4])
    assert got[5] == 1.0 and got[6] == -1.0
    rest = got[len(special) :]
    assert np.isfinite(rest).all() and np.all(np.abs(rest) <= 1.0)


def test_nan_does_not_spread() -> None:
    x = np.linspace(-3.0, 3.0, 1000)
    x[::7] = np.nan
    got = erf(x)
    assert np.array_equal(np.isnan(got), np.isnan(x))


def test_monotone_on_a_dense_grid() -> None:
    x = np.linspace(-6.5, 6.5, 400_001)
    assert np.all(np.diff(erf(x)) >= 0)


@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (1, 8), (33, 40), (2, 3, 90_000)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shape_and_dtype_kept(shape: tuple[int, ...], dtype: type) -> None:
    x = np.full(shape, 0.75, dtype=dtype)
    got = erf(x)
    assert isinstance(got, np.ndarray)
    assert got.shape == shape and got.dtype == dtype
    assert _ulps(got, np.full(shape, math.erf(0.75), dtype=dtype)).max(initial=0) <= 6


def test_non_contiguous_input_and_input_unchanged() -> None:
    base = np.linspace(-5.0, 5.0, 3 * 4000).reshape(3, 4000)
    view = base[:, ::3]
    before = view.copy()
    got = erf(view)
    assert np.array_equal(view, before)
    assert np.allclose(got, _exact(before), rtol=1e-15, atol=0)


def test_blocked_equals_unblocked(erf_backend: str) -> None:
    x = np.random.default_rng(3).uniform(-5.0, 5.0, 3 * _special._BLOCK + 11)
    whole = erf(x)
    pieces = np.concatenate([erf(x[i : i + 1000]) for i in range(0, len(x), 1000)])
    assert _ulps(whole, pieces).max() <= 6
    if erf_backend == "numpy":
        assert np.array_equal(whole[:2000], _special._erf_block(x[:2000]))


def test_exact_gelu_uses_erf() -> None:
    a = np.random.default_rng(4).standard_normal((64, 33)).astype(np.float32) * 3
    y = dx.tensor(a).gelu().numpy()
    want = a.astype(np.float64) * 0.5 * (1 + _exact(a.astype(np.float64) / math.sqrt(2)))
    np.testing.assert_allclose(y, want, rtol=2e-6, atol=1e-7)


def test_erf_float32_within_two_ulps() -> None:
    """The float32-arithmetic erf that exact GELU uses, on both sides of its branch point,
    against the exact value rounded to float32."""
    x = _points()
    x = x[np.abs(x) < 1e30].astype(np.float32)  # float32's range
    split = np.float32(_special._ERFF_SPLIT)
    x = np.concatenate([x, [np.nextafter(split, np.float32(0)), split, np.nextafter(split, 9)]])
    x = x.astype(np.float32)
    got = _special.erf_float32(x)
    assert got.dtype == np.float32 and got.shape == x.shape
    want = _exact(x.astype(np.float64)).astype(np.float32)
    assert _ulps(got, want).max() <= 2


def test_erf_float32_limits_and_nan() -> None:
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 3e38, -3e38, 1e-45], np.float32)
    got = _special.erf_float32(x)
    assert np.array_equal(got[:4], [0.0, -0.0, 1.0, -1.0])
    assert np.signbit(got[1]) and np.isnan(got[4])
    assert np.array_equal(got[5:7], [1.0, -1.0])
    assert got[7] > 0


def test_erf_float32_input_unchanged() -> None:
    x = np.linspace(-3, 3, 1001, dtype=np.float32)[::2]
    before = x.copy()
    _special.erf_float32(x)
    assert np.array_equal(x, before)
