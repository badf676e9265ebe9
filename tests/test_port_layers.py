"""The ops and layers that ports of public models reach for beyond the first set: relu6,
hardswish, mish, elu, group_norm, rms_norm, conv_transpose1d, conv1d/conv2d with
``padding="same"``/``"valid"`` (values and gradients against
PyTorch, from the committed ``fixtures/torch_layers.npz`` written by
``fixtures/make_torch_layer_fixtures.py``; gradients against float64 finite differences;
dtypes, mixed tapes and errors with their exact messages) and the layers Identity, LeakyReLU,
ReLU6, Hardswish, Mish, ELU, Conv1d, Conv2d (padding words), ConvTranspose1d, GroupNorm and
RMSNorm (construction,
initialisation, state_dict names and errors; their values against ``torch.nn`` are in
tests/test_nn_parity.py)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import _helpers
import numpy as np
import pytest
from _helpers import check_grads

import dfdx as dx
from dfdx import nn
from dfdx_mypy_plugin.shapes import ShapeError

fixtures = _helpers.load_fixture_script("make_torch_layer_fixtures.py")
CASES = fixtures.CASES
DTYPES: tuple[str, ...] = fixtures.DTYPES
FIXTURE = _helpers.load_npz(fixtures.FIXTURE)

DFDX_OPS: dict[str, Callable[..., Any]] = {
    "relu6": dx.relu6,
    "hardswish": dx.hardswish,
    "mish": dx.mish,
    "elu": dx.elu,  # alpha=
    "group_norm": dx.group_norm,  # num_groups=, weight=, bias=, eps=
    "rms_norm": dx.rms_norm,  # normalized_shape=, weight=, eps=
    "conv_transpose1d": dx.conv_transpose1d,  # weight, bias=, stride=, padding=, ...
    "conv1d": dx.conv1d,  # weight, bias=, padding="same"/"valid", dilation=, groups=
    "conv2d": dx.conv2d,
}


def _call(op: str, ts: dict[str, Any], kwargs: dict[str, Any]) -> Any:
    """``op(x, **others, **kwargs)``; the size arguments are positional in dfdx."""
    x, *others = ts
    if op in ("conv_transpose1d", "conv1d", "conv2d"):  # the weight is positional
        others.remove("weight")
        return DFDX_OPS[op](ts[x], ts["weight"], **{k: ts[k] for k in others}, **kwargs)
    kw = dict(kwargs)
    sizes = [kw.pop(k) for k in ("num_groups", "normalized_shape") if k in kw]
    return DFDX_OPS[op](ts[x], *sizes, **{k: ts[k] for k in others}, **kw)


def run_dfdx(case: Any, inputs: dict[str, np.ndarray], r: np.ndarray) -> dict[str, np.ndarray]:
    ts = {k: dx.tensor(v).trace() for k, v in inputs.items()}
    out = _call(case.op, ts, case.kwargs)
    grads = (out * dx.tensor(r)).sum().backward()
    return {"out": out.numpy(), **{f"grad/{k}": grads[t].numpy() for k, t in ts.items()}}


def _arrays(name: str, dtype: str) -> dict[str, np.ndarray]:
    return _helpers.case_arrays(
        FIXTURE,
        f"{name}/{dtype}/",
        f"no fixture for {name} ({dtype}): run python tests/fixtures/make_torch_layer_fixtures.py",
    )


_PARAMS = [pytest.param(c, d, id=f"{c.name}-{d}") for c in CASES for d in DTYPES]


@pytest.mark.parametrize(("case", "dtype"), _PARAMS)
def test_matches_pytorch(case: Any, dtype: str) -> None:
    _helpers.assert_matches_fixture(
        _arrays(case.name, dtype), lambda inputs, r: run_dfdx(case, inputs, r)
    )


def test_every_op_has_a_case() -> None:
    assert sorted({c.op for c in CASES}) == sorted(DFDX_OPS)


@pytest.mark.parametrize(("case", "dtype"), _PARAMS)
def test_fixture_is_current(case: Any, dtype: str) -> None:
    pytest.importorskip("torch")
    _helpers.assert_fixture_is_current(
        _arrays(case.name, dtype), lambda inputs, r: fixtures.run_torch(case, inputs, r)
    )


# ---- gradients by finite differences (float64) ---------------------------------------------


def rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def away_from(points: tuple[float, ...], *shape: int, seed: int = 0) -> np.ndarray:
    """Values in [-5, 9) at least 0.01 from each of ``points`` (where a gradient jumps)."""
    a = np.random.default_rng(seed).uniform(-5.0, 9.0, shape)
    for p in points:
        near = np.abs(a - p) < 0.01
        a[near] = p + 0.05
    return a


GRADIENT_CASES: dict[str, tuple[Callable[..., Any], tuple[np.ndarray, ...]]] = {
    "relu6": (dx.relu6, (away_from((0.0, 6.0), 4, 5),)),
    "relu6 method": (lambda x: x.relu6(), (away_from((0.0, 6.0), 4, 5),)),
    "hardswish": (dx.hardswish, (away_from((-3.0, 3.0), 4, 5),)),
    "mish": (dx.mish, (3 * rand(4, 5),)),
    "elu": (dx.elu, (away_from((0.0,), 4, 5),)),
    "elu alpha": (lambda x: dx.elu(x, alpha=0.3), (away_from((0.0,), 4, 5),)),
    "group_norm weight and bias": (
        lambda x, w, b: dx.group_norm(x, 3, w, b),
        (rand(2, 6, 4), rand(6, seed=1), rand(6, seed=2)),
    ),
    "group_norm no affine, 4-d": (lambda x: dx.group_norm(x, 2), (rand(2, 4, 3, 2),)),
    "group_norm bias only, a large eps": (
        lambda x, b: dx.group_norm(x, 1, bias=b, eps=0.5),
        (0.5 * rand(3, 2, 3), rand(2, seed=1)),
    ),
    "group_norm 2-d, one channel per group": (
        lambda x, w: dx.group_norm(x, 5, w),
        (rand(3, 5), rand(5, seed=1)),
    ),
    "group_norm offset, non-contiguous": (
        lambda x, w: dx.group_norm(x.transpose(1, 2), 2, w),
        (100.0 + rand(2, 3, 4), rand(4, seed=1)),
    ),
    "conv_transpose1d": (
        lambda x, w, b: dx.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
        (rand(2, 3, 4), rand(3, 2, 3, seed=1), rand(2, seed=2)),
    ),
    "conv_transpose1d groups, dilation": (
        lambda x, w: dx.conv_transpose1d(x, w, groups=2, dilation=2),
        (rand(1, 4, 3), rand(4, 1, 2, seed=1)),
    ),
    "conv1d padding same, an odd total": (
        lambda x, w, b: dx.conv1d(x, w, b, padding="same"),
        (rand(2, 3, 6), rand(4, 3, 4, seed=1), rand(4, seed=2)),
    ),
    "conv1d padding same, dilation": (
        lambda x, w: dx.conv1d(x, w, padding="same", dilation=3),
        (rand(1, 2, 7), rand(3, 2, 2, seed=1)),
    ),
    "conv2d padding same, odd and even totals": (
        lambda x, w, b: dx.conv2d(x, w, b, padding="same", dilation=(1, 2)),
        (rand(2, 2, 5, 6), rand(3, 2, 2, 3, seed=1), rand(3, seed=2)),
    ),
    "conv2d padding same, 3x3 (Winograd's size)": (
        lambda x, w: dx.conv2d(x, w, padding="same"),
        (rand(1, 2, 14, 14), rand(2, 2, 3, 3, seed=1)),
    ),
    "conv2d padding valid": (
        lambda x, w: dx.conv2d(x, w, padding="valid"),
        (rand(1, 2, 5, 4), rand(2, 2, 2, 3, seed=1)),
    ),
    "rms_norm weight": (lambda x, w: dx.rms_norm(x, 6, w), (rand(2, 3, 6), rand(6, seed=1))),
    "rms_norm no weight, eps None": (lambda x: dx.rms_norm(x, (4,)), (rand(5, 4),)),
    "rms_norm a large eps, non-contiguous": (
        lambda x, w: dx.rms_norm(x.transpose(0, 1), 3, w, eps=0.5),
        (0.5 * rand(3, 4), rand(3, seed=1)),
    ),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_gradients_match_finite_differences(name: str) -> None:
    op, arrays = GRADIENT_CASES[name]
    check_grads(op, *arrays)


@pytest.mark.parametrize("dtype", [dx.float32, dx.float64])
def test_dtype_is_kept_and_only_traced_inputs_get_gradients(dtype: Any) -> None:
    x = dx.tensor(rand(2, 4, 3), dtype=dtype)
    w, b = dx.ones(4, dtype=dtype), dx.zeros(4, dtype=dtype)
    # only the weight is traced: a plain input, a traced parameter (mixed tapes)
    wt = w.trace()
    y = dx.group_norm(x, 2, wt, b)
    assert y.dtype == dtype and y.is_traced
    grads = (y * y).sum().backward()
    assert grads[wt].dtype == dtype and grads[wt].shape == (4,)
    z = dx.rms_norm(x.trace(), 3, dx.ones(3, dtype=dtype))
    assert z.dtype == dtype and z.shape == (2, 4, 3)
    for op in (dx.relu6, dx.hardswish, dx.mish, dx.elu):
        out = op(x.trace())
        assert out.dtype == dtype and out.shape == x.shape


def test_normalised_groups_have_mean_0_and_variance_1() -> None:
    x = dx.tensor(3.0 + 2.0 * rand(2, 6, 5))
    y = dx.group_norm(x, 3).numpy().reshape(2, 3, -1)
    np.testing.assert_allclose(y.mean(axis=-1), 0.0, atol=1e-12)
    var = x.numpy().reshape(2, 3, -1).var(axis=-1)
    np.testing.assert_allclose(y.var(axis=-1), var / (var + 1e-5), rtol=1e-12)


def test_rms_norm_eps_none_is_the_machine_epsilon_of_the_dtype() -> None:
    x = rand(3, 4) * 1e-4  # small enough that eps shows
    for dtype in (np.float32, np.float64):
        got = dx.rms_norm(dx.tensor(x.astype(dtype)), 4).numpy()
        eps = np.finfo(dtype).eps
        want = x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps)
        np.testing.assert_allclose(got, want, rtol=_helpers.tolerance(dtype, 4)[0])


# ---- errors ----------------------------------------------------------------------------------


def raises_exactly(exc: type[BaseException], message: str, fn: Callable[[], Any]) -> None:
    with pytest.raises(exc, match=f"^{re.escape(message)}$"):
        fn()


def test_group_norm_errors() -> None:
    x = dx.zeros(2, 6, 5)
    raises_exactly(
        ShapeError,
        "group_norm: num_groups 4 must divide the 6 channels on axis 1 of Tensor[2, 6, 5]",
        lambda: dx.group_norm(x, 4),
    )
    raises_exactly(
        ShapeError,
        "group_norm: weight must be Tensor[6] (one per channel on axis 1), got Tensor[5]",
        lambda: dx.group_norm(x, 3, dx.ones(5)),
    )
    raises_exactly(
        ShapeError,
        "group_norm: bias must be Tensor[6] (one per channel on axis 1), got Tensor[6, 1]",
        lambda: dx.group_norm(x, 3, None, dx.zeros(6, 1)),
    )
    raises_exactly(
        ShapeError,
        "group_norm: expected an input (N, C, *) of at least 2 axes, got Tensor[6]",
        lambda: dx.group_norm(dx.zeros(6), 2),
    )
    raises_exactly(
        ShapeError,
        "group_norm: expected non-zero sizes for every axis but the batch, got Tensor[2, 6, 0]",
        lambda: dx.group_norm(dx.zeros(2, 6, 0), 2),
    )
    for bad in (0, -1, True, 2.0, None):
        raises_exactly(
            ValueError,
            f"group_norm: num_groups must be an int > 0, got {bad!r}",
            lambda bad=bad: dx.group_norm(x, bad),
        )
    raises_exactly(
        ValueError, "group_norm: eps must be > 0, got 0", lambda: dx.group_norm(x, 2, eps=0)
    )
    raises_exactly(
        TypeError,
        "group_norm: weight must be a tensor, got ndarray",
        lambda: dx.group_norm(x, 2, np.ones(6)),
    )
    with pytest.raises(dx.DTypeError, match=r"^group_norm: needs a float32 or float64 tensor"):
        dx.group_norm(dx.tensor(np.ones((2, 4), dtype=np.int64)), 2)
    with pytest.raises(dx.DTypeError, match=r"^group_norm: dtypes differ"):
        dx.group_norm(x, 2, dx.ones(6, dtype=dx.float64))


def test_rms_norm_errors() -> None:
    x = dx.zeros(2, 5)
    raises_exactly(
        ShapeError,
        "rms_norm: takes 4 features, got Tensor[2, 5] (5 != 4)",
        lambda: dx.rms_norm(x, 4),
    )
    raises_exactly(
        ShapeError,
        "rms_norm: weight must be Tensor[5] (one per feature of the last axis), got Tensor[4]",
        lambda: dx.rms_norm(x, 5, dx.ones(4)),
    )
    with pytest.raises(ValueError, match=r"^rms_norm: normalized_shape must be the size"):
        dx.rms_norm(x, (2, 5))
    raises_exactly(
        ValueError, "rms_norm: eps must be > 0, got -1.0", lambda: dx.rms_norm(x, 5, eps=-1.0)
    )
    raises_exactly(
        TypeError, "rms_norm: weight must be a tensor, got list", lambda: dx.rms_norm(x, 5, [1.0])
    )
    with pytest.raises(dx.DTypeError, match=r"^rms_norm: dtypes differ"):
        dx.rms_norm(x, 5, dx.ones(5, dtype=dx.float64))


def test_activation_errors() -> None:
    raises_exactly(
        TypeError, "elu: alpha must be a number, got 'a'", lambda: dx.elu(dx.zeros(2), "a")
    )  # type: ignore[arg-type]
    with pytest.raises(dx.DTypeError, match=r"^relu6: needs a float32 or float64 tensor"):
        dx.relu6(dx.tensor(np.ones(3, dtype=np.int64)))
    raises_exactly(
        TypeError,
        "LeakyReLU: negative_slope must be a number, got None",
        lambda: nn.LeakyReLU(None),  # type: ignore[arg-type]
    )


def test_layer_constructor_errors() -> None:
    raises_exactly(
        ShapeError, "GroupNorm: num_groups 4 must divide num_channels 6", lambda: nn.GroupNorm(4, 6)
    )
    raises_exactly(
        ShapeError, "GroupNorm: num_channels must be an int > 0, got 0", lambda: nn.GroupNorm(1, 0)
    )
    raises_exactly(
        ShapeError,
        "Conv1d: groups 4 must divide out_channels 6",
        lambda: nn.Conv1d(4, 6, 3, groups=4),
    )
    raises_exactly(
        ShapeError,
        "Conv1d: groups 4 must divide in_channels 6",
        lambda: nn.Conv1d(6, 8, 3, groups=4),
    )
    raises_exactly(
        ShapeError,
        "Conv2d: groups 4 must divide in_channels 6",
        lambda: nn.Conv2d(6, 4, 3, groups=4),
    )
    raises_exactly(
        ShapeError,
        "ConvTranspose2d: groups 4 must divide out_channels 6",
        lambda: nn.ConvTranspose2d(4, 6, 3, groups=4),
    )
    raises_exactly(
        ShapeError, "Conv1d: stride must be an int > 0, got 0", lambda: nn.Conv1d(4, 6, 3, stride=0)
    )
    raises_exactly(
        ValueError,
        "Conv1d: kernel_size must be an int or a 1-tuple, got (3, 3)",
        lambda: nn.Conv1d(4, 6, (3, 3)),  # type: ignore[arg-type]
    )
    raises_exactly(
        ShapeError, "RMSNorm: normalized_shape must be an int > 0, got 0", lambda: nn.RMSNorm(0)
    )
    raises_exactly(ValueError, "RMSNorm: eps must be > 0, got 0.0", lambda: nn.RMSNorm(4, eps=0.0))


def test_layer_call_errors() -> None:
    raises_exactly(
        ShapeError,
        "GroupNorm[6]: takes 6 channels on axis 1, got Tensor[2, 4, 9] (4 != 6)",
        lambda: nn.GroupNorm(2, 6)(dx.zeros(2, 4, 9)),
    )
    raises_exactly(
        ShapeError,
        "RMSNorm[8]: takes 8 features, got Tensor[4, 6] (6 != 8)",
        lambda: nn.RMSNorm(8)(dx.zeros(4, 6)),
    )
    raises_exactly(
        ShapeError,
        "conv1d: expected a 3-d input (N, C, L), got Tensor[2, 4, 9, 9]",
        lambda: nn.Conv1d(4, 6, 3)(dx.zeros(2, 4, 9, 9)),
    )


# ---- the layers ------------------------------------------------------------------------------


def test_parameters_are_pytorchs_and_initialised_as_its() -> None:
    g = nn.GroupNorm(2, 6)
    assert {k: v.shape for k, v in g.state_dict().items()} == {"weight": (6,), "bias": (6,)}
    np.testing.assert_array_equal(g.weight.numpy(), 1.0)  # type: ignore[union-attr]
    np.testing.assert_array_equal(g.bias.numpy(), 0.0)  # type: ignore[union-attr]
    assert list(nn.GroupNorm(2, 6, bias=False).state_dict()) == ["weight"]
    assert list(nn.GroupNorm(2, 6, affine=False).state_dict()) == []
    r = nn.RMSNorm(5)
    assert list(r.state_dict()) == ["weight"] and r.eps is None
    np.testing.assert_array_equal(r.weight.numpy(), 1.0)  # type: ignore[union-attr]
    assert list(nn.RMSNorm(5, elementwise_affine=False).state_dict()) == []
    c = nn.Conv1d(4, 6, 5, groups=2, rng=np.random.default_rng(0))
    assert {k: v.shape for k, v in c.state_dict().items()} == {"weight": (6, 2, 5), "bias": (6,)}
    # PyTorch's kaiming_uniform_(a=sqrt(5)): weight and bias uniform in +-1/sqrt(fan_in)
    bound = 1 / np.sqrt(2 * 5)
    for t in (c.weight, c.bias):
        a = t.numpy()  # type: ignore[union-attr]
        assert np.abs(a).max() <= bound and np.abs(a).max() > 0.8 * bound
    assert list(nn.Conv1d(4, 6, 3, bias=False).state_dict()) == ["weight"]
    assert list(nn.Identity(3, any_argument=1).state_dict()) == []
    assert nn.Conv1d(4, 6, (3,), stride=(2,)).kernel_size == 3


def test_state_dict_names_and_shapes_are_torchs() -> None:
    torch = pytest.importorskip("torch")
    pairs = [
        (nn.Conv1d(4, 6, 3, groups=2), torch.nn.Conv1d(4, 6, 3, groups=2)),
        (nn.GroupNorm(2, 6), torch.nn.GroupNorm(2, 6)),
        (nn.GroupNorm(2, 6, bias=False), torch.nn.GroupNorm(2, 6, bias=False)),
        (nn.RMSNorm(5), torch.nn.RMSNorm(5)),
        (nn.RMSNorm(5, elementwise_affine=False), torch.nn.RMSNorm(5, elementwise_affine=False)),
    ]
    for ours, theirs in pairs:
        want = {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
        assert {k: v.shape for k, v in ours.state_dict().items()} == want, type(ours).__name__


def test_unflatten_errors_and_sizes() -> None:
    assert nn.Unflatten(1, [2, -1])(dx.zeros(3, 8)).shape == (3, 2, 4)
    assert nn.Unflatten(-2, (1, 2))(dx.zeros(3, 2, 5)).shape == (3, 1, 2, 5)
    raises_exactly(
        ShapeError,
        "Unflatten: unflattened_size (2, 5) does not fit axis 1 of Tensor[3, 8] (size 8)",
        lambda: nn.Unflatten(1, (2, 5))(dx.zeros(3, 8)),
    )
    raises_exactly(
        ShapeError,
        "Unflatten: only one size of unflattened_size may be -1, got (-1, -1)",
        lambda: nn.Unflatten(1, (-1, -1)),
    )
    raises_exactly(
        ShapeError,
        "Unflatten: unflattened_size must be a tuple of ints >= -1, got 4",
        lambda: nn.Unflatten(1, 4),  # type: ignore[arg-type]
    )
    raises_exactly(
        ShapeError,
        "Unflatten: axis 2 is out of range for Tensor[3, 8]",
        lambda: nn.Unflatten(2, (2, 4))(dx.zeros(3, 8)),
    )
    raises_exactly(
        ShapeError,
        "Unflatten: axis must be an int, got '1'",
        lambda: nn.Unflatten("1", (2, 4)),  # type: ignore[arg-type]
    )


def test_identity_returns_its_input() -> None:
    x = dx.randn(2, 3).trace()
    assert nn.Identity()(x) is x


def test_activation_layers_call_their_ops() -> None:
    x = dx.tensor(np.linspace(-8.0, 8.0, 17))
    for layer, op in (
        (nn.LeakyReLU(0.2), lambda t: dx.leaky_relu(t, 0.2)),
        (nn.ReLU6(), dx.relu6),
        (nn.Hardswish(), dx.hardswish),
        (nn.Mish(), dx.mish),
        (nn.ELU(0.5), lambda t: dx.elu(t, 0.5)),
    ):
        np.testing.assert_array_equal(layer(x).numpy(), op(x).numpy())
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.GroupNorm(2, 6)) == "GroupNorm(2, 6, eps=1e-05, affine=True)"


INPLACE_LAYERS: dict[str, Callable[..., nn.Module]] = {
    "ReLU": nn.ReLU,
    "SiLU": nn.SiLU,
    "LeakyReLU": nn.LeakyReLU,
    "ReLU6": nn.ReLU6,
    "Hardswish": nn.Hardswish,
    "Mish": nn.Mish,
    "ELU": nn.ELU,
    "Dropout": nn.Dropout,
}
"""The layers that take PyTorch's ``inplace`` flag, which dfdx accepts and does not act on."""


@pytest.mark.parametrize("name", INPLACE_LAYERS)
def test_inplace_is_accepted_and_leaves_the_input_and_the_gradient_as_they_were(name: str) -> None:
    make = INPLACE_LAYERS[name]
    x = dx.tensor(np.linspace(-4.0, 4.0, 9))
    before = x.numpy().copy()
    plain, inplace = make(), make(inplace=True)
    plain.eval(), inplace.eval()  # Dropout: the identity, as the activations are deterministic
    assert (plain.inplace, inplace.inplace) == (False, True)
    np.testing.assert_array_equal(inplace(x).numpy(), plain(x).numpy())
    np.testing.assert_array_equal(x.numpy(), before)
    xt, xt_inplace = x.trace(), x.trace()
    g_plain = plain(xt).sum().backward()[xt].numpy()
    g_inplace = inplace(xt_inplace).sum().backward()[xt_inplace].numpy()
    np.testing.assert_array_equal(g_inplace, g_plain)
    np.testing.assert_array_equal(x.numpy(), before)
    assert repr(inplace).endswith("inplace=True)")
    assert "inplace" not in repr(plain)
    raises_exactly(TypeError, f"{name}: inplace must be a bool, got 1", lambda: make(inplace=1))


def test_inplace_is_where_pytorch_takes_it() -> None:
    """Positionally too: ``LeakyReLU(0.2, True)``, ``ELU(1.0, True)``, ``Dropout(0.5, True)``."""
    torch = pytest.importorskip("torch")
    for name, make in INPLACE_LAYERS.items():
        ours = list(inspect.signature(make).parameters.values())
        theirs = list(inspect.signature(getattr(torch.nn, name)).parameters.values())
        theirs_positional = [
            (p.name, p.default) for p in theirs if p.kind == p.POSITIONAL_OR_KEYWORD
        ]
        ours_positional = [(p.name, p.default) for p in ours if p.kind == p.POSITIONAL_OR_KEYWORD]
        assert ours_positional == theirs_positional, name
    assert repr(nn.LeakyReLU(0.2, True)) == repr(torch.nn.LeakyReLU(0.2, True))
    assert repr(nn.ELU(0.5, True)) == repr(torch.nn.ELU(0.5, True))
    assert repr(nn.ReLU(True)) == repr(torch.nn.ReLU(True))


# ---- recurrent layers ------------------------------------------------------------------------


def _rnn_arrays(case: Any) -> dict[str, np.ndarray]:
    return _helpers.case_arrays(
        FIXTURE,
        f"rnn/{case.name}/",
        f"no fixture for {case.name}: run python tests/fixtures/make_torch_layer_fixtures.py",
    )


def run_rnn(case: Any, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """dfdx's results and gradients for ``case`` with the fixture's weights and inputs."""
    model = getattr(nn, case.kind)(*case.args, **dict(case.kwargs), dtype=dx.float64)
    model.load_state_dict({k[6:]: v for k, v in arrays.items() if k.startswith("state/")})
    inputs = {k: dx.tensor(arrays[k]).trace() for k in ("x", "h0", "c0") if k in arrays}
    hx: Any = None
    if "h0" in inputs:
        hx = (inputs["h0"], inputs["c0"]) if case.kind == "LSTM" else inputs["h0"]
    y, state = model(inputs["x"], hx)
    results = {"out": y, **({"h_n": state[0], "c_n": state[1]} if case.kind == "LSTM" else {})}
    results = results if case.kind == "LSTM" else {"out": y, "h_n": state}
    loss: Any = None
    for key, value in results.items():
        term = (value * dx.tensor(arrays[f"r/{key}"])).sum()
        loss = term if loss is None else loss + term
    grads = loss.backward()
    got = {key: value.numpy() for key, value in results.items()}
    got |= {f"grad/{k}": grads[t].numpy() for k, t in inputs.items()}
    got |= {f"grad/{k}": grads[p].numpy() for k, p in model.named_parameters()}
    got |= {k: v for k, v in arrays.items() if k.startswith(("state/", "r/")) or k in inputs}
    return got


@pytest.mark.parametrize("case", fixtures.RNN_CASES, ids=lambda c: c.name)
def test_recurrent_layers_match_pytorch(case: Any) -> None:
    arrays = _rnn_arrays(case)
    _helpers.assert_same_arrays(run_rnn(case, arrays), arrays)


@pytest.mark.parametrize("case", fixtures.RNN_CASES, ids=lambda c: c.name)
def test_recurrent_fixture_is_current(case: Any) -> None:
    pytest.importorskip("torch")
    _helpers.assert_same_arrays(fixtures.torch_rnn_case(case), _rnn_arrays(case))


def test_recurrent_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(0)
    lstm = nn.LSTM(2, 3, bidirectional=True, rng=rng, dtype=dx.float64)
    gru = nn.GRU(2, 3, num_layers=2, batch_first=True, rng=rng, dtype=dx.float64)
    check_grads(lambda x: lstm(x)[0], rand(3, 2, 2))
    # the initial states are sliced per layer and direction: traced, they get their gradients
    check_grads(
        lambda x, h, c: lstm(x, (h.trace(), c.trace()))[1][1],
        rand(3, 2, 2),
        rand(2, 2, 3, seed=1),
        rand(2, 2, 3, seed=2),
    )
    check_grads(lambda x, h: gru(x, h.trace())[0], rand(2, 3, 2), rand(2, 2, 3, seed=1))
    elman = nn.RNN(2, 3, nonlinearity="relu", rng=rng, dtype=dx.float64)
    check_grads(lambda x: elman(x)[1], rand(4, 2, 2))


def test_recurrent_parameters_are_pytorchs() -> None:
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, rng=np.random.default_rng(0))
    shapes_ = {k: v.shape for k, v in lstm.state_dict().items()}
    assert shapes_["weight_ih_l0"] == (16, 3) and shapes_["weight_hh_l1_reverse"] == (16, 4)
    assert shapes_["weight_ih_l1"] == (16, 8) and shapes_["bias_hh_l0_reverse"] == (16,)
    assert len(shapes_) == 16
    bound = 1 / np.sqrt(4)
    values = np.concatenate([v.ravel() for v in lstm.state_dict().values()])
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.9 * bound
    assert list(nn.GRU(3, 4, bias=False).state_dict()) == ["weight_ih_l0", "weight_hh_l0"]
    assert repr(nn.GRU(3, 4, num_layers=2, batch_first=True)) == (
        "GRU(3, 4, num_layers=2, batch_first=True)"
    )


def test_recurrent_state_dict_names_are_torchs() -> None:
    torch = pytest.importorskip("torch")
    for kw in ({}, {"num_layers": 2, "bidirectional": True}, {"bias": False}):
        for kind in ("RNN", "LSTM", "GRU"):
            ours = getattr(nn, kind)(3, 4, **kw).state_dict()
            theirs = getattr(torch.nn, kind)(3, 4, **kw).state_dict()
            assert {k: v.shape for k, v in ours.items()} == {
                k: tuple(v.shape) for k, v in theirs.items()
            }


def test_recurrent_dropout_applies_between_layers_in_training_only() -> None:
    gru = nn.GRU(2, 3, num_layers=2, dropout=0.5, rng=np.random.default_rng(0))
    x = dx.randn(4, 2, 2, rng=np.random.default_rng(1))
    gru.eval()
    a, b = gru(x)[0].numpy(), gru(x)[0].numpy()
    np.testing.assert_array_equal(a, b)
    gru.train()
    dx.manual_seed(0)
    assert not np.allclose(gru(x)[0].numpy(), a)


def test_recurrent_errors() -> None:
    lstm = nn.LSTM(3, 4)
    raises_exactly(
        ShapeError,
        "LSTM: expected an input (L, N, input_size) with input_size 3, got Tensor[5, 2, 4]",
        lambda: lstm(dx.zeros(5, 2, 4)),
    )
    raises_exactly(
        ShapeError,
        "LSTM: expected an initial state Tensor[1, 2, 4] (num_layers * directions, N, "
        "hidden_size), got Tensor[2, 4]",
        lambda: lstm(dx.zeros(5, 2, 3), (dx.zeros(2, 4), dx.zeros(1, 2, 4))),
    )
    raises_exactly(
        ShapeError,
        "GRU: expected a sequence of length >= 1, got Tensor[2, 0, 3]",
        lambda: nn.GRU(3, 4, batch_first=True)(dx.zeros(2, 0, 3)),
    )
    raises_exactly(ValueError, "GRU: hidden_size must be an int > 0, got 0", lambda: nn.GRU(3, 0))
    raises_exactly(
        ValueError,
        "RNN: nonlinearity must be 'tanh' or 'relu', got 'gelu'",
        lambda: nn.RNN(3, 4, nonlinearity="gelu"),  # type: ignore[arg-type]
    )
    raises_exactly(
        ValueError, "LSTM: dropout must be in [0, 1], got 1.5", lambda: nn.LSTM(3, 4, dropout=1.5)
    )


def test_a_plain_initial_state_still_gives_the_parameters_their_gradients() -> None:
    gru = nn.GRU(2, 3, rng=np.random.default_rng(0), dtype=dx.float64)
    x, h0 = dx.tensor(rand(4, 2, 2)), dx.tensor(rand(1, 2, 3, seed=1))
    plain = (gru(x.trace(), h0)[0] ** 2.0).sum().backward()
    traced = (gru(x.trace(), h0.trace())[0] ** 2.0).sum().backward()
    for name, p in gru.named_parameters():
        np.testing.assert_allclose(plain[p].numpy(), traced[p].numpy(), rtol=1e-12, err_msg=name)


# ---- padding "same" and "valid" --------------------------------------------------------------


def test_padding_same_keeps_the_size_and_valid_is_no_padding() -> None:
    x1, x2 = dx.zeros(2, 3, 7), dx.zeros(2, 3, 6, 5)
    assert nn.Conv1d(3, 4, 4, padding="same")(x1).shape == (2, 4, 7)
    assert nn.Conv1d(3, 4, 3, padding="same", dilation=3)(x1).shape == (2, 4, 7)
    assert nn.Conv1d(3, 4, 3, padding="valid")(x1).shape == (2, 4, 5)
    assert nn.Conv2d(3, 4, (2, 5), padding="same", dilation=(3, 1))(x2).shape == (2, 4, 6, 5)
    assert nn.Conv2d(3, 4, 3, padding="valid")(x2).shape == (2, 4, 4, 3)
    assert dx.conv2d(x2, dx.zeros(4, 3, 1, 4), padding="same").shape == (2, 4, 6, 5)
    assert dx.conv1d(x1, dx.zeros(4, 3, 2), padding="valid").shape == (2, 4, 6)


def test_padding_same_puts_the_odd_one_after() -> None:
    """A kernel of 2 (a total of 1): output ``i`` reads inputs ``i`` and ``i + 1``, the last
    one reads the padding, as PyTorch's."""
    x = dx.tensor([[[1.0, 2.0, 3.0]]])
    y = dx.conv1d(x, dx.tensor([[[1.0, 10.0]]]), padding="same")
    np.testing.assert_array_equal(y.numpy(), [[[21.0, 32.0, 3.0]]])


def test_padding_word_errors() -> None:
    x1, x2 = dx.zeros(2, 3, 7), dx.zeros(2, 3, 6, 5)
    raises_exactly(
        ShapeError,
        "Conv2d: padding='same' needs stride 1, got stride=2",
        lambda: nn.Conv2d(3, 4, 3, stride=2, padding="same"),
    )
    raises_exactly(
        ShapeError,
        "Conv2d: padding='same' needs stride 1, got stride=(1, 2)",
        lambda: nn.Conv2d(3, 4, 3, stride=(1, 2), padding="same"),
    )
    raises_exactly(
        ShapeError,
        "Conv1d: padding='same' needs stride 1, got stride=3",
        lambda: nn.Conv1d(3, 4, 3, stride=(3,), padding="same"),
    )
    nn.Conv2d(3, 4, 3, stride=2, padding="valid")  # valid takes any stride
    raises_exactly(
        ShapeError,
        "conv2d: padding='same' needs stride 1, got stride=(2, 2)",
        lambda: dx.conv2d(x2, dx.zeros(4, 3, 3, 3), stride=2, padding="same"),
    )
    raises_exactly(
        ShapeError,
        "conv1d: padding='same' needs stride 1, got stride=(2,)",
        lambda: dx.conv1d(x1, dx.zeros(4, 3, 3), stride=(2,), padding="same"),
    )
    raises_exactly(
        ShapeError,
        "Conv2d: padding must be 'same' or 'valid', an int >= 0 or a pair of them, got 'full'",
        lambda: nn.Conv2d(3, 4, 3, padding="full"),  # type: ignore[arg-type]
    )
    raises_exactly(
        ShapeError,
        "Conv1d: padding must be 'same' or 'valid', an int >= 0, got 'SAME'",
        lambda: nn.Conv1d(3, 4, 3, padding="SAME"),  # type: ignore[arg-type]
    )
    raises_exactly(
        ShapeError,
        "conv1d: padding must be 'same', 'valid', an int or a tuple of ints, got 'full'",
        lambda: dx.conv1d(x1, dx.zeros(4, 3, 3), padding="full"),  # type: ignore[call-overload]
    )
    raises_exactly(
        ShapeError,
        "ConvTranspose1d: padding must be an int >= 0, got 'same'",
        lambda: nn.ConvTranspose1d(3, 4, 3, padding="same"),  # type: ignore[arg-type]
    )


def test_padding_words_repr_and_state_dict_are_pytorchs() -> None:
    assert repr(nn.Conv2d(3, 4, 3, padding="same")).endswith("padding=same)")
    assert repr(nn.Conv1d(3, 4, 3, padding="valid")).endswith("padding=valid)")
    c = nn.Conv2d(3, 4, (2, 3), padding="same", dilation=2)
    assert c.padding == "same"
    assert {k: v.shape for k, v in c.state_dict().items()} == {
        "weight": (4, 3, 2, 3),
        "bias": (4,),
    }


def test_padding_words_against_live_pytorch() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Conv2d(3, 4, 3, padding="same"), torch.nn.Conv2d(3, 4, 3, padding="same")
    assert repr(ours) == repr(theirs)
    got = {k: v.shape for k, v in ours.state_dict().items()}
    assert got == {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    for kw in ({"stride": 2, "padding": "same"}, {"padding": "full"}):
        with pytest.raises(ValueError):
            torch.nn.Conv2d(3, 4, 3, **kw)  # PyTorch refuses what dfdx refuses
        with pytest.raises(ValueError):
            nn.Conv2d(3, 4, 3, **kw)
