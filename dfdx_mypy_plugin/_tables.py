"""Where a learned table that set a size that does not fit was created.

A module's tables (a positional embedding, a class token, DETR's row and column embeddings, an
output projection) are tensor fields created in ``__init__`` (``self.pos = scale *
dx.randn(grid ** 2, width)``) and used in ``forward``, often sliced, given new axes and
broadcast into a grid. Where a size of such a table does not fit where it is used (``x +
self.pos``, ``self.row_embed[:h].unsqueeze(1).broadcast_to(h, w, f)``), the table is most
often created with the wrong size (no row for the class token, the full width where half is
meant). :func:`table_places` follows the value back (a local's last assignment, moves of
axes, slices that keep the axis whole, a number times the table, a sum with a tensor that
does not set the axis, ops that keep the shape: ``.trace()``, ``.cos()``) to a field of
``self`` assigned once, or registered as a buffer (``self.register_buffer("pe", pe)``), from
a creation function (``randn``, ``rand``, ``zeros``, ``ones``), also through a local of the
method that assigns it (``pe = dx.zeros(max_len, d_model)``, then ``self.pe = pe.trace()``),
or to an ``Embedding``'s ``weight``, and gives the place of the size argument that set the
axis, so the error is also reported there. :func:`created_places` does the same for a
tensor given to ``register_buffer`` whose sizes differ from its field's declared ones.
"""

from __future__ import annotations

from mypy.checker import TypeChecker
from mypy.nodes import (
    ARG_POS,
    AssignmentStmt,
    CallExpr,
    Context,
    EllipsisExpr,
    Expression,
    ExpressionStmt,
    FuncItem,
    IndexExpr,
    IntExpr,
    MemberExpr,
    NameExpr,
    OpExpr,
    SliceExpr,
    Statement,
    StrExpr,
    TupleExpr,
    UnaryExpr,
)
from mypy.plugin import CheckerPluginInterface
from mypy.types import Instance, get_proper_type

from dfdx_mypy_plugin._locals import ANYTHING, count_bindings
from dfdx_mypy_plugin._origin import _moved, last_assignment
from dfdx_mypy_plugin._types import checked_shape, is_scalar, type_of
from dfdx_mypy_plugin._where import _is_self_field, _methods, field_value, walk

_CREATORS = frozenset({"randn", "rand", "zeros", "ones", "empty"})
_EMBEDDINGS = frozenset({"Embedding"})
_MOVES = frozenset({"transpose", "swapaxes", "permute", "unsqueeze"})
_KEEPS = frozenset(
    {
        "trace",
        "detach",
        "float",
        "double",
        "contiguous",
        "clone",
        "sin",
        "cos",
        "exp",
        "log",
        "sqrt",
        "abs",
        "neg",
        "tanh",
        "sigmoid",
        "relu",
    }
)
"""Methods of a tensor whose result has its shape: the table is their receiver's."""
_DEPTH = 16


def table_places(
    api: CheckerPluginInterface, e: Expression | None, axis: int, context: Context, message: str
) -> list[tuple[str, Context]]:
    """Where ``message`` (an error at ``context`` about axis ``axis`` of ``e``'s tensor,
    counted from 0 or, negative, from the end) is to be reported too: where the table that
    set that size is created, when that is another line."""
    if e is None or "_mask " in message:
        return []
    shape = checked_shape(api, e)
    if shape is None or not -len(shape) <= axis < len(shape):
        return []
    found = _table(api, e, axis % len(shape), None, 0)
    if found is None:
        return []
    name, where = found
    if where.line in (context.line, 0):
        return []
    return [(f"{name} is created here; it reaches line {context.line}: {message}", where)]


def created_places(
    api: CheckerPluginInterface, e: Expression, axis: int, message: str, label: str
) -> list[tuple[str, Context]]:
    """Where ``message`` (an error at ``e`` about axis ``axis``, counted from 0, of its
    tensor: ``self.register_buffer("pe", pe)``) is to be reported too: the size argument of
    the creation that made the tensor, where that is on another line (``pe =
    dx.zeros(d_model, max_len)``, a local of the function). ``label`` names the tensor where
    ``e`` is no name."""
    context: Context = e
    found = _table(api, e, axis, e.name if isinstance(e, NameExpr) else label, 0)
    if found is None or found[1].line in (context.line, 0):
        return []
    name, where = found
    return [(f"{name} is created here; it reaches line {context.line}: {message}", where)]


def _table(
    api: CheckerPluginInterface,
    e: Expression,
    axis: int,
    field: str | None,
    depth: int,
    method: FuncItem | None = None,
) -> tuple[str, Context] | None:
    """The table's name and the size argument that set ``axis`` of ``e``, or None; a name
    in ``e`` is a local of ``method`` where given (the one that assigned a field), else of
    the function being checked."""
    if depth > _DEPTH:
        return None
    if isinstance(e, NameExpr):
        value = _local_value(method, e) if method is not None else last_assignment(api, e)
        return _table(api, value, axis, field, depth + 1, method) if value is not None else None
    if isinstance(e, MemberExpr):
        return _field(api, e, axis, depth)
    if isinstance(e, OpExpr) and e.op in ("*", "/", "+", "-"):
        side = _setting_operand(api, e, axis)
        return _table(api, side, axis, field, depth + 1, method) if side is not None else None
    if isinstance(e, IndexExpr):
        inner = _indexed_axis(api, e, axis)
        if inner is None:
            return None
        return _table(api, e.base, inner, field, depth + 1, method)
    if not isinstance(e, CallExpr):
        return None
    if isinstance(e.callee, MemberExpr) and e.callee.name in _MOVES:
        receiver = checked_shape(api, e.callee.expr)
        if receiver is None:
            return None
        moved = _moved(e, e.callee.name, receiver, frozenset({axis}))
        if moved is None or len(moved) != 1:
            return None
        return _table(api, e.callee.expr, next(iter(moved)), field, depth + 1, method)
    if isinstance(e.callee, MemberExpr) and e.callee.name in _KEEPS and not e.args:
        return _table(api, e.callee.expr, axis, field, depth + 1, method)
    if field is not None and _callee_name(e) in _CREATORS:
        return _size_argument(e, axis, field)
    return None


def _setting_operand(api: CheckerPluginInterface, e: OpExpr, axis: int) -> Expression | None:
    """The operand of an arithmetic op whose tensor sets ``axis`` of its result: the one
    tensor of ``0.02 * w``; of two tensors, the one of the result's rank whose size there is
    known, where the other's is not (``dx.zeros(n, d) + dx.tensor(table)``)."""
    scalar_left = is_scalar(type_of(api)(e.left))
    scalar_right = is_scalar(type_of(api)(e.right))
    if scalar_left != scalar_right:
        return e.right if scalar_left else e.left
    if scalar_left:
        return None
    out = checked_shape(api, e)
    if out is None:
        return None
    known = []
    for side in (e.left, e.right):
        shape = checked_shape(api, side)
        if shape is not None and len(shape) == len(out) and shape[axis] is not None:
            known.append(side)
    return known[0] if len(known) == 1 else None


def _local_value(method: FuncItem, name: NameExpr) -> Expression | None:
    """The value of ``name = value``, the one binding of ``name`` in ``method``, a statement
    of its body before ``name``'s line."""
    count: dict[str, int] = {}
    count_bindings(method.body.body, count)
    if count.get(ANYTHING) or count.get(name.name) != 1:
        return None
    for stmt in method.body.body:
        if (
            isinstance(stmt, AssignmentStmt)
            and len(stmt.lvalues) == 1
            and isinstance(stmt.lvalues[0], NameExpr)
            and stmt.lvalues[0].name == name.name
            and stmt.line < name.line
        ):
            return stmt.rvalue
    return None


def _field(
    api: CheckerPluginInterface, e: MemberExpr, axis: int, depth: int
) -> tuple[str, Context] | None:
    """A table held in a field of ``self`` (or an ``Embedding`` field's ``weight``)."""
    if e.name == "weight" and isinstance(e.expr, MemberExpr):
        layer = field_value(api, e.expr)
        if isinstance(layer, CallExpr) and _callee_name(layer) in _EMBEDDINGS:
            return _size_argument(layer, axis, f"self.{e.expr.name}.weight")
        return None
    source = _field_source(api, e)
    if source is None:
        return None
    value, method = source
    return _table(api, value, axis, f"self.{e.name}", depth + 1, method)


def _field_source(
    api: CheckerPluginInterface, e: MemberExpr
) -> tuple[Expression, FuncItem | None] | None:
    """The value of the field ``e`` (``self.pos``) and the method that gives it, where it is
    assigned once (``self.pos = pos.trace()``) or registered once as a buffer
    (``self.register_buffer("pe", pe)``) in its class, in the file being checked; else its
    value where :func:`field_value` finds one."""
    if not isinstance(api, TypeChecker) or not _is_self_field(e, e.name):
        return None
    owner = get_proper_type(api.lookup_type_or_none(e.expr))
    cls = owner.type if isinstance(owner, Instance) else api.scope.enclosing_class()
    found: list[tuple[Expression, FuncItem]] = []
    for info in cls.mro if cls is not None else []:
        if info.module_name != api.tree.fullname:
            continue
        for method in _methods(info):
            for stmt in walk(method.body.body):
                if isinstance(stmt, AssignmentStmt) and any(
                    _is_self_field(lv, e.name) for lv in stmt.lvalues
                ):
                    found.append((stmt.rvalue, method))
                registered = _registers(stmt, e.name)
                if registered is not None:
                    found.append((registered, method))
    if len(found) == 1:
        return found[0]
    value = field_value(api, e)
    return (value, None) if value is not None else None


def _registers(stmt: Statement, name: str) -> Expression | None:
    """The tensor of ``self.register_buffer("name", tensor)`` where ``stmt`` is that call."""
    if not isinstance(stmt, ExpressionStmt) or not isinstance(stmt.expr, CallExpr):
        return None
    call = stmt.expr
    if not (
        isinstance(call.callee, MemberExpr)
        and call.callee.name == "register_buffer"
        and isinstance(call.callee.expr, NameExpr)
        and call.callee.expr.name == "self"
        and len(call.args) >= 2
        and call.arg_kinds[:2] == [ARG_POS, ARG_POS]
        and isinstance(call.args[0], StrExpr)
        and call.args[0].value == name
    ):
        return None
    return call.args[1]


def _callee_name(e: CallExpr) -> str | None:
    callee = e.callee
    if not isinstance(callee, NameExpr | MemberExpr) or not callee.fullname.startswith("dfdx."):
        return None
    return callee.name


def _size_argument(e: CallExpr, axis: int, field: str) -> tuple[str, Context] | None:
    """The size argument of a creation call (or an ``Embedding(num, dim)``) for ``axis``."""
    sizes = [a for a, k in zip(e.args, e.arg_kinds, strict=True) if k == ARG_POS]
    if len(sizes) == 1 and isinstance(sizes[0], TupleExpr):
        sizes = list(sizes[0].items)
    if not 0 <= axis < len(sizes):
        return None
    if _callee_name(e) in _EMBEDDINGS and len(sizes) != 2:
        return None
    return field, sizes[axis]


def _indexed_axis(api: CheckerPluginInterface, e: IndexExpr, axis: int) -> int | None:
    """The axis of ``e.base`` that axis ``axis`` of ``e`` comes from where the index keeps it
    whole (``:``, or a slice whose length is the axis's), or None (an inserted axis, a slice
    that sets the size, an index the plugin does not read)."""
    base = checked_shape(api, e.base)
    out = checked_shape(api, e)
    if base is None or out is None:
        return None
    items = list(e.index.items) if isinstance(e.index, TupleExpr) else [e.index]
    if not all(map(_basic, items)):
        return None
    named = sum(1 for i in items if not _is_none(i) and not isinstance(i, EllipsisExpr))
    expanded: list[Expression | None] = []
    for i in items:
        if isinstance(i, EllipsisExpr):
            expanded.extend([None] * (len(base) - named))
        else:
            expanded.append(i)
    if not any(isinstance(i, EllipsisExpr) for i in items):
        expanded.extend([None] * (len(base) - named))
    position = 0
    for k, item in enumerate(expanded):
        source = sum(1 for i in expanded[:k] if not _is_none(i))
        if item is not None and _is_none(item):
            if position == axis:
                return None
            position += 1
        elif item is None or isinstance(item, SliceExpr):
            if position == axis:
                kept = item is None or _whole(item) or base[source] == out[axis]
                return source if kept else None
            position += 1
    return None


def _basic(e: Expression) -> bool:
    """A slice, ``None``, ``...`` or a literal int (an index of basic indexing)."""
    if isinstance(e, UnaryExpr) and e.op == "-":
        e = e.expr
    return isinstance(e, SliceExpr | EllipsisExpr | IntExpr) or _is_none(e)


def _is_none(e: Expression | None) -> bool:
    return isinstance(e, NameExpr) and e.fullname == "builtins.None"


def _whole(s: SliceExpr) -> bool:
    return s.begin_index is None and s.end_index is None and s.stride is None
