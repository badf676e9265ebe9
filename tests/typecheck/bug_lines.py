"""Where the plugin reports the bugs injected into the ports: for each ``# bug:`` comment in
``plugin_fail/port_*_bugs.py``, whether mypy with ``dfdx_mypy_plugin`` reports an error with a
``dfdx-*`` code on the bug's own line (the next line that is not a comment).

Run ``python tests/typecheck/bug_lines.py``: it prints each bug with the codes of the errors
on its line, and the count of bugs reported there. All bugs of a port are in one program, as
the must-fail tests check them, so a bug can hide or cause another's error; ``--alone`` also
checks each bug alone, in a copy of the correct port (``plugin_pass/port_*.py``) into which
only that bug's lines are put (found by comparing the two programs).
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROGRAMS = sorted((HERE / "plugin_fail").glob("port_*_bugs.py"))
_ERROR = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+): error: (?P<message>.*?)\s+\[(?P<code>[\w-]+)\]$"
)


def bugs(path: Path) -> list[tuple[int, str]]:
    """The (line, description) of each ``# bug:`` comment's bug line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for i, line in enumerate(lines):
        text = line.strip()
        if text.startswith("# bug:"):
            j = i + 1
            while lines[j].strip().startswith("#"):
                j += 1
            out.append((j + 1, text.removeprefix("# bug:").strip()))
    return out


def errors(programs: list[Path]) -> dict[tuple[str, int], list[tuple[str, str]]]:
    """mypy's errors by (file name, line): (code, message)."""
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(HERE / "mypy_plugin.ini")]
        + ["--no-incremental", "--hide-error-context", "--no-pretty"]
        + [str(p) for p in programs],
        capture_output=True,
        text=True,
        check=False,
        cwd=HERE,
        env={**os.environ, "DFDX_PLUGIN_DEBUG": "1"},
    )
    out: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for line in run.stdout.splitlines():
        m = _ERROR.match(line)
        if m:
            key = (Path(m.group("path")).name, int(m.group("line")))
            out.setdefault(key, []).append((m.group("code"), m.group("message")))
    return out


_MARKER = re.compile(r"\s*# E:.*$")


def _unmarked(lines: list[str]) -> list[str]:
    """``lines`` without their ``# E:`` markers (and the markers' continuation lines), as
    blank lines where a whole line goes, so that line numbers stay."""
    out = []
    in_marker = False
    for line in lines:
        if in_marker and line.strip().startswith("#     "):
            out.append("")
            continue
        in_marker = "# E:" in line
        out.append(_MARKER.sub("", line))
    return out


def _code_lines(lines: list[str]) -> list[int]:
    """The indices of the lines that hold code (not blank, not only a comment)."""
    return [i for i, line in enumerate(lines) if line.strip() and not line.strip().startswith("#")]


def alone(path: Path, directory: Path) -> list[tuple[Path, int, str]]:
    """A copy of the correct port for each bug of ``path``, with only that bug put in: the
    lines of the bug program that replace lines of the correct one, around the bug's line.
    Returns (program, the bug's line in it, description)."""
    correct = (HERE / "plugin_pass" / path.name.replace("_bugs", "")).read_text().splitlines()
    buggy = _unmarked(path.read_text(encoding="utf-8").splitlines())
    mine, theirs = _code_lines(buggy), _code_lines(correct)
    matcher = difflib.SequenceMatcher(
        None, [buggy[i].strip() for i in mine], [correct[j].strip() for j in theirs], False
    )
    out = []
    for n, (line, what) in enumerate(bugs(path)):
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            lines = mine[i1:i2]
            if tag == "equal" or line - 1 not in lines or j1 == j2:
                continue
            if i2 - i1 == j2 - j1:  # line for line: only the bug's own line
                at = theirs[j1 + lines.index(line - 1)] + 1
                program = [*correct[: at - 1], buggy[line - 1], *correct[at:]]
            else:
                first, last = theirs[j1], theirs[j2 - 1]
                program = [*correct[:first], *(buggy[i] for i in lines), *correct[last + 1 :]]
                at = first + lines.index(line - 1) + 1
            variant = directory / f"{path.stem}_{n + 1}.py"
            variant.write_text("\n".join(program) + "\n", encoding="utf-8")
            out.append((variant, at, what))
            break
    return out


def report(
    cases: list[tuple[Path, int, str]], found: dict[tuple[str, int], list[tuple[str, str]]]
) -> None:
    hit = 0
    for path, line, what in cases:
        here = found.get((path.name, line), [])
        ok = any(code.startswith("dfdx-") for code, _ in here)
        hit += ok
        codes = ", ".join(sorted({code for code, _ in here})) or "-"
        print(f"{'yes' if ok else 'no ':3} {path.name}:{line} {what} [{codes}]")
    print(f"{hit} of {len(cases)} bugs reported with a dfdx code on their own line")


def main() -> None:
    report([(path, line, what) for path in PROGRAMS for line, what in bugs(path)], errors(PROGRAMS))
    if "--alone" in sys.argv[1:]:
        print("\neach bug alone:")
        with tempfile.TemporaryDirectory() as tmp:
            cases = [case for path in PROGRAMS for case in alone(path, Path(tmp))]
            report(cases, errors([path for path, _, _ in cases]))


if __name__ == "__main__":
    main()
