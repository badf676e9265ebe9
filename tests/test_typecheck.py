"""Type-level tests: the programs under tests/typecheck/ run through mypy and pyright.

Each checker runs once per configuration (one process over all the programs that share it), and
each program is then a test of its own: a program of a passing suite must get no diagnostic at
all; a program of a failing suite must get errors on exactly the lines that carry a marker, with
the marked codes, and nowhere else. Marker format (tests/typecheck/README.md)::

    r = a @ c  # E: mypy[arg-type] pyright[reportOperatorIssue]

A checker named in a marker must report errors on that line whose codes (mypy's error code,
pyright's rule) are exactly the listed set; ``mypy`` without brackets accepts any code; a code
may carry a message fragment, ``mypy[dfdx-shape "inner sizes differ"]``, that one of the
line's messages must contain. A fragment may be written as adjacent quoted strings, and a marker
whose brackets are still open at the end of its line goes on over the comment lines below it::

    r = a + v  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[3, 4] and "
    #                                "Tensor[5] (axis -1: 4 != 5)"]

A checker not named in a marker must report nothing on that line.

The plugin suites run mypy with ``dfdx_mypy_plugin`` (``mypy_plugin.ini``) and
``DFDX_PLUGIN_DEBUG=1``, so that a bug in a rule crashes mypy instead of being swallowed. In
``plugin_fail/`` every ``dfdx-*`` message must be stated whole in its line's marker. Every
passing program is also executed, with ``assert_type`` checking each asserted ``Tensor[...]``
type against the value's run-time shape and tape (:func:`runtime_type_error`).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import runpy
import subprocess
import sys
import typing
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _helpers import rules_comment

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "tests" / "typecheck"
MYPY_CONFIG = PROGRAMS / "mypy.ini"
MYPY_PLUGIN_CONFIG = PROGRAMS / "mypy_plugin.ini"
PYRIGHT_CONFIG = PROGRAMS / "pyrightconfig.json"
CRASH = PROGRAMS / "crash"
CHECKERS = ("mypy", "pyright")


@dataclass(frozen=True)
class Suite:
    """A directory of programs, the verdict they expect, and the checkers that run on them."""

    directory: Path
    must_fail: bool
    mypy_config: Path | None = MYPY_CONFIG
    pyright_config: Path | None = PYRIGHT_CONFIG
    label: str = ""
    """The suite's name in test ids; the directory's by default."""
    skip_plain: bool = False
    """Leave out ``plain_*.py``: what only the plain signatures give (run with the plugin)."""
    exact_messages: bool = False
    """Every ``dfdx-*`` message must equal one of the fragments of its line's marker."""

    @property
    def name(self) -> str:
        return self.label or self.directory.relative_to(PROGRAMS).as_posix()

    def programs(self) -> list[Path]:
        return sorted(
            p
            for p in self.directory.glob("*.py")
            if not (self.skip_plain and p.name.startswith("plain_"))
        )

    def config(self, checker: str) -> Path | None:
        return self.mypy_config if checker == "mypy" else self.pyright_config


# A plugin suite runs mypy with mypy_plugin.ini; pyright runs no plugin, so it checks a plugin
# suite only where its programs must also pass without one (plugin_pass/, with its own config:
# the `assert_type`s there state what the plugin computes, which pyright cannot).
PLUGIN_PASS = Suite(
    PROGRAMS / "plugin_pass",
    must_fail=False,
    mypy_config=MYPY_PLUGIN_CONFIG,
    pyright_config=PROGRAMS / "plugin_pass" / "pyrightconfig.json",
)
PLUGIN_FAIL = Suite(
    PROGRAMS / "plugin_fail",
    must_fail=True,
    mypy_config=MYPY_PLUGIN_CONFIG,
    pyright_config=None,
    exact_messages=True,
)
SUITES = (
    Suite(PROGRAMS / "pass", must_fail=False),
    Suite(PROGRAMS / "fail", must_fail=True),
    PLUGIN_PASS,
    # pass/ again, with the plugin: its programs hold with exact types too (but plain_*)
    Suite(
        PROGRAMS / "pass",
        must_fail=False,
        mypy_config=MYPY_PLUGIN_CONFIG,
        pyright_config=None,
        label="pass+plugin",
        skip_plain=True,
    ),
    PLUGIN_FAIL,
)


# ---- markers --------------------------------------------------------------------------------

_MARKER = re.compile(r"#\s*E:(?P<body>.*)$")
_CONTINUATION = re.compile(r"^\s*#(?P<body>.*)$")
_STRING = r'"(?:[^"\\]|\\.)*"'
_CHECKER = re.compile(rf"(?P<checker>\w+)(?:\[(?P<items>(?:[^\]\"]|{_STRING})*)\])?")
_ITEM = re.compile(rf"\s*(?P<code>[\w.-]+)(?P<message>(?:\s*{_STRING})*)\s*(?:,|$)")


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
                if im.group("message").strip():
                    parts = re.findall(_STRING, im.group("message"))
                    messages.append("".join(re.sub(r"\\(.)", r"\1", p[1:-1]) for p in parts))
                ipos = im.end()
            if not codes:
                raise ValueError(f"empty codes in marker {body!r}")
            out[m.group("checker")] = Expected(frozenset(codes), tuple(messages))
        pos = m.end()
    if not out:
        raise ValueError("a marker names no checker: write `# E: mypy[code] pyright[rule]`")
    return out


def _open_brackets(body: str) -> bool:
    """Whether ``body`` leaves a ``[`` open (outside quoted strings)."""
    depth = 0
    for m in re.finditer(rf"{_STRING}|[\[\]]", body):
        if m.group() == "[":
            depth += 1
        elif m.group() == "]":
            depth -= 1
    return depth > 0


def markers(path: Path) -> dict[int, dict[str, Expected]]:
    """Line number (1-based) -> what each checker must report there."""
    out: dict[int, dict[str, Expected]] = {}
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        m = _MARKER.search(lines[i])
        number = i + 1
        if m is not None:
            body = m.group("body")
            while _open_brackets(body) and i + 1 < len(lines):
                more = _CONTINUATION.match(lines[i + 1])
                if more is None:
                    break
                body += " " + more.group("body")
                i += 1
            try:
                out[number] = parse_marker(body)
            except ValueError as e:
                raise ValueError(f"{path.name}:{number}: {e}") from None
        i += 1
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


_SKIP_MISSING = {
    checker: pytest.mark.skipif(
        not _available(checker), reason=f"{checker} is not installed (pip install -e '.[dev]')"
    )
    for checker in CHECKERS
}


def _run(
    argv: list[str], what: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1",
        "NO_COLOR": "1",
        "DFDX_PLUGIN_DEBUG": "1",  # a bug in a plugin rule crashes mypy: the test sees it
        **(extra_env or {}),
    }
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode not in (0, 1) or "INTERNAL ERROR" in proc.stdout + proc.stderr:
        raise RuntimeError(
            f"{what} failed (exit {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


MypyReport = dict[Path, list[Diagnostic]]


def _mypy_argv(config: Path, cache: Path, files: tuple[Path, ...]) -> list[str]:
    argv = [sys.executable, "-m", "mypy", "--config-file", str(config)]
    argv += ["--cache-dir", str(cache), "--output", "json", "--no-error-summary"]
    return argv + [str(f) for f in files]


def _parse_mypy(stdout: str) -> MypyReport:
    out: MypyReport = defaultdict(list)
    for raw in stdout.splitlines():
        if not raw.strip():
            continue
        d = json.loads(raw)
        if d["severity"] != "error":
            continue  # notes (reveal_type, hints) are not diagnostics
        path = (ROOT / d["file"]).resolve()
        out[path].append(Diagnostic(d["line"], d["code"] or "", d["message"]))
    return out


def run_mypy(config: Path, files: tuple[Path, ...], cache: Path) -> MypyReport:
    return _parse_mypy(_run(_mypy_argv(config, cache, files), "mypy").stdout)


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


def mypy_batch(config: Path) -> tuple[Path, ...]:
    """Every program that mypy checks with ``config``: all suites that share it, one process.
    mypy names a module after its file, so the names must differ across those suites."""
    files = sorted({p for s in SUITES if s.mypy_config == config for p in s.programs()})
    names: dict[str, Path] = {}
    for p in files:
        if p.stem in names:
            raise ValueError(
                f"{p} and {names[p.stem]} are checked in one mypy run with {config.name}: "
                "give them different names"
            )
        names[p.stem] = p
    return tuple(files)


def _cache_dir(root: Path, config: Path) -> Path:
    """One cache per configuration: the plugin's options would invalidate the plain run's."""
    return root / config.stem


def _trace_file(config: Path, mypy_cache: Path) -> Path:
    return mypy_cache / f"{config.stem}-rules.tsv"


@functools.cache
def mypy_diagnostics(config: Path, mypy_cache: Path) -> MypyReport:
    """One mypy run over every program checked with ``config``; with the plugin, each rule
    that runs is written to a trace file (``DFDX_PLUGIN_TRACE``, read by :func:`rules_run`)."""
    trace = _trace_file(config, mypy_cache)
    trace.unlink(missing_ok=True)
    argv = _mypy_argv(config, _cache_dir(mypy_cache, config), mypy_batch(config))
    return _parse_mypy(_run(argv, "mypy", {"DFDX_PLUGIN_TRACE": str(trace)}).stdout)


def rules_run(config: Path, mypy_cache: Path) -> dict[Path, set[str]]:
    """The rule families (modules of ``dfdx_mypy_plugin/rules/``) that ran on each program."""
    mypy_diagnostics(config, mypy_cache)
    out: dict[Path, set[str]] = defaultdict(set)
    trace = _trace_file(config, mypy_cache)
    for line in trace.read_text(encoding="utf-8").splitlines() if trace.exists() else []:
        path, family = line.split("\t")
        out[(ROOT / path).resolve()].add(family)
    return out


@functools.cache
def diagnostics(suite: Suite, checker: str, mypy_cache: Path) -> dict[Path, list[Diagnostic]]:
    """Every diagnostic of one checker over all programs of a suite."""
    config = suite.config(checker)
    assert config is not None
    if checker == "mypy":
        return mypy_diagnostics(config, mypy_cache)
    return run_pyright(config, tuple(suite.programs()))


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """mypy caches for the session: later runs reuse what the first built (NumPy's stubs)."""
    return tmp_path_factory.mktemp("mypy-cache")


# ---- the tests ------------------------------------------------------------------------------


def _cases() -> list[object]:
    cases: list[object] = []
    for suite in SUITES:
        for checker in CHECKERS:
            if suite.config(checker) is None:
                continue
            for program in suite.programs():
                cases.append(
                    pytest.param(
                        suite,
                        checker,
                        program,
                        id=f"{checker}-{suite.name}/{program.name}",
                        marks=[_SKIP_MISSING[checker]],
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
        if suite.exact_messages:
            for d in have:
                if d.code.startswith("dfdx-") and d.message not in want.messages:
                    problems.append(
                        f"line {line}: the marker must state this message whole: {d.message!r}"
                    )
    assert not problems, f"{name}:\n" + "\n".join(problems)


@_SKIP_MISSING["mypy"]
@pytest.mark.parametrize("suite", [PLUGIN_PASS, PLUGIN_FAIL], ids=lambda s: s.name)
def test_rules_comment_names_families_the_program_runs(suite: Suite, mypy_cache: Path) -> None:
    """A program's ``# rules: conv, nn`` comment (which tests/test_coverage.py counts to find
    each family's passing and failing programs) names only families whose rules run on it."""
    ran = rules_run(MYPY_PLUGIN_CONFIG, mypy_cache)
    problems = []
    for program in suite.programs():
        for family in sorted(rules_comment(program) - ran.get(program.resolve(), set())):
            problems.append(f"{program.name} names {family!r}, but no rule of it runs there")
    assert not problems, "\n".join(problems)


# ---- the plugin under mypy's other modes ----------------------------------------------------


def _all_diagnostics(report: MypyReport) -> list[tuple[str, int, str, str]]:
    return sorted(
        (p.relative_to(ROOT).as_posix(), d.line, d.code, d.message)
        for p, ds in report.items()
        for d in ds
    )


@_SKIP_MISSING["mypy"]
def test_plugin_warm_cache(mypy_cache: Path) -> None:
    """A second run on the cache of the first (warm) gives the same output, byte for byte."""
    files = mypy_batch(MYPY_PLUGIN_CONFIG)
    cache = _cache_dir(mypy_cache, MYPY_PLUGIN_CONFIG)
    argv = _mypy_argv(MYPY_PLUGIN_CONFIG, cache, files)
    cold = mypy_diagnostics(MYPY_PLUGIN_CONFIG, mypy_cache)  # the suites' run, if not done yet
    first = _run(argv, "mypy (warm cache)").stdout
    second = _run(argv, "mypy (warm cache, again)").stdout
    assert first == second
    assert _all_diagnostics(_parse_mypy(first)) == _all_diagnostics(cold)


def _mypy_supports_workers() -> bool:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--help"], capture_output=True, text=True, check=False
    )
    return "--num-workers" in proc.stdout


@_SKIP_MISSING["mypy"]
def test_plugin_parallel(mypy_cache: Path, tmp_path: Path) -> None:
    """``mypy -n 2`` (the plugin loaded in each worker process, a fresh cache) reports what the
    sequential run reports."""
    if not _mypy_supports_workers():
        pytest.skip("this mypy has no parallel mode (-n/--num-workers)")
    files = mypy_batch(MYPY_PLUGIN_CONFIG)
    argv = _mypy_argv(MYPY_PLUGIN_CONFIG, tmp_path / "cache", files)
    parallel = _parse_mypy(_run([*argv[:3], "-n", "2", *argv[3:]], "mypy -n 2").stdout)
    sequential = mypy_diagnostics(MYPY_PLUGIN_CONFIG, mypy_cache)
    assert _all_diagnostics(parallel) == _all_diagnostics(sequential)


@_SKIP_MISSING["mypy"]
def test_crash_corpus(mypy_cache: Path) -> None:
    """Types the plugin does not understand get mypy's own answer: mypy may report errors
    (exit 1), but never an internal error (exit 2), with ``DFDX_PLUGIN_DEBUG=1`` letting any
    exception out of a rule."""
    files = tuple(sorted(CRASH.glob("*.py")))
    assert files, "tests/typecheck/crash/ holds no program"
    argv = _mypy_argv(MYPY_PLUGIN_CONFIG, _cache_dir(mypy_cache, MYPY_PLUGIN_CONFIG), files)
    argv.remove("--output")
    argv.remove("json")
    env = {**os.environ, "DFDX_PLUGIN_DEBUG": "1", "NO_COLOR": "1"}
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1), f"mypy exit {proc.returncode}:\n{output[-6000:]}"
    for sign in ("INTERNAL ERROR", "Traceback"):
        assert sign not in output, output[-6000:]
    # the corpus is checked, not skipped: every program gets some diagnostic
    for f in files:
        assert f"{f.relative_to(ROOT).as_posix()}:" in output, f"no diagnostic for {f.name}"


# ---- running the passing programs -----------------------------------------------------------


def _is_unpacked(arg: object) -> bool:
    return getattr(arg, "__unpacked__", False) or typing.get_origin(arg) is typing.Unpack


def _expand(dims: tuple[object, ...]) -> tuple[object, ...] | None:
    """``dims`` with each ``*tuple[A, B]`` of fixed length spelled out; None if one is of
    unknown length (``*tuple[Dyn, ...]``, ``*S``) or more than one is."""
    out: list[object] = []
    for d in dims:
        if not _is_unpacked(d):
            out.append(d)
            continue
        args = typing.get_args(d)
        if typing.get_origin(d) is typing.Unpack and args:
            args = typing.get_args(args[0]) if typing.get_origin(args[0]) is tuple else ()
            if not args:
                return None
        if args and args[-1] is Ellipsis:
            return None
        out.extend(args)
    return tuple(out)


def _literal_size(d: object) -> int | None:
    if typing.get_origin(d) is typing.Literal:
        (n,) = typing.get_args(d)
        if isinstance(n, int) and not isinstance(n, bool):
            return n
    return None


def _product_factor(d: object) -> int | None:
    """The int factor of a product of symbolic sizes the plugin writes (``Expr[L["4*B*T"]]``
    is 4): the run-time size is a multiple of it."""
    from dfdx import Expr

    if typing.get_origin(d) is not Expr:
        return None
    (form,) = typing.get_args(d)
    (text,) = typing.get_args(form)
    head = text.split("*", 1)[0]
    return int(head) if head.isdigit() else 1


def runtime_type_error(value: object, expected: object) -> str | None:
    """Why ``value`` cannot have the static type ``expected``, or None. For ``Tensor[...]``:
    each ``Literal[n]`` size equals the run-time size of its axis, the rank is the number of
    sizes (unless one is unpacked: then the sizes before it are matched from the front, those
    after it from the back), and the tape is ``NoneTape`` exactly when ``value.is_traced`` is
    false. A product of symbolic sizes (``Expr[L["4*B"]]``) is a multiple of its int factor.
    TypeVars, ``Dyn``/``Any``, and types that are not tensors are not checked; a union holds if
    one member does."""
    from dfdx import NoneTape, OwnedTape, Tensor

    origin = typing.get_origin(expected)
    if origin is typing.Union or type(expected).__name__ == "UnionType":
        errors = [runtime_type_error(value, m) for m in typing.get_args(expected)]
        return None if None in errors else " and ".join(e for e in errors if e)
    if expected is type(None):
        return None if value is None else f"{value!r} is not None"
    if origin is not Tensor and expected is not Tensor:
        return None
    if not isinstance(value, Tensor):
        return f"a {type(value).__name__} where a Tensor is asserted"
    args = typing.get_args(expected)
    if not args:
        return None
    *dims, tape = args
    shape = value.shape
    if tape is NoneTape and value.is_traced:
        return f"a traced tensor asserted NoneTape (shape {shape})"
    if tape is OwnedTape and not value.is_traced:
        return f"an untraced tensor asserted OwnedTape (shape {shape})"
    fixed = _expand(tuple(dims))
    if fixed is None:
        split = next(i for i, d in enumerate(dims) if _is_unpacked(d))
        head, tail = dims[:split], dims[split + 1 :]
        if len(shape) < len(head) + len(tail):
            return f"rank {len(shape)} < {len(head) + len(tail)} sizes asserted (shape {shape})"
        pairs = [*zip(head, shape, strict=False)]
        pairs += zip(tail, shape[len(shape) - len(tail) :], strict=True)
    else:
        if len(fixed) != len(shape):
            return f"rank {len(shape)} where {len(fixed)} is asserted (shape {shape})"
        pairs = list(zip(fixed, shape, strict=True))
    for d, size in pairs:
        n = _literal_size(d)
        if n is not None and n != size:
            return f"size {size} where {n} is asserted (shape {shape})"
        factor = _product_factor(d)
        if factor is not None and size % factor:
            return f"size {size} is no multiple of the factor {factor} asserted (shape {shape})"
    return None


@dataclass
class _Checked:
    asserted: int = 0
    tensors: int = 0
    failures: list[str] | None = None


def _asserts_tensor(typ: object) -> bool:
    from dfdx import Tensor

    if typing.get_origin(typ) is typing.Union or type(typ).__name__ == "UnionType":
        return any(_asserts_tensor(m) for m in typing.get_args(typ))
    return typ is Tensor or typing.get_origin(typ) is Tensor


def _wrapped_assert_type(record: _Checked) -> Callable[[Any, Any], Any]:
    def assert_type(value: Any, typ: Any, /) -> Any:
        frame = sys._getframe(1)
        record.asserted += 1
        record.tensors += _asserts_tensor(typ)
        error = runtime_type_error(value, typ)
        if error is not None:
            assert record.failures is not None
            record.failures.append(f"line {frame.f_lineno}: assert_type(..., {typ}): {error}")
        return value

    return assert_type


def _execute(program: Path) -> dict[str, object]:
    """Run ``program`` with ``assert_type`` checked against the run-time values."""
    import typing_extensions

    record = _Checked(failures=[])
    patched = _wrapped_assert_type(record)
    saved = typing.assert_type, typing_extensions.assert_type
    typing.assert_type = typing_extensions.assert_type = patched  # type: ignore[assignment]
    error = None
    try:
        runpy.run_path(str(program), run_name="__main__")
    except BaseException as e:
        import traceback

        error = "".join(traceback.format_exception(e))[-3000:]
    finally:
        typing.assert_type, typing_extensions.assert_type = saved
    return {
        "asserted": record.asserted,
        "tensors": record.tensors,
        "failures": record.failures,
        "error": error,
    }


def execute_programs(programs: list[Path]) -> dict[str, dict[str, Any]]:
    """Run each program in one fresh interpreter (this file as a script); a report each."""
    proc = subprocess.run(
        [sys.executable, __file__, "--execute", *map(str, programs)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"the runner failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    report: dict[str, dict[str, Any]] = json.loads(proc.stdout.splitlines()[-1])
    return report


def _passing_programs() -> list[Path]:
    return sorted({p for s in SUITES if not s.must_fail for p in s.programs()})


@functools.cache
def _execution_report() -> dict[str, dict[str, Any]]:
    return execute_programs(_passing_programs())


@pytest.mark.parametrize(
    "program", _passing_programs(), ids=lambda p: p.relative_to(PROGRAMS).as_posix()
)
def test_program_runs(program: Path) -> None:
    """A passing program runs without error, and each ``Tensor[...]`` it asserts holds for the
    value at run time (a differential test of the checkers' types against the runtime)."""
    r = _execution_report()[str(program)]
    assert r["error"] is None, f"{program.name} raised:\n{r['error']}"
    assert not r["failures"], f"{program.name}: static types the run time disproves:\n" + "\n".join(
        r["failures"]
    )
    if program.parent == PLUGIN_PASS.directory:
        assert r["tensors"] > 0, f"{program.name} asserts no Tensor type"


def test_runtime_check_fires(tmp_path: Path) -> None:
    """A wrong size, rank or tape in an ``assert_type`` (from typing or typing_extensions) is
    caught by the run; right ones, TypeVars and Dyn sizes are not."""
    program = tmp_path / "wrong.py"
    program.write_text(
        "from typing import Any, Literal as L, TypeVar, TypeVarTuple, assert_type\n"
        "import typing_extensions\n"
        "import dfdx as dx\n"
        "from dfdx import Dyn, NoneTape, OwnedTape, Tensor\n"
        "B = TypeVar('B', bound=int)\n"
        "S = TypeVarTuple('S')\n"
        "a = dx.zeros(3, 4)\n"
        "assert_type(a, Tensor[L[3], L[4], NoneTape])\n"  # 8: right
        "assert_type(a, Tensor[B, Dyn, NoneTape])\n"  # 9: right
        "assert_type(a, Tensor[*tuple[Any, ...], NoneTape])\n"  # 10: right
        "assert_type(a, Tensor[*S, L[4], NoneTape])\n"  # 11: right
        "assert_type(a, Tensor[L[3], L[5], NoneTape])\n"  # 12: size
        "typing_extensions.assert_type(a, Tensor[L[3], NoneTape])\n"  # 13: rank
        "assert_type(a, Tensor[L[3], L[4], OwnedTape])\n"  # 14: tape
        "assert_type(a.trace(), Tensor[L[3], L[4], NoneTape])\n"  # 15: tape
        "assert_type(a, Tensor[*S, L[3], NoneTape])\n"  # 16: size after an unpacked *S
        "assert_type(a, Tensor[L[1], L[2], *tuple[Any, ...], NoneTape])\n"  # 17: rank
        "assert_type(a, Tensor[L[3], L[4], NoneTape] | None)\n"  # 18: right
        "assert_type(1.0, Tensor[NoneTape])\n"  # 19: not a tensor
    )
    r = execute_programs([program])[str(program)]
    assert r["error"] is None, r["error"]
    assert r["asserted"] == 12
    lines = sorted(int(f.split(":")[0].removeprefix("line ")) for f in r["failures"])
    assert lines == [12, 13, 14, 15, 16, 17, 19], r["failures"]


def test_runtime_type_error() -> None:
    from typing import Literal as L

    import dfdx as dx
    from dfdx import DynTensor, NoneTape, OwnedTape, Tensor

    a = dx.zeros(2, 3)
    assert runtime_type_error(a, Tensor[L[2], L[3], NoneTape]) is None
    assert runtime_type_error(a, DynTensor[NoneTape]) is None
    assert runtime_type_error(a, Tensor[*tuple[L[2], L[3]], NoneTape]) is None
    assert runtime_type_error(a, Tensor[*tuple[L[2], L[4]], NoneTape]) is not None
    assert runtime_type_error(a.sum(), Tensor[OwnedTape]) is not None
    assert runtime_type_error(a.trace().sum(), Tensor[OwnedTape]) is None
    assert runtime_type_error(a, Tensor[L[2], L[3], L[1], NoneTape]) is not None
    assert runtime_type_error(None, Tensor[L[2], NoneTape] | None) is None
    assert runtime_type_error(3.0, float) is None
    assert runtime_type_error(dx.zeros(64), Tensor[dx.Expr[L["32*B"]], NoneTape]) is None
    assert runtime_type_error(dx.zeros(48), Tensor[dx.Expr[L["32*B"]], NoneTape]) is not None
    assert runtime_type_error(dx.zeros(7), Tensor[dx.Expr[L["B*T"]], NoneTape]) is None


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
    assert parse_marker('mypy[misc, dfdx-shape "one, " "two"  "]three"]') == {
        "mypy": Expected(frozenset({"dfdx-shape", "misc"}), ("one, two]three",))
    }
    for bad in ("", "mypyy[misc]", "mypy[]", "mypy[misc] mypy[misc]", "mypy[misc"):
        with pytest.raises(ValueError):
            parse_marker(bad)


def test_marker_continuation(tmp_path: Path) -> None:
    program = tmp_path / "p.py"
    program.write_text(
        'x = 1  # E: mypy[dfdx-shape "add: one "\n'
        '#                "two", misc]\n'
        "    # not a marker\n"
        'y = 2  # E: mypy[arg-type "z"]\n'
        "# a comment after a closed marker is not part of it ]\n"
    )
    assert markers(program) == {
        1: {"mypy": Expected(frozenset({"dfdx-shape", "misc"}), ("add: one two",))},
        4: {"mypy": Expected(frozenset({"arg-type"}), ("z",))},
    }


def _main(argv: list[str]) -> None:
    """``python tests/test_typecheck.py --execute PROGRAM...``: run the programs, print a JSON
    report (see :func:`_execute`) on the last line."""
    assert argv[0] == "--execute"
    sys.path.insert(0, str(ROOT))
    report = {}
    for program in argv[1:]:
        report[program] = _execute(Path(program))
    sys.stdout.flush()
    print("\n" + json.dumps(report))


if __name__ == "__main__":
    _main(sys.argv[1:])
