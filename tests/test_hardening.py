"""Regression tests for the cases the hardening probe found: raw NumPy/Python errors, silent
garbage, unstable numerics and careless file handling. Each raises dfdx's own error naming
the argument and value, or gives PyTorch's result."""

from __future__ import annotations

import math
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dfdx as dx
from dfdx import nn
from dfdx.nn._io import LoadError


def _raises(kind: type[BaseException], match: str, fn: Any) -> None:
    with pytest.raises(kind, match=match):
        fn()


# ---- zero-size inputs --------------------------------------------------------------------------


@pytest.mark.parametrize("op", [dx.softmax, dx.log_softmax])
def test_softmax_of_nothing_is_nothing(op: Any) -> None:
    assert op(dx.zeros(0)).shape == (0,)
    assert op(dx.zeros(3, 0), axis=0).shape == (3, 0)


def test_adaptive_avg_pool_of_a_zero_width_input() -> None:
    _raises(
        dx.ShapeError,
        r"adaptive_avg_pool2d: expected non-zero sizes for every axis but the batch, "
        r"got Tensor\[1, 3, 6, 0\]",
        lambda: dx.adaptive_avg_pool2d(dx.zeros(1, 3, 6, 0), 2),
    )
    assert dx.adaptive_avg_pool2d(dx.zeros(0, 3, 6, 6), 2).shape == (0, 3, 2, 2)
    assert dx.adaptive_avg_pool2d(dx.zeros(1, 0, 6, 6), 2).shape == (1, 0, 2, 2)


def test_conv_transpose_of_a_zero_width_input() -> None:
    _raises(
        dx.ShapeError,
        "conv_transpose2d: expected non-zero sizes",
        lambda: dx.conv_transpose2d(dx.zeros(1, 3, 6, 0), dx.zeros(3, 3, 2, 2)),
    )
    assert dx.conv_transpose2d(dx.zeros(0, 3, 6, 6), dx.zeros(3, 3, 2, 2)).shape == (0, 3, 7, 7)


@pytest.mark.parametrize("w", [(6, 2, 0, 1), (3, 3, 0, 0), (0, 3, 2, 2)])
def test_conv_with_an_empty_weight_raises(w: tuple[int, ...]) -> None:
    x = dx.randn(1, w[1] or 3, 6, 6)
    _raises(
        dx.ShapeError, r"conv2d: the weight has a zero size", lambda: dx.conv2d(x, dx.randn(*w))
    )


def test_conv_and_pool_of_an_empty_batch() -> None:
    assert dx.conv2d(dx.zeros(0, 3, 6, 6), dx.zeros(4, 3, 2, 2)).shape == (0, 4, 5, 5)
    assert dx.max_pool2d(dx.zeros(0, 3, 6, 6), 2).shape == (0, 3, 3, 3)


def test_pooling_that_asks_for_huge_memory() -> None:
    _raises(
        ValueError,
        r"max_pool2d: the padded input would need \d+ elements",
        lambda: dx.max_pool2d(dx.zeros(1, 1, 4, 4), 200_001, padding=100_000),
    )
    _raises(
        ValueError,
        "upsample2d: the output would need",
        lambda: dx.upsample2d(dx.zeros(1, 1, 4, 4), 100_000),
    )


# ---- arguments of the wrong kind ---------------------------------------------------------------


def test_unknown_dtype_name() -> None:
    _raises(dx.DTypeError, "unsupported dtype 'nope': use one of", lambda: dx.ones(2, dtype="nope"))


def test_full_with_a_string() -> None:
    _raises(TypeError, "full: value must be a number, got 'x'", lambda: dx.full((2,), "x"))  # type: ignore[arg-type]
    _raises(
        ValueError, "full: value nan has no int64", lambda: dx.full((2,), math.nan, dtype=dx.int64)
    )
    _raises(ValueError, "does not fit in int64", lambda: dx.full((2,), 2**70))


def test_clamp_with_a_string_bound() -> None:
    _raises(
        TypeError,
        "clamp: min must be a number or a tensor, got 'a'",
        lambda: dx.clamp(dx.zeros(2), min="a"),
    )  # type: ignore[arg-type]


def test_load_state_dict_given_a_list_of_pairs() -> None:
    m = nn.Linear(2, 3)
    pairs: Any = list(m.state_dict().items())
    _raises(
        TypeError,
        "load_state_dict: state must be a mapping .* got list",
        lambda: m.load_state_dict(pairs),
    )


# ---- hyper-parameters that gave garbage --------------------------------------------------------


def test_conv2d_kernel_of_three_sizes() -> None:
    _raises(
        dx.ShapeError,
        r"Conv2d: kernel_size must be an int > 0 or a pair of them, got \(2, 2, 2\)",
        lambda: nn.Conv2d(3, 3, (2, 2, 2)),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("momentum", [math.nan, -0.1, 1.5])
def test_batchnorm_momentum_out_of_range(momentum: float) -> None:
    _raises(
        ValueError,
        "BatchNorm1d: momentum must be in \\[0, 1\\]",
        lambda: nn.BatchNorm1d(3, momentum=momentum),
    )


def test_batchnorm_momentum_none_is_the_cumulative_average() -> None:
    # PyTorch's momentum=None: the running mean is the plain average of the batch means
    bn = nn.BatchNorm1d(2, momentum=None)
    means = []
    for seed in range(3):
        x = dx.randn(5, 2, rng=np.random.default_rng(seed))
        means.append(x.numpy().mean(axis=0))
        bn(x)
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean(means, axis=0), rtol=1e-6)


@pytest.mark.parametrize("eps", [-1.0, 0.0, math.nan, math.inf])
def test_norm_eps_must_be_positive(eps: float) -> None:
    _raises(ValueError, "LayerNorm: eps must be", lambda: nn.LayerNorm(4, eps=eps))
    _raises(ValueError, "BatchNorm2d: eps must be", lambda: nn.BatchNorm2d(4, eps=eps))


@pytest.mark.parametrize("scale", [math.inf, -math.inf, math.nan])
def test_attention_scale_must_be_finite(scale: float) -> None:
    q = dx.randn(2, 3, 4)
    _raises(
        ValueError,
        "scaled_dot_product_attention: scale must be finite",
        lambda: dx.scaled_dot_product_attention(q, q, q, scale=scale),
    )


# ---- numerics ----------------------------------------------------------------------------------


@pytest.mark.parametrize("big", [1e4, 1e6, 1e8])
@pytest.mark.parametrize("dtype", [dx.float32, dx.float64])
def test_log_softmax_of_large_tied_logits(big: float, dtype: Any) -> None:
    y = dx.log_softmax(dx.full((1, 10), big, dtype=dtype)).numpy()
    np.testing.assert_allclose(y, np.full((1, 10), -math.log(10)), rtol=1e-6)
    p = dx.softmax(dx.full((1, 10), big, dtype=dtype)).numpy()
    np.testing.assert_allclose(p, np.full((1, 10), 0.1), rtol=1e-6)


def test_cross_entropy_of_large_tied_logits() -> None:
    loss = dx.losses.cross_entropy_with_logits_loss(dx.full((2, 10), 1e8), dx.tensor([3, 7]))
    assert loss.item() == pytest.approx(math.log(10), rel=1e-6)


def test_adaptive_avg_pool_keeps_inf_and_nan_local() -> None:
    a = np.arange(16.0).reshape(1, 1, 4, 4)
    a[0, 0, 0, 0] = np.inf
    y = dx.adaptive_avg_pool2d(dx.tensor(a), 2).numpy()
    np.testing.assert_array_equal(y[0, 0], [[np.inf, 4.5], [10.5, 12.5]])  # PyTorch's values
    a[0, 0, 0, 0] = np.nan
    y = dx.adaptive_avg_pool2d(dx.tensor(a), (2, 2)).numpy()
    assert np.isnan(y[0, 0, 0, 0]) and np.isfinite(y[0, 0]).sum() == 3


def test_adaptive_avg_pool_gradient_unchanged() -> None:
    x = dx.randn(1, 2, 5, 7, dtype=dx.float64).trace()
    g = dx.adaptive_avg_pool2d(x, (2, 3)).sum().backward()
    np.testing.assert_allclose(g[x].numpy().sum(), 2 * 2 * 3)


# ---- files -------------------------------------------------------------------------------------


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_saved_file_mode_follows_the_umask(tmp_path: Path, suffix: str) -> None:
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")
    path = tmp_path / f"m{suffix}"
    nn.Linear(2, 3).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~_umask()


def test_overwriting_keeps_the_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    nn.Linear(2, 3).save(path)
    path.chmod(0o640)
    nn.Linear(2, 3).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_errors_name_the_users_path(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "m.npz"
    with pytest.raises(FileNotFoundError) as info:
        nn.Linear(2, 3).save(missing)
    assert str(missing) in str(info.value) and ".tmp" not in str(info.value)
    if os.geteuid() != 0:  # root writes anywhere
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
        try:
            with pytest.raises(PermissionError) as perm:
                nn.Linear(2, 3).save(folder / "m.npz")
            assert str(folder / "m.npz") in str(perm.value) and ".tmp" not in str(perm.value)
        finally:
            folder.chmod(0o700)


def test_a_folder_as_the_path(tmp_path: Path) -> None:
    folder = tmp_path / "model.safetensors"
    folder.mkdir()
    _raises(IsADirectoryError, "save: .* is a folder", lambda: nn.Linear(2, 3).save(folder))
    _raises(IsADirectoryError, "load: .* is a folder", lambda: nn.Linear(2, 3).load(folder))


def test_a_symlinked_destination_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.npz"
    link = tmp_path / "link.npz"
    m = nn.Linear(2, 3)
    m.save(real)
    link.symlink_to(real)
    m2 = nn.Linear(2, 3)
    m2.save(link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    m.load(real)
    np.testing.assert_array_equal(m.weight.numpy(), m2.weight.numpy())


def _bomb(path: Path, extra: str, size: int) -> None:
    m = nn.Linear(2, 3)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for key, value in m.state_dict().items():
            with z.open(f"{key}.npy", "w") as f:
                np.lib.format.write_array(f, value)
        with z.open(f"{extra}.npy", "w") as f:
            np.lib.format.write_array(f, np.zeros(size, np.uint8))


def test_npz_member_sizes_are_checked_before_decompressing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.npz"
    _bomb(path, "extra", 1 << 24)  # 16 MiB of zeros: about 16 KiB compressed
    assert path.stat().st_size < 1 << 16
    _raises(
        LoadError,
        "unexpected key 'extra' \\(not in the model\\)",
        lambda: nn.Linear(2, 3).load(path),
    )
    big = tmp_path / "big.npz"
    m = nn.Linear(2, 3)
    with zipfile.ZipFile(big, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("weight.npy", "w") as f:
            np.lib.format.write_array(f, np.zeros((1 << 22,), np.float32))
        with z.open("bias.npy", "w") as f:
            np.lib.format.write_array(f, np.zeros(3, np.float32))
    _raises(LoadError, "key 'weight' declares \\d+ bytes uncompressed", lambda: m.load(big))


# ---- errors that name the layer ----------------------------------------------------------------


class _Attn(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c_proj = nn.Linear(4, 8)

    def forward(self, x: Any) -> Any:
        return _helper(self.c_proj, x)


def _helper(layer: nn.Module, x: Any) -> Any:
    return layer(x)


class _Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attn = _Attn()

    def forward(self, x: Any) -> Any:
        return self.attn(x)


class _Model(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.blocks = [_Block(), _Block()]

    def forward(self, x: Any) -> Any:
        return self.blocks[1](x)  # the second block gets the mistake


def test_an_error_inside_a_model_names_the_module_path() -> None:
    with pytest.raises(dx.ShapeError) as info:
        _Model()(dx.randn(2, 5))
    assert str(info.value) == (
        "in blocks.1.attn.c_proj (Linear): Linear[4, 8]: takes 4 features, got Tensor[2, 5] "
        "(5 != 4)"
    )


def test_an_error_inside_a_sequential_names_the_layer_once() -> None:
    inner = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Residual(inner))
    with pytest.raises(dx.ShapeError) as info:
        model(dx.randn(2, 5))
    assert str(info.value) == (
        "in 0 (layer 1, Linear): Linear[2, 3]: takes 2 features, got Tensor[2, 5] (5 != 2)"
    )
    with pytest.raises(dx.ShapeError) as again:
        model.layers[2](dx.randn(2, 5))
    assert str(again.value).startswith("in module.0 (layer 1, Linear): Linear[3, 4]: takes 3")


def test_a_tied_weight_of_the_wrong_shape_is_reported_where_it_is_assigned() -> None:
    emb = nn.Embedding(10, 4)
    head = nn.Linear(10, 4)  # sizes swapped: a tied head is Linear(4, 10)
    with pytest.raises(
        dx.ShapeError,
        match=r"Linear.weight: assigned a Tensor\[10, 4\] in place of its Tensor\[4, 10\]",
    ):
        head.weight = emb.weight
    tied = nn.Linear(4, 10)
    tied.weight = emb.weight  # the right shape: accepted, and shared
    assert tied.weight is emb.weight


def test_safetensors_sizes_checked_before_the_data_is_read(tmp_path: Path) -> None:
    """A header that declares a tensor larger than the model's is refused from the header
    alone: the data (here absent: a truncated file) is never read."""
    import json
    import struct

    def header_only(path: Path, entries: dict[str, Any]) -> Path:
        text = json.dumps(entries).encode()
        path.write_bytes(struct.pack("<Q", len(text)) + text)  # no data follows
        return path

    m = nn.Linear(2, 3)
    big = {"weight": {"dtype": "F64", "shape": [1 << 20], "data_offsets": [0, 8 << 20]}}
    _raises(
        nn.LoadError,
        "key 'weight' declares 8388608 bytes, more than the 48 it can hold",
        lambda: m.load(header_only(tmp_path / "big.safetensors", big)),
    )
