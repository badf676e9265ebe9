"""A configuration that crashes mypy does not stop dfdx-lsp: the editor is told, the server
keeps answering, and a fixed configuration (saved) brings the checks back."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pygls")

from _session import Session

CRASHING_PLUGIN = """\
from mypy.plugin import Plugin


class Crash(Plugin):
    def get_additional_deps(self, file):
        raise RuntimeError("this plugin always crashes")


def plugin(version):
    return Crash
"""


def test_crashing_configuration_is_reported_and_survived(tmp_path: Path) -> None:
    (tmp_path / "crash_plugin.py").write_text(CRASHING_PLUGIN)
    (tmp_path / "mypy.ini").write_text("[mypy]\nplugins = crash_plugin.py, dfdx_mypy_plugin\n")
    model = tmp_path / "model.py"
    model.write_text("import dfdx as dx\n\nbad = dx.zeros(4, 5) @ dx.zeros(4, 5)\n")
    session = Session(tmp_path)
    try:
        uri = session.open(model)
        session.wait_for(lambda: len(session.messages) > 0, "a message to the user")
        assert "mypy crashed" in session.messages[0].message
        assert any("this plugin always crashes" in m for m in session.log)
        assert session.hover(uri, 2, 0) is None
        assert session.inlay_hints(uri) == []
        assert session.alive()

        (tmp_path / "mypy.ini").write_text("[mypy]\nplugins = dfdx_mypy_plugin\n")
        session.save(session.uri(tmp_path / "mypy.ini"))
        diags = session.wait_diagnostics(uri, lambda d: len(d) > 0, "checks after the fix")
        assert [d.code for d in diags] == ["dfdx-shape"]
    finally:
        session.close()
