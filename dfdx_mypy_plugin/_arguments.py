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
"""

from __future__ import annotations

from mypy.nodes import (
    ARG_NAMED,
    ARG_NAMED_OPT,
    ARG_OPT,
    ARG_POS,
    Argument,
    AssignmentStmt,
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
    Var,
    WithStmt,
)
from mypy.options import Options
from mypy.plugin import ClassDefContext

from dfdx_mypy_plugin._debug import DEBUG
from dfdx_mypy_plugin._locals import blocks, source_lines, target_names
from dfdx_mypy_plugin._reused_names import declare_reused_names, is_declaration

HIDDEN = "{}__argument"
"""The name an argument binds in a rewritten body (not a valid name for users to clash with,
by convention: dunder-suffixed)."""

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
                _rewrite(func)
                declare_reused_names(func, source)
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


def _rewrite(func: FuncDef) -> None:
    assigned: set[str] = set()
    if not _assigned_names(func.body.body, assigned):
        return  # ``global``, ``nonlocal`` or ``del`` of a name: left as mypy reads it
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
