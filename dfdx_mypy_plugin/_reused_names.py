"""Local names a function rebinds to values of other types: ``x = self.conv1(x)``, then
``x = x.reshape(b, c, -1)``, then ``x = x.permute(0, 2, 1)``.

With name reuse on (``allow_redefinition_new``), mypy widens such a variable's declared type
to the union of the types assigned so far, and reads the name as that union narrowed by the
value last assigned: each member that *overlaps* the value is met with it. Two tensor types
overlap wherever a size is ``Dyn`` (``Any``) on either side, so the read gives members the
code never assigned: after ``Tensor[B, D, Dyn]`` then ``Tensor[B, Dyn, D]``, the name reads
as ``Tensor[B, D, D] | Tensor[B, Dyn, D]`` (mypy 2.4, ``meet.narrow_declared_type``), and
the next layer, ``return`` or ``forward`` call rejects a member that does not exist.

A variable declared ``object`` (and still inferred) is read as exactly the value last
assigned on each path, and as the union of those values where paths join, with no such
meets: so each name the rule below picks is first bound to ``object()`` by a statement put at
the start of the body (mypy's tree only; nothing runs). A name qualifies where its first
binding is a ``name = value`` statement at the top level of the body (so every path binds
it before a join), it is bound more than once, only by ``=`` (or ``+=``-style) statements
without an annotation and never to an empty collection or ``None`` (whose types mypy infers
from later statements), no nested function, lambda or class reads it (mypy reads a variable
there by its declared type), and no comprehension binds it as a target of its own. A
comprehension that only reads it (``x = dx.cat([att(x, adj) for att in self.heads])``, GAT's
heads) reads the value last assigned, as a statement does: mypy checks a comprehension's body
with the enclosing function's narrowed types. A function with ``global``, ``nonlocal``,
``del``, ``match`` or ``:=`` is left as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mypy.nodes import (
    AssertStmt,
    AssignmentStmt,
    CallExpr,
    ClassDef,
    Decorator,
    DelStmt,
    DictExpr,
    Expression,
    ExpressionStmt,
    ForStmt,
    FuncDef,
    GlobalDecl,
    IfStmt,
    Import,
    ImportAll,
    ImportFrom,
    ListExpr,
    MatchStmt,
    NameExpr,
    NonlocalDecl,
    OperatorAssignmentStmt,
    RaiseStmt,
    ReturnStmt,
    SetExpr,
    Statement,
    TryStmt,
    WhileStmt,
    WithStmt,
)
from mypy.traverser import all_name_and_member_expressions

from dfdx_mypy_plugin._accumulators import declare_accumulators
from dfdx_mypy_plugin._locals import blocks, target_names

DECLARED = "object"
"""The callee of the statement that declares a reused name (``x = object()``)."""

_LAMBDA = re.compile(r"\blambda\b")
_COMPREHENSION_TARGETS = re.compile(r"\bfor\b(.*?)\bin\b")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_COLLECTIONS = frozenset({"list", "dict", "set", "defaultdict", "OrderedDict", "deque"})


def is_declaration(value: Expression) -> bool:
    """Whether ``value`` is the right side of a statement :func:`declare_reused_names` put
    in (``x = object()``), which is not where the name's value comes from."""
    return (
        isinstance(value, CallExpr)
        and isinstance(value.callee, NameExpr)
        and value.callee.name == DECLARED
        and not value.args
        and value.line == -1
    )


def declare_reused_names(func: FuncDef, source: list[str] | None) -> None:
    """Put ``name = object()`` at the start of ``func``'s body for each name the module's
    rule picks (the function is not analysed yet). ``source``: the file's lines, where the
    rule looks for lambdas and comprehensions (none read: nothing is declared)."""
    body = func.body.body
    if not body or source is None:
        return
    arguments = {arg.variable.name for arg in func.arguments}
    names = [n for n in _reused_names(body, source) if n not in arguments]
    first = body[0]
    prologue: list[Statement] = []
    for name in names:
        value = CallExpr(NameExpr(DECLARED), [], [], [])
        stmt = AssignmentStmt([NameExpr(name)], value)
        for node in (stmt, stmt.lvalues[0], value.callee):
            node.set_line(first.line, first.column)  # no end: editors show nothing for it
        value.line = -1  # marks it (is_declaration)
        prologue.append(stmt)
    declare_accumulators(body, names, source)
    body[:0] = prologue


def _reused_names(body: list[Statement], source: list[str]) -> list[str]:
    """The names of the module's rule, in the order of their first binding."""
    first_top_level: dict[str, bool] = {}
    count: dict[str, int] = {}
    excluded: set[str] = set()
    for stmt, top in _statements(body, True):
        if isinstance(stmt, _UNSUPPORTED):
            return []
        if isinstance(stmt, FuncDef | Decorator | ClassDef):
            excluded.update(_names_in_scope(stmt))
            continue
        for e in _expressions(stmt):
            text = _text(e, source)
            if ":=" in text:
                return []
            excluded.update(_scoped_names(e, text))
        if isinstance(stmt, AssignmentStmt):
            for target in stmt.lvalues:
                for name in target_names(target):
                    first_top_level.setdefault(name, top)
                    count[name] = count.get(name, 0) + 1
                    if stmt.type is not None or _partial(stmt.rvalue):
                        excluded.add(name)
        elif isinstance(stmt, OperatorAssignmentStmt):
            for name in target_names(stmt.lvalue):
                first_top_level.setdefault(name, False)
                count[name] = count.get(name, 0) + 1
        else:
            excluded.update(_other_bindings(stmt))
    return [
        name
        for name, top in first_top_level.items()
        if top and count[name] > 1 and name not in excluded
    ]


def _text(e: Expression, source: list[str]) -> str:
    """The source of ``e`` (from its first column to its last: a comment after it on its
    line is left out)."""
    lines = source[e.line - 1 : (e.end_line or e.line)]
    if not lines:
        return ""
    if e.end_column is not None:
        lines[-1] = lines[-1][: e.end_column]
    lines[0] = lines[0][max(e.column, 0) :]
    return " ".join(lines)


_UNSUPPORTED = (GlobalDecl, NonlocalDecl, DelStmt, MatchStmt, ImportAll)


def _statements(body: list[Statement], top: bool) -> Iterator[tuple[Statement, bool]]:
    """Every statement of ``body`` and of its nested blocks (a nested function or class as
    one statement), with whether it is at the top level."""
    for stmt in body:
        yield stmt, top
        if not isinstance(stmt, FuncDef | Decorator | ClassDef):
            for block in blocks(stmt):
                yield from _statements(block.body, False)


def _expressions(stmt: Statement) -> list[Expression]:
    """The expressions of ``stmt`` itself (not of its nested blocks)."""
    found: list[Expression | None]
    if isinstance(stmt, AssignmentStmt):
        found = [stmt.rvalue, *stmt.lvalues]
    elif isinstance(stmt, OperatorAssignmentStmt):
        found = [stmt.rvalue, stmt.lvalue]
    elif isinstance(stmt, ExpressionStmt):
        found = [stmt.expr]
    elif isinstance(stmt, ReturnStmt):
        found = [stmt.expr]
    elif isinstance(stmt, AssertStmt):
        found = [stmt.expr, stmt.msg]
    elif isinstance(stmt, RaiseStmt):
        found = [stmt.expr, stmt.from_expr]
    elif isinstance(stmt, IfStmt):
        found = list(stmt.expr)
    elif isinstance(stmt, WhileStmt):
        found = [stmt.expr]
    elif isinstance(stmt, ForStmt):
        found = [stmt.expr, stmt.index]
    elif isinstance(stmt, WithStmt):
        found = [*stmt.expr, *stmt.target]
    elif isinstance(stmt, TryStmt):
        found = [*stmt.types]
    else:
        found = []
    return [e for e in found if e is not None]


def _names(e: Expression) -> set[str]:
    names, _members = all_name_and_member_expressions(e)
    return {n.name for n in names}


def _scoped_names(e: Expression, text: str) -> set[str]:
    """The names ``e`` (whose source is ``text``) binds or reads in a scope of its own: every
    name where it has a lambda, else the targets of its comprehensions (``for i, (a, b) in``:
    i, a, b; a word that only looks like one, in a string, leaves a name undeclared)."""
    if _LAMBDA.search(text):
        return _names(e)
    return {
        name
        for targets in _COMPREHENSION_TARGETS.findall(text)
        for name in _IDENTIFIER.findall(targets)
    }


def _names_in_scope(stmt: FuncDef | Decorator | ClassDef) -> set[str]:
    """The names a nested function or class reads (and its own name)."""
    if isinstance(stmt, Decorator):
        found = {n for d in stmt.decorators for n in _names(d)}
        return found | _names_in_scope(stmt.func)
    found = {stmt.name}
    for inner, _top in _statements(blocks(stmt)[0].body, False):
        if isinstance(inner, FuncDef | Decorator | ClassDef):
            found |= _names_in_scope(inner)
        for e in _expressions(inner):
            found |= _names(e)
    return found


def _partial(value: Expression) -> bool:
    """Whether mypy infers the type of a name bound to ``value`` from later statements."""
    if isinstance(value, NameExpr):
        return value.name == "None"
    if isinstance(value, ListExpr | SetExpr | DictExpr):
        return not value.items
    if isinstance(value, CallExpr) and isinstance(value.callee, NameExpr):
        return value.callee.name in _COLLECTIONS and not value.args
    return False


def _other_bindings(stmt: Statement) -> list[str]:
    """The names a statement other than an assignment binds (a loop's target, ``with ...
    as``, ``except ... as``, an import)."""
    if isinstance(stmt, ForStmt):
        return target_names(stmt.index)
    if isinstance(stmt, WithStmt):
        return [n for t in stmt.target if t is not None for n in target_names(t)]
    if isinstance(stmt, TryStmt):
        return [v.name for v in stmt.vars if v is not None]
    if isinstance(stmt, Import):
        return [alias or name.split(".")[0] for name, alias in stmt.ids]
    if isinstance(stmt, ImportFrom):
        return [alias or name for name, alias in stmt.names]
    return []


__all__ = ["declare_reused_names", "is_declaration"]
