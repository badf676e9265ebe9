"""How precisely the checkers type a program's intermediate values: every name assigned in a
function body gets a ``reveal_type`` after its statement, the program is checked by mypy with
``dfdx_mypy_plugin``, plain mypy and pyright, and each tensor value is counted as typed
exactly (every size a literal or a TypeVar), partly, or not at all (``Any``, or a tensor of
unknown rank). Not a test: run it by hand,
``python tests/typecheck/reveal_coverage.py tests/typecheck/plugin_pass/port_*.py``.
Values that are neither tensors nor ``Any`` (ints, modules) are not counted."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKERS = ("plugin", "mypy", "mypy-reuse", "pyright")
"""``mypy-reuse``: plain mypy with the name reuse options the plugin's set-up turns on
(docs/plugin.md), so that a name rebound to a new shape is compared with what mypy alone
infers for it, not with the argument's annotation it keeps otherwise."""


def _names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple):
        return [n for t in target.elts for n in _names(t)]
    return []


def instrument(source: str) -> tuple[str, dict[int, str]]:
    """The program with a ``reveal_type`` line after each assignment inside a function, and
    the name each inserted line reveals (by its line number in the new program)."""
    lines = source.splitlines()
    inserts: dict[int, list[tuple[str, str]]] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef):
            continue
        for stmt in ast.walk(node):
            if isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                indent = " " * stmt.col_offset
                for t in targets:
                    for name in _names(t):
                        end = stmt.end_lineno or stmt.lineno
                        inserts.setdefault(end, []).append((indent, name))
    out: list[str] = []
    revealed: dict[int, str] = {}
    for i, line in enumerate(lines, 1):
        out.append(line)
        for indent, name in inserts.get(i, []):
            out.append(f"{indent}reveal_type({name})")
            revealed[len(out)] = name
    return "\n".join(out) + "\n", revealed


def _split(args: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in args:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def classify(t: str) -> str | None:
    """``exact``, ``partly``, ``none``, or None for a value that is not a tensor; a union of
    tensor types as its least precise member."""
    t = t.strip()
    members = _split_union(t)
    if len(members) > 1:
        kinds = [classify(m) for m in members]
        if any(k is None for k in kinds):
            return None
        return min(kinds, key=lambda k: RANK[k or "none"])
    if t == "Any":
        return "none"
    m = re.match(r"^(?:[\w.]*\.)?Tensor\[(.*)\]$", t)
    if m is None:
        return None
    dims = _split(m.group(1))[:-1]
    if not dims or any(d.startswith("*") for d in dims):
        return "none"
    known = [not (d in ("Any", "int") or d.startswith("Dyn")) for d in dims]
    return "exact" if all(known) else "partly" if any(known) else "none"


def _split_union(t: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for i, ch in enumerate(t):
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if depth == 0 and t[i : i + 3] == " | ":
            parts.append(cur)
            cur = ""
            continue
        if depth == 0 and cur == "" and ch in "| ":
            continue
        cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def _reuse_config(tmp: Path) -> Path:
    """mypy.ini with the name reuse options of the plugin's set-up."""
    config = tmp / "mypy_reuse.ini"
    text = (HERE / "mypy.ini").read_text()
    text = text.replace(
        "strict = True",
        "strict = True\nallow_redefinition_new = True\nlocal_partial_types = True",
        1,
    )
    config.write_text(text)
    return config


def _mypy(path: Path, config: str | Path) -> dict[int, str]:
    argv = [sys.executable, "-m", "mypy", "--config-file", str(HERE / config), str(path)]
    argv += ["--no-incremental", "--cache-dir", "/dev/null"]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=HERE.parent.parent)
    found = {}
    for m in re.finditer(r":(\d+): note: Revealed type is \"(.*)\"", proc.stdout):
        found[int(m.group(1))] = m.group(2)
    return found


def _pyright(path: Path) -> dict[int, str]:
    config = HERE / "plugin_pass" / "pyrightconfig.json"
    argv = [sys.executable, "-m", "pyright", "--outputjson", "-p", str(config), str(path)]
    proc = subprocess.run(argv, capture_output=True, text=True)
    found = {}
    for d in json.loads(proc.stdout)["generalDiagnostics"]:
        m = re.match(r'Type of ".*" is "(.*)"$', d["message"])
        if d["severity"] == "information" and m:
            found[d["range"]["start"]["line"] + 1] = re.sub(r"@\w+", "", m.group(1))
    return found


def measure(program: Path) -> dict[str, dict[int, str | None]]:
    source, revealed = instrument(program.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / program.name
        path.write_text(source)
        types = {
            "plugin": _mypy(path, "mypy_plugin.ini"),
            "mypy": _mypy(path, "mypy.ini"),
            "mypy-reuse": _mypy(path, _reuse_config(Path(tmp))),
            "pyright": _pyright(path),
        }
    return {c: {ln: classify(types[c].get(ln, "Any")) for ln in revealed} for c in CHECKERS}


RANK = {"none": 0, "partly": 1, "exact": 2}


def main(programs: list[str]) -> None:
    totals = {c: {"exact": 0, "partly": 0, "none": 0} for c in CHECKERS}
    worse = 0
    for name in programs:
        result = measure(Path(name))
        lines = result["plugin"].keys()
        counted = [ln for ln in lines if any(result[c][ln] is not None for c in CHECKERS)]
        for c in CHECKERS:
            for ln in counted:
                totals[c][result[c][ln] or "none"] += 1
        for ln in counted:
            a = result["plugin"][ln] or "none"
            for plain in ("mypy", "mypy-reuse"):
                b = result[plain][ln] or "none"
                if RANK[a] < RANK[b]:
                    worse += 1
                    print(f"{name}:{ln} (instrumented): plugin {a} < {plain} {b}")
    for c in CHECKERS:
        n = sum(totals[c].values()) or 1
        share = ", ".join(f"{k} {v} ({100 * v / n:.0f}%)" for k, v in totals[c].items())
        print(f"{c:10} {share}")
    print(f"values typed less precisely with the plugin than without (either plain): {worse}")


if __name__ == "__main__":
    main(sys.argv[1:])
