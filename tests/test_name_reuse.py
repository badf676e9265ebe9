"""Names reused PyTorch-style (``h = conv1(x); h = pool(h)``, and an argument rebound in a
tape-generic ``forward``: ``x = self.conv1(x)``): clean under the recommended set-up
(``allow_redefinition_new`` and ``local_partial_types``, as tests/typecheck/mypy_plugin.ini
and examples/mypy.ini set them); without it mypy reports ``[assignment]`` and the plugin adds
a note naming the options, whatever call gives the new tensor."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from dfdx_mypy_plugin._plugin import REDEFINITION_HINT

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "tests" / "typecheck" / "plugin_pass" / "name_reuse.py"
ARGUMENTS = ROOT / "tests" / "typecheck" / "argument_reuse.py"
RECOMMENDED = "allow_redefinition_new = True\nlocal_partial_types = True"
SETTINGS = """[mypy]
python_version = 3.11
strict = True
plugins = dfdx_mypy_plugin
{extra}
[mypy-dfdx.*]
follow_imports = silent
[mypy-dfdx_mypy_plugin.*]
follow_imports = silent
"""


def _mypy(tmp_path: Path, extra: str, program: Path = PROGRAM) -> list[dict[str, object]]:
    config = tmp_path / "mypy.ini"
    config.write_text(SETTINGS.format(extra=extra))
    argv = [sys.executable, "-m", "mypy", "--config-file", str(config), "--output", "json"]
    argv += ["--cache-dir", str(tmp_path / "cache"), "--no-error-summary", str(program)]
    env = {**os.environ, "DFDX_PLUGIN_DEBUG": "1"}
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def test_recommended_set_up_is_clean(tmp_path: Path) -> None:
    out = _mypy(tmp_path, RECOMMENDED)
    assert [d for d in out if d["severity"] == "error"] == []


def test_arguments_rebound_in_a_tape_generic_forward(tmp_path: Path) -> None:
    """mypy checks a body generic in the tape once per tape, on a copy that forgets which
    names are arguments; the plugin makes a rebound argument a local there."""
    out = _mypy(tmp_path, RECOMMENDED, ARGUMENTS)
    assert [d for d in out if d["severity"] == "error"] == []
    # the same program without name reuse: every rebinding of ``x`` to a new shape is an error
    lines = ARGUMENTS.read_text().splitlines()
    rebinds = {i for i, s in enumerate(lines, 1) if s.strip().startswith("x = self.conv1(x)")}
    out = _mypy(tmp_path, "", ARGUMENTS)
    errors = {d["line"] for d in out if d["code"] in ("assignment", "dfdx-shape")}
    assert rebinds <= errors  # a layer's result that does not fit: the plugin's own code


def test_without_it_the_plugin_names_the_options(tmp_path: Path) -> None:
    out = _mypy(tmp_path, "")
    errors = {(d["line"], d["code"]) for d in out if d["severity"] == "error"}
    # (mypy's JSON output gives a note that follows an error on its line as the error's hint:
    # the reshape that does not fit, on the line whose result then cannot rebind the name)
    notes = {
        d["line"]
        for d in out
        if (d["severity"] == "note" and d["message"] == REDEFINITION_HINT)
        or d.get("hint") == REDEFINITION_HINT
    }
    lines = PROGRAM.read_text().splitlines()
    pool = next(i for i, s in enumerate(lines, 1) if s.strip() == "h = dx.max_pool2d(h, 2)")
    grow = next(i for i, s in enumerate(lines, 1) if "seq = dx.concat(" in s)
    assert (pool, "assignment") in errors
    assert {pool, grow} <= notes
    # on every [assignment] between tensors (layer calls, user functions, method chains,
    # binary ops), and only there
    assert notes == {line for line, code in errors if code == "assignment"}
    assert len(notes) >= 8


HIDDEN_NAMES = """
from typing import Generic, TypeVar

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Block(Module, Generic[D]):
    def __init__(self, d: D) -> None:
        super().__init__()
        self.lin = Linear(d, d)

    def forward(self, x: Tensor[B, D, T], scale: float = "one") -> Tensor[B, D, T]:
        x = self.lin(x)
        scale = scale * 2
        reveal_locals()
        return x * scale
"""


def test_rebound_arguments_keep_their_names_in_messages(tmp_path: Path) -> None:
    """The plugin's hidden names for rebound arguments (``x__argument``) never show: not in
    ``reveal_locals()``, which lists what mypy alone lists (each argument with its declared
    type), nor in a message about the argument."""
    program = tmp_path / "hidden_names.py"
    program.write_text(HIDDEN_NAMES)
    out = _mypy(tmp_path, RECOMMENDED, program)
    messages = [str(d["message"]) for d in out]
    assert not [m for m in messages if "__argument" in m or "__dfdx" in m], messages
    assert 'Incompatible default for parameter "scale"' in " ".join(messages)
    local_lines = [m.strip() for m in messages if m.startswith("    ")] or [
        line.strip() for m in messages for line in m.splitlines()[1:]
    ]
    assert local_lines == [
        "scale: float",
        "self: hidden_names.Block[D]",
        "x: dfdx._tensor.Tensor[B, D, T]",
    ], messages
