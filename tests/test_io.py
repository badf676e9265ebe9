"""``model.save`` / ``model.load``: .npz and .safetensors under PyTorch's state_dict keys,
atomic writes, and loads that check everything before changing anything."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import _helpers
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


def test_conv1d_groupnorm_rmsnorm_round_trip_through_pytorch(tmp_path: Path) -> None:
    """The layers ports reach for (Conv1d, GroupNorm, RMSNorm) saved by dfdx load into PyTorch,
    and PyTorch's state_dict into dfdx, with the same outputs."""
    torch = pytest.importorskip("torch")
    model = nn.Sequential(
        nn.Conv1d(2, 4, 3, padding=1, rng=np.random.default_rng(0)),
        nn.GroupNorm(2, 4),
        nn.Flatten(),
        nn.RMSNorm(20),
    )
    for p in model.parameters():
        p._data += np.random.default_rng(1).standard_normal(p.shape).astype(np.float32)
    tm = torch.nn.Sequential(
        torch.nn.Conv1d(2, 4, 3, padding=1),
        torch.nn.GroupNorm(2, 4),
        torch.nn.Flatten(),
        torch.nn.RMSNorm(20),
    )
    path = tmp_path / "m.npz"
    model.save(path)
    with np.load(path, allow_pickle=False) as f:
        tm.load_state_dict({k: torch.from_numpy(v) for k, v in f.items()})
    x = np.random.default_rng(3).standard_normal((3, 2, 5)).astype(np.float32)
    with torch.no_grad():
        want = tm(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(dx.tensor(x)).numpy(), want, rtol=1e-5, atol=1e-5)
    back = tmp_path / "t.npz"
    np.savez(back, **{k: v.numpy() for k, v in tm.state_dict().items()})
    fresh = nn.Sequential(
        nn.Conv1d(2, 4, 3, padding=1), nn.GroupNorm(2, 4), nn.Flatten(), nn.RMSNorm(20)
    )
    fresh.load(back)
    np.testing.assert_allclose(fresh(dx.tensor(x)).numpy(), want, rtol=1e-5, atol=1e-5)


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


# ---- checkpoints as PyTorch saves them: half precision, other dtypes ---------------------------

FIXTURES = Path(__file__).parent / "fixtures"
HALF_FILES = {"bfloat16": "torch_bf16.safetensors", "float16": "torch_f16.safetensors"}


def _torch_layout(dtype: Any = dx.float32) -> nn.Sequential[Any]:
    """The model of make_torch_safetensors_fixtures.py."""
    return nn.Sequential(
        nn.Linear(3, 4, dtype=dtype),
        nn.BatchNorm1d(4, dtype=dtype),
        nn.ReLU(),
        nn.Linear(4, 2, dtype=dtype),
    )


def _half_expected(half: str) -> dict[str, np.ndarray]:
    with np.load(FIXTURES / "torch_half.npz", allow_pickle=False) as f:
        return {k.split("/", 1)[1]: f[k] for k in f.files if k.startswith(f"{half}/")}


@pytest.mark.parametrize("half", list(HALF_FILES))
@pytest.mark.parametrize("dtype", [dx.float32, dx.float64])
def test_half_precision_safetensors_from_torch_load_converted(half: str, dtype: Any) -> None:
    model = _torch_layout(dtype)
    model.load(FIXTURES / HALF_FILES[half])
    state = model.state_dict()
    want = _half_expected(half)
    assert sorted(state) == sorted(want)
    for key, value in want.items():
        assert state[key].dtype == (dtype if value.dtype.kind == "f" else np.int64), key
        # widening is exact: every half value is a float32 (and a float64)
        np.testing.assert_array_equal(state[key], value.astype(state[key].dtype), err_msg=key)


def test_half_fixtures_are_current() -> None:
    pytest.importorskip("torch")
    script = _helpers.load_fixture_script("make_torch_safetensors_fixtures.py")
    for half in HALF_FILES:
        _helpers.assert_same_arrays(script.expected(half), _half_expected(half), rtol=0, atol=0)


def test_bfloat16_written_by_torch_now_loads(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    tm = torch.nn.Sequential(torch.nn.Linear(5, 3), torch.nn.GELU(), torch.nn.Linear(3, 2))
    path = tmp_path / "bf16.safetensors"
    save_file({k: v.to(torch.bfloat16) for k, v in tm.state_dict().items()}, str(path))
    model = nn.Sequential(nn.Linear(5, 3), nn.GELU(), nn.Linear(3, 2))
    model.load(path)
    for key, value in tm.state_dict().items():
        want = value.to(torch.bfloat16).float().numpy()
        np.testing.assert_array_equal(model.state_dict()[key], want, err_msg=key)


def test_float16_npz_loads_converted(tmp_path: Path) -> None:
    src = _trained()
    path = tmp_path / "half.npz"
    half = {
        k: v.astype(np.float16) if v.dtype.kind == "f" else v for k, v in src.state_dict().items()
    }
    np.savez(path, **half)
    model = _model(3)
    model.load(path)
    for key, value in model.state_dict().items():
        assert value.dtype == src.state_dict()[key].dtype
        np.testing.assert_array_equal(value, half[key].astype(value.dtype))


def test_widening_converts_and_narrowing_is_refused() -> None:
    model = _model().to(dx.float64)
    state = {
        k: v.astype(np.float32) if v.dtype.kind == "f" else v for k, v in model.state_dict().items()
    }
    state["1.num_batches_tracked"] = np.array(3, np.int32)
    model.load_state_dict(state)
    assert model.state_dict()["0.weight"].dtype == np.float64
    assert model.state_dict()["1.num_batches_tracked"] == 3
    state["1.num_batches_tracked"] = np.array(3.0)
    with pytest.raises(
        nn.LoadError,
        match=re.escape("'1.num_batches_tracked' has dtype float64, the model's is int64"),
    ):
        model.load_state_dict(state)


def _safetensors_bytes(entries: dict[str, tuple[str, list[int], bytes]]) -> bytes:
    """A .safetensors file written by hand: ``{key: (dtype, shape, raw bytes)}``."""
    import json

    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    data = b""
    for key, (dtype, shape, raw) in entries.items():
        header[key] = {
            "dtype": dtype,
            "shape": shape,
            "data_offsets": [len(data), len(data) + len(raw)],
        }
        data += raw
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + data


@pytest.mark.parametrize(
    ("dtype", "itemsize"), [("F8_E4M3", 1), ("F8_E5M2", 1), ("C64", 8), ("F4", None)]
)
def test_unsupported_dtypes_are_a_load_error_naming_them(
    tmp_path: Path, dtype: str, itemsize: int | None
) -> None:
    path = tmp_path / "odd.safetensors"
    weight = np.zeros((2, 3), np.float32).tobytes()
    odd = b"\0" * (3 * (itemsize or 1))
    path.write_bytes(_safetensors_bytes({"w": ("F32", [2, 3], weight), "odd": (dtype, [3], odd)}))
    with pytest.raises(nn.LoadError) as info:
        _model().load(path)
    assert f"key 'odd' has dtype {dtype}, which dfdx cannot load (it loads BOOL, U8" in str(
        info.value
    )


def test_float8_written_by_torch_names_its_dtype(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    path = tmp_path / "f8.safetensors"
    save_file({"0.weight": torch.zeros(6, 4).to(torch.float8_e4m3fn)}, str(path))
    with pytest.raises(
        nn.LoadError, match=re.escape("key '0.weight' has dtype F8_E4M3, which dfdx cannot")
    ):
        _model().load(path)


def test_every_numeric_safetensors_dtype_reads_as_written(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    from dfdx.nn._io import load_arrays

    arrays = {
        name: (np.arange(6).reshape(2, 3) % 2 == 1)
        if name == "bool"
        else np.arange(6, dtype=name).reshape(2, 3)
        for name in [
            "bool",
            "uint8",
            "int8",
            "int16",
            "uint16",
            "int32",
            "uint32",
            "int64",
            "uint64",
            "float16",
            "float32",
            "float64",
        ]
    }
    path = tmp_path / "all.safetensors"
    save_file(arrays, str(path))
    loaded = load_arrays(path)
    for name, value in arrays.items():
        assert loaded[name].dtype == value.dtype, name
        np.testing.assert_array_equal(loaded[name], value)
        assert loaded[name].flags.writeable


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (
            {"w": ("F32", [2, 3], b"\0" * 20)},
            "key 'w' of dtype F32 and shape [2, 3] needs 24 bytes, has 20",
        ),
        ({"w": ("F32", [2, -3], b"\0" * 24)}, "key 'w' has a malformed entry"),
    ],
)
def test_malformed_safetensors_are_refused(
    tmp_path: Path, entries: dict[str, tuple[str, list[int], bytes]], message: str
) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(_safetensors_bytes(entries))
    with pytest.raises(nn.LoadError, match=re.escape("not a valid .safetensors file")) as info:
        _model().load(path)
    assert message in str(info.value)


def test_safetensors_holes_and_overlaps_are_refused(tmp_path: Path) -> None:
    import json

    def write(header: dict[str, Any], data: bytes) -> Path:
        text = json.dumps(header).encode()
        path = tmp_path / "h.safetensors"
        path.write_bytes(len(text).to_bytes(8, "little") + text + data)
        return path

    entry = {"dtype": "F32", "shape": [1]}
    overlap = {"a": {**entry, "data_offsets": [0, 4]}, "b": {**entry, "data_offsets": [2, 6]}}
    with pytest.raises(nn.LoadError, match="key 'b' starts at byte 2, the data before ends at 4"):
        _model().load(write(overlap, b"\0" * 8))
    with pytest.raises(nn.LoadError, match="the tensors take 4 bytes of data, the file holds 8"):
        _model().load(write({"a": {**entry, "data_offsets": [0, 4]}}, b"\0" * 8))
    with pytest.raises(nn.LoadError, match="header is not a JSON object"):
        _model().load(write([1, 2], b""))  # type: ignore[arg-type]
