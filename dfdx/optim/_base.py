"""What every optimizer shares: parameter groups, reading and checking gradients, the flat
update of small parameters, state_dict, bumping the param epoch."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from dfdx import _autodiff
from dfdx._backend import Array, xp
from dfdx._dtypes import FLOATS, DTypeError
from dfdx.nn._module import ParameterWalk
from dfdx_mypy_plugin.shapes import ShapeError, fmt

if TYPE_CHECKING:
    from dfdx._gradients import Gradients
    from dfdx._typing import AnyTensor


@runtime_checkable
class HasParameters(Protocol):
    """Anything with PyTorch-style named parameters: a ``dx.nn.Module``."""

    def named_parameters(self) -> Iterator[tuple[str, AnyTensor]]: ...


ParamGroupSpec = Mapping[str, Any]
"""One entry of ``param_groups=[...]``: ``{"params": names or tensors, "lr": ..., ...}``."""


def check_number(
    opt: str, name: str, value: Any, *, low: float = 0.0, below: float = math.inf
) -> float:
    """``value`` as a float in ``[low, below)``, or a ValueError naming the hyper-parameter."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{opt}: {name} must be a number, got {type(value).__name__}")
    v = float(value)
    if not (low <= v < below):  # also rejects NaN
        bound = f"in [{low}, {below})" if below != math.inf else f">= {low}"
        raise ValueError(f"{opt}: {name} must be {bound}, got {value}")
    return v


SMALL = 8192
"""Parameters of at most this many elements are updated together, as one flat array: each
update step costs ~10 NumPy calls per array, which for a bias is nearly all call overhead."""


class _Group:
    """Small parameters of one dtype and one parameter group whose optimizer state lives in
    shared flat arrays: each member's state holds views into them, so a member can also be
    updated on its own (when some members have no gradient in a step) and the group stays
    consistent."""

    __slots__ = ("g", "index", "keys", "members", "p", "state")

    def __init__(
        self, opt: Optimizer, index: int, keys: list[str], shapes: list[tuple[int, ...]], dtype: Any
    ):
        total = sum(math.prod(shape) for shape in shapes)
        self.index = index  # of the parameter group in opt.param_groups
        self.keys = keys
        self.p = xp.empty(total, dtype)
        self.g = xp.empty(total, dtype)
        self.state = opt._init_state(self.p, opt.param_groups[index])
        self.members: list[list[Any]] = []
        offset = 0
        for shape in shapes:
            n = math.prod(shape)
            self.members.append(
                [
                    s[offset : offset + n].reshape(shape) if isinstance(s, xp.ndarray) else s
                    for s in self.state
                ]
            )
            offset += n

    def in_step(self) -> bool:
        """Whether every member's scalar state (step count, ...) is still the group's."""
        scalars = [(i, s) for i, s in enumerate(self.state) if not isinstance(s, xp.ndarray)]
        return all(m[i] == s for m in self.members for i, s in scalars)

    def resync(self) -> None:
        """After loading: take the members' common scalar state as the group's (if they
        differ, :meth:`in_step` stays false and the members are updated one by one)."""
        for i, s in enumerate(self.state):
            if not isinstance(s, xp.ndarray):
                self.state[i] = self.members[0][i]

    def step(self, opt: Optimizer, params: list[Array], grads: list[Array]) -> None:
        xp.concatenate(grads, axis=None, out=self.g)
        xp.concatenate(params, axis=None, out=self.p)
        opt._step(self.p, self.g, self.state, opt.param_groups[self.index])
        offset = 0
        for p in params:
            n = p.size
            xp.copyto(p, self.p[offset : offset + n].reshape(p.shape))
            offset += n
        for i, s in enumerate(self.state):
            if not isinstance(s, xp.ndarray):
                for m in self.members:
                    m[i] = s


class Optimizer:
    """Base of the optimizers: ``update(model, grads)`` reads every parameter's gradient
    first (a pending gradient may depend on parameter values), then updates each parameter
    in place with :meth:`_step`, then marks the parameters as changed.

    ``param_groups`` is PyTorch's: a list of dicts, each with ``"params"`` (here the
    parameters' names) and every option of the optimizer (``"lr"``, ``"weight_decay"``, ...),
    read at every step, so a scheduler (or you) may change them between steps.

    A subclass gives ``_options(group)`` (checks and normalises the options),
    ``_init_state(p, group)`` (a list of arrays like ``p``, numbers and Nones, never rebound
    to new arrays later), ``_step(p, g, state, group)``, elementwise, and ``_export`` /
    ``_import`` (the state of one parameter as named arrays and numbers)."""

    name = "Optimizer"

    def __init__(
        self,
        model: HasParameters,
        defaults: dict[str, Any],
        param_groups: Sequence[ParamGroupSpec] | None = None,
    ) -> None:
        self._shapes: dict[str, tuple[int, ...]] = {}
        self._dtypes: dict[str, Any] = {}
        by_id: dict[int, str] = {}
        for key, p in model.named_parameters():
            if p._data.dtype not in FLOATS:
                raise DTypeError(
                    f"{self.name}: parameter {key!r} must be float32 or float64, "
                    f"got {p._data.dtype}"
                )
            self._shapes[key] = p._data.shape
            self._dtypes[key] = p._data.dtype
            by_id[id(p)] = key
        self.defaults: dict[str, Any] = self._options(defaults, "")
        self.param_groups: list[dict[str, Any]] = self._make_groups(param_groups, by_id)
        self._group_of: dict[str, int] = {
            k: i for i, group in enumerate(self.param_groups) for k in group["params"]
        }
        self._state: dict[str, list[Any]] = {}
        self._walk = ParameterWalk()
        self._groups: list[_Group] = []
        for index, group in enumerate(self.param_groups):
            for dtype in FLOATS:
                keys = [
                    k
                    for k in group["params"]
                    if self._dtypes[k] == dtype and math.prod(self._shapes[k]) <= SMALL
                ]
                if len(keys) > 1:
                    flat = _Group(self, index, keys, [self._shapes[k] for k in keys], dtype)
                    self._groups.append(flat)
                    self._state.update(zip(keys, flat.members, strict=True))

    def _make_groups(
        self, specs: Sequence[ParamGroupSpec] | None, by_id: dict[int, str]
    ) -> list[dict[str, Any]]:
        """The checked parameter groups; parameters named in none of ``specs`` form a last
        group with the optimizer's own options."""
        if specs is None:
            return [{"params": list(self._shapes), **self.defaults}]
        if isinstance(specs, Mapping) or not isinstance(specs, Sequence):
            raise TypeError(f"{self.name}: param_groups must be a list of dicts")
        groups: list[dict[str, Any]] = []
        owner: dict[str, int] = {}
        for i, spec in enumerate(specs):
            where = f"param_groups[{i}]"
            if not isinstance(spec, Mapping) or "params" not in spec:
                raise TypeError(f"{self.name}: {where} must be a dict with a 'params' entry")
            names: list[str] = []
            items = spec["params"]
            if isinstance(items, str) or not isinstance(items, Sequence | set | frozenset):
                items = [items]
            for item in items:
                if isinstance(item, str):
                    if item not in self._shapes:
                        raise KeyError(f"{self.name}: {where} names {item!r}, not a parameter")
                    key = item
                elif id(item) in by_id:
                    key = by_id[id(item)]
                else:
                    raise TypeError(
                        f"{self.name}: {where}['params'] holds a {type(item).__name__} that is "
                        "not a parameter of the model (give names or the model's tensors)"
                    )
                if key in owner:
                    raise ValueError(
                        f"{self.name}: parameter {key!r} is in param_groups[{owner[key]}] and "
                        f"in {where}"
                    )
                owner[key] = i
                names.append(key)
            options = {k: v for k, v in spec.items() if k != "params"}
            groups.append({"params": names, **self._options({**self.defaults, **options}, where)})
        rest = [k for k in self._shapes if k not in owner]
        if rest:
            groups.append({"params": rest, **self.defaults})
        return groups

    def _options(self, options: Mapping[str, Any], where: str) -> dict[str, Any]:
        raise NotImplementedError

    def _unknown(self, options: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
        for k in options:
            if k not in known:
                raise ValueError(
                    f"{self.name}: {where + ': ' if where else ''}unknown option {k!r} "
                    f"({self.name}'s options: {', '.join(known)})"
                )

    @property
    def lr(self) -> float:
        """The learning rate of the first parameter group (``param_groups[i]["lr"]`` for the
        others). Setting ``opt.lr`` sets it in every group."""
        return float(self.param_groups[0]["lr"])

    @lr.setter
    def lr(self, value: float) -> None:
        lr = check_number(self.name, "lr", value)
        for group in self.param_groups:
            group["lr"] = lr

    def update(self, model: HasParameters, grads: Gradients) -> None:
        """Update the parameters of ``model`` in place from ``grads`` (``loss.backward()``).
        A parameter with no gradient in ``grads`` is left alone."""
        todo: dict[str, tuple[Array, Array]] = {}
        updated: list[int] = []  # ids of the parameters changed in place
        received = grads._pending  # ids of the tensors that have a gradient
        shapes, dtypes = self._shapes, self._dtypes
        for key, p in self._walk(model):
            if p._id not in received:
                continue
            g = grads.array(p)
            data = p._data
            shape = shapes.get(key)
            if (
                shape is None
                or g.shape != shape
                or data.shape != shape
                or g.dtype != data.dtype
                or data.dtype != dtypes[key]
            ):
                self._reject(key, data, g)
            todo[key] = (data, g)
            updated.append(p._id)
        todo = self._step_all(todo)
        for flat in self._groups:
            if all(k in todo for k in flat.keys) and flat.in_step():
                pairs = [todo.pop(k) for k in flat.keys]
                flat.step(self, [p for p, _ in pairs], [g for _, g in pairs])
        groups, group_of = self.param_groups, self._group_of
        for key, (data, g) in todo.items():
            group = groups[group_of[key]]
            state = self._state.get(key)
            if state is None:
                state = self._state[key] = self._init_state(data, group)
            self._step(data, g, state, group)
        _autodiff.bump_param_epoch(updated)

    def _reject(self, key: str, data: Array, g: Array) -> None:
        """Raise the error that says why ``g`` cannot update the parameter ``key``."""
        shape = self._shapes.get(key)
        if shape is None:
            raise KeyError(
                f"{self.name}.update: the model has a parameter {key!r} that this optimizer "
                "was not built with; build the optimizer from this model"
            )
        if g.shape != data.shape or data.shape != shape:
            raise ShapeError(
                f"{self.name}.update: the gradient of {key!r} is {fmt(g.shape)}, the "
                f"parameter is {fmt(data.shape)}"
                + ("" if data.shape == shape else f" (it was {fmt(shape)} when built)")
            )
        raise DTypeError(
            f"{self.name}.update: the gradient of {key!r} is {g.dtype}, the parameter "
            f"is {data.dtype} (it was {self._dtypes[key]} when built)"
        )

    # ---- state ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as plain values: ``{"kind": "Adam", "param_groups": [...],
        "state": {name: {"step": 3, "exp_avg_scaled": array, ...}}}``, arrays copied. Only
        parameters updated at least once have a state (as in PyTorch)."""
        state: dict[str, dict[str, Any]] = {}
        for key, s in self._state.items():
            if self._started(s):
                state[key] = {
                    k: v.copy() if isinstance(v, xp.ndarray) else v
                    for k, v in self._export(s).items()
                }
        groups = [
            {k: list(v) if isinstance(v, tuple) else v for k, v in group.items()}
            for group in self.param_groups
        ]
        for group in groups:
            group["params"] = list(group["params"])
        return {"kind": self.name, "param_groups": groups, "state": state}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (by an optimizer of the same kind, built
        on the same parameters and groups). Everything is checked before anything changes;
        a mismatch raises a ValueError that names it."""
        self._apply(self._check_state(state))

    def _check_state(self, state: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        where = f"{self.name}.load_state_dict"
        if not isinstance(state, Mapping) or not {"kind", "param_groups", "state"} <= set(state):
            raise ValueError(f"{where}: expected a dict with 'kind', 'param_groups' and 'state'")
        if state["kind"] != self.name:
            raise ValueError(
                f"{where}: the state is of a {state['kind']} optimizer, not {self.name}"
            )
        saved = state["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError(
                f"{where}: the state has {len(saved)} parameter groups, this optimizer "
                f"{len(self.param_groups)}"
            )
        groups: list[dict[str, Any]] = []
        for i, (mine, theirs) in enumerate(zip(self.param_groups, saved, strict=True)):
            if list(theirs.get("params", ())) != mine["params"]:
                raise ValueError(
                    f"{where}: param_groups[{i}] holds other parameters than this optimizer's"
                )
            # options a scheduler added ("initial_lr", ...) are kept; the optimizer's own
            # options are checked again
            extra = {k: v for k, v in theirs.items() if k != "params" and k not in self.defaults}
            own = {k: v for k, v in theirs.items() if k in self.defaults}
            options = self._options({**self.defaults, **own}, f"param_groups[{i}]")
            groups.append({"params": mine["params"], **options, **extra})
        arrays: dict[str, Any] = {}
        for key, entry in state["state"].items():
            if key not in self._shapes:
                raise ValueError(f"{where}: state for {key!r}, not a parameter of this optimizer")
            checked: dict[str, Any] = {}
            for name, value in entry.items():
                if name in self._array_names:
                    a = xp.asarray(value)
                    if a.shape != self._shapes[key] or a.dtype != self._dtypes[key]:
                        raise ValueError(
                            f"{where}: {key!r}'s {name} is {fmt(a.shape)} {a.dtype}, the "
                            f"parameter is {fmt(self._shapes[key])} {self._dtypes[key]}"
                        )
                    checked[name] = a
                else:
                    checked[name] = value.item() if isinstance(value, xp.ndarray) else value
            missing = [n for n in self._state_names if n not in checked]
            if missing:
                raise ValueError(f"{where}: {key!r}'s state has no {missing[0]!r}")
            unknown = [n for n in checked if n not in self._state_names]
            if unknown:
                raise ValueError(
                    f"{where}: {key!r}'s state has {unknown[0]!r}, not a {self.name} state "
                    f"({', '.join(self._state_names)})"
                )
            arrays[key] = checked
        return groups, arrays

    def _apply(self, checked: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
        groups, arrays = checked
        for mine, loaded in zip(self.param_groups, groups, strict=True):
            mine.clear()
            mine.update(loaded)
        for key, entry in arrays.items():
            s = self._state.get(key)
            if s is None:
                data = xp.empty(self._shapes[key], self._dtypes[key])
                s = self._state[key] = self._init_state(
                    data, self.param_groups[self._group_of[key]]
                )
            self._import(s, entry)
        for key, s in self._state.items():
            if key not in arrays:
                self._import(s, None)
        for flat in self._groups:
            flat.resync()

    _array_names: tuple[str, ...] = ()
    """The arrays of one parameter's state, as :meth:`_export` names them."""
    _state_names: tuple[str, ...] = ()
    """Every entry of one parameter's state (arrays and numbers)."""

    def _started(self, state: list[Any]) -> bool:
        raise NotImplementedError

    def _export(self, state: list[Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _import(self, state: list[Any], entry: dict[str, Any] | None) -> None:
        """Set ``state`` in place from a checked entry (None: back to not started)."""
        raise NotImplementedError

    def _init_state(self, p: Array, group: dict[str, Any]) -> list[Any]:
        raise NotImplementedError

    def _step_all(self, todo: dict[str, tuple[Array, Array]]) -> dict[str, tuple[Array, Array]]:
        """Update at once (one compiled call) the parameters of ``todo`` (key: parameter's
        array, gradient) that this optimizer can, and return the others, which are then
        updated by :meth:`_step` (alone or in a flat group). Here: none."""
        return todo

    def _step(self, p: Array, g: Array, state: list[Any], group: dict[str, Any]) -> None:
        """Update ``p`` in place from its gradient ``g`` (never written to)."""
        raise NotImplementedError
