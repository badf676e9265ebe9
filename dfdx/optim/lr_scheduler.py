"""Learning-rate schedulers: ``torch.optim.lr_scheduler``'s, step for step.

A scheduler sets ``group["lr"]`` in its optimizer's ``param_groups`` (and, for
:class:`OneCycleLR`, the momentum or ``betas[0]``). Build it after the optimizer (that sets
the first learning rate), then call ``opt.update(model, grads)`` and ``sched.step()`` once per
step. Each scheduler computes the next rate from the current one where PyTorch does (its
"chainable" form: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR), from the
step number where PyTorch does (LambdaLR, OneCycleLR), so the rates are PyTorch's to the
last bits; :class:`SequentialLR` switches with PyTorch's closed forms at its milestones.
PyTorch's deprecated ``step(epoch)`` and the ``last_epoch`` argument are not offered: a run
resumes with ``load_state_dict``.
"""

from __future__ import annotations

import copy
import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

from dfdx.optim._base import Optimizer


def _positive_int(owner: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return value


def _number(owner: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    return float(value)


class LRScheduler:
    """Base of the schedulers: ``step()`` advances ``last_epoch`` and sets each group's
    ``lr`` to :meth:`get_lr`; ``get_last_lr()`` is the list of rates it set last."""

    _saved: tuple[str, ...] = ()
    """The hyper-parameters that ``state_dict`` keeps besides the step counters."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: {type(optimizer).__name__} is not an optimizer"
            )
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self._is_initial = False
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates of the step ``last_epoch`` (called by :meth:`step`)."""
        raise NotImplementedError

    def _closed_form(self) -> list[float] | None:
        """The rates at ``last_epoch`` from ``base_lrs`` alone, where a formula exists."""
        return None

    def step(self) -> None:
        """Move to the next step and set every group's ``lr``."""
        self._step_count += 1
        self._update_lr(None)

    def _update_lr(self, epoch: int | None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            values = self._closed_form() or self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rate of each parameter group, as the last ``step()`` set it."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state as numbers and lists: its kind, step counters, base and
        last rates and hyper-parameters (not functions: a LambdaLR's lambdas are code)."""
        state: dict[str, Any] = {
            "kind": type(self).__name__,
            "last_epoch": self.last_epoch,
            "_step_count": self._step_count,
            "base_lrs": list(self.base_lrs),
            "_last_lr": list(self._last_lr),
        }
        for name in self._saved:
            state[name] = copy.deepcopy(getattr(self, name))
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (a scheduler of the same kind, on an
        optimizer with as many parameter groups). Checked before anything changes."""
        self._check(state)
        self.last_epoch = int(state["last_epoch"])
        self._step_count = int(state["_step_count"])
        self.base_lrs = [float(v) for v in state["base_lrs"]]
        self._last_lr = [float(v) for v in state["_last_lr"]]
        for name in self._saved:
            setattr(self, name, copy.deepcopy(state[name]))

    def _check(self, state: Any) -> None:
        """Raise a ValueError naming what in ``state`` does not fit this scheduler."""
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, Mapping) or "kind" not in state:
            raise ValueError(f"{where}: expected a dict from state_dict()")
        if state["kind"] != type(self).__name__:
            raise ValueError(
                f"{where}: the state is of a {state['kind']}, not a {type(self).__name__}"
            )
        needed = ("last_epoch", "_step_count", "base_lrs", "_last_lr", *self._saved)
        missing = [k for k in needed if k not in state]
        if missing:
            raise ValueError(f"{where}: the state has no {missing[0]!r}")
        groups = len(self.optimizer.param_groups)
        for key in ("base_lrs", "_last_lr"):
            if len(state[key]) != groups:
                raise ValueError(
                    f"{where}: {key} has {len(state[key])} entries, the optimizer "
                    f"{groups} parameter groups"
                )


class LambdaLR(LRScheduler):
    """``lr = initial_lr * lr_lambda(step)``; one function, or one per parameter group."""

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
    ) -> None:
        groups = len(optimizer.param_groups)
        if callable(lr_lambda):
            self.lr_lambdas = [lr_lambda] * groups
        else:
            self.lr_lambdas = list(lr_lambda)
            if len(self.lr_lambdas) != groups:
                raise ValueError(
                    f"LambdaLR: expected {groups} lr_lambdas (one per parameter group), "
                    f"got {len(self.lr_lambdas)}"
                )
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        return [
            base_lr * fn(self.last_epoch)
            for fn, base_lr in zip(self.lr_lambdas, self.base_lrs, strict=True)
        ]


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` steps."""

    _saved = ("step_size", "gamma")

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = _positive_int("StepLR", "step_size", step_size)
        self.gamma = _number("StepLR", "gamma", gamma)
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]

    def _closed_form(self) -> list[float]:
        return [lr * self.gamma ** (self.last_epoch // self.step_size) for lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each milestone (a milestone given twice: twice)."""

    _saved = ("gamma",)

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1) -> None:
        self.milestones = Counter(
            _positive_int("MultiStepLR", "a milestone", m) for m in milestones
        )
        self.gamma = _number("MultiStepLR", "gamma", gamma)
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._lrs()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._lrs()]

    def _closed_form(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [
            lr * self.gamma ** bisect_right(milestones, self.last_epoch) for lr in self.base_lrs
        ]

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "milestones": sorted(self.milestones.elements())}

    def _check(self, state: Any) -> None:
        super()._check(state)
        if "milestones" not in state:
            raise ValueError("MultiStepLR.load_state_dict: the state has no 'milestones'")

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self.milestones = Counter(int(m) for m in state["milestones"])


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every step."""

    _saved = ("gamma",)

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = _number("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]

    def _closed_form(self) -> list[float]:
        return [lr * self.gamma**self.last_epoch for lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine from the initial rate down to ``eta_min`` over ``T_max`` steps (and back up
    over the next ``T_max``, as PyTorch's recursive form does)."""

    _saved = ("T_max", "eta_min")

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = _positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = _number("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._lrs()
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if (t - 1 - T) % (2 * T) == 0:
            return [
                lr + (base - eta_min) * (1 - math.cos(math.pi / T)) / 2
                for base, lr in zip(self.base_lrs, self._lrs(), strict=True)
            ]
        return [
            (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * (lr - eta_min)
            + eta_min
            for lr in self._lrs()
        ]

    def _closed_form(self) -> list[float]:
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        return [
            eta_min + (base - eta_min) * (1 + math.cos(math.pi * t / T)) / 2
            for base in self.base_lrs
        ]


class LinearLR(LRScheduler):
    """Scale the rate linearly from ``start_factor`` to ``end_factor`` over ``total_iters``
    steps, then keep it."""

    _saved = ("start_factor", "end_factor", "total_iters")

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
    ) -> None:
        start = _number("LinearLR", "start_factor", start_factor)
        end = _number("LinearLR", "end_factor", end_factor)
        if not 0 < start <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor}")
        if not 0 <= end <= 1:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor}")
        self.start_factor, self.end_factor = start, end
        self.total_iters = _positive_int("LinearLR", "total_iters", total_iters)
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._lrs()
        delta = self.end_factor - self.start_factor
        factor = 1.0 + delta / (
            self.total_iters * self.start_factor + (self.last_epoch - 1) * delta
        )
        return [lr * factor for lr in self._lrs()]

    def _closed_form(self) -> list[float]:
        delta = self.end_factor - self.start_factor
        done = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * (self.start_factor + delta * done) for base in self.base_lrs]


class SequentialLR(LRScheduler):
    """Run ``schedulers`` one after the other, switching at ``milestones`` (one fewer than
    schedulers); at a switch the next scheduler starts from its step 0."""

    def __init__(
        self, optimizer: Optimizer, schedulers: Sequence[LRScheduler], milestones: Sequence[int]
    ) -> None:
        if len(schedulers) < 1:
            raise ValueError("SequentialLR: expected at least one scheduler, got none")
        for i, s in enumerate(schedulers):
            if not isinstance(s, LRScheduler):
                raise TypeError(f"SequentialLR: schedulers[{i}] is not a scheduler")
            if s.optimizer is not optimizer:
                raise ValueError(
                    f"SequentialLR: schedulers[{i}] ({type(s).__name__}) belongs to another "
                    "optimizer"
                )
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: expected {len(schedulers) - 1} milestones (one fewer than "
                f"schedulers), got {len(milestones)}"
            )
        self.optimizer = optimizer
        self._schedulers = list(schedulers)
        self._milestones = [int(m) for m in milestones]
        self.last_epoch = 0
        self._step_count = 0
        self._is_initial = False
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        for s in self._schedulers:  # their constructors each took a first step: undo it
            s.last_epoch -= 1
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:
        self.last_epoch += 1
        self._step_count += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "_milestones": list(self._milestones),
            "_schedulers": [s.state_dict() for s in self._schedulers],
        }

    def _check(self, state: Any) -> None:
        inner = state.get("_schedulers") if isinstance(state, Mapping) else None
        if not isinstance(inner, Sequence) or len(inner) != len(self._schedulers):
            raise ValueError(
                f"SequentialLR.load_state_dict: expected the states of {len(self._schedulers)} "
                "schedulers"
            )
        for s, st in zip(self._schedulers, inner, strict=True):
            s._check(st)
        super()._check(state)
        if "_milestones" not in state:
            raise ValueError("SequentialLR.load_state_dict: the state has no '_milestones'")

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self._milestones = [int(m) for m in state["_milestones"]]
        for s, st in zip(self._schedulers, state["_schedulers"], strict=True):
            s.load_state_dict(st)


class OneCycleLR(LRScheduler):
    """The 1cycle policy: the rate rises from ``max_lr / div_factor`` to ``max_lr`` over
    ``pct_start`` of ``total_steps``, then anneals to ``initial_lr / final_div_factor``;
    with ``cycle_momentum`` the momentum (SGD, RMSprop) or ``betas[0]`` (Adam) moves the
    other way between ``max_momentum`` and ``base_momentum``."""

    _saved = ("total_steps", "_schedule_phases", "_anneal", "cycle_momentum", "use_beta1")

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | Sequence[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: Literal["cos", "linear"] = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.85,
        max_momentum: float | Sequence[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"OneCycleLR: {type(optimizer).__name__} is not an optimizer")
        if total_steps is not None:
            self.total_steps = _positive_int("OneCycleLR", "total_steps", total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = _positive_int("OneCycleLR", "epochs", epochs) * _positive_int(
                "OneCycleLR", "steps_per_epoch", steps_per_epoch
            )
        else:
            raise ValueError("OneCycleLR: give total_steps, or epochs and steps_per_epoch")
        if (
            isinstance(pct_start, bool)
            or not isinstance(pct_start, float)
            or not 0 <= pct_start <= 1
        ):
            raise ValueError(f"OneCycleLR: pct_start must be a float in [0, 1], got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        self._anneal: str = anneal_strategy
        n = self.total_steps
        phases: list[tuple[float, str, str, str, str]]
        if three_phase:
            phases = [
                (float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (
                    float(2 * pct_start * n) - 2,
                    "max_lr",
                    "initial_lr",
                    "base_momentum",
                    "max_momentum",
                ),
                (n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            phases = [
                (float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        # as lists: the state_dict form
        self._schedule_phases: list[list[Any]] = [list(p) for p in phases]
        groups = optimizer.param_groups
        max_lrs = _per_group("max_lr", groups, max_lr)
        for lr, group in zip(max_lrs, groups, strict=True):
            group["initial_lr"] = lr / div_factor
            group["max_lr"] = lr
            group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = bool(cycle_momentum)
        self.use_beta1 = False
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    f"OneCycleLR: {optimizer.name} has no momentum or betas to cycle; "
                    "pass cycle_momentum=False"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            tops = _per_group("max_momentum", groups, max_momentum)
            bottoms = _per_group("base_momentum", groups, base_momentum)
            for top, bottom, group in zip(tops, bottoms, groups, strict=True):
                if self.use_beta1:
                    group["betas"] = (top, *group["betas"][1:])
                else:
                    group["momentum"] = top
                group["max_momentum"] = top
                group["base_momentum"] = bottom
        super().__init__(optimizer)

    def _anneal_func(self, start: float, end: float, pct: float) -> float:
        if self._anneal == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {step} times; total_steps is {self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            lr = momentum = 0.0  # set by the last phase at the latest
            for i, (end_step, lr0, lr1, m0, m1) in enumerate(self._schedule_phases):
                if step <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    lr = self._anneal_func(group[lr0], group[lr1], pct)
                    if self.cycle_momentum:
                        momentum = self._anneal_func(group[m0], group[m1], pct)
                    break
                start_step = end_step
            lrs.append(lr)
            if self.cycle_momentum:
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        return lrs


def _per_group(
    name: str, groups: list[dict[str, Any]], value: float | Sequence[float]
) -> list[float]:
    if isinstance(value, Sequence):
        if len(value) != len(groups):
            raise ValueError(
                f"OneCycleLR: {name} has {len(value)} values, the optimizer {len(groups)} "
                "parameter groups"
            )
        return [_number("OneCycleLR", name, v) for v in value]
    return [_number("OneCycleLR", name, value)] * len(groups)
