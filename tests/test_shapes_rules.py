"""The pure shape rules shared by the runtime and the plugin, with known sizes (ints),
symbolic sizes (TypeVar names such as "B") and unknown sizes (None, shown as Dyn)."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin.shapes import ShapeError


def raises_exactly(message: str) -> Any:
    return pytest.raises(ShapeError, match=f"^{re.escape(message)}$")


def test_importing_the_rules_pulls_in_neither_numpy_nor_mypy() -> None:
    code = (
        "import sys, dfdx_mypy_plugin.shapes; "
        "assert 'numpy' not in sys.modules, 'numpy'; "
        "assert 'mypy' not in sys.modules, 'mypy'; "
        "assert 'dfdx' not in sys.modules, 'dfdx'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_shape_error_is_a_value_error() -> None:
    assert issubclass(ShapeError, ValueError)


# ---- fmt -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "text"),
    [
        ((), "Tensor[()]"),
        ((3,), "Tensor[3]"),
        ((3, 4), "Tensor[3, 4]"),
        (("B", 784), "Tensor[B, 784]"),
        ((None, 3), "Tensor[Dyn, 3]"),
        ((0, None, "N"), "Tensor[0, Dyn, N]"),
    ],
)
def test_fmt(shape: shapes.Shape, text: str) -> None:
    assert shapes.fmt(shape) == text


def test_fmt_dim() -> None:
    assert shapes.fmt_dim(None) == "Dyn"
    assert shapes.fmt_dim(5) == "5"
    assert shapes.fmt_dim("B") == "B"


# ---- same_dim, broadcast_dim ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (3, 3, True),
        (3, 4, False),
        ("B", "B", True),
        ("B", "C", None),
        ("B", 3, None),
        (3, "B", None),
        (None, 3, None),
        (None, None, None),
        ("B", None, None),
    ],
)
def test_same_dim(a: shapes.Dim, b: shapes.Dim, same: bool | None) -> None:
    assert shapes.same_dim(a, b) is same


@pytest.mark.parametrize(
    ("a", "b", "out"),
    [
        (3, 3, 3),
        (1, 4, 4),
        (4, 1, 4),
        (1, 1, 1),
        (0, 1, 0),
        (3, 4, False),
        (0, 3, False),
        ("B", 1, "B"),
        (1, "B", "B"),
        ("B", 5, False),  # B stands for every size, not for 5 (nor for 1)
        (5, "B", False),
        ("B", "B", "B"),
        ("B", "C", False),  # two size TypeVars are two sizes (docs/plugin.md)
        ("B*T", "S", False),  # a product of names is 1 only where each is: as two names
        (None, 3, 3),
        (3, None, 3),
        (None, 1, None),
        (1, None, None),
        (None, None, None),
        ("B", None, "B"),  # a size TypeVar is not taken to be 1
        (None, "B", "B"),
        ("B*T", None, None),
    ],
)
def test_broadcast_dim(a: shapes.Dim, b: shapes.Dim, out: Any) -> None:
    assert shapes.broadcast_dim(a, b) == out
    assert type(shapes.broadcast_dim(a, b)) is type(out)


# ---- broadcast -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "out"),
    [
        ((3, 4), (3, 4), (3, 4)),
        ((3, 4), (4,), (3, 4)),
        ((4,), (3, 4), (3, 4)),
        ((3, 1), (1, 4), (3, 4)),
        ((2, 3, 4), (3, 1), (2, 3, 4)),
        ((), (3,), (3,)),
        ((3,), (), (3,)),
        ((), (), ()),
        (("B", 784), (784,), ("B", 784)),
        (("B", 1), (1, 5), ("B", 5)),
        ((None, 3), (4, 1), (4, 3)),
        ((None, 3), (None, 3), (None, 3)),
        (("B", "N"), ("N",), ("B", "N")),
        ((2, 1, 4), (5, 1), (2, 5, 4)),
    ],
)
def test_broadcast(a: shapes.Shape, b: shapes.Shape, out: shapes.Shape) -> None:
    assert shapes.broadcast("add", a, b) == out


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        (
            (2, 3),
            (4,),
            "add: shapes do not broadcast: Tensor[2, 3] and Tensor[4] (axis -1: 3 != 4)",
        ),
        (
            (3,),
            (2, 4),
            "add: shapes do not broadcast: Tensor[3] and Tensor[2, 4] (axis -1: 3 != 4)",
        ),
        (
            (4, 2, 3),
            (5, 1, 3),
            "add: shapes do not broadcast: Tensor[4, 2, 3] and Tensor[5, 1, 3] (axis -3: 4 != 5)",
        ),
        (
            ("B", 3),
            ("B", 4),
            "add: shapes do not broadcast: Tensor[B, 3] and Tensor[B, 4] (axis -1: 3 != 4)",
        ),
        (
            (None, 2),
            (3,),
            "add: shapes do not broadcast: Tensor[Dyn, 2] and Tensor[3] (axis -1: 2 != 3)",
        ),
        (  # B stands for every size: generic code does not rely on it being 5
            ("B", 3),
            (5, 1),
            "add: shapes do not broadcast: Tensor[B, 3] and Tensor[5, 1] (axis -2: B != 5)",
        ),
        ((0,), (2,), "add: shapes do not broadcast: Tensor[0] and Tensor[2] (axis -1: 0 != 2)"),
    ],
)
def test_broadcast_errors(a: shapes.Shape, b: shapes.Shape, message: str) -> None:
    with raises_exactly(message):
        shapes.broadcast("add", a, b)


def test_broadcast_names_the_op() -> None:
    with raises_exactly(
        "maximum: shapes do not broadcast: Tensor[2] and Tensor[3] (axis -1: 2 != 3)"
    ):
        shapes.broadcast("maximum", (2,), (3,))


# ---- matmul --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "out"),
    [
        ((4,), (4,), ()),
        ((4,), (4, 3), (3,)),
        ((3, 4), (4,), (3,)),
        ((3, 4), (4, 5), (3, 5)),
        ((2, 3, 4), (4, 5), (2, 3, 5)),
        ((3, 4), (2, 4, 5), (2, 3, 5)),
        ((2, 3, 4), (4,), (2, 3)),
        ((4,), (2, 4, 3), (2, 3)),
        ((2, 1, 3, 4), (5, 4, 2), (2, 5, 3, 2)),
        ((5, 3, 4), (2, 1, 4, 2), (2, 5, 3, 2)),
        (("B", 784), (784, 10), ("B", 10)),
        (("B", "K"), ("K", "N"), ("B", "N")),
        ((3, "K"), (None, 5), (3, 5)),
        ((3, None), (4, 5), (3, 5)),
        ((3, 4), (None, 5), (3, 5)),
        (("B", 3, 4), (4, 5), ("B", 3, 5)),
        (("B", 3, 4), (1, 4, 5), ("B", 3, 5)),
        ((None, 3, 4), (7, 4, 5), (7, 3, 5)),
    ],
)
def test_matmul(a: shapes.Shape, b: shapes.Shape, out: shapes.Shape) -> None:
    assert shapes.matmul(a, b) == out


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        ((3, 4), (5, 2), "matmul: inner sizes differ: Tensor[3, 4] @ Tensor[5, 2] (4 != 5)"),
        ((3,), (4,), "matmul: inner sizes differ: Tensor[3] @ Tensor[4] (3 != 4)"),
        (
            ("B", 784),
            (10, 784),
            "matmul: inner sizes differ: Tensor[B, 784] @ Tensor[10, 784] (784 != 10)",
        ),
        (  # two size TypeVars are two sizes, as for a layer's input (same_layer_size)
            ("B", "E"),
            ("V", "E"),
            "matmul: inner sizes differ: Tensor[B, E] @ Tensor[V, E] (E != V)",
        ),
        (
            (2, 3, 4),
            (5, 4, 2),
            "matmul: batch axes do not broadcast: Tensor[2, 3, 4] @ Tensor[5, 4, 2] "
            "(Tensor[2] vs Tensor[5])",
        ),
        (
            ("B", 2, 3, 4),
            (5, 4, 2),
            "matmul: batch axes do not broadcast: Tensor[B, 2, 3, 4] @ Tensor[5, 4, 2] "
            "(Tensor[B, 2] vs Tensor[5])",
        ),
        ((), (3,), "matmul: both operands need at least 1 axis: Tensor[()] @ Tensor[3]"),
        ((3,), (), "matmul: both operands need at least 1 axis: Tensor[3] @ Tensor[()]"),
        # two size parameters are two sizes, as for a layer (same_layer_size)
        ((3, "K"), ("J", 5), "matmul: inner sizes differ: Tensor[3, K] @ Tensor[J, 5] (K != J)"),
        (
            ("B", "NH", "S", "E//NH"),
            ("B", "NH", "S", "E//NH"),
            "matmul: inner sizes differ: Tensor[B, NH, S, E//NH] @ Tensor[B, NH, S, E//NH] "
            "(E//NH != S)",
        ),
    ],
)
def test_matmul_errors(a: shapes.Shape, b: shapes.Shape, message: str) -> None:
    with raises_exactly(message):
        shapes.matmul(a, b)


# ---- axes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "axis", "out"),
    [((2, 3), 0, 0), ((2, 3), 1, 1), ((2, 3), -1, 1), ((2, 3), -2, 0), (("B", None, 4), -1, 2)],
)
def test_normalize_axis(shape: shapes.Shape, axis: int, out: int) -> None:
    assert shapes.normalize_axis("sum", shape, axis) == out


@pytest.mark.parametrize(
    ("shape", "axis", "message"),
    [
        ((2, 3), 2, "sum: axis 2 is out of range for Tensor[2, 3]"),
        ((2, 3), -3, "sum: axis -3 is out of range for Tensor[2, 3]"),
        ((), 0, "sum: axis 0 is out of range for Tensor[()]"),
        ((), -1, "sum: axis -1 is out of range for Tensor[()]"),
        (("B",), 1, "sum: axis 1 is out of range for Tensor[B]"),
    ],
)
def test_normalize_axis_errors(shape: shapes.Shape, axis: int, message: str) -> None:
    with raises_exactly(message):
        shapes.normalize_axis("sum", shape, axis)


@pytest.mark.parametrize(
    ("shape", "axis", "out"),
    [
        ((2, 3, 4), None, (0, 1, 2)),
        ((), None, ()),
        ((2, 3, 4), 1, (1,)),
        ((2, 3, 4), -1, (2,)),
        ((2, 3, 4), (0, -1), (0, 2)),
        ((2, 3, 4), (-1, 0), (2, 0)),
        ((2, 3, 4), (), ()),
    ],
)
def test_normalize_axes(shape: shapes.Shape, axis: shapes.Axis, out: tuple[int, ...]) -> None:
    assert shapes.normalize_axes("mean", shape, axis) == out


@pytest.mark.parametrize(
    ("axis", "message"),
    [
        ((0, 0), "mean: axis (0, 0) names an axis twice for Tensor[2, 3, 4]"),
        ((0, -3), "mean: axis (0, -3) names an axis twice for Tensor[2, 3, 4]"),
        ((1, 2, -1), "mean: axis (1, 2, -1) names an axis twice for Tensor[2, 3, 4]"),
        ((0, 3), "mean: axis 3 is out of range for Tensor[2, 3, 4]"),
    ],
)
def test_normalize_axes_errors(axis: shapes.Axis, message: str) -> None:
    with raises_exactly(message):
        shapes.normalize_axes("mean", (2, 3, 4), axis)


# ---- reduce --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "axis", "keepdims", "out"),
    [
        ((2, 3, 4), None, False, ()),
        ((2, 3, 4), None, True, (1, 1, 1)),
        ((2, 3, 4), 0, False, (3, 4)),
        ((2, 3, 4), 0, True, (1, 3, 4)),
        ((2, 3, 4), -1, False, (2, 3)),
        ((2, 3, 4), -1, True, (2, 3, 1)),
        ((2, 3, 4), (0, 2), False, (3,)),
        ((2, 3, 4), (2, 0), True, (1, 3, 1)),
        ((2, 3, 4), (), False, (2, 3, 4)),
        (("B", 10), 1, False, ("B",)),
        (("B", 10), -1, True, ("B", 1)),
        (("B", None, 5), 0, False, (None, 5)),
        (("B", None, 5), None, True, (1, 1, 1)),
        ((), None, False, ()),
        ((), None, True, ()),
    ],
)
def test_reduce(shape: shapes.Shape, axis: shapes.Axis, keepdims: bool, out: shapes.Shape) -> None:
    assert shapes.reduce("sum", shape, axis, keepdims) == out


def test_reduce_errors() -> None:
    with raises_exactly("sum: axis 2 is out of range for Tensor[2, 3]"):
        shapes.reduce("sum", (2, 3), 2, False)
    with raises_exactly("max: axis (1, -1) names an axis twice for Tensor[B, 3]"):
        shapes.reduce("max", ("B", 3), (1, -1), True)


def test_nonempty_reduce() -> None:
    shapes.nonempty_reduce("max", (2, 3), (0, 1))
    shapes.nonempty_reduce("max", (2, 0), (0,))  # the empty axis is not reduced
    shapes.nonempty_reduce("max", ("B", None), (0, 1))  # unknown sizes get the benefit
    with raises_exactly("max: cannot reduce axis 1 of size 0 in Tensor[2, 0]"):
        shapes.nonempty_reduce("max", (2, 0), (0, 1))


# ---- same_shape, scalar_for_backward -------------------------------------------------------


def test_same_shape() -> None:
    shapes.same_shape("mse_loss", (2, 3), (2, 3))
    shapes.same_shape("mse_loss", ("B", 3), ("B", 3))
    shapes.same_shape("mse_loss", ("B", 3), (None, 3))
    shapes.same_shape("mse_loss", ("B", 3), (8, 3))
    with raises_exactly("mse_loss: shapes differ: Tensor[2, 3] and Tensor[2, 4]"):
        shapes.same_shape("mse_loss", (2, 3), (2, 4))
    with raises_exactly("mse_loss: shapes differ: Tensor[2, 3] and Tensor[3]"):
        shapes.same_shape("mse_loss", (2, 3), (3,))
    with raises_exactly("mse_loss: shapes differ: Tensor[3] and Tensor[3, 1]"):
        shapes.same_shape("mse_loss", (3,), (3, 1))


def test_scalar_for_backward() -> None:
    shapes.scalar_for_backward(())
    with raises_exactly(
        "backward: the loss must be 0-d, got Tensor[B, 1]; reduce it first (e.g. .sum() or .mean())"
    ):
        shapes.scalar_for_backward(("B", 1))
    with raises_exactly(
        "backward: the loss must be 0-d, got Tensor[1]; reduce it first (e.g. .sum() or .mean())"
    ):
        shapes.scalar_for_backward((1,))


# ---- ensure --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "expected", "out"),
    [
        ((2, 3), (2, 3), (2, 3)),
        ((2, 3), (None, 3), (2, 3)),
        ((2, 3), (None, None), (2, 3)),
        (("B", None, 3), (None, 5, 3), ("B", 5, 3)),
        (("B",), (4,), (4,)),  # a symbolic size may be 4
        ((None,), ("B",), ("B",)),
        ((), (), ()),
    ],
)
def test_ensure(actual: shapes.Shape, expected: shapes.Shape, out: shapes.Shape) -> None:
    assert shapes.ensure("ensure_shape", actual, expected) == out


def test_ensure_errors() -> None:
    with raises_exactly("ensure_shape: expected Tensor[2, 4], got Tensor[2, 3] (axis 1: 3 != 4)"):
        shapes.ensure("ensure_shape", (2, 3), (2, 4))
    with raises_exactly("ensure_shape: expected Tensor[2], got Tensor[2, 3] (rank 2 != 1)"):
        shapes.ensure("ensure_shape", (2, 3), (2,))
    with raises_exactly("ensure_shape: expected Tensor[Dyn], got Tensor[()] (rank 0 != 1)"):
        shapes.ensure("ensure_shape", (), (None,))


# ---- properties: the rules agree with NumPy's own shape arithmetic --------------------------

_sizes = st.integers(min_value=0, max_value=4)
_shape = st.lists(_sizes, max_size=4).map(tuple)


def _numpy_shape(make: Any) -> tuple[int, ...] | None:
    """The shape NumPy gives, or None where NumPy rejects the shapes (ValueError)."""
    try:
        return tuple(make())
    except ValueError:
        return None


def _rule_shape(make: Any) -> shapes.Shape | None:
    """The shape the rule gives, or None where it raises ShapeError."""
    try:
        return tuple(make())
    except ShapeError:
        return None


@given(_shape, _shape, st.data())
def test_broadcast_agrees_with_numpy(a: tuple[int, ...], b: tuple[int, ...], data: Any) -> None:
    # ones on either side, so that most pairs broadcast and both outcomes are exercised
    b = tuple(data.draw(st.sampled_from([1, d])) for d in b)
    want = _numpy_shape(lambda: np.broadcast_shapes(a, b))
    assert _rule_shape(lambda: shapes.broadcast("add", a, b)) == want


@given(_shape, st.data())
def test_reshape_agrees_with_numpy(shape: tuple[int, ...], data: Any) -> None:
    # a permutation of the sizes (always valid) or any sizes (mostly not), one maybe -1
    dims = list(data.draw(st.one_of(st.permutations(shape), _shape)))
    if dims and data.draw(st.booleans()):
        dims[data.draw(st.integers(0, len(dims) - 1))] = -1
    want = _numpy_shape(lambda: np.empty(shape).reshape(dims).shape)
    assert _rule_shape(lambda: shapes.reshape(shape, dims)) == want


@given(_shape.filter(bool), st.data())
def test_permute_agrees_with_numpy(shape: tuple[int, ...], data: Any) -> None:
    n = len(shape)
    axes = data.draw(st.permutations(range(n)))
    axes = [a - n if data.draw(st.booleans()) else a for a in axes]  # some counted from the end
    got, order = shapes.permute(shape, axes)
    assert got == np.empty(shape).transpose(axes).shape
    assert list(order) == [a % n for a in axes]


@given(st.lists(_shape.filter(bool), min_size=1, max_size=3), st.data())
def test_concat_agrees_with_numpy(parts: list[tuple[int, ...]], data: Any) -> None:
    axis = data.draw(st.integers(-len(parts[0]), len(parts[0]) - 1))
    # copies of the first shape with another size on ``axis``: valid; the drawn ones: mostly not
    first = parts[0]
    same = [(*first[: axis % len(first)], s, *first[axis % len(first) + 1 :]) for s in range(3)]
    parts = data.draw(st.sampled_from([parts, [first, *same]]))
    want = _numpy_shape(lambda: np.concatenate([np.empty(p) for p in parts], axis=axis).shape)
    assert _rule_shape(lambda: shapes.concat(parts, axis)) == want


def test_layer_arguments_checked_from_the_table() -> None:
    conv = shapes.layer_of("dfdx.nn._layers.Conv2d")
    pool = shapes.layer_of("dfdx.nn._layers.MaxPool2d")
    assert conv is not None and pool is not None
    shapes.check_arguments(conv, {"in_channels": 1, "kernel_size": (3, 1), "padding": 0})
    shapes.check_arguments(pool, {"kernel_size": 2, "stride": None})  # stride: the kernel's
    for layer, values, message in [
        (conv, {"kernel_size": 0}, "Conv2d: kernel_size must be an int > 0 or a pair of them"),
        (conv, {"stride": (1, 0)}, "Conv2d: stride must be an int > 0 or a pair of them"),
        (conv, {"padding": -1}, "Conv2d: padding must be an int >= 0 or a pair of them"),
        (conv, {"in_channels": True}, "Conv2d: in_channels must be an int > 0, got True"),
        (conv, {"kernel_size": (1, 2, 3)}, "Conv2d: kernel_size must be an int > 0 or a pair"),
        (pool, {"kernel_size": 0}, "MaxPool2d: kernel_size must be an int > 0 or a pair"),
    ]:
        with pytest.raises(shapes.ShapeError, match=re.escape(message)):
            shapes.check_arguments(layer, values)


def test_no_size_from_invalid_window_arguments() -> None:
    """Window arguments below their minimum (a stride of 0) give no output size, never a
    ZeroDivisionError: the plugin reports them where the layer is built."""
    conv = shapes.layer_of("dfdx.nn._layers.Conv2d")
    pool = shapes.layer_of("dfdx.nn._layers.MaxPool2d")
    assert conv is not None and pool is not None
    x = (2, 1, 8, 8)
    window = {"kernel_size": (3, 3), "stride": (0, 0), "padding": (0, 0)}
    conv_window = {**window, "dilation": (1, 1), "groups": 1}
    assert shapes.output_shape(conv, x, [1, 4], conv_window) == (2, 4, None, None)
    assert shapes.output_shape(pool, x, [], {**window, "kernel_size": (0, 0)}) == (2, 1, None, None)


def _numpy_shape_or_index_error(make: Any) -> tuple[int, ...] | None:
    """As :func:`_numpy_shape`, also None where NumPy raises IndexError (an index out of range,
    too many indices; ``AxisError`` is both)."""
    try:
        return tuple(make())
    except (ValueError, IndexError):
        return None


_index_int = st.integers(min_value=-5, max_value=5)
_slice = st.builds(
    slice,
    st.none() | _index_int,
    st.none() | _index_int,
    st.none() | st.integers(min_value=-3, max_value=3).filter(bool),
)
_index_item = st.one_of(_index_int, _slice, st.none(), st.just(Ellipsis))


@given(_shape, st.lists(_index_item, max_size=5))
def test_index_agrees_with_numpy(shape: tuple[int, ...], items: list[Any]) -> None:
    # ints (some out of range), slices with any start, stop and step, None and ``...``
    want = _numpy_shape_or_index_error(lambda: np.empty(shape)[tuple(items)].shape)
    assert _rule_shape(lambda: shapes.index(shape, items)) == want


@given(_shape, st.data())
def test_squeeze_agrees_with_numpy(shape: tuple[int, ...], data: Any) -> None:
    shape = tuple(data.draw(st.sampled_from([1, d])) for d in shape)  # many axes of size 1
    n = len(shape)
    axis = data.draw(
        st.none()
        | st.integers(-n - 1, n)
        | st.lists(st.integers(-n, max(n - 1, -n)), min_size=1, max_size=2, unique=True).map(tuple)
    )
    if isinstance(axis, tuple) and len({a % max(n, 1) for a in axis}) < len(axis):
        return  # NumPy and the rule agree a repeated axis is an error: covered elsewhere
    if n == 0 and axis is not None:
        return  # a 0-d tensor has no axis 0 in dfdx (NumPy and PyTorch let it stand for one)
    want = _numpy_shape_or_index_error(lambda: np.squeeze(np.empty(shape), axis=axis).shape)
    assert _rule_shape(lambda: shapes.squeeze(shape, axis)) == want


@given(_shape, st.data())
def test_transpose_and_unsqueeze_agree_with_numpy(shape: tuple[int, ...], data: Any) -> None:
    n = len(shape)
    a, b = data.draw(st.integers(-n - 1, n)), data.draw(st.integers(-n - 1, n))
    want = _numpy_shape_or_index_error(lambda: np.swapaxes(np.empty(shape), a, b).shape)
    assert _rule_shape(lambda: shapes.transpose(shape, a, b)) == want
    c = data.draw(st.integers(-n - 2, n + 1))
    want = _numpy_shape_or_index_error(lambda: np.expand_dims(np.empty(shape), c).shape)
    assert _rule_shape(lambda: shapes.unsqueeze(shape, c)) == want


@given(st.lists(_shape, min_size=1, max_size=3), st.data())
def test_stack_agrees_with_numpy(parts: list[tuple[int, ...]], data: Any) -> None:
    first = parts[0]
    parts = data.draw(st.sampled_from([parts, [first] * len(parts)]))  # mostly equal shapes
    n = len(first)
    axis = data.draw(st.integers(-n - 2, n + 1))
    want = _numpy_shape_or_index_error(
        lambda: np.stack([np.empty(p) for p in parts], axis=axis).shape
    )
    assert _rule_shape(lambda: shapes.stack(parts, axis)) == want


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("CI", "CI", True),
        ("CI", "CO", False),  # two TypeVars are two sizes, as the checkers hold them
        ("CI", 3, False),  # a TypeVar stands for every size, not for 3
        ("H*W", "D", False),  # different functions of the names
        ("2*(D//2)", "D", None),  # equal where the division is exact
        ("NH*(E//NH)", "E", None),
        ("CI", None, None),
        (3, 4, False),
        (None, "CO", None),
    ],
)
def test_same_layer_size(a: shapes.Dim, b: shapes.Dim, same: bool | None) -> None:
    assert shapes.same_layer_size(a, b) is same


def test_layer_sizes_that_are_two_typevars_differ() -> None:
    with pytest.raises(shapes.ShapeError, match=r"takes CI features, got Tensor\[B, CO\]"):
        shapes.features("Linear[CI, CO]", ("B", "CO"), "CI")
    with pytest.raises(shapes.ShapeError, match="takes CO channels on axis 1"):
        shapes.channels("BatchNorm2d[CO]", ("N", "CI", None, None), (4,), "CO")
    # nor do they broadcast: a generic module must not rely on a size parameter being 1
    with pytest.raises(shapes.ShapeError, match=r"axis -1: CI != CO"):
        shapes.broadcast("add", ("B", "CI"), ("B", "CO"))
    with pytest.raises(shapes.ShapeError, match=r"batch axes do not broadcast"):
        shapes.matmul(("B", 3, 4), ("C", 4, 5))
    # a product of size parameters is one more size parameter: it does not broadcast either
    with pytest.raises(shapes.ShapeError, match=r"axis -2: B\*T != S"):
        shapes.broadcast("add", ("B*T", 3), ("S", 3))


# ---- the result after a mistake (ShapeError.best) -------------------------------------------


@pytest.mark.parametrize(
    ("rule", "best"),
    [
        # a broadcast keeps the left operand's size at the axis at fault
        (
            lambda: shapes.broadcast("add", ("B", "CO", "H", "W"), ("B", "CI", 1, 1)),
            ("B", "CO", "H", "W"),
        ),
        (lambda: shapes.broadcast("add", (5,), (3, 4)), (3, 5)),
        # a reshape the sizes it is given (a -1 not solved)
        (lambda: shapes.reshape((2, 3), (4, 2)), (4, 2)),
        (lambda: shapes.reshape((2, 6, 8), (-1, 4, 10)), (None, 4, 10)),
        (lambda: shapes.reshape((2, 3), (-1, -1)), (None, None)),
        # a matmul its outer sizes; where only the transpose is missing, the product meant
        (lambda: shapes.matmul(("B", 3, 4), (5, 2)), ("B", 3, 2)),
        (lambda: shapes.matmul(("B", "S", "D"), ("B", "S", "D")), ("B", "S", "S")),
        (lambda: shapes.matmul((2, 3, 4), (5, 4, 2)), (2, 3, 2)),
        # a concatenation the first tensor's sizes and the sum on its axis
        (lambda: shapes.concat([("B", "C", 8, 8), ("B", "C", 16, 16)], 1), ("B", "2*C", 8, 8)),
        (lambda: shapes.stack([(2, 3), (2, 4)], 0), (2, 2, 3)),
        # a permute the axes it names
        (lambda: shapes.permute(("B", "C", "H", "W"), (0, 2, 3))[0], ("B", "H", "W")),
        (lambda: shapes.permute(("B", "C", "H"), (0, 2, 2))[0], ("B", "H", "H")),
        (lambda: shapes.linear_operands("linear", ("B", 5), (10, 4), None), ("B", 10)),
    ],
)
def test_best_shape_after_a_mistake(rule: Any, best: shapes.Shape) -> None:
    with pytest.raises(shapes.ShapeError) as error:
        rule()
    assert error.value.best == best


def test_no_best_shape_where_the_rank_is_not_known() -> None:
    with pytest.raises(shapes.ShapeError) as error:
        shapes.permute(("B", "C"), (0, 5))
    assert error.value.best is None
    assert shapes.ShapeError("a message").best is None


def test_recurrent_sizes_and_layouts() -> None:
    # (L, N, I) to (L, N, directions * H); states (layers * directions, N, H)
    assert shapes.recurrent("LSTM", (7, 3, 8), 8, 16, 2, True, False) == ((7, 3, 32), (4, 3, 16))
    assert shapes.recurrent("GRU", ("B", "S", 8), 8, "H", 1, False, True) == (
        ("B", "S", "H"),
        (1, "B", "H"),
    )
    # a module's sizes: 2 * hidden features, 2 * layers states
    out, state = shapes.recurrent("LSTM", ("S", "B", "E"), "E", "hidden", "n", True, False)
    assert out == ("S", "B", "2*hidden") and state == ("2*n", "B", "hidden")
    # layout not known: the first two axes kept, the states' batch unknown
    assert shapes.recurrent("RNN", (5, 2, 4), 4, 6, 1, None, None) == (
        (5, 2, None),
        (None, None, 6),
    )
    # a state's batch fills in the output's
    assert shapes.recurrent("GRU", (5, None, 4), 4, 6, 1, False, False, [(1, "B", 6)]) == (
        (5, "B", 6),
        (1, "B", 6),
    )


def test_recurrent_misfits() -> None:
    with raises_exactly(
        "LSTM: expected an input (N, L, input_size) with input_size 32, got Tensor[B, S, 40]"
    ):
        shapes.recurrent("LSTM", ("B", "S", 40), 32, 64, 1, False, True)
    with raises_exactly(
        "GRU: expected an input (L, N, input_size) with input_size 4, got Tensor[5, 4]"
    ):
        shapes.recurrent("GRU", (5, 4), 4, 6, 1, False, False)
    with raises_exactly(
        "GRU: expected an initial state Tensor[4, B, 32] (num_layers * directions, N, "
        "hidden_size), got Tensor[2, B, 32]"
    ):
        shapes.recurrent("GRU", ("S", "B", 50), 50, 32, 2, True, False, [(2, "B", 32)])
    with raises_exactly("RNN: expected a sequence of length >= 1, got Tensor[2, 0, 3]"):
        shapes.recurrent("RNN", (2, 0, 3), 3, 4, 1, False, True)
    # a size name against a literal: not provably different from a module's int argument
    shapes.recurrent("LSTM", ("B", "S", "embed"), 32, 64, 1, False, True)
