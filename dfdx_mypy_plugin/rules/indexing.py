"""Indexing and selection: basic indexing ``x[...]``, index_select, gather, where, masked_fill,
tril/triu, one_hot, argmax, argmin, dropout, and the comparisons that make bool masks.

An index is read from its expression: literal ints (negative ones too), slices whose parts are
ints, symbolic sizes (``table[:h]``, ``x[..., :-p]``) or ``None``, ``None``, ``...`` and
tensors of indices (advanced indexing: ``x[dx.arange(b), last]``, taken as int64 indices; the
run time refuses a bool mask); an int that is not a literal still removes its axis, and a
slice with a part that is neither a literal nor a symbolic size gives a ``Dyn`` size.
Comparisons, argmax, argmin and one_hot return ``NoneTape`` tensors (no gradient flows through
them).
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import (
    EllipsisExpr,
    Expression,
    FloatExpr,
    IndexExpr,
    IntExpr,
    NameExpr,
    SliceExpr,
    TupleExpr,
    UnaryExpr,
)
from mypy.types import (
    AnyType,
    Instance,
    NoneType,
    TupleType,
    Type,
    TypeOfAny,
    TypeVarType,
    UnpackType,
    get_proper_type,
)

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._locals import reaching_definitions
from dfdx_mypy_plugin._types import (
    NONE_TAPE,
    TENSOR,
    TensorType,
    Unknown,
    is_int_bound,
    is_scalar,
    literal_bool,
    literal_int,
    merge_tapes,
    read_known_axes,
    read_tensor,
    size_of,
    type_of,
)
from dfdx_mypy_plugin.codes import DFDX_SHAPE
from dfdx_mypy_plugin.rules import Call, rule
from dfdx_mypy_plugin.rules.reduce import read_axis, read_keepdims


def _ops(name: str) -> tuple[str, ...]:
    return (f"dfdx.ops.indexing.{name}",)


def _none_tape(call: Call) -> Instance:
    """``NoneTape``, found among the values of Tensor's tape TypeVar (the user's module need
    not import it, so mypy's lookup by name may not see it)."""
    for tv in call.template().type.defn.type_vars:
        if isinstance(tv, TypeVarType):
            for v in map(get_proper_type, tv.values):
                if isinstance(v, Instance) and v.type.fullname == NONE_TAPE:
                    return v
    raise Unknown


def _int_axis(call: Call, name: str, default: int | None = None) -> int:
    if not call.has(name):
        if default is None:
            raise Unknown
        return default
    n = literal_int(call.arg(name))
    if n is None:
        raise Unknown
    return n


# ---- basic indexing --------------------------------------------------------------------------


def _index_int(call: Call, e: Expression | None) -> shapes.IndexInt | None:
    """A slice part: None where it is absent or ``None``, an int, a symbolic size (``h`` of
    ``b, c, h, w = x.shape``, ``t - 1``, ``-p``: see :func:`_size_part`), or ANY_INT."""
    if e is None or (isinstance(e, NameExpr) and e.fullname == "builtins.None"):
        return None
    t = get_proper_type(call.api.get_expression_type(e))
    if isinstance(t, NoneType):
        return None
    n = literal_int(t)
    if n is not None:
        return n
    if _some_int(t):
        return _size_part(call, e)
    raise Unknown


def _size_part(call: Call, e: Expression) -> shapes.IndexInt:
    """An int expression as a size where the plugin can fold it (a negated one counting from
    the end), else ANY_INT."""
    negated = isinstance(e, UnaryExpr) and e.op == "-"
    inner = e.expr if isinstance(e, UnaryExpr) and e.op == "-" else e
    d = size_of(
        call.api.get_expression_type(inner),
        inner,
        type_of(call.api),
        call.syms,
        call.definitions(),
        call.symbol,
    )
    if negated:
        d = shapes.dim_add(0, d, -1)
    return shapes.ANY_INT if d is None else d


def _some_int(t: Type) -> bool:
    """An int whose value is not known here: ``int``, a symbolic size (an int-bound TypeVar
    such as ``b`` of ``b, s, _ = x.shape``, or an ``Expr`` product)."""
    p = get_proper_type(t)
    if isinstance(p, TypeVarType):
        return is_int_bound(p)
    return (
        isinstance(p, Instance)
        and p.type.has_base("builtins.int")
        and p.type.fullname != ("builtins.bool")
    )


def _item_from_type(t: Type) -> shapes.IndexItem:
    p = get_proper_type(t)
    if isinstance(p, NoneType):
        return None
    if isinstance(p, Instance) and p.type.fullname == TENSOR:
        known = read_known_axes(p)
        if known is not None and known[1]:
            return _UNRANKED  # ``dx.tensor(np.array(rows))`` where NumPy's type has no rank
        return shapes.TensorIndex(read_tensor(p).shape)  # int64 indices (a mask is refused)
    n = literal_int(p)
    if n is not None:
        return n
    if isinstance(p, TypeVarType) and is_int_bound(p):
        return shapes.ANY_INT
    if isinstance(p, Instance):
        name = p.type.fullname
        if name == "builtins.int" and p.last_known_value is None:
            return shapes.ANY_INT
        if name in ("builtins.ellipsis", "types.EllipsisType"):
            return Ellipsis
        if name == "builtins.slice":  # a slice whose parts are not known here
            return slice(shapes.ANY_INT, shapes.ANY_INT, shapes.ANY_INT)
    raise Unknown


def _item(call: Call, e: Expression) -> shapes.IndexItem:
    if isinstance(e, EllipsisExpr):
        return Ellipsis
    if isinstance(e, SliceExpr):
        parts = (e.begin_index, e.end_index, e.stride)
        return slice(*(_index_int(call, p) for p in parts))
    return _item_from_type(call.api.get_expression_type(e))


def _index_items(call: Call) -> list[shapes.IndexItem]:
    if len(call.operands) != 2:
        raise Unknown
    e = call.operand_exprs[1]
    if e is None:
        raise Unknown
    if isinstance(e, TupleExpr):
        return [_item(call, i) for i in e.items]
    t = get_proper_type(call.operands[1])
    if isinstance(t, TupleType):  # a variable holding a tuple of index items
        return [_item_from_type(i) for i in t.items]
    return [_item(call, e)]


_UNRANKED = shapes.TensorIndex((None, None, None))
"""A tensor of indices whose rank its type does not state (compared by identity)."""


def _unranked_indexing(call: Call, x: TensorType, items: list[shapes.IndexItem]) -> Type:
    """``x[items]`` where some index tensors have a rank their type does not state: a tensor of
    unknown rank that keeps the sizes of the axes after the indexed ones (``z[:, li, lj]`` of
    a ``Tensor[B, N, N, C]`` ends in ``C``), found as the sizes the results for index tensors
    of rank 0, 1 and 2 end in alike. The other index tensors and entries are checked as
    always."""
    results = []
    for rank in (0, 1, 2):
        stand_in = shapes.TensorIndex((None,) * rank)
        results.append(shapes.index(x.shape, [stand_in if i is _UNRANKED else i for i in items]))
    last: list[shapes.Dim] = []
    for column in zip(*(reversed(r) for r in results), strict=False):
        if len(set(column)) != 1:
            break
        last.insert(0, column[0])
    known = call.result(tuple(last), x.tape, x)
    anything = AnyType(TypeOfAny.special_form)
    dims = UnpackType(call.api.named_generic_type("builtins.tuple", [anything]))
    return known.copy_modified(args=[dims, *known.args])


@rule("index", methods=("__getitem__",), functions=_ops("getitem"))
def getitem(call: Call) -> Type:
    x = call.tensor(0)
    items = _index_items(call)
    if any(i is _UNRANKED for i in items):
        return _unranked_indexing(call, x, items)
    try:
        shape = shapes.index(x.shape, items)
    except shapes.ShapeError as e:
        if any(isinstance(i, shapes.TensorIndex) for i in items):
            _blame_index_tensors(call, str(e))
        raise
    return call.result(shape, x.tape, x)


def _blame_index_tensors(call: Call, message: str) -> None:
    """Where index tensors that do not fit together are locals assigned on other lines
    (``eot = text.argmax(axis=0)`` before ``x[dx.arange(b), eot]``), the error is reported
    there too: the index is as likely computed wrong as used wrong."""
    e = call.operand_exprs[1] if len(call.operand_exprs) == 2 else None
    items = e.items if isinstance(e, TupleExpr) else [e]
    definition = reaching_definitions(call.api)
    line = call.context.line
    for item in items:
        while isinstance(item, IndexExpr):
            item = item.base  # ``rows[:, None]``: ``rows``'s sizes
        if not isinstance(item, NameExpr):
            continue
        value = definition(item)
        if value is not None and 0 < value.line != line:
            used = f"{item.name} is assigned here; used at line {line}: {message}"
            call.fail(used, DFDX_SHAPE, at=value)


# ---- selection by index tensors ----------------------------------------------------------------


def _by_indices(
    call: Call, shape_rule: Callable[[shapes.Shape, int, shapes.Shape], shapes.Shape]
) -> Type:
    """``x.op(axis, indices)``: the shape from ``shape_rule(x, axis, indices)``."""
    x = call.tensor(0)
    idx = _named_tensor(call, "indices", 1)
    shape = shape_rule(x.shape, _int_axis(call, "axis"), idx.shape)
    return call.result(shape, x.tape, x, idx)


@rule("index_select", methods=("index_select",), functions=_ops("index_select"))
def index_select(call: Call) -> Type:
    return _by_indices(call, shapes.index_select)


@rule("gather", methods=("gather",), functions=_ops("gather"))
def gather(call: Call) -> Type:
    return _by_indices(call, shapes.gather)


def _named_tensor(call: Call, name: str, position: int) -> TensorType:
    """A tensor argument passed by name (or by position where its formal has no name)."""
    if call.has(name):
        return read_tensor(call.arg(name))
    return call.tensor(position)


# ---- selection by masks ------------------------------------------------------------------------


@rule("where", functions=_ops("where"))
def where(call: Call) -> Type:
    if len(call.operands) != 3:
        raise Unknown
    cond = call.tensor(0)
    branches = []
    branch_shapes: list[shapes.Shape] = []
    for i in (1, 2):
        if is_scalar(call.operands[i]):
            branch_shapes.append(())
        else:
            t = call.tensor(i)
            branches.append(t)
            branch_shapes.append(t.shape)
    shape = shapes.where(cond.shape, branch_shapes[0], branch_shapes[1])
    tape = merge_tapes([t.tape for t in branches]) if branches else _none_tape(call)
    return call.result(shape, tape, cond, *branches)


@rule("masked_fill", methods=("masked_fill",), functions=_ops("masked_fill"))
def masked_fill(call: Call) -> Type:
    x = call.tensor(0)
    mask = _named_tensor(call, "mask", 1)
    shape = shapes.mask_broadcast(call.op, mask.shape, x.shape)
    return call.result(shape, x.tape, x)


def _matrix(call: Call) -> Type:
    x = call.tensor(0)
    return call.result(shapes.matrix(call.op, x.shape), x.tape, x)


for _op in ("tril", "triu"):
    rule(_op, methods=(_op,), functions=_ops(_op))(_matrix)


# ---- labels and indices ------------------------------------------------------------------------


@rule("one_hot", functions=_ops("one_hot"))
def one_hot(call: Call) -> Type:
    if call.has("n"):
        n_type = call.arg("n")
        n = call.named_size("n")
    elif call.has("num_classes"):  # PyTorch's name
        n_type = call.arg("num_classes")
        n = call.named_size("num_classes")
    elif len(call.operands) == 2:
        n_type = call.operands[1]
        n = call.size(1)  # a literal, folded arithmetic, an int-bound TypeVar, or Dyn
    else:
        raise Unknown
    if literal_bool(n_type) is not None:
        raise Unknown
    if call.unknown_rank_tape() is not None:  # labels of unknown rank: the classes come last
        return call.of_unknown_rank(_none_tape(call), (n,))
    labels = call.tensor(0)
    return call.result(shapes.one_hot(labels.shape, n), _none_tape(call), labels)


@rule("argmax", methods=("argmax",), functions=_ops("argmax"))
def argmax(call: Call) -> Type:
    return _arg_extreme(call)


@rule("argmin", methods=("argmin",), functions=_ops("argmin"))
def argmin(call: Call) -> Type:
    return _arg_extreme(call)


def _arg_extreme(call: Call) -> Type:
    """argmax and argmin: the shape reduced over one axis (or all), on ``NoneTape``."""
    x = call.tensor(0)
    axis = read_axis(call)
    if isinstance(axis, tuple):
        raise Unknown  # one axis only; mypy reports the tuple
    keepdims = read_keepdims(call)
    shape = shapes.reduce(call.op, x.shape, axis, keepdims)
    if axis is None:
        shapes.nonempty_reduce(call.op, (shapes.product(x.shape),), (0,))
    else:
        shapes.nonempty_reduce(call.op, x.shape, shapes.normalize_axes(call.op, x.shape, axis))
    return call.result(shape, _none_tape(call), x)


# ---- dropout -----------------------------------------------------------------------------------


@rule("dropout", functions=_ops("dropout"))
def dropout(call: Call) -> Type:
    x = call.tensor(0)
    if call.has("p"):
        p = _literal_number(call, "p")
        if p is not None:
            shapes.probability(call.op, p)
    if call.has("training") and literal_bool(call.arg("training")) is None:
        t = get_proper_type(call.arg("training"))
        if not (isinstance(t, Instance) and t.type.fullname == "builtins.bool"):
            raise Unknown
    return call.result(x.shape, x.tape, x)


def _literal_number(call: Call, name: str) -> float | None:
    """A number written as a literal in the call (mypy has no float literal types)."""
    e = call.named_exprs.get(name)
    sign = 1
    if isinstance(e, UnaryExpr) and e.op == "-":
        sign, e = -1, e.expr
    if isinstance(e, FloatExpr | IntExpr):
        return sign * e.value
    return None


# ---- comparisons -------------------------------------------------------------------------------


def _compare(call: Call) -> Type:
    a = call.tensor(0)
    if len(call.operands) != 2:
        raise Unknown
    if is_scalar(call.operands[1]):
        return call.result(a.shape, _none_tape(call), a)
    b = call.tensor(1)
    try:
        shape = shapes.broadcast(call.op, a.shape, b.shape)
    except shapes.ShapeError as e:
        raise call.recover(e, _none_tape(call), a, b) from None
    return call.result(shape, _none_tape(call), a, b)


for _op in ("eq", "ne", "lt", "le", "gt", "ge"):
    rule(_op, methods=(f"__{_op}__", _op), functions=_ops(_op))(_compare)
