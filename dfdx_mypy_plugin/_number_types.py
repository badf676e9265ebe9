"""Whether an expression the per-instance evaluator (:mod:`dfdx_mypy_plugin._instances`)
cannot compute is a plain number by its type (an ``int`` or ``float`` field, local or
literal, arithmetic on them): a tensor scaled by it keeps its shape
(``scores / self.head_size**0.5`` where the instance's head size is not known)."""

from __future__ import annotations

from mypy.nodes import (
    CallExpr,
    Expression,
    FloatExpr,
    IntExpr,
    MemberExpr,
    NameExpr,
    OpExpr,
    RefExpr,
    TypeInfo,
    UnaryExpr,
    Var,
)
from mypy.types import Instance, get_proper_type

_NUMBERS = frozenset({"builtins.int", "builtins.float"})
_NUMBER_FUNCTIONS = frozenset({"builtins.int", "builtins.float", "math.sqrt", "math.log"})


def _number_var(node: object) -> bool:
    if not isinstance(node, Var) or node.type is None:
        return False
    t = get_proper_type(node.type)
    return isinstance(t, Instance) and t.type.fullname in _NUMBERS


def typed_number(e: Expression, info: TypeInfo | None) -> bool:
    """Whether ``e`` is an ``int`` or a ``float`` (``info``: the class whose ``self`` it may
    read)."""
    if isinstance(e, IntExpr | FloatExpr):
        return True
    if isinstance(e, MemberExpr) and isinstance(e.expr, NameExpr) and e.expr.name == "self":
        found = info.get(e.name) if info is not None else None
        return found is not None and _number_var(found.node)
    if isinstance(e, NameExpr):
        return _number_var(e.node)
    if isinstance(e, OpExpr) and e.op in ("+", "-", "*", "/", "//", "**"):
        return typed_number(e.left, info) and typed_number(e.right, info)
    if isinstance(e, UnaryExpr) and e.op == "-":
        return typed_number(e.expr, info)
    if isinstance(e, CallExpr) and isinstance(e.callee, RefExpr):
        return e.callee.fullname in _NUMBER_FUNCTIONS
    return False
