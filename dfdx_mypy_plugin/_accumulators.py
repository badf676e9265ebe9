"""Names summed in a loop: ``total = dx.zeros(b, d)`` (untraced), then ``total = total +
expert(x)`` (traced) in each pass, then ``return total`` on the input's tape.

mypy reads such a name after the loop as the union of the value from before the loop and
the value its body gives (``Tensor[B, D, NoneTape] | Tensor[B, D, OwnedTape]``), since the
loop may run no time. PyTorch code sums this way everywhere, so an accumulation is taken to
run at least once: after a loop whose body accumulates a name (``acc = acc + term``, ``acc
+= term``, ``acc = acc * g``, at the top level of its body or of a loop nested there), the
name takes the tape of the value the body gives it. Where the loop runs no time, the
runtime's ``backward()`` on the untraced result raises its own error.

The plugin puts ``acc = vars(acc)`` after such a loop in mypy's tree (nothing runs), for
each name ``_reused_names`` declares; the call's hook (:func:`accumulated`) reads the union
and drops its untraced members where a traced one is there. A name only assigned in a loop
(under a condition, or to a value that does not read it) keeps the union.
"""

from __future__ import annotations

import re

from mypy.nodes import (
    ARG_POS,
    AssignmentStmt,
    CallExpr,
    ClassDef,
    Decorator,
    Expression,
    ForStmt,
    FuncDef,
    NameExpr,
    OperatorAssignmentStmt,
    OpExpr,
    Statement,
    WhileStmt,
)
from mypy.plugin import FunctionContext
from mypy.typeops import make_simplified_union
from mypy.types import Type, UnionType, get_proper_type

from dfdx_mypy_plugin._locals import blocks
from dfdx_mypy_plugin._types import NONE_TAPE, is_tensor, read_tape, tape_name

CALLEE = "vars"
"""The builtin whose marked call (``acc = vars(acc)``) stands for the accumulated value."""

FULLNAME = "builtins.vars"

_CALLEE_WORD = re.compile(rf"\b{CALLEE}\b")


def declare_accumulators(body: list[Statement], names: list[str], source: list[str]) -> None:
    """After each loop of ``body`` (or of its nested blocks) that accumulates one of
    ``names``, put ``name = vars(name)`` (where the file never names ``vars`` itself)."""
    if not names or any(_CALLEE_WORD.search(line) for line in source):
        return
    _declare_in(body, set(names))


def _declare_in(body: list[Statement], names: set[str]) -> None:
    at = 0
    while at < len(body):
        stmt = body[at]
        if isinstance(stmt, FuncDef | Decorator | ClassDef):
            at += 1
            continue
        for block in blocks(stmt):
            _declare_in(block.body, names)
        if isinstance(stmt, ForStmt | WhileStmt):
            summed = [n for n in sorted(names) if _accumulates(stmt.body.body, n)]
            body[at + 1 : at + 1] = [_marked(n, stmt) for n in summed]
            at += len(summed)
        at += 1


def _accumulates(body: list[Statement], name: str) -> bool:
    """Whether a statement at the top level of a loop's ``body`` (or of a loop nested there)
    rebinds ``name`` to a value computed from it by operators."""
    for stmt in body:
        if isinstance(stmt, OperatorAssignmentStmt):
            if isinstance(stmt.lvalue, NameExpr) and stmt.lvalue.name == name:
                return True
        elif isinstance(stmt, AssignmentStmt):
            if (
                len(stmt.lvalues) == 1
                and isinstance(stmt.lvalues[0], NameExpr)
                and stmt.lvalues[0].name == name
                and isinstance(stmt.rvalue, OpExpr)
                and name in _operand_names(stmt.rvalue)
            ):
                return True
        elif isinstance(stmt, ForStmt | WhileStmt) and _accumulates(stmt.body.body, name):
            return True
    return False


def _operand_names(e: Expression) -> set[str]:
    """The names among the operands of a chain of binary operators."""
    if isinstance(e, OpExpr):
        return _operand_names(e.left) | _operand_names(e.right)
    return {e.name} if isinstance(e, NameExpr) else set()


def _marked(name: str, loop: Statement) -> AssignmentStmt:
    value = CallExpr(NameExpr(CALLEE), [NameExpr(name)], [ARG_POS], [None])
    stmt = AssignmentStmt([NameExpr(name)], value)
    for node in (stmt, stmt.lvalues[0], value.callee, value.args[0]):
        node.set_line(loop.line, loop.column)  # no end: editors show nothing for it
    value.line = -1  # marks it (is_accumulated)
    return stmt


def is_accumulated(e: object) -> bool:
    """Whether ``e`` is the value of a statement :func:`declare_accumulators` put in."""
    return (
        isinstance(e, CallExpr)
        and isinstance(e.callee, NameExpr)
        and e.callee.name == CALLEE
        and len(e.args) == 1
        and e.line == -1
    )


def accumulated(ctx: FunctionContext) -> Type:
    """The hook of ``vars``: at a marked call, the accumulated name's union less its
    untraced tensor members where a traced tensor member is there; elsewhere, as typed."""
    if not is_accumulated(ctx.context) or not ctx.arg_types or len(ctx.arg_types[0]) != 1:
        return ctx.default_return_type
    value = ctx.arg_types[0][0]
    union = get_proper_type(value)
    if not isinstance(union, UnionType):
        return value
    untraced = [is_tensor(t) and tape_name(read_tape(t)) == NONE_TAPE for t in union.items]
    traced = [is_tensor(t) and not u for t, u in zip(union.items, untraced, strict=True)]
    if not any(traced):
        return value
    return make_simplified_union([t for t, u in zip(union.items, untraced, strict=True) if not u])


__all__ = ["FULLNAME", "accumulated", "declare_accumulators", "is_accumulated"]
