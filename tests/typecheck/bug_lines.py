"""Where the plugin reports the bugs injected into the ports: for each ``# bug:`` comment in
``plugin_fail/port_*_bugs.py``, whether mypy with ``dfdx_mypy_plugin`` reports an error with a
``dfdx-*`` code on the bug's own line (the next line that is not a comment).

Run ``python tests/typecheck/bug_lines.py``: it prints each bug with the errors on its line,
and the count of bugs reported there. All bugs of a port are in one program, as the must-fail
tests check them, so a bug can hide or cause another's error.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
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


def errors() -> dict[tuple[str, int], list[tuple[str, str]]]:
    """mypy's errors by (file name, line): (code, message)."""
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(HERE / "mypy_plugin.ini")]
        + ["--no-incremental", "--hide-error-context", "--no-pretty"]
        + [str(p) for p in PROGRAMS],
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


def main() -> None:
    found = errors()
    hit = total = 0
    for path in PROGRAMS:
        for line, what in bugs(path):
            here = found.get((path.name, line), [])
            ok = any(code.startswith("dfdx-") for code, _ in here)
            hit += ok
            total += 1
            codes = ", ".join(sorted({code for code, _ in here})) or "-"
            print(f"{'yes' if ok else 'no ':3} {path.name}:{line} {what} [{codes}]")
    print(f"{hit} of {total} bugs reported with a dfdx code on their own line")


if __name__ == "__main__":
    main()
