"""The docs cannot rot: every ```python block of README.md and docs/*.md is run and
type-checked.

By default a block is executed (in a fresh namespace, in a temporary folder) and type-checked
by mypy with ``dfdx_mypy_plugin`` (``examples/mypy.ini``: strict), which must report nothing.
An HTML comment on the line before the block changes that (docs/getting-started.md, "Code
blocks in these docs")::

    <!-- docs-test: typecheck -->       type-checked only, not run (it needs files, or is slow)
    <!-- docs-test: run -->             run only, not type-checked
    <!-- docs-test: skip -->            neither (a fragment that does not stand alone)
    <!-- docs-test: continue -->        appended to the block before it, checked together
    <!-- docs-test: raises ShapeError --> run, and it must raise dx.ShapeError (a name in dx,
                                        a builtin, or dotted: jaxtyping.TypeCheckError)
    <!-- docs-test: run raises jaxtyping.TypeCheckError -->   both: run only, and it raises

In a type-checked block, a line whose comment contains ``# error`` or ``: error`` must get a
mypy error, and no other line may.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

import dfdx as dx

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MYPY_CONFIG = ROOT / "examples" / "mypy.ini"

_BLOCK = re.compile(
    r"(?:<!--\s*docs-test:\s*(?P<mode>[^>]*?)\s*-->\s*\n)?^```python[ \t]*\n(?P<code>.*?)^```",
    re.DOTALL | re.MULTILINE,
)
_EXPECTED_ERROR = re.compile(r"#\s*error\b|#.*:\s*error\b")
MODES = ("run", "typecheck", "skip", "continue", "raises")


def _rel(p: Path) -> str:
    return p.relative_to(ROOT).as_posix() if p.is_relative_to(ROOT) else p.name


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int
    """The line of the first line of code in ``doc`` (1-based)."""
    code: str
    run: bool = True
    typecheck: bool = True
    raises: str | None = None

    @property
    def name(self) -> str:
        return f"{_rel(self.doc)}:{self.line}"

    @property
    def module(self) -> str:
        stem = re.sub(r"\W", "_", _rel(self.doc).removesuffix(".md"))
        return f"doc_{stem}_{self.line}"

    def expected_errors(self) -> set[int]:
        """Lines (1-based, in the block) that must get a mypy error."""
        lines = self.code.splitlines()
        return {i + 1 for i, s in enumerate(lines) if _EXPECTED_ERROR.search(s)}


def blocks(doc: Path) -> list[Block]:
    text = doc.read_text()
    out: list[Block] = []
    for m in _BLOCK.finditer(text):
        mode = (m.group("mode") or "").split()
        line = text.count("\n", 0, m.start("code")) + 1
        block = Block(doc, line, m.group("code"))
        words = list(mode)
        raises = None
        if "raises" in words:
            i = words.index("raises")
            if i + 1 >= len(words):
                raise ValueError(f"{doc.name}:{line}: write `docs-test: raises ErrorName`")
            raises = words.pop(i + 1)
        unknown = [w for w in words if w not in MODES]
        if unknown:
            raise ValueError(f"{doc.name}:{line}: unknown docs-test mode {unknown[0]!r}: {MODES}")
        if "skip" in words:
            continue
        if "continue" in words:
            if not out:
                raise ValueError(f"{doc.name}:{line}: docs-test: continue with no block before")
            prev = out.pop()
            gap = "\n" * (line - prev.line - len(prev.code.splitlines()))
            out.append(replace(prev, code=prev.code + gap + block.code))
            continue
        block = replace(
            block,
            run="typecheck" not in words,
            typecheck="run" not in words,
            raises=raises,
        )
        out.append(block)
    return out


BLOCKS = [b for doc in DOCS for b in blocks(doc)]


def _exception(name: str) -> type[BaseException]:
    """``ShapeError`` (dfdx's), ``ValueError`` (a builtin) or ``jaxtyping.TypeCheckError``."""
    if "." in name:
        module, _, attr = name.rpartition(".")
        found = getattr(importlib.import_module(module), attr, None)
    else:
        found = getattr(dx, name, None) or getattr(builtins, name, None)
    if not (isinstance(found, type) and issubclass(found, BaseException)):
        raise ValueError(f"docs-test: raises {name}: no such exception")
    return found


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.run], ids=lambda b: b.name)
def test_doc_block_runs(
    block: Block,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    # the line numbers of a traceback are those of the doc
    code = compile("\n" * (block.line - 1) + block.code, str(block.doc), "exec")
    namespace = {"__name__": "__docs__"}
    if block.raises is None:
        exec(code, namespace)
        return
    with pytest.raises(_exception(block.raises)):
        exec(code, namespace)


def _mypy_cache() -> Path:
    """Shared with tests/test_examples.py, and kept between runs (.mypy_cache/ is ignored)."""
    return ROOT / ".mypy_cache" / "docs-and-examples"


@functools.cache
def _mypy(folder: Path) -> dict[str, dict[int, list[str]]]:
    """mypy's errors for every type-checked block: module -> line in the block -> messages."""
    files = []
    for b in BLOCKS:
        if b.typecheck:
            f = folder / f"{b.module}.py"
            f.write_text(b.code)
            files.append(str(f))
    argv = [sys.executable, "-m", "mypy", "--config-file", str(MYPY_CONFIG)]
    argv += ["--cache-dir", str(_mypy_cache()), "--output", "json", "--no-error-summary"]
    env = {**os.environ, "DFDX_PLUGIN_DEBUG": "1", "NO_COLOR": "1"}
    proc = subprocess.run(
        argv + files, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if proc.returncode not in (0, 1) or "INTERNAL ERROR" in proc.stdout + proc.stderr:
        raise RuntimeError(f"mypy failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    out: dict[str, dict[int, list[str]]] = {}
    for raw in proc.stdout.splitlines():
        if raw.strip():
            d = json.loads(raw)
            if d["severity"] == "error":
                lines = out.setdefault(Path(d["file"]).stem, {})
                lines.setdefault(d["line"], []).append(f"{d['message']}  [{d['code']}]")
    return out


@pytest.fixture(scope="session")
def docs_mypy(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[int, list[str]]]:
    return _mypy(tmp_path_factory.mktemp("doc-blocks"))


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.typecheck], ids=lambda b: b.name)
def test_doc_block_type_checks(block: Block, docs_mypy: dict[str, dict[int, list[str]]]) -> None:
    got = docs_mypy.get(block.module, {})
    expected = block.expected_errors()
    report = "\n".join(
        f"{block.doc.name}:{block.line + n - 1}: {msg}"
        for n, ms in sorted(got.items())
        for msg in ms
    )
    assert set(got) == expected, (
        f"lines with errors {sorted(block.line + n - 1 for n in got)}, expected "
        f"{sorted(block.line + n - 1 for n in expected)}:\n{report}"
    )


def test_block_markers_parse(tmp_path: Path) -> None:
    """The markers are read as documented (a self-check on a small text)."""
    doc = tmp_path / "markers.md"
    text = (
        "```python\nx = 1\n```\n"
        "<!-- docs-test: typecheck -->\n```python\ny = 2  # error: here\n```\n"
        "<!-- docs-test: continue -->\n```python\nz = 3\n```\n"
        "<!-- docs-test: skip -->\n```python\nw\n```\n"
        "<!-- docs-test: raises ShapeError -->\n```python\nv = 4\n```\n"
        "<!-- docs-test: run raises jaxtyping.TypeCheckError -->\n```python\nu = 5\n```\n"
    )
    doc.write_text(text)
    got = blocks(doc)
    assert [(b.line, b.run, b.typecheck, b.raises) for b in got] == [
        (2, True, True, None),
        (6, False, True, None),
        (18, True, True, "ShapeError"),
        (22, True, False, "jaxtyping.TypeCheckError"),
    ]
    assert got[1].code == "y = 2  # error: here\n\n\n\nz = 3\n"
    assert got[1].expected_errors() == {1}
