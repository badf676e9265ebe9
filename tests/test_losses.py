"""Losses: values and gradients against PyTorch (fixtures from
tests/fixtures/make_torch_optim_fixtures.py), gradients against float64 finite differences,
stability for large logits, and the shape, dtype and argument checks."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _helpers
import numpy as np
import pytest

import dfdx as dx

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from make_torch_optim_fixtures import LOSS_CASES, LOSS_FIXTURE, loss_inputs

FIX = np.load(LOSS_FIXTURE)
CE = dx.losses.cross_entropy_with_logits_loss


def loss_fn(case: str) -> Callable[[Any, Any], Any]:
    name, _, _, _, kw = LOSS_CASES[case]
    fn = getattr(dx.losses, name)
    if name == "nll_loss":  # on log-probabilities, as the fixture's PyTorch call
        return lambda x, t: fn(dx.log_softmax(x, axis=-1), t, **kw)
    return lambda x, t: fn(x, t, **kw)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", sorted(LOSS_CASES))
def test_matches_torch(case: str, dtype: str) -> None:
    key = f"{case}/{dtype}"
    pred, target = FIX[f"{key}/pred"], FIX[f"{key}/target"]
    np.testing.assert_array_equal(pred, loss_inputs(case, dtype)[0])  # the case is unchanged
    x = dx.tensor(pred, dtype=pred.dtype).trace()
    float_target = target.dtype != np.int64
    t = dx.tensor(target, dtype=target.dtype)
    loss = loss_fn(case)(x, t.trace() if float_target else t)
    assert loss.shape == ()
    assert loss.dtype == pred.dtype
    rtol, atol = (1e-10, 1e-12) if dtype == "float64" else (2e-5, 1e-6)
    np.testing.assert_allclose(loss.numpy(), FIX[f"{key}/loss"], rtol=rtol, atol=atol)
    grads = loss.backward()
    np.testing.assert_allclose(grads[x].numpy(), FIX[f"{key}/grad_pred"], rtol=rtol, atol=atol)
    assert grads[x].dtype == pred.dtype
    if float_target:
        want = FIX[f"{key}/grad_target"]
        np.testing.assert_allclose(grads[t].numpy(), want, rtol=rtol, atol=atol)
    else:
        assert t not in grads


def _numeric(f: Callable[[np.ndarray], float], a: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        up, down = a.copy(), a.copy()
        up[idx] += eps
        down[idx] -= eps
        g[idx] = (f(up) - f(down)) / (2 * eps)
    return g


@pytest.mark.parametrize("case", sorted(LOSS_CASES))
def test_gradients_match_finite_differences(case: str) -> None:
    pred, target = loss_inputs(case, "float64")
    if "large" in case:
        pred = pred / 20  # finite differences need a smooth neighbourhood, not saturation
    fn = loss_fn(case)
    float_target = target.dtype != np.int64

    def value(p: np.ndarray, t: np.ndarray) -> float:
        return fn(dx.tensor(p), dx.tensor(t, dtype=t.dtype)).item()

    x = dx.tensor(pred).trace()
    t = dx.tensor(target, dtype=target.dtype)
    grads = fn(x, t.trace() if float_target else t).backward()
    want = _numeric(lambda p: value(p, target), pred)
    np.testing.assert_allclose(grads[x].numpy(), want, rtol=1e-5, atol=1e-7)
    if float_target:
        want_t = _numeric(lambda q: value(pred, q), target)
        np.testing.assert_allclose(grads[t].numpy(), want_t, rtol=1e-5, atol=1e-7)


def test_cross_entropy_is_stable_for_huge_logits() -> None:
    x = dx.tensor(np.array([[1e4, -1e4, 0.0], [-3e4, 3e4, 3e4]], np.float32)).trace()
    labels = dx.tensor(np.array([0, 2]))
    loss = CE(x, labels)
    np.testing.assert_allclose(loss.item(), np.log(2) / 2, rtol=1e-6)
    g = loss.backward()[x].numpy()
    np.testing.assert_allclose(g, [[0, 0, 0], [0, 0.25, -0.25]], atol=1e-7)
    probs = dx.tensor(np.array([[0.0, 1.0, 0.0]], np.float32))
    bce = dx.losses.binary_cross_entropy_with_logits_loss(
        dx.tensor(np.array([[-1e4, 1e4, 100.0]], np.float32)), probs
    )
    np.testing.assert_allclose(bce.item(), 100 / 3, rtol=1e-6)
    kl = dx.losses.kl_div_with_logits_loss(
        dx.tensor(np.array([[-1e4, 1e4, 0.0]], np.float32)), probs
    )
    assert kl.item() == 0.0


def test_probabilities_and_labels_agree() -> None:
    rng = np.random.default_rng(0)
    logits = dx.tensor(rng.standard_normal((2, 3, 4)))
    labels = rng.integers(0, 4, (2, 3))
    by_label = CE(logits, dx.tensor(labels))
    by_prob = CE(logits, dx.tensor(np.eye(4)[labels]))
    np.testing.assert_allclose(by_label.item(), by_prob.item(), rtol=1e-12)


def test_kl_div_of_equal_distributions_is_zero() -> None:
    z = np.array([[0.5, -1.0, 2.0, 0.0]])
    p = np.exp(z) / np.exp(z).sum()
    assert abs(dx.losses.kl_div_with_logits_loss(dx.tensor(z), dx.tensor(p)).item()) < 1e-15


def test_untraced_inputs_give_an_untraced_loss() -> None:
    loss = dx.losses.mse_loss(dx.zeros(2, 3), dx.ones(2, 3))
    assert not loss.is_traced
    assert loss.item() == 1.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: dx.losses.mse_loss(dx.zeros(4, 5), dx.zeros(4, 6)),
            "mse_loss: shapes differ: Tensor[4, 5] and Tensor[4, 6]",
        ),
        (
            lambda: dx.losses.huber_loss(dx.zeros(3), dx.zeros(3, 1)),
            "huber_loss: shapes differ: Tensor[3] and Tensor[3, 1]",
        ),
        (
            lambda: CE(dx.zeros(8, 10), dx.zeros(8, 5)),
            "cross_entropy_with_logits_loss: targets Tensor[8, 5] do not fit logits "
            "Tensor[8, 10]: expected class probabilities Tensor[8, 10]",
        ),
        (
            lambda: CE(dx.zeros(8, 10), dx.tensor(np.zeros(10, np.int64))),
            "cross_entropy_with_logits_loss: targets Tensor[10] do not fit logits "
            "Tensor[8, 10]: expected integer labels Tensor[8]",
        ),
        (
            lambda: CE(dx.zeros(8, 10), dx.tensor(np.zeros((8, 10), np.int64))),
            "cross_entropy_with_logits_loss: targets Tensor[8, 10] do not fit logits "
            "Tensor[8, 10]: expected integer labels Tensor[8]",
        ),
        (
            lambda: CE(dx.zeros(), dx.zeros()),
            "cross_entropy_with_logits_loss: logits need a class axis (the last), got Tensor[()]",
        ),
        (
            lambda: dx.losses.kl_div_with_logits_loss(dx.zeros(2, 3), dx.zeros(3, 2)),
            "kl_div_with_logits_loss: targets Tensor[3, 2] do not fit logits Tensor[2, 3]: "
            "expected class probabilities Tensor[2, 3]",
        ),
        (
            lambda: dx.losses.binary_cross_entropy_with_logits_loss(dx.zeros(2), dx.zeros(3)),
            "binary_cross_entropy_with_logits_loss: shapes differ: Tensor[2] and Tensor[3]",
        ),
    ],
)
def test_shape_errors(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(dx.ShapeError) as e:
        call()
    assert str(e.value) == message


def test_labels_out_of_range() -> None:
    with pytest.raises(ValueError) as e:
        CE(dx.zeros(2, 3), dx.tensor(np.array([0, 3])))
    assert str(e.value) == (
        "cross_entropy_with_logits_loss: label 3 is out of range for 3 classes in Tensor[2]"
    )
    with pytest.raises(ValueError, match="label -1 is out of range"):
        CE(dx.zeros(2, 3), dx.tensor(np.array([-1, 0])))


def test_dtype_and_argument_errors() -> None:
    with pytest.raises(dx.DTypeError, match="kl_div_with_logits_loss: targets must be float"):
        dx.losses.kl_div_with_logits_loss(dx.zeros(2, 3), dx.tensor(np.zeros((2, 3), np.int64)))
    with pytest.raises(dx.DTypeError, match="dtypes differ: float32 and float64"):
        CE(dx.zeros(2, 3), dx.zeros(2, 3, dtype=dx.float64))
    with pytest.raises(TypeError, match="mse_loss: the target must be a tensor, got ndarray"):
        dx.losses.mse_loss(dx.zeros(2), np.zeros(2))  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="huber_loss: delta must be > 0, got 0"):
        dx.losses.huber_loss(dx.zeros(2), dx.zeros(2), delta=0)
    with pytest.raises(ValueError, match="smooth_l1_loss: beta must be >= 0, got -1"):
        dx.losses.smooth_l1_loss(dx.zeros(2), dx.zeros(2), beta=-1)


def test_nll_of_log_softmax_is_cross_entropy() -> None:
    rng = np.random.default_rng(1)
    logits = dx.tensor(rng.standard_normal((3, 4, 6)))
    labels = dx.tensor(rng.integers(0, 6, (3, 4)))
    nll = dx.losses.nll_loss(dx.log_softmax(logits, axis=-1), labels)
    np.testing.assert_allclose(nll.item(), CE(logits, labels).item(), rtol=1e-12)


def test_nll_gradient_of_its_own_input_matches_finite_differences() -> None:
    """Directly on the log-probabilities (any values: it only picks them), with an ignored
    position: each kept row's label gets ``-1 / kept``."""
    rng = np.random.default_rng(2)
    logp = rng.standard_normal((5, 3))
    labels = np.array([0, 2, -100, 1, 2])

    def value(a: np.ndarray) -> float:
        return dx.losses.nll_loss(dx.tensor(a), dx.tensor(labels)).item()

    x = dx.tensor(logp).trace()
    loss = dx.losses.nll_loss(x, dx.tensor(labels))
    np.testing.assert_allclose(loss.item(), -logp[[0, 1, 3, 4], [0, 2, 1, 2]].mean(), rtol=1e-12)
    np.testing.assert_allclose(loss.backward()[x].numpy(), _numeric(value, logp), atol=1e-9)


def test_nll_errors() -> None:
    nll = dx.losses.nll_loss
    with pytest.raises(dx.ShapeError) as e:
        nll(dx.zeros(8, 10), dx.tensor(np.zeros(10, np.int64)))
    assert str(e.value) == (
        "nll_loss: targets Tensor[10] do not fit logits Tensor[8, 10]: expected integer labels "
        "Tensor[8]"
    )
    with pytest.raises(dx.DTypeError, match="nll_loss: targets must be integer class labels"):
        nll(dx.zeros(2, 3), dx.zeros(2))
    with pytest.raises(ValueError, match="nll_loss: label 3 is out of range for 3 classes"):
        nll(dx.zeros(2, 3), dx.tensor(np.array([0, 3])))
    with pytest.raises(TypeError, match="nll_loss: ignore_index must be an int"):
        nll(dx.zeros(2, 3), dx.tensor(np.array([0, 1])), ignore_index=1.5)  # type: ignore[arg-type]
    assert np.isnan(nll(dx.zeros(2, 3), dx.tensor(np.array([-100, -100]))).item())


def test_smooth_l1_with_beta_zero_is_mae() -> None:
    a, b = dx.tensor([1.0, -2.0, 0.5]), dx.tensor([0.0, 0.0, 0.0])
    assert dx.losses.smooth_l1_loss(a, b, beta=0).item() == dx.losses.mae_loss(a, b).item()


def test_fixture_matches_live_torch() -> None:
    """Where PyTorch is installed: today's PyTorch still computes the committed values."""
    pytest.importorskip("torch")
    from make_torch_optim_fixtures import make_losses

    _helpers.assert_same_arrays(FIX, make_losses(), rtol=1e-6, atol=1e-7)


def test_public_names() -> None:
    names = {
        "mse_loss",
        "mae_loss",
        "rmse_loss",
        "huber_loss",
        "smooth_l1_loss",
        "binary_cross_entropy_with_logits_loss",
        "cross_entropy_with_logits_loss",
        "kl_div_with_logits_loss",
        "nll_loss",
    }
    assert {n for n in names if callable(getattr(dx.losses, n, None))} == names
