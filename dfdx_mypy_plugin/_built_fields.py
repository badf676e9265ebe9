"""The conditions under which a block builds a layer it does not always have.

``self.shortcut: Conv2d[CI, CO, Any] | None = None``, then ``if stride != 1 or in_planes !=
out_planes: self.shortcut = Conv2d(in_planes, out_planes, 1)``: in ``forward``, ``if
self.shortcut is not None: out = out + self.shortcut(x)`` runs exactly where that condition
held. An op inside a branch is usually given the benefit of its condition (it may hold the
stride equal to 1: ``rules/binary.py``), but a branch taken because the layer exists holds
only the layer's own build condition, and ``stride != 1 or ...`` does not make the stride 1:
the layer's output must fit there for every stride the condition lets through.
"""

from __future__ import annotations

from mypy.nodes import (
    AssignmentStmt,
    ComparisonExpr,
    ConditionalExpr,
    Expression,
    IfStmt,
    OpExpr,
    Statement,
)
from mypy.plugin import CheckerPluginInterface

from dfdx_mypy_plugin._where import _is_none, _is_self_field, _methods

_MAY_HOLD_EQUAL = frozenset({"==", "<", "<=", "is", "in", "not in"})
"""Comparisons after which two sizes (or a stride and 1) may be equal."""


def built_where(api: CheckerPluginInterface, name: str) -> list[Expression | None] | None:
    """The tests of the ``if`` statements (and of a conditional expression) under which the
    one assignment of a layer (not ``None``) to ``self.<name>`` in the enclosing class runs,
    outermost first; None stands for an ``else`` branch (a test negated). None where the
    field is not assigned so once."""
    scope = getattr(api, "scope", None)
    info = scope.enclosing_class() if scope is not None else None
    if info is None:
        return None
    found: list[list[Expression | None]] = []
    for method in _methods(info):
        _collect(method.body.body, name, [], found)
    return found[0] if len(found) == 1 else None


def _collect(
    body: list[Statement],
    name: str,
    tests: list[Expression | None],
    found: list[list[Expression | None]],
) -> None:
    for stmt in body:
        assigns = isinstance(stmt, AssignmentStmt) and any(
            _is_self_field(lv, name) for lv in stmt.lvalues
        )
        if isinstance(stmt, AssignmentStmt) and assigns:
            value = stmt.rvalue
            if _is_none(value):
                continue
            if isinstance(value, ConditionalExpr) and _is_none(value.else_expr):
                found.append([*tests, value.cond])
            elif isinstance(value, ConditionalExpr) and _is_none(value.if_expr):
                found.append([*tests, None])
            else:
                found.append(list(tests))
        elif isinstance(stmt, IfStmt):
            for i, block in enumerate(stmt.body):
                _collect(block.body, name, [*tests, *([None] * i), stmt.expr[i]], found)
            if stmt.else_body is not None:
                _collect(stmt.else_body.body, name, [*tests, None], found)


def may_hold_equal(tests: list[Expression | None]) -> bool:
    """Whether a condition among ``tests`` may hold two sizes equal (or a stride equal to 1):
    an ``else`` branch, a ``not``, an ``==`` (or ``<``, ``<=``, ``is``, ``in``), a flag or a
    call whose value no checker reads. Only comparisons by ``!=``, ``>`` and ``>=`` (joined by
    ``and`` and ``or``) let a stride other than 1 through for certain."""
    return any(t is None or _may_hold_equal(t) for t in tests)


def _may_hold_equal(e: Expression) -> bool:
    if isinstance(e, ComparisonExpr):
        return any(op in _MAY_HOLD_EQUAL for op in e.operators)
    if isinstance(e, OpExpr):
        return _may_hold_equal(e.left) or _may_hold_equal(e.right)
    return True  # a ``not``, a flag (``self.equal_in_out = stride == 1 and ...``), a call
