"""Where a local int variable's value comes from: the one statement that assigns it.

``hs = c // n_head`` on one line and ``x.reshape(b, t, n_head, hs)`` on the next: mypy types
``hs`` as plain ``int``, so a size rule reads it through its definition instead. Only a name
bound exactly once in the function, by a plain ``name = value`` statement at the top level
of its body (not in a loop, a branch or a ``with``), is read: its value is then the value of
that expression where it was checked, whatever runs between. A function (or a module's top
level) with a ``:=``, a ``*`` import, ``global``/``nonlocal`` or ``match`` in it is not read at
all; an import binds the names it imports.
"""

from __future__ import annotations

import ast
import os
import re
import textwrap
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from mypy.nodes import (
    AssignmentStmt,
    Block,
    ClassDef,
    Decorator,
    DelStmt,
    Expression,
    ForStmt,
    FuncDef,
    FuncItem,
    GlobalDecl,
    IfStmt,
    Import,
    ImportAll,
    ImportFrom,
    ListExpr,
    MatchStmt,
    MemberExpr,
    NameExpr,
    NonlocalDecl,
    OperatorAssignmentStmt,
    StarExpr,
    Statement,
    TryStmt,
    TupleExpr,
    WhileStmt,
    WithStmt,
)
from mypy.plugin import CheckerPluginInterface

Definition = Callable[[NameExpr | MemberExpr], Expression | None]
"""The expression a local name (or a field of ``self``, where the caller reads fields too)
was assigned once, or None."""


def target_names(target: Expression) -> list[str]:
    """The plain names an assignment target binds (``a, (b, *c)``: a, b, c)."""
    if isinstance(target, NameExpr):
        return [target.name]
    if isinstance(target, TupleExpr | ListExpr):
        return [n for item in target.items for n in target_names(item)]
    if isinstance(target, StarExpr):
        return target_names(target.expr)
    return []


def _bind(count: dict[str, int], target: Expression | None, times: int = 1) -> None:
    for name in target_names(target) if target is not None else []:
        count[name] = count.get(name, 0) + times


def count_bindings(body: list[Statement], count: dict[str, int]) -> None:
    """How many times each name is bound by the statements (a name bound where its value is
    not one expression counts twice). Nested functions and classes count with their own
    bindings (a ``nonlocal`` name only makes the answer more cautious)."""
    for stmt in body:
        if isinstance(stmt, AssignmentStmt):
            for target in stmt.lvalues:
                _bind(count, target)
        elif isinstance(stmt, OperatorAssignmentStmt):
            _bind(count, stmt.lvalue, 2)
        elif isinstance(stmt, DelStmt):
            _bind(count, stmt.expr, 2)
        elif isinstance(stmt, ForStmt):
            _bind(count, stmt.index, 2)
        elif isinstance(stmt, WithStmt):
            for t in stmt.target:
                _bind(count, t, 2)
        elif isinstance(stmt, TryStmt):
            for v in stmt.vars:
                _bind(count, v, 2)
        elif isinstance(stmt, FuncDef | ClassDef):
            count[stmt.name] = count.get(stmt.name, 0) + 2
        elif isinstance(stmt, Decorator):
            count[stmt.var.name] = count.get(stmt.var.name, 0) + 2
        elif isinstance(stmt, Import):
            for name, alias in stmt.ids:
                bound = alias or name.split(".")[0]
                count[bound] = count.get(bound, 0) + 1
        elif isinstance(stmt, ImportFrom):
            for name, alias in stmt.names:
                count[alias or name] = count.get(alias or name, 0) + 1
        elif isinstance(stmt, _BINDS_ANY_NAME):
            count[ANYTHING] = 2
        for block in blocks(stmt):
            count_bindings(block.body, count)


ANYTHING = "*"
"""A key of the counts: the function binds names this module does not follow."""
_BINDS_ANY_NAME = (ImportAll, GlobalDecl, NonlocalDecl, MatchStmt)


def blocks(stmt: Statement) -> list[Block]:
    """The blocks of statements nested in ``stmt`` (a nested function's or class's too)."""
    if isinstance(stmt, Block):
        return [stmt]
    if isinstance(stmt, IfStmt):
        return [*stmt.body, *([stmt.else_body] if stmt.else_body else [])]
    if isinstance(stmt, WhileStmt | ForStmt):
        return [stmt.body, *([stmt.else_body] if stmt.else_body else [])]
    if isinstance(stmt, WithStmt):
        return [stmt.body]
    if isinstance(stmt, TryStmt):
        rest = [stmt.else_body, stmt.finally_body]
        return [stmt.body, *stmt.handlers, *[b for b in rest if b is not None]]
    if isinstance(stmt, MatchStmt):
        return list(stmt.bodies)
    if isinstance(stmt, FuncDef):
        return [stmt.body]
    if isinstance(stmt, Decorator):
        return [stmt.func.body]
    if isinstance(stmt, ClassDef):
        return [stmt.defs]
    return []


def _single_definitions(
    body: list[Statement], lines: tuple[int, int], source: list[str] | None
) -> dict[str, Expression]:
    """Names bound once, by a top-level ``name = value`` statement of ``body`` (a function's,
    or a module's) spanning source ``lines``; none where its source cannot be read or holds a
    ``:=`` (which binds names inside expressions)."""
    if source is None:
        return {}
    if any(":=" in line for line in source[lines[0] - 1 : lines[1]]):
        return {}
    count: dict[str, int] = {}
    count_bindings(body, count)
    if count.get(ANYTHING):
        return {}
    found: dict[str, Expression] = {}
    for stmt in body:
        if not (isinstance(stmt, AssignmentStmt) and len(stmt.lvalues) == 1):
            continue
        target = stmt.lvalues[0]
        if isinstance(target, NameExpr) and count.get(target.name) == 1:
            found[target.name] = stmt.rvalue
        elif isinstance(target, TupleExpr | ListExpr):
            for i, item in enumerate(target.items):
                value = unpacked_item(target, stmt.rvalue, i)
                if isinstance(item, NameExpr) and count.get(item.name) == 1 and value is not None:
                    found[item.name] = value
    return found


def unpacked_item(target: TupleExpr | ListExpr, rvalue: Expression, i: int) -> Expression | None:
    """The value item ``i`` of a tuple of targets is bound to, where ``rvalue`` is a display of
    as many items, none starred (``nh, hd = self.num_heads, self.head_dim``); else None (the
    items of another value are not written out: ``self.ph, self.pw = patch_size``)."""
    if not isinstance(rvalue, TupleExpr | ListExpr) or len(rvalue.items) != len(target.items):
        return None
    if any(isinstance(e, StarExpr) for e in (*rvalue.items, *target.items)):
        return None
    return rvalue.items[i]


@lru_cache(maxsize=64)
def _source(path: str, mtime: float) -> list[str] | None:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None


def source_lines(path: str) -> list[str] | None:
    """The lines of the file at ``path`` (None where it cannot be read)."""
    try:
        return _source(path, os.stat(path).st_mtime)
    except OSError:
        return None


def _source_of(api: CheckerPluginInterface) -> list[str] | None:
    path = getattr(api, "path", None)
    return source_lines(path) if isinstance(path, str) else None


def _position(e: Expression) -> tuple[type, int, int, int | None, int | None]:
    return (type(e), e.line, e.column, e.end_line, e.end_column)


def checked_copy(api: CheckerPluginInterface, value: Expression) -> Expression | None:
    """``value`` as mypy checked it: a function generic over a constrained TypeVar (``T`` of
    ``NoneTape, OwnedTape``) is checked as copies, one per value, and the scope holds the
    original, whose expressions have no types; the copy's expression has ``value``'s
    position. None where no checked expression has it."""
    maps = getattr(api, "_type_maps", None)
    if not isinstance(maps, list):
        return None
    if any(value in m for m in maps):
        return value
    where = _position(value)
    for m in reversed(maps):
        for e in m:
            if isinstance(e, Expression) and _position(e) == where:
                return e
    return None


def definitions(api: CheckerPluginInterface) -> Definition:
    """The single definitions of the local names of the function being checked, or of the
    module's names where the code being checked is at its top level (a script)."""
    scope = getattr(api, "scope", None)
    function = scope.current_function() if scope is not None else None
    tree = getattr(api, "tree", None)
    if isinstance(function, FuncItem):
        body = function.body.body
        lines = (function.line, function.end_line or function.line)
    elif function is None and scope is not None and scope.active_class() is None and tree:
        body = tree.defs
        lines = (1, 1 << 30)
    else:
        return lambda e: None
    found: dict[str, Expression] | None = None

    def definition(e: NameExpr | MemberExpr) -> Expression | None:
        nonlocal found
        if not isinstance(e, NameExpr):
            return None
        if found is None:
            found = _single_definitions(body, lines, _source_of(api))
        value = found.get(e.name)
        return checked_copy(api, value) if value is not None else None

    return definition


def _contains(stmt: Statement, line: int, column: int) -> bool:
    start = (stmt.line, stmt.column)
    end = (stmt.end_line or stmt.line, stmt.end_column if stmt.end_column is not None else 1 << 30)
    return start <= (line, column) <= end


def _statement_of(
    body: list[Statement], line: int, column: int
) -> tuple[list[Statement], int] | None:
    """The innermost statement holding the position (line, column), as its block and index;
    None where it is in a nested function or class (another scope) or in no statement."""
    for i, stmt in enumerate(body):
        if not _contains(stmt, line, column):
            continue
        if isinstance(stmt, FuncDef | Decorator | ClassDef):
            return None
        for block in blocks(stmt):
            found = _statement_of(block.body, line, column)
            if found is not None:
                return found
        return body, i
    return None


def unpacked_into(api: CheckerPluginInterface, value: Expression) -> int | None:
    """The number of names ``value`` (a call) is unpacked into, where it is the whole value of
    an assignment to a tuple of targets without a starred one (``q, k, v = qkv.split(e,
    axis=2)``); None otherwise (assigned to one name, iterated, or passed on)."""
    scope = getattr(api, "scope", None)
    function = scope.current_function() if scope is not None else None
    tree = getattr(api, "tree", None)
    if isinstance(function, FuncItem):
        body = function.body.body
    elif function is None and scope is not None and scope.active_class() is None and tree:
        body = tree.defs
    else:
        return None
    found = _statement_of(body, value.line, value.column)
    if found is None:
        return None
    block, index = found
    stmt = block[index]
    if not (isinstance(stmt, AssignmentStmt) and len(stmt.lvalues) == 1):
        return None
    target, rvalue = stmt.lvalues[0], stmt.rvalue
    if _position(rvalue) != _position(value) or not isinstance(target, TupleExpr | ListExpr):
        return None
    if any(isinstance(item, StarExpr) for item in target.items):
        return None
    return len(target.items)


def _binds(stmt: Statement, name: str) -> bool:
    count: dict[str, int] = {}
    count_bindings([stmt], count)
    return bool(count.get(name) or count.get(ANYTHING))


_SCOPES = re.compile(r"\b(for|lambda)\b")
"""Words of a statement that may bind names of their own (a comprehension, a lambda)."""


def _is_argument_copy(value: Expression) -> bool:
    """``x = x__argument``: the plugin's copy of a reused argument (``_arguments``), at the
    line of the body's first statement, which is not where the value comes from."""
    return isinstance(value, NameExpr) and value.name.endswith("__argument")


def reaching_definitions(api: CheckerPluginInterface) -> Definition:
    """:func:`definitions`, and for a name bound more than once (PyTorch's ``h = self.conv(x)``
    then ``h = h.permute(0, 2, 3, 1)``), the ``name = value`` statement that last bound it
    before the statement using it, in the same block, with no statement between them that
    binds it (in its nested blocks either): that value is the name's value at the use, in a
    loop's body too (the statement runs before the use in every pass). None where the name
    was bound otherwise (an argument, a loop's target) or in another block.

    For saying where a mistake may be, not for reading sizes (a size is read through a name
    bound once only, see the module's docstring)."""
    single = definitions(api)
    scope = getattr(api, "scope", None)
    function = scope.current_function() if scope is not None else None
    if not isinstance(function, FuncItem):
        return single
    body = function.body.body
    source = _source_of(api)
    lines = (function.line, function.end_line or function.line)
    if source is None or any(":=" in line for line in source[lines[0] - 1 : lines[1]]):
        return single
    count: dict[str, int] = {}
    count_bindings(body, count)
    if count.get(ANYTHING):
        return single

    def definition(e: NameExpr | MemberExpr) -> Expression | None:
        value = single(e)
        if value is not None or not isinstance(e, NameExpr):
            return value  # a field (``self.x``) is read once bound only
        found = _statement_of(body, e.line, e.column)
        if found is None:
            return None
        block, index = found
        at = block[index]
        text = " ".join(source[at.line - 1 : at.end_line or at.line])
        if _SCOPES.search(text):
            scoped = _scoped_names("\n".join(source[at.line - 1 : at.end_line or at.line]))
            if scoped is None or e.name in scoped:
                return None  # the name may be a comprehension's or a lambda's own
        return _last_binding(api, block[:index], e.name)

    return definition


def _path_to(
    body: list[Statement], line: int, column: int
) -> list[tuple[list[Statement], int]] | None:
    """:func:`_statement_of` with every enclosing statement: the blocks from ``body`` down to
    the innermost statement holding the position, with the index in each of the statement
    holding it."""
    for i, stmt in enumerate(body):
        if not _contains(stmt, line, column):
            continue
        if isinstance(stmt, FuncDef | Decorator | ClassDef):
            return None
        for block in blocks(stmt):
            inner = _path_to(block.body, line, column)
            if inner is not None:
                return [(body, i), *inner]
        return [(body, i)]
    return None


def loop_entry_definition(api: CheckerPluginInterface, e: NameExpr) -> Expression | None:
    """For a name used in a ``for`` loop's body before the body rebinds it (``for block in
    self.blocks: tokens = block(tokens, ctx)``), the ``name = value`` statement that bound
    it last before the loop, in the loop's block: the name's value at the use on the loop's
    first pass. None where the loop's target binds the name, the body binds it before the
    use (:func:`reaching_definitions` finds that one), or the binding before the loop is
    not such a statement."""
    scope = getattr(api, "scope", None)
    function = scope.current_function() if scope is not None else None
    source = _source_of(api)
    if not isinstance(function, FuncItem) or source is None:
        return None
    count: dict[str, int] = {}
    count_bindings(function.body.body, count)
    if count.get(ANYTHING):
        return None
    path = _path_to(function.body.body, e.line, e.column)
    if path is None or len(path) < 2:
        return None
    at = path[-1][0][path[-1][1]]
    if _SCOPES.search(" ".join(source[at.line - 1 : at.end_line or at.line])):
        return None
    (outer, loop_at), (body, index) = path[-2], path[-1]
    loop = outer[loop_at]
    if not isinstance(loop, ForStmt) or body is not loop.body.body:
        return None
    if any(_binds(stmt, e.name) for stmt in body[:index]) or _binds_target(loop, e.name):
        return None
    return _last_binding(api, outer[:loop_at], e.name)


def _last_binding(
    api: CheckerPluginInterface, before: list[Statement], name: str
) -> Expression | None:
    """The value of the last statement of ``before`` that binds ``name``, where that is a plain
    ``name = value`` (not a copy of an argument); None where another statement binds it last."""
    for stmt in reversed(before):
        if not _binds(stmt, name):
            continue
        if (
            isinstance(stmt, AssignmentStmt)
            and len(stmt.lvalues) == 1
            and isinstance(stmt.lvalues[0], NameExpr)
            and stmt.lvalues[0].name == name
            and not _is_argument_copy(stmt.rvalue)
        ):
            return checked_copy(api, stmt.rvalue)
        return None
    return None


def _binds_target(loop: ForStmt, name: str) -> bool:
    count: dict[str, int] = {}
    _bind(count, loop.index)
    return bool(count.get(name) or count.get(ANYTHING))


def _scoped_names(text: str) -> set[str] | None:
    """The names the comprehensions and lambdas of a statement (its source, ``text``) bind
    for themselves (``att`` of ``[att(x) for att in self.heads]``): a use of another name
    there reads the function's. None where the text does not parse alone."""
    try:
        tree = ast.parse(textwrap.dedent(text))
    except SyntaxError:
        return None
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.comprehension):
            names.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.Lambda):
            a = node.args
            every = [*a.posonlyargs, *a.args, *a.kwonlyargs, *filter(None, [a.vararg, a.kwarg])]
            names.update(arg.arg for arg in every)
    return names


def unpacked_binding(api: CheckerPluginInterface, e: NameExpr) -> tuple[Expression, int] | None:
    """Where the local ``e`` was last bound, before its use, by unpacking a value into a
    tuple of names (``scale, shift = self.style(w).chunk(2, axis=1)``), that value and the
    position of ``e`` among the targets: bound once in the function by such a statement at the
    top level of its body, or last bound so in the block of the use, as
    :func:`reaching_definitions` finds a ``name = value``. None otherwise (a starred target,
    another binding)."""
    scope = getattr(api, "scope", None)
    function = scope.current_function() if scope is not None else None
    source = _source_of(api)
    if not isinstance(function, FuncItem) or source is None:
        return None
    lines = source[function.line - 1 : function.end_line or function.line]
    if any(":=" in line for line in lines):
        return None
    body = function.body.body
    count: dict[str, int] = {}
    count_bindings(body, count)
    if count.get(ANYTHING):
        return None
    found = _statement_of(body, e.line, e.column)
    if found is None:
        return None
    block, index = found
    at = block[index]
    if _SCOPES.search(" ".join(source[at.line - 1 : at.end_line or at.line])):
        scoped = _scoped_names("\n".join(source[at.line - 1 : at.end_line or at.line]))
        if scoped is None or e.name in scoped:
            return None
    before = [s for s in block[:index] if _binds(s, e.name)]
    if before:
        return _unpacking(api, before[-1], e.name)
    if count.get(e.name) == 1:  # bound once, at the top of the body, before this block
        for stmt in body:
            if stmt.line < at.line and _binds(stmt, e.name):
                return _unpacking(api, stmt, e.name)
    return None


def _unpacking(
    api: CheckerPluginInterface, stmt: Statement, name: str
) -> tuple[Expression, int] | None:
    if not (isinstance(stmt, AssignmentStmt) and len(stmt.lvalues) == 1):
        return None
    target = stmt.lvalues[0]
    if not isinstance(target, TupleExpr | ListExpr) or isinstance(stmt.rvalue, TupleExpr):
        return None
    if any(isinstance(item, StarExpr) for item in target.items):
        return None
    at = [i for i, t in enumerate(target.items) if isinstance(t, NameExpr) and t.name == name]
    value = checked_copy(api, stmt.rvalue)
    return (value, at[0]) if len(at) == 1 and value is not None else None
