"""The Numba kernels (``dfdx._fused``: Adam, exact GELU) against the NumPy code they replace."""

from __future__ import annotations

from typing import Any

import _helpers
import numpy as np
import pytest

import dfdx as dx
from dfdx import _fused

pytest.importorskip("numba")


@pytest.fixture(autouse=True)
def _compiled_kernels_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests pick each path themselves (through ``_fused._KERNELS``): a
    ``DFDX_NO_NUMBA=1`` run of the suite must not turn the compiled one off under them."""
    monkeypatch.delenv("DFDX_NO_NUMBA", raising=False)
    monkeypatch.setattr(_fused, "_KERNELS", {})


def _train(monkeypatch: pytest.MonkeyPatch, fused: bool, opt_cls: Any, dtype: Any, **kw: Any):
    monkeypatch.setattr(_fused, "_KERNELS", {} if fused else {"enabled": False})
    model = dx.nn.Sequential(
        dx.nn.Linear(6, 300, rng=np.random.default_rng(0), dtype=dtype),  # flat group + large
        dx.nn.ReLU(),
        dx.nn.Linear(300, 3, rng=np.random.default_rng(1), dtype=dtype),
    )
    opt = opt_cls(model, lr=1e-2, **kw)
    rng = np.random.default_rng(2)
    x = dx.tensor(rng.standard_normal((5, 6)).astype(dtype))
    y = dx.tensor(rng.integers(0, 3, 5))
    for _ in range(4):
        loss = dx.losses.cross_entropy_with_logits_loss(model(x.trace()), y)
        opt.update(model, loss.backward())
    assert _fused.enabled() == fused
    return model.state_dict(), opt.state_dict()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("opt_cls", "kw"),
    [
        (dx.optim.Adam, {}),
        (dx.optim.Adam, {"weight_decay": 0.1}),
        (dx.optim.AdamW, {"weight_decay": 0.1, "betas": (0.8, 0.99)}),
    ],
)
def test_fused_adam_matches_numpy(
    monkeypatch: pytest.MonkeyPatch, dtype: Any, opt_cls: Any, kw: dict[str, Any]
) -> None:
    params, state = _train(monkeypatch, True, opt_cls, dtype, **kw)
    ref_params, ref_state = _train(monkeypatch, False, opt_cls, dtype, **kw)
    # the same formula, in another order of rounding: a few ulps of the dtype per step; the
    # gradients too differ by a few ulps of their scale (the compiled linear_relu sums the
    # bias's gradient in another order), so a moment near 0 is compared at its array's scale
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for name, value in ref_params.items():
        np.testing.assert_allclose(params[name], value, rtol=rtol, atol=rtol * 1e-2, err_msg=name)
    for key, entry in ref_state["state"].items():
        for name, value in entry.items():
            ref = np.asarray(value)
            np.testing.assert_allclose(
                np.asarray(state["state"][key][name]),
                ref,
                rtol=rtol,
                atol=rtol * float(np.abs(ref).max(initial=0)),
                err_msg=name,
            )


def test_non_contiguous_falls_back() -> None:
    a = np.zeros((4, 4), np.float32)
    assert _fused.flat(a, a[:, ::2]) is None
    assert _fused.flat(a, a.astype(np.float64)) is None
    assert _fused.flat(a.astype(np.int64)) is None
    got = _fused.flat(a, a)
    assert got is not None and got[0].shape == (16,)


def test_opt_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_fused, "_KERNELS", {})
    monkeypatch.setenv("DFDX_NO_NUMBA", "1")
    assert _fused.adam() is None


@pytest.mark.parametrize("shape", [(7,), (16, 33, 40)])
def test_fused_gelu_matches_numpy(monkeypatch: pytest.MonkeyPatch, shape: tuple[int, ...]) -> None:
    """Numba's exact-GELU forward and gradient against the NumPy passes (erf in float32
    arithmetic with the same polynomials and NumPy's exp on both paths, the same operations
    in the same order: equal up to a few float32 roundings, measured identical)."""
    rng = np.random.default_rng(5)
    a = (rng.standard_normal(shape) * 3).astype(np.float32)
    a.reshape(-1)[:6] = [0.0, -0.0, 40.0, -40.0, 0.927734375, -0.9277]
    g = rng.standard_normal(shape).astype(np.float32)

    def run(fused: bool) -> tuple[np.ndarray, np.ndarray]:
        monkeypatch.setattr(_fused, "_KERNELS", {} if fused else {"enabled": False})
        x = dx.tensor(a)
        y = x.trace().gelu()
        grad = (y * dx.tensor(g)).sum().backward().array(x)
        assert _fused.enabled() == fused
        return y.numpy(), grad

    (y, grad), (y_ref, grad_ref) = run(True), run(False)
    np.testing.assert_allclose(y, y_ref, rtol=4e-7, atol=1e-7)
    np.testing.assert_allclose(grad, grad_ref, rtol=4e-7, atol=1e-7)


def test_fused_gelu_gradient_of_a_strided_upstream_gradient(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An upstream gradient that is not C-contiguous (here through a transpose) takes the
    NumPy passes inside the fused GELU, with the same result as a contiguous one."""
    monkeypatch.setattr(_fused, "_KERNELS", {})
    rng = np.random.default_rng(6)
    a = (rng.standard_normal((12, 9)) * 2).astype(np.float32)
    w = rng.standard_normal((9, 12)).astype(np.float32)
    x = dx.tensor(a)
    strided = (x.trace().gelu().transpose(0, 1) * dx.tensor(w)).sum().backward().array(x)
    contiguous = (x.trace().gelu() * dx.tensor(np.ascontiguousarray(w.T))).sum().backward()
    assert _fused.enabled()
    np.testing.assert_allclose(strided, contiguous.array(x), rtol=4e-7, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_kernels_match_numpy(dtype: Any) -> None:
    """Attention's softmax kernels against the NumPy passes they replace: masked keys
    (-inf), a fully masked row, a NaN, and the backward."""
    kernels = _fused.softmax_rows()
    assert kernels is not None
    shift, normalize, backward = kernels
    s = np.random.default_rng(7).standard_normal((6, 5)).astype(dtype) * 3
    s[1, :3] = -np.inf
    s[2, :] = -np.inf
    s[3, 2] = np.nan
    m = s.max(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore"):
        want = np.exp(s - np.where(np.isfinite(m), m, 0))
    z = want.sum(-1, keepdims=True)
    want /= np.where(z == 0, 1, z)
    got = s.copy()
    shift(got, True)
    np.exp(got, out=got)
    normalize(got, True)
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)  # NaN where want has NaN
    p = np.nan_to_num(want)
    gp = np.random.default_rng(8).standard_normal(p.shape).astype(dtype)
    want_g = (gp - (gp * p).sum(-1, keepdims=True)) * p * dtype(0.5)
    backward(gp, p, dtype(0.5))
    np.testing.assert_allclose(gp, want_g, rtol=tol, atol=tol)


@pytest.mark.parametrize("fused", [True, False])
def test_attention_softmax_with_and_without_the_kernels(
    monkeypatch: pytest.MonkeyPatch, fused: bool
) -> None:
    """Masked attention (causal, and a fully masked row) through the kernels and through
    the NumPy passes: values, and float64 gradients by finite differences."""
    monkeypatch.setattr(_fused, "_KERNELS", {} if fused else {"enabled": False})
    rng = np.random.default_rng(8)
    q, k, v = (rng.standard_normal((2, 4, 3)).astype(np.float32) for _ in range(3))
    keep = np.tril(np.ones((4, 4), bool))
    keep[0, 0] = False  # row 0: nothing to attend to
    out = dx.scaled_dot_product_attention(
        dx.tensor(q), dx.tensor(k), dx.tensor(v), attn_mask=dx.tensor(keep)
    ).numpy()
    s = np.where(keep, q @ k.transpose(0, 2, 1) / np.sqrt(3), -np.inf)
    p = np.exp(s - np.where(keep.any(-1, keepdims=True), s.max(-1, keepdims=True), 0))
    z = p.sum(-1, keepdims=True)
    want = (p / np.where(z == 0, 1, z)) @ v
    assert _fused.enabled() == fused
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    keep64 = dx.tensor(keep)
    _helpers.check_grads(
        lambda q, k, v: dx.scaled_dot_product_attention(q, k, v, attn_mask=keep64),
        q.astype(np.float64), k.astype(np.float64), v.astype(np.float64),
        rtol=1e-6, atol=1e-8,
    )  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("affine", [True, False])
def test_fused_layer_norm_matches_numpy(
    monkeypatch: pytest.MonkeyPatch, dtype: Any, affine: bool
) -> None:
    """Numba's layer norm (forward, and the input's, weight's and bias's gradients) against
    the NumPy passes: the same sums in another order."""
    rng = np.random.default_rng(9)
    a = (rng.standard_normal((3, 5, 16)) * 2 + 1).astype(dtype)
    g = rng.standard_normal(a.shape).astype(dtype)
    w = rng.standard_normal(16).astype(dtype) if affine else None
    b = rng.standard_normal(16).astype(dtype) if affine else None

    def run(fused: bool) -> list[np.ndarray]:
        monkeypatch.setattr(_fused, "_KERNELS", {} if fused else {"enabled": False})
        x = dx.tensor(a, dtype=dtype)
        wt = None if w is None else dx.tensor(w, dtype=dtype)
        bt = None if b is None else dx.tensor(b, dtype=dtype)
        y = dx.layer_norm(x.trace(), 16, wt, bt)
        grads = (y * dx.tensor(g, dtype=dtype)).sum().backward()
        assert _fused.enabled() == fused
        return [y.numpy()] + [grads.array(t) for t in (x, wt, bt) if t is not None]

    tol = 2e-5 if dtype == np.float32 else 1e-12
    for got, want in zip(run(True), run(False), strict=True):
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("fused", [True, False])
def test_layer_norm_gradients_on_either_path(monkeypatch: pytest.MonkeyPatch, fused: bool) -> None:
    """Finite differences in float64 through the kernels and through the NumPy passes (a
    strided input takes the NumPy passes even with Numba)."""
    monkeypatch.setattr(_fused, "_KERNELS", {} if fused else {"enabled": False})
    rng = np.random.default_rng(10)
    _helpers.check_grads(
        lambda x, w, b: dx.layer_norm(x, 6, w, b),
        rng.standard_normal((2, 3, 6)), rng.standard_normal(6), rng.standard_normal(6),
        rtol=1e-6, atol=1e-8,
    )  # fmt: skip
    _helpers.check_grads(
        lambda x: dx.layer_norm(x.transpose(0, 1), 4),
        rng.standard_normal((4, 3)),
        rtol=1e-6, atol=1e-8,
    )  # fmt: skip


@pytest.mark.parametrize("rows", [1, 40, 130])  # times_transposed's three layouts
def test_fused_relu_feed_forward_matches_numpy(monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    """``relu_feed_forward``'s compiled hidden layer (the bias and the ReLU in one pass; the
    mask and the first bias's gradient in one pass) against its NumPy passes: the same
    operations in the same order, so the same float32 values, hidden units at exactly 0
    (masked), a NaN input row and an infinite upstream gradient included."""
    from dfdx.ops.linalg import relu_feed_forward

    rng = np.random.default_rng(7)
    x = rng.standard_normal((rows, 6)).astype(np.float32)
    w1 = rng.standard_normal((9, 6)).astype(np.float32)
    b1 = rng.standard_normal(9).astype(np.float32)
    w2 = rng.standard_normal((4, 9)).astype(np.float32)
    b2 = rng.standard_normal(4).astype(np.float32)
    x[0] = 0.0
    b1[0] = 0.0  # hidden unit 0 of row 0 is exactly 0: masked on both paths
    g = rng.standard_normal((rows, 4)).astype(np.float32)
    if rows > 1:
        x[1, 2] = np.nan
        g[-1, 1] = np.inf

    def run(fused: bool) -> list[np.ndarray]:
        monkeypatch.setattr(_fused, "_KERNELS", {} if fused else {"enabled": False})
        ts = [dx.tensor(a).trace() for a in (x, w1, b1, w2, b2)]
        out = relu_feed_forward(*ts)
        with np.errstate(invalid="ignore"):
            grads = (out * dx.tensor(g)).sum().backward()
            values = [out.numpy(), *(grads.array(t) for t in ts)]
        assert _fused.enabled() == fused
        return values

    for got, want in zip(run(True), run(False), strict=True):
        np.testing.assert_array_equal(got, want)


def test_fused_relu_feed_forward_float64_gradients() -> None:
    """The compiled path in float64 against finite differences (the gradient test of the
    op itself, tests/test_attention.py, runs it too; this one with many rows, where the
    product is not transposed)."""
    from dfdx.ops.linalg import relu_feed_forward

    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in [(70, 3), (5, 3), (5,), (2, 5), (2,)]]
    _helpers.check_grads(relu_feed_forward, *arrays)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_relu_matches_numpy(monkeypatch: pytest.MonkeyPatch, dtype: Any) -> None:
    """``relu`` above ``RELU_MIN_SIZE`` elements (one compiled pass each way) against
    NumPy's ``maximum`` and ``g * (a > 0)``: the same values bit for bit, -0.0, NaN, the
    infinities and an infinite upstream gradient at a masked entry included."""
    rng = np.random.default_rng(11)
    a = rng.standard_normal((8, _fused.RELU_MIN_SIZE // 8 + 3)).astype(dtype)
    a[0, :5] = [-0.0, 0.0, np.nan, np.inf, -np.inf]
    g = rng.standard_normal(a.shape).astype(dtype)
    g[0, 4] = np.inf  # at -inf: masked, inf * 0 is NaN on both paths

    def run(fused: bool) -> tuple[np.ndarray, np.ndarray]:
        monkeypatch.setattr(_fused, "_KERNELS", {} if fused else {"enabled": False})
        x = dx.tensor(a)
        y = x.trace().relu()
        with np.errstate(invalid="ignore"):
            grad = (y * dx.tensor(g)).sum().backward().array(x)
        assert _fused.enabled() == fused
        return y.numpy(), grad

    for got, want in zip(run(True), run(False), strict=True):
        np.testing.assert_array_equal(got, want)
        assert (np.signbit(got) == np.signbit(want)).all()


def test_fused_relu_float64_gradient() -> None:
    """The compiled ReLU against finite differences (inputs away from the kink)."""
    rng = np.random.default_rng(12)
    a = rng.standard_normal(_fused.RELU_MIN_SIZE + 1)
    a[np.abs(a) < 1e-3] = 0.5
    _helpers.check_grads(lambda x: x.relu(), a)
