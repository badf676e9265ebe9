"""Element types: run-time attributes of a tensor, not type parameters."""

from __future__ import annotations

from typing import Any

import numpy as np

from dfdx._backend import Array, xp

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)
"""Comparison results and masks (``where``, ``masked_fill``); no op differentiates them."""

DType = np.dtype[Any]
FLOATS = frozenset({float32, float64})
SUPPORTED = (float32, float64, int64, bool_)


class DTypeError(TypeError):
    """A tensor of the wrong element type for an op (e.g. an int64 tensor into ``exp``)."""

    __module__ = "dfdx"  # its public name, as tracebacks print it


def canonical(dtype: Any) -> DType:
    """The supported dtype ``dtype`` names, or a DTypeError listing the supported ones."""
    try:
        d: DType = np.dtype(dtype)
    except (TypeError, ValueError):
        d = None  # type: ignore[assignment]
    if d is None or dtype is None:
        names = ", ".join(str(s) for s in SUPPORTED)
        raise DTypeError(f"unsupported dtype {dtype!r}: use one of {names}")
    if d not in SUPPORTED:
        names = ", ".join(str(s) for s in SUPPORTED)
        raise DTypeError(f"unsupported dtype {d}: use one of {names}")
    return d


def infer(data: Array) -> DType:
    """The dtype a tensor made from ``data`` gets when none is asked for: float arrays keep
    float32/float64, Python floats become float32, integers become int64, bools stay bool."""
    kind = data.dtype.kind
    if kind == "f":
        if data.dtype in FLOATS:
            return data.dtype
        raise DTypeError(f"unsupported dtype {data.dtype}: use float32 or float64")
    if kind in "iu":
        return int64
    if kind == "b":
        return bool_
    raise DTypeError(f"unsupported data of dtype {data.dtype}: give numbers")


def check_float(op: str, data: Array) -> None:
    if data.dtype not in FLOATS:
        raise DTypeError(f"{op}: needs a float32 or float64 tensor, got {data.dtype}")


def check_same(op: str, a: Array, b: Array) -> None:
    if a.dtype != b.dtype:
        raise DTypeError(f"{op}: dtypes differ: {a.dtype} and {b.dtype}; convert one with .to()")


__all__ = ["DTypeError", "bool_", "float32", "float64", "int64", "xp"]
