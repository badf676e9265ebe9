"""Creation with known sizes: ``zeros(3, 4)`` is ``Tensor[Literal[3], Literal[4], NoneTape]``,
``randn(8, 16 * 4 * 4)`` is ``Tensor[Literal[8], Literal[256], NoneTape]`` (arithmetic on known
sizes is folded, :func:`dfdx_mypy_plugin._types.size_of`), ``zeros(B, T)`` with sizes of
TypeVar types is ``Tensor[B, T, NoneTape]``; a size that is not known becomes ``Dyn``."""

from __future__ import annotations

import dataclasses
import itertools

from mypy.nodes import (
    ARG_POS,
    CallExpr,
    Expression,
    FloatExpr,
    IntExpr,
    ListExpr,
    OpExpr,
    RefExpr,
    TupleExpr,
    UnaryExpr,
)
from mypy.types import Instance, TupleType, Type, UnpackType, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._data_shapes import data_shape
from dfdx_mypy_plugin._types import (
    NONE_TAPE,
    TypeOf,
    Unknown,
    is_scalar,
    literal_bool,
    type_of,
)
from dfdx_mypy_plugin.rules import Call, rule


def _checked(op: str, t: Type, n: shapes.Dim, position: int) -> shapes.Dim:
    """A size of the new tensor, checked as the runtime checks it: a bool is not an int (mypy
    takes one for an int), a known size is at least 0."""
    b = literal_bool(t)
    if b is not None:
        raise shapes.ShapeError(shapes.not_an_int(op, shapes.SIZES, b))
    if isinstance(n, int):
        shapes.new_size(op, n, position)
    return n


def _given_sizes(call: Call, first: int = 0) -> shapes.Shape | None:
    """The new tensor's sizes, given as separate ints or as one tuple (or list display) of
    them (:meth:`Call.size_items`: ``zeros(x.shape)`` has ``x``'s sizes), each checked; None
    where their number is known only at run time (a ``tuple[int, ...]``)."""
    items = call.size_items(first)
    if items is None:
        return None
    return tuple(_checked(call.op, t, call.read_size(t, e), i) for i, (t, e) in enumerate(items))


def _none_tape(call: Call) -> Instance:
    template = call.template()
    tape = get_proper_type(template.args[-1]) if template.args else None
    if not isinstance(tape, Instance) or tape.type.fullname != NONE_TAPE:
        raise Unknown
    return tape


def _from_sizes(call: Call) -> Type:
    shape = _given_sizes(call)
    if shape is None:
        return call.of_unknown_rank(_none_tape(call))
    return call.result(shape, _none_tape(call))


for _op in ("zeros", "ones", "randn", "rand"):
    rule(_op, functions=(f"dfdx._creation.{_op}",))(_from_sizes)


@rule("arange", functions=("dfdx._creation.arange",))
def arange(call: Call) -> Type:
    """``arange(n)`` and ``arange(0, n)``: ``n`` values (a literal or a symbolic size);
    ``arange(start, end, step)`` of literal ints: ``len(range(start, end, step))`` values;
    else ``Dyn``."""
    for t in [*call.operands, *([call.arg("step")] if call.has("step") else [])]:
        b = literal_bool(t)
        if b is not None:
            raise shapes.ShapeError(shapes.not_an_int(call.op, shapes.RANGE, b))
    if len(call.operands) == 1:
        end = call.size(0)
        if isinstance(end, int):
            return call.result((shapes.arange_size(0, end, 1),), _none_tape(call))
        return call.result((end,), _none_tape(call))
    if len(call.operands) != 2:
        raise Unknown
    start, end = call.size(0), call.size(1)
    step = call.named_size("step") if call.has("step") else 1
    if start == 0 and step == 1 and isinstance(end, str):
        return call.result((end,), _none_tape(call))  # ``arange(0, s)``: as ``arange(s)``
    if not (isinstance(start, int) and isinstance(end, int) and isinstance(step, int)):
        return call.result((None,), _none_tape(call))
    return call.result((shapes.arange_size(start, end, step),), _none_tape(call))


@rule("full", functions=("dfdx._creation.full",))
def full(call: Call) -> Type:
    """``full(shape, value)``: the sizes of ``shape`` (a tuple, a list display, a ``.shape``),
    as the other creation functions read theirs."""
    if len(call.operands) != 2:
        raise Unknown
    shape_only = dataclasses.replace(call, operands=call.operands[:1])
    items = shape_only.size_items(0)
    if items is not None and len(items) == 1 and items[0][0] is call.operands[0]:
        raise Unknown  # not a sequence: mypy reports the argument
    shape = _given_sizes(shape_only)
    if shape is None:
        return call.of_unknown_rank(_none_tape(call))
    return call.result(shape, _none_tape(call))


def _nested_shape(e: Expression) -> shapes.Shape:
    """The shape of a nested list literal of numbers, or Unknown if it is ragged or not one."""
    if isinstance(e, IntExpr | FloatExpr) or (
        isinstance(e, UnaryExpr) and isinstance(e.expr, IntExpr | FloatExpr)
    ):
        return ()
    if isinstance(e, ListExpr | TupleExpr):
        inner = {_nested_shape(item) for item in e.items}
        if len(inner) > 1:
            raise Unknown
        return (len(e.items), *(inner.pop() if inner else ()))
    raise Unknown


_NUMPY_COPIES = frozenset({"array", "asarray", "ascontiguousarray"})


def _data_shape(e: Expression, get: TypeOf, fresh: TypeOf) -> shapes.Shape:
    """The shape of ``dx.tensor``'s data: a nested list literal's, a number's (``()``), an
    array's whose NumPy type states its rank (``np.eye(k)``: ``ndarray[tuple[int, int],
    ...]``, sizes ``Dyn``), or the data of ``np.array(data, ...)`` / ``np.asarray``, a number
    for a NumPy ufunc of numbers (``np.array(np.log(1 / 0.07))``: a 0-d array). ``get``
    reads a checked expression's type, ``fresh`` infers it without a type context."""
    try:
        return _nested_shape(e)
    except Unknown:
        pass
    if _is_number(e, get):
        return ()
    if isinstance(e, CallExpr) and isinstance(e.callee, RefExpr) and e.args:
        module, _, name = e.callee.fullname.rpartition(".")
        if module.startswith("numpy") and name in _NUMPY_COPIES and e.arg_kinds[0] == ARG_POS:
            return _data_shape(e.args[0], get, fresh)
    # inferred in the context of ``data: Any``, ``np.zeros((2, 3))``'s shape is ``Any``: each
    # reading is tried on the type inferred without a context too
    for read, typed in itertools.product((_array_rank, _sequence_shape), (get, fresh)):
        try:
            return read(typed(e))
        except Unknown:
            pass
    raise Unknown


_LISTS = frozenset(
    {"builtins.list", "builtins.tuple", "typing.Sequence", "collections.abc.Sequence"}
)


def _sequence_shape(t: Type) -> shapes.Shape:
    """The shape of numbers held in a value whose type nests lists, sequences or tuples:
    ``list[int]`` (``rows``, a comprehension ``[i for i in ...]``) is 1-d of a ``Dyn``
    length, ``list[list[float]]`` 2-d, ``list[tuple[int, int]]`` ``(Dyn, 2)``; what
    ``dx.tensor(np.array(rows, dtype=np.int64))`` makes where NumPy's stubs type the array
    with no rank."""
    p = get_proper_type(t)
    if is_scalar(p):
        return ()
    if isinstance(p, Instance) and p.type.fullname in _LISTS and len(p.args) == 1:
        return (None, *_sequence_shape(p.args[0]))
    if isinstance(p, TupleType) and p.items:
        inner = {_sequence_shape(item) for item in p.items}
        if len(inner) == 1:
            return (len(p.items), *inner.pop())
    raise Unknown


def _is_number(e: Expression, get: TypeOf) -> bool:
    """Whether ``e`` is a number: typed as one, arithmetic on numbers, or a NumPy ufunc
    called on numbers alone (``np.log(1 / 0.07)``, typed ``Any`` by NumPy's stubs)."""
    if is_scalar(get(e)):
        return True
    if isinstance(e, OpExpr):
        return _is_number(e.left, get) and _is_number(e.right, get)
    if isinstance(e, UnaryExpr):
        return _is_number(e.expr, get)
    if isinstance(e, CallExpr) and e.args:
        callee = get_proper_type(get(e.callee))
        ufunc = isinstance(callee, Instance) and callee.type.has_base("numpy.ufunc")
        return ufunc and all(_is_number(a, get) for a in e.args)
    return False


def _array_rank(t: Type) -> shapes.Shape:
    """``(Dyn,) * n`` for a NumPy array typed ``ndarray[tuple[int, ...n items], ...]``."""
    p = get_proper_type(t)
    if not (isinstance(p, Instance) and p.type.fullname == "numpy.ndarray" and p.args):
        raise Unknown
    shape = get_proper_type(p.args[0])
    if not isinstance(shape, TupleType) or any(
        isinstance(get_proper_type(item), UnpackType) for item in shape.items
    ):
        raise Unknown
    return (None,) * len(shape.items)


@rule("tensor", functions=("dfdx._creation.tensor",))
def tensor(call: Call) -> Type:
    if not call.operand_exprs or call.operand_exprs[0] is None:
        raise Unknown
    data = call.operand_exprs[0]
    made = data_shape(call.api, data)  # NumPy data made with known sizes
    if made is not None:
        return call.result(made, _none_tape(call))
    shape = _data_shape(data, type_of(call.api), call.api.get_expression_type)
    return call.result(shape, _none_tape(call))


def _tri_indices(call: Call, lower: bool) -> Type:
    """``tril_indices(row, col, offset)``: ``Tensor[2, K]``, ``K`` counted where the three are
    literals (folded ints), else ``Dyn``."""
    sizes = [call.named_size(n) if call.has(n) else 0 for n in ("row", "col", "offset")]
    if any(literal_bool(call.arg(n)) is not None for n in ("row", "col", "offset") if call.has(n)):
        raise Unknown  # the runtime's TypeError
    row, col, offset = sizes
    count: shapes.Dim = None
    if isinstance(row, int) and isinstance(col, int) and isinstance(offset, int):
        count = shapes.tri_indices_count(call.op, row, col, offset, lower)
    return call.result((2, count), _none_tape(call))


@rule("tril_indices", functions=("dfdx._creation.tril_indices",))
def tril_indices(call: Call) -> Type:
    return _tri_indices(call, True)


@rule("triu_indices", functions=("dfdx._creation.triu_indices",))
def triu_indices(call: Call) -> Type:
    return _tri_indices(call, False)


@rule("eye", functions=("dfdx._creation.eye",))
def eye(call: Call) -> Type:
    """``eye(n)`` is ``Tensor[n, n]``, ``eye(n, m)`` ``Tensor[n, m]``."""
    sizes = _given_sizes(call)
    if sizes is None or len(sizes) not in (1, 2):
        raise Unknown
    return call.result((sizes[0], sizes[-1]), _none_tape(call))


@rule("linspace", functions=("dfdx._creation.linspace",))
def linspace(call: Call) -> Type:
    """``linspace(start, end, steps)`` is ``Tensor[steps]``."""
    if len(call.operands) != 3:
        raise Unknown
    steps = _checked(call.op, call.operands[2], call.size(2), 0)
    return call.result((steps,), _none_tape(call))


@rule("randint", functions=("dfdx._creation.randint",))
def randint(call: Call) -> Type:
    """``randint(high, size)`` and ``randint(low, high, size)``: the sizes of ``size`` (a
    tuple, a list display, a ``.shape``), as ``full`` reads its shape."""
    if len(call.operands) not in (2, 3):
        raise Unknown
    size_only = dataclasses.replace(
        call, operands=call.operands[-1:], operand_exprs=call.operand_exprs[-1:]
    )
    items = size_only.size_items(0)
    if items is not None and len(items) == 1 and items[0][0] is call.operands[-1]:
        raise Unknown  # not a sequence: mypy reports the argument
    shape = _given_sizes(size_only)
    if shape is None:
        return call.of_unknown_rank(_none_tape(call))
    return call.result(shape, _none_tape(call))


def _like(call: Call) -> Type:
    """``zeros_like(x)`` and the other makers of a tensor like ``x``: ``x``'s shape, no
    tape (a declared type of other sizes is then reported as the maker's result)."""
    x = call.tensor(0)
    return call.result(x.shape, _none_tape(call), x)


for _op in ("zeros_like", "ones_like", "full_like", "randn_like", "rand_like"):
    rule(_op, functions=(f"dfdx._creation.{_op}",))(_like)
