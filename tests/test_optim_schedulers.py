"""Learning-rate schedulers against torch.optim.lr_scheduler (fixtures from
tests/fixtures/make_torch_sched_fixtures.py), their state and their checks."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import _helpers
import numpy as np
import pytest

import dfdx as dx
from dfdx import NoneTape, Tensor
from dfdx.optim import lr_scheduler

M = _helpers.load_fixture_script("make_torch_sched_fixtures.py")
FIX = _helpers.load_npz(M.SCHED_FIXTURE)


class TwoParams:
    def __init__(self) -> None:
        self.tensors: dict[str, Tensor[Any, NoneTape]] = {"a": dx.zeros(2), "b": dx.zeros(3)}

    def named_parameters(self) -> Iterator[tuple[str, Tensor[Any, NoneTape]]]:
        yield from self.tensors.items()


def make(case: str) -> tuple[dx.optim.Optimizer, lr_scheduler.LRScheduler]:
    """The case's optimizer (two groups, lrs GROUP_LRS) and scheduler."""
    opt_cls, opt_kw, spec = M.SCHED_CASES[case]
    lr_a, lr_b = M.GROUP_LRS
    groups = [{"params": ["a"], "lr": lr_a}, {"params": ["b"], "lr": lr_b}]
    kw = {"lr": 1.0, **opt_kw} if opt_cls == "SGD" else opt_kw
    opt = getattr(dx.optim, opt_cls)(TwoParams(), **kw, param_groups=groups)
    return opt, M.build(lr_scheduler, opt, spec)


def run(opt: dx.optim.Optimizer, sched: lr_scheduler.LRScheduler, steps: int) -> Any:
    lrs, moms = [], []
    for _ in range(steps):
        sched.step()
        lrs.append(sched.get_last_lr())
        moms.append([M.momentum_of(g) for g in opt.param_groups])
    return np.array(lrs), np.array(moms)


@pytest.mark.parametrize("case", sorted(M.SCHED_CASES))
def test_matches_torch_over_300_steps(case: str) -> None:
    """The same rates as PyTorch's (Python floats, the same formulas in the same order:
    equal to a few ulps at most), per parameter group, and the same cycled momenta."""
    opt, sched = make(case)
    first = np.array([sched.get_last_lr()])
    lrs, moms = run(opt, sched, M.STEPS)
    np.testing.assert_allclose(
        np.concatenate([first, lrs]), FIX[f"sched/{case}/lr"], rtol=1e-13, atol=0
    )
    assert [g["lr"] for g in opt.param_groups] == sched.get_last_lr()
    if case in M.MOMENTUM_CASES:
        np.testing.assert_allclose(moms, FIX[f"sched/{case}/momentum"][1:], rtol=1e-13)


@pytest.mark.parametrize("case", sorted(M.SCHED_CASES))
def test_state_dict_resumes_the_same_rates(case: str) -> None:
    """Stopped at step 137 and restored into a fresh optimizer and scheduler, the rates go
    on exactly as in the run that was not stopped."""
    opt, sched = make(case)
    run(opt, sched, 137)
    opt_state, sched_state = opt.state_dict(), sched.state_dict()
    expected = run(opt, sched, M.STEPS - 137)
    opt2, sched2 = make(case)
    run(opt2, sched2, 5)  # a different position, overwritten by the load
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    got = run(opt2, sched2, M.STEPS - 137)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


def test_hand_written_warmup_cosine_with_lambda_lr() -> None:
    """The docs' recipe: a factor function of the step."""
    opt = dx.optim.AdamW(TwoParams(), lr=1e-3)
    sched = lr_scheduler.LambdaLR(opt, M.warmup_cosine)
    assert sched.get_last_lr() == [1e-3 / 20]
    for _ in range(19):
        sched.step()
    assert sched.get_last_lr() == [1e-3]
    for _ in range(280):
        sched.step()
    assert 0 < sched.get_last_lr()[0] < 1e-7  # step 299
    sched.step()
    assert sched.get_last_lr() == [0.0]


def test_setting_lr_by_hand() -> None:
    opt = dx.optim.SGD(TwoParams(), lr=0.1, param_groups=[{"params": ["b"], "lr": 0.5}])
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.1]
    assert opt.lr == 0.5
    opt.lr = 0.01
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.01]
    opt.param_groups[1]["lr"] = 0.2
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.2]
    with pytest.raises(ValueError, match=re.escape("SGD: lr must be >= 0.0, got -1")):
        opt.lr = -1


def test_state_of_another_scheduler_kind_is_an_error() -> None:
    opt, sched = make("step")
    other = lr_scheduler.ExponentialLR(opt, gamma=0.9)
    with pytest.raises(ValueError) as e:
        other.load_state_dict(sched.state_dict())
    assert (
        str(e.value)
        == "ExponentialLR.load_state_dict: the state is of a StepLR, not a ExponentialLR"
    )


def test_state_for_other_groups_is_an_error() -> None:
    _, sched = make("exponential")
    one_group = dx.optim.SGD(TwoParams(), lr=0.1)
    with pytest.raises(
        ValueError, match="base_lrs has 2 entries, the optimizer 1 parameter groups"
    ):
        lr_scheduler.ExponentialLR(one_group, gamma=0.5).load_state_dict(sched.state_dict())


def test_sequential_checks_the_inner_states_before_loading() -> None:
    _, sched = make("sequential_three")
    state = sched.state_dict()
    state["_schedulers"][2]["kind"] = "StepLR"
    before = sched.state_dict()
    with pytest.raises(ValueError, match="the state is of a StepLR, not a MultiStepLR"):
        sched.load_state_dict(state)
    assert sched.state_dict() == before


@pytest.mark.parametrize(
    ("make_sched", "error", "message"),
    [
        (
            lambda o: lr_scheduler.StepLR(o, step_size=0),
            ValueError,
            "StepLR: step_size must be a positive integer, got 0",
        ),
        (
            lambda o: lr_scheduler.LinearLR(o, start_factor=0.0),
            ValueError,
            "LinearLR: start_factor must be in (0, 1], got 0.0",
        ),
        (
            lambda o: lr_scheduler.LambdaLR(o, [M.warmup_cosine] * 3),
            ValueError,
            "LambdaLR: expected 2 lr_lambdas (one per parameter group), got 3",
        ),
        (
            lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1),
            ValueError,
            "OneCycleLR: give total_steps, or epochs and steps_per_epoch",
        ),
        (
            lambda o: lr_scheduler.OneCycleLR(o, max_lr=[0.1], total_steps=10),
            ValueError,
            "OneCycleLR: max_lr has 1 values, the optimizer 2 parameter groups",
        ),
        (
            lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ExponentialLR(o, 0.9)], [3]),
            ValueError,
            "SequentialLR: expected 0 milestones (one fewer than schedulers), got 1",
        ),
        (
            lambda o: lr_scheduler.ExponentialLR(o, gamma="0.9"),
            TypeError,
            "ExponentialLR: gamma must be a number, got '0.9'",
        ),
        (
            lambda o: lr_scheduler.StepLR(object(), 3),
            TypeError,
            "StepLR: object is not an optimizer",
        ),
    ],
)
def test_bad_arguments(make_sched: Any, error: type[Exception], message: str) -> None:
    opt, _ = make("step")
    with pytest.raises(error) as e:
        make_sched(opt)
    assert str(e.value) == message


def test_one_cycle_needs_momentum_to_cycle() -> None:
    opt = dx.optim.SGD(TwoParams(), lr=0.1)
    opt.defaults.pop("momentum")  # every dfdx optimizer has one; a future one may not
    with pytest.raises(ValueError, match="SGD has no momentum or betas to cycle"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10, cycle_momentum=False)
    for _ in range(10):
        sched.step()
    with pytest.raises(ValueError, match="tried to step 11 times; total_steps is 10"):
        sched.step()


def test_sequential_needs_the_same_optimizer() -> None:
    opt, _ = make("step")
    other, _ = make("step")
    inner = lr_scheduler.ExponentialLR(other, 0.9)
    with pytest.raises(ValueError, match=r"schedulers\[0\] \(ExponentialLR\) belongs to another"):
        lr_scheduler.SequentialLR(opt, [inner], [])


def test_cosine_rate_is_the_closed_form_at_the_quarter() -> None:
    """A check that does not lean on the fixture: after T_max / 2 steps the cosine is at
    the middle of its range."""
    opt = dx.optim.SGD(TwoParams(), lr=1.0)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=100, eta_min=0.2)
    for _ in range(50):
        sched.step()
    assert math.isclose(sched.get_last_lr()[0], 0.6, rel_tol=1e-12)


def test_fixture_matches_live_torch() -> None:
    """Where PyTorch is installed: today's torch still computes the committed values."""
    pytest.importorskip("torch")
    _helpers.assert_same_arrays(M.make_all(), FIX, rtol=1e-7, atol=1e-8)
