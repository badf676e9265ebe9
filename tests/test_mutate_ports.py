"""The mutation operators of ``tests/typecheck/mutate_ports.py``: every mutant differs from its
source on exactly one line, keeps the line count and still parses; each operator fires on the
construct it names and leaves the rest alone. (Only the operators: running the mutants and mypy
is the script's job, measured, not tested.)"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "typecheck" / "mutate_ports.py"

PROGRAM = """\
import numpy as np

import dfdx as dx
from dfdx.nn import Conv2d, Linear, Module, Sequential  # a comment with "\u00e9" in it

rng = np.random.default_rng(0)


class Block(Module):
    def __init__(self, dim: int, heads: int = 4, p: float = 0.0) -> None:
        super().__init__()
        self.head_dim = dim // heads
        self.conv = Conv2d(dim, 2 * dim, 3, stride=2, padding=1, rng=rng)
        self.layers = Sequential(*[Linear(dim, dim) for _ in range(2)])
        self.proj = Linear(
            dim,
            dim,
        )

    def forward(self, x):
        b, c, h, w = x.shape
        y = self.conv(x).mean(axis=1)
        z = x.sum(axis=-1, keepdims=True)
        t = x.permute(0, 2, 3, 1).reshape(b, h * w, c)
        u = dx.cat([t, t], axis=1)
        return t.transpose(1, 2), y, z, u, x.flatten(1)


def main() -> None:
    d_model = 16
    block = Block(d_model, heads=2, p=d_model / 64)
    x = dx.tensor(rng.standard_normal((2, d_model, 8, 8)))
    block(x)
    pairs = np.concatenate([np.zeros((2, 3)), np.ones((2, 3))], axis=1)
"""


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutate_ports", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutate_ports"] = module
    spec.loader.exec_module(module)
    return module


mp = _load()


def _changed_lines(before: str, after: str) -> list[int]:
    a, b = before.splitlines(), after.splitlines()
    assert len(a) == len(b)
    return [i + 1 for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]


@pytest.mark.parametrize(
    "source",
    [PROGRAM, (ROOT / "tests/typecheck/plugin_pass/port_resnet.py").read_text(encoding="utf-8")],
    ids=["program", "port_resnet"],
)
def test_every_mutant_changes_one_line_and_parses(source: str) -> None:
    muts = mp.mutations(source)
    assert muts
    for m in muts:
        mutant = mp.apply(source, m)
        assert _changed_lines(source, mutant) == [m.line], m
        ast.parse(mutant)
        assert m.kind in mp.KINDS and m.context


def _edits(kind: str) -> set[tuple[int, str, str]]:
    return {
        (m.line, mp.old_text(PROGRAM, m), m.new) for m in mp.mutations(PROGRAM) if m.kind == kind
    }


def test_each_operator_fires_on_its_construct() -> None:
    assert (13, "dim", "dim * 2") in _edits("layer-size-double")
    assert (13, "2 * dim", "(2 * dim) // 2") in _edits("layer-size-halve")
    assert (13, "3", "2") in _edits("conv-option-change")  # kernel_size, by position
    assert (13, "dim, 2 * dim", "2 * dim, dim") in _edits("layer-size-swap")
    assert (14, "dim", "dim + 1") in _edits("layer-size-plus1")  # in a comprehension
    assert (31, "d_model", "d_model + 1") in _edits("layer-size-plus1")  # a user's module
    assert (13, "2", "1") in _edits("conv-option-change")
    assert (13, ", stride=2", "") in _edits("conv-option-drop")
    assert (22, "1", "2") in _edits("reduce-axis")
    assert (22, "", ", keepdims=True") in _edits("reduce-keepdims")
    assert (23, "True", "False") in _edits("reduce-keepdims")
    assert (24, "0, 2", "2, 0") in _edits("permute-axes")
    assert (26, "2", "3") in _edits("permute-axes")  # transpose(1, 2) -> transpose(1, 3)
    assert (25, "1", "2") in _edits("cat-axis")
    assert (24, "h * w", "(h * w) * 2") in _edits("reshape-arg")
    assert (24, ", c", "") in _edits("reshape-drop")
    assert (26, "1", "2") in _edits("reshape-arg")  # flatten(1)
    assert (12, "heads", "(heads + 1)") in _edits("size-arith")
    assert (30, "16", "17") in _edits("size-const")
    assert (10, "4", "5") in _edits("size-const")  # an __init__ parameter's default
    assert (32, "2", "3") in _edits("data-shape")


def test_operators_leave_other_code_alone() -> None:
    muts = mp.mutations(PROGRAM)
    lines = {m.line for m in muts}
    assert not lines & {1, 3, 4, 6, 9, 11}  # imports, the rng, class and super() lines
    assert not any(m.line == 13 and mp.old_text(PROGRAM, m) == "rng" for m in muts)
    # NumPy's concatenate is not dfdx's: its axis is left alone (its shape tuples are data)
    assert not any(m.line == 34 and m.kind == "cat-axis" for m in muts)
    # a parameter annotated float takes no size
    assert not any(m.line == 31 and "/" in mp.old_text(PROGRAM, m) for m in muts)
    assert (31, "2", "4") in _edits("layer-size-double")  # heads=2
    # a call over several lines: each argument mutates on its own line, no swap across lines
    assert (16, "dim", "dim * 2") in _edits("layer-size-double")
    assert not any(m.kind == "layer-size-swap" and m.line in {15, 16, 17} for m in muts)


def test_context_names_function_construct_and_operand() -> None:
    ctx = {(m.line, m.kind, mp.old_text(PROGRAM, m)): m.context for m in mp.mutations(PROGRAM)}
    assert ctx[(14, "layer-size-plus1", "dim")].startswith("__init__ (top model) / comprehension")
    assert ctx[(31, "layer-size-plus1", "d_model")] == "main / plain / user module / local"
    assert ctx[(31, "layer-size-plus1", "2")] == "main / plain / user module / literal"
    assert ctx[(22, "reduce-axis", "1")] == "forward / plain / literal"
    assert ctx[(10, "size-const", "4")].endswith("parameter default / literal")
