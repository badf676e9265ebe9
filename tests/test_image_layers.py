"""The ops and layers that ports of image models reach for: ``pad`` (constant, reflect,
replicate), ``pixel_shuffle``/``pixel_unshuffle``, ``prelu``, ``flip``, ``max_pool2d`` and
``avg_pool2d`` with ``ceil_mode``, ``tril_indices``/``triu_indices`` (values and gradients
against PyTorch, from the committed ``fixtures/torch_image_layers.npz`` written by
``fixtures/make_torch_image_fixtures.py``; gradients against float64 finite differences; errors
with their exact messages; the shape rules with symbolic sizes) and the layers
``ReflectionPad2d``, ``ReplicationPad2d``, ``ZeroPad2d``, ``PixelShuffle``, ``PixelUnshuffle``,
``InstanceNorm2d``, ``PReLU`` and the pools with ``ceil_mode`` (construction, parameters,
errors; their values against ``torch.nn`` are in tests/test_nn_parity.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import _helpers
import numpy as np
import pytest
from _helpers import check_grads

import dfdx as dx
from dfdx import nn
from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin.shapes import ShapeError

fixtures = _helpers.load_fixture_script("make_torch_image_fixtures.py")
CASES = fixtures.CASES
DTYPES: tuple[str, ...] = fixtures.DTYPES
FIXTURE = _helpers.load_npz(fixtures.FIXTURE)

DFDX_OPS: dict[str, Callable[..., Any]] = {
    "pad": dx.pad,  # pad=, mode=, value=
    "pixel_shuffle": dx.pixel_shuffle,  # upscale_factor=
    "pixel_unshuffle": dx.pixel_unshuffle,  # downscale_factor=
    "prelu": dx.prelu,  # weight (positional)
    "flip": dx.flip,  # axes=
    "max_pool2d": dx.max_pool2d,  # kernel_size=, stride=, padding=, ceil_mode=
    "avg_pool2d": dx.avg_pool2d,
}


def run_dfdx(case: Any, inputs: dict[str, np.ndarray], r: np.ndarray) -> dict[str, np.ndarray]:
    ts = {k: dx.tensor(v).trace() for k, v in inputs.items()}
    x, *others = ts
    out = DFDX_OPS[case.op](ts[x], *(ts[k] for k in others), **case.kwargs)
    grads = (out * dx.tensor(r)).sum().backward()
    return {"out": out.numpy(), **{f"grad/{k}": grads[t].numpy() for k, t in ts.items()}}


def _arrays(name: str, dtype: str) -> dict[str, np.ndarray]:
    return _helpers.case_arrays(
        FIXTURE,
        f"{name}/{dtype}/",
        f"no fixture for {name} ({dtype}): run python tests/fixtures/make_torch_image_fixtures.py",
    )


_PARAMS = [pytest.param(c, d, id=f"{c.name}-{d}") for c in CASES for d in DTYPES]


@pytest.mark.parametrize(("case", "dtype"), _PARAMS)
def test_matches_pytorch(case: Any, dtype: str) -> None:
    _helpers.assert_matches_fixture(
        _arrays(case.name, dtype), lambda inputs, r: run_dfdx(case, inputs, r)
    )


def test_every_op_has_a_case() -> None:
    assert sorted({c.op for c in CASES}) == sorted(DFDX_OPS)
    assert {spec[0] for spec in fixtures.INDEX_CASES} == {"tril_indices", "triu_indices"}


@pytest.mark.parametrize(("case", "dtype"), _PARAMS)
def test_fixture_is_current(case: Any, dtype: str) -> None:
    pytest.importorskip("torch")
    _helpers.assert_fixture_is_current(
        _arrays(case.name, dtype), lambda inputs, r: fixtures.run_torch(case, inputs, r)
    )


@pytest.mark.parametrize("spec", fixtures.INDEX_CASES, ids=lambda s: fixtures.index_name(*s))
def test_tri_indices_match_pytorch(spec: tuple[str, int, int, int]) -> None:
    op, row, col, offset = spec
    want = FIXTURE[fixtures.index_name(*spec)]
    got = getattr(dx, op)(row, col, offset)
    assert got.dtype == dx.int64 and not got.is_traced
    np.testing.assert_array_equal(got.numpy(), want)
    assert got.shape == (2, shapes.tri_indices_count(op, row, col, offset, op == "tril_indices"))


@pytest.mark.parametrize("spec", fixtures.INDEX_CASES, ids=lambda s: fixtures.index_name(*s))
def test_tri_indices_fixture_is_current(spec: tuple[str, int, int, int]) -> None:
    pytest.importorskip("torch")
    np.testing.assert_array_equal(
        fixtures.torch_indices(*spec), FIXTURE[fixtures.index_name(*spec)]
    )


def test_tril_indices_pick_the_lower_triangle() -> None:
    m = dx.arange(20).reshape(4, 5)
    idx = dx.tril_indices(4, 5, 1)
    picked = m.numpy()[idx.numpy()[0], idx.numpy()[1]]
    np.testing.assert_array_equal(picked, m.numpy()[np.tril(np.ones((4, 5), bool), 1)])


# ---- gradients by finite differences (float64) ---------------------------------------------


def rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def away_from_zero(*shape: int, seed: int = 0) -> np.ndarray:
    a = rand(*shape, seed=seed)
    return np.where(np.abs(a) < 0.05, 0.1, a)


def distinct(*shape: int, seed: int = 0) -> np.ndarray:
    """Values at least 0.1 apart, so that a small step never changes which is largest."""
    n = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(n).reshape(shape) * 0.1 - n * 0.05


GRADIENT_CASES: dict[str, tuple[Callable[..., Any], tuple[np.ndarray, ...]]] = {
    "pad constant": (lambda x: dx.pad(x, (1, 2, 0, 3), value=1.5), (rand(2, 3, 4),)),
    "pad reflect, widths up to size - 1": (
        lambda x: dx.pad(x, (3, 2, 1, 1), mode="reflect"),
        (rand(2, 3, 4),),
    ),
    "pad reflect, three axes": (
        lambda x: dx.pad(x, (1, 1, 2, 1, 1, 0), mode="reflect"),
        (rand(3, 3, 4),),
    ),
    "pad replicate, a size of 1": (
        lambda x: dx.pad(x, (2, 3, 1, 0), mode="replicate"),
        (rand(2, 1, 3),),
    ),
    "pad non-contiguous": (
        lambda x: dx.pad(x.transpose(0, 2), (1, 2), mode="reflect"),
        (rand(4, 2, 3),),
    ),
    "pixel_shuffle": (lambda x: dx.pixel_shuffle(x, 2), (rand(2, 8, 2, 3),)),
    "pixel_unshuffle": (lambda x: dx.pixel_unshuffle(x, 3), (rand(1, 2, 3, 6),)),
    "prelu per channel": (
        lambda x, w: dx.prelu(x, w),
        (away_from_zero(2, 3, 4), rand(3, seed=1)),
    ),
    "prelu one slope": (lambda x, w: dx.prelu(x, w), (away_from_zero(3, 2, 2, 2), rand(1))),
    "flip": (lambda x: dx.flip(x, (0, -1)) * dx.tensor(rand(2, 3, 4, seed=5)), (rand(2, 3, 4),)),
    "max_pool2d ceil_mode": (
        lambda x: dx.max_pool2d(x, 3, stride=2, ceil_mode=True),
        (distinct(2, 2, 7, 8),),
    ),
    "max_pool2d ceil_mode padding": (
        lambda x: dx.max_pool2d(x, 2, stride=2, padding=1, ceil_mode=True),
        (distinct(1, 2, 5, 6),),
    ),
    "avg_pool2d ceil_mode padding": (
        lambda x: dx.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
        (rand(2, 2, 7, 8),),
    ),
    "avg_pool2d ceil_mode rectangular": (
        lambda x: dx.avg_pool2d(x, (3, 2), stride=(2, 3), ceil_mode=True),
        (rand(1, 2, 6, 7),),
    ),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_gradients_match_finite_differences(name: str) -> None:
    op, arrays = GRADIENT_CASES[name]
    check_grads(op, *arrays)


def test_layer_gradients_match_finite_differences() -> None:
    norm = nn.InstanceNorm2d(3, affine=True, dtype=dx.float64)
    check_grads(lambda x: norm(x), rand(2, 3, 4, 3))
    prelu = nn.PReLU(3, dtype=dx.float64)
    check_grads(lambda x: prelu(x), away_from_zero(2, 3, 2, 2))
    check_grads(lambda x: nn.ReflectionPad2d((1, 2, 2, 0))(x), rand(1, 2, 3, 4))


def test_the_parameters_get_their_gradients() -> None:
    x = dx.tensor(away_from_zero(2, 3, 4, 4).astype(np.float32))
    prelu = nn.PReLU(3, init=0.2)
    norm = nn.InstanceNorm2d(3, affine=True)
    y = norm(prelu(x.trace()))
    grads = (y * dx.tensor(rand(2, 3, 4, 4, seed=3).astype(np.float32))).sum().backward()
    params = dict(nn.Sequential(prelu, norm).named_parameters())
    assert sorted(params) == ["0.weight", "1.bias", "1.weight"]
    for p in params.values():
        assert grads[p].shape == p.shape and np.abs(grads[p].numpy()).sum() > 0


# ---- values and layers ------------------------------------------------------------------------


def test_instance_norm_normalises_each_channel_of_each_sample() -> None:
    x = dx.tensor(3.0 + 2.0 * rand(2, 3, 5, 4))
    y = nn.InstanceNorm2d(3, dtype=dx.float64)(x).numpy()
    np.testing.assert_allclose(y.mean(axis=(2, 3)), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(2, 3)), 1.0, rtol=1e-4)  # eps=1e-5 in the variance


def test_parameters_are_pytorchs() -> None:
    assert nn.InstanceNorm2d(4).weight is None and nn.InstanceNorm2d(4).bias is None
    affine = nn.InstanceNorm2d(4, affine=True)
    assert affine.weight is not None and affine.bias is not None
    np.testing.assert_array_equal(affine.weight.numpy(), np.ones(4, np.float32))
    np.testing.assert_array_equal(affine.bias.numpy(), np.zeros(4, np.float32))
    assert sorted(dict(affine.state_dict())) == ["bias", "weight"]
    np.testing.assert_array_equal(nn.PReLU().weight.numpy(), np.full(1, 0.25, np.float32))
    np.testing.assert_array_equal(nn.PReLU(3, 0.1).weight.numpy(), np.full(3, 0.1, np.float32))
    assert sorted(dict(nn.PReLU(3).state_dict())) == ["weight"]
    assert nn.ZeroPad2d(2).padding == (2, 2, 2, 2)
    assert nn.ReflectionPad2d((1, 2, 3, 4)).padding == (1, 2, 3, 4)
    assert repr(nn.PixelShuffle(3)) == "PixelShuffle(upscale_factor=3)"
    assert repr(nn.PReLU(3)) == "PReLU(num_parameters=3)"
    assert nn.PReLU(3).num_parameters() == 3  # dfdx's Module method counts the slopes


def test_pad_modes_as_pytorch_describes_them() -> None:
    x = dx.tensor(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_array_equal(dx.pad(x, (2, 1)).numpy(), [[0, 0, 1, 2, 3, 0]])
    reflected = dx.pad(x, (2, 2), mode="reflect").numpy()
    np.testing.assert_array_equal(reflected, [[3, 2, 1, 2, 3, 2, 1]])
    replicated = dx.pad(x, (2, 1), mode="replicate").numpy()
    np.testing.assert_array_equal(replicated, [[1, 1, 1, 2, 3, 3]])
    np.testing.assert_array_equal(dx.pad(x, (0, 0, 1, 0), value=-1.0).numpy()[0], [-1, -1, -1])


def test_pixel_shuffle_and_unshuffle_are_inverses() -> None:
    x = dx.tensor(rand(2, 12, 3, 5))
    np.testing.assert_array_equal(dx.pixel_unshuffle(dx.pixel_shuffle(x, 2), 2).numpy(), x.numpy())
    assert nn.PixelUnshuffle(2)(nn.PixelShuffle(2)(x)).shape == (2, 12, 3, 5)


def test_ceil_mode_sizes_agree_with_the_shape_rule_for_symbolic_sizes() -> None:
    """The plugin's size for a symbolic ``H`` (rounded up, or unknown where the last window
    may be dropped) is the runtime's for every ``H`` it could be."""
    for k, s, p in [(2, 2, 0), (3, 2, 0), (3, 2, 1), (2, 2, 1), (3, 3, 1), (5, 3, 2), (2, 1, 1)]:
        symbolic = shapes.pool("max_pool2d", (1, 1, "H", "W"), (k, k), (s, s), (p, p), True)[2]
        for h in range(max(1, k - 2 * p), 20):
            size = shapes.pool("max_pool2d", (1, 1, h, h), (k, k), (s, s), (p, p), True)[2]
            assert size == dx.max_pool2d(dx.zeros(1, 1, h, h), k, s, p, ceil_mode=True).shape[2]
            if symbolic is not None:
                assert isinstance(symbolic, str)
                assert eval(symbolic, {"H": h}) == size, (k, s, p, h, symbolic)
        assert (symbolic is None) == (p + s > k)  # dropped windows: only there


def test_shape_rules_with_symbolic_sizes() -> None:
    assert shapes.pad("pad", ("N", "C", "H", "W"), (1, 1, 2, 2)) == ("N", "C", "H+4", "W+2")
    assert shapes.pixel_shuffle("pixel_shuffle", ("N", "4*C", "H", "W"), 2) == (
        "N",
        "C",
        "2*H",
        "2*W",
    )
    assert shapes.pixel_shuffle("pixel_shuffle", ("N", "C", "H", "W"), 2)[1] is None
    assert shapes.pixel_unshuffle("pixel_unshuffle", ("N", "C", "2*H", "W"), 2) == (
        "N",
        "4*C",
        "H",
        None,
    )
    assert shapes.tri_indices_count("tril_indices", 4, 4, 0, True) == 10
    assert shapes.tri_indices_count("triu_indices", 3, 5, -1, False) == 14


# ---- errors -----------------------------------------------------------------------------------


def raises_exactly(exc: type[BaseException], message: str, fn: Callable[[], Any]) -> None:
    with pytest.raises(exc, match=f"^{re.escape(message)}$"):
        fn()


def z(*shape: int) -> Any:
    return dx.zeros(*shape)


ERRORS: list[tuple[type[BaseException], str, Callable[[], Any]]] = [
    (
        ShapeError,
        "pad: reflect padding 3 must be smaller than the size 3 at axis 1 of Tensor[2, 3]",
        lambda: dx.pad(z(2, 3), (3, 0), mode="reflect"),
    ),
    (
        ShapeError,
        "pad: pad must have an even number of sizes, got 3",
        lambda: dx.pad(z(2, 3), (1, 2, 3)),
    ),
    (
        ShapeError,
        "pad: pad of 6 sizes pads 3 axes, more than the 2 of Tensor[2, 3]",
        lambda: dx.pad(z(2, 3), (1,) * 6),
    ),
    (ShapeError, "pad: pad sizes must be at least 0, got -1", lambda: dx.pad(z(2, 3), (1, -1))),
    (
        ShapeError,
        "pad: replicate padding of the empty axis 1 of Tensor[2, 0]",
        lambda: dx.pad(z(2, 0), (1, 1), mode="replicate"),
    ),
    (
        ValueError,
        "pad: mode must be 'constant', 'reflect' or 'replicate', got 'circular'",
        lambda: dx.pad(z(2, 3), (1, 1), mode="circular"),  # type: ignore[arg-type]
    ),
    (
        ValueError,
        "pad: value is for mode='constant' only, got value=1.0",
        lambda: dx.pad(z(2, 3), (1, 1), mode="reflect", value=1.0),
    ),
    (
        TypeError,
        "pad: pad must be a tuple or list of ints, got 2",
        lambda: dx.pad(z(2, 3), 2),  # type: ignore[arg-type]
    ),
    (TypeError, "pad: pad sizes must be ints, got 1.5", lambda: dx.pad(z(2, 3), (1.5, 1))),  # type: ignore[arg-type]
    (
        ShapeError,
        "pixel_shuffle: channels 6 of Tensor[1, 6, 2, 2] are not a multiple of "
        "upscale_factor**2 (2**2 = 4)",
        lambda: dx.pixel_shuffle(z(1, 6, 2, 2), 2),
    ),
    (
        ShapeError,
        "pixel_shuffle: expected a 4-d input (N, C, H, W), got Tensor[4, 2, 2]",
        lambda: dx.pixel_shuffle(z(4, 2, 2), 2),
    ),
    (
        ValueError,
        "pixel_shuffle: upscale_factor must be at least 1, got 0",
        lambda: dx.pixel_shuffle(z(1, 4, 2, 2), 0),
    ),
    (
        ShapeError,
        "pixel_unshuffle: size 3 at axis 3 of Tensor[1, 1, 4, 3] is not a multiple of "
        "downscale_factor 2",
        lambda: dx.pixel_unshuffle(z(1, 1, 4, 3), 2),
    ),
    (
        ShapeError,
        "prelu: 2 slopes for 3 channels on axis 1 of Tensor[4, 3] (3 != 2)",
        lambda: dx.prelu(z(4, 3), z(2)),
    ),
    (
        ShapeError,
        "prelu: 3 slopes for Tensor[3], which has one channel (no axis 1)",
        lambda: dx.prelu(z(3), z(3)),
    ),
    (
        ShapeError,
        "prelu: weight must be 1-d (1 or C slopes), got Tensor[1, 3]",
        lambda: dx.prelu(z(4, 3), z(1, 3)),
    ),
    (
        ShapeError,
        "flip: axis 2 is out of range for Tensor[2, 3]",
        lambda: dx.flip(z(2, 3), (0, 2)),
    ),
    (
        ShapeError,
        "flip: axes (1, -1) name an axis twice for Tensor[2, 3]",
        lambda: dx.flip(z(2, 3), (1, -1)),
    ),
    (
        TypeError,
        "max_pool2d: ceil_mode must be a bool, got 1",
        lambda: dx.max_pool2d(z(1, 1, 4, 4), 2, ceil_mode=1),  # type: ignore[arg-type]
    ),
    (
        ShapeError,
        "tril_indices: row and col must be at least 0, got 3 and -2",
        lambda: dx.tril_indices(3, -2),
    ),
    (
        TypeError,
        "triu_indices: offset must be an int, got 0.5",
        lambda: dx.triu_indices(3, 3, 0.5),  # type: ignore[arg-type]
    ),
    (
        ShapeError,
        "ReflectionPad2d: padding must be an int >= 0 or a tuple of 4 of them, got (1, 2)",
        lambda: nn.ReflectionPad2d((1, 2)),  # type: ignore[arg-type]
    ),
    (
        ShapeError,
        "ReplicationPad2d: expected a 3-d or 4-d input (N, C, H, W), got Tensor[4, 4]",
        lambda: nn.ReplicationPad2d(1)(z(4, 4)),
    ),
    (
        ShapeError,
        "ReflectionPad2d: reflect padding 2 must be smaller than the size 2 at axis 2 of "
        "Tensor[1, 1, 2, 5]",
        lambda: nn.ReflectionPad2d(2)(z(1, 1, 2, 5)),
    ),
    (
        ShapeError,
        "PixelShuffle: upscale_factor must be an int > 0, got 0",
        lambda: nn.PixelShuffle(0),
    ),
    (
        ShapeError,
        "PixelUnshuffle: size 5 at axis 2 of Tensor[1, 1, 5, 4] is not a multiple of "
        "downscale_factor 2",
        lambda: nn.PixelUnshuffle(2)(z(1, 1, 5, 4)),
    ),
    (
        ShapeError,
        "InstanceNorm2d[4]: takes 4 channels on axis 1, got Tensor[2, 3, 5, 5] (3 != 4)",
        lambda: nn.InstanceNorm2d(4)(z(2, 3, 5, 5)),
    ),
    (
        ShapeError,
        "InstanceNorm2d: num_features must be an int > 0, got 0",
        lambda: nn.InstanceNorm2d(0),
    ),
    (
        ValueError,
        "InstanceNorm2d: track_running_stats=True is not supported (each batch is normalised by "
        "its own statistics)",
        lambda: nn.InstanceNorm2d(3, track_running_stats=True),
    ),
    (
        ShapeError,
        "PReLU[4]: 4 slopes for 3 channels on axis 1 of Tensor[2, 3, 5, 5] (3 != 4)",
        lambda: nn.PReLU(4)(z(2, 3, 5, 5)),
    ),
    (ShapeError, "PReLU: num_parameters must be an int > 0, got 0", lambda: nn.PReLU(0)),
    (
        ShapeError,
        "MaxPool2d: ceil_mode must be a bool, got 'yes'",
        lambda: nn.MaxPool2d(2, ceil_mode="yes"),  # type: ignore[arg-type]
    ),
]


@pytest.mark.parametrize(("kind", "message", "fn"), ERRORS, ids=[m for _, m, _ in ERRORS])
def test_errors(kind: type[BaseException], message: str, fn: Callable[[], Any]) -> None:
    raises_exactly(kind, message, fn)
