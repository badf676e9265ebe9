"""Gradient clipping against torch.nn.utils (fixtures from
tests/fixtures/make_torch_sched_fixtures.py) and gradient accumulation."""

from __future__ import annotations

import math
import re
from typing import Any

import _helpers
import numpy as np
import pytest
from _helpers import Params, grads_of

import dfdx as dx

M = _helpers.load_fixture_script("make_torch_sched_fixtures.py")
FIX = _helpers.load_npz(M.SCHED_FIXTURE)


@pytest.mark.parametrize("case", sorted(M.CLIP_CASES))
def test_clipping_matches_torch(case: str) -> None:
    """The same total norm as torch's, and SGD(lr=1) then applies torch's clipped
    gradients: the parameters (zeros) become minus them."""
    kind, limit, kw = M.CLIP_CASES[case]
    n = len(M.CLIP_SHAPES)
    model = Params(**{str(i): np.zeros(s, np.float32) for i, s in enumerate(M.CLIP_SHAPES)})
    grads = grads_of(model, {str(i): FIX[f"clip/{case}/grad/{i}"] for i in range(n)})
    if kind == "norm":
        norm = dx.optim.clip_grad_norm(model, grads, limit, **kw)
        assert isinstance(norm, float)
        np.testing.assert_allclose(norm, FIX[f"clip/{case}/norm"], rtol=1e-6)
    else:
        dx.optim.clip_grad_value(model, grads, limit)
    dx.optim.SGD(model, lr=1.0).update(model, grads)
    for i in range(n):
        np.testing.assert_allclose(
            -model.tensors[str(i)]._data, FIX[f"clip/{case}/clipped/{i}"], rtol=1e-6, atol=1e-7
        )


def test_only_the_parameters_gradients_count_and_change() -> None:
    """The input's gradient (which torch would not clip either) stays as it was."""
    rng = np.random.default_rng(0)
    model = dx.nn.Linear(3, 2, rng=rng)
    x = dx.tensor(rng.standard_normal((4, 3)).astype(np.float32)).trace()
    grads = (model(x) * 100.0).sum().backward()
    before = {"w": grads.array(model.weight).copy(), "b": grads.array(model.bias).copy()}
    x_grad = grads.array(x).copy()
    expected = math.sqrt(sum(float((v.astype(np.float64) ** 2).sum()) for v in before.values()))
    norm = dx.optim.clip_grad_norm(model, grads, 1.0)
    assert math.isclose(norm, expected, rel_tol=1e-6)
    np.testing.assert_array_equal(grads.array(x), x_grad)
    clipped = np.concatenate([grads.array(model.weight).ravel(), grads.array(model.bias)])
    assert math.isclose(float(np.linalg.norm(clipped.astype(np.float64))), 1.0, rel_tol=1e-5)
    np.testing.assert_allclose(
        grads.array(model.weight), before["w"] / (expected + 1e-6), rtol=1e-6
    )


def test_a_list_of_tensors_works_like_the_model() -> None:
    model = Params(a=np.zeros(3, np.float32), b=np.zeros(2, np.float32))
    g = {"a": np.array([3.0, 0.0, 0.0], np.float32), "b": np.array([0.0, 4.0], np.float32)}
    grads = grads_of(model, g)
    assert dx.optim.clip_grad_norm([model.tensors["a"]], grads, 1.0) == 3.0
    np.testing.assert_allclose(grads.array(model.tensors["a"]), [1.0, 0.0, 0.0], rtol=1e-6)
    np.testing.assert_array_equal(grads.array(model.tensors["b"]), [0.0, 4.0])


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # 0 * inf in grads_of
def test_non_finite_norm() -> None:
    model = Params(a=np.zeros(2, np.float32))
    g = {"a": np.array([np.inf, 1.0], np.float32)}
    with pytest.raises(
        RuntimeError, match=re.escape("the total norm of order 2.0 of the gradients is inf")
    ):
        dx.optim.clip_grad_norm(model, grads_of(model, g), 1.0, error_if_nonfinite=True)
    grads = grads_of(model, g)
    assert dx.optim.clip_grad_norm(model, grads, 1.0) == math.inf
    # as torch: the gradient times 1 / inf = 0, so inf * 0 is nan and 1 * 0 is 0
    np.testing.assert_array_equal(grads.array(model.tensors["a"]), [np.nan, 0.0])


def test_no_gradients_give_a_zero_norm() -> None:
    model = Params(a=np.zeros(2, np.float32))
    other = Params(b=np.zeros(2, np.float32))
    assert (
        dx.optim.clip_grad_norm(model, grads_of(other, {"b": np.ones(2, np.float32)}), 1.0) == 0.0
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda m, g: dx.optim.clip_grad_norm(m, g, -1.0),
            "clip_grad_norm: max_norm must be a number >= 0, got -1.0",
        ),
        (
            lambda m, g: dx.optim.clip_grad_norm(m, g, 1.0, norm_type=0),
            "clip_grad_norm: norm_type must be a number > 0 or math.inf, got 0",
        ),
        (
            lambda m, g: dx.optim.clip_grad_value(m, g, float("nan")),
            "clip_grad_value: clip_value must be a number >= 0, got nan",
        ),
    ],
)
def test_bad_arguments(call: Any, message: str) -> None:
    model = Params(a=np.zeros(2, np.float32))
    with pytest.raises(ValueError) as e:
        call(model, grads_of(model, {"a": np.ones(2, np.float32)}))
    assert str(e.value) == message


def mlp() -> dx.nn.Module:
    rng = np.random.default_rng(3)
    return dx.nn.Sequential(dx.nn.Linear(5, 8, rng=rng), dx.nn.Tanh(), dx.nn.Linear(8, 3, rng=rng))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_accumulated_micro_batches_equal_one_batch(dtype: Any) -> None:
    """Two micro-batches, each loss's gradient scaled by 1/2, accumulated, one Adam update:
    the same parameters as one update on the whole batch (to the dtype's rounding)."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((16, 5)).astype(dtype)
    y = rng.integers(0, 3, 16)
    whole, split = mlp().to(dtype), mlp().to(dtype)
    ce = dx.losses.cross_entropy_with_logits_loss
    opt_whole, opt_split = dx.optim.Adam(whole, lr=1e-2), dx.optim.Adam(split, lr=1e-2)
    acc = dx.optim.GradAccumulator(split)
    for _ in range(3):
        loss = ce(whole(dx.tensor(x).trace()), dx.tensor(y))
        opt_whole.update(whole, loss.backward())
        for part in (slice(0, 8), slice(8, 16)):
            loss = ce(split(dx.tensor(x[part]).trace()), dx.tensor(y[part]))
            acc.add(loss.backward(), scale=0.5)
        assert acc.count == 2
        opt_split.update(split, acc.gradients())
        acc.zero()
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for (k, a), (_, b) in zip(whole.state_dict().items(), split.state_dict().items(), strict=True):
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol, err_msg=k)


def test_accumulated_gradients_are_the_sum() -> None:
    model = Params(a=np.zeros(2, np.float32), b=np.zeros(1, np.float32))
    acc = dx.optim.GradAccumulator(model)
    acc.add(grads_of(model, {"a": np.array([1.0, 2.0], np.float32)}))
    acc.add(grads_of(model, {"a": np.array([3.0, 5.0], np.float32)}), scale=0.5)
    grads = acc.gradients()
    np.testing.assert_array_equal(grads.array(model.tensors["a"]), [2.5, 4.5])
    assert model.tensors["b"] not in grads  # no gradient in any add: left alone by update
    assert dx.optim.clip_grad_norm(model, grads, 1.0) == pytest.approx(math.hypot(2.5, 4.5))
    acc.zero()
    assert acc.count == 0 and len(acc.gradients()) == 0
    with pytest.raises(
        TypeError, match=re.escape("GradAccumulator.add: expected Gradients, got dict")
    ):
        acc.add({})  # type: ignore[arg-type]
