"""``dx.linear`` (PyTorch's ``F.linear``): float64 finite-difference gradients, the layer
``dx.nn.Linear`` as the op with its parameters, exact error messages (the plugin's wording),
and a live comparison with ``torch.nn.functional.linear`` where PyTorch is importable (the
committed fixture cases are in tests/test_parity.py). The fused feed-forward
``relu_feed_forward`` is tested with the attention ops (tests/test_attention.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import test_gradients

import dfdx as dx
from dfdx.ops.linalg import SMALL_BATCH, product, times_transposed


def _rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def raises_exactly(exc: type[BaseException], message: str, fn: Callable[[], Any]) -> None:
    with pytest.raises(exc, match=f"^{re.escape(message)}$"):
        fn()


@pytest.mark.parametrize("x_shape", [(3, 4), (2, 3, 4), (4,), (2, 1, 3, 4)])
def test_linear_gradients(x_shape: tuple[int, ...]) -> None:
    test_gradients.check_grads(
        dx.linear, _rand(*x_shape), _rand(5, 4, seed=1), _rand(5, seed=2), rtol=1e-6, atol=1e-8
    )


@pytest.mark.parametrize("rows", [1, 2, SMALL_BATCH, SMALL_BATCH + 1])
@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_times_transposed_both_layouts(rows: int, with_bias: bool, dtype: type) -> None:
    """Both ways of computing ``x @ w.T + bias`` (``(w @ x.T).T`` up to SMALL_BATCH rows)
    give the product, C-ordered, in the input's dtype."""
    x, w = _rand(rows, 7).astype(dtype), _rand(5, 7, seed=1).astype(dtype)
    b = _rand(5, seed=2).astype(dtype) if with_bias else None
    out = times_transposed(x, w, b)
    want = x @ w.T + (0 if b is None else b)
    assert out.flags.c_contiguous and out.dtype == dtype and out.shape == (rows, 5)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, want, rtol=tol, atol=tol)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (_rand(6, 5), _rand(5, 4, seed=1)),  # matmul: both C-contiguous
        (_rand(5, 6).T, _rand(4, 5, seed=1).T),  # matmul: both F-contiguous
        (_rand(6, 1), _rand(1, 4, seed=1)),  # dot: an outer product
        (_rand(6, 10)[:, ::2], _rand(5, 4, seed=1)),  # dot: a strided operand
    ],
)
def test_product_of_any_layout(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_allclose(product(a, b), a @ b, rtol=1e-12, atol=1e-12)


def test_linear_gradients_above_the_small_batch() -> None:
    """The finite-difference check with more rows than SMALL_BATCH (the other tests have
    fewer): the forward's other GEMM layout."""
    test_gradients.check_grads(
        dx.linear, _rand(SMALL_BATCH + 3, 2), _rand(3, 2, seed=1), _rand(3, seed=2),
        rtol=1e-6, atol=1e-8,
    )  # fmt: skip


def test_linear_gradients_without_bias() -> None:
    test_gradients.check_grads(
        lambda x, w: dx.linear(x, w), _rand(2, 3, 4), _rand(5, 4, seed=1), rtol=1e-6, atol=1e-8
    )


def test_linear_values_and_an_untraced_weight() -> None:
    """``x @ weight.T + bias``; a weight that is not traced still gets its gradient where
    it meets a traced input (as the layer's parameters do)."""
    x, w, b = _rand(2, 3, 4), _rand(5, 4, seed=1), _rand(5, seed=2)
    out = dx.linear(dx.tensor(x), dx.tensor(w), dx.tensor(b))
    np.testing.assert_allclose(out.numpy(), x @ w.T + b, rtol=1e-12, atol=1e-12)
    xt, wt = dx.tensor(x).trace(), dx.tensor(w)
    grads = dx.linear(xt, wt).sum().backward()
    np.testing.assert_allclose(
        grads[wt].numpy(), np.ones((2, 3, 5)).reshape(-1, 5).T @ x.reshape(-1, 4)
    )


def test_layer_is_the_op_with_its_parameters() -> None:
    layer = dx.nn.Linear(4, 3, rng=np.random.default_rng(0), dtype=dx.float64)
    x = dx.tensor(_rand(2, 4))
    np.testing.assert_array_equal(layer(x).numpy(), dx.linear(x, layer.weight, layer.bias).numpy())
    assert dx.nn.linear is dx.linear


def test_linear_errors() -> None:
    x = dx.zeros(2, 4)
    raises_exactly(
        dx.ShapeError,
        "linear: weight Tensor[5, 3] takes 3 features, x Tensor[2, 4] has 4",
        lambda: dx.linear(x, dx.zeros(5, 3)),
    )
    raises_exactly(
        dx.ShapeError,
        "linear: weight must be 2-d (out_features, in_features), got Tensor[4]",
        lambda: dx.linear(x, dx.zeros(4)),
    )
    raises_exactly(
        dx.ShapeError,
        "linear: bias must be Tensor[5] (one per output feature of weight), got Tensor[4]",
        lambda: dx.linear(x, dx.zeros(5, 4), dx.zeros(4)),
    )
    raises_exactly(
        dx.ShapeError,
        "linear: x needs at least 1 axis, got Tensor[()]",
        lambda: dx.linear(dx.zeros(), dx.zeros(5, 4)),
    )
    raises_exactly(TypeError, "linear: expected a tensor, got list", lambda: dx.linear([1.0], x))
    raises_exactly(
        TypeError,
        "linear: bias must be a tensor or None, got float",
        lambda: dx.linear(x, dx.zeros(5, 4), 1.0),  # type: ignore[call-overload]
    )
    raises_exactly(
        dx.DTypeError,
        "linear: needs a float32 or float64 tensor, got int64",
        lambda: dx.linear(dx.zeros(2, 4, dtype=dx.int64), dx.zeros(5, 4)),
    )


def test_layer_keeps_its_own_message() -> None:
    """The layer names itself, as before the op moved to dfdx/ops."""
    layer = dx.nn.Linear(4, 3)
    raises_exactly(
        dx.ShapeError,
        "Linear[4, 3]: takes 4 features, got Tensor[2, 5] (5 != 4)",
        lambda: layer(dx.zeros(2, 5)),  # type: ignore[arg-type]
    )


def test_feed_forward_errors() -> None:
    from dfdx.ops.linalg import relu_feed_forward

    x = dx.zeros(2, 4)
    raises_exactly(
        dx.ShapeError,
        "relu_feed_forward: weight2 Tensor[3, 6] takes 6 features, weight1 Tensor[5, 4] gives 5",
        lambda: relu_feed_forward(x, dx.zeros(5, 4), None, dx.zeros(3, 6), None),
    )
    raises_exactly(
        dx.ShapeError,
        "relu_feed_forward: bias2 must be Tensor[3] (one per output feature of weight2), "
        "got Tensor[5]",
        lambda: relu_feed_forward(x, dx.zeros(5, 4), dx.zeros(5), dx.zeros(3, 5), dx.zeros(5)),
    )


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_linear_matches_torch_live(dtype: str) -> None:
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x, w, b = (a.astype(dtype) for a in (_rand(2, 3, 4), _rand(5, 4, seed=1), _rand(5, seed=2)))
    r = _rand(2, 3, 5, seed=3).astype(dtype)
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out_t = F.linear(*ts)
    (out_t * torch.tensor(r)).sum().backward()
    ds = [dx.tensor(a).trace() for a in (x, w, b)]
    out_d = dx.linear(*ds)
    grads = (out_d * dx.tensor(r)).sum().backward()
    rtol, atol = (1e-12, 1e-12) if dtype == "float64" else (1e-5, 1e-6)
    np.testing.assert_allclose(out_d.numpy(), out_t.detach().numpy(), rtol=rtol, atol=atol)
    for d, t in zip(ds, ts, strict=True):
        np.testing.assert_allclose(grads[d].numpy(), t.grad.numpy(), rtol=rtol, atol=atol)
