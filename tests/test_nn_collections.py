"""``ModuleList`` and ``ModuleDict``: PyTorch's state_dict names, list and dict behaviour,
parameters reaching the optimizer, and errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dfdx as dx
from dfdx import nn


class Tower(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        self.heads = nn.ModuleDict({"score": nn.Linear(4, 1), "norm": nn.LayerNorm(4)})

    def forward(self, x: Any) -> Any:
        for block in self.blocks:
            x = block(x).relu()
        return self.heads["score"](self.heads["norm"](x))


TOWER_KEYS = [
    "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias", "blocks.2.weight",
    "blocks.2.bias", "heads.score.weight", "heads.score.bias", "heads.norm.weight",
    "heads.norm.bias",
]  # fmt: skip


def test_state_dict_names_are_pytorchs() -> None:
    assert list(Tower().state_dict()) == TOWER_KEYS
    assert list(nn.ModuleList([nn.Linear(2, 2)]).state_dict()) == ["0.weight", "0.bias"]


def test_state_dict_names_equal_torchs_live(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")

    class TorchTower(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.blocks = torch.nn.ModuleList([torch.nn.Linear(4, 4) for _ in range(3)])
            self.heads = torch.nn.ModuleDict(
                {"score": torch.nn.Linear(4, 1), "norm": torch.nn.LayerNorm(4)}
            )

        def forward(self, x: Any) -> Any:
            for block in self.blocks:
                x = block(x).relu()
            return self.heads["score"](self.heads["norm"](x))

    tm = TorchTower()
    assert list(tm.state_dict()) == TOWER_KEYS
    model = Tower()
    path = tmp_path / "t.npz"
    np.savez(path, **{k: v.detach().numpy() for k, v in tm.state_dict().items()})
    model.load(path)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    with torch.no_grad():
        want = tm(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(dx.tensor(x)).numpy(), want, rtol=1e-5, atol=1e-6)


def test_every_parameter_reaches_the_optimizer() -> None:
    model = Tower()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    grads = model(dx.randn(6, 4, rng=np.random.default_rng(1)).trace()).square().sum().backward()
    dx.optim.SGD(model, lr=0.1).update(model, grads)
    after = model.state_dict()
    assert all(not np.array_equal(before[k], after[k]) for k in TOWER_KEYS)


def test_module_list_is_a_list() -> None:
    a, b, c = nn.Linear(1, 1), nn.ReLU(), nn.Tanh()
    ml: nn.ModuleList[nn.Module] = nn.ModuleList([a])
    assert ml.append(b) is ml
    ml.extend([c])
    assert len(ml) == 3 and list(ml) == [a, b, c]
    assert ml[0] is a and ml[-1] is c
    assert list(ml[1:]) == [b, c] and isinstance(ml[1:], nn.ModuleList)
    ml.insert(0, c)
    assert list(ml) == [c, a, b, c]
    del ml[0]
    ml[2] = a
    assert list(ml) == [a, b, a]
    assert list(ml + nn.ModuleList([c])) == [a, b, a, c]
    assert list(ml.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [n for n, _ in ml.named_parameters()] == ["0.weight", "0.bias"]  # shared: once
    assert "(1): ReLU()" in repr(ml)


def test_empty_containers_are_filled_later() -> None:
    """``ModuleList()`` / ``ModuleDict()`` (or ``None``, PyTorch's default) start empty and
    hold ``Module``s without an annotation (both checkers)."""
    blocks = nn.ModuleList()
    for width in (2, 3):
        blocks.append(nn.Linear(width, width))
    assert [m.in_features for m in blocks if isinstance(m, nn.Linear)] == [2, 3]
    assert len(nn.ModuleList(None)) == 0 and len(nn.ModuleDict(None)) == 0
    heads = nn.ModuleDict()
    heads["out"] = nn.ReLU()
    assert list(heads) == ["out"]


def test_module_dict_is_a_dict() -> None:
    a, b = nn.Linear(1, 1), nn.ReLU()
    md: nn.ModuleDict[nn.Module] = nn.ModuleDict([("a", a)])
    md["b"] = b
    assert list(md) == ["a", "b"] and list(md.keys()) == ["a", "b"]
    assert list(md.values()) == [a, b] and list(md.items()) == [("a", a), ("b", b)]
    assert "a" in md and "c" not in md and len(md) == 2
    md.update({"a": b, "c": a})
    assert list(md.items()) == [("a", b), ("b", b), ("c", a)]
    assert md.pop("b") is b
    del md["a"]
    assert list(md.state_dict()) == ["c.weight", "c.bias"]
    md.clear()
    assert len(md) == 0


def test_containers_have_no_forward() -> None:
    with pytest.raises(NotImplementedError, match="ModuleList defines no forward"):
        nn.ModuleList([nn.ReLU()])(dx.zeros(1))
    with pytest.raises(NotImplementedError, match="ModuleDict defines no forward"):
        nn.ModuleDict({"a": nn.ReLU()})(dx.zeros(1))


def test_errors() -> None:
    ml: Any = nn.ModuleList([nn.ReLU()])
    with pytest.raises(TypeError, match="ModuleList: item 1 must be a dx\\.nn\\.Module, got int"):
        ml.append(3)
    with pytest.raises(IndexError, match="ModuleList: index 5 is out of range for 1 modules"):
        ml[5]
    with pytest.raises(TypeError, match="ModuleList: indices must be ints or slices, got str"):
        ml["0"]
    with pytest.raises(TypeError, match="expected an iterable of modules, got a single module"):
        nn.ModuleList(nn.ReLU())  # type: ignore[call-overload]
    md: Any = nn.ModuleDict()
    with pytest.raises(KeyError, match=re.escape("contain no '.', got 'a.b'")):
        md["a.b"] = nn.ReLU()
    with pytest.raises(TypeError, match="ModuleDict: keys must be strings, got int"):
        md[1] = nn.ReLU()
    with pytest.raises(TypeError, match="ModuleDict: item 'x' must be a dx\\.nn\\.Module, got str"):
        md["x"] = "relu"
    with pytest.raises(KeyError, match="ModuleDict: no module named 'x'"):
        md["x"]
    with pytest.raises(TypeError, match=re.escape("element 0 is a str, not a (key, module) pair")):
        nn.ModuleDict(["ab"])  # type: ignore[list-item]
