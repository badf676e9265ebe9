"""dfdx-lsp's pure parts, without a server: mypy's messages read into ranges, the overlay that
serves unsaved buffers to mypy, and ``import dfdx`` staying clear of the server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from dfdx_lsp._config import load_options
from dfdx_lsp._diagnostics import Diagnostic, parse
from dfdx_lsp._overlay import OverlayFileSystemCache

LINES = ["import dfdx as dx", "bad = dx.zeros(4, 5) @ dx.zeros(4, 5)", "    oops = 1"]


def test_a_message_with_an_end_underlines_the_expression(tmp_path: Path) -> None:
    path = str(tmp_path / "m.py")
    message = (
        f"{path}:2:7:2:37: error: matmul: inner sizes differ: Tensor[4, 5] @ Tensor[4, 5] "
        "(5 != 4)  [dfdx-shape]"
    )
    assert parse([message], {path: LINES}) == [
        Diagnostic(
            path, 1, 6, 1, 37, "error",
            "matmul: inner sizes differ: Tensor[4, 5] @ Tensor[4, 5] (5 != 4)", "dfdx-shape",
        )
    ]  # fmt: skip


def test_a_message_with_a_column_only_underlines_the_word_there(tmp_path: Path) -> None:
    path = str(tmp_path / "m.py")
    (d,) = parse([f"{path}:2:7: error: something  [misc]"], {path: LINES})
    assert (d.line, d.column, d.end_line, d.end_column) == (1, 6, 1, len("bad = dx"))
    (empty,) = parse([f"{path}:2:6:2:6: error: '(' was never closed  [syntax]"], {path: LINES})
    assert (empty.column, empty.end_column) == (5, 6)  # never an empty range


def test_a_message_with_a_line_only_underlines_the_lines_text(tmp_path: Path) -> None:
    path = str(tmp_path / "m.py")
    (d,) = parse([f"{path}:3: note: a note"], {path: LINES})
    assert (d.line, d.column, d.end_column, d.severity, d.code) == (
        2,
        4,
        len(LINES[2]),
        "note",
        None,
    )


def test_messages_for_other_files_and_other_lines_are_left_out(tmp_path: Path) -> None:
    path = str(tmp_path / "m.py")
    other = f"{tmp_path / 'other.py'}:1:1:1:2: error: elsewhere  [misc]"
    summary = "Found 1 error in 1 file (checked 1 source file)"
    assert parse([other, summary], {path: LINES}) == []


def test_overlay_serves_the_buffer_and_marks_each_edit_as_a_change(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("on disk\n")
    fs = OverlayFileSystemCache()
    disk_hash = fs.hash_digest(str(path))
    fs.set_buffer(str(path), "in the editor\n")
    assert fs.read(str(path)) == b"in the editor\n"
    first = fs.stat_or_none(str(path))
    assert first is not None and first.st_size == len("in the editor\n")
    fs.set_buffer(str(path), "in the editor!\n")
    second = fs.stat_or_none(str(path))
    assert second is not None and int(second.st_mtime) != int(first.st_mtime)
    assert fs.hash_digest(str(path)) != disk_hash
    fs.drop_buffer(str(path))
    fs.flush()
    assert fs.read(str(path)) == b"on disk\n"


def test_import_dfdx_does_not_import_the_language_server() -> None:
    code = (
        "import sys, dfdx, dfdx.nn; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dfdx_lsp', 'pygls', 'lsprotocol', 'mypy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_without_a_configuration_mypys_defaults_and_the_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_options()
    assert "no mypy configuration found: mypy's defaults" in config.notes
    assert config.options.plugins == ["dfdx_mypy_plugin"]
    assert config.options.config_file is not None  # mypy loads plugins only with one
    assert config.problem is None


def test_a_configuration_without_the_plugin_gets_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "setup.cfg").write_text("[mypy]\nstrict = True\nfollow_imports = silent\n")
    monkeypatch.chdir(tmp_path)
    config = load_options()
    assert config.options.config_file == "setup.cfg"
    assert config.options.plugins == ["dfdx_mypy_plugin"]
    assert config.options.follow_imports == "normal"  # the daemon's engine needs it
    assert config.options.show_error_end and config.options.export_types
