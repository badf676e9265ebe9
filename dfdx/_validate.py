"""Argument checks shared by the public functions: each raises dfdx's own error, naming the
function, the argument and the value it got.

The documented errors (``docs/errors.md``) are ``dx.ShapeError`` (sizes that do not fit),
``dx.DTypeError`` (an element type an op does not take), ``TypeError`` (an argument of the
wrong kind) and ``ValueError`` (a value out of range). No NumPy or Python error escapes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from dfdx_mypy_plugin.shapes import ShapeError, fmt

MAX_ELEMENTS = 1 << 31
"""The most elements one intermediate array of an op may hold (8 GiB of float32): a larger
request is a mistake in its arguments (a huge kernel, padding or factor), reported as a
ValueError before NumPy tries to allocate it."""


def number(op: str, name: str, value: object) -> float:
    """A real number (int, float or NumPy scalar; not a bool, not a string) as a float."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        raise TypeError(f"{op}: {name} must be a number, got {value!r}")
    if isinstance(value, complex | np.complexfloating):
        raise TypeError(f"{op}: {name} must be a real number, got {value!r}")
    return float(value)


def size_arguments(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """The sizes of a ``*dims`` argument as PyTorch takes them: separate ints (``zeros(2,
    3)``), or one sequence of them (``zeros((2, 3))``, ``zeros(x.shape)``, a list, a
    ``torch.Size``-like tuple), whose items are then the sizes. Each item is still to be
    checked as an int by the caller (which names the argument in its error)."""
    if len(values) == 1 and is_size_sequence(values[0]):
        return tuple(values[0])
    return values


def is_size_sequence(value: object) -> bool:
    """Whether ``value`` is a sequence that may hold sizes: a tuple, a list, another
    ``Sequence`` (not a string or bytes)."""
    return isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray)


def finite(op: str, name: str, value: object) -> float:
    """A finite real number."""
    v = number(op, name, value)
    if not math.isfinite(v):
        raise ValueError(f"{op}: {name} must be finite, got {value!r}")
    return v


def positive(op: str, name: str, value: object) -> float:
    """A finite number > 0 (``eps``, a temperature)."""
    v = finite(op, name, value)
    if v <= 0:
        raise ValueError(f"{op}: {name} must be > 0, got {value!r}")
    return v


def fraction(op: str, name: str, value: object) -> float:
    """A number in [0, 1] (``momentum``)."""
    v = number(op, name, value)
    if not 0.0 <= v <= 1.0:  # also False for NaN
        raise ValueError(f"{op}: {name} must be in [0, 1], got {value!r}")
    return v


def int_pair(op: str, name: str, value: object) -> None:
    """An int or a pair of ints (a 2-d layer's kernel size, stride, padding, dilation)."""
    pair = isinstance(value, tuple | list)
    items = list(value) if isinstance(value, tuple | list) else [value]
    if pair and len(items) != 2:
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    for v in items:
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")


def nonempty_features(op: str, shape: tuple[int, ...], first: int = 1) -> None:
    """Every axis from ``first`` on has a size above 0: PyTorch's convolutions and pooling
    take an empty batch, but not an empty channel or spatial axis."""
    if any(n == 0 for n in shape[first:]):
        raise ShapeError(
            f"{op}: expected non-zero sizes for every axis but the batch, got {fmt(shape)}"
        )


def nonempty_kernel(op: str, w: tuple[int, ...]) -> None:
    """A convolution weight ``(O, C / groups, *kernel)`` with no zero size (PyTorch raises)."""
    if any(n == 0 for n in w):
        raise ShapeError(f"{op}: the weight has a zero size: {fmt(w)}")


def bounded(op: str, what: str, shape: tuple[int, ...]) -> None:
    """An intermediate of ``shape`` small enough to allocate (see ``MAX_ELEMENTS``)."""
    n = math.prod(shape)
    if n > MAX_ELEMENTS:
        raise ValueError(
            f"{op}: {what} would need {n} elements ({fmt(shape)}), more than the limit "
            f"{MAX_ELEMENTS}; check the kernel size, padding and stride"
        )


__all__ = [
    "MAX_ELEMENTS",
    "bounded",
    "finite",
    "fraction",
    "int_pair",
    "nonempty_features",
    "nonempty_kernel",
    "number",
    "positive",
]
