"""Element types: float32 in, float32 out, forward and backward, for every op; float64 stays
float64; Python numbers never upcast a tensor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import dfdx as dx

Op = Callable[..., Any]

# (name, op, input shapes). Inputs are positive so that log, sqrt and pow are defined.
OPS: list[tuple[str, Op, list[tuple[int, ...]]]] = [
    ("neg", dx.neg, [(3, 4)]),
    ("exp", dx.exp, [(3, 4)]),
    ("log", dx.log, [(3, 4)]),
    ("sqrt", dx.sqrt, [(3, 4)]),
    ("square", dx.square, [(3, 4)]),
    ("abs", dx.abs, [(3, 4)]),
    ("sin", dx.sin, [(3, 4)]),
    ("cos", dx.cos, [(3, 4)]),
    ("tanh", dx.tanh, [(3, 4)]),
    ("sigmoid", dx.sigmoid, [(3, 4)]),
    ("relu", dx.relu, [(3, 4)]),
    ("gelu", dx.gelu, [(3, 4)]),
    ("gelu-tanh", lambda x: dx.gelu(x, approximate="tanh"), [(3, 4)]),
    ("leaky_relu", lambda x: dx.leaky_relu(x - 1.0, 0.1), [(3, 4)]),
    ("softplus", dx.softplus, [(3, 4)]),
    ("pow-0", lambda x: x**0, [(3, 4)]),
    ("pow-0.5", lambda x: x**0.5, [(3, 4)]),
    ("pow-3", lambda x: x**3, [(3, 4)]),
    ("pow-minus1", lambda x: x**-1, [(3, 4)]),
    ("clamp", lambda x: x.clamp(0.7, 1.3), [(3, 4)]),
    ("clamp-np.float64", lambda x: x.clamp(np.float64(0.7), np.float64(1.3)), [(3, 4)]),
    ("to-same", lambda x: x.to(x.dtype), [(3, 4)]),
    ("add", dx.add, [(3, 4), (4,)]),
    ("sub", dx.sub, [(3, 1), (1, 4)]),
    ("mul", dx.mul, [(2, 3, 4), (3, 1)]),
    ("div", dx.div, [(), (3,)]),
    ("maximum", dx.maximum, [(3, 4), (3, 4)]),
    ("minimum", dx.minimum, [(3, 4), (4,)]),
    ("x+py", lambda x: x + 2.5, [(3, 4)]),
    ("py-x", lambda x: 2.5 - x, [(3, 4)]),
    ("x*py", lambda x: x * 1e-3, [(3, 4)]),
    ("py/x", lambda x: 2.5 / x, [(3, 4)]),
    ("x+int", lambda x: x + 2, [(3, 4)]),
    ("x*np.float64", lambda x: x * np.float64(2.5), [(3, 4)]),
    ("x**np.float64", lambda x: x ** np.float64(2.5), [(3, 4)]),
    ("np.float64-x", lambda x: np.float64(2.5) - x, [(3, 4)]),
    ("maximum-py", lambda x: dx.maximum(x, 1.0), [(3, 4)]),
    ("minimum-py", lambda x: dx.minimum(x, 1.0), [(3, 4)]),
    ("matmul-2d", dx.matmul, [(3, 4), (4, 5)]),
    ("matmul-vec-vec", dx.matmul, [(4,), (4,)]),
    ("matmul-batched", dx.matmul, [(2, 1, 3, 4), (5, 4, 2)]),
    ("matmul-vec-mat", dx.matmul, [(4,), (2, 4, 3)]),
    ("sum", lambda x: x.sum(axis=0), [(3, 4)]),
    ("sum-all", lambda x: x.sum(), [(3, 4)]),
    ("mean", lambda x: x.mean(axis=(0, 1), keepdims=True), [(3, 4)]),
    ("max", lambda x: x.max(axis=-1), [(3, 4)]),
    ("min", lambda x: x.min(), [(3, 4)]),
    ("var", lambda x: x.var(axis=1), [(3, 4)]),
    ("var-0", lambda x: x.var(correction=0), [(3, 4)]),
    ("logsumexp", lambda x: x.logsumexp(axis=0), [(3, 4)]),
    ("softmax", lambda x: x.softmax(axis=0), [(3, 4)]),
    ("log_softmax", lambda x: x.log_softmax(), [(3, 4)]),
    ("0d-exp", dx.exp, [()]),
    ("0d-sum", dx.sum, [()]),
    ("0d-mul", dx.mul, [(), ()]),
]


def _inputs(shapes: list[tuple[int, ...]], dtype: Any) -> list[dx.Tensor]:
    rng = np.random.default_rng(0)
    return [dx.tensor(rng.uniform(0.5, 1.5, size=s), dtype=dtype) for s in shapes]


@pytest.mark.parametrize("dtype", [dx.float32, dx.float64], ids=["float32", "float64"])
@pytest.mark.parametrize(("name", "op", "shapes"), OPS, ids=[o[0] for o in OPS])
def test_dtype_is_kept_forward_and_backward(
    name: str, op: Op, shapes: list[tuple[int, ...]], dtype: Any
) -> None:
    xs = _inputs(shapes, dtype)
    untraced = op(*xs)
    assert untraced.dtype == dtype
    assert untraced.numpy().dtype == dtype
    traced = op(*[x.trace() for x in xs])
    assert traced.dtype == dtype
    w = dx.tensor(np.random.default_rng(1).uniform(size=traced.shape), dtype=dtype)
    loss = (traced * w).sum()
    assert loss.dtype == dtype
    grads = loss.backward()
    for x in xs:
        g = grads[x]
        assert g.dtype == dtype
        assert g.numpy().dtype == dtype
        assert g.shape == x.shape
    assert grads[w].dtype == dtype


@pytest.mark.parametrize("dtype", [dx.float32, dx.float64], ids=["float32", "float64"])
def test_float32_values_agree_with_float64(dtype: Any) -> None:
    """The float32 path computes the same values (to float32 precision), not garbage."""
    x64 = dx.tensor(np.random.default_rng(2).normal(size=(3, 4)))
    x = x64.to(dtype)
    y = (x.gelu() * x.sigmoid() + x.softmax(axis=0) - x.logsumexp(axis=1, keepdims=True)).tanh()
    y64 = (
        x64.gelu() * x64.sigmoid() + x64.softmax(axis=0) - x64.logsumexp(axis=1, keepdims=True)
    ).tanh()
    np.testing.assert_allclose(y.numpy(), y64.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("scalar", [2.5, 2, np.float64(2.5)], ids=["float", "int", "np64"])
def test_python_scalars_do_not_upcast_float32(scalar: Any) -> None:
    x = dx.ones(3)
    for y in (x + scalar, scalar + x, x - scalar, scalar - x, x * scalar, scalar * x):
        assert y.dtype == dx.float32
    for y in (x / scalar, scalar / x, dx.maximum(x, scalar), dx.minimum(x, scalar), x**scalar):
        assert y.dtype == dx.float32
    for y in (x.clamp(scalar), x.clamp(max=scalar), x.clamp(-scalar, scalar), x.leaky_relu(scalar)):
        assert y.dtype == dx.float32


def test_to_converts_and_backpropagates_in_the_input_dtype() -> None:
    x = dx.tensor([1.5, 2.5], dtype=dx.float32)
    y = x.to(dx.float64)
    assert y.dtype == dx.float64
    grads = (x.trace().to(dx.float64) * dx.tensor([2.0, 3.0], dtype=dx.float64)).sum().backward()
    assert grads[x].dtype == dx.float32
    np.testing.assert_array_equal(grads[x].numpy(), np.array([2.0, 3.0], np.float32))


def test_to_between_int_and_float_untraced() -> None:
    assert dx.arange(3).to(dx.float32).dtype == dx.float32
    np.testing.assert_array_equal(dx.tensor([1.7, -1.7]).to(dx.int64).numpy(), [1, -1])


def test_to_the_same_dtype_keeps_the_values_and_the_tape() -> None:
    x = dx.ones(2).trace()
    y = x.to(dx.float32)
    assert y.is_traced and y.dtype == dx.float32
    np.testing.assert_array_equal(y.numpy(), x.numpy())


def test_reductions_of_float32_keep_precision_of_float32() -> None:
    """The mean of many float32 values is returned as float32 (no silent float64 result)."""
    x = dx.ones(1000, 10)
    assert x.mean().dtype == dx.float32
    assert x.mean().item() == 1.0
    assert x.var().dtype == dx.float32
