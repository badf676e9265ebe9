"""``DFDX_PLUGIN_GIVE_UP=FILE`` in mypy's environment: each time the per-instance evaluator
(:mod:`dfdx_mypy_plugin._instances`) loses a value in a ``forward`` (a statement whose value
it cannot compute) or gives up on one, the statement and why are appended to FILE, one line
each (tests/typecheck/README.md). Off by default; when off, nothing is computed.

The why is where the evaluator raised (its function and line, the innermost expression it
was evaluating), or that a sub-module's ``forward`` it called gave up in turn (that one has
its own line)."""

from __future__ import annotations

import linecache
import os
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from mypy.nodes import Context, Expression, Statement

GIVE_UP_FILE = os.environ.get("DFDX_PLUGIN_GIVE_UP") or None

_seen: set[str] = set()
_watching = False
"""Whether the evaluation running is the one that types a call (not one of the runs with
construction arguments taken as unknown that decide where a mistake is reported)."""
_lost: set[int] = set()
"""The scopes (by id) whose run already lost a value: giving up later on using it is not a
cause of its own."""


@contextmanager
def watching() -> Iterator[None]:
    """Record what happens in this block (the evaluation that types a call)."""
    global _watching
    _watching = True
    try:
        yield
    finally:
        _watching = False


def _frames(tb: TracebackType | None) -> list[TracebackType]:
    out = []
    while tb is not None:
        out.append(tb)
        tb = tb.tb_next
    return out


def _text(path: str, e: Context) -> str:
    line = linecache.getline(path, e.line)
    end = getattr(e, "end_column", None)
    if getattr(e, "end_line", None) == e.line and end is not None and e.column >= 0:
        return line[e.column : end].strip()
    return line.strip()


def _cause(path: str, frames: list[TracebackType], error: BaseException) -> str:
    """Where in the evaluator ``error`` was raised, the expression it was at, and the
    ``forward`` of a sub-module that gave up on the way."""
    for tb in frames:
        if tb.tb_frame.f_code.co_name == "_run_forward":
            name = getattr(tb.tb_frame.f_locals.get("module"), "name", "?")
            return f"sub-module {name} gave up"
    if not frames:
        return type(error).__name__
    last = frames[-1]
    where = f"{last.tb_frame.f_code.co_name}:{last.tb_lineno}"
    at = ""
    for tb in reversed(frames):
        e = tb.tb_frame.f_locals.get("e")
        if isinstance(e, Expression):
            at = f" at `{_text(path, e)[:60]}`"
            break
    said = str(error).splitlines()[0][:80] if str(error) else ""
    chain = ">".join(tb.tb_frame.f_code.co_name.lstrip("_") for tb in frames[-6:-1])
    cause = f"{type(error).__name__} in {where}{at} [{chain}]" + (f" ({said})" if said else "")
    inner = error.__context__
    if inner is not None and inner.__traceback__ is not None:  # (``raise Stop from None``)
        cause += " <- " + _cause(path, _frames(inner.__traceback__), inner)
    return cause


def _write(path: str, instance: str, line: int, cause: str) -> None:
    key = f"{path}:{line}:{instance}:{cause}"
    if key in _seen or GIVE_UP_FILE is None or not _watching:
        return
    if instance.endswith(" built at line 0"):  # a block standing for its declared type
        return
    _seen.add(key)
    text = linecache.getline(path, line).strip()[:90]
    with open(GIVE_UP_FILE, "a", encoding="utf-8") as out:
        out.write(f"{path}:{line}: {instance}: `{text}`: {cause}\n")


def lost(
    path: str, instance: str, statement: Statement, scope: object, error: BaseException
) -> None:
    """``statement`` of a ``forward`` bound an unknown value because of ``error``."""
    if id(scope) in _lost:
        return
    _lost.add(id(scope))
    frames = _frames(error.__traceback__)
    _write(path, instance, statement.line, "lost: " + _cause(path, frames, error))


def gave_up(
    path: str, instance: str, forward: Context, scope: object, error: BaseException
) -> None:
    """``error`` ended the run of ``forward`` for ``instance``, whose statements ran with
    ``scope``."""
    frames = _frames(error.__traceback__)
    statement: Statement | None = None
    below = 0
    for i, tb in enumerate(frames):
        local = tb.tb_frame.f_locals
        if tb.tb_frame.f_code.co_name == "_block" and local.get("scope") is scope:
            stmt = local.get("stmt")
            if isinstance(stmt, Statement):
                statement, below = stmt, i
    if id(scope) in _lost:
        _lost.discard(id(scope))
        if statement is not None and frames[-1].tb_frame.f_code.co_name == "_known":
            return  # it used the value it lost
    _lost.discard(id(scope))
    line = forward.line if statement is None else statement.line
    _write(path, instance, line, "gave up: " + _cause(path, frames[below + 1 :], error))
