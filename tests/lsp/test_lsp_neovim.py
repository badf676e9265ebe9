"""Neovim's built-in LSP client attaches dfdx-lsp and shows a hover with a shape (headless;
skipped where ``nvim`` is not installed: CI installs Debian's neovim). The workspace has no
mypy configuration: the server falls back to mypy's defaults plus dfdx_mypy_plugin."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")

NVIM = shutil.which("nvim")
MODEL = """\
import dfdx as dx

x = dx.randn(32, 784).trace()
w = dx.randn(784, 10)
logits = x @ w
bad = x @ dx.randn(100, 10)
"""


@pytest.mark.skipif(NVIM is None, reason="Neovim (nvim) is not installed")
def test_neovim_attaches_and_hovers_a_shape(tmp_path: Path) -> None:
    assert NVIM is not None
    model = tmp_path / "model.py"
    model.write_text(MODEL)
    out = tmp_path / "out.txt"
    script = Path(__file__).with_name("nvim_hover.lua")
    env = {
        **os.environ,
        "DFDX_PYTHON": sys.executable,
        "DFDX_FILE": str(model),
        "DFDX_OUT": str(out),
        "DFDX_LINE": "4",  # logits = x @ w
        "DFDX_COL": "0",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # no user configuration
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    cmd = [NVIM, "--headless", "--clean", "-c", f"luafile {script}"]
    subprocess.run(cmd, env=env, cwd=tmp_path, timeout=240, check=False, capture_output=True)
    lines = out.read_text().splitlines()
    assert lines[0] == "checked: true", lines
    assert "diagnostic 5:6 dfdx-shape" in lines
    assert "Tensor[32, 10] · traced" in lines
    assert "Tensor[Literal[32], Literal[10], OwnedTape]" in lines
