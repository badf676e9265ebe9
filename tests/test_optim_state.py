"""Optimizer state_dict/load_state_dict and checkpoints (dx.save_checkpoint,
dx.load_checkpoint): a resumed run continues bit for bit as the run that was not stopped."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dfdx as dx
from dfdx.optim import _base, lr_scheduler

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from _helpers import Params, grads_of
from make_torch_optim_fixtures import OPTIM_CASES, optim_inputs


@pytest.mark.parametrize("small", [_base.SMALL, 0])
@pytest.mark.parametrize("case", sorted(OPTIM_CASES))
def test_state_dict_resumes_bit_for_bit(
    case: str, small: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped after step 5 (parameter c missed step 3's gradient, so its step count differs
    from the others') and restored into a fresh optimizer: the next steps are exactly those
    of the run that went on."""
    monkeypatch.setattr(_base, "SMALL", small)
    cls, kw = OPTIM_CASES[case]
    params, grads = optim_inputs()
    model = Params(**params)
    opt = getattr(dx.optim, cls)(model, **kw)
    for g in grads[:5]:
        opt.update(model, grads_of(model, g))
    saved = {k: t._data.copy() for k, t in model.tensors.items()}
    state = opt.state_dict()
    for g in grads[5:]:
        opt.update(model, grads_of(model, g))
    resumed = Params(**saved)
    opt2 = getattr(dx.optim, cls)(resumed, **kw)
    opt2.load_state_dict(state)
    for g in grads[5:]:
        opt2.update(resumed, grads_of(resumed, g))
    for k, t in model.tensors.items():
        np.testing.assert_array_equal(resumed.tensors[k]._data, t._data, err_msg=k)


def test_state_dict_is_plain_values_and_copies() -> None:
    model = Params(a=np.ones(3, np.float32))
    opt = dx.optim.Adam(model, lr=0.1)
    assert opt.state_dict()["state"] == {}  # no step yet, as in PyTorch
    opt.update(model, grads_of(model, {"a": np.ones(3, np.float32)}))
    state = opt.state_dict()
    assert state["kind"] == "Adam"
    assert state["param_groups"] == [
        {"params": ["a"], "lr": 0.1, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0}
    ]
    entry = state["state"]["a"]
    assert entry["step"] == 1 and entry["scaled_betas"] == [0.9, 0.999]
    # exp_avg_scaled is PyTorch's exp_avg / (1 - beta1): here the gradient itself
    np.testing.assert_array_equal(entry["exp_avg_scaled"], np.ones(3, np.float32))
    entry["exp_avg_scaled"][:] = 7
    assert opt.state_dict()["state"]["a"]["exp_avg_scaled"][0] == 1


def test_state_of_another_optimizer_kind_is_an_error() -> None:
    model = Params(a=np.ones(3, np.float32))
    adam = dx.optim.Adam(model)
    adam.update(model, grads_of(model, {"a": np.ones(3, np.float32)}))
    with pytest.raises(ValueError) as e:
        dx.optim.SGD(model, lr=0.1).load_state_dict(adam.state_dict())
    assert str(e.value) == "SGD.load_state_dict: the state is of a Adam optimizer, not SGD"


def test_state_of_other_shapes_is_an_error_and_changes_nothing() -> None:
    small, big = Params(a=np.ones(3, np.float32)), Params(a=np.ones(4, np.float32))
    opt_small, opt_big = dx.optim.Adam(small, lr=0.5), dx.optim.Adam(big)
    opt_small.update(small, grads_of(small, {"a": np.ones(3, np.float32)}))
    before = opt_big.state_dict()
    with pytest.raises(ValueError) as e:
        opt_big.load_state_dict(opt_small.state_dict())
    assert str(e.value) == (
        "Adam.load_state_dict: 'a''s exp_avg_scaled is Tensor[3] float32, the parameter is "
        "Tensor[4] float32"
    )
    assert opt_big.state_dict() == before


def test_state_of_other_groups_is_an_error() -> None:
    model = Params(a=np.ones(3, np.float32), b=np.ones(2, np.float32))
    grouped = dx.optim.SGD(model, lr=0.1, param_groups=[{"params": ["b"]}])
    with pytest.raises(ValueError, match=r"param_groups\[0\] holds other parameters"):
        dx.optim.SGD(model, lr=0.1).load_state_dict(
            {**grouped.state_dict(), "param_groups": grouped.state_dict()["param_groups"][:1]}
        )
    with pytest.raises(ValueError, match="the state has 2 parameter groups, this optimizer 1"):
        dx.optim.SGD(model, lr=0.1).load_state_dict(grouped.state_dict())


# ---- checkpoints --------------------------------------------------------------------


def make_run(
    kind: str = "adamw_warmup_cosine",
) -> tuple[dx.nn.Module, dx.optim.Optimizer, lr_scheduler.LRScheduler]:
    rng = np.random.default_rng(11)
    model = dx.nn.Sequential(
        dx.nn.Linear(6, 16, rng=rng),
        dx.nn.LayerNorm(16),
        dx.nn.ReLU(),
        dx.nn.Linear(16, 4, rng=rng),
    )
    if kind == "adam_onecycle":  # betas change every step
        opt: dx.optim.Optimizer = dx.optim.Adam(model, lr=1e-3)
        return model, opt, lr_scheduler.OneCycleLR(opt, max_lr=1e-2, total_steps=20)
    if kind == "sgd_onecycle":  # momentum changes every step
        opt = dx.optim.SGD(model, lr=0.1, momentum=0.9, nesterov=True)
        return model, opt, lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=20)
    if kind == "rmsprop_step":
        opt = dx.optim.RMSprop(model, lr=1e-3, centered=True, momentum=0.5)
        return model, opt, lr_scheduler.StepLR(opt, step_size=3, gamma=0.7)
    opt = dx.optim.AdamW(model, lr=3e-3, param_groups=dx.optim.weight_decay_groups(model, 0.1))
    warmup = lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=4)
    cosine = lr_scheduler.CosineAnnealingLR(opt, T_max=16)
    return model, opt, lr_scheduler.SequentialLR(opt, [warmup, cosine], milestones=[4])


def train(model: dx.nn.Module, opt: dx.optim.Optimizer, sched: Any, steps: range) -> list[float]:
    """Steps on batches that depend only on the step number; gradients clipped to norm 1."""
    losses = []
    for step in steps:
        rng = np.random.default_rng(step)
        x = dx.tensor(rng.standard_normal((8, 6)).astype(np.float32))
        y = dx.tensor(rng.integers(0, 4, 8))
        loss = dx.losses.cross_entropy_with_logits_loss(model(x.trace()), y)
        losses.append(loss.item())
        grads = loss.backward()
        dx.optim.clip_grad_norm(model, grads, 1.0)
        opt.update(model, grads)
        sched.step()
    return losses


@pytest.mark.parametrize(
    ("kind", "suffix"),
    [
        ("adamw_warmup_cosine", ".npz"),
        ("adamw_warmup_cosine", ".safetensors"),
        ("adam_onecycle", ".npz"),
        ("sgd_onecycle", ".safetensors"),
        ("rmsprop_step", ".npz"),
    ],
)
def test_a_resumed_run_has_the_same_losses(tmp_path: Path, kind: str, suffix: str) -> None:
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")
    model, opt, sched = make_run(kind)
    expected = train(model, opt, sched, range(20))

    model, opt, sched = make_run(kind)
    first = train(model, opt, sched, range(7))
    path = tmp_path / f"run{suffix}"
    dx.save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, extra={"step": 7})

    model, opt, sched = make_run(kind)  # a fresh start, as after a restart
    extra = dx.load_checkpoint(path, model=model, optimizer=opt, scheduler=sched)
    assert extra == {"step": 7}
    rest = train(model, opt, sched, range(extra["step"], 20))
    assert first + rest == expected  # exact equality of every loss
    assert len(list(tmp_path.iterdir())) == 1  # no temporary file left behind


def test_checkpoint_is_one_file_of_plain_arrays(tmp_path: Path) -> None:
    model, opt, sched = make_run()
    train(model, opt, sched, range(2))
    path = tmp_path / "ckpt.npz"
    extra = {"step": 2, "name": "run-1", "seeds": np.arange(3), "nested": {"best": [0.5, None]}}
    dx.save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, extra=extra)
    with np.load(path, allow_pickle=False) as npz:
        keys = set(npz.files)
        assert all(npz[k].dtype != object for k in keys)
    assert {"model/0.weight", "optimizer/state/0.weight/exp_avg_scaled", "__checkpoint__"} <= keys
    back = dx.load_checkpoint(path)
    np.testing.assert_array_equal(back.pop("seeds"), np.arange(3))
    assert back == {"step": 2, "name": "run-1", "nested": {"best": [0.5, None]}}


def test_loading_a_mismatched_checkpoint_changes_nothing(tmp_path: Path) -> None:
    model, opt, sched = make_run()
    train(model, opt, sched, range(3))
    path = tmp_path / "ckpt.npz"
    dx.save_checkpoint(path, model=model, optimizer=opt, scheduler=sched)
    other = dx.nn.Sequential(dx.nn.Linear(6, 16), dx.nn.ReLU(), dx.nn.Linear(16, 4))
    model2, opt2, sched2 = make_run()
    opt_before, sched_before = opt2.state_dict(), sched2.state_dict()
    with pytest.raises(dx.nn.LoadError, match=re.escape("missing key '2.weight'")):
        dx.load_checkpoint(path, model=other, optimizer=opt2, scheduler=sched2)
    assert opt2.state_dict() == opt_before and sched2.state_dict() == sched_before

    sgd = dx.optim.SGD(model2, lr=0.1)
    with pytest.raises(dx.nn.LoadError, match="the state is of a AdamW optimizer, not SGD"):
        dx.load_checkpoint(path, model=model2, optimizer=sgd)
    with pytest.raises(dx.nn.LoadError, match="the state is of a SequentialLR, not a StepLR"):
        dx.load_checkpoint(path, scheduler=lr_scheduler.StepLR(opt2, 3))


def test_missing_parts_are_errors(tmp_path: Path) -> None:
    model, opt, _ = make_run()
    path = tmp_path / "ckpt.npz"
    dx.save_checkpoint(path, model=model)
    with pytest.raises(
        dx.nn.LoadError, match=re.escape("ckpt.npz: the checkpoint has no optimizer state")
    ):
        dx.load_checkpoint(path, model=model, optimizer=opt)
    model.save(tmp_path / "weights.npz")
    with pytest.raises(dx.nn.LoadError, match="not a dfdx checkpoint"):
        dx.load_checkpoint(tmp_path / "weights.npz", model=model)
    with pytest.raises(TypeError, match="extra/when is a object"):
        dx.save_checkpoint(path, extra={"when": object()})
