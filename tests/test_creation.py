"""Making tensors: shapes, default dtypes, the dtype= keyword, seeds, and the basic facts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import dfdx as dx

SHAPES: list[tuple[int, ...]] = [(), (0,), (3,), (2, 3), (2, 3, 4), (1, 2, 3, 4), (2, 1, 1, 2, 3)]
FILLED: list[tuple[str, Callable[..., Any], float | None]] = [
    ("zeros", dx.zeros, 0.0),
    ("ones", dx.ones, 1.0),
    ("randn", dx.randn, None),
    ("rand", dx.rand, None),
]


@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
@pytest.mark.parametrize(("name", "make", "value"), FILLED, ids=[f[0] for f in FILLED])
def test_sized_creation(
    name: str, make: Callable[..., Any], value: float | None, shape: tuple[int, ...]
) -> None:
    t = make(*shape)
    assert isinstance(t, dx.Tensor)
    assert t.shape == shape
    assert t.ndim == len(shape)
    assert t.dtype == dx.float32
    assert not t.is_traced
    if value is not None:
        np.testing.assert_array_equal(t.numpy(), np.full(shape, value, np.float32))
    t64 = make(*shape, dtype=dx.float64)
    assert t64.dtype == dx.float64 and t64.shape == shape


class _Size(tuple[int, ...]):
    """A tuple subclass, as ``torch.Size`` is."""


# the forms PyTorch takes sizes in besides separate ints: one tuple, a list, a ``.shape``
SIZE_FORMS: list[tuple[str, Callable[[tuple[int, ...]], Any]]] = [
    ("tuple", lambda shape: shape),
    ("list", list),
    ("size-like", _Size),
    ("tensor-shape", lambda shape: dx.zeros(*shape).shape),
    ("numpy-shape", lambda shape: np.zeros(shape).shape),
]


@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
@pytest.mark.parametrize(("form", "given"), SIZE_FORMS, ids=[f[0] for f in SIZE_FORMS])
@pytest.mark.parametrize(("name", "make", "value"), FILLED, ids=[f[0] for f in FILLED])
def test_sizes_as_one_sequence(
    name: str,
    make: Callable[..., Any],
    value: float | None,
    form: str,
    given: Callable[[tuple[int, ...]], Any],
    shape: tuple[int, ...],
) -> None:
    t = make(given(shape), dtype=dx.float64)
    assert t.shape == shape and t.dtype == dx.float64
    if value is not None:
        np.testing.assert_array_equal(t.numpy(), np.full(shape, value))
    f = dx.full(given(shape), 2.5)
    assert f.shape == shape and f.dtype == dx.float32
    np.testing.assert_array_equal(f.numpy(), np.full(shape, 2.5, np.float32))


def test_sized_creation_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    for shape in SHAPES:
        size = torch.Size(shape)
        assert dx.zeros(size).shape == tuple(torch.zeros(size).shape) == shape
        assert dx.ones(list(shape)).shape == tuple(torch.ones(list(shape)).shape)
        assert dx.randn(shape).shape == tuple(torch.randn(shape).shape)
        assert dx.full(size, 1.0).shape == tuple(torch.full(size, 1.0).shape)
        x = torch.zeros(shape)
        assert dx.rand(x.shape).shape == tuple(torch.rand(x.shape).shape)


@pytest.mark.parametrize(
    "dtype", [dx.float32, dx.float64, dx.int64, np.float64, "float32", "int64"]
)
def test_zeros_ones_dtype_keyword(dtype: Any) -> None:
    assert dx.zeros(2, dtype=dtype).dtype == np.dtype(dtype)
    assert dx.ones(2, dtype=dtype).dtype == np.dtype(dtype)


def test_numpy_integer_sizes() -> None:
    assert dx.zeros(np.int64(2), np.int32(3)).shape == (2, 3)


def test_rand_range_and_randn_statistics() -> None:
    u = dx.rand(1000, rng=np.random.default_rng(0)).numpy()
    assert u.min() >= 0.0 and u.max() < 1.0
    assert 0.4 < u.mean() < 0.6
    n = dx.randn(4000, dtype=dx.float64, rng=np.random.default_rng(0)).numpy()
    assert abs(n.mean()) < 0.1
    assert 0.9 < n.std() < 1.1


@pytest.mark.parametrize("name", ["randn", "rand"])
def test_manual_seed_reproduces(name: str) -> None:
    make = getattr(dx, name)
    dx.manual_seed(123)
    a = make(3, 4).numpy()
    b = make(3, 4).numpy()
    dx.manual_seed(123)
    c = make(3, 4).numpy()
    d = make(3, 4).numpy()
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(b, d)
    assert not np.array_equal(a, b)
    dx.manual_seed(124)
    assert not np.array_equal(make(3, 4).numpy(), a)


@pytest.mark.parametrize("name", ["randn", "rand"])
def test_rng_keyword_reproduces_and_leaves_the_global_generator_alone(name: str) -> None:
    make = getattr(dx, name)
    a = make(3, 4, rng=np.random.default_rng(7)).numpy()
    b = make(3, 4, rng=np.random.default_rng(7)).numpy()
    np.testing.assert_array_equal(a, b)
    dx.manual_seed(5)
    first = make(2).numpy()
    dx.manual_seed(5)
    make(3, 4, rng=np.random.default_rng(7))  # does not draw from the seeded generator
    np.testing.assert_array_equal(make(2).numpy(), first)


def test_rng_matches_numpy_generator() -> None:
    got = dx.randn(3, 2, dtype=dx.float64, rng=np.random.default_rng(3)).numpy()
    np.testing.assert_array_equal(got, np.random.default_rng(3).standard_normal((3, 2)))


# ---- full ----------------------------------------------------------------------------------


def test_full() -> None:
    t = dx.full((2, 3), 0.5)
    assert t.shape == (2, 3) and t.dtype == dx.float32
    np.testing.assert_array_equal(t.numpy(), np.full((2, 3), 0.5, np.float32))
    i = dx.full((4,), 7)
    assert i.dtype == dx.int64
    np.testing.assert_array_equal(i.numpy(), [7, 7, 7, 7])
    assert dx.full((), 2.0).shape == ()
    assert dx.full((2,), 3, dtype=dx.float64).dtype == dx.float64
    assert dx.full((2,), 1.5, dtype=dx.float64).numpy().tolist() == [1.5, 1.5]
    assert dx.full((2,), True).dtype == dx.float32  # a bool is not an int size/value here


# ---- tensor --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "dtype", "shape"),
    [
        (1.5, dx.float32, ()),
        (2, dx.int64, ()),
        ([1.0, 2.0], dx.float32, (2,)),
        ((1.0, 2.0, 3.0), dx.float32, (3,)),
        ([[1, 2, 3], [4, 5, 6]], dx.int64, (2, 3)),
        ([1, 2.5], dx.float32, (2,)),
        ([[[1.0]]], dx.float32, (1, 1, 1)),
        ([], dx.float32, (0,)),
        (np.ones((2, 2)), dx.float64, (2, 2)),
        (np.ones(3, np.float32), dx.float32, (3,)),
        (np.arange(3), dx.int64, (3,)),
        (np.arange(3, dtype=np.int32), dx.int64, (3,)),
        (np.arange(3, dtype=np.uint8), dx.int64, (3,)),
        (np.float64(2.5), dx.float64, ()),
        (np.float32(2.5), dx.float32, ()),
        (np.int16(3), dx.int64, ()),
        ([np.float64(1.0)], dx.float32, (1,)),
    ],
)
def test_tensor_default_dtypes(data: Any, dtype: Any, shape: tuple[int, ...]) -> None:
    t = dx.tensor(data)
    assert t.dtype == dtype
    assert t.shape == shape
    np.testing.assert_array_equal(t.numpy(), np.asarray(data, dtype=dtype))


def test_tensor_values_are_kept() -> None:
    data = [[1.25, -2.5], [3.0, 4.75]]
    np.testing.assert_array_equal(dx.tensor(data).numpy(), np.array(data, np.float32))
    big = np.random.default_rng(0).normal(size=(3, 4))
    np.testing.assert_array_equal(dx.tensor(big).numpy(), big)  # float64 is not rounded


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        ([1, 2], dx.float32),
        ([1, 2], dx.float64),
        ([1.0, 2.0], dx.float64),
        (np.ones(2), dx.float32),
        (np.ones(2, np.float32), dx.float64),
        ([1.7, -1.7], dx.int64),
    ],
)
def test_tensor_dtype_keyword(data: Any, dtype: Any) -> None:
    t = dx.tensor(data, dtype=dtype)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.asarray(data).astype(dtype))


def test_unsigned_values_past_int64_raise_instead_of_wrapping() -> None:
    # Regression: 2**63 (a uint64 to NumPy) became -2**63.
    big = 2**63
    for data in ([big], np.array([big], np.uint64)):
        with pytest.raises(OverflowError, match=f"tensor: {big} does not fit in int64"):
            dx.tensor(data)
    in_range = np.array([0, 2**63 - 1], np.uint64)
    np.testing.assert_array_equal(dx.tensor(in_range).numpy(), in_range.astype(np.int64))
    assert dx.tensor([big], dtype=dx.float64).item() == float(big)


def test_tensor_of_a_tensor_keeps_its_dtype() -> None:
    assert dx.tensor(dx.ones(2, dtype=dx.float64)).dtype == dx.float64
    assert dx.tensor(dx.arange(2)).dtype == dx.int64
    assert dx.tensor(dx.ones(2, dtype=dx.float64), dtype=dx.float32).dtype == dx.float32


def test_tensor_of_a_traced_tensor_is_untraced() -> None:
    assert not dx.tensor(dx.ones(2).trace()).is_traced


# ---- arange --------------------------------------------------------------------------------


def test_arange() -> None:
    t = dx.arange(5)
    assert t.shape == (5,) and t.dtype == dx.int64
    np.testing.assert_array_equal(t.numpy(), [0, 1, 2, 3, 4])
    f = dx.arange(3, dtype=dx.float32)
    assert f.dtype == dx.float32
    np.testing.assert_array_equal(f.numpy(), [0.0, 1.0, 2.0])
    assert dx.arange(0).shape == (0,)


# ---- facts ---------------------------------------------------------------------------------


def test_shape_ndim_dtype_len() -> None:
    t = dx.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and isinstance(t.shape, tuple)
    assert all(type(n) is int for n in t.shape)
    assert t.ndim == 3
    assert t.dtype == dx.float32
    assert len(t) == 2
    assert len(dx.zeros(0, 3)) == 0


def test_item() -> None:
    assert dx.tensor(3.5).item() == 3.5
    assert isinstance(dx.tensor(3.5).item(), float)
    assert dx.tensor([[7]]).item() == 7
    assert isinstance(dx.tensor([[7]]).item(), int)
    assert dx.tensor(2.0).trace().item() == 2.0


def test_repr_shows_shape_dtype_and_tape() -> None:
    assert repr(dx.zeros(2, 3)) == (
        "Tensor[2, 3](float32, NoneTape)\n  [[0., 0., 0.],\n   [0., 0., 0.]]"
    )
    assert repr(dx.tensor([1, 2]).trace()) == "Tensor[2](int64, OwnedTape)\n  [1, 2]"
    assert repr(dx.ones(dtype=dx.float64)).startswith("Tensor[()](float64, NoneTape)\n")
    assert repr(dx.zeros(1, 2, 3)).startswith("Tensor[1, 2, 3](float32, NoneTape)\n")


def test_numpy_returns_an_array_of_the_tensor_dtype() -> None:
    a = dx.ones(2, 3, dtype=dx.float64).numpy()
    assert isinstance(a, np.ndarray)
    assert a.dtype == np.float64 and a.shape == (2, 3)


def test_public_names() -> None:
    for name in ("Tensor", "NoneTape", "OwnedTape", "Dyn", "Gradients", "ShapeError", "DTypeError"):
        assert hasattr(dx, name), name
    assert dx.float32 == np.float32 and dx.float64 == np.float64 and dx.int64 == np.int64
