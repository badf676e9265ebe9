"""The plugin's guarded hooks: an unexpected exception inside them reaches mypy (an internal
error with its traceback) under ``DFDX_PLUGIN_DEBUG=1``, as the project's tests run it, and
is swallowed otherwise, leaving mypy's own answer (docs/plugin.md, "Robustness and cost").

A failure inside the blame of a user's module call (``at_argument``, reached from the
``__call__`` signature hook) once fell back to mypy's ``arg-type`` silently even under
``DFDX_PLUGIN_DEBUG=1``: a rule run as a trial (``_joined_values._fits``), which type-checks
the call's sub-expressions and so runs their hooks, swallowed every exception. These tests
make the blame fail on purpose."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from mypy.errors import Errors
from mypy.messages import MessageBuilder
from mypy.nodes import NameExpr
from mypy.options import Options
from mypy.types import AnyType, TypeOfAny

from dfdx_mypy_plugin import _joined_values
from dfdx_mypy_plugin._types import Unknown
from dfdx_mypy_plugin.rules import Call
from dfdx_mypy_plugin.shapes import ShapeError

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "tests" / "typecheck" / "mypy_plugin.ini"

PROGRAM = """
from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Head(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = dx.nn.Linear(16, 4)

    def forward(self, x: Tensor[B, L[16], T]) -> Tensor[B, L[4], T]:
        return self.proj(x)


def run(heads: dx.nn.ModuleList[Head]) -> None:
    y = dx.zeros(8, 15)
    for head in heads:
        head(y)
"""

# mypy run in-process after the blame of a user module's call is made to fail
RUNNER = """
import sys

import dfdx_mypy_plugin.rules.nn as nn
from mypy import api


def failing(*args: object) -> object:
    raise RuntimeError("the blame failed")


nn.at_argument = failing
out, err, status = api.run(sys.argv[1:])
print(out)
print(err)
print("exit status", status)
"""


def _mypy_with_failing_blame(tmp_path: Path, debug: bool) -> str:
    program = tmp_path / "program.py"
    program.write_text(textwrap.dedent(PROGRAM))
    env = {k: v for k, v in os.environ.items() if k != "DFDX_PLUGIN_DEBUG"}
    if debug:
        env["DFDX_PLUGIN_DEBUG"] = "1"
    argv = [sys.executable, "-c", RUNNER, "--config-file", str(CONFIG), "--show-traceback"]
    argv += ["--no-incremental", "--cache-dir", os.devnull, str(program)]
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc.stdout


def test_a_failing_blame_crashes_mypy_under_debug(tmp_path: Path) -> None:
    output = _mypy_with_failing_blame(tmp_path, debug=True)
    # mypy's internal error: its exit status 2 and the plugin's traceback
    assert "exit status 2" in output, output
    assert "RuntimeError: the blame failed" in output, output


def test_a_failing_blame_leaves_mypys_answer_otherwise(tmp_path: Path) -> None:
    output = _mypy_with_failing_blame(tmp_path, debug=False)
    assert "the blame failed" not in output, output
    assert "exit status 1" in output, output
    # the plugin's error was reported before the blame; mypy's own follows (the fallback)
    assert "Head: x takes Tensor[B, 16], got Tensor[8, 15] (15 != 16)  [dfdx-shape]" in output
    assert "[arg-type]" in output, output


# ---- the trials of _joined_values ------------------------------------------------------


def _call() -> Call:
    api: Any = type("Api", (), {"msg": MessageBuilder(Errors(Options()), {})})()
    anything = AnyType(TypeOfAny.special_form)
    return Call("add", [anything], [None], {}, {}, anything, api, NameExpr("x"))


def _raising(error: Exception) -> Any:
    def rule(call: Call) -> Any:
        raise error

    return rule


@pytest.mark.parametrize("debug", [True, False])
def test_a_trial_tells_fit_from_misfit_and_unknown(
    monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    monkeypatch.setattr(_joined_values, "DEBUG", debug)
    call = _call()
    assert _joined_values._fits(_raising(ShapeError("add: shapes differ")), call) is False
    assert _joined_values._fits(_raising(Unknown()), call) is True  # not known to fail
    assert _joined_values._fits(lambda c: c.default, call) is True


def test_a_trial_lets_a_bug_out_under_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_joined_values, "DEBUG", True)
    with pytest.raises(RuntimeError, match="a bug"):
        _joined_values._fits(_raising(RuntimeError("a bug")), _call())


def test_a_trial_swallows_a_bug_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_joined_values, "DEBUG", False)
    assert _joined_values._fits(_raising(RuntimeError("a bug")), _call()) is True
