"""Type-level tests: the programs under tests/typecheck/ run through mypy and pyright.

Each checker runs once per directory (one process over all its programs), and each program is
then a test of its own: a program under ``pass/`` must get no diagnostic at all; a program
under ``fail/`` must get errors on exactly the lines that carry a marker, with the marked codes,
and nowhere else. Marker format (tests/typecheck/README.md)::

    r = a @ c  # E: mypy[arg-type] pyright[reportOperatorIssue]

A checker named in a marker must report errors on that line whose codes (mypy's error code,
pyright's rule) are exactly the listed set; ``mypy`` without brackets accepts any code; a code
may carry a message fragment, ``mypy[dfdx-shape "inner sizes differ"]``, that one of the
line's messages must contain. A checker not named in a marker must report nothing on that line.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "tests" / "typecheck"
MYPY_CONFIG = PROGRAMS / "mypy.ini"
PYRIGHT_CONFIG = PROGRAMS / "pyrightconfig.json"
CHECKERS = ("mypy", "pyright")


@dataclass(frozen=True)
class Suite:
    """A directory of programs, the verdict they expect, and the checkers that run on them."""

    directory: Path
    must_fail: bool
    mypy_config: Path | None = MYPY_CONFIG
    pyright_config: Path | None = PYRIGHT_CONFIG

    @property
    def name(self) -> str:
        return self.directory.relative_to(PROGRAMS).as_posix()

    def programs(self) -> list[Path]:
        return sorted(self.directory.glob("*.py"))

    def config(self, checker: str) -> Path | None:
        return self.mypy_config if checker == "mypy" else self.pyright_config


# A plugin suite adds its directories here, with a mypy config that loads the plugin and
# pyright_config=None (pyright runs no plugin).
SUITES = (
    Suite(PROGRAMS / "pass", must_fail=False),
    Suite(PROGRAMS / "fail", must_fail=True),
)


# ---- markers --------------------------------------------------------------------------------

_MARKER = re.compile(r"#\s*E:(?P<body>.*)$")
_CHECKER = re.compile(r'(?P<checker>\w+)(?:\[(?P<items>(?:[^\]"]|"(?:[^"\\]|\\.)*")*)\])?')
_ITEM = re.compile(r'\s*(?P<code>[\w.-]+)(?:\s+"(?P<message>(?:[^"\\]|\\.)*)")?\s*(?:,|$)')


@dataclass(frozen=True)
class Expected:
    """What one checker must report on one line: the set of codes (None: any code), and
    message fragments that must each appear in one of the line's messages."""

    codes: frozenset[str] | None
    messages: tuple[str, ...] = ()


def parse_marker(body: str) -> dict[str, Expected]:
    """``mypy[arg-type] pyright[reportOperatorIssue]`` -> one Expected per checker."""
    out: dict[str, Expected] = {}
    pos = 0
    body = body.strip()
    while pos < len(body):
        if body[pos].isspace():
            pos += 1
            continue
        m = _CHECKER.match(body, pos)
        if m is None or m.group("checker") not in CHECKERS or m.group("checker") in out:
            raise ValueError(f"bad marker {body!r} at {body[pos:]!r}")
        items = m.group("items")
        if items is None:
            out[m.group("checker")] = Expected(None)
        else:
            codes: list[str] = []
            messages: list[str] = []
            ipos = 0
            while ipos < len(items):
                im = _ITEM.match(items, ipos)
                if im is None or im.end() == ipos:
                    raise ValueError(f"bad codes {items!r} in marker {body!r}")
                codes.append(im.group("code"))
                if im.group("message") is not None:
                    messages.append(re.sub(r"\\(.)", r"\1", im.group("message")))
                ipos = im.end()
            if not codes:
                raise ValueError(f"empty codes in marker {body!r}")
            out[m.group("checker")] = Expected(frozenset(codes), tuple(messages))
        pos = m.end()
    if not out:
        raise ValueError("a marker names no checker: write `# E: mypy[code] pyright[rule]`")
    return out


def markers(path: Path) -> dict[int, dict[str, Expected]]:
    """Line number (1-based) -> what each checker must report there."""
    out: dict[int, dict[str, Expected]] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        m = _MARKER.search(line)
        if m is not None:
            try:
                out[number] = parse_marker(m.group("body"))
            except ValueError as e:
                raise ValueError(f"{path.name}:{number}: {e}") from None
    return out


# ---- running the checkers -------------------------------------------------------------------


@dataclass(frozen=True)
class Diagnostic:
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.line}: [{self.code}] {self.message}"


def _available(checker: str) -> bool:
    return importlib.util.find_spec(checker) is not None


def _run(argv: list[str], what: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1", "NO_COLOR": "1"}
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode not in (0, 1):
        raise RuntimeError(
            f"{what} failed (exit {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


def run_mypy(config: Path, files: tuple[Path, ...], cache: Path) -> dict[Path, list[Diagnostic]]:
    argv = [sys.executable, "-m", "mypy", "--config-file", str(config)]
    argv += ["--cache-dir", str(cache), "--output", "json", "--no-error-summary"]
    proc = _run(argv + [str(f) for f in files], "mypy")
    out: dict[Path, list[Diagnostic]] = defaultdict(list)
    for raw in proc.stdout.splitlines():
        if not raw.strip():
            continue
        d = json.loads(raw)
        if d["severity"] != "error":
            continue  # notes (reveal_type, hints) are not diagnostics
        path = (ROOT / d["file"]).resolve()
        out[path].append(Diagnostic(d["line"], d["code"] or "", d["message"]))
    return out


def run_pyright(config: Path, files: tuple[Path, ...]) -> dict[Path, list[Diagnostic]]:
    argv = [sys.executable, "-m", "pyright", "--outputjson", "--project", str(config)]
    argv += ["--pythonpath", sys.executable]
    proc = _run(argv + [str(f) for f in files], "pyright")
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"pyright gave no JSON:\n{proc.stdout[-4000:]}\n{proc.stderr}") from None
    out: dict[Path, list[Diagnostic]] = defaultdict(list)
    for d in report["generalDiagnostics"]:
        if d["severity"] not in ("error", "warning"):
            continue  # reveal_type and other information
        path = Path(d["file"]).resolve()
        line = d["range"]["start"]["line"] + 1
        out[path].append(Diagnostic(line, d.get("rule", ""), d["message"]))
    return out


@functools.cache
def diagnostics(suite: Suite, checker: str, mypy_cache: Path) -> dict[Path, list[Diagnostic]]:
    """Every diagnostic of one checker over all programs of a suite (one process)."""
    config = suite.config(checker)
    assert config is not None
    files = tuple(suite.programs())
    if checker == "mypy":
        return run_mypy(config, files, mypy_cache)
    return run_pyright(config, files)


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for the session: later runs reuse what the first built (NumPy's stubs)."""
    return tmp_path_factory.mktemp("mypy-cache")


# ---- the tests ------------------------------------------------------------------------------


def _cases() -> list[object]:
    cases: list[object] = []
    for suite in SUITES:
        for checker in CHECKERS:
            if suite.config(checker) is None:
                continue
            marks = (
                []
                if _available(checker)
                else [
                    pytest.mark.skip(reason=f"{checker} is not installed (pip install -e '.[dev]')")
                ]
            )
            for program in suite.programs():
                cases.append(
                    pytest.param(
                        suite,
                        checker,
                        program,
                        id=f"{checker}-{suite.name}/{program.name}",
                        marks=marks,
                    )
                )
    return cases


def _listing(ds: list[Diagnostic]) -> str:
    return "\n".join(f"  {d}" for d in sorted(ds, key=lambda d: d.line)) or "  (none)"


@pytest.mark.parametrize(("suite", "checker", "program"), _cases())
def test_program(suite: Suite, checker: str, program: Path, mypy_cache: Path) -> None:
    got = diagnostics(suite, checker, mypy_cache).get(program.resolve(), [])
    expected = markers(program)
    name = f"{checker} on {suite.name}/{program.name}"
    if not suite.must_fail:
        assert not expected, f"{program.name}: a program under {suite.name}/ carries markers"
        assert not got, f"{name}: expected no diagnostics, got:\n{_listing(got)}"
        return

    assert expected, f"{program.name}: a program under {suite.name}/ needs `# E:` markers"
    by_line: dict[int, list[Diagnostic]] = defaultdict(list)
    for d in got:
        by_line[d.line].append(d)
    problems: list[str] = []
    for line in sorted(set(by_line) | set(expected)):
        want = expected.get(line, {}).get(checker)
        have = by_line.get(line, [])
        if want is None:
            if have:
                problems.append(f"line {line}: unexpected\n{_listing(have)}")
            continue
        if not have:
            problems.append(f"line {line}: expected an error, got none")
            continue
        codes = {d.code for d in have}
        if want.codes is not None and codes != want.codes:
            problems.append(
                f"line {line}: expected codes {sorted(want.codes)}, got {sorted(codes)}\n"
                + _listing(have)
            )
        for fragment in want.messages:
            if not any(fragment in d.message for d in have):
                problems.append(f"line {line}: no message contains {fragment!r}\n{_listing(have)}")
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_programs_run() -> None:
    """Every passing program also runs without error (its values and shapes are real)."""
    failures: list[str] = []
    for suite in SUITES:
        if suite.must_fail:
            continue
        for program in suite.programs():
            proc = subprocess.run(
                [sys.executable, str(program)], cwd=ROOT, capture_output=True, text=True
            )
            if proc.returncode != 0:
                failures.append(f"{program.name}:\n{proc.stderr[-2000:]}")
    assert not failures, "\n".join(failures)


def test_marker_parser() -> None:
    assert parse_marker(" mypy[misc] pyright[reportAttributeAccessIssue]") == {
        "mypy": Expected(frozenset({"misc"})),
        "pyright": Expected(frozenset({"reportAttributeAccessIssue"})),
    }
    assert parse_marker("mypy[misc,arg-type]") == {
        "mypy": Expected(frozenset({"misc", "arg-type"}))
    }
    assert parse_marker("pyright") == {"pyright": Expected(None)}
    assert parse_marker('mypy[dfdx-shape "Tensor[3, 4] @ Tensor[5, 2] (4 != 5)"]') == {
        "mypy": Expected(frozenset({"dfdx-shape"}), ("Tensor[3, 4] @ Tensor[5, 2] (4 != 5)",))
    }
    assert parse_marker(r'mypy[dfdx-tape "a \"quoted\" word", misc]') == {
        "mypy": Expected(frozenset({"dfdx-tape", "misc"}), ('a "quoted" word',))
    }
    for bad in ("", "mypyy[misc]", "mypy[]", "mypy[misc] mypy[misc]", "mypy[misc"):
        with pytest.raises(ValueError):
            parse_marker(bad)
