"""Measure where mypy with dfdx's plugin reports the bugs injected into unseen ports.

Usage: python tests/typecheck/measure_ports.py FOLDER tests/typecheck/mypy_plugin.ini (run with
the venv whose dfdx_mypy_plugin counts; the ports live outside the repository, README.md here).

FOLDER holds correct ports `<model>.py` and bug copies `<model>_bug<N>.py`; in each bug copy a
comment line `# bug: <what is wrong>` stands right above the line that holds the mistake. A bug
counts as reported when mypy prints an error with a `[dfdx-...]` code on that line. Errors on
the correct ports are listed as false errors.
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<msg>.*?)(  \[(?P<code>[\w-]+)\])?$")


CACHE = tempfile.mkdtemp(prefix="measure-mypy-")


def mypy(files: list[Path], config: str) -> list[tuple[str, int, str, str]]:
    """mypy's errors on ``files`` as (file, line, message, code), one cache for the run."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            config,
            "--cache-dir",
            CACHE,
            "--no-error-summary",
            "--show-absolute-path",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    errors = []
    for text in out.splitlines():
        m = ERROR.match(text)
        if m:
            errors.append((m["file"], int(m["line"]), m["msg"], m["code"] or ""))
    return errors


def bug_line(path: Path) -> tuple[int, str]:
    lines = path.read_text().splitlines()
    for i, text in enumerate(lines):
        if text.strip().startswith("# bug:"):
            return i + 2, text.strip()[len("# bug:") :].strip()
    raise SystemExit(f"{path}: no '# bug:' comment")


def main() -> None:
    folder, config = Path(sys.argv[1]).resolve(), sys.argv[2]
    bugs = sorted(folder.glob("*_bug[0-9]*.py"))
    ports = sorted(
        p
        for p in folder.glob("*.py")
        if "_bug" not in p.stem and p.stem not in {"measure", "runtime_check", "measure_ports"}
    )
    found = 0
    for bug in bugs:
        line, what = bug_line(bug)
        errors = [e for e in mypy([bug], config) if Path(e[0]).resolve() == bug]
        on_line = [e for e in errors if e[1] == line and e[3].startswith("dfdx-")]
        found += bool(on_line)
        mark = "FOUND" if on_line else "miss "
        print(f"{mark} {bug.name}:{line}  {what}")
        for e in errors:
            print(f"        {e[1]}: [{e[3]}] {e[2][:160]}")
    print(f"\nbugs reported on their own line: {found} of {len(bugs)}")
    errors = mypy(ports, config)
    print(f"errors on the correct ports: {len(errors)}")
    for e in errors:
        print(f"  {Path(e[0]).name}:{e[1]} [{e[3]}] {e[2][:160]}")


if __name__ == "__main__":
    main()
