"""What every optimizer shares: reading gradients, checking them, bumping the param epoch."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

from dfdx import _autodiff
from dfdx._backend import Array, xp
from dfdx._dtypes import FLOATS, DTypeError
from dfdx_mypy_plugin.shapes import ShapeError, fmt

if TYPE_CHECKING:
    from dfdx._gradients import Gradients
    from dfdx._typing import AnyTensor


class HasParameters(Protocol):
    """Anything with PyTorch-style named parameters: a ``dx.nn.Module``."""

    def named_parameters(self) -> Iterator[tuple[str, AnyTensor]]: ...


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
    """Small parameters of one dtype whose optimizer state lives in shared flat arrays: each
    member's state holds views into them, so a member can also be updated on its own (when
    some members have no gradient in a step) and the group stays consistent."""

    __slots__ = ("g", "keys", "members", "p", "state")

    def __init__(self, opt: Optimizer, keys: list[str], shapes: list[tuple[int, ...]], dtype: Any):
        total = sum(math.prod(shape) for shape in shapes)
        self.keys = keys
        self.p = xp.empty(total, dtype)
        self.g = xp.empty(total, dtype)
        self.state = opt._init_state(self.p)
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

    def in_step(self, members: list[list[Any]]) -> bool:
        """Whether every member's scalar state (step count, ...) is still the group's."""
        scalars = [(i, s) for i, s in enumerate(self.state) if not isinstance(s, xp.ndarray)]
        return all(m[i] == s for m in members for i, s in scalars)

    def step(self, opt: Optimizer, params: list[Array], grads: list[Array]) -> None:
        xp.concatenate(grads, axis=None, out=self.g)
        xp.concatenate(params, axis=None, out=self.p)
        opt._step(self.p, self.g, self.state)
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

    A subclass gives ``_init_state(p)`` (a list of arrays like ``p``, numbers and Nones,
    never rebound to new arrays later) and ``_step(p, g, state)``, elementwise."""

    name = "Optimizer"

    def __init__(self, model: HasParameters) -> None:
        self._shapes: dict[str, tuple[int, ...]] = {}
        self._dtypes: dict[str, Any] = {}
        for key, p in model.named_parameters():
            if p._data.dtype not in FLOATS:
                raise DTypeError(
                    f"{self.name}: parameter {key!r} must be float32 or float64, "
                    f"got {p._data.dtype}"
                )
            self._shapes[key] = p._data.shape
            self._dtypes[key] = p._data.dtype
        self._state: dict[str, list[Any]] = {}
        self._groups: list[_Group] = []
        for dtype in FLOATS:
            keys = [
                k
                for k, s in self._shapes.items()
                if self._dtypes[k] == dtype and math.prod(s) <= SMALL
            ]
            if len(keys) > 1:
                group = _Group(self, keys, [self._shapes[k] for k in keys], dtype)
                self._groups.append(group)
                self._state.update(zip(keys, group.members, strict=True))

    def update(self, model: HasParameters, grads: Gradients) -> None:
        """Update the parameters of ``model`` in place from ``grads`` (``loss.backward()``).
        A parameter with no gradient in ``grads`` is left alone."""
        todo: dict[str, tuple[Array, Array]] = {}
        updated: list[int] = []  # ids of the parameters changed in place
        received = grads._pending  # ids of the tensors that have a gradient
        shapes, dtypes = self._shapes, self._dtypes
        for key, p in model.named_parameters():
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
        for group in self._groups:
            if all(k in todo for k in group.keys) and group.in_step(group.members):
                pairs = [todo.pop(k) for k in group.keys]
                group.step(self, [p for p, _ in pairs], [g for _, g in pairs])
        for key, (data, g) in todo.items():
            state = self._state.get(key)
            if state is None:
                state = self._state[key] = self._init_state(data)
            self._step(data, g, state)
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

    def _init_state(self, p: Array) -> list[Any]:
        raise NotImplementedError

    def _step(self, p: Array, g: Array, state: list[Any]) -> None:
        """Update ``p`` in place from its gradient ``g`` (never written to)."""
        raise NotImplementedError
