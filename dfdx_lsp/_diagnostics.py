"""mypy's messages as diagnostics: ``path:line:col:end_line:end_col: error: text  [code]``
(``--show-column-numbers --show-error-end --show-absolute-path``) read into ranges."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

_MESSAGE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+)(?::(?P<col>\d+))?(?::(?P<end_line>\d+):(?P<end_col>\d+))?"
    r": (?P<severity>error|warning|note): (?P<text>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Diagnostic:
    """A message with its range in the editor's terms: lines and columns from 0, end
    exclusive."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    severity: str
    message: str
    code: str | None


def parse(messages: list[str], sources: dict[str, list[str]]) -> list[Diagnostic]:
    """The messages mypy reported for the files in ``sources`` (absolute path -> lines).

    Where mypy gives an end, the range is the offending expression; where it gives only a
    column, the word there; where it gives only a line, the line's text."""
    out: list[Diagnostic] = []
    for message in messages:
        m = _MESSAGE.match(message)
        if m is None:
            continue
        path = os.path.abspath(m["path"])
        lines = sources.get(path)
        if lines is None:
            continue
        line = int(m["line"]) - 1
        text = lines[line] if 0 <= line < len(lines) else ""
        if m["col"] is None:
            start = len(text) - len(text.lstrip())
            out.append(_diag(m, path, line, start, line, max(len(text), start + 1)))
            continue
        col = int(m["col"]) - 1
        if m["end_line"] is not None:
            end_line, end_col = int(m["end_line"]) - 1, int(m["end_col"])
            if (end_line, end_col) > (line, col):
                out.append(_diag(m, path, line, col, end_line, end_col))
                continue
        word = _WORD.match(text, col)
        out.append(_diag(m, path, line, col, line, word.end() if word else col + 1))
    return out


def _diag(
    m: re.Match[str], path: str, line: int, col: int, end_line: int, end_col: int
) -> Diagnostic:
    return Diagnostic(path, line, col, end_line, end_col, m["severity"], m["text"], m["code"])
