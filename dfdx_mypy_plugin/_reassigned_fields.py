"""A block's layer chosen in ``__init__`` by assigning its field again.

PyTorch's most common residual block builds its shortcut so: ``self.shortcut =
Sequential()``, then ``if stride != 1 or in_planes != planes: self.shortcut =
Sequential(Conv2d(in_planes, planes, 1, stride=stride), BatchNorm2d(planes))`` (or the
projection first and ``else: self.shortcut = Sequential()``). mypy types the field by its
first assignment: the empty ``Sequential[tuple[()]]``, against which the projection is "too
many arguments", and a call of the field is the identity wherever it is called. The plugin
types the first assignment's value as the union of the values every assignment of the field
in that method gives (each checked there, quietly), so that the field holds what it may
hold: the projection is then checked where the field is called (the identity's member is
taken where the condition that chose it may hold the sizes equal:
:mod:`dfdx_mypy_plugin._joined_values`), and the later assignments fit the field.
"""

from __future__ import annotations

from mypy.checker import TypeChecker
from mypy.nodes import (
    Argument,
    AssignmentStmt,
    CallExpr,
    Context,
    Expression,
    FuncDef,
    MemberExpr,
    NameExpr,
    TypeInfo,
    Var,
)
from mypy.plugin import CheckerPluginInterface
from mypy.typeops import make_simplified_union
from mypy.types import Instance, Type, UnionType, get_proper_type

from dfdx_mypy_plugin._joined_values import expressions_in
from dfdx_mypy_plugin._types import MODULE
from dfdx_mypy_plugin._where import _is_self_field, _methods, walk


def widened_field_value(api: CheckerPluginInterface, context: Context, result: Type) -> Type:
    """``result``, the type of a module built by the call ``context``; where that call is
    the value of the first assignment to a field ``self.<name>`` (not annotated) that the
    same method assigns other modules too, the union of all their types."""
    if not isinstance(api, TypeChecker) or not isinstance(context, CallExpr):
        return result
    if not _is_module(result):
        return result
    function = api.scope.current_function()
    if not isinstance(function, FuncDef):
        return result
    info = api.scope.enclosing_class()
    if info is None:
        return result
    name = _first_assigned_field(function, context)
    if name is None:
        return result
    others = _other_values(info, function, name, context)
    if not others:
        return result
    types = [result]
    for value in others:
        t = _quiet_type(api, function, value)
        if t is None or not _is_module(t):
            return result
        types.append(t)
    return make_simplified_union(types)


def _is_module(t: Type) -> bool:
    p = get_proper_type(t)
    items = p.items if isinstance(p, UnionType) else [p]
    return all(
        isinstance(i, Instance) and i.type.has_base(MODULE)
        for i in (get_proper_type(m) for m in items)
    )


def _first_assigned_field(function: FuncDef, value: CallExpr) -> str | None:
    """``name`` where ``value`` is the value of the (unannotated) assignment that defines
    ``self.<name>``."""
    for stmt in walk(function.body.body):
        if not isinstance(stmt, AssignmentStmt) or stmt.rvalue is not value:
            continue
        if stmt.type is not None or len(stmt.lvalues) != 1:
            return None
        target = stmt.lvalues[0]
        if isinstance(target, MemberExpr) and _is_self_field(target, target.name):
            return target.name if target.is_inferred_def else None
        return None
    return None


def _other_values(
    info: TypeInfo, function: FuncDef, name: str, value: CallExpr
) -> list[Expression] | None:
    """The values of the other assignments to ``self.<name>`` in the class, all of them in
    ``function`` and calls; None where one is elsewhere or of another kind (``None``: mypy
    makes the field optional itself)."""
    found: list[Expression] = []
    for method in _methods(info):
        for stmt in walk(method.body.body):
            if not isinstance(stmt, AssignmentStmt):
                continue
            if not any(_is_self_field(lv, name) for lv in stmt.lvalues):
                continue
            if stmt.rvalue is value:
                continue
            if method is not function or not isinstance(stmt.rvalue, CallExpr):
                return None
            found.append(stmt.rvalue)
    return found


def _quiet_type(api: TypeChecker, function: FuncDef, value: Expression) -> Type | None:
    """The type of ``value``, checked here without a type context and with its errors
    left to its own statement; None where it reads a local variable not typed yet."""
    own = {a.variable.name for a in function.arguments if isinstance(a, Argument)}
    for e in expressions_in(value):
        if isinstance(e, NameExpr) and e.name not in own:
            node = e.node
            if isinstance(node, Var) and node.type is None:
                return None
    with api.msg.filter_errors():
        return api.expr_checker.accept(value)
