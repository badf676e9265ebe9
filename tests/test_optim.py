"""Optimizers against torch.optim (fixtures from tests/fixtures/make_torch_optim_fixtures.py),
and their checks of hyper-parameters and gradients."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import _helpers
import numpy as np
import pytest
from _helpers import Params, grads_of

import dfdx as dx
from dfdx.optim import _base

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from make_torch_optim_fixtures import OPTIM_CASES, OPTIM_FIXTURE, STEPS

FIX = np.load(OPTIM_FIXTURE)


@pytest.mark.parametrize("case", sorted(OPTIM_CASES))
def test_matches_torch_over_10_steps(case: str) -> None:
    cls, kw = OPTIM_CASES[case]
    names = ("a", "b", "c")
    model = Params(**{k: FIX[f"params/{k}"] for k in names})
    opt = getattr(dx.optim, cls)(model, **kw)
    for step in range(STEPS):
        g = {k: FIX[f"grads/{step}/{k}"] for k in names if f"grads/{step}/{k}" in FIX}
        opt.update(model, grads_of(model, g))
        for k in names:
            got = model.tensors[k]._data
            assert got.dtype == np.float32
            np.testing.assert_allclose(
                got, FIX[f"{case}/{step}/{k}"], rtol=2e-6, atol=2e-7, err_msg=f"step {step} {k}"
            )


def test_parameter_without_gradient_is_left_alone() -> None:
    model = Params(a=np.ones((2, 2), np.float32), b=np.ones(3, np.float32))
    opt = dx.optim.Adam(model, lr=0.1)
    opt.update(model, grads_of(model, {"a": np.ones((2, 2), np.float32)}))
    np.testing.assert_array_equal(model.tensors["b"]._data, np.ones(3, np.float32))
    assert not np.array_equal(model.tensors["a"]._data, np.ones((2, 2), np.float32))


def test_updates_in_place_in_float32() -> None:
    model = Params(a=np.ones((2, 2), np.float32))
    before = model.tensors["a"]._data
    for cls in (dx.optim.SGD, dx.optim.Adam, dx.optim.AdamW, dx.optim.RMSprop):
        opt = cls(model, lr=0.1)
        opt.update(model, grads_of(model, {"a": np.full((2, 2), 0.5, np.float32)}))
        assert model.tensors["a"]._data is before
        assert before.dtype == np.float32


def test_float64_parameters_stay_float64() -> None:
    model = Params(a=np.ones(3, np.float64))
    opt = dx.optim.Adam(model, lr=0.1)
    opt.update(model, grads_of(model, {"a": np.ones(3)}))
    assert model.tensors["a"]._data.dtype == np.float64
    np.testing.assert_allclose(model.tensors["a"]._data, 0.9)


def test_gradient_of_wrong_shape_is_an_error() -> None:
    model = Params(a=np.ones((2, 3), np.float32))
    opt = dx.optim.SGD(model, lr=0.1)
    grads = grads_of(model, {"a": np.ones((2, 3), np.float32)})
    model.tensors["a"]._data = np.ones((3, 2), np.float32)
    with pytest.raises(dx.ShapeError) as e:
        opt.update(model, grads)
    assert str(e.value) == (
        "SGD.update: the gradient of 'a' is Tensor[2, 3], the parameter is Tensor[3, 2] "
        "(it was Tensor[2, 3] when built)"
    )


def test_unknown_parameter_is_an_error() -> None:
    opt = dx.optim.SGD(Params(a=np.ones(2, np.float32)), lr=0.1)
    other = Params(z=np.ones(2, np.float32))
    with pytest.raises(KeyError, match="parameter 'z' that this optimizer was not built with"):
        opt.update(other, grads_of(other, {"z": np.ones(2, np.float32)}))


def test_integer_parameter_is_an_error() -> None:
    with pytest.raises(dx.DTypeError, match="parameter 'a' must be float32 or float64"):
        dx.optim.Adam(Params(a=np.ones(2, np.int64)))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda m: dx.optim.SGD(m, lr=-0.1), "SGD: lr must be >= 0.0, got -0.1"),
        (lambda m: dx.optim.SGD(m, lr=float("nan")), "SGD: lr must be >= 0.0, got nan"),
        (lambda m: dx.optim.SGD(m, lr=0.1, momentum=-1), "SGD: momentum must be >= 0.0, got -1"),
        (
            lambda m: dx.optim.SGD(m, lr=0.1, nesterov=True),
            "SGD: nesterov needs momentum > 0 and dampening = 0",
        ),
        (
            lambda m: dx.optim.Adam(m, betas=(0.9, 1.0)),
            "Adam: betas[1] must be in [0.0, 1.0), got 1.0",
        ),
        (lambda m: dx.optim.Adam(m, eps=-1e-8), "Adam: eps must be >= 0.0, got -1e-08"),
        (
            lambda m: dx.optim.AdamW(m, weight_decay=-0.01),
            "AdamW: weight_decay must be >= 0.0, got -0.01",
        ),
        (lambda m: dx.optim.RMSprop(m, alpha=-0.5), "RMSprop: alpha must be >= 0.0, got -0.5"),
    ],
)
def test_bad_hyper_parameters(make: Any, message: str) -> None:
    with pytest.raises(ValueError) as e:
        make(Params(a=np.ones(2, np.float32)))
    assert str(e.value) == message


def test_hyper_parameter_of_wrong_type() -> None:
    with pytest.raises(TypeError, match="SGD: lr must be a number, got str"):
        dx.optim.SGD(Params(), lr="0.1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Adam: betas must be a pair of numbers"):
        dx.optim.Adam(Params(), betas=(0.9,))  # type: ignore[arg-type]


def test_gradients_read_before_the_update() -> None:
    """The optimizer reads every gradient before it changes a parameter: the gradient of
    ``x`` in ``x @ w`` depends on ``w``'s old value."""
    w0 = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    x0 = np.array([[1.0, -1.0]], np.float32)
    model = Params(w=w0.copy(), x=x0.copy())
    w, x = model.tensors["w"], model.tensors["x"]
    grads = (x.trace() @ w.trace()).sum().backward()
    dx.optim.SGD(model, lr=1.0).update(model, grads)
    np.testing.assert_allclose(model.tensors["w"]._data, w0 - x0.T @ np.ones((1, 2)))
    np.testing.assert_allclose(model.tensors["x"]._data, x0 - np.ones((1, 2)) @ w0.T)


class TwoHeads(dx.nn.Module):
    """A model with a head that the loss below never uses."""

    def __init__(self) -> None:
        super().__init__()
        rng = np.random.default_rng(0)
        self.body = dx.nn.Linear(3, 4, rng=rng)
        self.unused = dx.nn.Linear(4, 2, rng=rng)

    def forward(self, x: Any) -> Any:
        return self.body(x).relu()


@pytest.mark.parametrize(
    ("cls", "lr"),
    [(dx.optim.SGD, 0.5), (dx.optim.Adam, 0.05), (dx.optim.AdamW, 0.05), (dx.optim.RMSprop, 0.02)],
)
def test_trains_a_dx_nn_model(cls: Any, lr: float) -> None:
    model = TwoHeads()
    unused_before = {k: v.copy() for k, v in model.unused.state_dict().items()}
    opt = cls(model, lr=lr)
    rng = np.random.default_rng(1)
    x = dx.tensor(rng.standard_normal((16, 3)).astype(np.float32))
    y = dx.tensor(rng.uniform(0.5, 1.0, (16, 4)).astype(np.float32))
    losses = []
    for _ in range(20):
        loss = dx.losses.mse_loss(model(x.trace()), y)
        losses.append(loss.item())
        opt.update(model, loss.backward())
    assert losses[-1] < 0.75 * losses[0]
    for k, v in model.unused.state_dict().items():
        np.testing.assert_array_equal(v, unused_before[k])


@pytest.mark.parametrize(
    "case", ["sgd_nesterov_wd", "adam_wd", "adamw", "rmsprop_centered_momentum_wd"]
)
def test_small_parameters_updated_together_as_one_by_one(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small parameters share flat state arrays and one update; the result is exactly that
    of updating each on its own, also when one of them misses a gradient now and then."""
    cls, kw = OPTIM_CASES[case]
    rng = np.random.default_rng(5)
    shapes = {"big": (100, 100), "w": (4, 3), "b": (3,), "c": (5,)}
    init = {k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()}
    results = []
    for small in (_base.SMALL, 0):
        monkeypatch.setattr(_base, "SMALL", small)
        model = Params(**{k: v.copy() for k, v in init.items()})
        opt = getattr(dx.optim, cls)(model, **kw)
        assert bool(opt._groups) == bool(small)
        step_rng = np.random.default_rng(6)
        for step in range(6):
            g = {k: step_rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()}
            if step == 2:
                del g["c"]
            opt.update(model, grads_of(model, g))
        results.append({k: t._data for k, t in model.tensors.items()})
    for k in shapes:
        np.testing.assert_array_equal(results[0][k], results[1][k], err_msg=k)


def test_fixture_matches_live_torch() -> None:
    """Where PyTorch is installed: today's torch.optim still computes the committed values."""
    pytest.importorskip("torch")
    from make_torch_optim_fixtures import make_optim

    _helpers.assert_same_arrays(FIX, make_optim(), rtol=1e-6, atol=1e-7)


def test_public_names() -> None:
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Optimizer", "GradAccumulator", "ParamInfo"):
        assert isinstance(getattr(dx.optim, name), type), name
    assert issubclass(dx.optim.AdamW, dx.optim.Adam)
    for name in ("clip_grad_norm", "clip_grad_value", "select_parameters", "parameter_info"):
        assert callable(getattr(dx.optim, name)), name
    assert callable(dx.optim.weight_decay_groups)
    assert callable(dx.save_checkpoint) and callable(dx.load_checkpoint)
    sched = dx.optim.lr_scheduler
    for name in (
        "LRScheduler",
        "StepLR",
        "MultiStepLR",
        "ExponentialLR",
        "CosineAnnealingLR",
        "LinearLR",
        "LambdaLR",
        "OneCycleLR",
        "SequentialLR",
    ):
        assert issubclass(getattr(sched, name), sched.LRScheduler), name


def test_parameter_that_changed_dtype_is_an_error() -> None:
    model = Params(a=np.ones(2, np.float32))
    opt = dx.optim.Adam(model)
    model.tensors["a"]._data = np.ones(2, np.float64)
    with pytest.raises(dx.DTypeError) as e:
        opt.update(model, grads_of(model, {"a": np.ones(2, np.float64)}))
    assert str(e.value) == (
        "Adam.update: the gradient of 'a' is float64, the parameter is float64 "
        "(it was float32 when built)"
    )
