"""Indexing and selection: gradients (finite differences in float64), values against NumPy,
views, results without gradient (comparisons, argmax, one_hot), dropout's random mask, and
run-time errors with the plugin's exact messages. PyTorch parity: tests/test_parity.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _helpers import check_grads, distinct

import dfdx as dx
from dfdx_mypy_plugin import shapes

Op = Callable[..., Any]


def data(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def ints(*values: int) -> Any:
    return dx.tensor(np.array(values, dtype=np.int64))


def raises_exactly(exc: type[BaseException], message: str, fn: Callable[[], Any]) -> None:
    with pytest.raises(exc, match=f"^{re.escape(message)}$"):
        fn()


# ---- basic indexing --------------------------------------------------------------------------

INDICES: list[Any] = [
    0,
    -1,
    slice(1, 3),
    (slice(None), 2),
    (slice(None), slice(None, None, 2)),
    (Ellipsis, -1),
    (slice(None), None),
    (slice(None, None, -1), None, 1),
    (None, Ellipsis, slice(4, 0, -2)),
    (1, 2, 3),
    slice(5, 10),  # empty
    (),
    Ellipsis,
    np.int64(1),
]


@pytest.mark.parametrize("index", INDICES, ids=repr)
def test_getitem_values_gradients_and_views(index: Any) -> None:
    a = data(3, 4, 5)
    x = dx.tensor(a)
    out = x[index]
    np.testing.assert_array_equal(out.numpy(), a[index])
    assert out.shape == shapes.index(a.shape, index if type(index) is tuple else (index,))
    assert np.shares_memory(out._data, x._data) or out._data.size == 0
    check_grads(lambda t: t[index], a)


def test_getitem_gradient_of_two_overlapping_reads_adds_up() -> None:
    a = data(4, 3)
    check_grads(lambda t: t[1:3] * t[2:4] + t[::-1][:2], a)


# ---- indexing with tensors of indices (advanced indexing) -------------------------------------

TENSOR_INDICES: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("x[rows, cols]", lambda r, c: (r, c)),
    ("x[:, rows[:, None], cols]", lambda r, c: (slice(None), r[:, None], c)),
    ("x[rows, :, cols]", lambda r, c: (r, slice(None), c)),
    ("x[0, :, cols]", lambda r, c: (0, slice(None), c)),
    ("x[rows]", lambda r, c: r),
    ("x[..., None, cols]", lambda r, c: (Ellipsis, None, c)),
    ("x[rows, 1:3]", lambda r, c: (r, slice(1, 3))),
    ("x[rows, -1, None, cols]", lambda r, c: (r, -1, None, c)),
]


@pytest.mark.parametrize(
    "index", [f for _, f in TENSOR_INDICES], ids=[n for n, _ in TENSOR_INDICES]
)
def test_getitem_with_tensors_of_indices(index: Callable[[Any, Any], Any]) -> None:
    """Values (against NumPy, with PyTorch's placement of an int beside a tensor), the shape
    the shared rule gives, and gradients (repeated indices add up: rows holds 1 twice)."""
    a = data(3, 4, 5)
    rows, cols = np.array([1, 0, 1], dtype=np.int64), np.array([3, -1, 0], dtype=np.int64)
    r, c = dx.tensor(rows), dx.tensor(cols)
    out = dx.tensor(a)[index(r, c)]
    items = index(r, c)
    items = items if type(items) is tuple else (items,)
    expected = shapes.index(
        a.shape, [shapes.TensorIndex(i.shape) if isinstance(i, dx.Tensor) else i for i in items]
    )
    assert out.shape == expected
    check_grads(lambda t: t[index(r, c)], a)


def test_getitem_with_tensors_of_indices_against_numpy() -> None:
    """Where NumPy and PyTorch agree (no int beside a tensor), the values are NumPy's."""
    a = data(3, 4, 5)
    rows, cols = np.array([[2], [0]], dtype=np.int64), np.array([1, 4, 4], dtype=np.int64)
    out = dx.tensor(a)[:, dx.tensor(rows), dx.tensor(cols)]
    np.testing.assert_array_equal(out.numpy(), a[:, rows, cols])
    assert out.shape == (3, 2, 3)


def test_clip_end_of_text_pooling() -> None:
    """CLIP's ``x[arange(b), text.argmax(-1)]``: each sequence's features at its largest id,
    shaped as the shared rule says for symbolic sizes (``Tensor[B, S, D]`` to ``Tensor[B,
    D]``)."""
    x = dx.randn(3, 6, 8)
    text = dx.tensor(np.array([[1, 5, 2, 0, 0, 0], [3, 4, 9, 2, 0, 0], [7, 1, 1, 1, 1, 1]]))
    pooled = x[dx.arange(3, dtype=dx.int64), text.argmax(axis=-1)]
    np.testing.assert_array_equal(pooled.numpy(), x.numpy()[[0, 1, 2], [1, 2, 0]])
    rule = shapes.index(("B", "S", "D"), [shapes.TensorIndex(("B",)), shapes.TensorIndex(("B",))])
    assert rule == ("B", "D")


def test_getitem_with_tensors_of_indices_errors() -> None:
    x = dx.zeros(3, 4, 5)
    raises_exactly(
        dx.ShapeError,
        "index: index tensors do not broadcast: Tensor[3] and Tensor[2] (axis -1: 3 != 2)",
        lambda: x[ints(0, 1, 2), ints(0, 1)],
    )
    raises_exactly(
        dx.ShapeError,
        "index: index 4 is out of range for axis 1 of Tensor[3, 4, 5]",
        lambda: x[:, ints(0, 4)],
    )
    raises_exactly(
        dx.ShapeError,
        "index: index -6 is out of range for axis 2 of Tensor[3, 4, 5]",
        lambda: x[..., ints(-6)],
    )
    raises_exactly(
        dx.DTypeError,
        "index: a tensor index must hold int64 indices, got bool",
        lambda: x[x > 0],
    )
    raises_exactly(
        dx.ShapeError,
        "index: too many indices for Tensor[3, 4, 5]: 4 axes indexed, 3 exist",
        lambda: x[ints(0), 0, 0, ints(1)],
    )


def test_iteration_is_indexing_along_the_first_axis() -> None:
    a = data(3, 2)
    x = dx.tensor(a).trace()
    rows = list(x)
    assert len(rows) == 3
    for row, want in zip(rows, a, strict=True):
        np.testing.assert_array_equal(row.numpy(), want)
    grads = (rows[0] * 2.0 + rows[2]).sum().backward()
    np.testing.assert_array_equal(grads[x].numpy(), [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]])


# ---- selection by index tensors --------------------------------------------------------------

REPEATED = np.array([3, 0, 3, 1, 3], dtype=np.int64)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_index_select(axis: int) -> None:
    a = data(4, 5, 4)
    idx = dx.tensor(REPEATED)
    np.testing.assert_array_equal(
        dx.index_select(dx.tensor(a), axis, idx).numpy(), np.take(a, REPEATED, axis=axis)
    )
    check_grads(lambda t: t.index_select(axis, idx), a)


def _gather_loop(a: np.ndarray, axis: int, idx: np.ndarray) -> np.ndarray:
    """PyTorch's definition of gather, element by element."""
    out = np.empty(idx.shape)
    for pos in np.ndindex(*idx.shape):
        src = list(pos)
        src[axis] = idx[pos]
        out[pos] = a[tuple(src)]
    return out


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_gather(axis: int) -> None:
    a = data(3, 4, 5)
    idx_np = np.random.default_rng(1).integers(0, a.shape[axis], (2, 3, 4), dtype=np.int64)
    idx = dx.tensor(idx_np)
    np.testing.assert_array_equal(
        dx.gather(dx.tensor(a), axis, idx).numpy(), _gather_loop(a, axis, idx_np)
    )
    check_grads(lambda t: t.gather(axis, idx), a)


# ---- selection by masks --------------------------------------------------------------------


def test_where() -> None:
    cond = data(3, 4, seed=5) > 0
    c = dx.tensor(cond)
    a, b = data(3, 4), data(4, seed=1)
    np.testing.assert_array_equal(
        dx.where(c, dx.tensor(a), dx.tensor(b)).numpy(), np.where(cond, a, b)
    )
    check_grads(lambda x, y: dx.where(c, x, y), a, b)
    check_grads(lambda x: dx.where(c, x, 0.5), a)
    check_grads(lambda y: dx.where(c, -1.0, y), b)
    check_grads(lambda x: dx.where(dx.tensor(cond[0]), x, x * 2.0), data(2, 3, 4))


def test_where_of_two_numbers_is_untraced() -> None:
    out = dx.where(dx.tensor(np.array([True, False])), 1.0, 2.0)
    np.testing.assert_array_equal(out.numpy(), [1.0, 2.0])
    assert out.dtype == dx.float32
    assert not out.is_traced


def test_masked_fill() -> None:
    mask = data(3, 1, seed=3) > 0
    a = data(2, 3, 4)
    out = dx.tensor(a).masked_fill(dx.tensor(mask), -2.5)
    np.testing.assert_array_equal(out.numpy(), np.where(mask, -2.5, a))
    check_grads(lambda x: dx.masked_fill(x, dx.tensor(mask), 0.0), a)


@pytest.mark.parametrize("k", [0, 1, -1, 5])
def test_tril_triu(k: int) -> None:
    a = data(2, 3, 4)
    np.testing.assert_array_equal(dx.tril(dx.tensor(a), k).numpy(), np.tril(a, k))
    np.testing.assert_array_equal(dx.tensor(a).triu(k=k).numpy(), np.triu(a, k))
    check_grads(lambda x: dx.tril(x, k), a)
    check_grads(lambda x: x.triu(k), a)


# ---- results without gradient ------------------------------------------------------------------


def test_comparisons_give_untraced_bool_tensors() -> None:
    a = np.array([[-1.0, 0.0, 1.0], [0.5, 0.5, -0.5]])
    b = np.array([0.0, 0.5, 1.0])
    x, y = dx.tensor(a).trace(), dx.tensor(b)
    pairs: list[tuple[Any, np.ndarray]] = [
        (x == y, a == b),
        (x != y, a != b),
        (x < y, a < b),
        (x <= y, a <= b),
        (x > y, a > b),
        (x >= y, a >= b),
        (dx.eq(x, 0.5), a == 0.5),
        (dx.ne(x, 0.5), a != 0.5),
        (dx.lt(x, 0.0), a < 0.0),
        (dx.le(x, 0.0), a <= 0.0),
        (dx.gt(x, 0.0), a > 0.0),
        (dx.ge(x, 0.0), a >= 0.0),
        (x.lt(y), a < b),
        (0.5 < x, 0.5 < a),  # Python reflects this to x > 0.5
        (0.5 == x, a == 0.5),
    ]
    for out, want in pairs:
        assert out.dtype == dx.bool_
        assert not out.is_traced
        np.testing.assert_array_equal(out.numpy(), want)


def test_equality_with_other_objects_and_hashing() -> None:
    x = dx.zeros(2)
    assert (x == None) is False  # noqa: E711
    assert (x != "a") is True
    assert len({x, dx.zeros(2)}) == 2  # tensors hash by identity
    assert {x: 1}[x] == 1


@pytest.mark.parametrize(
    ("axis", "keepdims"), [(None, False), (None, True), (0, False), (1, True), (-1, False)]
)
def test_argmax(axis: Any, keepdims: bool) -> None:
    a = np.array([[1.0, 3.0, 3.0], [2.0, -1.0, 2.0]])  # ties: the first one wins
    out = dx.tensor(a).trace().argmax(axis=axis, keepdims=keepdims)
    assert out.dtype == dx.int64
    assert not out.is_traced
    np.testing.assert_array_equal(out.numpy(), np.argmax(a, axis=axis, keepdims=keepdims))
    ids = dx.argmax(dx.tensor(np.array([[4, 9, 9]], dtype=np.int64)), axis=1)
    np.testing.assert_array_equal(ids.numpy(), [1])


@pytest.mark.parametrize(
    ("axis", "keepdims"), [(None, False), (None, True), (0, False), (1, True), (-1, False)]
)
def test_argmin(axis: Any, keepdims: bool) -> None:
    a = np.array([[1.0, -3.0, -3.0], [2.0, 5.0, 2.0]])  # ties: the first one wins
    out = dx.tensor(a).trace().argmin(axis=axis, keepdims=keepdims)
    assert out.dtype == dx.int64
    assert not out.is_traced
    np.testing.assert_array_equal(out.numpy(), np.argmin(a, axis=axis, keepdims=keepdims))
    ids = dx.argmin(dx.tensor(np.array([[4, 1, 1]], dtype=np.int64)), axis=1)
    np.testing.assert_array_equal(ids.numpy(), [1])
    with pytest.raises(dx.DTypeError, match=r"^argmin: needs a float or int64 tensor, got bool$"):
        dx.argmin(dx.zeros(2) > 0)


def test_one_hot() -> None:
    labels = np.array([[0, 3], [2, 2]], dtype=np.int64)
    out = dx.one_hot(dx.tensor(labels), 4)
    assert out.dtype == dx.float32
    assert out.shape == (2, 2, 4)
    assert not out.is_traced
    np.testing.assert_array_equal(out.numpy(), np.eye(4, dtype=np.float32)[labels])
    assert dx.one_hot(ints(), 3).shape == (0, 3)


# ---- dropout -----------------------------------------------------------------------------------


def test_dropout_mask_and_scale() -> None:
    a = np.abs(data(200, 100)) + 1.0
    out = dx.dropout(dx.tensor(a), 0.25, rng=np.random.default_rng(0)).numpy()
    kept = out != 0
    assert 0.72 < kept.mean() < 0.78  # 20000 draws: about 0.75 kept (4 standard deviations)
    np.testing.assert_allclose(out[kept], a[kept] / 0.75)


def test_dropout_is_reproducible_and_differentiable() -> None:
    a = data(4, 5)
    first = dx.dropout(dx.tensor(a), 0.5, rng=np.random.default_rng(7)).numpy()
    again = dx.dropout(dx.tensor(a), 0.5, rng=np.random.default_rng(7)).numpy()
    np.testing.assert_array_equal(first, again)
    check_grads(lambda x: dx.dropout(x, 0.5, rng=np.random.default_rng(7)), a)
    dx.manual_seed(3)
    seeded = dx.dropout(dx.tensor(a), 0.5).numpy()
    dx.manual_seed(3)
    np.testing.assert_array_equal(dx.dropout(dx.tensor(a), 0.5).numpy(), seeded)


def test_dropout_deterministic_settings() -> None:
    x = dx.tensor(data(3, 4)).trace()
    assert dx.dropout(x, 0.5, training=False) is x
    assert dx.dropout(x, 0.0) is x
    out = dx.dropout(x, 1.0)
    np.testing.assert_array_equal(out.numpy(), np.zeros((3, 4)))
    np.testing.assert_array_equal(out.sum().backward()[x].numpy(), np.zeros((3, 4)))
    x32 = dx.tensor(data(3, 4), dtype=dx.float32)
    assert dx.dropout(x32, 0.5, rng=np.random.default_rng(0)).dtype == dx.float32


# ---- dtypes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [dx.float32, dx.float64], ids=str)
def test_gradient_dtypes(dtype: Any) -> None:
    x = dx.tensor(distinct((3, 4)), dtype=dtype)
    c = dx.tensor(np.eye(3, 4, dtype=bool))
    out = (
        x.trace()[1:].index_select(0, ints(1, 0)).gather(1, dx.tensor(np.zeros((2, 2), np.int64)))
        + dx.where(c, x, 1.0)[:2, :2].masked_fill(c[:2, :2], 0.0).tril()
    )
    assert out.dtype == dtype
    grads = out.sum().backward()
    assert grads[x].dtype == dtype


def test_index_tensors_and_masks_need_their_dtypes() -> None:
    raises_exactly(
        dx.DTypeError,
        "index_select: indices must be an int64 tensor, got float32",
        lambda: dx.index_select(dx.zeros(2, 3), 0, dx.zeros(2)),
    )
    raises_exactly(
        dx.DTypeError,
        "gather: indices must be an int64 tensor, got float32",
        lambda: dx.gather(dx.zeros(2, 3), 0, dx.zeros(2, 3)),
    )
    raises_exactly(
        dx.DTypeError,
        "where: the condition must be a bool tensor, got float32",
        lambda: dx.where(dx.zeros(2), dx.zeros(2), dx.zeros(2)),
    )
    raises_exactly(
        dx.DTypeError,
        "masked_fill: the mask must be a bool tensor, got float32",
        lambda: dx.masked_fill(dx.zeros(2), dx.zeros(2), 1.0),
    )
    raises_exactly(
        dx.DTypeError,
        "one_hot: labels must be an int64 tensor, got float32",
        lambda: dx.one_hot(dx.zeros(2), 3),
    )
    raises_exactly(
        dx.DTypeError,
        "dropout: needs a float32 or float64 tensor, got int64",
        lambda: dx.dropout(ints(1, 2), 0.5),
    )
    raises_exactly(
        dx.DTypeError,
        "lt: dtypes differ: float32 and float64; convert one with .to()",
        lambda: dx.zeros(2) < dx.zeros(2, dtype=dx.float64),
    )


# ---- run-time shape errors ---------------------------------------------------------------------

z = dx.zeros
loose: Any = dx.zeros

SHAPE_ERRORS: list[tuple[str, Op]] = [
    ("index: index 2 is out of range for axis 0 of Tensor[2, 3]", lambda: z(2, 3)[2]),
    ("index: index -4 is out of range for axis 1 of Tensor[2, 3]", lambda: z(2, 3)[0, -4]),
    (
        "index: too many indices for Tensor[2, 3]: 3 axes indexed, 2 exist",
        lambda: z(2, 3)[0, 0, 0],
    ),
    ("index: an index can have only one ellipsis (...)", lambda: z(2, 3)[..., ...]),
    ("index: slice step cannot be zero (axis 0 of Tensor[2, 3])", lambda: z(2, 3)[::0]),
    (
        "index_select: axis 2 is out of range for Tensor[2, 3]",
        lambda: dx.index_select(z(2, 3), 2, ints(0)),
    ),
    (
        "index_select: indices must be 1-d, got Tensor[2, 2]",
        lambda: dx.index_select(z(2, 3), 1, dx.tensor(np.zeros((2, 2), np.int64))),
    ),
    (
        "index_select: index 3 is out of range for axis 1 of Tensor[2, 3]",
        lambda: dx.index_select(z(2, 3), 1, ints(0, 3)),
    ),
    (
        "index_select: index -1 is out of range for axis 0 of Tensor[2, 3]",
        lambda: z(2, 3).index_select(0, ints(-1)),
    ),
    (
        "gather: indices Tensor[1] must have the rank of Tensor[2, 3] (1 != 2)",
        lambda: dx.gather(z(2, 3), 1, ints(0)),
    ),
    (
        "gather: indices Tensor[3, 2] are larger than Tensor[2, 3] on axis 0 (3 > 2)",
        lambda: dx.gather(z(2, 3), 1, dx.tensor(np.zeros((3, 2), np.int64))),
    ),
    (
        "gather: index 3 is out of range for axis 1 of Tensor[2, 3]",
        lambda: z(2, 3).gather(1, dx.tensor(np.full((2, 2), 3, np.int64))),
    ),
    (
        "gather: axis -3 is out of range for Tensor[2, 3]",
        lambda: dx.gather(z(2, 3), -3, dx.tensor(np.zeros((2, 2), np.int64))),
    ),
    (
        "where: shapes do not broadcast: Tensor[2, 3] and Tensor[3, 2] (axis -2: 2 != 3)",
        lambda: dx.where(z(2, 3) > 0, z(2, 3), z(3, 2)),
    ),
    (
        "where: shapes do not broadcast: Tensor[4] and Tensor[2, 3] (axis -1: 4 != 3)",
        lambda: dx.where(z(4) > 0, z(2, 3), 0.0),
    ),
    (
        "masked_fill: mask Tensor[3, 3] does not broadcast to Tensor[2, 3] (axis -2: 3 != 2)",
        lambda: dx.masked_fill(z(2, 3), z(3, 3) > 0, 1.0),
    ),
    (
        "masked_fill: mask Tensor[2, 3] does not broadcast to Tensor[3] (rank 2 > 1)",
        lambda: z(3).masked_fill(z(2, 3) > 0, 1.0),
    ),
    ("tril: needs at least 2 axes, got Tensor[3]", lambda: dx.tril(z(3))),
    ("triu: needs at least 2 axes, got Tensor[()]", lambda: z().triu()),
    (
        "one_hot: label 3 is out of range for 3 classes in Tensor[2]",
        lambda: dx.one_hot(ints(0, 3), 3),
    ),
    (
        "one_hot: label -1 is out of range for 3 classes in Tensor[1]",
        lambda: dx.one_hot(ints(-1), 3),
    ),
    ("one_hot: the number of classes must be >= 0, got -1", lambda: dx.one_hot(ints(0), -1)),
    ("argmax: axis 2 is out of range for Tensor[2, 3]", lambda: z(2, 3).argmax(axis=2)),
    (
        "argmax: cannot reduce axis 0 of size 0 in Tensor[0, 3]",
        lambda: dx.argmax(z(0, 3), axis=0),
    ),
    ("argmax: cannot reduce axis 0 of size 0 in Tensor[0]", lambda: dx.argmax(z(0))),
    ("argmin: axis -3 is out of range for Tensor[2, 3]", lambda: z(2, 3).argmin(axis=-3)),
    ("argmin: cannot reduce axis 0 of size 0 in Tensor[0]", lambda: dx.argmin(z(0))),
    (
        "lt: shapes do not broadcast: Tensor[2, 3] and Tensor[3, 2] (axis -2: 2 != 3)",
        lambda: z(2, 3) < z(3, 2),
    ),
    (
        "eq: shapes do not broadcast: Tensor[2, 3] and Tensor[2] (axis -1: 3 != 2)",
        lambda: z(2, 3) == z(2),
    ),
    (
        "ge: shapes do not broadcast: Tensor[2, 3] and Tensor[2] (axis -1: 3 != 2)",
        lambda: dx.ge(z(2, 3), z(2)),
    ),
    ("dropout: p must be a probability in [0, 1], got 1.5", lambda: dx.dropout(z(2), 1.5)),
    ("dropout: p must be a probability in [0, 1], got -0.1", lambda: dx.dropout(z(2), -0.1)),
]


@pytest.mark.parametrize(("message", "fn"), SHAPE_ERRORS, ids=[m for m, _ in SHAPE_ERRORS])
def test_shape_errors(message: str, fn: Op) -> None:
    raises_exactly(dx.ShapeError, message, fn)


def test_shape_errors_when_traced() -> None:
    raises_exactly(
        dx.ShapeError,
        "index: index 2 is out of range for axis 0 of Tensor[2, 3]",
        lambda: z(2, 3).trace()[2],
    )


TYPE_ERRORS: list[tuple[str, Op]] = [
    (
        "index: expected ints, slices, None, ... or int64 tensors of indices, got float",
        lambda: loose(2, 3)[1.5],
    ),
    (
        "index: expected ints, slices, None, ... or int64 tensors of indices, got list",
        lambda: loose(2, 3)[[0, 1]],
    ),
    (
        "index: expected ints, slices, None, ... or int64 tensors of indices, got bool",
        lambda: loose(2, 3)[True],
    ),
    ("dropout: p must be a number, got True", lambda: dx.dropout(loose(2), True)),
    ("lt: expected a tensor or a number, got str", lambda: loose(2) < "a"),
    ("tril: diagonal must be an int, got 1.0", lambda: dx.tril(loose(2, 2), 1.0)),
    ("argmin: axis must be an int, got 1.5", lambda: dx.argmin(loose(2, 3), axis=1.5)),
]


@pytest.mark.parametrize(("message", "fn"), TYPE_ERRORS, ids=[m for m, _ in TYPE_ERRORS])
def test_type_errors(message: str, fn: Op) -> None:
    raises_exactly(TypeError, message, fn)


# ---- the pure rules with symbolic and unknown sizes (what the plugin sees) -----------------


def test_rules_with_symbolic_sizes() -> None:
    assert shapes.index(("B", 4, 5), [0]) == (4, 5)
    assert shapes.index(("B", 4, 5), [slice(1, 3)]) == (2, 4, 5)  # taken to lie within B
    assert shapes.index(("B", 4), [slice(None), None, 1]) == ("B", 1)
    assert shapes.index(("B", 4), [Ellipsis, slice(None, None, -1)]) == ("B", 4)
    assert shapes.index(("B", 4), [shapes.ANY_INT]) == (4,)
    assert shapes.index((3, 4), [slice(shapes.ANY_INT, None)]) == (None, 4)


def test_slices_with_symbolic_bounds() -> None:
    """A slice's length from symbolic bounds and sizes: bounds counted from the end (a
    negative int, or a negated size ``"-P"``) are taken from the size; bounds whose sign is
    not known give an unknown length; a bound provably past the end is the end."""
    assert shapes.index((50, "D"), [slice(None, "H")]) == ("H", "D")  # a table's first h rows
    assert shapes.index(("B", "T", "C"), [slice(None), slice(None, "T")]) == ("B", "T", "C")
    assert shapes.index(("B", "W"), [Ellipsis, slice(None, "-P")]) == ("B", "-P+W")
    assert shapes.index(("B", "W"), [Ellipsis, slice(None, "-W")]) == ("B", 0)
    assert shapes.index(("T",), [slice(1, None)]) == ("T-1",)
    assert shapes.index(("T",), [slice(None, -1)]) == ("T-1",)
    assert shapes.index(("T",), [slice(-1, None)]) == (1,)
    assert shapes.index(("T",), [slice("S", None)]) == ("-S+T",)
    assert shapes.index(("T",), [slice(None, "T+1")]) == ("T",)  # past the end: the end
    assert shapes.index(("H",), [slice(None, None, 2)]) == ("(H+1)//2",)
    assert shapes.index(("H",), [slice(1, None, 2)]) == ("H//2",)
    assert shapes.index((None,), [slice(None, "H")]) == ("H",)
    assert shapes.index((None,), [slice(None, -1)]) == (None,)
    assert shapes.index(("T",), [slice("S-T", None)]) == (None,)  # the sign of S-T is unknown
    assert shapes.index(("T",), [slice(None, None, -2)]) == (None,)
    assert shapes.index_select(("B", 5), 1, (None,)) == ("B", None)
    assert shapes.gather(("B", 5), 1, ("B", 7)) == ("B", 7)
    assert shapes.one_hot(("B",), 10) == ("B", 10)
    assert shapes.where(("B", 1), (4,), ()) == ("B", 4)
    assert shapes.mask_broadcast("masked_fill", (1, None), ("B", 4)) == ("B", 4)
