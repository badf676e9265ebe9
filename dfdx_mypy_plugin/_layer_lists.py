"""A list display of layers of one class built with different sizes.

With the plugin, ``Linear(d, 2)`` is ``Linear[D, L[2]]`` and ``Linear(d, 3)`` is ``Linear[D,
L[3]]``; mypy joins two instances of one class whose (invariant) type arguments differ to
``object``, so ``self.heads = [Linear(d, 2), Linear(d, 3)]`` was a ``list[object]`` and
``head(x)`` in a loop over it ``"object" not callable`` (mypy alone and pyright, which widen
the literals, accept it). Each item of such a list, assigned to a name or a field or looped
over, is typed here as the items' common form (:func:`common_form`: their class, each type
argument they differ in ``Any``), as the element of a ``ModuleList`` built from them is. A
display given to a call (``ModuleList([...])``, ``Sequential(*[...])``) is left to that
call's rule, which reads each item's own type.
"""

from __future__ import annotations

from mypy.checker import TypeChecker
from mypy.join import join_type_list
from mypy.nodes import AssignmentStmt, CallExpr, Context, ForStmt, ListExpr, Statement
from mypy.plugin import CheckerPluginInterface
from mypy.types import Instance, Type, get_proper_type

from dfdx_mypy_plugin._types import MODULE
from dfdx_mypy_plugin._where import walk
from dfdx_mypy_plugin.rules.containers import common_form

_MAX_ITEMS = 16
"""Longer displays are left to mypy (each item's type is worked out for every item)."""

_in_progress: set[int] = set()
"""The displays whose items are being typed here (a sibling's hook must not start again)."""


def widened_list_item(api: CheckerPluginInterface, context: Context, result: Type) -> Type:
    """``result``, the type of a module built by the call ``context``; where that call is an
    item of a list display of modules that mypy would join to ``object`` (the module
    docstring), the items' common form."""
    r = get_proper_type(result)
    if not isinstance(api, TypeChecker) or not isinstance(context, CallExpr):
        return result
    if not (isinstance(r, Instance) and r.type.has_base(MODULE)):
        return result
    display = _display_of(api, context)
    if display is None or id(display) in _in_progress or len(display.items) > _MAX_ITEMS:
        return result
    _in_progress.add(id(display))
    try:
        members: list[Instance] = []
        for item in display.items:
            if item is context:
                members.append(r)
                continue
            if not isinstance(item, CallExpr):
                return result
            with api.msg.filter_errors():
                t = get_proper_type(api.expr_checker.accept(item))
            if not (isinstance(t, Instance) and t.type.has_base(MODULE)):
                return result
            members.append(t)
    finally:
        _in_progress.discard(id(display))
    joined = get_proper_type(join_type_list(list(members)))
    if isinstance(joined, Instance) and joined.type.has_base(MODULE):
        return result  # mypy's own join is a module already
    form = common_form(members)
    return form if form is not None and form.type.has_base(MODULE) else result


def _display_of(api: TypeChecker, call: CallExpr) -> ListExpr | None:
    """The list display that holds ``call`` as an item, where the display is the value of an
    assignment or the iterable of a ``for`` loop in the function (or module) being checked."""
    function = api.scope.current_function()
    body: list[Statement] = function.body.body if function is not None else api.tree.defs
    for stmt in walk(body):
        value = (
            stmt.rvalue
            if isinstance(stmt, AssignmentStmt)
            else stmt.expr
            if isinstance(stmt, ForStmt)
            else None
        )
        if isinstance(value, ListExpr) and any(item is call for item in value.items):
            return value
    return None
