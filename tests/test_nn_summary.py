"""``dx.nn.summary``: one row per module (path, type, output shape, own parameters), the
totals, and a forward pass that leaves the model exactly as it was."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dfdx as dx
from dfdx import nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
        self.blocks = nn.ModuleList([nn.Linear(4 * 6 * 6, 16), nn.Linear(16, 16)])
        self.act = nn.ReLU()
        self.unused = nn.Linear(2, 2)
        self.head = nn.Linear(16, 3)

    def forward(self, x: Any) -> Any:
        h = self.stem(x).flatten(1)
        for block in self.blocks:
            h = self.act(block(h))
        return self.head(h)


def _rows(text: str) -> list[list[str]]:
    """The table's body, each row split on runs of 2+ spaces."""
    lines = text.splitlines()
    body = lines[2 : lines.index(lines[1], 2)]
    return [re.split(r"\s{2,}", line.strip()) for line in body]


def test_rows_name_type_shape_and_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    text = nn.summary(Net(), dx.randn(2, 1, 8, 8))
    assert capsys.readouterr().out == text + "\n"
    assert text.splitlines()[0].split() == ["Layer", "Type", "Output", "shape", "Params"]
    assert _rows(text) == [
        ["Net", "Net", "Tensor[2, 3]", "--"],
        ["stem", "Sequential", "Tensor[2, 4, 6, 6]", "--"],
        ["stem.0", "Conv2d", "Tensor[2, 4, 6, 6]", "40"],
        ["stem.1", "BatchNorm2d", "Tensor[2, 4, 6, 6]", "8"],
        ["stem.2", "ReLU", "Tensor[2, 4, 6, 6]", "0"],
        ["blocks", "ModuleList", "--", "--"],
        ["blocks.0", "Linear", "Tensor[2, 16]", "2,320"],
        ["blocks.1", "Linear", "Tensor[2, 16]", "272"],
        ["act", "ReLU", "Tensor[2, 16] (x2 calls)", "0"],
        ["unused", "Linear", "--", "6"],
        ["head", "Linear", "Tensor[2, 3]", "51"],
    ]
    total = 40 + 8 + 2320 + 272 + 6 + 51
    assert text.splitlines()[-2:] == [f"Total params: {total:,}", "Buffers: 9 values"]
    assert Net().num_parameters() == total


def test_nesting_is_indented() -> None:
    text = nn.summary(nn.Sequential(nn.Linear(3, 2)), dx.zeros(1, 3), verbose=False)
    lines = text.splitlines()
    assert lines[2].startswith("Sequential ")
    assert lines[3].startswith("  0 ")


def test_sequential_summary_matches_its_layers() -> None:
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    rows = _rows(nn.summary(model, dx.zeros(32, 784), verbose=False))
    assert rows[1:] == [
        ["0", "Linear", "Tensor[32, 512]", "401,920"],
        ["1", "ReLU", "Tensor[32, 512]", "0"],
        ["2", "Linear", "Tensor[32, 10]", "5,130"],
    ]


def test_the_model_is_left_as_it_was() -> None:
    model = Net()
    model.train()
    model.blocks.eval()
    before = model.state_dict()
    modes = [m.training for m in model.modules()]
    original_call = nn.Linear.__call__
    nn.summary(model, dx.randn(2, 1, 8, 8), verbose=False)
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)  # running stats untouched
    assert [m.training for m in model.modules()] == modes
    assert nn.Linear.__call__ is original_call
    assert "__call__" not in vars(Net)  # Net inherits Module.__call__: nothing left behind


def test_an_error_in_forward_restores_everything() -> None:
    model = Net()
    original_call = nn.Sequential.__call__
    with pytest.raises(dx.ShapeError):
        nn.summary(model, dx.randn(2, 3, 8, 8))  # stem takes 1 channel
    assert nn.Sequential.__call__ is original_call
    assert "__call__" not in vars(Net)
    assert model.training


def test_summary_errors() -> None:
    with pytest.raises(TypeError, match=r"summary: expected a dx\.nn\.Module, got int"):
        nn.summary(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="summary: input 0 is traced"):
        nn.summary(nn.ReLU(), dx.zeros(2).trace())


def test_the_table_in_the_docs_is_the_real_one() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "nn.md").read_text()
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    text = nn.summary(model, dx.zeros(32, 784), verbose=False)
    assert f"```text\n{text}\n```" in doc
