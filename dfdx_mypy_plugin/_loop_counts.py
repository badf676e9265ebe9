"""How many times a loop runs, or how many items an iterable gives, where the code says it.

A list of tensors built in a loop (``for branch in self.branches: feats.append(branch(x))``,
``[conv(x) for conv in self.convs]``) holds one tensor per iteration; where the iterations can
be counted, a concatenation of the list knows its joined size, not only that it is some
multiple. Counted: ``range(n)`` with literal (or ``Final``) bounds, a list or tuple display, a
tuple of fixed length by its type, a comprehension without conditions over counted iterables,
``zip`` (the shortest), ``enumerate`` and ``reversed`` of counted ones, a local name bound once
to such a value, and a field of ``self`` bound once to one of them or to a ``ModuleList``,
``Sequential`` or ``ParameterList`` of one, that nothing in the file changes (no ``append``,
item assignment, ``+=``). Anything else is not counted (None).
"""

from __future__ import annotations

from mypy.checker import TypeChecker
from mypy.nodes import (
    ARG_POS,
    BreakStmt,
    CallExpr,
    ContinueStmt,
    Expression,
    ForStmt,
    GeneratorExpr,
    ListComprehension,
    ListExpr,
    MemberExpr,
    NameExpr,
    RefExpr,
    ReturnStmt,
    StarExpr,
    TupleExpr,
)
from mypy.plugin import CheckerPluginInterface
from mypy.types import TupleType, UnpackType, get_proper_type

from dfdx_mypy_plugin._locals import definitions
from dfdx_mypy_plugin._types import literal_int, type_of
from dfdx_mypy_plugin._where import field_value, walk

_CONTAINERS = frozenset(
    {
        "dfdx.nn._collections.ModuleList",
        "dfdx.nn._containers.Sequential",
        "dfdx.nn._parameter_list.ParameterList",
    }
)
"""Containers built from one list whose length is theirs (``ModuleList([...])``)."""

_MAX = 4096
"""A count above this is not used (the list would be unrolled type by type)."""


def loop_count(api: CheckerPluginInterface, loop: ForStmt) -> int | None:
    """How many times the body of ``loop`` runs: the length of what it iterates over, where
    the body cannot leave early (no ``break``, ``continue`` or ``return`` in it)."""
    for stmt in walk(loop.body.body):
        if isinstance(stmt, BreakStmt | ContinueStmt | ReturnStmt):
            return None
    return length(api, loop.expr)


def comprehension_count(api: CheckerPluginInterface, e: ListComprehension) -> int | None:
    """How many items ``[f(x) for x in xs]`` has: the product of its iterables' lengths,
    where it has no ``if`` conditions."""
    return _generator_count(api, e.generator)


def _generator_count(
    api: CheckerPluginInterface, g: GeneratorExpr, depth: int = 0, local: bool = True
) -> int | None:
    if any(g.condlists):
        return None
    total = 1
    for sequence in g.sequences:
        n = length(api, sequence, depth + 1, local)
        if n is None:
            return None
        total *= n
    return total if total <= _MAX else None


def length(
    api: CheckerPluginInterface, e: Expression, depth: int = 0, local: bool = True
) -> int | None:
    """The number of items iterating over ``e`` gives, where the code says it. ``local``:
    ``e`` is in the function being checked (not a field's value in ``__init__``, whose names
    are another scope's)."""
    if depth > 8:
        return None
    n = _length(api, e, depth, local)
    return n if n is not None and 0 <= n <= _MAX else None


def _length(api: CheckerPluginInterface, e: Expression, depth: int, local: bool) -> int | None:
    if isinstance(e, ListExpr | TupleExpr):
        return None if any(isinstance(i, StarExpr) for i in e.items) else len(e.items)
    if isinstance(e, ListComprehension):
        return _generator_count(api, e.generator, depth, local)
    if isinstance(e, GeneratorExpr):
        return _generator_count(api, e, depth, local)
    if isinstance(e, CallExpr):
        return _call_length(api, e, depth, local)
    if isinstance(e, NameExpr) and local:
        value = definitions(api)(e)
        if value is not None:
            return length(api, value, depth + 1)
    if isinstance(e, MemberExpr):
        value = field_value(api, e)
        if value is not None and not _changed(api, e):
            return length(api, value, depth + 1, local=False)
    t = get_proper_type(type_of(api)(e))
    if isinstance(t, TupleType) and not any(
        isinstance(get_proper_type(i), UnpackType) for i in t.items
    ):
        return len(t.items)
    return None


def _call_length(api: CheckerPluginInterface, e: CallExpr, depth: int, local: bool) -> int | None:
    callee = e.callee
    name = callee.fullname if isinstance(callee, RefExpr) else None
    named = [n for k, n in zip(e.arg_kinds, e.arg_names, strict=True) if k != ARG_POS]
    if any(n not in ("strict", "start") for n in named):
        return None  # (``zip(a, b, strict=True)``, ``enumerate(a, start=1)``: as long)
    args = [a for a, k in zip(e.args, e.arg_kinds, strict=True) if k == ARG_POS]
    if name == "builtins.range":
        bounds = [literal_int(type_of(api)(a)) for a in args]
        if not 1 <= len(bounds) <= 3 or any(b is None for b in bounds):
            return None
        return len(range(*[b for b in bounds if b is not None]))
    if name in ("builtins.enumerate", "builtins.reversed", "builtins.list", "builtins.tuple"):
        return length(api, args[0], depth + 1, local) if len(args) == 1 else None
    if name == "builtins.zip":
        counts = [length(api, a, depth + 1, local) for a in args]
        if not counts or any(c is None for c in counts):
            return None
        return min(c for c in counts if c is not None)
    if name in _CONTAINERS:
        return length(api, args[0], depth + 1, local) if len(args) == 1 else None
    return None


def _changed(api: CheckerPluginInterface, e: MemberExpr) -> bool:
    """Whether something in the file may change the container the field holds."""
    if not isinstance(api, TypeChecker):
        return True
    from dfdx_mypy_plugin.rules.containers import _changed as changed  # (it imports rules)

    return changed(api, e)
