# pyright: reportOverlappingOverload=false
"""Making tensors: from data, filled with a value, random, or a range.

Sizes are separate ints (``zeros(3, 4)``) or one tuple of them (``zeros((3, 4))``,
``zeros(x.shape)``), as in PyTorch; the plugin reads literal ints, and the sizes a ``.shape``
states, into the type (``Tensor[Literal[3], Literal[4], NoneTape]``). Without it, the rank is
still known from the number of sizes (or the tuple's length) and each size is ``Dyn``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, Never, overload

import numpy as np

from dfdx import _validate
from dfdx._backend import Array, xp
from dfdx._dtypes import DType, DTypeError, canonical, float32, infer, int64
from dfdx._tensor import NoneTape, Tensor
from dfdx._typing import Dyn, S
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from numpy.random import Generator

_rng: list[Generator] = [np.random.default_rng()]


def manual_seed(seed: int) -> None:
    """Seed the generator that creation functions use when no ``rng=`` is given."""
    _rng[0] = np.random.default_rng(seed)


def _generator(rng: Generator | None) -> Generator:
    return _rng[0] if rng is None else rng


def _sizes(op: str, dims: tuple[Any, ...]) -> tuple[int, ...]:
    """The sizes of ``*dims``: separate ints, or one tuple (or list) of them, as in PyTorch."""
    return _checked_sizes(op, _validate.size_arguments(dims))


def _checked_sizes(op: str, sizes: Sequence[Any], varargs: bool = True) -> tuple[int, ...]:
    for i, d in enumerate(sizes):
        if isinstance(d, bool) or not isinstance(d, int | np.integer):
            nested = varargs and _validate.is_size_sequence(d)
            hint = "; pass one tuple of sizes or separate ints" if nested else ""
            raise TypeError(shapes.not_an_int(op, shapes.SIZES, d) + hint)
        shapes.new_size(op, int(d), i)
    return tuple(int(d) for d in sizes)


def _wrap(data: Array) -> Tensor[*tuple[Dyn, ...], NoneTape]:
    return Tensor(data)


# Ranks 0 to 4 get a typed overload each, given as separate ints or as one tuple (a
# ``.shape``); larger ranks and sequences of unknown length fall back to an unknown rank. The
# `tuple[Never]` overload comes first: only `Any` and a `tuple[Any, ...]` (the `.shape` of a
# tensor of unknown rank) fit it, which both checkers would otherwise match with the first
# fixed-length tuple (a claim of rank 0); a real tuple of ints never fits it.
@overload
def zeros(
    shape: tuple[Never], /, *, dtype: Any = float32
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def zeros(*, dtype: Any = float32) -> Tensor[NoneTape]: ...
@overload
def zeros(d0: int, /, *, dtype: Any = float32) -> Tensor[Dyn, NoneTape]: ...
@overload
def zeros(d0: int, d1: int, /, *, dtype: Any = float32) -> Tensor[Dyn, Dyn, NoneTape]: ...
@overload
def zeros(
    d0: int, d1: int, d2: int, /, *, dtype: Any = float32
) -> Tensor[Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def zeros(
    d0: int, d1: int, d2: int, d3: int, /, *, dtype: Any = float32
) -> Tensor[Dyn, Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def zeros(shape: tuple[()], /, *, dtype: Any = float32) -> Tensor[NoneTape]: ...
@overload
def zeros(shape: tuple[int], /, *, dtype: Any = float32) -> Tensor[Dyn, NoneTape]: ...
@overload
def zeros(shape: tuple[int, int], /, *, dtype: Any = float32) -> Tensor[Dyn, Dyn, NoneTape]: ...
@overload
def zeros(
    shape: tuple[int, int, int], /, *, dtype: Any = float32
) -> Tensor[Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def zeros(
    shape: tuple[int, int, int, int], /, *, dtype: Any = float32
) -> Tensor[Dyn, Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def zeros(
    shape: Sequence[int], /, *, dtype: Any = float32
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def zeros(*dims: int, dtype: Any = float32) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
def zeros(*dims: int | Sequence[int], dtype: Any = float32) -> Any:
    """A tensor of zeros: ``zeros(3, 4)`` and ``zeros((3, 4))`` have shape (3, 4)."""
    return _wrap(xp.zeros(_sizes("zeros", dims), canonical(dtype)))


@overload
def ones(shape: tuple[Never], /, *, dtype: Any = float32) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def ones(*, dtype: Any = float32) -> Tensor[NoneTape]: ...
@overload
def ones(d0: int, /, *, dtype: Any = float32) -> Tensor[Dyn, NoneTape]: ...
@overload
def ones(d0: int, d1: int, /, *, dtype: Any = float32) -> Tensor[Dyn, Dyn, NoneTape]: ...
@overload
def ones(
    d0: int, d1: int, d2: int, /, *, dtype: Any = float32
) -> Tensor[Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def ones(
    d0: int, d1: int, d2: int, d3: int, /, *, dtype: Any = float32
) -> Tensor[Dyn, Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def ones(shape: tuple[()], /, *, dtype: Any = float32) -> Tensor[NoneTape]: ...
@overload
def ones(shape: tuple[int], /, *, dtype: Any = float32) -> Tensor[Dyn, NoneTape]: ...
@overload
def ones(shape: tuple[int, int], /, *, dtype: Any = float32) -> Tensor[Dyn, Dyn, NoneTape]: ...
@overload
def ones(
    shape: tuple[int, int, int], /, *, dtype: Any = float32
) -> Tensor[Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def ones(
    shape: tuple[int, int, int, int], /, *, dtype: Any = float32
) -> Tensor[Dyn, Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def ones(
    shape: Sequence[int], /, *, dtype: Any = float32
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def ones(*dims: int, dtype: Any = float32) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
def ones(*dims: int | Sequence[int], dtype: Any = float32) -> Any:
    """A tensor of ones: ``ones(3, 4)`` has shape (3, 4)."""
    return _wrap(xp.ones(_sizes("ones", dims), canonical(dtype)))


@overload
def randn(
    shape: tuple[Never], /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def randn(*, dtype: Any = float32, rng: Generator | None = None) -> Tensor[NoneTape]: ...
@overload
def randn(
    d0: int, /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[Dyn, NoneTape]: ...
@overload
def randn(
    d0: int, d1: int, /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[Dyn, Dyn, NoneTape]: ...
@overload
def randn(
    d0: int, d1: int, d2: int, /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def randn(
    d0: int, d1: int, d2: int, d3: int, /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[Dyn, Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def randn(
    shape: tuple[()], /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[NoneTape]: ...
@overload
def randn(
    shape: tuple[int], /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[Dyn, NoneTape]: ...
@overload
def randn(
    shape: tuple[int, int], /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[Dyn, Dyn, NoneTape]: ...
@overload
def randn(
    shape: tuple[int, int, int], /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def randn(
    shape: tuple[int, int, int, int], /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[Dyn, Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def randn(
    shape: Sequence[int], /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def randn(
    *dims: int, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
def randn(*dims: int | Sequence[int], dtype: Any = float32, rng: Generator | None = None) -> Any:
    """Samples of the standard normal distribution; ``rng`` (a NumPy Generator) makes them
    reproducible, else the generator of :func:`manual_seed` is used."""
    d = canonical(dtype)
    _need_float("randn", d)
    return _wrap(_generator(rng).standard_normal(_sizes("randn", dims), dtype=d))


@overload
def rand(
    shape: tuple[Never], /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def rand(*, dtype: Any = float32, rng: Generator | None = None) -> Tensor[NoneTape]: ...
@overload
def rand(
    d0: int, /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[Dyn, NoneTape]: ...
@overload
def rand(
    d0: int, d1: int, /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[Dyn, Dyn, NoneTape]: ...
@overload
def rand(
    d0: int, d1: int, d2: int, /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def rand(
    d0: int, d1: int, d2: int, d3: int, /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[Dyn, Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def rand(
    shape: tuple[()], /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[NoneTape]: ...
@overload
def rand(
    shape: tuple[int], /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[Dyn, NoneTape]: ...
@overload
def rand(
    shape: tuple[int, int], /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[Dyn, Dyn, NoneTape]: ...
@overload
def rand(
    shape: tuple[int, int, int], /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def rand(
    shape: tuple[int, int, int, int], /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[Dyn, Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def rand(
    shape: Sequence[int], /, *, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def rand(
    *dims: int, dtype: Any = float32, rng: Generator | None = None
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
def rand(*dims: int | Sequence[int], dtype: Any = float32, rng: Generator | None = None) -> Any:
    """Samples of the uniform distribution on [0, 1)."""
    d = canonical(dtype)
    _need_float("rand", d)
    return _wrap(_generator(rng).random(_sizes("rand", dims), dtype=d))


def _need_float(op: str, d: DType) -> None:
    if d.kind != "f":
        raise DTypeError(f"{op}: dtype must be float32 or float64, got {d}")


@overload
def full(
    shape: tuple[Never], value: float, /, *, dtype: Any = None
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def full(shape: tuple[()], value: float, /, *, dtype: Any = None) -> Tensor[NoneTape]: ...
@overload
def full(shape: tuple[int], value: float, /, *, dtype: Any = None) -> Tensor[Dyn, NoneTape]: ...
@overload
def full(
    shape: tuple[int, int], value: float, /, *, dtype: Any = None
) -> Tensor[Dyn, Dyn, NoneTape]: ...
@overload
def full(
    shape: tuple[int, int, int], value: float, /, *, dtype: Any = None
) -> Tensor[Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def full(
    shape: tuple[int, int, int, int], value: float, /, *, dtype: Any = None
) -> Tensor[Dyn, Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def full(
    shape: Sequence[int], value: float, /, *, dtype: Any = None
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
def full(shape: Sequence[int], value: float, /, *, dtype: Any = None) -> Any:
    """A tensor of ``shape`` (a tuple or list of sizes, a ``.shape``) filled with ``value``
    (float32 for a float, int64 for an int, unless ``dtype`` says otherwise)."""
    if not _validate.is_size_sequence(shape):
        raise TypeError(f"full: shape must be a tuple or list of ints, got {shape!r}")
    if not isinstance(value, bool | np.bool_):
        _validate.number("full", "value", value)
    if dtype is None:
        dtype = int64 if isinstance(value, int) and not isinstance(value, bool) else float32
    sizes, want = _checked_sizes("full", shape, varargs=False), canonical(dtype)
    if want.kind in "iu" and isinstance(value, float | np.floating) and not math.isfinite(value):
        raise ValueError(f"full: value {value!r} has no {want} equivalent")
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        info = np.iinfo(np.int64)
        if want.kind == "f":
            value = float(value)  # NumPy converts a Python int through int64 first
        elif not info.min <= value <= info.max:
            raise ValueError(f"full: value {value!r} does not fit in {want}")
    return _wrap(xp.full(sizes, value, want))


def tensor(data: Any, /, *, dtype: Any = None) -> Tensor[*tuple[Dyn, ...], NoneTape]:
    """A tensor holding a copy of ``data`` (nested lists of numbers, or an array).

    Without ``dtype``: an array keeps float32/float64; Python floats become float32;
    integers become int64.
    """
    if isinstance(data, Tensor):
        data = data._data
    elif not isinstance(data, np.ndarray | np.generic | list | tuple | int | float):
        raise TypeError(
            f"tensor: expected nested lists of numbers or an array, got {type(data).__name__}"
        )
    array = xp.array(data)  # always a copy: the caller's data cannot change the tensor
    if dtype is not None:
        want = canonical(dtype)
    elif array.dtype.kind == "f" and not isinstance(data, np.ndarray | np.generic):
        want = float32
    else:
        want = infer(array)
    if array.dtype.kind == "u" and want == int64 and array.size:
        top = int(array.max())  # unsigned values past int64's range would wrap to negatives
        if top > np.iinfo(np.int64).max:
            raise OverflowError(f"tensor: {top} does not fit in int64")
    return _wrap(array.astype(want, copy=False))


@overload
def arange(end: float, /, *, dtype: Any = None) -> Tensor[Dyn, NoneTape]: ...
@overload
def arange(
    start: float, end: float, /, step: float = 1, *, dtype: Any = None
) -> Tensor[Dyn, NoneTape]: ...
def arange(start: float, end: float | None = None, /, step: float = 1, *, dtype: Any = None) -> Any:
    """``start, start + step, ...`` up to ``end`` (not included); ``arange(n)`` is ``0, 1,
    ..., n - 1`` (PyTorch's ``torch.arange``). int64 when every argument is an int, else
    float32, unless ``dtype`` says otherwise."""
    args = (start, 0 if end is None else end, step)
    for v in args:
        if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
            raise TypeError(shapes.not_an_int("arange", shapes.RANGE, v))
    lo, hi = (0, start) if end is None else (start, end)
    shapes.arange_size(lo, hi, step)
    ints = all(isinstance(v, int | np.integer) for v in args)
    want = canonical(dtype) if dtype is not None else int64 if ints else float32
    if want.kind == "b":
        raise DTypeError("arange: dtype must be int64, float32 or float64, got bool")
    values: Array
    if ints:
        values = xp.arange(int(lo), int(hi), int(step), dtype=np.int64)
    else:
        values = xp.arange(float(lo), float(hi), float(step), dtype=np.float64)
    return _wrap(values.astype(want, copy=False))


def _tri_indices(
    op: str, row: int, col: int, offset: int, lower: bool
) -> Tensor[Literal[2], Dyn, NoneTape]:
    for name, v in (("row", row), ("col", col), ("offset", offset)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise TypeError(f"{op}: {name} must be an int, got {v!r}")
    count = shapes.tri_indices_count(op, int(row), int(col), int(offset), lower)
    _validate.bounded(op, "the indices", (2, count))
    make = xp.tril_indices if lower else xp.triu_indices
    rows, cols = make(int(row), int(offset), int(col))
    return _wrap(xp.stack([rows, cols]).astype(np.int64, copy=False))


def tril_indices(row: int, col: int, offset: int = 0) -> Tensor[Literal[2], Dyn, NoneTape]:
    """The ``(row, col)`` positions of the lower triangle of a ``row x col`` matrix (those with
    ``col - row <= offset``) as an int64 ``(2, K)`` tensor, row by row (PyTorch's
    ``torch.tril_indices``): ``x[idx[0], idx[1]]`` picks them."""
    return _tri_indices("tril_indices", row, col, offset, True)


def triu_indices(row: int, col: int, offset: int = 0) -> Tensor[Literal[2], Dyn, NoneTape]:
    """The ``(row, col)`` positions of the upper triangle of a ``row x col`` matrix (those with
    ``col - row >= offset``) as an int64 ``(2, K)`` tensor, row by row (PyTorch's
    ``torch.triu_indices``)."""
    return _tri_indices("triu_indices", row, col, offset, False)


# ---- made like another tensor ----------------------------------------------------------------
# ``zeros_like(x)`` has ``x``'s shape type (its tape dropped), as PyTorch's ``torch.zeros_like``.
# An argument typed Any meets the `Never` overload first (see dfdx.ops.unary).


def _like(op: str, x: object, dtype: Any) -> tuple[tuple[int, ...], DType]:
    """The shape of the tensor ``x`` and the dtype asked for (``x``'s where None)."""
    data = getattr(x, "_data", None)
    if not isinstance(x, Tensor) or data is None:
        raise TypeError(f"{op}: expected a tensor, got {type(x).__name__}")
    return data.shape, data.dtype if dtype is None else canonical(dtype)


@overload
def zeros_like(x: Never, /, *, dtype: Any = None) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def zeros_like(x: Tensor[*S, Any], /, *, dtype: Any = None) -> Tensor[*S, NoneTape]: ...
def zeros_like(x: Any, /, *, dtype: Any = None) -> Any:
    """Zeros of ``x``'s shape and dtype (or ``dtype``), untraced: ``torch.zeros_like``."""
    shape, d = _like("zeros_like", x, dtype)
    return _wrap(xp.zeros(shape, d))


@overload
def ones_like(x: Never, /, *, dtype: Any = None) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def ones_like(x: Tensor[*S, Any], /, *, dtype: Any = None) -> Tensor[*S, NoneTape]: ...
def ones_like(x: Any, /, *, dtype: Any = None) -> Any:
    """Ones of ``x``'s shape and dtype (or ``dtype``), untraced: ``torch.ones_like``."""
    shape, d = _like("ones_like", x, dtype)
    return _wrap(xp.ones(shape, d))


@overload
def full_like(
    x: Never, value: float, /, *, dtype: Any = None
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def full_like(
    x: Tensor[*S, Any], value: float, /, *, dtype: Any = None
) -> Tensor[*S, NoneTape]: ...
def full_like(x: Any, value: float, /, *, dtype: Any = None) -> Any:
    """``value`` in ``x``'s shape and dtype (or ``dtype``), untraced: ``torch.full_like``."""
    shape, d = _like("full_like", x, dtype)
    return full(shape, value, dtype=d)


@overload
def randn_like(
    x: Never, /, *, dtype: Any = None, rng: Generator | None = None
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def randn_like(
    x: Tensor[*S, Any], /, *, dtype: Any = None, rng: Generator | None = None
) -> Tensor[*S, NoneTape]: ...
def randn_like(x: Any, /, *, dtype: Any = None, rng: Generator | None = None) -> Any:
    """Standard normal samples of ``x``'s shape and float dtype (or ``dtype``):
    ``torch.randn_like``; ``rng`` as for :func:`randn`."""
    shape, d = _like("randn_like", x, dtype)
    return randn(shape, dtype=_float_like("randn_like", d), rng=rng)


@overload
def rand_like(
    x: Never, /, *, dtype: Any = None, rng: Generator | None = None
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def rand_like(
    x: Tensor[*S, Any], /, *, dtype: Any = None, rng: Generator | None = None
) -> Tensor[*S, NoneTape]: ...
def rand_like(x: Any, /, *, dtype: Any = None, rng: Generator | None = None) -> Any:
    """Uniform samples on [0, 1) of ``x``'s shape and float dtype (or ``dtype``):
    ``torch.rand_like``; ``rng`` as for :func:`rand`."""
    shape, d = _like("rand_like", x, dtype)
    return rand(shape, dtype=_float_like("rand_like", d), rng=rng)


def _float_like(op: str, d: DType) -> DType:
    if d.kind != "f":
        raise DTypeError(f"{op}: needs a float dtype, got {d}; pass dtype=dx.float32")
    return d


# ---- eye, linspace, randint --------------------------------------------------------------------


def _count(op: str, name: str, value: object) -> int:
    """A count argument: an int (not a bool) of at least 0."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    if value < 0:
        raise ValueError(f"{op}: {name} must be >= 0, got {value}")
    return int(value)


@overload
def eye(n: int, /, *, dtype: Any = float32) -> Tensor[Dyn, Dyn, NoneTape]: ...
@overload
def eye(n: int, m: int, /, *, dtype: Any = float32) -> Tensor[Dyn, Dyn, NoneTape]: ...
def eye(n: int, m: int | None = None, /, *, dtype: Any = float32) -> Any:
    """The ``n x m`` matrix (``n x n`` without ``m``) with ones on its diagonal:
    ``torch.eye``."""
    rows = _count("eye", "n", n)
    cols = rows if m is None else _count("eye", "m", m)
    return _wrap(xp.eye(rows, cols, dtype=canonical(dtype)))


def linspace(
    start: float, end: float, steps: int, /, *, dtype: Any = float32
) -> Tensor[Dyn, NoneTape]:
    """``steps`` values evenly spaced from ``start`` to ``end``, both included:
    ``torch.linspace``, whose rounding it follows (the first half counted up from ``start``,
    the second down from ``end``)."""
    lo = _validate.number("linspace", "start", start)
    hi = _validate.number("linspace", "end", end)
    n = _count("linspace", "steps", steps)
    d = canonical(dtype)
    if d.kind != "f":
        raise DTypeError(f"linspace: dtype must be float32 or float64, got {d}")
    i = xp.arange(n, dtype=d)
    step = d.type((hi - lo) / (n - 1)) if n > 1 else d.type(0)
    half = n // 2 if n > 1 else 1  # one value: ``start``
    values = xp.where(i < half, d.type(lo) + step * i, d.type(hi) - step * (n - 1 - i))
    return _wrap(values.astype(d, copy=False))


@overload
def randint(
    high: int, size: tuple[Never], /, *, dtype: Any = int64, rng: Generator | None = None
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def randint(
    high: int, size: tuple[int], /, *, dtype: Any = int64, rng: Generator | None = None
) -> Tensor[Dyn, NoneTape]: ...
@overload
def randint(
    high: int, size: tuple[int, int], /, *, dtype: Any = int64, rng: Generator | None = None
) -> Tensor[Dyn, Dyn, NoneTape]: ...
@overload
def randint(
    high: int, size: tuple[int, int, int], /, *, dtype: Any = int64, rng: Generator | None = None
) -> Tensor[Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def randint(
    high: int, size: Sequence[int], /, *, dtype: Any = int64, rng: Generator | None = None
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def randint(
    low: int,
    high: int,
    size: tuple[Never],
    /,
    *,
    dtype: Any = int64,
    rng: Generator | None = None,
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
@overload
def randint(
    low: int, high: int, size: tuple[int], /, *, dtype: Any = int64, rng: Generator | None = None
) -> Tensor[Dyn, NoneTape]: ...
@overload
def randint(
    low: int,
    high: int,
    size: tuple[int, int],
    /,
    *,
    dtype: Any = int64,
    rng: Generator | None = None,
) -> Tensor[Dyn, Dyn, NoneTape]: ...
@overload
def randint(
    low: int,
    high: int,
    size: tuple[int, int, int],
    /,
    *,
    dtype: Any = int64,
    rng: Generator | None = None,
) -> Tensor[Dyn, Dyn, Dyn, NoneTape]: ...
@overload
def randint(
    low: int,
    high: int,
    size: Sequence[int],
    /,
    *,
    dtype: Any = int64,
    rng: Generator | None = None,
) -> Tensor[*tuple[Dyn, ...], NoneTape]: ...
def randint(*args: Any, dtype: Any = int64, rng: Generator | None = None) -> Any:
    """Integers drawn uniformly from ``[low, high)`` (``low`` 0 where only ``high`` is
    given) in a tensor of ``size`` (a tuple of sizes): ``torch.randint(low, high, size)``;
    int64 unless ``dtype`` says otherwise, ``rng`` as for :func:`randn`."""
    if len(args) not in (2, 3):
        raise TypeError(
            f"randint: expected (high, size) or (low, high, size), got {len(args)} arguments"
        )
    *bounds, size = args
    low, high = (0, bounds[0]) if len(bounds) == 1 else bounds
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise TypeError(f"randint: {name} must be an int, got {v!r}")
    if high <= low:
        raise ValueError(f"randint: high must be greater than low, got low={low}, high={high}")
    if not _validate.is_size_sequence(size):
        raise TypeError(f"randint: size must be a tuple or list of ints, got {size!r}")
    sizes = _checked_sizes("randint", size, varargs=False)
    d = canonical(dtype)
    values = _generator(rng).integers(int(low), int(high), sizes, dtype=np.int64)
    return _wrap(values.astype(d, copy=False))
