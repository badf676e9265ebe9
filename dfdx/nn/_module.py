"""``Module``: the base of every layer and model.

A module is a plain class whose parameters are fields holding ``NoneTape`` tensors and whose
sub-modules are fields holding modules; nothing intercepts attribute assignment. The fields
are walked in the order they were assigned, giving PyTorch's ``state_dict`` names
(``"weight"``, ``"fc1.bias"``, ``"0.weight"`` inside a ``Sequential``, ``"blocks.0.weight"``
for a field holding a list or tuple of modules).

Every tensor field is a parameter, unless it was made with :meth:`Module.register_buffer`
(BatchNorm's running statistics, a causal mask): a buffer is saved and loaded (when
persistent) and converted by ``to()``, but is not a parameter and never given to an optimizer.
A parameter must be floating; a plain field holding an int or bool tensor is refused where
the parameters are listed, with a message that says to register it as a buffer.

Optimizers update ``param._data`` in place and then call
``dfdx._autodiff.bump_param_epoch(ids)`` with the ids of the tensors they changed; loading
does the same. ``backward()`` of a graph recorded before such an update raises.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, Protocol, TypeVar, overload

from dfdx import _autodiff
from dfdx._backend import Array, xp
from dfdx._dtypes import FLOATS, canonical
from dfdx._tensor import Tensor
from dfdx._typing import AnyTensor
from dfdx.nn import _paths

if TYPE_CHECKING:
    from os import PathLike

_M = TypeVar("_M", bound="Module")

P = ParamSpec("P")
R = TypeVar("R", covariant=True)


class _HasForward(Protocol[P, R]):
    """A module as its ``__call__`` reads it: a ``forward`` taking ``P``, returning ``R``."""

    def forward(self, *args: P.args, **kwargs: P.kwargs) -> R: ...


class _CallsForward:
    """``Module.__call__``: a descriptor whose bound value is the instance's own ``forward``.

    A method ``__call__(self, *args, **kwargs) -> Any`` types every call of a user's module as
    ``Any``, and a self-type ``__call__`` reading ``forward`` through a ParamSpec gives
    ``Never`` in mypy for a generic ``forward``. Binding through ``__get__`` types
    ``model(x)`` as ``model.forward(x)`` in mypy and pyright alike (the instance's type
    arguments are substituted first), and a subclass may still define its own ``__call__``
    or write ``__call__ = forward``."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> _CallsForward: ...
    @overload
    def __get__(self, obj: _HasForward[P, R], owner: type[Any]) -> Callable[P, R]: ...
    @overload
    def __get__(self, obj: Any, owner: type[Any]) -> Callable[..., Any]: ...
    def __get__(self, obj: Any, owner: type[Any]) -> Any:
        return self if obj is None else functools.partial(_run_forward, obj)

    def __call__(self, module: Module, *args: Any, **kwargs: Any) -> Any:
        """``Module.__call__(model, x)``, read from the class (wrappers such as ``summary``
        call it so)."""
        return _run_forward(module, *args, **kwargs)


def _forward(module: Module, *args: Any, **kwargs: Any) -> Any:
    return module.forward(*args, **kwargs)


_run_forward = _paths.locating(_forward)
"""``module.forward(*args, **kwargs)``; an error names the failing layer's path (as a
subclass's own ``__call__`` does, wrapped the same way by ``__init_subclass__``)."""


Role = Literal["parameter", "buffer", "non-persistent buffer"]

_STRUCTURE = [0]
"""Bumped by every attribute assignment or deletion on any module: a walk of the modules
cached at one value (:class:`ParameterWalk`) is still the walk while it is unchanged and the
lists and dicts in the modules' fields hold what they held."""


class Module:
    """Base class of layers and models: ``model(x)`` runs ``model.forward(x)``.

    Subclasses assign their parameters (``NoneTape`` tensors) and sub-modules as fields in
    ``__init__`` after calling ``super().__init__()``, and register their buffers with
    :meth:`register_buffer`.
    """

    training: bool
    _buffer_names: dict[str, bool]
    """The names of this module's buffers, each with its ``persistent`` flag."""

    def __init__(self) -> None:
        self.training = True
        self._buffer_names = {}

    def register_buffer(self, name: str, tensor: AnyTensor | None, persistent: bool = True) -> None:
        """Make ``self.<name>`` a buffer holding ``tensor`` (any dtype): saved and loaded
        with the parameters when ``persistent`` (PyTorch's default), converted by ``to()``,
        but never a parameter. Assigning ``self.<name>`` later keeps it a buffer; ``None``
        leaves the field empty (not saved)."""
        if "_buffer_names" not in vars(self):
            raise AttributeError(
                f"{type(self).__name__}.register_buffer({name!r}): call super().__init__() first"
            )
        if not isinstance(name, str) or not name.isidentifier():
            raise KeyError(f"register_buffer: the name must be an identifier, got {name!r}")
        if hasattr(self, name) and name not in self._buffer_names:
            raise KeyError(f"register_buffer: attribute {name!r} already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"register_buffer({name!r}): expected a dx.Tensor or None, "
                f"got {type(tensor).__name__}"
            )
        self._buffer_names[name] = bool(persistent)
        setattr(self, name, tensor)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        call = cls.__dict__.get("__call__")
        if call is not None and not getattr(call, "_dfdx_locating", False):
            # setattr: an assignment to cls.__call__ would be a declaration to pyright
            setattr(cls, "__call__", _paths.locating(call))  # noqa: B010

    if not TYPE_CHECKING:  # defined, __setattr__ would let checkers accept any field name

        def __setattr__(self, name: str, value: Any) -> None:
            _STRUCTURE[0] += 1
            old = self.__dict__.get(name)
            if isinstance(value, Tensor):
                if isinstance(old, Tensor) and old is not value:
                    _paths.check_replacement(self, name, old, value)
                # a module's tensor is a parameter (or buffer): a leaf whose gradient stays
                # with it (the temporaries of ``randn(...) * std`` can go), and ops on
                # parameters alone pass their gradients back to it
                value._origin = _autodiff.PARAMETER
            object.__setattr__(self, name, value)

        def __delattr__(self, name: str) -> None:
            _STRUCTURE[0] += 1
            object.__delattr__(self, name)

    # ---- running ----------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of this module (subclasses define it, with typed arguments)."""
        raise NotImplementedError(f"{type(self).__name__} defines no forward()")

    __call__ = _CallsForward()
    """``model(x)`` runs ``model.forward(x)``, typed as the subclass's ``forward``."""

    def train(self: _M, mode: bool = True) -> _M:
        """Put this module and every sub-module in training mode (``mode=False``: eval)."""
        for m in self.modules():
            m.training = mode
        return self

    def eval(self: _M) -> _M:
        """Evaluation mode: dropout does nothing, batch norm uses its running statistics."""
        return self.train(False)

    # ---- walking ----------------------------------------------------------------------
    def _members(self) -> Iterator[tuple[str, AnyTensor | Module]]:
        """This module's own tensors and sub-modules with their names, in field order."""
        for name, value in vars(self).items():
            if isinstance(value, Tensor | Module):
                yield name, value
            elif isinstance(value, list | tuple) and value and isinstance(value[0], Module):
                # a list of modules is named as PyTorch's ModuleList: "blocks.0.weight"
                for i, m in enumerate(value):
                    if isinstance(m, Module):
                        yield f"{name}.{i}", m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, value in self._members():
            if isinstance(value, Module):
                yield name, value

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """``(path, module)`` for this module (path ``prefix``, ``""`` by default) and every
        module inside it, depth first, each once (PyTorch's ``named_modules``)."""
        seen: set[int] = set()

        def walk(m: Module, path: str) -> Iterator[tuple[str, Module]]:
            if id(m) in seen:
                return
            seen.add(id(m))
            yield path, m
            for name, child in m.named_children():
                yield from walk(child, f"{path}.{name}" if path else name)

        yield from walk(self, prefix)

    def modules(self) -> Iterator[Module]:
        """This module and all modules inside it, depth first, each once."""
        for _, m in self.named_modules():
            yield m

    def apply(self: _M, fn: Callable[[Module], object]) -> _M:
        """Call ``fn`` on every sub-module (children first, each depth first) and then on
        this module, as PyTorch's ``apply``: ``model.apply(init_weights)``. Returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def _named_tensors(self, prefix: str = "") -> Iterator[tuple[str, AnyTensor, Role]]:
        """(name, tensor, role) for every tensor, in PyTorch's state_dict order: a module's
        own tensors before those of the modules after them, in field order."""
        buffers = getattr(self, "_buffer_names", {})
        for name, value in self._members():
            if isinstance(value, Module):
                yield from value._named_tensors(f"{prefix}{name}.")
            elif name not in buffers:
                yield f"{prefix}{name}", value, "parameter"
            else:
                role: Role = "buffer" if buffers[name] else "non-persistent buffer"
                yield f"{prefix}{name}", value, role

    def named_parameters(self) -> Iterator[tuple[str, AnyTensor]]:
        """``("0.weight", tensor)`` pairs for every trainable tensor, each once: a tensor
        shared by two modules (tied weights) is listed under its first name only, as in
        PyTorch, so an optimizer updates it once per step (``state_dict`` keeps both keys).
        A field holding an int or bool tensor that is not a buffer raises ``TypeError``."""
        seen: set[int] = set()
        for name, t, role in self._named_tensors():
            if role != "parameter" or id(t) in seen:
                continue
            if t._data.dtype not in FLOATS:
                field = name.rpartition(".")[2]
                raise TypeError(
                    f"parameter {name!r} is a {t._data.dtype} tensor; parameters are float32 "
                    f"or float64: make it a buffer with self.register_buffer({field!r}, ...)"
                )
            seen.add(id(t))
            yield name, t

    def parameters(self) -> Iterator[AnyTensor]:
        for _, t in self.named_parameters():
            yield t

    def named_buffers(self) -> Iterator[tuple[str, AnyTensor]]:
        """Every buffer (BatchNorm's running statistics, masks), persistent or not, each
        once, by its state_dict key."""
        seen: set[int] = set()
        for name, t, role in self._named_tensors():
            if role != "parameter" and id(t) not in seen:
                seen.add(id(t))
                yield name, t

    def buffers(self) -> Iterator[AnyTensor]:
        for _, t in self.named_buffers():
            yield t

    def num_parameters(self) -> int:
        """The number of trainable scalars."""
        return sum(int(t._data.size) for t in self.parameters())

    # ---- state ------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Array]:
        """Copies of every parameter and persistent buffer, by PyTorch's state_dict key."""
        return {name: t._data.copy() for name, t in self._saved_tensors().items()}

    def _saved_tensors(self) -> dict[str, AnyTensor]:
        return {
            name: t for name, t, role in self._named_tensors() if role != "non-persistent buffer"
        }

    def load_state_dict(self, state: dict[str, Array]) -> None:
        """Set every parameter and persistent buffer from ``state`` (arrays by state_dict
        key). Every key, shape and dtype is checked before anything changes: on an error the
        module keeps its old values. An array whose dtype converts to the model's without
        loss (float16 or bfloat16 from a file, float32 into a float64 model, int32 into int64)
        is converted; a narrowing one is refused."""
        from dfdx.nn._io import check_state

        if not isinstance(state, Mapping):
            raise TypeError(
                "load_state_dict: state must be a mapping of state_dict keys to arrays "
                f"(e.g. a dict), got {type(state).__name__}"
            )
        own = self._saved_tensors()
        arrays = check_state(own, state, source="state")
        for name, t in own.items():
            xp.copyto(t._data, arrays[name])
        _autodiff.bump_param_epoch(t._id for t in own.values())

    def to(self: _M, dtype: Any) -> _M:
        """Convert every floating parameter and buffer to ``dtype`` (in place; returns self)."""
        dt = canonical(dtype)
        for _, t, _ in self._named_tensors():
            if t._data.dtype.kind == "f":
                t._data = t._data.astype(dt)
        _autodiff.bump_param_epoch()
        return self

    def save(self, path: str | PathLike[str]) -> None:
        """Write every parameter and persistent buffer to ``path`` (``.npz`` or
        ``.safetensors``), under PyTorch's state_dict keys. Atomic: the file is written beside
        and then renamed."""
        from dfdx.nn._io import save_arrays

        save_arrays(Path(path), self.state_dict())

    def load(self, path: str | PathLike[str]) -> None:
        """Read the parameters and buffers saved by :meth:`save` (or by PyTorch, as arrays
        under the state_dict keys). Everything is checked before anything changes."""
        from dfdx.nn._io import load_arrays

        own = {name: t for name, t, _ in self._named_tensors()}
        self.load_state_dict(load_arrays(Path(path), own))

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        lines = [head]
        for name, m in children:
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"


FIELD_MEMBERS: set[Callable[..., Any]] = set()
"""``_members`` methods that read only the module's fields (and the lists and dicts in
them): :class:`ParameterWalk` caches the walk of modules whose ``_members`` is one of these
(or ``Module._members``)."""


def _contents(c: list[Any] | dict[Any, Any]) -> tuple[Any, ...]:
    return (*c, *c.values()) if type(c) is dict else tuple(c)


def _same(now: tuple[Any, ...], then: tuple[Any, ...]) -> bool:
    return len(now) == len(then) and all(map(operator.is_, now, then))


class ParameterWalk:
    """``list(model.named_parameters())``, kept between calls while the model's structure
    is unchanged: no attribute of any module was set or deleted since (see
    :data:`_STRUCTURE`) and every list and dict in the fields of the model's modules holds
    the same objects (a module appended to a plain list or a ``ModuleList`` is seen). An
    optimizer reads the parameters at every step; the walk costs ~15 us on a small MLP."""

    __slots__ = ("_containers", "_generation", "_model", "_pairs")

    def __init__(self) -> None:
        self._model: Any = None
        self._generation = -1
        self._pairs: list[tuple[str, AnyTensor]] = []
        self._containers: list[tuple[Any, tuple[Any, ...]]] = []

    def __call__(self, model: Any) -> list[tuple[str, AnyTensor]]:
        if (
            model is self._model
            and self._generation == _STRUCTURE[0]
            and all(_same(_contents(c), snap) for c, snap in self._containers)
        ):
            return self._pairs
        generation = _STRUCTURE[0]
        pairs = list(model.named_parameters())
        containers = self._walk(model) if type(model).named_parameters is _NAMED else None
        if containers is None or _STRUCTURE[0] != generation:
            self._model = None  # not cacheable: walked at every call
        else:
            self._model, self._generation, self._containers = model, generation, containers
        self._pairs = pairs
        return pairs

    @staticmethod
    def _walk(model: Module) -> list[tuple[Any, tuple[Any, ...]]] | None:
        """The lists and dicts in the fields of every module of ``model`` with what they hold,
        or None where a module's walk may read something else."""
        containers: list[tuple[Any, tuple[Any, ...]]] = []
        for m in model.modules():
            kind = type(m)
            members = kind._members
            if kind._named_tensors is not _NAMED_TENSORS or (
                members is not _MEMBERS and members not in FIELD_MEMBERS
            ):
                return None
            for name, value in vars(m).items():
                if name == "_buffer_names":
                    continue  # changed by register_buffer only, which sets the attribute
                if type(value) is list or type(value) is dict:
                    containers.append((value, _contents(value)))
                elif isinstance(value, list | dict):
                    return None
        return containers


_NAMED = Module.named_parameters
_NAMED_TENSORS = Module._named_tensors
_MEMBERS = Module._members
