"""Buffers (``Module.register_buffer``), ``named_modules`` and ``Module.apply``: saved and
loaded but never trained, any dtype, PyTorch's names and order."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dfdx as dx
from dfdx import nn


def _upper(n: int) -> Any:
    """A causal mask: True above the diagonal (the positions a query must not see)."""
    return dx.tensor(np.triu(np.ones((n, n), dtype=bool), k=1))


class Masked(nn.Module):
    """A causal mask (bool), a persistent float buffer and a scratch one that is not saved."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.register_buffer("mask", _upper(4))
        self.register_buffer("scale", dx.full((4,), 2.0))
        self.register_buffer("cache", dx.zeros(4), persistent=False)

    def forward(self, x: Any) -> Any:
        scores = self.proj(x) * self.scale
        return scores.masked_fill(self.mask, 0.0)


def test_buffers_are_saved_but_never_parameters() -> None:
    m = Masked()
    assert [n for n, _ in m.named_parameters()] == ["proj.weight", "proj.bias"]
    assert [n for n, _ in m.named_buffers()] == ["mask", "scale", "cache"]
    assert m.num_parameters() == 4 * 4 + 4
    assert list(m.state_dict()) == ["proj.weight", "proj.bias", "mask", "scale"]
    assert m.state_dict()["mask"].dtype == np.bool_
    assert next(iter(m.buffers())) is m.mask


def test_a_bool_buffer_does_not_reach_the_optimizer() -> None:
    m = Masked()
    opt = dx.optim.AdamW(m, lr=0.1)
    x = dx.randn(2, 4, 4, rng=np.random.default_rng(0)).trace()
    mask_before = m.mask.numpy().copy()
    grads = m(x).square().sum().backward()
    opt.update(m, grads)
    np.testing.assert_array_equal(m.mask.numpy(), mask_before)


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_persistent_buffers_round_trip_and_others_stay(tmp_path: Path, suffix: str) -> None:
    src, dst = Masked(), Masked()
    src.scale._data[...] = 5.0
    src.mask._data[...] = False
    src.cache._data[...] = 9.0
    path = tmp_path / f"m{suffix}"
    src.save(path)
    dst.load(path)
    np.testing.assert_array_equal(dst.scale.numpy(), np.full(4, 5.0, np.float32))
    assert not dst.mask.numpy().any()
    np.testing.assert_array_equal(dst.cache.numpy(), np.zeros(4, np.float32))  # not saved


def test_load_state_dict_moves_buffers_and_checks_them() -> None:
    m = Masked()
    state = m.state_dict()
    state["scale"] = np.arange(4, dtype=np.float32)
    m.load_state_dict(state)
    np.testing.assert_array_equal(m.scale.numpy(), np.arange(4, dtype=np.float32))
    del state["mask"]
    with pytest.raises(nn.LoadError, match="missing key 'mask'"):
        m.load_state_dict(state)
    state = m.state_dict()
    state["cache"] = np.zeros(4, np.float32)
    with pytest.raises(nn.LoadError, match="unexpected key 'cache'"):
        m.load_state_dict(state)


def test_to_converts_float_buffers_only() -> None:
    m = Masked().to(dx.float64)
    assert m.scale.dtype == dx.float64 and m.cache.dtype == dx.float64
    assert m.mask.dtype == dx.bool_


def test_assigning_a_buffer_field_keeps_it_a_buffer() -> None:
    m = Masked()
    m.scale = dx.ones(4)
    assert "scale" in dict(m.named_buffers())
    assert "scale" not in dict(m.named_parameters())
    m.register_buffer("scale", dx.zeros(4))  # registering again replaces it
    np.testing.assert_array_equal(m.scale.numpy(), np.zeros(4, np.float32))


def test_a_none_buffer_is_not_saved() -> None:
    m = Masked()
    m.register_buffer("empty", None)
    assert m.empty is None  # type: ignore[attr-defined]
    assert "empty" not in m.state_dict()


def test_a_plain_bool_field_is_refused_as_a_parameter() -> None:
    class Bad(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.mask = _upper(3)

    with pytest.raises(TypeError) as info:
        dx.optim.AdamW(Bad(), lr=0.1)
    assert str(info.value) == (
        "parameter 'mask' is a bool tensor; parameters are float32 or float64: make it a "
        "buffer with self.register_buffer('mask', ...)"
    )


def test_register_buffer_errors() -> None:
    class Early(nn.Module):
        def __init__(self) -> None:
            self.register_buffer("x", dx.zeros(1))
            super().__init__()

    with pytest.raises(AttributeError, match=r"Early.register_buffer\('x'\): call super"):
        Early()
    m = Masked()
    with pytest.raises(KeyError, match="attribute 'proj' already exists"):
        m.register_buffer("proj", dx.zeros(1))
    with pytest.raises(KeyError, match=re.escape("must be an identifier, got 'a.b'")):
        m.register_buffer("a.b", dx.zeros(1))
    with pytest.raises(TypeError, match=re.escape("expected a dx.Tensor or None, got ndarray")):
        m.register_buffer("arr", np.zeros(1))  # type: ignore[arg-type]


def test_batchnorm_statistics_are_buffers_under_pytorch_names() -> None:
    bn = nn.BatchNorm2d(3)
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    assert [n for n, _ in bn.named_buffers()] == [
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ]
    torch = pytest.importorskip("torch")
    assert list(bn.state_dict()) == list(torch.nn.BatchNorm2d(3).state_dict())
    assert [n for n, _ in bn.named_buffers()] == [
        n for n, _ in torch.nn.BatchNorm2d(3).named_buffers()
    ]


# ---- named_modules and apply -------------------------------------------------------------------


def _tree() -> nn.Module:
    return nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))


def test_named_modules_are_pytorch_paths() -> None:
    names = [(path, type(m).__name__) for path, m in _tree().named_modules()]
    assert names == [
        ("", "Sequential"),
        ("0", "Linear"),
        ("1", "Sequential"),
        ("1.0", "ReLU"),
        ("1.1", "Linear"),
    ]
    torch = pytest.importorskip("torch")
    tm = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(3, 1))
    )
    assert names == [(p, type(m).__name__) for p, m in tm.named_modules()]


def test_a_shared_module_is_walked_once() -> None:
    lin = nn.Linear(2, 2)
    assert len(list(nn.Sequential(lin, lin).modules())) == 2


def test_apply_visits_children_first_then_self() -> None:
    seen: list[str] = []
    model = _tree()
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "ReLU", "Linear", "Sequential", "Sequential"]
    torch = pytest.importorskip("torch")
    order: list[str] = []
    tm = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(3, 1))
    )
    tm.apply(lambda m: order.append(type(m).__name__))
    assert seen == order


def test_apply_initialises_every_linear() -> None:
    def init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.ones_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)

    model = _tree().apply(init)
    for name, p in model.named_parameters():
        want = 1.0 if name.endswith("weight") else 0.0
        np.testing.assert_array_equal(p.numpy(), np.full(p.shape, want, np.float32))
