"""Every differentiable op against central finite differences, in float64.

Each case builds ``loss = (op(*inputs) * w).sum()`` with a fixed random ``w`` (so every
output element matters), runs ``backward()`` and compares the gradient of every tensor input
with ``(loss(x + eps) - loss(x - eps)) / (2 eps)``, element by element. The backward pass is
checked twice: with every input traced (their tapes merge), and with only the first input
traced (the others are untraced tensors that meet a traced one and get gradients too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _helpers import check_grads, distinct

import dfdx as dx

Op = Callable[..., Any]


def test_check_grads_catches_a_wrong_backward() -> None:
    """The helper is not vacuous: a backward rule off by a factor of 2 fails it."""
    from dfdx.ops._op import result

    def wrong_square(x: Any) -> Any:
        a = x._data
        return result(a * a, (x,), (lambda g: g * a,))

    with pytest.raises(AssertionError):
        check_grads(wrong_square, np.array([0.5, 1.0, 2.0]))
    check_grads(lambda x: x * x, np.array([0.5, 1.0, 2.0]))


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def away_from_zero(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Values in +-[0.2, 2]: no kinks of abs/relu/leaky_relu within eps."""
    r = rng(seed)
    return r.choice([-1.0, 1.0], size=shape) * r.uniform(0.2, 2.0, size=shape)


def positive(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return rng(seed).uniform(0.5, 2.0, size=shape)


# ---- unary ---------------------------------------------------------------------------------

UNARY: list[tuple[str, Op, Callable[[tuple[int, ...]], np.ndarray]]] = [
    ("neg", dx.neg, away_from_zero),
    ("neg-operator", lambda x: -x, away_from_zero),
    ("exp", dx.exp, away_from_zero),
    ("log", dx.log, positive),
    ("sqrt", dx.sqrt, positive),
    ("square", dx.square, away_from_zero),
    ("abs", dx.abs, away_from_zero),
    ("abs-builtin", lambda x: abs(x), away_from_zero),
    ("sin", dx.sin, away_from_zero),
    ("cos", dx.cos, away_from_zero),
    ("tanh", dx.tanh, away_from_zero),
    ("sigmoid", dx.sigmoid, away_from_zero),
    ("relu", dx.relu, away_from_zero),
    ("gelu-none", lambda x: dx.gelu(x, approximate="none"), away_from_zero),
    ("gelu-default", lambda x: x.gelu(), away_from_zero),
    ("gelu-tanh", lambda x: dx.gelu(x, approximate="tanh"), away_from_zero),
    ("leaky_relu", dx.leaky_relu, away_from_zero),
    ("leaky_relu-0.2", lambda x: x.leaky_relu(0.2), away_from_zero),
    ("softplus", dx.softplus, away_from_zero),
    ("pow-0", lambda x: dx.pow(x, 0), away_from_zero),
    ("pow-0.5", lambda x: dx.pow(x, 0.5), positive),
    ("pow-1", lambda x: x.pow(1), away_from_zero),
    ("pow-2", lambda x: x**2, away_from_zero),
    ("pow-3", lambda x: x**3, away_from_zero),
    ("pow-minus1", lambda x: x**-1, positive),
    ("pow-minus1.5", lambda x: x ** (-1.5), positive),
    ("pow-2.5", lambda x: x**2.5, positive),
    ("clamp-min", lambda x: dx.clamp(x, min=0.1), away_from_zero),
    ("clamp-max", lambda x: dx.clamp(x, max=-0.1), away_from_zero),
    ("clamp-both", lambda x: x.clamp(-0.5, 0.7), away_from_zero),
    ("to-float64", lambda x: x.to(dx.float64), away_from_zero),
]


@pytest.mark.parametrize("shape", [(3, 4), ()], ids=["3x4", "0d"])
@pytest.mark.parametrize(("name", "op", "make"), UNARY, ids=[u[0] for u in UNARY])
def test_unary(name: str, op: Op, make: Callable[..., np.ndarray], shape: tuple[int, ...]) -> None:
    x = make(shape)
    # Clear of the clamp bounds and of maximum/minimum's 0.3 within finite-difference reach.
    assert np.min(np.abs(x[..., None] - np.array([0.1, -0.1, -0.5, 0.7]))) > 1e-3
    check_grads(op, x)


def test_clamp_inputs_hit_both_sides_of_the_bounds() -> None:
    """The clamp cases above are meaningful only if some inputs are clamped and some not."""
    x = away_from_zero((3, 4))
    assert (x < -0.5).any() and (x > 0.7).any() and ((x > -0.5) & (x < 0.7)).any()


def test_to_float32_and_back() -> None:
    """float64 -> float32 -> float64 is the identity up to float32 rounding; its gradient
    passes straight through. A large eps keeps rounding out of the finite differences."""
    check_grads(lambda x: x.to(dx.float32).to(dx.float64), positive((3, 4)), eps=1e-2, rtol=1e-4)


def test_to_float32_gradient_is_exact_and_float64() -> None:
    x = dx.tensor(positive((3, 4)))
    w = dx.tensor(rng(1).normal(size=(3, 4)), dtype=dx.float32)
    grads = (x.trace().to(dx.float32) * w).sum().backward()
    assert grads[x].dtype == dx.float64
    np.testing.assert_array_equal(grads[x].numpy(), w.numpy().astype(np.float64))


# ---- binary --------------------------------------------------------------------------------

BINARY: list[tuple[str, Op]] = [
    ("add", dx.add),
    ("add-operator", lambda a, b: a + b),
    ("sub", dx.sub),
    ("sub-operator", lambda a, b: a - b),
    ("mul", dx.mul),
    ("mul-operator", lambda a, b: a * b),
    ("div", dx.div),
    ("div-operator", lambda a, b: a / b),
    ("maximum", dx.maximum),
    ("maximum-method", lambda a, b: a.maximum(b)),
    ("minimum", dx.minimum),
    ("minimum-method", lambda a, b: a.minimum(b)),
]

BROADCAST_SHAPES = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((4,), (3, 4)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (3, 1)),
    ((3, 1), (2, 1, 4)),
    ((), (3,)),
    ((3,), ()),
    ((), ()),
]


def _binary_inputs(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    a = away_from_zero(shape_a, seed=1)
    b = positive(shape_b, seed=2) * np.sign(away_from_zero(shape_b, seed=3))
    # No ties between a and b (maximum/minimum) within finite-difference reach.
    assert np.min(np.abs(a - b)) > 1e-3
    return a, b


@pytest.mark.parametrize(
    ("shape_a", "shape_b"), BROADCAST_SHAPES, ids=[f"{a}-{b}" for a, b in BROADCAST_SHAPES]
)
@pytest.mark.parametrize(("name", "op"), BINARY, ids=[b[0] for b in BINARY])
def test_binary(name: str, op: Op, shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> None:
    check_grads(op, *_binary_inputs(shape_a, shape_b))


SCALAR_OPS: list[tuple[str, Op]] = [
    ("x+2.5", lambda x: x + 2.5),
    ("2.5+x", lambda x: 2.5 + x),
    ("x-2.5", lambda x: x - 2.5),
    ("2.5-x", lambda x: 2.5 - x),
    ("x*2.5", lambda x: x * 2.5),
    ("2.5*x", lambda x: 2.5 * x),
    ("x*3-int", lambda x: x * 3),
    ("3*x-int", lambda x: 3 * x),
    ("x/2.5", lambda x: x / 2.5),
    ("2.5/x", lambda x: 2.5 / x),
    ("add(x,2.5)", lambda x: dx.add(x, 2.5)),
    ("sub(x,2.5)", lambda x: dx.sub(x, 2.5)),
    ("mul(x,2.5)", lambda x: dx.mul(x, 2.5)),
    ("div(x,2.5)", lambda x: dx.div(x, 2.5)),
    ("maximum(x,0.3)", lambda x: dx.maximum(x, 0.3)),
    ("minimum(x,0.3)", lambda x: dx.minimum(x, 0.3)),
    ("x+np.float64", lambda x: x + np.float64(1.5)),
    ("np.float64*x", lambda x: np.float64(1.5) * x),
]


@pytest.mark.parametrize(("name", "op"), SCALAR_OPS, ids=[s[0] for s in SCALAR_OPS])
def test_binary_with_python_scalar(name: str, op: Op) -> None:
    check_grads(op, away_from_zero((3, 4), seed=4))


def test_same_tensor_on_both_sides() -> None:
    check_grads(lambda x: x * x + x / (x * x + 1.0) - x, away_from_zero((3, 4)))


# ---- matmul --------------------------------------------------------------------------------

MATMUL_SHAPES = [
    ((4,), (4,)),
    ((4,), (4, 3)),
    ((3, 4), (4,)),
    ((3, 4), (4, 5)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((5, 3, 4), (2, 1, 4, 2)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 4, 3)),
    ((1, 3, 4), (2, 4, 5)),
]


@pytest.mark.parametrize(
    ("shape_a", "shape_b"), MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES]
)
@pytest.mark.parametrize("form", ["function", "operator"])
def test_matmul(form: str, shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> None:
    op = dx.matmul if form == "function" else (lambda a, b: a @ b)
    a = rng(5).normal(size=shape_a)
    b = rng(6).normal(size=shape_b)
    assert op(dx.tensor(a), dx.tensor(b)).shape == np.matmul(a, b).shape
    check_grads(op, a, b)


# ---- reductions ----------------------------------------------------------------------------

REDUCTIONS: list[tuple[str, Op, Callable[..., np.ndarray]]] = [
    ("sum", dx.sum, away_from_zero),
    ("mean", dx.mean, away_from_zero),
    ("max", dx.max, distinct),
    ("min", dx.min, distinct),
    ("var", dx.var, away_from_zero),
    ("var-correction0", lambda x, **kw: dx.var(x, correction=0, **kw), away_from_zero),
    ("logsumexp", dx.logsumexp, away_from_zero),
]
AXES: list[Any] = [None, 0, 1, 2, -1, -3, (0, 2), (-1, 0), (0, 1, 2), ()]


# Variance over no axis at all divides by n - correction = 0: not a differentiable case.
REDUCTION_CASES = [
    pytest.param(op, make, axis, id=f"{name}-axis={axis!r}")
    for name, op, make in REDUCTIONS
    for axis in AXES
    if not (name.startswith("var") and axis == ())
]


@pytest.mark.parametrize("keepdims", [False, True], ids=["drop", "keepdims"])
@pytest.mark.parametrize(("op", "make", "axis"), REDUCTION_CASES)
def test_reduction(op: Op, make: Callable[..., np.ndarray], axis: Any, keepdims: bool) -> None:
    x = make((2, 3, 4), seed=7)
    expected_shape = np.sum(x, axis=axis, keepdims=keepdims).shape
    assert op(dx.tensor(x), axis=axis, keepdims=keepdims).shape == expected_shape
    check_grads(lambda t: op(t, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var", "logsumexp"])
def test_reduction_methods_over_everything(name: str) -> None:
    x = distinct((3, 4), seed=8)
    check_grads(lambda t: getattr(t, name)(), x)
    check_grads(lambda t: getattr(t, name)(axis=-1, keepdims=True), x)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "logsumexp"])
def test_reduction_of_0d(name: str) -> None:
    check_grads(lambda t: getattr(dx, name)(t), np.array(0.7))


# ---- softmax -------------------------------------------------------------------------------

SOFTMAX_AXES = [0, 1, 2, -1, -2, -3]


@pytest.mark.parametrize("axis", SOFTMAX_AXES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax(name: str, axis: int) -> None:
    op = getattr(dx, name)
    x = away_from_zero((2, 3, 4), seed=9)
    check_grads(lambda t: op(t, axis=axis), x)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_default_axis_method(name: str) -> None:
    check_grads(lambda t: getattr(t, name)(), away_from_zero((3, 5), seed=10))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_large_inputs(name: str) -> None:
    """Stable at magnitudes where a naive exp overflows."""
    x = away_from_zero((2, 5), seed=11) + np.array([[800.0], [-800.0]])
    check_grads(lambda t: getattr(dx, name)(t, axis=-1), x)


def test_logsumexp_large_inputs() -> None:
    x = away_from_zero((2, 5), seed=12) + np.array([[800.0], [-800.0]])
    check_grads(lambda t: dx.logsumexp(t, axis=1), x)


# ---- compositions --------------------------------------------------------------------------


def test_two_layer_network_with_cross_entropy() -> None:
    """A small MLP: matmul, broadcast bias, relu, tanh, log_softmax, picking by a mask."""
    r = rng(13)
    x = r.normal(size=(5, 4))
    w1 = r.normal(size=(4, 6))
    b1 = r.normal(size=(6,))
    w2 = r.normal(size=(6, 3))
    onehot = np.eye(3)[r.integers(0, 3, size=5)]

    def net(x: Any, w1: Any, b1: Any, w2: Any) -> Any:
        h = (x @ w1 + b1).tanh().relu()
        logits = h @ w2
        return -(dx.log_softmax(logits, axis=-1) * dx.tensor(onehot)).sum(axis=-1).mean()

    check_grads(net, x, w1, b1, w2)


def test_normalisation_chain() -> None:
    """Layer-norm-like: mean and var over the last axis, sqrt, division with broadcasting."""
    x = away_from_zero((3, 5), seed=14)
    gamma = positive((5,), seed=15)

    def norm(x: Any, gamma: Any) -> Any:
        centered = x - x.mean(axis=-1, keepdims=True)
        std = (x.var(axis=-1, keepdims=True, correction=0) + 1e-5).sqrt()
        return centered / std * gamma

    check_grads(norm, x, gamma)


def test_diamond_graph() -> None:
    """One intermediate feeds two branches that meet again."""

    def f(x: Any, y: Any) -> Any:
        h = (x * y).sigmoid()
        return h.exp() * h.sin() + dx.maximum(h, y) - h.softmax(axis=0)

    a, b = _binary_inputs((3, 4), (3, 4))
    check_grads(f, a, b)
