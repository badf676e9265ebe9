"""Arguments that a module's method, or a function beside it, reuses as names: ``x =
self.conv1(x)`` in ``forward``.

mypy lets a function's body give an argument a new type when name reuse is on
(``allow_redefinition_new``), but not in a function generic in a TypeVar with values, such as
the tape ``T = TypeVar("T", NoneTape, OwnedTape)`` of nearly every ``forward``: mypy checks
such a body once per value, on a copy that forgets which names were arguments (mypy 2.4,
``treetransform.TransformVisitor.visit_var`` does not copy ``Var.is_argument``), so every
``x = layer(x)`` of another shape is an ``[assignment]`` error there.

So the method is rewritten before its body is analysed: the argument keeps its name for
callers (the signature is built already) but binds a hidden name in the body, and the body
starts with ``x = <hidden>``, so that ``x`` is a local variable, which the copies do let take
new types, and which ``_reused_names`` then declares as it does other reused names. Only
where name reuse is on, and only for arguments the body assigns to (in any method: an
argument widens to a union of its values as a local does).

The hidden name is never shown: a statement put first in the body (``MARKER = object()``,
mypy's tree only) runs :func:`hide_arguments` when mypy analyses the body, after it has
bound the arguments: each hidden argument's variable takes back the name the user wrote
(what mypy's messages print, ``Incompatible default for parameter "x"``), and the hidden
name and the marker leave the function's table of locals (what ``reveal_locals()`` lists),
once the copies have been bound to it.
"""

from __future__ import annotations

from mypy.nodes import (
    ARG_NAMED,
    ARG_NAMED_OPT,
    ARG_OPT,
    ARG_POS,
    Argument,
    AssignmentStmt,
    CallExpr,
    ClassDef,
    Decorator,
    DelStmt,
    ForStmt,
    FuncDef,
    GlobalDecl,
    NameExpr,
    NonlocalDecl,
    OperatorAssignmentStmt,
    Statement,
    SymbolTable,
    Var,
    WithStmt,
)
from mypy.options import Options
from mypy.plugin import ClassDefContext, DynamicClassDefContext

from dfdx_mypy_plugin._debug import DEBUG
from dfdx_mypy_plugin._locals import blocks, source_lines, target_names
from dfdx_mypy_plugin._reused_names import declare_reused_names, is_declaration

HIDDEN = "{}__argument"
"""The name an argument binds in a rewritten body (not a valid name for users to clash with,
by convention: dunder-suffixed)."""

MARKER = "__dfdx_arguments__"
"""The name the first statement of a rewritten body binds (:func:`hide_arguments`)."""

_BINDING_KINDS = (ARG_POS, ARG_OPT, ARG_NAMED, ARG_NAMED_OPT)


def redefinable_arguments(ctx: ClassDefContext) -> None:
    """The base-class hook for a ``Module`` subclass: rewrite its methods as described, and
    the functions at the top level of its file (``def window_partition(x: Tensor[B, H, W,
    C, T], ...)`` reshaping ``x``), which no hook reaches otherwise. mypy analyses every
    top level of a file before any function's body, so these are not analysed yet; a
    rewritten function is not rewritten again (its arguments bind hidden names)."""
    options = ctx.api.options
    if not name_reuse(options):
        return
    try:
        functions = list(ctx.cls.defs.body)
        tree = getattr(ctx.api, "cur_mod_node", None)
        source = None
        if tree is not None:
            functions.extend(tree.defs)
            source = source_lines(tree.path)
        for stmt in functions:
            func = stmt.func if isinstance(stmt, Decorator) else stmt
            if isinstance(func, FuncDef) and not _rewritten(func):
                renamed = _rewrite(func)
                declare_reused_names(func, source)
                if renamed:
                    _mark(func)
    except Exception:
        if DEBUG:
            raise  # never crash a user's mypy: the method stays as written


def name_reuse(options: Options) -> bool:
    """Whether mypy lets a variable take a new type (mypy 2 calls the option
    ``allow_redefinition``, and reads ``allow_redefinition_new`` as its alias)."""
    if hasattr(options, "allow_redefinition_old"):
        return bool(getattr(options, "allow_redefinition", False))
    return bool(getattr(options, "allow_redefinition_new", False))


def _rewritten(func: FuncDef) -> bool:
    """Whether the body starts with what this module or ``_reused_names`` put there (a file
    with several module classes reaches its functions once per class)."""
    body = func.body.body
    if not body or not isinstance(body[0], AssignmentStmt):
        return False
    value = body[0].rvalue
    copy = isinstance(value, NameExpr) and value.name.endswith("__argument")
    return copy or is_declaration(value)


def _rewrite(func: FuncDef) -> bool:
    """Rename the arguments ``func``'s body assigns to; whether any was."""
    assigned: set[str] = set()
    if not _assigned_names(func.body.body, assigned):
        return False  # ``global``, ``nonlocal`` or ``del`` of a name: left as mypy reads it
    first = func.body.body[0] if func.body.body else func
    renamed: list[tuple[Argument, Var]] = []
    prologue: list[Statement] = []
    for arg in func.arguments:
        name = arg.variable.name
        if arg.kind not in _BINDING_KINDS or name not in assigned or name.endswith("__argument"):
            continue
        hidden = Var(HIDDEN.format(name), arg.variable.type)
        hidden.is_argument = True
        hidden.set_line(arg.variable)
        renamed.append((arg, hidden))
        copy = AssignmentStmt([NameExpr(name)], NameExpr(hidden.name))
        for node in (copy, copy.lvalues[0], copy.rvalue):
            node.set_line(first.line, first.column)  # no end: editors show nothing for it
        prologue.append(copy)
    # all built before anything changes: a failure above leaves the method as written
    for arg, hidden in renamed:
        arg.variable = hidden
    func.body.body[:0] = prologue
    return bool(renamed)


def _mark(func: FuncDef) -> None:
    """Put ``MARKER = object()`` first in ``func``'s body (a declaration as
    ``_reused_names`` writes them, so that :func:`_rewritten` knows the body) and again after
    the copies of the arguments."""
    body = func.body.body
    end = 0
    while end < len(body) and _in_prologue(body[end]):
        end += 1
    for at in (end, 0):
        first = body[0] if body else func
        value = CallExpr(NameExpr("object"), [], [], [])
        stmt = AssignmentStmt([NameExpr(MARKER)], value)
        for node in (stmt, stmt.lvalues[0], value.callee):
            node.set_line(first.line, first.column)
        value.line = -1
        body.insert(at, stmt)


def _in_prologue(stmt: Statement) -> bool:
    """A declaration of a reused name or a copy of an argument (what the rewrite put first)."""
    if not isinstance(stmt, AssignmentStmt):
        return False
    value = stmt.rvalue
    return is_declaration(value) or (
        isinstance(value, NameExpr) and value.name.endswith("__argument")
    )


def hide_arguments(ctx: DynamicClassDefContext) -> None:
    """The dynamic-class hook of ``object`` (semantic analysis of ``name = object()``): at a
    marker of a rewritten body, give each hidden argument's variable its user's name again,
    move its entry of the table of locals after the others (``reveal_locals()`` lists an
    entry per variable's name, the last one of a name: the argument's declared type, as mypy
    shows it without the plugin, not the local copy's), and take the marker out. The
    arguments are in the table under the name their variables had when mypy bound them: the
    hidden one the first time, the user's when mypy analyses the function again (the daemon
    after an edit), where they are put back under the hidden name that the copies read."""
    if ctx.name != MARKER or ctx.call.line != -1:
        return
    try:
        api = ctx.api
        functions = getattr(api, "function_stack", None)
        scopes = getattr(api, "locals", None)
        if not functions or not scopes or scopes[-1] is None:
            return
        func, table = functions[-1], scopes[-1]
        copied = _copied_arguments(func.body.body)
        for arg in func.arguments:
            var = arg.variable
            user = var.name.removesuffix("__argument")
            if user not in copied:
                continue
            _rekey(table, var, HIDDEN.format(user))
            var._name = user
            var._fullname = user
        table.pop(MARKER, None)
    except Exception:
        if DEBUG:
            raise


def _copied_arguments(body: list[Statement]) -> set[str]:
    """The names ``x`` of the copies ``x = x__argument`` that start a rewritten body."""
    found = set()
    for stmt in body:
        if not isinstance(stmt, AssignmentStmt) or len(stmt.lvalues) != 1:
            continue
        target, value = stmt.lvalues[0], stmt.rvalue
        if (
            isinstance(target, NameExpr)
            and isinstance(value, NameExpr)
            and value.name == HIDDEN.format(target.name)
        ):
            found.add(target.name)
    return found


def _rekey(table: SymbolTable, var: Var, key: str) -> None:
    """Put ``var``'s entry of ``table`` last, under ``key`` (where mypy put it under its
    name, or under ``key``)."""
    for name in (key, var.name):
        node = table.get(name)
        if node is not None and node.node is var:
            del table[name]
            table[key] = node
            return


def _assigned_names(body: list[Statement], out: set[str]) -> bool:
    """Collect the plain names ``body`` assigns to (not in nested functions or classes);
    False where it declares a name ``global``/``nonlocal`` or deletes one."""
    for stmt in body:
        if isinstance(stmt, GlobalDecl | NonlocalDecl | DelStmt):
            return False
        if isinstance(stmt, FuncDef | Decorator | ClassDef):
            continue
        if isinstance(stmt, AssignmentStmt):
            targets = stmt.lvalues
        elif isinstance(stmt, OperatorAssignmentStmt):
            targets = [stmt.lvalue]
        elif isinstance(stmt, ForStmt):
            targets = [stmt.index]
        elif isinstance(stmt, WithStmt):
            targets = [t for t in stmt.target if t is not None]
        else:
            targets = []
        for target in targets:
            out.update(target_names(target))
        if not all(_assigned_names(block.body, out) for block in blocks(stmt)):
            return False
    return True
