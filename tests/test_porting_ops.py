"""The ops ports of PyTorch models reached for (einsum, the ``*_like`` makers, eye, linspace,
randint, cumsum, norm, erf, log1p, interpolation to a size, binary cross-entropy on
probabilities, ParameterList): values and gradients against PyTorch (the committed
``fixtures/torch_porting_ops.npz``, written by ``fixtures/make_torch_porting_fixtures.py``,
whose ``CASES`` table this file imports), gradients against float64 finite differences, and
the errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import _helpers
import numpy as np
import pytest
from _helpers import check_grads

import dfdx as dx

fixtures = _helpers.load_fixture_script("make_torch_porting_fixtures.py")
CASES = fixtures.CASES
DTYPES: tuple[str, ...] = fixtures.DTYPES
FIXTURE = _helpers.load_npz(fixtures.FIXTURE)

DFDX_OPS: dict[str, Callable[..., Any]] = {
    "einsum": lambda *xs, subscripts: dx.einsum(subscripts, *xs),
    "eye": lambda n, m=None: dx.eye(n) if m is None else dx.eye(n, m),
    "linspace": lambda start, end, steps, dtype="float32": dx.linspace(
        start, end, steps, dtype=dtype
    ),
    "cumsum": dx.cumsum,  # axis=
    "norm": dx.norm,  # p=, axis=, keepdims=
    "erf": dx.erf,
    "log1p": dx.log1p,
    "interpolate": dx.interpolate,  # size=, scale_factor=, mode=, align_corners=
    "binary_cross_entropy": dx.losses.binary_cross_entropy,
}


def run_dfdx(case: Any, inputs: dict[str, np.ndarray], arrays: dict[str, Any]) -> dict[str, Any]:
    """dfdx's ``out/i`` and ``grad_<input>`` for ``case``, with the fixture's weights."""
    return _helpers.run_weighted_case(DFDX_OPS[case.op], case.name, case.kwargs, inputs, arrays)


def _arrays(name: str, dtype: str) -> dict[str, np.ndarray]:
    return _helpers.case_arrays(
        FIXTURE,
        f"{name}/{dtype}/",
        f"no fixture for {name} ({dtype}): "
        "run python tests/fixtures/make_torch_porting_fixtures.py",
    )


def _compare(got: dict[str, Any], want: dict[str, np.ndarray]) -> None:
    """The same keys, dtypes and shapes, and values within the dtype's tolerance for the
    case's size (:func:`_helpers.assert_same_arrays`)."""
    for key, value in want.items():
        assert np.asarray(got[key]).dtype == value.dtype, key
        assert np.asarray(got[key]).shape == value.shape, key
    _helpers.assert_same_arrays(got, want)


_PARAMS = [pytest.param(c, d, id=f"{c.name}-{d}") for c in CASES for d in DTYPES]


@pytest.mark.parametrize(("case", "dtype"), _PARAMS)
def test_matches_pytorch(case: Any, dtype: str) -> None:
    arrays = _arrays(case.name, dtype)
    inputs = {key: arrays[key] for key, _ in case.inputs}
    want = {k: v for k, v in arrays.items() if k.startswith(("out/", "grad_"))}
    _compare(run_dfdx(case, inputs, arrays), want)


def test_every_op_has_a_case() -> None:
    assert sorted({c.op for c in CASES}) == sorted(DFDX_OPS)


@pytest.mark.parametrize(("case", "dtype"), _PARAMS)
def test_fixture_is_current(case: Any, dtype: str) -> None:
    pytest.importorskip("torch")
    arrays = _arrays(case.name, dtype)
    inputs = {key: arrays[key] for key, _ in case.inputs}
    weights = {k: v for k, v in arrays.items() if k.startswith("weight/")}
    fresh = fixtures.run_torch(case, inputs, weights)
    _compare(fresh, {k: v for k, v in arrays.items() if not k.startswith(tuple(inputs))})


# ---- gradients by finite differences (float64) ---------------------------------------------


def _rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


GRADIENT_CASES: dict[str, tuple[Callable[..., Any], tuple[np.ndarray, ...]]] = {
    "einsum batched product": (
        lambda a, b: dx.einsum("bij,bjk->bik", a, b),
        (_rand(2, 3, 4), _rand(2, 4, 5, seed=1)),
    ),
    "einsum attention scores": (
        lambda q, k: dx.einsum("bhid,bhjd->bhij", q, k),
        (_rand(2, 2, 3, 4), _rand(2, 2, 5, 4, seed=1)),
    ),
    "einsum sum": (lambda a: dx.einsum("ijk->ik", a), (_rand(2, 3, 4),)),
    "einsum diagonal": (lambda a: dx.einsum("ii->i", a), (_rand(3, 3),)),
    "einsum trace": (lambda a: dx.einsum("ii", a), (_rand(3, 3),)),
    "einsum ellipsis summed": (
        lambda a, b: dx.einsum("...ij,...jk->ik", a, b),
        (_rand(2, 3, 4), _rand(1, 4, 5, seed=1)),
    ),
    "einsum ellipsis kept": (
        lambda a, b: dx.einsum("b...d,bd->b...", a, b),
        (_rand(2, 3, 1, 4), _rand(2, 4, seed=1)),
    ),
    "einsum size-1 letter": (
        lambda a, b: dx.einsum("ij,ij->ij", a, b),
        (_rand(1, 3), _rand(2, 3, seed=1)),
    ),
    "einsum three operands": (
        lambda a, b, c: dx.einsum("i,j,k->ijk", a, b, c),
        (_rand(2), _rand(3, seed=1), _rand(4, seed=2)),
    ),
    "einsum dot": (lambda a, b: dx.einsum("i,i", a, b), (_rand(3), _rand(3, seed=1))),
    "cumsum": (lambda a: dx.cumsum(a, 1), (_rand(3, 4),)),
    "cumsum method last axis": (lambda a: a.cumsum(-1), (_rand(2, 3, 4),)),
    "norm 2 all": (dx.norm, (_rand(3, 4),)),
    "norm 2 last axis keepdims": (lambda a: a.norm(axis=-1, keepdims=True), (_rand(3, 4),)),
    "norm 2 two axes": (lambda a: dx.norm(a, axis=(0, 2)), (_rand(2, 3, 4),)),
    "norm 1 axis 0": (lambda a: a.norm(1, axis=0), (_rand(3, 4),)),
    "erf": (dx.erf, (_rand(3, 4) * 2,)),
    "log1p": (dx.log1p, (np.random.default_rng(0).uniform(-0.5, 2.0, (3, 4)),)),
    "interpolate nearest to a size": (
        lambda x: dx.interpolate(x, size=(5, 3)),
        (_rand(1, 2, 3, 4),),
    ),
    "interpolate bilinear to a size": (
        lambda x: dx.interpolate(x, (5, 7), mode="bilinear"),
        (_rand(2, 1, 3, 4),),
    ),
    "interpolate bilinear align_corners down": (
        lambda x: dx.interpolate(x, size=2, mode="bilinear", align_corners=True),
        (_rand(1, 2, 4, 3),),
    ),
    "binary_cross_entropy": (
        dx.losses.binary_cross_entropy_loss,
        (
            np.random.default_rng(0).uniform(0.1, 0.9, (3, 4)),
            np.random.default_rng(1).uniform(0.0, 1.0, (3, 4)),
        ),
    ),
    "Upsample to a size": (
        lambda x: dx.nn.Upsample(size=(4, 6), mode="bilinear")(x),
        (_rand(1, 2, 3, 3),),
    ),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_gradients(name: str) -> None:
    op, arrays = GRADIENT_CASES[name]
    check_grads(op, *arrays)


# ---- einsum: errors and behaviour beyond the fixture ---------------------------------------


@pytest.mark.parametrize(
    ("subscripts", "shapes", "message"),
    [
        (
            "ij,jk->ik",
            [(2, 3), (4, 5)],
            "einsum 'ij,jk->ik': letter 'j' is 3 in operand 0 Tensor[2, 3] but 4 in operand 1 "
            "Tensor[4, 5]",
        ),
        ("ij,jk", [(2, 3)], "einsum 'ij,jk': 2 operands written, 1 given"),
        ("ijk->ik", [(2, 3)], "einsum 'ijk->ik': operand 0 has 2 axes but 'ijk' names 3"),
        ("ij->ik", [(2, 3)], "einsum 'ij->ik': the output's 'k' is in no operand"),
        ("ij->ii", [(2, 2)], "einsum 'ij->ii': the output names 'i' twice"),
        ("i1", [(2, 2)], "einsum 'i1': '1' is no subscript (letters a-z, A-Z and ...)"),
        ("...i...", [(2, 2)], "einsum '...i...': '...' more than once in '...i...'"),
        (
            "...ij,...jk->...ik",
            [(8, 2, 3), (6, 3, 4)],
            "einsum '...ij,...jk->...ik': an axis under '...' is 8 in operand 0 "
            "Tensor[8, 2, 3] but 6 in operand 1 Tensor[6, 3, 4]",
        ),
    ],
)
def test_einsum_shape_errors(subscripts: str, shapes: list[tuple[int, ...]], message: str) -> None:
    with pytest.raises(dx.ShapeError) as e:
        dx.einsum(subscripts, *(dx.ones(*s) for s in shapes))
    assert str(e.value) == message


def test_einsum_argument_errors() -> None:
    with pytest.raises(TypeError, match="einsum: subscripts must be a str"):
        dx.einsum(3, dx.ones(2))  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="einsum: expected tensors, got int"):
        dx.einsum("i", 3)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="einsum: expected at least one tensor"):
        dx.einsum("i")
    with pytest.raises(dx.DTypeError, match="einsum: dtypes differ"):
        dx.einsum("i,i", dx.ones(2, dtype=dx.float64), dx.ones(2, dtype=dx.float32))
    with pytest.raises(dx.DTypeError, match="einsum: needs a float32 or float64 tensor"):
        dx.einsum("i->i", dx.arange(3))


def test_einsum_keeps_dtype_and_tape() -> None:
    a = dx.ones(2, 3, dtype=dx.float32)
    out = dx.einsum("ij->j", a)
    assert out.dtype == dx.float32 and not out.is_traced
    assert dx.einsum("ij,jk", a.trace(), dx.ones(3, 4, dtype=dx.float32)).is_traced
    assert dx.einsum("ij->", a).shape == ()


# ---- creation --------------------------------------------------------------------------------


@pytest.mark.parametrize("maker", ["zeros_like", "ones_like", "randn_like", "rand_like"])
def test_like_makers_take_shape_and_dtype(maker: str) -> None:
    make = getattr(dx, maker)
    for dtype in (dx.float32, dx.float64):
        x = dx.randn(2, 3, 4, dtype=dtype).trace()
        out = make(x)
        assert out.shape == (2, 3, 4) and out.dtype == dtype and not out.is_traced
    assert make(dx.zeros(3), dtype=dx.float64).dtype == dx.float64
    np.testing.assert_array_equal(dx.zeros_like(dx.arange(4)).numpy(), np.zeros(4, np.int64))
    np.testing.assert_array_equal(dx.ones_like(dx.eye(2)).numpy(), np.ones((2, 2), np.float32))


def test_full_like_fills_in_the_dtype_of_its_argument() -> None:
    out = dx.full_like(dx.zeros(2, 3, dtype=dx.float64), 2)
    assert out.dtype == dx.float64
    np.testing.assert_array_equal(out.numpy(), np.full((2, 3), 2.0))
    assert dx.full_like(dx.arange(3), 7).dtype == dx.int64
    assert dx.full_like(dx.arange(3), 0.5, dtype=dx.float32).numpy().tolist() == [0.5] * 3


def test_random_like_makers_draw_from_their_distribution() -> None:
    x = dx.zeros(200, 500, dtype=dx.float64)
    normal = dx.randn_like(x, rng=np.random.default_rng(0)).numpy()
    uniform = dx.rand_like(x, rng=np.random.default_rng(1)).numpy()
    n = normal.size  # mean within 5 standard errors, variance within 5% (n = 100000)
    assert abs(normal.mean()) < 5 / np.sqrt(n) and abs(normal.var() - 1) < 0.05
    assert (
        uniform.min() >= 0
        and uniform.max() < 1
        and abs(uniform.mean() - 0.5) < 5 * 0.29 / np.sqrt(n)
    )
    dx.manual_seed(3)
    a = dx.randn_like(x[:2]).numpy()
    dx.manual_seed(3)
    np.testing.assert_array_equal(a, dx.randn_like(x[:2]).numpy())


def test_like_makers_errors() -> None:
    with pytest.raises(TypeError, match="zeros_like: expected a tensor, got ndarray"):
        dx.zeros_like(np.zeros(3))
    with pytest.raises(dx.DTypeError, match="randn_like: needs a float dtype, got int64"):
        dx.randn_like(dx.arange(3))
    with pytest.raises(dx.DTypeError, match="unsupported dtype"):
        dx.ones_like(dx.zeros(2), dtype="complex64")


def test_randint_draws_in_range() -> None:
    out = dx.randint(3, 7, (4000,), rng=np.random.default_rng(0))
    assert out.shape == (4000,) and out.dtype == dx.int64 and not out.is_traced
    counts = np.bincount(out.numpy(), minlength=7)
    assert counts[:3].sum() == 0 and counts[3:].min() > 900  # 1000 expected for each value
    assert dx.randint(5, (2, 3)).numpy().max() < 5
    assert dx.randint(0, 2, [3], dtype=dx.float32).dtype == dx.float32
    assert dx.randint(4, ()).shape == ()


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((5,), TypeError, "randint: expected (high, size) or (low, high, size), got 1 arguments"),
        ((3, 3, (2,)), ValueError, "randint: high must be greater than low, got low=3, high=3"),
        ((2.5, (2,)), TypeError, "randint: high must be an int, got 2.5"),
        ((5, 3), TypeError, "randint: size must be a tuple or list of ints, got 3"),
        ((5, (-1,)), dx.ShapeError, "randint: sizes must be >= 0, got -1 at position 0"),
    ],
)
def test_randint_errors(args: tuple[Any, ...], error: type[Exception], message: str) -> None:
    with pytest.raises(error) as e:
        dx.randint(*args)
    assert str(e.value) == message


def test_eye_and_linspace_errors() -> None:
    with pytest.raises(ValueError, match="eye: n must be >= 0, got -1"):
        dx.eye(-1)
    with pytest.raises(TypeError, match=r"eye: m must be an int, got 2\.0"):
        dx.eye(2, 2.0)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=r"linspace: steps must be an int, got 2\.0"):
        dx.linspace(0, 1, 2.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="linspace: start must be a number, got 'a'"):
        dx.linspace("a", 1, 2)  # type: ignore[arg-type]
    with pytest.raises(dx.DTypeError, match="linspace: dtype must be float32 or float64"):
        dx.linspace(0, 1, 3, dtype=dx.int64)
    assert dx.linspace(0, 1, 0).shape == (0,)
    assert dx.eye(0, 3).shape == (0, 3)


# ---- cumsum, norm: beyond the fixture --------------------------------------------------------


def test_cumsum_counts_bools_and_checks_its_axis() -> None:
    out = dx.cumsum(dx.tensor([[True, False, True], [False, True, True]]), 1)
    assert out.dtype == dx.int64 and not out.is_traced
    np.testing.assert_array_equal(out.numpy(), [[1, 1, 2], [0, 1, 2]])
    with pytest.raises(dx.ShapeError, match=r"cumsum: axis 2 is out of range for Tensor\[2, 3\]"):
        dx.cumsum(dx.ones(2, 3), 2)
    with pytest.raises(TypeError, match="cumsum: axis must be an int, got True"):
        dx.cumsum(dx.ones(2, 3), True)


def test_norm_gradient_at_zero_is_zero_and_p_is_checked() -> None:
    z = dx.zeros(2, 3, dtype=dx.float64).trace()
    grads = (z.norm(axis=1).sum() + z.norm(1)).backward()
    np.testing.assert_array_equal(grads[z].numpy(), np.zeros((2, 3)))
    for p in (3, 0, True, float("inf")):
        with pytest.raises(ValueError, match="norm: p must be 1 or 2"):
            dx.norm(dx.ones(3), p)
    assert dx.norm(dx.ones(2, 3), axis=-1, keepdims=True).shape == (2, 1)
    assert dx.ones(4).norm().item() == 2.0


def test_log1p_is_exact_near_zero_and_erf_keeps_dtype() -> None:
    tiny = dx.tensor([1e-12, -1e-10], dtype=dx.float64)
    np.testing.assert_allclose(dx.log1p(tiny).numpy(), [1e-12 - 5e-25, -1e-10 - 5e-21], rtol=1e-15)
    assert dx.erf(dx.zeros(3)).dtype == dx.float32
    with pytest.raises(dx.DTypeError, match="erf: needs a float32 or float64 tensor"):
        dx.erf(dx.arange(3))


# ---- interpolate and Upsample(size=...) ------------------------------------------------------


def test_upsample_to_a_size_is_interpolate() -> None:
    x = dx.randn(2, 3, 5, 4, rng=np.random.default_rng(0))
    for mode in ("nearest", "bilinear"):
        layer = dx.nn.Upsample(size=(7, 3), mode=mode)  # type: ignore[arg-type]
        want = dx.interpolate(x, size=(7, 3), mode=mode)  # type: ignore[arg-type]
        np.testing.assert_array_equal(layer(x).numpy(), want.numpy())
        assert "size=(7, 3)" in repr(layer)
    np.testing.assert_array_equal(
        dx.interpolate(x, scale_factor=2).numpy(), dx.upsample2d(x, 2).numpy()
    )
    np.testing.assert_array_equal(dx.interpolate(x, size=(5, 4)).numpy(), x.numpy())


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x: dx.interpolate(x), ValueError, "interpolate: give exactly one of size and "),
        (lambda x: dx.interpolate(x, 2, 2), ValueError, "interpolate: give exactly one of size"),
        (
            lambda x: dx.interpolate(x, (0, 2)),
            dx.ShapeError,
            "interpolate: size must be at least 1",
        ),
        (lambda x: dx.interpolate(x, (2, 2, 2)), TypeError, "interpolate: size must be an int or "),
        (lambda x: dx.interpolate(x[0], 4), dx.ShapeError, "interpolate: expected a 4-d input"),
        (lambda x: dx.interpolate(x, 4, mode="area"), ValueError, "interpolate: mode must be "),
        (
            lambda x: dx.interpolate(x, 4, align_corners=True),
            ValueError,
            "interpolate: align_corners is for mode='bilinear' only",
        ),
        (lambda x: dx.nn.Upsample(), ValueError, "Upsample: give exactly one of size and "),
        (lambda x: dx.nn.Upsample(2, size=3), ValueError, "Upsample: give exactly one of size"),
        (lambda x: dx.nn.Upsample(size=0), dx.ShapeError, "Upsample: size must be an int > 0"),
    ],
)
def test_interpolate_errors(
    call: Callable[[Any], Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as e:
        call(dx.ones(1, 2, 3, 3))
    assert str(e.value).startswith(message), str(e.value)


# ---- binary cross-entropy on probabilities ---------------------------------------------------


def test_binary_cross_entropy_floors_its_logs_as_pytorch() -> None:
    p = dx.tensor([0.0, 1.0, 0.5], dtype=dx.float64)
    t = dx.tensor([1.0, 0.0, 0.5], dtype=dx.float64)
    # log(0) is floored at -100: two saturated terms of 100 and one of log(2)
    assert dx.losses.binary_cross_entropy(p, t).item() == pytest.approx((200 + np.log(2)) / 3)
    grads = dx.losses.binary_cross_entropy(p.trace(), t).backward()
    assert np.isfinite(grads[p].numpy()).all()
    assert dx.losses.binary_cross_entropy is dx.losses.binary_cross_entropy_loss


def test_binary_cross_entropy_errors() -> None:
    with pytest.raises(ValueError, match=r"probabilities must lie in \[0, 1\]"):
        dx.losses.binary_cross_entropy(dx.tensor([0.5, 1.5]), dx.tensor([1.0, 0.0]))
    with pytest.raises(dx.ShapeError, match="binary_cross_entropy_loss"):
        dx.losses.binary_cross_entropy(dx.ones(3) * 0.5, dx.ones(4))
    with pytest.raises(dx.DTypeError, match="binary_cross_entropy_loss: needs a float"):
        dx.losses.binary_cross_entropy(dx.arange(3), dx.arange(3))


# ---- nn.ParameterList --------------------------------------------------------------------


class _Scaled(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = dx.nn.Linear(3, 3)
        self.scales = dx.nn.ParameterList([dx.full((3,), 2.0) for _ in range(2)])

    def forward(self, x: Any) -> Any:
        for s in self.scales:
            x = self.lin(x) * s
        return x


def test_parameter_list_holds_parameters_named_as_pytorch() -> None:
    m = _Scaled()
    assert [n for n, _ in m.named_parameters()] == [
        "lin.weight",
        "lin.bias",
        "scales.0",
        "scales.1",
    ]
    assert m.num_parameters() == 12 + 6
    x = dx.randn(2, 3, rng=np.random.default_rng(0)).trace()
    grads = m(x).sum().backward()
    before = m.scales[1].numpy().copy()
    dx.optim.SGD(m, lr=0.5).update(m, grads)
    np.testing.assert_allclose(m.scales[1].numpy(), before - 0.5 * grads[m.scales[1]].numpy())
    m.scales.append(dx.zeros(3))
    assert len(m.scales) == 3 and "scales.2" in m.state_dict()
    state = m.state_dict()
    fresh = _Scaled()
    fresh.scales.append(dx.ones(3))
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh.scales[0].numpy(), m.scales[0].numpy())
    assert len(m.scales[1:]) == 2 and "(2): (3,)" in repr(m)


def test_parameter_list_errors() -> None:
    with pytest.raises(TypeError, match=r"ParameterList: item 0 must be a dx\.Tensor, got ndarray"):
        dx.nn.ParameterList([np.zeros(3)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="ParameterList: item 0 is a int64 tensor"):
        dx.nn.ParameterList([dx.arange(3)])
    with pytest.raises(TypeError, match="expected an iterable of tensors, got a single tensor"):
        dx.nn.ParameterList(dx.zeros(3))
    with pytest.raises(IndexError, match="ParameterList: index 2 is out of range for 1 tensors"):
        dx.nn.ParameterList([dx.zeros(3)])[2]
