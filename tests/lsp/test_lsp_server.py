"""dfdx-lsp end to end: a server process, driven by pygls' client over stdio, on a workspace
with its own strict mypy.ini. One server serves the tests of this module (a cold start
type-checks dfdx itself); each test opens its own file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("pygls")

from _session import Session
from lsprotocol import types as lsp

CONFIG = """\
[mypy]
strict = True
plugins = dfdx_mypy_plugin

[mypy-dfdx.*]
follow_imports = silent

[mypy-dfdx_mypy_plugin.*]
follow_imports = silent
"""

MODEL = """\
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor
from dfdx.nn import Linear, ReLU, Sequential

x: Tensor[L[32], L[784], NoneTape] = dx.randn(32, 784)
w: Tensor[L[100], L[10], NoneTape] = dx.randn(100, 10)
logits = x.trace() @ w
mlp = Sequential(Linear(784, 512), ReLU(), Linear(512, 10))
y = mlp(x.trace())
for row in [x, x]:
    print(row)
"""
MISTAKE_LINE = 8  # 0-based: `logits = x.trace() @ w`


def _text(hover: lsp.Hover | None) -> str:
    assert hover is not None
    assert isinstance(hover.contents, lsp.MarkupContent)
    return hover.contents.value


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    root = tmp_path_factory.mktemp("workspace")
    (root / "mypy.ini").write_text(CONFIG)
    s = Session(root)
    yield s
    s.close()


def _open(session: Session, name: str, text: str) -> str:
    path = session.root / name
    path.write_text(text)
    return session.open(path)


def test_shape_mistake_is_underlined_where_it_is(session: Session) -> None:
    uri = _open(session, "mistake.py", MODEL)
    diags = session.wait_diagnostics(uri, lambda d: len(d) > 0, "diagnostics")
    (diag,) = diags
    assert diag.code == "dfdx-shape"
    assert diag.message == (
        "matmul: inner sizes differ: Tensor[32, 784] @ Tensor[100, 10] (784 != 100)"
    )
    line = MODEL.splitlines()[MISTAKE_LINE]
    start = line.index("x.trace()")
    assert diag.range == lsp.Range(
        lsp.Position(MISTAKE_LINE, start), lsp.Position(MISTAKE_LINE, len(line))
    )
    assert "mypy configuration: mypy.ini" in "\n".join(session.log)


def test_hover_reads_the_plugins_shape(session: Session) -> None:
    uri = _open(session, "hover.py", MODEL)
    session.wait_diagnostics(uri, lambda d: len(d) > 0, "the first check")
    y_line = MODEL.splitlines().index("y = mlp(x.trace())")
    text = _text(session.hover(uri, y_line, 0))
    assert "Tensor[32, 10] · traced" in text
    assert "Tensor[Literal[32], Literal[10], OwnedTape]" in text
    seq = MODEL.splitlines()[y_line - 1]
    layer = _text(session.hover(uri, y_line - 1, seq.index(")")))  # Linear(784, 512)
    assert "Linear[784, 512]" in layer
    assert session.hover(uri, 1, 0) is None  # a blank line


def test_inlay_hints_give_shapes_and_layer_outputs(session: Session) -> None:
    uri = _open(session, "hints.py", MODEL.replace("[100]", "[784]"))
    lines = MODEL.splitlines()
    hints = {(h.position.line, h.position.character): h.label for h in session.inlay_hints(uri)}
    y = lines.index("y = mlp(x.trace())")
    assert hints[(y, len(lines[y]))] == ": [32, 10] traced"
    assert hints[(MISTAKE_LINE, len(lines[MISTAKE_LINE]))] == ": [32, 10] traced"
    seq = lines[y - 1]
    assert hints[(y - 1, seq.index(", ReLU"))] == "→ [32, 512] traced"
    assert hints[(y - 1, seq.index(", Linear(512"))] == "→ [32, 512] traced"
    assert hints[(y - 1, len(seq) - 1)] == "→ [32, 10] traced"
    loop = lines.index("for row in [x, x]:")
    assert hints[(loop, len("for row"))] == ": [32, 784]"
    # annotated assignments carry their type already
    assert not any(line in (6, 7) for line, _ in hints)


def test_edits_update_diagnostics_and_hover_before_saving(session: Session) -> None:
    uri = _open(session, "edit.py", MODEL)
    session.wait_diagnostics(uri, lambda d: len(d) == 1, "the mistake")
    fixed = MODEL.replace("L[100], L[10]", "L[784], L[10]").replace("(100, 10)", "(784, 10)")
    session.change(uri, fixed)
    session.wait_diagnostics(uri, lambda d: len(d) == 0, "the fix to clear the diagnostic")
    wider = fixed.replace("L[10], NoneTape]", "L[20], NoneTape]").replace("(784, 10)", "(784, 20)")
    session.change(uri, wider)
    # asked at once after the edit: the hover answers for the unsaved text
    assert "Tensor[32, 20] · traced" in _text(session.hover(uri, MISTAKE_LINE, 0))
    broken = wider.replace("Linear(784, 512)", "Linear(700, 512)")
    session.change(uri, broken)
    diags = session.wait_diagnostics(uri, lambda d: len(d) > 0, "the new mistake")
    assert [d.code for d in diags] == ["dfdx-shape"]
    assert "takes 700 features" in diags[0].message


def test_broken_file_keeps_the_server_and_recovers(session: Session) -> None:
    uri = _open(session, "broken.py", MODEL + "z = (\n")
    diags = session.wait_diagnostics(uri, lambda d: len(d) > 0, "the syntax error")
    assert [d.code for d in diags] == ["syntax"]
    session.hover(uri, 0, 0)  # answers (with whatever it knows) rather than failing
    assert session.alive()
    session.change(uri, MODEL)
    session.wait_diagnostics(uri, lambda d: [x.code for x in d] == ["dfdx-shape"], "recovery")
    assert "Tensor[32, 784] · untraced" in _text(session.hover(uri, 6, 0))


def test_users_configuration_is_the_one_checked(session: Session) -> None:
    uri = _open(session, "untyped.py", "def f(a):\n    return a\n")
    diags = session.wait_diagnostics(uri, lambda d: len(d) > 0, "strict's complaint")
    assert [d.code for d in diags] == ["no-untyped-def"]
