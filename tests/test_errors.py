"""Run-time errors: exact ShapeError messages (the plugin's wording), DTypeError, TypeError."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import dfdx as dx


def raises_exactly(exc: type[BaseException], message: str, fn: Callable[[], Any]) -> None:
    with pytest.raises(exc, match=f"^{re.escape(message)}$"):
        fn()


def z(*shape: int) -> dx.Tensor:
    return dx.zeros(*shape)


def test_error_classes() -> None:
    assert issubclass(dx.ShapeError, ValueError)
    assert issubclass(dx.DTypeError, TypeError)


# ---- broadcasting --------------------------------------------------------------------------

BINARY = ["add", "sub", "mul", "div", "maximum", "minimum"]


@pytest.mark.parametrize("op", BINARY)
def test_broadcast_failure_function(op: str) -> None:
    raises_exactly(
        dx.ShapeError,
        f"{op}: shapes do not broadcast: Tensor[2, 3] and Tensor[4] (axis -1: 3 != 4)",
        lambda: getattr(dx, op)(z(2, 3), z(4)),
    )


@pytest.mark.parametrize(
    ("op", "fn"),
    [
        ("add", lambda a, b: a + b),
        ("sub", lambda a, b: a - b),
        ("mul", lambda a, b: a * b),
        ("div", lambda a, b: a / b),
        ("maximum", lambda a, b: a.maximum(b)),
        ("minimum", lambda a, b: a.minimum(b)),
    ],
)
def test_broadcast_failure_operator(op: str, fn: Callable[[Any, Any], Any]) -> None:
    raises_exactly(
        dx.ShapeError,
        f"{op}: shapes do not broadcast: Tensor[4, 2, 3] and Tensor[5, 1, 3] (axis -3: 4 != 5)",
        lambda: fn(z(4, 2, 3), z(5, 1, 3)),
    )


def test_broadcast_failure_names_the_axis_in_the_longer_shape() -> None:
    raises_exactly(
        dx.ShapeError,
        "add: shapes do not broadcast: Tensor[2, 5] and Tensor[3, 4, 1] (axis -2: 2 != 4)",
        lambda: z(2, 5) + z(3, 4, 1),
    )


def test_broadcast_failure_traced() -> None:
    raises_exactly(
        dx.ShapeError,
        "mul: shapes do not broadcast: Tensor[3] and Tensor[2] (axis -1: 3 != 2)",
        lambda: z(3).trace() * z(2).trace(),
    )


# ---- matmul --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        ((3, 4), (5, 2), "matmul: inner sizes differ: Tensor[3, 4] @ Tensor[5, 2] (4 != 5)"),
        ((3,), (4,), "matmul: inner sizes differ: Tensor[3] @ Tensor[4] (3 != 4)"),
        ((3,), (4, 2), "matmul: inner sizes differ: Tensor[3] @ Tensor[4, 2] (3 != 4)"),
        ((2, 3), (4,), "matmul: inner sizes differ: Tensor[2, 3] @ Tensor[4] (3 != 4)"),
        (
            (2, 3, 4),
            (2, 5, 6),
            "matmul: inner sizes differ: Tensor[2, 3, 4] @ Tensor[2, 5, 6] (4 != 5)",
        ),
        (
            (2, 3, 4),
            (5, 4, 2),
            "matmul: batch axes do not broadcast: Tensor[2, 3, 4] @ Tensor[5, 4, 2] "
            "(Tensor[2] vs Tensor[5])",
        ),
        (
            (2, 1, 3, 4),
            (3, 5, 4, 2),
            "matmul: batch axes do not broadcast: Tensor[2, 1, 3, 4] @ Tensor[3, 5, 4, 2] "
            "(Tensor[2, 1] vs Tensor[3, 5])",
        ),
        ((), (3,), "matmul: both operands need at least 1 axis: Tensor[()] @ Tensor[3]"),
        ((3, 4), (), "matmul: both operands need at least 1 axis: Tensor[3, 4] @ Tensor[()]"),
    ],
)
@pytest.mark.parametrize("form", ["function", "operator", "traced"])
def test_matmul_shape_errors(
    form: str, a: tuple[int, ...], b: tuple[int, ...], message: str
) -> None:
    x, y = z(*a), z(*b)
    if form == "function":
        raises_exactly(dx.ShapeError, message, lambda: dx.matmul(x, y))
    elif form == "operator":
        raises_exactly(dx.ShapeError, message, lambda: x @ y)
    else:
        raises_exactly(dx.ShapeError, message, lambda: x.trace() @ y)


def test_matmul_of_a_number_is_a_type_error() -> None:
    raises_exactly(TypeError, "matmul: expected tensors, got float", lambda: z(2, 3) @ 2.0)
    raises_exactly(TypeError, "matmul: expected tensors, got float", lambda: dx.matmul(2.0, z(3)))
    with pytest.raises(TypeError):
        2.0 @ z(3)  # type: ignore[operator]
    with pytest.raises(TypeError):
        np.ones(3) @ z(3)


# ---- reductions and softmax ----------------------------------------------------------------

REDUCTIONS = ["sum", "mean", "max", "min", "var", "logsumexp"]


@pytest.mark.parametrize("op", REDUCTIONS)
def test_reduction_axis_out_of_range(op: str) -> None:
    raises_exactly(
        dx.ShapeError,
        f"{op}: axis 2 is out of range for Tensor[2, 3]",
        lambda: getattr(dx, op)(z(2, 3), axis=2),
    )
    raises_exactly(
        dx.ShapeError,
        f"{op}: axis -3 is out of range for Tensor[2, 3]",
        lambda: getattr(z(2, 3), op)(axis=-3),
    )
    raises_exactly(
        dx.ShapeError,
        f"{op}: axis 0 is out of range for Tensor[()]",
        lambda: getattr(z(), op)(axis=0),
    )


@pytest.mark.parametrize("op", REDUCTIONS)
def test_reduction_axis_out_of_range_in_a_tuple(op: str) -> None:
    raises_exactly(
        dx.ShapeError,
        f"{op}: axis 5 is out of range for Tensor[2, 3]",
        lambda: getattr(dx, op)(z(2, 3), axis=(0, 5)),
    )


@pytest.mark.parametrize("op", REDUCTIONS)
def test_reduction_repeated_axis(op: str) -> None:
    raises_exactly(
        dx.ShapeError,
        f"{op}: axis (0, -2) names an axis twice for Tensor[2, 3]",
        lambda: getattr(dx, op)(z(2, 3), axis=(0, -2)),
    )
    raises_exactly(
        dx.ShapeError,
        f"{op}: axis (1, 1) names an axis twice for Tensor[2, 3]",
        lambda: getattr(dx, op)(z(2, 3), axis=(1, 1), keepdims=True),
    )


@pytest.mark.parametrize("op", REDUCTIONS)
@pytest.mark.parametrize("axis", [1.0, True, [0], "0"])
def test_reduction_axis_of_the_wrong_type(op: str, axis: Any) -> None:
    raises_exactly(
        TypeError,
        f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}",
        lambda: getattr(dx, op)(z(2, 3), axis=axis),
    )


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_axis_errors(op: str) -> None:
    raises_exactly(
        dx.ShapeError,
        f"{op}: axis 2 is out of range for Tensor[2, 3]",
        lambda: getattr(dx, op)(z(2, 3), axis=2),
    )
    raises_exactly(
        dx.ShapeError,
        f"{op}: axis -3 is out of range for Tensor[2, 3]",
        lambda: getattr(z(2, 3), op)(axis=-3),
    )
    raises_exactly(
        dx.ShapeError,
        f"{op}: axis -1 is out of range for Tensor[()]",
        lambda: getattr(z(), op)(),
    )
    raises_exactly(
        TypeError, f"{op}: axis must be an int, got (0,)", lambda: getattr(dx, op)(z(3), axis=(0,))
    )


@pytest.mark.parametrize("op", ["max", "min"])
def test_reduction_over_an_empty_axis(op: str) -> None:
    raises_exactly(
        dx.ShapeError,
        f"{op}: cannot reduce axis 1 of size 0 in Tensor[2, 0]",
        lambda: getattr(dx, op)(z(2, 0), axis=1),
    )
    raises_exactly(
        dx.ShapeError,
        f"{op}: cannot reduce axis 0 of size 0 in Tensor[0, 3]",
        lambda: getattr(z(0, 3), op)(),
    )


def test_logsumexp_over_an_empty_axis_is_minus_inf() -> None:
    # PyTorch's: the log of an empty sum
    assert dx.logsumexp(z(2, 0), axis=1).numpy().tolist() == [-np.inf, -np.inf]
    assert z(0, 3).logsumexp().item() == -np.inf


def test_sum_and_mean_over_an_empty_axis_are_allowed() -> None:
    assert z(2, 0).sum(axis=1).shape == (2,)
    np.testing.assert_array_equal(z(2, 0).sum(axis=1).numpy(), [0.0, 0.0])
    assert dx.max(z(2, 0), axis=0).shape == (0,)  # the empty axis is not reduced


# ---- other run-time checks -----------------------------------------------------------------


def test_item_needs_one_element() -> None:
    raises_exactly(
        dx.ShapeError, "item: needs one element, got Tensor[2, 3]", lambda: z(2, 3).item()
    )
    assert z(1, 1).item() == 0.0


def test_len_and_bool() -> None:
    raises_exactly(TypeError, "len() of a 0-d tensor", lambda: len(z()))
    raises_exactly(
        TypeError,
        "the truth value of a tensor is ambiguous; use .item() for a 0-d one",
        lambda: bool(z()),
    )


def test_op_argument_errors() -> None:
    raises_exactly(ValueError, "clamp: give min, max or both", lambda: z(3).clamp())
    raises_exactly(
        ValueError, "clamp: min (1.0) is greater than max (0.0)", lambda: z(3).clamp(1.0, 0.0)
    )
    raises_exactly(
        ValueError,
        "gelu: approximate must be 'none' or 'tanh', got 'erf'",
        lambda: z(3).gelu("erf"),  # type: ignore[arg-type]
    )
    raises_exactly(
        TypeError, "pow: the exponent must be a Python number, got Tensor", lambda: z(3) ** z(3)
    )
    raises_exactly(
        TypeError, "pow: the exponent must be a Python number, got bool", lambda: z(3) ** True
    )


# ---- dtypes --------------------------------------------------------------------------------

INT = dx.arange(3)


@pytest.mark.parametrize(
    ("op", "fn"),
    [
        ("exp", lambda: dx.exp(INT)),
        ("relu", lambda: INT.relu()),
        ("neg", lambda: -INT),
        ("add", lambda: INT + INT),
        ("add", lambda: INT + 1),
        ("add", lambda: dx.add(INT, 1.5)),
        ("sub", lambda: 1.0 - INT),
        ("mul", lambda: INT * dx.ones(3)),
        ("maximum", lambda: dx.maximum(INT, 0.0)),
        ("matmul", lambda: INT @ INT),
        ("mean", lambda: dx.mean(INT, axis=0)),  # sum counts: tests/test_counts.py
        ("softmax", lambda: INT.softmax()),
        ("pow", lambda: INT**2),
    ],
)
def test_int_tensor_into_float_op(op: str, fn: Callable[[], Any]) -> None:
    raises_exactly(dx.DTypeError, f"{op}: needs a float32 or float64 tensor, got int64", fn)


def test_float_op_with_int_right_operand() -> None:
    raises_exactly(
        dx.DTypeError,
        "mul: dtypes differ: float32 and int64; convert one with .to()",
        lambda: dx.ones(3) * INT,
    )


@pytest.mark.parametrize(
    ("op", "fn"),
    [
        ("add", lambda a, b: a + b),
        ("sub", lambda a, b: a - b),
        ("mul", lambda a, b: dx.mul(a, b)),
        ("div", lambda a, b: a / b),
        ("maximum", lambda a, b: dx.maximum(a, b)),
        ("minimum", lambda a, b: dx.minimum(a, b)),
        ("matmul", lambda a, b: a @ b),
    ],
)
def test_float32_with_float64(op: str, fn: Callable[[Any, Any], Any]) -> None:
    a = dx.ones(3, 3)
    b = dx.ones(3, 3, dtype=dx.float64)
    raises_exactly(
        dx.DTypeError,
        f"{op}: dtypes differ: float32 and float64; convert one with .to()",
        lambda: fn(a, b),
    )
    raises_exactly(
        dx.DTypeError,
        f"{op}: dtypes differ: float64 and float32; convert one with .to()",
        lambda: fn(b.trace(), a),
    )


def test_dtype_is_checked_before_shapes() -> None:
    raises_exactly(
        dx.DTypeError,
        "add: dtypes differ: float32 and float64; convert one with .to()",
        lambda: dx.ones(3) + dx.ones(4, dtype=dx.float64),
    )


def test_traced_int_to_float_has_no_gradient_path() -> None:
    raises_exactly(
        dx.DTypeError,
        "to: needs a float32 or float64 tensor, got int64",
        lambda: INT.trace().to(dx.float32),
    )
    raises_exactly(
        dx.DTypeError,
        "to: needs a float32 or float64 tensor, got int64",
        lambda: dx.ones(3).trace().to(dx.int64),
    )


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (
            lambda: dx.zeros(3, dtype=np.int32),
            "unsupported dtype int32: use one of float32, float64, int64, bool",
        ),
        (
            lambda: dx.ones(3, dtype="float16"),
            "unsupported dtype float16: use one of float32, float64, int64, bool",
        ),
        (
            lambda: dx.arange(3, dtype=np.uint8),
            "unsupported dtype uint8: use one of float32, float64, int64, bool",
        ),
        (
            lambda: dx.tensor([1.0], dtype=np.complex64),
            "unsupported dtype complex64: use one of float32, float64, int64, bool",
        ),
        (
            lambda: dx.ones(3).to(np.int8),
            "unsupported dtype int8: use one of float32, float64, int64, bool",
        ),
        (
            lambda: dx.tensor(np.ones(2, np.float16)),
            "unsupported dtype float16: use float32 or float64",
        ),
        (lambda: dx.tensor([1j]), "unsupported data of dtype complex128: give numbers"),
        (lambda: dx.randn(3, dtype=dx.int64), "randn: dtype must be float32 or float64, got int64"),
        (lambda: dx.rand(3, dtype=dx.int64), "rand: dtype must be float32 or float64, got int64"),
        (
            lambda: dx.Tensor(np.ones(2, np.int32)),
            "unsupported dtype int32: use one of float32, float64, int64, bool",
        ),
    ],
)
def test_unsupported_dtypes_in_creation(fn: Callable[[], Any], message: str) -> None:
    raises_exactly(dx.DTypeError, message, fn)


# ---- bad operands and sizes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda: z(3) + "a", "add: expected a tensor or a number, got str"),
        (lambda: "a" + z(3), "add: expected a tensor or a number, got str"),
        (lambda: z(3) - None, "sub: expected a tensor or a number, got NoneType"),
        (lambda: z(3) * [1.0, 2.0, 3.0], "mul: expected a tensor or a number, got list"),
        (lambda: z(3) / np.ones(3), "div: expected a tensor or a number, got ndarray"),
        (lambda: np.ones(3) + z(3), "add: expected a tensor or a number, got ndarray"),
        (lambda: dx.maximum(z(3), "a"), "maximum: expected a tensor or a number, got str"),
        (lambda: z(3).minimum(1j), "minimum: expected a tensor or a number, got complex"),
    ],
)
def test_bad_operand_types(fn: Callable[[], Any], message: str) -> None:
    raises_exactly(TypeError, message, fn)


@pytest.mark.parametrize("name", ["zeros", "ones", "randn", "rand"])
def test_bad_sizes(name: str) -> None:
    make = getattr(dx, name)
    raises_exactly(
        TypeError,
        f"{name}: sizes must be ints, got (3, 4); pass one tuple of sizes or separate ints",
        lambda: make((3, 4), 2),
    )
    raises_exactly(
        TypeError,
        f"{name}: sizes must be ints, got [3]; pass one tuple of sizes or separate ints",
        lambda: make(([3],)),
    )
    raises_exactly(TypeError, f"{name}: sizes must be ints, got True", lambda: make(True, 2))
    raises_exactly(TypeError, f"{name}: sizes must be ints, got True", lambda: make((2, True)))
    raises_exactly(TypeError, f"{name}: sizes must be ints, got 2.0", lambda: make(2.0))
    raises_exactly(TypeError, f"{name}: sizes must be ints, got 2.0", lambda: make([2.0]))
    raises_exactly(TypeError, f"{name}: sizes must be ints, got '3'", lambda: make("3"))
    # A negative size is a wrong value, not a wrong type (as in NumPy).
    raises_exactly(
        dx.ShapeError, f"{name}: sizes must be >= 0, got -1 at position 1", lambda: make(3, -1)
    )
    raises_exactly(
        dx.ShapeError, f"{name}: sizes must be >= 0, got -1 at position 1", lambda: make((3, -1))
    )


def test_bad_sizes_full_and_arange() -> None:
    raises_exactly(
        TypeError, "full: shape must be a tuple or list of ints, got 3", lambda: dx.full(3, 1.0)
    )
    raises_exactly(
        TypeError,
        "full: shape must be a tuple or list of ints, got '23'",
        lambda: dx.full("23", 1.0),
    )
    raises_exactly(
        TypeError, "full: sizes must be ints, got (2, 3)", lambda: dx.full(((2, 3),), 1.0)
    )
    raises_exactly(TypeError, "full: sizes must be ints, got False", lambda: dx.full((False,), 1.0))
    raises_exactly(
        dx.ShapeError, "full: sizes must be >= 0, got -2 at position 0", lambda: dx.full((-2,), 1.0)
    )
    raises_exactly(
        TypeError, "arange: start, end and step must be numbers, got True", lambda: dx.arange(True)
    )
    raises_exactly(
        ValueError, "arange: end -1 is not reachable from start 0 by step 1", lambda: dx.arange(-1)
    )


def test_bad_data_for_tensor() -> None:
    raises_exactly(
        TypeError,
        "tensor: expected nested lists of numbers or an array, got str",
        lambda: dx.tensor("abc"),
    )
    raises_exactly(
        TypeError,
        "tensor: expected nested lists of numbers or an array, got dict",
        lambda: dx.tensor({1: 2}),
    )
    with pytest.raises(ValueError):
        dx.tensor([[1.0, 2.0], [3.0]])  # ragged


# ---- ensure_shape --------------------------------------------------------------------------


def test_ensure_shape() -> None:
    x = z(2, 3)
    assert dx.ensure_shape(x, None, 3) is x
    assert dx.ensure_shape(x, 2, 3) is x
    t = x.trace()
    assert dx.ensure_shape(t, 2, None) is t
    raises_exactly(
        dx.ShapeError,
        "ensure_shape: expected Tensor[2, 4], got Tensor[2, 3] (axis 1: 3 != 4)",
        lambda: dx.ensure_shape(x, 2, 4),
    )
    raises_exactly(
        dx.ShapeError,
        "ensure_shape: expected Tensor[2], got Tensor[2, 3] (rank 2 != 1)",
        lambda: dx.ensure_shape(x, 2),
    )
    raises_exactly(
        TypeError,
        "ensure_shape: sizes must be ints or None, got True",
        lambda: dx.ensure_shape(x, True, 3),
    )
    raises_exactly(
        TypeError,
        "ensure_shape: sizes must be ints or None, got 2.0",
        lambda: dx.ensure_shape(x, 2.0, 3),
    )


@pytest.mark.parametrize(
    ("error", "public"),
    [
        (dx.ShapeError, "dfdx.ShapeError"),
        (dx.DTypeError, "dfdx.DTypeError"),
        (dx.TapeError, "dfdx.TapeError"),
        (dx.nn.LoadError, "dfdx.nn.LoadError"),
    ],
)
def test_public_errors_print_their_public_name(error: type[Exception], public: str) -> None:
    import pickle
    import traceback

    assert f"{error.__module__}.{error.__qualname__}" == public
    exc = error("boom")
    assert traceback.format_exception_only(exc)[-1] == f"{public}: boom\n"
    assert type(pickle.loads(pickle.dumps(exc))) is error


def test_shape_error_traceback_names_dfdx() -> None:
    import traceback

    with pytest.raises(dx.ShapeError) as info:
        dx.zeros(2, 3) @ dx.zeros(4, 5)
    assert traceback.format_exception_only(info.value)[-1].startswith("dfdx.ShapeError: matmul")


N = 4


@pytest.mark.parametrize(
    ("exc", "message", "fn"),
    [
        (TypeError, "zeros: sizes must be ints, got True", lambda: dx.zeros(True, 2)),
        (dx.ShapeError, "ones: sizes must be >= 0, got -1 at position 1", lambda: dx.ones(3, -1)),
        (dx.ShapeError, "randn: sizes must be >= 0, got -1 at position 0", lambda: dx.randn(N - 5)),
        (
            dx.ShapeError,
            "full: sizes must be >= 0, got -2 at position 1",
            lambda: dx.full((2, -2), 1.0),
        ),
        (TypeError, "full: sizes must be ints, got False", lambda: dx.full((False, 2), 1.0)),
        (
            dx.ShapeError,
            "arange: end -3 is not reachable from start 0 by step 1",
            lambda: dx.arange(-3),
        ),
        (
            TypeError,
            "arange: start, end and step must be numbers, got True",
            lambda: dx.arange(True),
        ),
        (
            TypeError,
            "sum: axis must be an int, a tuple of ints or None, got True",
            lambda: dx.zeros(2, 3).sum(axis=True),
        ),
        (
            TypeError,
            "mean: axis must be an int, a tuple of ints or None, got (0, True)",
            lambda: dx.zeros(2, 3).mean(axis=(0, True)),
        ),
        (
            TypeError,
            "softmax: axis must be an int, got False",
            lambda: dx.softmax(dx.zeros(2, 3), axis=False),
        ),
        (
            TypeError,
            "log_softmax: axis must be an int, got True",
            lambda: dx.zeros(2, 3).log_softmax(axis=True),
        ),
        (
            TypeError,
            "reshape: sizes must be ints, got True",
            lambda: dx.zeros(2, 3).reshape(2, True, 3),
        ),
        (TypeError, "reshape: sizes must be ints, got True", lambda: dx.zeros(2, 3).view(True, 6)),
        (
            TypeError,
            "squeeze: axes must be ints, got True",
            lambda: dx.zeros(1, 3).squeeze(axis=(0, True)),
        ),
    ],
)
def test_bool_and_negative_arguments_as_the_plugin_reports_them(
    exc: type[BaseException], message: str, fn: Callable[[], Any]
) -> None:
    """The calls of tests/typecheck/plugin_fail/creation_arguments_errors.py: the runtime's
    messages are the plugin's (a bool is a TypeError here, a dfdx-shape error there)."""
    raises_exactly(exc, message, fn)
