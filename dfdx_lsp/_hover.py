"""The type at a position of a checked file: the innermost expression (or function argument)
there that mypy typed."""

from __future__ import annotations

from dataclasses import dataclass

from mypy.nodes import Argument, Expression, MemberExpr, MypyFile, RefExpr, Var
from mypy.options import Options
from mypy.types import Type

from dfdx_lsp import _display
from dfdx_lsp._walk import walk


@dataclass(frozen=True)
class Span:
    """mypy's coordinates: lines from 1, columns from 0, the end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass
class HoverInfo:
    short: list[str]
    """``Tensor[32, 10] · traced`` for a dfdx tensor or module (one per distinct type)."""
    full: list[str]
    """mypy's spelling of each distinct type."""
    span: Span


def typed(e: Expression, types: dict[Expression, Type]) -> Type | None:
    """mypy's type of ``e``; for a name being assigned, its variable's type."""
    t = types.get(e)
    if t is not None:
        return t
    if isinstance(e, MemberExpr) and e.def_var is not None:
        return e.def_var.type
    if isinstance(e, RefExpr) and isinstance(e.node, Var):
        return e.node.type
    return None


def node_type(n: Expression | Argument, types: dict[Expression, Type]) -> Type | None:
    return n.variable.type if isinstance(n, Argument) else typed(n, types)


def span_of(n: Expression | Argument) -> Span | None:
    if n.end_line is None or n.end_column is None:
        return None
    return Span(n.line, n.column, n.end_line, n.end_column)


def types_at(nodes: list[Expression | Argument], types: dict[Expression, Type]) -> list[Type]:
    """The types of one span's nodes (the original first, then the copies of a function
    checked once per TypeVar value): the original's if it has one, else each copy's."""
    found = [t for t in (node_type(n, types) for n in nodes) if t is not None]
    if not found:
        return []
    first = node_type(nodes[0], types)
    return [first] if first is not None else found


def hover_at(
    tree: MypyFile, types: dict[Expression, Type], options: Options, line: int, column: int
) -> HoverInfo | None:
    """What to show for the position (mypy's 1-based line, 0-based column), or None."""
    by_span: dict[Span, list[Expression | Argument]] = {}
    for n in walk(tree):
        if isinstance(n, Expression | Argument):
            span = span_of(n)
            if span is not None and _holds(span, line, column):
                by_span.setdefault(span, []).append(n)
    # Innermost first: the span that starts last (ties: the one that ends first).
    for span in sorted(by_span, key=_innermost_first):
        found = types_at(by_span[span], types)
        if not found:
            continue
        full = list(dict.fromkeys(_display.full(t, options) for t in found))
        short = list(dict.fromkeys(s for s in map(_display.short, found) if s is not None))
        return HoverInfo(short, full, span)
    return None


def _holds(span: Span, line: int, column: int) -> bool:
    return (span.line, span.column) <= (line, column) < (span.end_line, span.end_column)


def _innermost_first(span: Span) -> tuple[int, int, int, int]:
    return (-span.line, -span.column, span.end_line, span.end_column)
