"""The share of ``assert_type`` calls under ``plugin_pass/`` that hold under pyright without
the plugin: what the plain signatures give pyright users.

Run ``python tests/typecheck/pyright_share.py``: pyright checks ``plugin_pass/`` with its
config, assert_type failures turned on, and the script prints the calls that hold, the calls
in all, and each file's figures (``--files``).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "plugin_pass"


def assert_type_calls(path: Path) -> int:
    """The ``assert_type(...)`` calls in a program."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sum(
        1
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) == "assert_type"
    )


def failures() -> Counter[str]:
    """pyright's assert_type failures per file, with plugin_pass/'s settings otherwise."""
    config = {
        "typeCheckingMode": "standard",
        "pythonVersion": "3.11",
        "extraPaths": [str(HERE.parent.parent)],
        "reportAssertTypeFailure": "error",
    }
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "pyrightconfig.json"
        cfg.write_text(json.dumps(config), encoding="utf-8")
        run = subprocess.run(
            ["pyright", "--outputjson", "-p", str(cfg), str(PROGRAMS)],
            capture_output=True,
            text=True,
            check=False,
        )
    report = json.loads(run.stdout)
    return Counter(
        Path(d["file"]).name
        for d in report["generalDiagnostics"]
        if d.get("rule") == "reportAssertTypeFailure"
    )


def main() -> None:
    failed = failures()
    total = held = 0
    rows = []
    for path in sorted(PROGRAMS.glob("*.py")):
        n = assert_type_calls(path)
        ok = n - failed[path.name]
        total += n
        held += ok
        rows.append(f"  {path.name}: {ok} of {n}")
    if "--files" in sys.argv:
        print("\n".join(rows))
    print(
        f"pyright without the plugin: {held} of {total} assert_type calls hold ({held / total:.0%})"
    )


if __name__ == "__main__":
    main()
