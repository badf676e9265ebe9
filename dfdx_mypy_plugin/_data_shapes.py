"""The shape of NumPy data, read from the expressions that made it.

NumPy's stubs do not carry sizes: ``rng.standard_normal((2, 3, 32, 32))`` is an
``ndarray[tuple[Any, ...], ...]``. A user's script makes its data with sizes written out,
and a mistake there (images of 4 channels for a model of 3, targets of another batch) is a
mistake a reviewer points at on that line. So ``dx.tensor(data)`` (``rules/creation.py``)
and the per-instance evaluation of a user's module called on such data
(:mod:`._instances`) read the shape NumPy makes, where it is certain:

- made by a creation or sampling function given its sizes: ``np.zeros``, ``ones``,
  ``empty``, ``full`` and their ``*_like``; ``np.random.rand``/``randn`` (each argument a
  size), ``random``/``random_sample``/``standard_normal`` (the first argument or
  ``size=``), ``normal``/``uniform``/``randint``/``integers`` (the third or ``size=``), as
  functions of ``np.random`` or methods of a ``Generator``/``RandomState``; ``np.arange``,
  ``np.eye``/``identity``, ``np.linspace`` with ``num``; ``np.array`` of a nested list
  literal;
- then shaped by ``astype``/``copy``, ``reshape`` (one ``-1`` solved), ``transpose``/``.T``,
  ``flatten``/``ravel``, ``np.expand_dims``, basic indexing (ints, slices, ``None``,
  ``...``), ``np.stack``/``np.concatenate`` of a list display, arithmetic and comparisons
  with numbers or other such arrays (broadcast), a NumPy ufunc (``np.sin(t)``) and
  ``np.where``/``np.clip``, and ``np.asarray``/``np.array`` of such data;
- through a name bound once, or rebound in the same block before the use
  (:func:`._locals.reaching_definitions`), unless the script changes an array's shape in
  place (``a.shape = ...``, ``a.resize(...)``).

A size is an int literal, or an int held in a local bound once (``B, S = 2, 8``), folded
through arithmetic (:func:`._types.fold`). Anything else (data read from a file, an index by
an array, a size known only at run time, a NumPy call whose result's shape this module does
not know) gives None: the shape is not guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from types import EllipsisType

from mypy.checker import TypeChecker
from mypy.nodes import (
    ARG_NAMED,
    ARG_POS,
    GDEF,
    CallExpr,
    ComparisonExpr,
    EllipsisExpr,
    Expression,
    FloatExpr,
    IndexExpr,
    IntExpr,
    ListExpr,
    MemberExpr,
    NameExpr,
    OpExpr,
    SliceExpr,
    TupleExpr,
    UnaryExpr,
)
from mypy.plugin import CheckerPluginInterface
from mypy.types import Instance, Type, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._locals import (
    Definition,
    _single_definitions,
    definitions,
    reaching_definitions,
    source_lines,
)
from dfdx_mypy_plugin._types import fold, is_scalar, literal_bool, literal_int

Sizes = tuple[int, ...]

_SHAPE_FIRST = frozenset(
    {"zeros", "ones", "empty", "full", "standard_normal", "random", "random_sample", "ranf"}
)
"""Creation functions whose first argument (or ``shape=``/``size=``) is the shape."""

_SIZE_THIRD = frozenset({"normal", "uniform", "integers", "randint"})
"""Sampling functions whose third argument (or ``size=``) is the shape."""

_DIMS = frozenset({"rand", "randn"})
"""``np.random.randn(2, 3, 32, 32)``: each argument is a size."""

_LIKE = frozenset({"zeros_like", "ones_like", "empty_like", "full_like"})
"""``np.zeros_like(a)``: ``a``'s shape (unless ``shape=`` is given)."""

_KEEPS = frozenset({"astype", "copy", "trace", "detach", "contiguous", "clone", "float", "to"})
"""Methods (of an array or a tensor) whose result has their receiver's shape."""

_WRAPS = frozenset({"tensor", "asarray", "array", "ascontiguousarray"})
"""``dx.tensor(data)``, ``np.asarray(data)``: the shape of the data."""

_ARITHMETIC = frozenset({"+", "-", "*", "/", "//", "%", "**"})

_FOLLOWED = 12
"""How many names, wrappers and NumPy steps are followed back."""


class _NotKnown(Exception):
    """The shape is not certain."""


def data_shape(api: CheckerPluginInterface, e: Expression) -> Sizes | None:
    """The shape the data ``e`` was made with (the module docstring), or None."""
    if not isinstance(api, TypeChecker):
        return None
    try:
        return _Reader(api).shape(e, 0)
    except (_NotKnown, shapes.ShapeError):
        return None


def data_origins(api: CheckerPluginInterface, value: Expression) -> list[tuple[str, Expression]]:
    """Where the NumPy data of a tensor made as ``value`` (``dx.tensor(images)``,
    ``dx.tensor(x[:16]).trace()``) was made: each name it is read through, followed back
    over the steps that take their sizes from one array (``dx.tensor``, ``astype``,
    ``np.asarray``, an index, a transpose, arithmetic with a number), with the value it was
    assigned (``images = rng.standard_normal((4, 3, 32, 32))``). A size at fault in the
    tensor was written there."""
    if not isinstance(api, TypeChecker):
        return []
    reader = _Reader(api)
    found: list[tuple[str, Expression]] = []
    e: Expression | None = value
    for _ in range(_FOLLOWED):
        if e is None:
            break
        if isinstance(e, NameExpr):
            try:
                bound = reader.bound(e)
            except _NotKnown:
                break
            found.append((e.name, bound))
            e = bound
        else:
            e = reader.source(e)
    return found


def from_numpy(api: CheckerPluginInterface, value: Expression) -> bool:
    """Whether ``value`` makes a tensor of NumPy data (``dx.tensor(rng.integers(0, 5, (2,
    10)))``, also through names, :func:`data_origins`): data a script makes with its sizes
    written out, on a line a mistake in them is made."""
    if not isinstance(api, TypeChecker):
        return False
    reader = _Reader(api)
    e: Expression | None = value
    for _ in range(_FOLLOWED):
        if e is None:
            return False
        if isinstance(e, CallExpr) and isinstance(e.callee, MemberExpr | NameExpr):
            fullname = e.callee.fullname or ""
            receiver = e.callee.expr if isinstance(e.callee, MemberExpr) else None
            if fullname.startswith("numpy.") or (
                receiver is not None and reader.is_sampler(receiver)
            ):
                return reader.is_array(e)
        if isinstance(e, NameExpr):
            try:
                e = reader.bound(e)
            except _NotKnown:
                return False
        else:
            e = reader.source(e)
    return False


def data_blame(
    api: CheckerPluginInterface, value: Expression, used_at: int, message: str
) -> list[tuple[str, Expression]]:
    """``message``, an error at line ``used_at`` about a tensor assigned ``value``, reported
    where its NumPy data was made too (:func:`data_origins`), on other lines than those;
    nothing for a tensor not made from NumPy data (:func:`from_numpy`)."""
    if not from_numpy(api, value):
        return []
    return [
        (f"{name} is assigned here; used at line {used_at}: {message}", made)
        for name, made in data_origins(api, value)
        if made.line not in (value.line, used_at)
    ]


_TENSOR_KEEPS = frozenset({"trace", "detach", "contiguous", "clone", "float"})
"""Methods of a tensor that keep it as it is (``model(x.trace())``)."""


def kept_tensor(e: Expression) -> Expression:
    """The tensor ``e`` is, past methods that keep it (``x`` of ``x.trace()``,
    ``x.to(dx.float32)``)."""
    while isinstance(e, CallExpr) and isinstance(e.callee, MemberExpr):
        cast = e.callee.name in ("to", "astype") and len(e.args) == 1  # ``x.to(dx.float32)``
        if not (cast or (e.callee.name in _TENSOR_KEEPS and not e.args)):
            break
        e = e.callee.expr
    return e


_FLATTENS = frozenset({"reshape", "view", "flatten", "ravel"})


def flattened(e: Expression) -> Expression | None:
    """``x`` of ``x.reshape(-1)``, ``x.view(-1)``, ``x.flatten()``: a tensor (or array) laid
    out in one axis, whose size is ``x``'s number of elements (a size at fault there was set
    where ``x`` was made); else None."""
    if not (isinstance(e, CallExpr) and isinstance(e.callee, MemberExpr)):
        return None
    if e.callee.name not in _FLATTENS or any(k != ARG_POS for k in e.arg_kinds):
        return None
    if e.callee.name in ("flatten", "ravel") and not e.args:
        return e.callee.expr
    one = len(e.args) == 1 and isinstance(e.args[0], UnaryExpr) and e.args[0].op == "-"
    if one and isinstance(e.args[0], UnaryExpr) and isinstance(e.args[0].expr, IntExpr):
        return e.callee.expr if e.args[0].expr.value == 1 else None
    return None


def script_int(api: CheckerPluginInterface, e: Expression) -> int | None:
    """The value of an int held in a name bound once (``batch, dim = 8, 6`` in ``main``, or at
    a script's top level), folded through arithmetic; None where it is not known."""
    if not isinstance(api, TypeChecker) or not isinstance(e, NameExpr):
        return None
    try:
        return _Reader(api).int_value(e)
    except _NotKnown:
        return None


class _Reader:
    def __init__(self, api: TypeChecker) -> None:
        self.api = api
        local = definitions(api)
        module = _module_definitions(api)
        self.reaching = reaching_definitions(api)

        def single(e: NameExpr | MemberExpr) -> Expression | None:
            """A name bound once: a local, or a module's name (``BATCH = 8`` at the top of
            a script, read in ``main``)."""
            is_global = isinstance(e, NameExpr) and e.kind == GDEF
            return module(e) if is_global and local(e) is None else local(e)

        self.single: Definition = single

    # -- values ------------------------------------------------------------------------------

    def type(self, e: Expression) -> Type | None:
        return self.api.lookup_type_or_none(e)

    def is_array(self, e: Expression) -> bool:
        """Whether mypy typed ``e`` as a NumPy array (the call is NumPy's, not a namesake)."""
        t = self.type(e)
        p = get_proper_type(t) if t is not None else None
        return isinstance(p, Instance) and p.type.fullname == "numpy.ndarray"

    def is_number(self, e: Expression) -> bool:
        if isinstance(e, IntExpr | FloatExpr):
            return True
        t = self.type(e)
        return t is not None and literal_bool(t) is None and is_scalar(t)

    def int_value(self, e: Expression) -> int:
        """An int argument: a literal, or folded through locals bound once (``B, S = 2, 8``)."""
        t = self.type(e)
        if t is None or literal_bool(t) is not None:
            raise _NotKnown
        n = literal_int(t)
        if n is None:
            n_ = fold(e, _typer(self.api), {}, self.single)
            n = n_ if isinstance(n_, int) and not isinstance(n_, bool) else None
        if n is None:
            raise _NotKnown
        return n

    def size(self, e: Expression) -> int:
        n = self.int_value(e)
        if n < 0:
            raise _NotKnown
        return n

    def sizes(self, e: Expression, depth: int) -> Sizes:
        """A shape argument: a tuple or list display of sizes, one size, a name bound to
        one of those, or the ``.shape`` of known data."""
        if isinstance(e, TupleExpr | ListExpr):
            return tuple(self.size(item) for item in e.items)
        if isinstance(e, MemberExpr) and e.name == "shape" and self.is_array(e.expr):
            return self.shape(e.expr, depth + 1)
        if isinstance(e, NameExpr):
            value = self.single(e)
            if isinstance(value, TupleExpr | ListExpr):
                return self.sizes(value, depth + 1)
        return (self.size(e),)

    def bound(self, e: NameExpr) -> Expression:
        """The value a name holds where it is used, where that is one assignment's."""
        value = self.single(e) or (self.reaching(e) if e.kind != GDEF else None)
        if value is None or _reshaped_in_place(self.api, e.name):
            raise _NotKnown
        return value

    def source(self, e: Expression) -> Expression | None:
        """The one array whose sizes ``e``'s are taken from (see :func:`data_origins`)."""
        if isinstance(e, CallExpr) and isinstance(e.callee, MemberExpr | NameExpr):
            name, fullname = e.callee.name, e.callee.fullname or ""
            if name in _WRAPS and fullname.split(".")[0] in ("dfdx", "numpy") and e.args:
                return e.args[0] if e.arg_kinds[0] == ARG_POS else None
            if isinstance(e.callee, MemberExpr) and not fullname and name in _KEEPS:
                return e.callee.expr
            if isinstance(e.callee, MemberExpr) and name == "transpose":
                return e.callee.expr if self.is_array(e.callee.expr) else None
            flat = flattened(e)
            if flat is not None:
                return flat
            if fullname.startswith("dfdx.") and e.args and e.arg_kinds[0] == ARG_POS:
                return e.args[0]  # ``dx.one_hot(labels, 5)``: its sizes start with ``labels``'
            return None
        if isinstance(e, MemberExpr) and e.name == "T":
            return e.expr
        if isinstance(e, IndexExpr):
            return e.base
        if isinstance(e, UnaryExpr):
            return e.expr
        if isinstance(e, OpExpr) and e.op in _ARITHMETIC:
            if self.is_number(e.left):
                return e.right
            if self.is_number(e.right):
                return e.left
        return None

    # -- shapes ------------------------------------------------------------------------------

    def shape(self, e: Expression, depth: int) -> Sizes:
        if depth > _FOLLOWED:
            raise _NotKnown
        if isinstance(e, NameExpr):
            return self.shape(self.bound(e), depth + 1)
        if isinstance(e, OpExpr) and e.op in _ARITHMETIC:
            return self.broadcast([e.left, e.right], depth)
        if isinstance(e, ComparisonExpr) and len(e.operators) == 1:
            return self.broadcast(e.operands, depth)
        if isinstance(e, UnaryExpr) and e.op in ("-", "+", "~"):
            return self.array(e.expr, depth)
        if isinstance(e, IndexExpr):
            return self.indexed(e, depth)
        if isinstance(e, MemberExpr) and e.name == "T" and self.is_array(e.expr):
            return tuple(reversed(self.shape(e.expr, depth + 1)))
        if isinstance(e, CallExpr) and isinstance(e.callee, MemberExpr | NameExpr):
            return self.called(e, depth)
        raise _NotKnown

    def array(self, e: Expression, depth: int) -> Sizes:
        """The shape of an operand that must be an array (not a number or a list)."""
        if not self.is_array(e):
            raise _NotKnown
        return self.shape(e, depth + 1)

    def operand(self, e: Expression, depth: int) -> Sizes:
        """A number (no axes) or an array."""
        return () if self.is_number(e) else self.array(e, depth)

    def broadcast(self, operands: Sequence[Expression], depth: int) -> Sizes:
        result: shapes.Shape = ()
        for o in operands:
            result = shapes.broadcast("broadcast", result, self.operand(o, depth))
        return _ints(result)

    def indexed(self, e: IndexExpr, depth: int) -> Sizes:
        base = self.array(e.base, depth)
        items = e.index.items if isinstance(e.index, TupleExpr) else [e.index]
        return _ints(shapes.index(base, [self.index_item(i) for i in items]))

    def index_item(self, e: Expression) -> int | slice | EllipsisType | None:
        if isinstance(e, EllipsisExpr):
            return Ellipsis
        if isinstance(e, NameExpr) and e.fullname == "builtins.None":
            return None
        if isinstance(e, SliceExpr):
            parts = [
                None if p is None else self.int_value(p)
                for p in (e.begin_index, e.end_index, e.stride)
            ]
            return slice(*parts)
        return self.int_value(e)

    def called(self, e: CallExpr, depth: int) -> Sizes:
        assert isinstance(e.callee, MemberExpr | NameExpr)
        name = e.callee.name
        fullname = e.callee.fullname or ""
        receiver = e.callee.expr if isinstance(e.callee, MemberExpr) else None
        if name in _WRAPS and fullname.split(".")[0] in ("dfdx", "numpy"):
            if any(n is not None and n not in ("dtype", "copy", "order") for n in e.arg_names):
                raise _NotKnown  # ``ndmin=``, ``like=``: not the data's shape
            data = _positional(e, 0)
            nested = _nested_shape(data)
            return nested if nested is not None else self.shape(data, depth + 1)
        if receiver is not None and not fullname and name in _KEEPS:
            return self.shape(receiver, depth + 1)
        if receiver is not None and self.is_array(receiver):
            return self.method(e, name, receiver, depth)
        if not self.is_array(e):
            raise _NotKnown
        if fullname.startswith("numpy.") or (receiver is not None and self.is_sampler(receiver)):
            return self.numpy_call(e, name, depth)
        raise _NotKnown

    def is_sampler(self, receiver: Expression) -> bool:
        """A NumPy ``Generator`` or ``RandomState`` (``rng.standard_normal(...)``)."""
        t = self.type(receiver)
        p = get_proper_type(t) if t is not None else None
        return isinstance(p, Instance) and p.type.fullname.startswith("numpy.random.")

    def method(self, e: CallExpr, name: str, receiver: Expression, depth: int) -> Sizes:
        """A method of an array whose result is an array of a shape read here."""
        if not self.is_array(e):
            raise _NotKnown
        base = self.shape(receiver, depth + 1)
        args = _all_positional(e)
        if name == "reshape":
            return _reshaped(base, self.dims(args, depth))
        if name in ("flatten", "ravel") and not args:
            return _ints(shapes.reshape(base, [-1]))
        if name == "transpose":
            if not args:
                return tuple(reversed(base))
            return _ints(shapes.permute(base, self.dims(args, depth))[0])
        if name == "squeeze" and not args:
            return tuple(d for d in base if d != 1)
        raise _NotKnown

    def dims(self, args: list[Expression], depth: int) -> list[int]:
        """``reshape(2, 3)`` or ``reshape((2, 3))``: the ints given (``-1`` kept)."""
        if len(args) == 1 and isinstance(args[0], TupleExpr | ListExpr):
            args = list(args[0].items)
        return [self.int_value(a) for a in args]

    def numpy_call(self, e: CallExpr, name: str, depth: int) -> Sizes:
        """A NumPy function (or a sampler's method) whose result is an array."""
        if name in _DIMS:
            return tuple(self.size(a) for a in _all_positional(e))
        if name in _SHAPE_FIRST or name in _SIZE_THIRD:
            given = _named(e, ("shape", "size"))
            if given is None:
                given = _positional(e, 0 if name in _SHAPE_FIRST else 2)
            return self.sizes(given, depth)
        if name in _LIKE:
            given = _named(e, ("shape",))
            return self.sizes(given, depth) if given else self.array(_positional(e, 0), depth)
        if name == "arange":
            return (self.arange(e),)
        if name in ("eye", "identity"):
            args = _all_positional(e)
            if _named(e, ("M",)) is not None:
                args = [*args, _named_required(e, "M")]
            n = self.size(args[0])
            return (n, self.size(args[1]) if len(args) > 1 else n)
        if name == "linspace":
            return (self.size(_named(e, ("num",)) or _positional(e, 2)),)
        if name == "reshape":
            shape = _named(e, ("newshape", "shape")) or _positional(e, 1)
            dims = self.dims([shape], depth)
            return _reshaped(self.array(_positional(e, 0), depth), dims)
        if name == "transpose":
            base = self.array(_positional(e, 0), depth)
            if len(e.args) == 1:
                return tuple(reversed(base))
            return _ints(shapes.permute(base, self.dims([_positional(e, 1)], depth))[0])
        if name == "expand_dims":
            base = self.array(_positional(e, 0), depth)
            axis = self.int_value(_named(e, ("axis",)) or _positional(e, 1))
            return _ints(shapes.unsqueeze(base, axis))
        if name in ("stack", "concatenate"):
            return self.joined(e, name, depth)
        if (
            name in ("where", "clip")
            and len(e.args) == 3
            and all(k == ARG_POS for k in e.arg_kinds)
        ):
            return self.broadcast(e.args, depth)
        if self.is_ufunc(e.callee) and all(k == ARG_POS for k in e.arg_kinds):
            return self.broadcast(e.args, depth)
        raise _NotKnown

    def arange(self, e: CallExpr) -> int:
        if any(k != ARG_POS for k in e.arg_kinds) or not 1 <= len(e.args) <= 3:
            raise _NotKnown
        values = [self.int_value(a) for a in e.args]
        start, stop, step = (0, values[0], 1) if len(values) == 1 else (*values[:2], 1)
        if len(values) == 3:
            step = values[2]
        if step == 0:
            raise _NotKnown
        return len(range(start, stop, step))

    def joined(self, e: CallExpr, name: str, depth: int) -> Sizes:
        arrays = _positional(e, 0)
        if not isinstance(arrays, ListExpr | TupleExpr) or not arrays.items:
            raise _NotKnown
        if any(n not in (None, "axis") for n in e.arg_names[1:]) or len(e.args) > 2:
            raise _NotKnown
        axis_e = _named(e, ("axis",)) or (e.args[1] if len(e.args) > 1 else None)
        axis = 0 if axis_e is None else self.int_value(axis_e)
        parts = [self.array(a, depth) for a in arrays.items]
        if name == "stack":
            return _ints(shapes.stack(parts, axis))
        return _ints(shapes.concat(parts, axis))

    def is_ufunc(self, callee: Expression) -> bool:
        t = self.type(callee)
        p = get_proper_type(t) if t is not None else None
        return isinstance(p, Instance) and p.type.has_base("numpy.ufunc")


def _module_definitions(api: TypeChecker) -> Definition:
    """The names the module's top level binds once (none where the file cannot be read, or
    binds names otherwise: ``global``, ``*`` imports)."""
    found: dict[str, Expression] | None = None

    def definition(e: NameExpr | MemberExpr) -> Expression | None:
        nonlocal found
        if not isinstance(e, NameExpr):
            return None
        if found is None:
            path = getattr(api, "path", None)
            source = source_lines(path) if isinstance(path, str) else None
            found = _single_definitions(api.tree.defs, (1, 1 << 30), source)
        return found.get(e.name)

    return definition


def _typer(api: TypeChecker) -> Callable[[Expression], Type]:
    def get(e: Expression) -> Type:
        t = api.lookup_type_or_none(e)
        return t if t is not None else api.get_expression_type(e)

    return get


def _ints(shape: shapes.Shape) -> Sizes:
    if not all(isinstance(d, int) for d in shape):
        raise _NotKnown
    return tuple(d for d in shape if isinstance(d, int))


def _reshaped(base: Sizes, dims: list[int]) -> Sizes:
    return _ints(shapes.reshape(base, dims))


def _positional(e: CallExpr, i: int) -> Expression:
    args = _all_positional(e)
    if i >= len(args):
        raise _NotKnown
    return args[i]


def _all_positional(e: CallExpr) -> list[Expression]:
    return [a for a, k in zip(e.args, e.arg_kinds, strict=True) if k == ARG_POS]


def _named(e: CallExpr, names: tuple[str, ...]) -> Expression | None:
    for a, k, n in zip(e.args, e.arg_kinds, e.arg_names, strict=True):
        if k == ARG_NAMED and n in names:
            return a
    return None


def _named_required(e: CallExpr, name: str) -> Expression:
    found = _named(e, (name,))
    if found is None:
        raise _NotKnown
    return found


def _nested_shape(e: Expression) -> Sizes | None:
    """The shape of a nested list (or tuple) literal of numbers, or None."""
    if isinstance(e, IntExpr | FloatExpr) or (
        isinstance(e, UnaryExpr) and isinstance(e.expr, IntExpr | FloatExpr)
    ):
        return ()
    if isinstance(e, ListExpr | TupleExpr):
        inner = {_nested_shape(item) for item in e.items}
        if len(inner) > 1:
            return None
        items = inner.pop() if inner else ()
        return None if items is None else (len(e.items), *items)
    return None


def _reshaped_in_place(api: TypeChecker, name: str) -> bool:
    """Whether the file changes the shape of an array held in ``name`` in place
    (``a.shape = (4, 6)``, ``a.resize(...)``): its creation's shape is not its shape then."""
    path = getattr(api, "path", None)
    lines = source_lines(path) if isinstance(path, str) else None
    if lines is None:
        return True
    pattern = re.compile(rf"\b{re.escape(name)}\s*\.\s*(shape\s*=[^=]|resize\s*\()")
    return any(pattern.search(line) for line in lines)
