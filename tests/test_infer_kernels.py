"""The untraced (``NoneTape``) fast paths against the traced ops they stand in for."""

from __future__ import annotations

import numpy as np
import pytest

import dfdx as dx
from dfdx import _fused

pytest.importorskip("numba")


@pytest.mark.parametrize("shape", [(7,), (16, 33, 40)])
def test_untraced_gelu_matches_traced(monkeypatch: pytest.MonkeyPatch, shape: tuple[int, ...]) -> None:
    """The two-loop inference kernel against the traced forward (the same polynomials;
    NumPy's exp against libm's: equal up to a few float32 roundings), and without Numba."""
    rng = np.random.default_rng(5)
    a = (rng.standard_normal(shape) * 3).astype(np.float32)
    a.reshape(-1)[:7] = [0.0, -0.0, 40.0, -40.0, 0.927734375, -0.9277, -2.5]
    traced = dx.tensor(a).trace().gelu().numpy()
    got = dx.tensor(a).gelu()
    assert not got.is_traced and got.dtype == dx.float32
    # erf's tail is 1 - exp(r): near x = -4 the float32 cancellation turns one ulp of exp
    # into ~1e-7 absolute (about 2e-4 relative of a ~5e-4 result), in either kernel
    np.testing.assert_allclose(got.numpy(), traced, rtol=4e-7, atol=2e-7)
    monkeypatch.setattr(_fused, "_KERNELS", {"enabled": False})
    np.testing.assert_allclose(dx.tensor(a).gelu().numpy(), traced, rtol=4e-7, atol=2e-7)


def test_untraced_gelu_special_values() -> None:
    a = np.array([-np.inf, np.inf, np.nan, 0.0, -0.0, 1e30, -1e30], np.float32)
    got = dx.tensor(a).gelu().numpy()
    want = np.array([0.0, np.inf, np.nan, 0.0, -0.0, 1e30, -0.0], np.float32)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, dx.tensor(a).trace().gelu().numpy())


def test_untraced_gelu_non_contiguous_and_float64() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((6, 8)).astype(np.float32)
    view = dx.tensor(a).transpose(0, 1)
    np.testing.assert_allclose(view.gelu().numpy(), dx.tensor(a).gelu().numpy().T, rtol=1e-6)
    d = rng.standard_normal(5)
    np.testing.assert_allclose(
        dx.tensor(d).gelu().numpy(), dx.tensor(d).trace().gelu().numpy(), rtol=1e-15
    )


def test_gelu_of_a_parameter_keeps_its_gradient() -> None:
    """A parameter's GELU is not plain: it remembers its origin, so the gradient reaches the
    parameter (the inference kernel is only for tensors no gradient can reach)."""
    layer = dx.nn.Linear(3, 4, rng=np.random.default_rng(0))
    x = dx.tensor(np.ones((2, 3), np.float32)).trace()
    grads = (x * layer.weight.gelu()[:2, :]).sum().backward()
    w = layer.weight.numpy()[:2]
    h = 1e-3
    num = (
        dx.tensor(w + h).gelu().numpy().astype(np.float64)
        - dx.tensor(w - h).gelu().numpy().astype(np.float64)
    ) / (2 * h)
    np.testing.assert_allclose(grads[layer.weight].numpy()[:2], num, rtol=1e-2, atol=1e-3)
