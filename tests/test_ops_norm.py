"""dx.layer_norm: gradients against finite differences (float64), dtypes, run-time errors
with their exact messages, and the shared shape rule. Values against PyTorch are in
tests/test_parity.py (the ``layer_norm`` cases)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _helpers import check_grads

import dfdx as dx
from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin.shapes import ShapeError


def rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def raises_exactly(exc: type[BaseException], message: str, fn: Callable[[], Any]) -> None:
    with pytest.raises(exc, match=f"^{re.escape(message)}$"):
        fn()


# ---- gradients -----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 6)])
def test_gradients_with_weight_and_bias(shape: tuple[int, ...]) -> None:
    d = shape[-1]
    check_grads(
        lambda x, w, b: dx.layer_norm(x, d, w, b),
        rand(*shape),
        rand(d, seed=1),
        rand(d, seed=2),
    )


def test_gradients_with_weight_only_and_a_large_eps() -> None:
    # eps comparable to the variance: a wrong place for eps would show in the gradient
    check_grads(lambda x, w: dx.layer_norm(x, (4,), w, eps=0.5), 0.5 * rand(3, 4), rand(4, seed=1))


def test_gradients_with_bias_only() -> None:
    check_grads(lambda x, b: dx.layer_norm(x, 4, bias=b), rand(2, 3, 4), rand(4, seed=1))


def test_gradients_without_affine_parameters_and_an_offset_input() -> None:
    check_grads(lambda x: dx.layer_norm(x, 6), 100.0 + rand(4, 6))


def test_gradients_through_a_non_contiguous_input() -> None:
    # a transposed input and gradient: the op's reshapes must copy, not scramble
    check_grads(lambda x, w: dx.layer_norm(x.transpose(0, 1), 3, w), rand(3, 4), rand(3, seed=1))


# ---- values and dtypes ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [dx.float32, dx.float64])
def test_normalises_the_last_axis_and_keeps_the_dtype(dtype: Any) -> None:
    x = dx.tensor(3.0 + 2.0 * rand(4, 5, 8), dtype=dtype)
    w, b = dx.ones(8, dtype=dtype), dx.zeros(8, dtype=dtype)
    y = dx.layer_norm(x.trace(), 8, w, b)
    assert y.shape == (4, 5, 8) and y.dtype == dtype
    a = y.numpy()
    tol = 1e-5 if dtype == dx.float32 else 1e-12
    np.testing.assert_allclose(a.mean(axis=-1), 0.0, atol=tol)
    # variance 1 up to eps: var / (var + eps)
    var = x.numpy().astype(np.float64).var(axis=-1)
    np.testing.assert_allclose(a.astype(np.float64).var(axis=-1), var / (var + 1e-5), rtol=1e-4)
    grads = (y * dx.tensor(rand(4, 5, 8, seed=3), dtype=dtype)).sum().backward()
    for t in (w, b):
        assert grads[t].dtype == dtype and grads[t].shape == (8,)


def test_untraced_input_records_nothing() -> None:
    y = dx.layer_norm(dx.randn(2, 3), 3, dx.ones(3), dx.zeros(3))
    assert y._tape is None and not y.is_traced


def test_layer_norm_module_matches_the_op() -> None:
    m = dx.nn.LayerNorm(4, eps=1e-3).to(dx.float64)
    assert m.weight is not None and m.bias is not None
    m.weight._data[:] = rand(4, seed=1)
    m.bias._data[:] = rand(4, seed=2)
    x = dx.tensor(rand(2, 3, 4))
    np.testing.assert_array_equal(
        m(x).numpy(), dx.layer_norm(x, 4, m.weight, m.bias, eps=1e-3).numpy()
    )


# ---- errors --------------------------------------------------------------------------------


def test_weight_and_bias_of_the_wrong_size() -> None:
    x = dx.zeros(2, 5)
    raises_exactly(
        ShapeError,
        "layer_norm: weight must be Tensor[5] (one per feature of the last axis), got Tensor[4]",
        lambda: dx.layer_norm(x, 5, dx.ones(4)),
    )
    raises_exactly(
        ShapeError,
        "layer_norm: bias must be Tensor[5] (one per feature of the last axis), got Tensor[1, 5]",
        lambda: dx.layer_norm(x, 5, dx.ones(5), dx.zeros(1, 5)),
    )


def test_input_whose_last_size_is_not_normalized_shape() -> None:
    raises_exactly(
        ShapeError,
        "layer_norm: takes 4 features, got Tensor[2, 5] (5 != 4)",
        lambda: dx.layer_norm(dx.zeros(2, 5), 4),
    )
    raises_exactly(
        ShapeError,
        "layer_norm: needs at least 1 axis, got Tensor[()]",
        lambda: dx.layer_norm(dx.tensor(1.0), 1),
    )


@pytest.mark.parametrize("bad", [(2, 5), 0, -1, True, 2.0, ()])
def test_normalized_shape_must_be_the_last_size(bad: Any) -> None:
    with pytest.raises(ValueError, match=r"^layer_norm: normalized_shape must be the size"):
        dx.layer_norm(dx.zeros(2, 5), bad)


def test_dtype_errors() -> None:
    with pytest.raises(dx.DTypeError, match=r"^layer_norm: needs a float32 or float64 tensor"):
        dx.layer_norm(dx.tensor(np.ones((2, 3), dtype=np.int64)), 3)
    with pytest.raises(dx.DTypeError, match=r"^layer_norm: dtypes differ"):
        dx.layer_norm(dx.zeros(2, 3), 3, dx.ones(3, dtype=dx.float64))


def test_shape_rule_gives_benefit_of_the_doubt() -> None:
    # unknown sizes pass; the result is the input's shape
    assert shapes.layer_norm("layer_norm", ("B", None, 8), 8, [("weight", (None,))]) == (
        "B",
        None,
        8,
    )
    # a size TypeVar is not a literal: generic code holds for every value of D
    with pytest.raises(ShapeError, match=r"weight must be Tensor\[8\]"):
        shapes.layer_norm("layer_norm", ("B", None, 8), 8, [("weight", ("D",))])
    with pytest.raises(ShapeError):
        shapes.layer_norm("layer_norm", ("B", 8), 8, [("bias", (7,))])
