"""Which step of a value's expression made the sizes that do not fit its declared type.

:func:`dfdx_mypy_plugin._where.fit_value` compares an op's result with the declared type its
value goes to (an annotated field or name, a ``return``). Where the op only kept the sizes of
the tensor it read, the mistake is where that tensor was made; these helpers follow the value
back inside one expression (``dx.randn(out_f, in_f).trace()``, ``0.02 * dx.randn(...)``,
``x.sum(axis=2).relu()``: the creation or the reduction is the mistake, not ``trace`` or
``relu``), and tell a declared field of the class (``weight: Tensor[FI, FO]`` in the class
body, then ``self.weight = ...`` in ``__init__``) and a function's argument as it came (the
op that read it made the value) from values these helpers do not follow.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.checker import TypeChecker
from mypy.nodes import (
    ArgKind,
    AssignmentStmt,
    CallExpr,
    Context,
    Expression,
    ExpressionStmt,
    FuncItem,
    IndexExpr,
    ListComprehension,
    ListExpr,
    MemberExpr,
    NameExpr,
    OpExpr,
    TupleExpr,
    Var,
)
from mypy.plugin import CheckerPluginInterface
from mypy.types import Instance, get_proper_type

from dfdx_mypy_plugin._arguments import name_reuse
from dfdx_mypy_plugin._locals import ANYTHING, count_bindings
from dfdx_mypy_plugin._types import TENSOR
from dfdx_mypy_plugin.shapes import Shape, fmt

MadeBefore = Callable[
    [CheckerPluginInterface, Expression, Shape, list[int], str],
    "list[tuple[str, Context]] | None",
]
""":func:`dfdx_mypy_plugin._where._made_before`, passed in (that module imports this one)."""

_OPERATORS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "@": "matmul"}


def class_declared_field(api: CheckerPluginInterface, target: MemberExpr) -> Var | None:
    """The field ``target`` (``self.weight``) assigns, where its class declares it in the
    class body (``weight: Tensor[FI, FO, OwnedTape]``): semantic analysis links such an
    assignment to no variable of its own."""
    if not (isinstance(target.expr, NameExpr) and target.expr.name == "self"):
        return None
    scope = getattr(api, "scope", None)
    info = scope.active_class() if scope is not None else None
    if info is None:
        function = scope.current_function() if scope is not None else None
        info = getattr(function, "info", None)
    for base in getattr(info, "mro", []):
        found = base.names.get(target.name)
        if found is not None:
            return found.node if isinstance(found.node, Var) else None
    return None


def op_name(e: Expression) -> str:
    """The op ``e`` applies, as the plugin's messages name it: ``randn`` for
    ``dx.randn(...)``, ``trace`` for ``w.trace()``, ``mul`` for ``0.02 * w``."""
    if isinstance(e, CallExpr):
        callee = e.callee
        if isinstance(callee, MemberExpr | NameExpr):
            return callee.name
    if isinstance(e, OpExpr):
        return _OPERATORS.get(e.op, e.op)
    if isinstance(e, IndexExpr):
        return "index"
    return "the expression"


def _is_tensor(api: CheckerPluginInterface, e: Expression) -> bool:
    lookup = getattr(api, "lookup_type_or_none", None)
    t = lookup(e) if lookup is not None else None
    p = get_proper_type(t) if t is not None else None
    return isinstance(p, Instance) and p.type.fullname == TENSOR


def kept_operand(api: CheckerPluginInterface, op: OpExpr) -> Expression | None:
    """The operand whose tensor an arithmetic operator's result keeps the sizes of: the one
    tensor of ``0.02 * w`` or ``h / n``; of two tensors (a broadcast), the left one."""
    for e in (op.left, op.right):
        if _is_tensor(api, e):
            return e
    return None


def made_inside(
    api: CheckerPluginInterface,
    inner: Expression,
    inner_shape: Shape,
    outer_shape: Shape,
    bad: list[int],
    message: str,
    made_before: MadeBefore,
) -> list[tuple[str, Context]] | None:
    """Where ``inner``, the operand an op (whose result, of ``outer_shape``, does not fit its
    declared type on the axes ``bad``) read and kept those sizes of, is itself an op: that op
    where it made them (its own input differs there, or it has none: a creation), reported
    with ``message`` told of it; where it kept them in turn, the place found further in;
    None where the sizes come from something not followed."""
    found = made_before(api, inner, inner_shape, bad, message)
    if found is None or found:
        return found
    head = f": gives {fmt(outer_shape)}"
    _, sep, tail = message.partition(head)
    told = f"{op_name(inner)}: gives {fmt(inner_shape)}{tail}" if sep else message
    return [(told, inner), *at_size_argument(inner, bad, told)]


def is_unbound_argument(api: CheckerPluginInterface, name: NameExpr) -> bool:
    """Whether ``name`` is an argument of the function being checked that its body never
    binds again: its value at any use is the argument as the caller gave it."""
    scope = getattr(api, "scope", None)
    function = scope.current_function() if scope is not None else None
    if not isinstance(function, FuncItem):
        return False
    arguments = [a.variable.name for a in function.arguments if a.kind != ArgKind.ARG_STAR2]
    if name.name not in arguments:
        return False
    count: dict[str, int] = {}
    count_bindings(function.body.body, count)
    return not count.get(name.name) and not count.get(ANYTHING)


def told_inside(places: list[tuple[str, Context]], op: Context) -> bool:
    """Whether one of ``places`` is an expression inside ``op`` on its line
    (:func:`made_inside`: ``randn`` of ``dx.randn(o, i).trace()``): its error says what the
    error at ``op`` would, of the step that made the sizes."""
    return any(
        place is not op
        and place.line == op.line
        and (place.column, place.end_line or 0, place.end_column or 0) >= (op.column, 0, 0)
        and (place.end_line or 0, place.end_column or 0) <= (op.end_line or 0, op.end_column or 0)
        for _, place in places
    )


_DECLARED = "'s declared type"

_ADDS = {"append": 0, "insert": 1}
"""A list's methods that add one item, by the position of the item among their arguments."""


def item_destination(api: CheckerPluginInterface, value: Expression) -> str | None:
    """What declared type ``value`` must fit as an item of a list: the argument of
    ``layers.append(value)`` (``layers: list[Block[C, C]] = []``: mypy gives it the list's item
    type as context), or an item of a list display or comprehension (also inside a call of
    one argument, ``ModuleList([...])``) assigned to a declared target; else None."""
    from dfdx_mypy_plugin._where import _same_place, callee_name, destination, walk

    if not isinstance(api, TypeChecker):
        return None
    function = api.scope.current_function()
    statements = function.body.body if function is not None else api.tree.defs
    for stmt in walk(statements):
        if isinstance(stmt, ExpressionStmt) and isinstance(stmt.expr, CallExpr):
            call = stmt.expr
            at = _ADDS.get(call.callee.name) if isinstance(call.callee, MemberExpr) else None
            if (
                at is not None
                and isinstance(call.callee, MemberExpr)
                and len(call.args) == at + 1
                and _same_place(call.args[at], value)
            ):
                return f"an item of {callee_name(call.callee.expr)}"
        if isinstance(stmt, AssignmentStmt) and any(
            _same_place(item, value) for item in _items(stmt.rvalue)
        ):
            where = destination(api, stmt.rvalue)
            return f"an item of {where.removesuffix(_DECLARED)}" if where is not None else None
    return None


def _items(e: Expression) -> list[Expression]:
    """The items of a list display or comprehension ``e``, or of the one such argument of a
    call (``ModuleList([...])``)."""
    if isinstance(e, CallExpr) and len(e.args) == 1:
        e = e.args[0]
    if isinstance(e, ListExpr):
        return list(e.items)
    if isinstance(e, ListComprehension):
        return [e.generator.left_expr]
    return []


_SIZES_AS_ARGUMENTS = frozenset(
    {"zeros", "ones", "randn", "rand", "empty", "full", "reshape", "view"}
)
"""Ops whose positional arguments (or first argument, a tuple) are their result's sizes."""


def at_size_argument(op: Context, bad: list[int], message: str) -> list[tuple[str, Context]]:
    """Where ``op`` (``dx.zeros(...)``, ``x.reshape(...)``) takes its sizes as arguments and
    the one for the first axis in ``bad`` is on a line of its own (a call over several
    lines), that argument, with ``message``: the line to fix."""
    if not isinstance(op, CallExpr) or op_name(op) not in _SIZES_AS_ARGUMENTS or not bad:
        return []
    sizes = [a for a, k in zip(op.args, op.arg_kinds, strict=True) if k == ArgKind.ARG_POS]
    if sizes and isinstance(sizes[0], TupleExpr):
        sizes = list(sizes[0].items)
    if bad[0] >= len(sizes) or sizes[bad[0]].line == op.line:
        return []
    return [(message, sizes[bad[0]])]


def operators_followed(api: CheckerPluginInterface) -> bool:
    """Whether an arithmetic operator's result is checked against its declared type: only
    where a name may take a new type (``allow_redefinition_new``); else ``h = h * 2.0`` after
    ``h = self.fc(h)`` is rejected already, by mypy, and ``h`` keeps its first type."""
    options = getattr(api, "options", None)
    return options is not None and name_reuse(options)
