"""Convolution and pooling: gradients against finite differences (float64, small sizes),
run-time shape errors with their exact messages, dtypes, and the shared shape rules."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _helpers import check_grads, distinct

import dfdx as dx
from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin.shapes import ShapeError


def rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def z(*shape: int) -> Any:
    return dx.zeros(*shape)


def raises_exactly(exc: type[BaseException], message: str, fn: Callable[[], Any]) -> None:
    with pytest.raises(exc, match=f"^{re.escape(message)}$"):
        fn()


# ---- gradients -----------------------------------------------------------------------------

CONV2D: list[tuple[str, tuple[int, ...], tuple[int, ...], bool, dict[str, Any]]] = [
    ("plain", (2, 3, 5, 4), (2, 3, 3, 2), False, {}),
    ("bias-padding", (1, 2, 4, 5), (3, 2, 3, 3), True, {"padding": 1}),
    ("stride-dilation", (1, 2, 7, 6), (2, 2, 2, 3), True, {"stride": (2, 1), "dilation": 2}),
    ("groups", (1, 4, 5, 5), (6, 2, 3, 3), True, {"groups": 2, "padding": (0, 1)}),
    ("depthwise-stride3", (1, 3, 7, 8), (3, 1, 2, 2), False, {"groups": 3, "stride": 3}),
]


@pytest.mark.parametrize(
    ("x", "w", "bias", "kw"), [c[1:] for c in CONV2D], ids=[c[0] for c in CONV2D]
)
def test_conv2d_gradients(
    x: tuple[int, ...], w: tuple[int, ...], bias: bool, kw: dict[str, Any]
) -> None:
    arrays = [rand(*x), rand(*w, seed=1)]
    if bias:
        arrays.append(rand(w[0], seed=2))
    check_grads(lambda *t: dx.conv2d(*t[:2], *t[2:], **kw), *arrays)


@pytest.mark.parametrize(
    "kw", [{}, {"stride": 2, "padding": 1, "groups": 2}, {"dilation": 2, "padding": (2,)}]
)
def test_conv1d_gradients(kw: dict[str, Any]) -> None:
    w = rand(2, 4 // kw.get("groups", 1), 3, seed=1)
    check_grads(lambda x, w, b: dx.conv1d(x, w, b, **kw), rand(2, 4, 7), w, rand(2, seed=2))


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"stride": 2, "padding": 1, "output_padding": 1},
        {"stride": (1, 2), "dilation": (2, 1), "groups": 2, "output_padding": (0, 1)},
    ],
)
def test_conv_transpose2d_gradients(kw: dict[str, Any]) -> None:
    check_grads(
        lambda x, w, b: dx.conv_transpose2d(x, w, b, **kw),
        rand(1, 2, 3, 4),
        rand(2, 3, 2, 3, seed=1),
        rand(3 * kw.get("groups", 1), seed=2),
    )


POOL_KW: list[dict[str, Any]] = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": (2, 3), "stride": (1, 2), "padding": (1, 0)},
]


@pytest.mark.parametrize("kw", POOL_KW)
def test_max_pool2d_gradients(kw: dict[str, Any]) -> None:
    check_grads(lambda x: dx.max_pool2d(x, **kw), distinct((2, 2, 5, 6)))


@pytest.mark.parametrize("kw", POOL_KW)
def test_avg_pool2d_gradients(kw: dict[str, Any]) -> None:
    check_grads(lambda x: dx.avg_pool2d(x, **kw), rand(2, 2, 5, 6))


@pytest.mark.parametrize("size", [1, (1, 1), (2, 3), (4, 4), (5, 6)])
def test_adaptive_avg_pool2d_gradients(size: Any) -> None:
    check_grads(lambda x: dx.adaptive_avg_pool2d(x, size), rand(2, 2, 5, 6))


@pytest.mark.parametrize("factor", [1, 2, (2, 3)])
def test_upsample2d_gradients(factor: Any) -> None:
    check_grads(lambda x: dx.upsample2d(x, factor), rand(2, 2, 3, 4))


def test_max_pool2d_ties_go_to_the_first_largest_value() -> None:
    x = dx.tensor(np.ones((1, 1, 2, 2))).trace()
    grads = dx.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(grads[x].numpy(), [[[[1.0, 0.0], [0.0, 0.0]]]])


@pytest.mark.parametrize("chunk", [1, 1 << 30], ids=["one-sample-chunks", "one-chunk"])
def test_chunked_products_match(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The input's gradient (and conv_transpose2d's forward) run a few samples at a time:
    one sample per step and the whole batch in one step give the same gradients."""
    from dfdx.ops import conv

    monkeypatch.setattr(conv, "CHUNK_BYTES", chunk)
    x, w, b = rand(3, 4, 5, 6), rand(6, 2, 3, 3, seed=1), rand(6, seed=2)
    check_grads(lambda x, w, b: dx.conv2d(x, w, b, padding=1, groups=2), x, w, b)
    check_grads(lambda x, w: dx.conv2d(x, w, stride=2, dilation=(1, 2), groups=2), x, w[:, :, :2])
    wt = rand(4, 3, 2, 3, seed=3)
    check_grads(lambda x, w: dx.conv_transpose2d(x, w, padding=1), x, wt)
    check_grads(lambda x, w: dx.conv_transpose2d(x, w, stride=(2, 1), groups=2), x, wt[:, :2])


def test_pointwise_conv_needs_no_copy() -> None:
    """A 1x1 kernel of stride 1 without padding multiplies the input itself."""
    x, w = rand(2, 3, 4, 5), rand(6, 3, 1, 1, seed=1)
    want = np.einsum("nchw,oc->nohw", x, w[:, :, 0, 0])
    np.testing.assert_allclose(dx.conv2d(dx.tensor(x), dx.tensor(w)).numpy(), want, rtol=1e-12)
    check_grads(dx.conv2d, x, w)


def test_small_cnn_forward_and_backward() -> None:
    """conv, relu, max pool, flatten and a matrix product in a chain, as a small CNN:
    every parameter's gradient against finite differences."""

    def cnn(x: Any, w1: Any, b1: Any, w2: Any, lin: Any) -> Any:
        h = dx.conv2d(x, w1, b1, padding=1).relu()
        h = dx.max_pool2d(h, 2)
        h = dx.conv2d(h, w2, stride=2).relu()
        return dx.adaptive_avg_pool2d(h, 1).flatten(1) @ lin

    x = rand(2, 1, 8, 8)
    params = [rand(4, 1, 3, 3, seed=1), rand(4, seed=2), rand(3, 4, 2, 2, seed=3)]
    check_grads(cnn, x, *params, rand(3, 5, seed=4), atol=1e-5)


def test_conv2d_values_by_hand() -> None:
    """A 1-channel 3x3 input with a 2x2 kernel, worked out on paper."""
    x = dx.tensor(np.arange(9.0).reshape(1, 1, 3, 3))
    w = dx.tensor(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    y = dx.conv2d(x, w, dx.tensor(np.array([0.5])))
    np.testing.assert_array_equal(y.numpy(), [[[[27.5, 37.5], [57.5, 67.5]]]])


# ---- dtypes --------------------------------------------------------------------------------

OPS: dict[str, Callable[[Any], Any]] = {
    "conv1d": lambda d: dx.conv1d(dx.ones(1, 2, 5, dtype=d), dx.ones(3, 2, 2, dtype=d)),
    "conv2d": lambda d: dx.conv2d(
        dx.ones(1, 2, 4, 4, dtype=d), dx.ones(3, 2, 2, 2, dtype=d), dx.ones(3, dtype=d)
    ),
    "conv_transpose2d": lambda d: dx.conv_transpose2d(
        dx.ones(1, 2, 4, 4, dtype=d), dx.ones(2, 3, 2, 2, dtype=d), dx.ones(3, dtype=d)
    ),
    "max_pool2d": lambda d: dx.max_pool2d(dx.ones(1, 2, 4, 4, dtype=d), 2, padding=1),
    "avg_pool2d": lambda d: dx.avg_pool2d(dx.ones(1, 2, 4, 4, dtype=d), 2, padding=1),
    "adaptive_avg_pool2d-1": lambda d: dx.adaptive_avg_pool2d(dx.ones(1, 2, 4, 4, dtype=d), 1),
    "adaptive_avg_pool2d-3": lambda d: dx.adaptive_avg_pool2d(dx.ones(1, 2, 4, 4, dtype=d), 3),
    "upsample2d": lambda d: dx.upsample2d(dx.ones(1, 2, 4, 4, dtype=d), 2),
}


@pytest.mark.parametrize("dtype", [dx.float32, dx.float64], ids=str)
@pytest.mark.parametrize("name", list(OPS))
def test_dtype_is_kept_by_values_and_gradients(name: str, dtype: Any) -> None:
    out = OPS[name](dtype)
    assert out.dtype == dtype
    assert out.numpy().dtype == dtype


@pytest.mark.parametrize("dtype", [dx.float32, dx.float64], ids=str)
def test_gradient_dtypes(dtype: Any) -> None:
    x = dx.ones(1, 2, 4, 4, dtype=dtype).trace()
    w, b = dx.ones(3, 2, 2, 2, dtype=dtype), dx.ones(3, dtype=dtype)
    y = dx.conv2d(x, w, b)
    y = dx.conv_transpose2d(y, dx.ones(3, 2, 2, 2, dtype=dtype))
    y = dx.upsample2d(dx.avg_pool2d(dx.max_pool2d(y, 2), 1), 2)
    grads = dx.adaptive_avg_pool2d(y, 2).sum().backward()
    for t in (x, w, b):
        assert grads[t].dtype == dtype


def test_int_and_mixed_dtypes_are_refused() -> None:
    ints = dx.tensor(np.ones((1, 1, 2, 2), dtype=np.int64))
    with pytest.raises(dx.DTypeError, match=r"^max_pool2d: needs a float32"):
        dx.max_pool2d(ints, 2)
    with pytest.raises(dx.DTypeError, match=r"^conv2d: dtypes differ"):
        dx.conv2d(dx.ones(1, 1, 2, 2), dx.ones(1, 1, 1, 1, dtype=dx.float64))


# ---- run-time errors -----------------------------------------------------------------------


def test_conv_rank_errors() -> None:
    raises_exactly(
        ShapeError,
        "conv2d: expected a 4-d input (N, C, H, W), got Tensor[16, 28, 28]",
        lambda: dx.conv2d(z(16, 28, 28), z(8, 16, 3, 3)),
    )
    raises_exactly(
        ShapeError,
        "conv2d: expected a 4-d weight (N, C, H, W), got Tensor[8, 16, 3]",
        lambda: dx.conv2d(z(2, 16, 28, 28), z(8, 16, 3)),
    )
    raises_exactly(
        ShapeError,
        "conv1d: expected a 3-d input (N, C, L), got Tensor[2, 16, 5, 5]",
        lambda: dx.conv1d(z(2, 16, 5, 5), z(8, 16, 3)),
    )


def test_conv_channel_errors() -> None:
    raises_exactly(
        ShapeError,
        "conv2d: input channels differ: input Tensor[32, 16, 28, 28], weight "
        "Tensor[32, 8, 3, 3] (16 != 8 per group * groups 1)",
        lambda: dx.conv2d(z(32, 16, 28, 28), z(32, 8, 3, 3)),
    )
    raises_exactly(
        ShapeError,
        "conv2d: groups 3 does not divide the 32 output channels "
        "(input Tensor[2, 6, 8, 8], weight Tensor[32, 2, 3, 3])",
        lambda: dx.conv2d(z(2, 6, 8, 8), z(32, 2, 3, 3), groups=3),
    )
    raises_exactly(
        ShapeError,
        "conv2d: groups 4 does not divide the 6 input channels "
        "(input Tensor[2, 6, 8, 8], weight Tensor[8, 2, 3, 3])",
        lambda: dx.conv2d(z(2, 6, 8, 8), z(8, 2, 3, 3), groups=4),
    )
    raises_exactly(
        ShapeError,
        "conv_transpose2d: input channels differ: input Tensor[2, 6, 8, 8], weight "
        "Tensor[4, 2, 3, 3] (6 != 4)",
        lambda: dx.conv_transpose2d(z(2, 6, 8, 8), z(4, 2, 3, 3)),
    )


def test_conv_output_size_errors() -> None:
    raises_exactly(
        ShapeError,
        "conv2d: output size 0 at axis 2 of Tensor[1, 1, 2, 5] "
        "(size 2 + 2 * padding 0 < dilation 1 * (kernel 3 - 1) + 1)",
        lambda: dx.conv2d(z(1, 1, 2, 5), z(1, 1, 3, 3)),
    )
    raises_exactly(
        ShapeError,
        "conv1d: output size -1 at axis 2 of Tensor[1, 1, 5] "
        "(size 5 + 2 * padding 0 < dilation 3 * (kernel 3 - 1) + 1)",
        lambda: dx.conv1d(z(1, 1, 5), z(1, 1, 3), dilation=3),
    )
    raises_exactly(
        ShapeError,
        "conv_transpose2d: output_padding 2 must be smaller than stride 2 or dilation 1",
        lambda: dx.conv_transpose2d(z(1, 1, 3, 3), z(1, 1, 3, 3), stride=2, output_padding=2),
    )
    raises_exactly(
        ShapeError,
        "conv_transpose2d: output size -1 at axis 2 of Tensor[1, 1, 1, 1] "
        "(padding 2 too large for size 1, kernel 3, stride 1)",
        lambda: dx.conv_transpose2d(z(1, 1, 1, 1), z(1, 1, 3, 3), padding=2),
    )
    raises_exactly(
        ShapeError,
        "max_pool2d: output size 0 at axis 3 of Tensor[1, 1, 4, 1] "
        "(size 1 + 2 * padding 0 < dilation 1 * (kernel 2 - 1) + 1)",
        lambda: dx.max_pool2d(z(1, 1, 4, 1), 2),
    )


def test_bias_and_parameter_errors() -> None:
    raises_exactly(
        ShapeError,
        "conv2d: bias must be Tensor[8] (one per output channel), got Tensor[4]",
        lambda: dx.conv2d(z(1, 2, 4, 4), z(8, 2, 3, 3), z(4)),
    )
    raises_exactly(
        ShapeError,
        "conv2d: stride must be at least 1, got 0",
        lambda: dx.conv2d(z(1, 2, 4, 4), z(8, 2, 3, 3), stride=0),
    )
    raises_exactly(
        TypeError,
        "conv2d: padding must be an int or a tuple of 2 ints, got (1, 2, 3)",
        lambda: dx.conv2d(z(1, 2, 4, 4), z(8, 2, 3, 3), padding=(1, 2, 3)),
    )
    raises_exactly(
        ShapeError,
        "conv2d: groups must be at least 1, got 0",
        lambda: dx.conv2d(z(1, 2, 4, 4), z(8, 2, 3, 3), groups=0),
    )
    raises_exactly(
        ShapeError,
        "avg_pool2d: padding 2 is more than half the kernel size 3",
        lambda: dx.avg_pool2d(z(1, 2, 8, 8), 3, padding=2),
    )
    raises_exactly(
        TypeError,
        "upsample2d: scale_factor must be an int or a tuple of 2 ints, got 1.5",
        lambda: dx.upsample2d(z(1, 2, 8, 8), 1.5),  # type: ignore[arg-type]
    )
    raises_exactly(
        ShapeError,
        "adaptive_avg_pool2d: expected a 4-d input (N, C, H, W), got Tensor[2, 8, 8]",
        lambda: dx.adaptive_avg_pool2d(z(2, 8, 8), 1),
    )


# ---- the shared rules with what the plugin knows -------------------------------------------


def test_rules_with_symbolic_and_unknown_sizes() -> None:
    one, zero = (1, 1), (0, 0)
    assert shapes.conv("conv2d", ("B", 16, 28, 28), (32, 16, 3, 3), one, one, one, 1) == (
        "B",
        32,
        28,
        28,
    )
    assert shapes.conv("conv2d", ("B", 16, None, 28), (32, 16, 3, 3), one, zero, one, 1) == (
        "B",
        32,
        None,
        26,
    )
    # an unknown stride or groups: unknown sizes, no error
    assert shapes.conv("conv2d", (2, 16, 28, 28), (32, 8, 3, 3), (None, 1), zero, one, None) == (
        2,
        32,
        None,
        26,
    )
    assert shapes.conv_transpose(
        "conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), (2, 2), one, one, one, None
    ) == (2, None, 10, 10)
    assert shapes.pool("max_pool2d", (2, 3, None, 8), (2, 2), (2, 2), zero) == (2, 3, None, 4)
    assert shapes.upsample("upsample2d", (2, 3, "H", 8), (2, 2)) == (2, 3, "2*H", 16)
