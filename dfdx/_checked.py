"""``@dx.checked``: a function's dfdx annotations checked at run time.

The annotations are read once, at the first call (``typing.get_type_hints``, so they may be
strings under ``from __future__ import annotations``), and compiled into one small checker per
parameter and one for the return value; a call then costs a few comparisons per tensor.

What is checked, for ``Tensor[*Dims, Tape]`` annotations (also inside ``X | None`` and
``tuple[...]``):

- a ``Literal[n]`` size is exactly ``n``; ``Dyn`` (``Any``) and ``int`` accept any size;
- an ``int``-bound TypeVar (``B``) binds to the first size it meets and must have that size in
  every other argument and in the return value (a parameter annotated ``n: B`` binds it too);
- ``*tuple[Dyn, ...]`` (``DynTensor``) accepts any number of axes, a TypeVarTuple ``*S`` binds
  the sizes it covers;
- the tape: ``NoneTape``/``OwnedTape`` exactly, a TypeVar binds the tape kind like a size.

Wrong sizes or ranks raise :class:`dfdx.ShapeError`; a wrong tape kind raises
:class:`TapeError` (a ``TypeError``: the tape is part of the type, not of the shape); a value
that is not a tensor where one is annotated raises ``TypeError``. Arguments left to their
defaults are not checked.
"""

from __future__ import annotations

import functools
import inspect
import operator
import typing
from collections.abc import Callable
from types import GenericAlias, NoneType, UnionType
from typing import Any, Literal, ParamSpec, TypeVar, TypeVarTuple, Union, Unpack

from dfdx._tensor import NoneTape, OwnedTape, Tensor
from dfdx._tensor import Tape as _UNPARAMETERIZED_TAPE
from dfdx._typing import R
from dfdx_mypy_plugin import shapes

P = ParamSpec("P")


Env = dict[object, tuple[Any, str]]
"""Bindings of one call: TypeVar (or TypeVarTuple) -> (its value, where it was bound)."""


class TapeError(TypeError):
    """A tensor whose tape kind (``NoneTape``/``OwnedTape``) is not the annotated one."""

    __module__ = "dfdx"  # its public name, as tracebacks print it


def checked(fn: Callable[P, R]) -> Callable[P, R]:
    """``fn`` with its ``Tensor[...]`` annotations checked on every call (see the module doc).

    The signature is kept for type checkers. Raises ``ShapeError`` for sizes, ``TapeError``
    for tape kinds, each naming the function, the argument, the expected and actual shapes and
    the bindings so far (``B=32``).
    """
    plan: _Plan | None = None

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        nonlocal plan
        if plan is None:
            plan = _Plan(fn)
        env: Env = {}
        n = len(args)
        for check, pos, name, where in plan.params:
            if pos < n:
                check(args[pos], env, where)
            elif name in kwargs:
                check(kwargs[name], env, where)
        if plan.varargs is not None:
            check, pos, where = plan.varargs
            for i in range(pos, n):
                check(args[i], env, f"{where}[{i - pos}]")
        if plan.varkw is not None:
            check, where = plan.varkw
            for key, value in kwargs.items():
                if key not in plan.named:
                    check(value, env, f"{where}[{key!r}]")
        out = fn(*args, **kwargs)
        if plan.ret is not None:
            plan.ret(out, env, "return value")
        return out

    return wrapper


Check = Callable[[Any, Env, str], None]
_NEVER = 1 << 62  # the position of a keyword-only parameter: never in ``args``


class _Plan:
    """The compiled checks of one function."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        name = getattr(fn, "__qualname__", repr(fn))
        try:
            hints = typing.get_type_hints(fn, include_extras=True)
        except Exception as e:
            raise TypeError(
                f"checked: cannot resolve the annotations of {name}: {e} (they are resolved "
                "in the function's module at its first call)"
            ) from e
        self.params: list[tuple[Check, int, str, str]] = []
        self.varargs: tuple[Check, int, str] | None = None
        self.varkw: tuple[Check, str] | None = None
        self.named: set[str] = set()
        for pos, p in enumerate(inspect.signature(fn).parameters.values()):
            if p.kind is p.POSITIONAL_OR_KEYWORD or p.kind is p.KEYWORD_ONLY:
                self.named.add(p.name)  # a keyword that does not land in ``**kwargs``
            if p.name not in hints:
                continue
            check = _compile(name, p.name, hints[p.name])
            if check is None:
                continue
            if p.kind is p.VAR_POSITIONAL:
                self.varargs = (check, pos, f"argument '*{p.name}'")
            elif p.kind is p.VAR_KEYWORD:
                self.varkw = (check, f"argument '**{p.name}'")
            else:
                at = _NEVER if p.kind is p.KEYWORD_ONLY else pos
                key = "\0" if p.kind is p.POSITIONAL_ONLY else p.name  # never a keyword
                self.params.append((check, at, key, f"argument {p.name!r}"))
        ret = hints.get("return")
        self.ret = None if ret is None else _compile(name, "return", ret)


def _compile(fn: str, param: str, ann: Any) -> Check | None:
    """The checker of one annotation, or None when it says nothing dfdx checks."""
    origin = typing.get_origin(ann)
    if origin is typing.Annotated:
        return _compile(fn, param, typing.get_args(ann)[0])
    if ann is Tensor or origin is Tensor:
        return _TensorCheck(fn, param, ann).check
    if isinstance(ann, TypeVar) and _is_size_var(ann):
        return _size_var_check(fn, ann)
    if origin is Union or origin is UnionType:
        args = typing.get_args(ann)
        rest = [a for a in args if a is not NoneType]
        if len(rest) == 1 and len(args) == 2:
            inner = _compile(fn, param, rest[0])
            return None if inner is None else _optional(inner)
        return None
    if origin is tuple:
        return _tuple_check(fn, param, typing.get_args(ann))
    return None


def _is_size_var(tv: TypeVar) -> bool:
    return tv.__bound__ is int


def _optional(inner: Check) -> Check:
    def check(value: Any, env: Env, where: str) -> None:
        if value is not None:
            inner(value, env, where)

    return check


def _tuple_check(fn: str, param: str, args: tuple[Any, ...]) -> Check | None:
    if len(args) == 2 and args[1] is Ellipsis:
        each = _compile(fn, param, args[0])
        if each is None:
            return None

        def check_all(value: Any, env: Env, where: str) -> None:
            if isinstance(value, tuple):
                for i, v in enumerate(value):
                    each(v, env, f"{where}[{i}]")

        return check_all
    items = [_compile(fn, param, a) for a in args]
    if all(c is None for c in items):
        return None

    def check_items(value: Any, env: Env, where: str) -> None:
        if isinstance(value, tuple) and len(value) == len(items):
            for i, (c, v) in enumerate(zip(items, value, strict=True)):
                if c is not None:
                    c(v, env, f"{where}[{i}]")

    return check_items


def _size_var_check(fn: str, tv: TypeVar) -> Check:
    """A parameter annotated with a size TypeVar (``n: B``): an int that binds ``B``."""

    def check(value: Any, env: Env, where: str) -> None:
        if not isinstance(value, int):
            return
        bound = env.get(tv)
        if bound is None:
            env[tv] = (value, where)
        elif bound[0] != value:
            raise shapes.ShapeError(
                f"{fn}: {where}: expected {tv.__name__}, got {value} "
                f"({value} != {tv.__name__}={bound[0]}, bound by {bound[1]})" + _bindings(env)
            )

    return check


# ---- tensors -------------------------------------------------------------------------------

_ANY = object()  # an anonymous variadic part: ``*tuple[Dyn, ...]``
Size = int | TypeVar | None  # a literal, a symbolic size, or any size


class _TensorCheck:
    """The check of one ``Tensor[...]`` annotation."""

    __slots__ = (
        "expected",
        "fn",
        "get_literals",
        "literals",
        "n_prefix",
        "ndim",
        "owned",
        "symbols",
        "tape",
        "tape_var",
        "tvt",
        "variadic",
        "want_literals",
    )

    def __init__(self, fn: str, param: str, ann: Any) -> None:
        self.fn = fn
        args = typing.get_args(ann)
        if not args:  # bare ``Tensor``: any shape, any tape
            args = (_star_any(), Any)
        *dims, tape = args
        self.tape = _tape_spec(fn, param, ann, tape)
        self.tape_var = self.tape if isinstance(self.tape, TypeVar) else None
        self.owned = self.tape is OwnedTape
        prefix: list[Size] = []
        suffix: list[Size] = []
        variadic: object = None
        for d in dims:
            unpacked = _unpacked(d)
            if unpacked is None:
                (suffix if variadic is not None else prefix).append(_size_spec(fn, param, ann, d))
                continue
            if isinstance(unpacked, TypeVarTuple):
                spec: object = unpacked
            elif typing.get_origin(unpacked) is tuple:
                inner = typing.get_args(unpacked)
                if len(inner) == 2 and inner[1] is Ellipsis:
                    if _size_spec(fn, param, ann, inner[0]) is not None:
                        raise _bad(fn, param, ann, "only *tuple[Dyn, ...] may repeat a size")
                    spec = _ANY
                else:  # ``*tuple[L[3], L[4]]``: fixed sizes spelt as a tuple
                    sizes = [_size_spec(fn, param, ann, x) for x in inner]
                    (suffix if variadic is not None else prefix).extend(sizes)
                    continue
            else:
                raise _bad(fn, param, ann, f"cannot unpack {unpacked!r}")
            if variadic is not None:
                raise _bad(fn, param, ann, "more than one variadic part")
            variadic = spec
        self.variadic = variadic
        self.n_prefix = len(prefix)
        self.ndim = len(prefix) + len(suffix)
        # (axis, size) pairs; suffix axes are negative so that they count from the end
        axes = [*enumerate(prefix), *((i - len(suffix), d) for i, d in enumerate(suffix))]
        self.literals = tuple((i, d) for i, d in axes if isinstance(d, int))
        self.symbols = tuple((i, d) for i, d in axes if isinstance(d, TypeVar))
        # one C call compares every literal size: itemgetter(0, 2)(shape) == (3, 5)
        lit_axes = [i for i, _ in self.literals] or [0]
        lit_sizes = tuple(d for _, d in self.literals)
        self.get_literals = operator.itemgetter(*lit_axes)
        self.want_literals: object = lit_sizes[0] if len(lit_sizes) == 1 else lit_sizes
        self.tvt = variadic if isinstance(variadic, TypeVarTuple) else None
        middle: list[shapes.Dim] = []
        if variadic is _ANY:
            middle = ["..."]
        elif isinstance(variadic, TypeVarTuple):
            middle = [f"*{variadic.__name__}"]
        self.expected = (*map(_show, prefix), *middle, *map(_show, suffix))

    def check(self, value: Any, env: Env, where: str) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(
                f"{self.fn}: {where}: expected {shapes.fmt(self.expected)}, "
                f"got {type(value).__name__}"
            )
        shape: tuple[int, ...] = value._data.shape
        n = len(shape)
        if n != self.ndim and (self.variadic is None or n < self.ndim):
            if self.variadic is None:
                self._fail(shape, env, where, f"rank {n} != {self.ndim}")
            self._fail(shape, env, where, f"rank {n}, needs at least {self.ndim}")
        # bind first, so that a wrong literal size is reported with the bindings
        for i, tv in self.symbols:
            bound = env.get(tv)
            if bound is None:
                env[tv] = (shape[i], where)
            elif bound[0] != shape[i]:
                self._fail(
                    shape,
                    env,
                    where,
                    f"axis {i % n}: {shape[i]} != {tv.__name__}={bound[0]}, bound by {bound[1]}",
                )
        if self.literals and self.get_literals(shape) != self.want_literals:
            for i, size in self.literals:
                if shape[i] != size:
                    self._fail(shape, env, where, f"axis {i % n}: {shape[i]} != {size}")
        if self.tvt is not None:
            self._bind_variadic(self.tvt, shape, env, where)
        tape_var = self.tape_var
        if tape_var is not None:
            actual = OwnedTape if value._tape is not None else NoneTape
            bound = env.get(tape_var)
            if bound is None:
                env[tape_var] = (actual, where)
            elif bound[0] is not actual:
                self._tape_fail(actual, env, where)
        elif self.tape is not None:
            if (value._tape is not None) is not self.owned:
                self._tape_fail(NoneTape if self.owned else OwnedTape, env, where)

    def _bind_variadic(
        self, tvt: TypeVarTuple, shape: tuple[int, ...], env: Env, where: str
    ) -> None:
        part = shape[self.n_prefix : len(shape) - (self.ndim - self.n_prefix)]
        bound = env.get(tvt)
        if bound is None:
            env[tvt] = (part, where)
        elif bound[0] != part:
            self._fail(
                shape,
                env,
                where,
                f"*{tvt.__name__}: {_sizes(part)} != {_sizes(bound[0])}, bound by {bound[1]}",
            )

    def _tape_fail(self, actual: type, env: Env, where: str) -> typing.NoReturn:
        tape = self.tape
        if isinstance(tape, TypeVar):
            bound = env[tape]
            raise TapeError(
                f"{self.fn}: {where}: expected tape {tape.__name__}, got {actual.__name__} "
                f"({tape.__name__}={bound[0].__name__}, bound by {bound[1]})" + _bindings(env)
            )
        assert isinstance(tape, type)
        raise TapeError(
            f"{self.fn}: {where}: expected tape {tape.__name__}, got {actual.__name__}"
            + _bindings(env)
        )

    def _fail(self, shape: tuple[int, ...], env: Env, where: str, detail: str) -> typing.NoReturn:
        raise shapes.ShapeError(
            f"{self.fn}: {where}: expected {shapes.fmt(self.expected)}, got {shapes.fmt(shape)} "
            f"({detail})" + _bindings(env)
        )


def _star_any() -> Any:
    return Unpack[tuple[Any, ...]]


def _unpacked(d: Any) -> Any:
    """What ``*X`` unpacks (``X``), or None for an ordinary size."""
    if getattr(d, "__unpacked__", False):  # ``*tuple[...]``: a GenericAlias flagged unpacked
        return GenericAlias(tuple, typing.get_args(d))
    if typing.get_origin(d) is Unpack:  # ``*S`` and ``Unpack[...]``
        return typing.get_args(d)[0]
    return None


def _size_spec(fn: str, param: str, ann: Any, d: Any) -> Size:
    if d is Any or d is int:
        return None
    if isinstance(d, TypeVar):
        return d
    if typing.get_origin(d) is Literal:
        values = typing.get_args(d)
        value = values[0] if len(values) == 1 else None
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    raise _bad(fn, param, ann, f"a size must be Literal[n], a TypeVar or Dyn, not {d!r}")


def _tape_spec(fn: str, param: str, ann: Any, tape: Any) -> type | TypeVar | None:
    if tape is Any or tape is _UNPARAMETERIZED_TAPE:  # ``DynTensor`` left bare
        return None
    if tape is NoneTape or tape is OwnedTape:
        return tape
    if isinstance(tape, TypeVar):
        return tape
    raise _bad(fn, param, ann, f"the last parameter must be a tape kind, not {tape!r}")


def _bad(fn: str, param: str, ann: Any, why: str) -> TypeError:
    return TypeError(f"checked: {fn}: cannot check the annotation of {param!r} ({ann!r}): {why}")


def _show(d: Size) -> shapes.Dim:
    return d.__name__ if isinstance(d, TypeVar) else d


def _sizes(part: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, part)) + ")"


def _bindings(env: Env) -> str:
    if not env:
        return ""
    items = []
    for key, (value, _) in env.items():
        name = getattr(key, "__name__", str(key))
        if isinstance(value, tuple):
            items.append(f"{name}={_sizes(value)}")
        elif isinstance(value, type):
            items.append(f"{name}={value.__name__}")
        else:
            items.append(f"{name}={value}")
    return "; bindings: " + ", ".join(items)
