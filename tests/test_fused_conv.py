"""The compiled convolution and pooling kernels (``dfdx._fused_conv``: col2im's sums of stride
1, max pooling) against the NumPy code they replace, and that NumPy code's gradients against
finite differences (the other conv tests run whichever path is installed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _helpers import check_grads, distinct

import dfdx as dx
from dfdx import _fused


def _use_compiled(monkeypatch: pytest.MonkeyPatch, compiled: bool) -> None:
    monkeypatch.setattr(_fused, "_KERNELS", {} if compiled else {"enabled": False})
    assert _fused.enabled() == compiled


def _values_and_grads(
    monkeypatch: pytest.MonkeyPatch, compiled: bool, op: Callable[..., Any], *arrays: np.ndarray
) -> list[np.ndarray]:
    """``op``'s value and every input's gradient of ``sum(op(*arrays) * w)``."""
    _use_compiled(monkeypatch, compiled)
    xs = [dx.tensor(a) for a in arrays]
    y = op(xs[0].trace(), *xs[1:])
    w = np.random.default_rng(9).uniform(0.5, 1.5, y.shape).astype(arrays[0].dtype)
    grads = (y * dx.tensor(w)).sum().backward()
    return [y.numpy(), *(grads[x].numpy() for x in xs)]


CONV_CASES: list[tuple[str, Callable[..., Any], tuple[int, ...], tuple[int, ...]]] = [
    ("conv2d-pad", lambda x, w: dx.conv2d(x, w, padding=1), (3, 4, 6, 5), (5, 4, 3, 3)),
    (
        "conv2d-dilation-groups",
        lambda x, w: dx.conv2d(x, w, padding=(2, 1), dilation=(2, 1), groups=2),
        (2, 4, 7, 6),
        (6, 2, 3, 2),
    ),
    (
        "conv2d-stride2",
        lambda x, w: dx.conv2d(x, w, stride=2, padding=1),
        (2, 3, 7, 6),
        (4, 3, 3, 3),
    ),
    ("conv1d-pad", lambda x, w: dx.conv1d(x, w, padding=2), (2, 3, 9), (4, 3, 3)),
    (
        "conv_transpose2d",
        lambda x, w: dx.conv_transpose2d(x, w, padding=1, dilation=2),
        (2, 4, 5, 6),
        (4, 3, 3, 3),
    ),
    (
        "conv_transpose2d-stride-groups",
        lambda x, w: dx.conv_transpose2d(x, w, stride=2, output_padding=1, groups=2),
        (2, 4, 4, 3),
        (4, 1, 3, 2),
    ),
]
CONV_IDS = [c[0] for c in CONV_CASES]


@pytest.mark.parametrize(("op", "x", "w"), [c[1:] for c in CONV_CASES], ids=CONV_IDS)
def test_numpy_conv_gradients(
    monkeypatch: pytest.MonkeyPatch, op: Callable[..., Any], x: tuple[int, ...], w: tuple[int, ...]
) -> None:
    """The NumPy path (what a plain ``pip install dfdx`` runs) against finite differences."""
    _use_compiled(monkeypatch, False)
    rng = np.random.default_rng(0)
    check_grads(op, rng.standard_normal(x), rng.standard_normal(w))


POOL_KW: list[dict[str, Any]] = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 1, "padding": 1},  # overlapping windows: sums of gradients
    {"kernel_size": (2, 3), "stride": (1, 2), "padding": (1, 0)},
]


@pytest.mark.parametrize("kw", POOL_KW)
def test_numpy_max_pool2d_gradients(monkeypatch: pytest.MonkeyPatch, kw: dict[str, Any]) -> None:
    _use_compiled(monkeypatch, False)
    check_grads(lambda x: dx.max_pool2d(x, **kw), distinct((2, 2, 5, 6)))


# ---- compiled against NumPy ----------------------------------------------------------------

numba_only = pytest.mark.skipif(
    not _fused.enabled(), reason="needs Numba (the fast extra), not turned off"
)


@numba_only
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("op", "x", "w"), [c[1:] for c in CONV_CASES], ids=CONV_IDS)
def test_compiled_conv_matches_numpy(
    monkeypatch: pytest.MonkeyPatch,
    op: Callable[..., Any],
    x: tuple[int, ...],
    w: tuple[int, ...],
    dtype: Any,
) -> None:
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(x).astype(dtype), rng.standard_normal(w).astype(dtype)]
    got = _values_and_grads(monkeypatch, True, op, *arrays)
    want = _values_and_grads(monkeypatch, False, op, *arrays)
    # the same products, the same sums in another order: a few ulps of the dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for g, v in zip(got, want, strict=True):
        assert g.dtype == dtype
        np.testing.assert_allclose(g, v, rtol=rtol, atol=rtol)


@numba_only
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", POOL_KW)
def test_compiled_max_pool2d_matches_numpy(
    monkeypatch: pytest.MonkeyPatch, kw: dict[str, Any], dtype: Any
) -> None:
    x = np.random.default_rng(2).standard_normal((3, 2, 5, 6)).astype(dtype)
    x[0, 0, :2, :2] = 1.0  # ties: the first largest value takes the gradient
    x[1, 1, 2, 3] = np.nan  # a NaN is the window's value and takes its gradient
    x[2, 0] = -np.inf  # a plane of -inf: the gradient goes to a real element
    op = lambda t: dx.max_pool2d(t, **kw)  # noqa: E731
    got = _values_and_grads(monkeypatch, True, op, x)
    want = _values_and_grads(monkeypatch, False, op, x)
    np.testing.assert_array_equal(got[0], want[0])
    # overlapping windows add up to 9 gradients, NumPy's path in float64 then rounded
    rtol = 10 * float(np.finfo(dtype).eps)
    if kw.get("padding", 0) == 0:
        np.testing.assert_allclose(got[1], want[1], rtol=rtol)
    else:  # NumPy's path may send a window of -inf values to a -inf of its padding
        finite = np.isfinite(x)
        np.testing.assert_allclose(got[1][finite], want[1][finite], rtol=rtol)
        # the compiled path sends every window of the -inf plane to one of its elements
        w = np.random.default_rng(9).uniform(0.5, 1.5, got[0].shape).astype(dtype)
        np.testing.assert_allclose(got[1][2, 0].sum(), w[2, 0].sum(), rtol=1e-6)


POOL1D_KW: list[dict[str, Any]] = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 1, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1},
]


@pytest.mark.parametrize("kw", POOL1D_KW)
def test_numpy_max_pool1d_gradients(monkeypatch: pytest.MonkeyPatch, kw: dict[str, Any]) -> None:
    _use_compiled(monkeypatch, False)
    check_grads(lambda x: dx.max_pool1d(x, **kw), distinct((2, 2, 7)))


@numba_only
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", POOL1D_KW)
def test_compiled_max_pool1d_matches_numpy(
    monkeypatch: pytest.MonkeyPatch, kw: dict[str, Any], dtype: Any
) -> None:
    """max_pool1d is max_pool2d's kernels with a height of 1: the compiled ones too."""
    x = np.random.default_rng(3).standard_normal((3, 2, 9)).astype(dtype)
    x[0, 0, :2] = 1.0  # ties: the first largest value takes the gradient
    x[1, 1, 4] = np.nan  # a NaN is the window's value and takes its gradient
    op = lambda t: dx.max_pool1d(t, **kw)  # noqa: E731
    got = _values_and_grads(monkeypatch, True, op, x)
    want = _values_and_grads(monkeypatch, False, op, x)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1], rtol=10 * float(np.finfo(dtype).eps))


def test_opt_out_uses_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    """``DFDX_NO_NUMBA=1`` turns the compiled kernels off (read at the first use)."""
    monkeypatch.setattr(_fused, "_KERNELS", {})
    monkeypatch.setenv("DFDX_NO_NUMBA", "1")
    from dfdx import _fused_conv

    assert _fused_conv.max_pool() is None
    assert _fused_conv.add_runs() is None
