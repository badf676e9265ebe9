"""``dx.nn.init``: PyTorch's initialisers in place. Checked by statistics on large tensors
(mean, std and bounds within a tolerance from the sample size), by PyTorch's fan and gain
formulas (against torch itself where it is installed), and by orthogonality; never by exact
random values, which come from NumPy's generator."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest

import dfdx as dx
from dfdx import nn
from dfdx.nn import init

N_ROWS, N_COLS = 256, 512  # 131072 samples: a std estimate within ~0.3% (1 SE)


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _moments_close(
    values: np.ndarray, mean: float, std: float, kurtosis: float, *, sigmas: float = 6.0
) -> None:
    """Sample mean and std within ``sigmas`` standard errors of ``mean`` and ``std``: the
    standard error of a sample std is ``std * sqrt((kurtosis - 1) / (4 n))``."""
    x = values.astype(np.float64).ravel()
    n = x.size
    assert abs(x.mean() - mean) <= sigmas * std / math.sqrt(n), (x.mean(), mean)
    assert abs(x.std() - std) <= sigmas * std * math.sqrt((kurtosis - 1) / (4 * n)), (x.std(), std)


NORMAL_KURTOSIS, UNIFORM_KURTOSIS = 3.0, 1.8


def _w(*shape: int, dtype: Any = dx.float32) -> Any:
    return dx.zeros(*shape, dtype=dtype)


# ---- fans and gains ----------------------------------------------------------------------------

FAN_SHAPES = {
    (3, 5): (5, 3),  # Linear(5, 3): weight (out, in)
    (16, 8, 3, 3): (72, 144),  # Conv2d(8, 16, 3)
    (4, 2, 5): (10, 20),  # Conv1d(2, 4, 5)
    (6, 3, 2, 2, 2): (24, 48),  # Conv3d(3, 6, 2)
    (7, 1): (1, 7),
}
"""Weight shape to PyTorch's ``(fan_in, fan_out)`` (torch.nn.init._calculate_fan_in_and_fan_out)."""


@pytest.mark.parametrize("shape", list(FAN_SHAPES))
def test_fans_are_pytorchs(shape: tuple[int, ...]) -> None:
    got = init._calculate_fan_in_and_fan_out(dx.zeros(*shape))
    assert got == FAN_SHAPES[shape]


def test_fans_equal_torchs_live() -> None:
    torch = pytest.importorskip("torch")
    for shape in FAN_SHAPES:
        want = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        assert init._calculate_fan_in_and_fan_out(dx.zeros(*shape)) == want


def test_fans_need_two_dimensions() -> None:
    with pytest.raises(ValueError, match=r"2 or more dimensions, got shape \(5,\)"):
        init._calculate_fan_in_and_fan_out(dx.zeros(5))
    with pytest.raises(ValueError, match="xavier_uniform_: fan in and fan out need"):
        init.xavier_uniform_(dx.zeros(5))


GAINS: list[tuple[str, float | None, float]] = [
    ("linear", None, 1.0),
    ("conv2d", None, 1.0),
    ("conv_transpose3d", None, 1.0),
    ("sigmoid", None, 1.0),
    ("tanh", None, 5.0 / 3),
    ("relu", None, math.sqrt(2.0)),
    ("leaky_relu", None, math.sqrt(2.0 / (1 + 0.01**2))),
    ("leaky_relu", 0.2, math.sqrt(2.0 / (1 + 0.2**2))),
    ("leaky_relu", math.sqrt(5), math.sqrt(2.0 / 6)),
    ("selu", None, 0.75),
]


@pytest.mark.parametrize(("nonlinearity", "param", "want"), GAINS)
def test_calculate_gain(nonlinearity: str, param: float | None, want: float) -> None:
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(want, rel=1e-15)


def test_calculate_gain_equals_torchs_live() -> None:
    torch = pytest.importorskip("torch")
    for nonlinearity, param, _ in GAINS:
        want = torch.nn.init.calculate_gain(nonlinearity, param)
        assert init.calculate_gain(nonlinearity, param) == pytest.approx(want, rel=1e-15)


def test_calculate_gain_errors() -> None:
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope True is not a valid number"):
        init.calculate_gain("leaky_relu", True)


# ---- distributions -----------------------------------------------------------------------------


def test_uniform_and_normal() -> None:
    w = init.uniform_(_w(N_ROWS, N_COLS), -2.0, 3.0, rng=_rng(1))
    x = w.numpy()
    assert x.min() >= -2.0 and x.max() < 3.0
    _moments_close(x, 0.5, 5 / math.sqrt(12), UNIFORM_KURTOSIS)
    x = init.normal_(_w(N_ROWS, N_COLS), 1.5, 0.25, rng=_rng(2)).numpy()
    _moments_close(x, 1.5, 0.25, NORMAL_KURTOSIS)


def _truncated_moments(mean: float, std: float, a: float, b: float) -> tuple[float, float]:
    def pdf(z: float) -> float:
        return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)

    def cdf(z: float) -> float:
        return 0.5 * (1 + math.erf(z / math.sqrt(2)))

    al, be = (a - mean) / std, (b - mean) / std
    mass = cdf(be) - cdf(al)
    shift = (pdf(al) - pdf(be)) / mass
    var = 1 + (al * pdf(al) - be * pdf(be)) / mass - shift**2
    return mean + std * shift, std * math.sqrt(var)


@pytest.mark.parametrize(
    ("mean", "std", "a", "b"),
    [(0.0, 0.02, -2.0, 2.0), (0.0, 1.0, -2.0, 2.0), (0.5, 1.0, -1.0, 3.0), (0.0, 1.0, 1.0, 1.5)],
)
def test_trunc_normal(mean: float, std: float, a: float, b: float) -> None:
    x = init.trunc_normal_(_w(N_ROWS, N_COLS), mean, std, a, b, rng=_rng(3)).numpy()
    assert x.min() >= a and x.max() <= b
    want_mean, want_std = _truncated_moments(mean, std, a, b)
    # a truncated normal is lighter-tailed than a normal: kurtosis 3 bounds the error
    _moments_close(x, want_mean, want_std, NORMAL_KURTOSIS)


def test_trunc_normal_errors() -> None:
    with pytest.raises(ValueError, match=re.escape("needs a < b, got a=1.0, b=-1.0")):
        init.trunc_normal_(_w(3, 3), a=1.0, b=-1.0)
    with pytest.raises(ValueError, match=r"\[10.0, 11.0\] holds .* of N\(0.0, 1.0\*\*2\)"):
        init.trunc_normal_(_w(3, 3), 0.0, 1.0, 10.0, 11.0)


def test_constants() -> None:
    assert (init.zeros_(dx.ones(3, 2)).numpy() == 0).all()
    assert (init.ones_(dx.zeros(3, 2)).numpy() == 1).all()
    np.testing.assert_array_equal(init.constant_(dx.zeros(4), 0.5).numpy(), np.full(4, 0.5))
    counts = init.constant_(dx.zeros(2, dtype=dx.int64), 3)
    assert counts.dtype == dx.int64 and (counts.numpy() == 3).all()
    with pytest.raises(ValueError, match=re.escape("0.5 does not fit a int64 tensor")):
        init.constant_(dx.zeros(2, dtype=dx.int64), 0.5)


# ---- scaled by the fans ------------------------------------------------------------------------


def test_xavier() -> None:
    shape = (N_ROWS, 8, 4, 4)  # fan_in 128, fan_out 4096
    bound = 0.5 * math.sqrt(6 / (128 + 4096))
    x = init.xavier_uniform_(_w(*shape), gain=0.5, rng=_rng(4)).numpy()
    assert np.abs(x).max() <= bound and np.abs(x).max() > 0.99 * bound
    _moments_close(x, 0.0, bound / math.sqrt(3), UNIFORM_KURTOSIS)
    x = init.xavier_normal_(_w(*shape), rng=_rng(5)).numpy()
    _moments_close(x, 0.0, math.sqrt(2 / (128 + 4096)), NORMAL_KURTOSIS)


KAIMING = [
    ({}, math.sqrt(2.0), "fan_in"),  # a=0 is passed to the gain: leaky_relu with slope 0
    ({"a": math.sqrt(5)}, math.sqrt(2.0 / 6), "fan_in"),
    ({"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2.0), "fan_out"),
    ({"nonlinearity": "tanh"}, 5.0 / 3, "fan_in"),
]


@pytest.mark.parametrize(("kwargs", "gain", "mode"), KAIMING)
def test_kaiming(kwargs: dict[str, Any], gain: float, mode: str) -> None:
    shape = (N_ROWS, 32, 2, 2)  # fan_in 128, fan_out 1024
    fan = 128 if mode == "fan_in" else 1024
    std = gain / math.sqrt(fan)
    x = init.kaiming_uniform_(_w(*shape), **kwargs, rng=_rng(6)).numpy()
    assert np.abs(x).max() <= math.sqrt(3) * std
    _moments_close(x, 0.0, std, UNIFORM_KURTOSIS)
    x = init.kaiming_normal_(_w(*shape), **kwargs, rng=_rng(7)).numpy()
    _moments_close(x, 0.0, std, NORMAL_KURTOSIS)


def test_kaiming_std_equals_torchs_live() -> None:
    """The same distribution as torch's: sample stds agree within both samples' errors."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    shape = (N_ROWS, 32, 2, 2)
    for kwargs, _, _ in KAIMING:
        for ours, theirs, kurtosis in [
            (init.kaiming_uniform_, torch.nn.init.kaiming_uniform_, UNIFORM_KURTOSIS),
            (init.kaiming_normal_, torch.nn.init.kaiming_normal_, NORMAL_KURTOSIS),
        ]:
            want = theirs(torch.empty(shape), **kwargs).numpy()
            _moments_close(
                ours(_w(*shape), **kwargs, rng=_rng(8)).numpy(), 0.0, want.std(), kurtosis, sigmas=8
            )


def test_the_default_linear_init_is_kaiming_uniform_with_a_sqrt5() -> None:
    x = nn.Linear(N_COLS, N_ROWS, rng=_rng(9)).weight.numpy()
    _moments_close(x, 0.0, math.sqrt(2 / 6) / math.sqrt(N_COLS), UNIFORM_KURTOSIS)


DEFAULT_INITS: list[tuple[Any, tuple[int, ...], int, int | None]] = [
    # (layer from a generator, weight shape, fan-in, bias size): PyTorch reads the fan-in from
    # the weight's second axis times the kernel, for a transposed convolution out / groups
    (lambda g: nn.Linear(5, 7, rng=g), (7, 5), 5, 7),
    (lambda g: nn.Linear(3, 4, bias=False, rng=g), (4, 3), 3, None),
    (lambda g: nn.Conv1d(4, 6, 3, groups=2, rng=g), (6, 2, 3), 2 * 3, 6),
    (lambda g: nn.Conv2d(4, 6, (2, 3), groups=2, rng=g), (6, 2, 2, 3), 2 * 2 * 3, 6),
    (lambda g: nn.ConvTranspose1d(4, 6, 3, groups=2, rng=g), (4, 3, 3), 3 * 3, 6),
    (lambda g: nn.ConvTranspose2d(4, 6, (3, 2), groups=2, rng=g), (4, 3, 3, 2), 3 * 3 * 2, 6),
    (lambda g: nn.ConvTranspose2d(4, 6, 3, bias=False, rng=g), (4, 6, 3, 3), 6 * 3 * 3, None),
]


@pytest.mark.parametrize("case", range(len(DEFAULT_INITS)))
def test_linear_and_convolutions_draw_the_weight_then_the_bias_on_their_fan_in(case: int) -> None:
    make, shape, fan_in, bias = DEFAULT_INITS[case]
    layer = make(_rng(case))
    g = _rng(case)
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_ with a = sqrt(5), and the bias's bound
    weight = g.uniform(-bound, bound, shape).astype(np.float32)
    np.testing.assert_allclose(layer.weight.numpy(), weight, rtol=1e-6)
    if bias is None:
        assert layer.bias is None
    else:
        expected = g.uniform(-bound, bound, (bias,)).astype(np.float32)
        np.testing.assert_allclose(layer.bias.numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("shape", [(64, 16), (16, 64), (8, 4, 3, 3), (32, 32)])
def test_orthogonal(shape: tuple[int, ...]) -> None:
    w = init.orthogonal_(_w(*shape, dtype=dx.float64), gain=2.0, rng=_rng(10))
    m = w.numpy().reshape(shape[0], -1)
    small = min(m.shape)
    gram = m @ m.T if m.shape[0] == small else m.T @ m
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-12)


def test_orthogonal_needs_a_matrix() -> None:
    with pytest.raises(ValueError, match="orthogonal_: needs a tensor of 2 or more dimensions"):
        init.orthogonal_(dx.zeros(4))


# ---- in place, seeded, checked -----------------------------------------------------------------


def test_in_place_returns_the_same_tensor_and_keeps_its_dtype() -> None:
    w = dx.zeros(3, 4, dtype=dx.float64)
    data = w._data
    assert init.normal_(w) is w
    assert w._data is data and w.dtype == dx.float64 and w.numpy().std() > 0


def test_seeded_by_rng_and_by_manual_seed() -> None:
    a = init.normal_(_w(5), rng=_rng(11)).numpy()
    b = init.normal_(_w(5), rng=_rng(11)).numpy()
    np.testing.assert_array_equal(a, b)
    dx.manual_seed(3)
    c = init.kaiming_uniform_(_w(4, 4)).numpy()
    dx.manual_seed(3)
    np.testing.assert_array_equal(init.kaiming_uniform_(_w(4, 4)).numpy(), c)


def test_a_graph_recorded_before_an_init_cannot_backward() -> None:
    lin = nn.Linear(3, 2)
    loss = lin(dx.randn(4, 3).trace()).sum()
    init.xavier_uniform_(lin.weight)
    with pytest.raises(RuntimeError, match="updated in place afterwards"):
        loss.backward()


def test_errors_name_the_function() -> None:
    with pytest.raises(
        dx.DTypeError, match="normal_: needs a float32 or float64 tensor, got int64"
    ):
        init.normal_(dx.zeros(3, dtype=dx.int64))
    with pytest.raises(ValueError, match="kaiming_normal_: the tensor is traced"):
        init.kaiming_normal_(dx.zeros(3, 3).trace())
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out', got 'fan_avg'"):
        init.kaiming_uniform_(dx.zeros(3, 3), mode="fan_avg")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=re.escape("uniform_: expected a dx.Tensor, got ndarray")):
        init.uniform_(np.zeros(3))  # type: ignore[type-var]
