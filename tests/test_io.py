"""``model.save`` / ``model.load``: .npz and .safetensors under PyTorch's state_dict keys,
atomic writes, and loads that check everything before changing anything."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dfdx as dx
from dfdx import nn

SUFFIXES = [".npz", ".safetensors"]


def _model(seed: int = 0) -> nn.Sequential[Any]:
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Linear(4, 6, rng=rng), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 3, rng=rng)
    )


def _trained(seed: int = 0) -> nn.Sequential[Any]:
    m = _model(seed)
    m(dx.randn(8, 4, rng=np.random.default_rng(seed)))  # running statistics move
    return m


def _same(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(np.array_equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    src, dst = _trained(0), _model(1)
    path = tmp_path / f"model{suffix}"
    src.save(path)
    assert not _same(src, dst)
    dst.load(str(path))
    assert _same(src, dst)
    assert dst.state_dict()["1.num_batches_tracked"].dtype == np.int64
    x = dx.randn(5, 4)
    src.eval(), dst.eval()
    np.testing.assert_array_equal(src(x).numpy(), dst(x).numpy())


def test_npz_keys_are_the_state_dict_keys(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    _trained().save(path)
    with np.load(path, allow_pickle=False) as f:
        keys = list(f.files)
    assert keys == [
        "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
        "1.num_batches_tracked", "3.weight", "3.bias",
    ]  # fmt: skip


def test_pytorch_loads_the_saved_npz(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    model = _trained()
    model.eval()
    path = tmp_path / "m.npz"
    model.save(path)
    tm = torch.nn.Sequential(
        torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(), torch.nn.Linear(6, 3)
    )
    with np.load(path, allow_pickle=False) as f:
        tm.load_state_dict({k: torch.from_numpy(v) for k, v in f.items()})
    tm.eval()
    x = np.random.default_rng(3).standard_normal((5, 4)).astype(np.float32)
    with torch.no_grad():
        want = tm(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(dx.tensor(x)).numpy(), want, rtol=1e-5, atol=1e-6)


def test_pytorch_state_dict_loads_into_dfdx(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    tm = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten(), torch.nn.Linear(8, 2))
    path = tmp_path / "t.npz"
    np.savez(path, **{k: v.numpy() for k, v in tm.state_dict().items()})
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 2))
    model.load(path)
    x = np.random.default_rng(4).standard_normal((3, 1, 4, 4)).astype(np.float32)
    with torch.no_grad():
        want = tm(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(dx.tensor(x)).numpy(), want, rtol=1e-5, atol=1e-6)


# ---- loads that fail leave the model as it was -------------------------------------------------


def _write(path: Path, arrays: dict[str, np.ndarray]) -> None:
    if path.suffix == ".npz":
        np.savez(path, **arrays)
    else:
        from safetensors.numpy import save_file

        save_file(arrays, str(path))


def _bad_state(kind: str) -> tuple[dict[str, np.ndarray], str]:
    state = _trained(5).state_dict()
    if kind == "missing":
        del state["1.running_var"]
        return state, "missing key '1.running_var'"
    if kind == "extra":
        state["4.weight"] = np.zeros(3, np.float32)
        return state, "unexpected key '4.weight'"
    if kind == "shape":
        state["3.weight"] = np.zeros((6, 3), np.float32)
        return state, "key '3.weight' has shape Tensor[6, 3], the model's is Tensor[3, 6]"
    assert kind == "dtype"
    state["0.bias"] = state["0.bias"].astype(np.float64)
    return state, "key '0.bias' has dtype float64, the model's is float32"


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("kind", ["missing", "extra", "shape", "dtype"])
def test_bad_file_is_refused_and_the_model_keeps_its_weights(
    tmp_path: Path, suffix: str, kind: str
) -> None:
    state, message = _bad_state(kind)
    path = tmp_path / f"bad{suffix}"
    _write(path, state)
    model = _trained(6)
    before = model.state_dict()
    with pytest.raises(nn.LoadError) as info:
        model.load(path)
    assert message in str(info.value)
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("cut", [0.3, 0.9])
def test_truncated_file_is_refused(tmp_path: Path, suffix: str, cut: float) -> None:
    path = tmp_path / f"m{suffix}"
    _trained().save(path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * cut)])
    model = _model(2)
    before = model.state_dict()
    with pytest.raises(nn.LoadError, match=r"not a valid|cannot be read"):
        model.load(path)
    assert _same_state(before, model.state_dict())


def _same_state(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return all(np.array_equal(a[k], b[k]) for k in a)


def test_corrupted_npz_member_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    _trained().save(path)
    data = bytearray(path.read_bytes())
    # overwrite the middle of the first member's array data (a stored, uncompressed zip)
    start = data.index(b"0.weight.npy") + 200
    data[start : start + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))
    with pytest.raises(nn.LoadError, match=r"key '0\.weight' cannot be read: Bad CRC-32"):
        _model().load(path)


def test_pickled_objects_are_never_loaded(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    np.savez(path, **{"0.weight": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(nn.LoadError, match=r"key '0\.weight' cannot be read"):
        _model().load(path)


def test_garbage_and_missing_files(tmp_path: Path) -> None:
    for name in ("junk.npz", "junk.safetensors"):
        path = tmp_path / name
        path.write_bytes(b"this is not an archive")
        with pytest.raises(nn.LoadError, match="not a valid"):
            _model().load(path)
    with pytest.raises(FileNotFoundError):
        _model().load(tmp_path / "nothing.npz")
    with pytest.raises(ValueError, match=r"unknown file type '\.pt'"):
        _model().save(tmp_path / "model.pt")


# ---- atomic saves ------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_failed_save_keeps_the_old_file_and_leaves_no_temp(
    tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / f"m{suffix}"
    old = _trained(0)
    old.save(path)
    content = path.read_bytes()

    def crash(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        _trained(1).save(path)
    assert path.read_bytes() == content
    assert os.listdir(tmp_path) == [path.name]


def test_save_overwrites_atomically(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    _trained(0).save(path)
    new = _trained(1)
    new.save(path)
    loaded = _model(2)
    loaded.load(path)
    assert _same(new, loaded)
    assert os.listdir(tmp_path) == ["m.npz"]


def test_load_state_dict_checks_too() -> None:
    model = _model()
    state = model.state_dict()
    state["0.weight"] = state["0.weight"][:2]
    with pytest.raises(nn.LoadError, match=r"key '0\.weight' has shape Tensor"):
        model.load_state_dict(state)
