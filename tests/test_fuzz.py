"""Seeded fuzzing of the public ops and layer constructors.

Each case draws an op, random shapes (rank 0 to 4, sizes 0 to 5), dtypes (float32, float64,
int64, bool), axes (in range, out of range, or not ints), hyper-parameters (good and bad) and
sometimes inf/NaN values, then runs it. Every outcome must be one of:

- a result, equal (within the tolerance of the dtype and the size of the computation) to the
  reference: PyTorch where it is installed, else a NumPy formula;
- a documented error: ``dx.ShapeError``, ``dx.DTypeError``, ``TypeError`` or ``ValueError``
  raised by a ``raise`` statement of dfdx's own code (so never one from inside NumPy or
  Python, whatever its type).

Anything else fails the test, listing the cases. ``DFDX_FUZZ_CASES`` (default 5000) and
``DFDX_FUZZ_SEED`` (default 0) set the size and seed: ``DFDX_FUZZ_CASES=100000 pytest
tests/test_fuzz.py`` is the larger run. The counts are printed in pytest's summary.
"""

from __future__ import annotations

import math
import os
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _helpers
import numpy as np

import dfdx as dx
from dfdx import nn

try:
    import torch
except ImportError:  # CI: the NumPy formulas are the reference
    torch = None

CASES = int(os.environ.get("DFDX_FUZZ_CASES", "5000"))
SEED = int(os.environ.get("DFDX_FUZZ_SEED", "0"))
DOCUMENTED = (dx.ShapeError, dx.DTypeError, TypeError, ValueError)
PACKAGES = tuple(str(Path(m.__file__).parent) for m in (dx, __import__("dfdx_mypy_plugin")))

Gen = np.random.Generator
RESULTS: Counter[str] = Counter()
"""Outcome counts of the last run, for the summary (tests/conftest.py prints them)."""


# ---- drawing arguments -------------------------------------------------------------------------

FLOATS = (np.float32, np.float64)


def shape(rng: Gen, rank: int | None = None, low: int = 0) -> tuple[int, ...]:
    r = int(rng.integers(0, 5)) if rank is None else rank
    return tuple(
        int(rng.choice([0, 1, 2, 3, 4, 5], p=[0.06, 0.2, 0.2, 0.2, 0.17, 0.17]))
        if low == 0
        else int(rng.integers(low, 6))
        for _ in range(r)
    )


def dtype(rng: Gen, floats_only: bool = False) -> Any:
    if floats_only or rng.random() < 0.85:
        return FLOATS[int(rng.integers(0, 2))]
    return np.int64 if rng.random() < 0.6 else np.bool_


def array(rng: Gen, shp: tuple[int, ...], dt: Any = None, special: bool = False) -> np.ndarray:
    dt = dtype(rng) if dt is None else dt
    if dt == np.bool_:
        return np.asarray(rng.random(shp) < 0.5)
    if dt == np.int64:
        return np.asarray(rng.integers(-5, 6, shp), dtype=np.int64)
    a = np.asarray(rng.standard_normal(shp), dtype=dt)
    if special and a.size and rng.random() < 0.15:
        a.flat[int(rng.integers(0, a.size))] = pick(rng, [np.inf, -np.inf, np.nan])
    return a


def axis(rng: Gen, ndim: int, none: bool = False) -> Any:
    u = rng.random()
    if none and u < 0.15:
        return None
    if u < 0.05:
        return pick(rng, ["0", 1.0, True])  # not an int: TypeError
    if u < 0.1 or ndim == 0:
        return int(pick(rng, [ndim, -ndim - 1, ndim + 2]))  # out of range
    return int(rng.integers(-ndim, ndim))


def pick(rng: Gen, items: Any) -> Any:
    """One of ``items`` as it is (``rng.choice`` would make NumPy scalars of them)."""
    items = list(items)
    return items[int(rng.integers(0, len(items)))]


def bad_or(rng: Gen, good: Any, bad: list[Any], p: float = 0.1) -> Any:
    return bad[int(rng.integers(0, len(bad)))] if rng.random() < p else good


# ---- the ops -----------------------------------------------------------------------------------


@dataclass
class Case:
    """One call: ``args`` (NumPy arrays become tensors of both libraries) and ``kwargs``."""

    op: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


@dataclass
class Op:
    name: str
    draw: Callable[[Gen], Case]
    run: Callable[..., Any]  # dfdx, called with tensors
    numpy: Callable[..., Any] | None  # the reference without PyTorch (None: outcome only)
    torch: Callable[..., Any] | None = None  # the reference with it


def _erf(a: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf, otypes=[np.float64])(a)


UNARY: dict[str, tuple[Callable[..., Any], str]] = {
    "abs": (np.abs, "abs"),
    "neg": (np.negative, "neg"),
    "exp": (np.exp, "exp"),
    "log": (np.log, "log"),
    "sqrt": (np.sqrt, "sqrt"),
    "square": (np.square, "square"),
    "sin": (np.sin, "sin"),
    "cos": (np.cos, "cos"),
    "tanh": (np.tanh, "tanh"),
    "sigmoid": (lambda a: 1 / (1 + np.exp(-a)), "sigmoid"),
    "relu": (lambda a: np.maximum(a, 0), "relu"),
    "softplus": (lambda a: np.logaddexp(0, a), "nn.functional.softplus"),
    "gelu": (
        lambda a: np.where(np.isinf(a), np.maximum(a, 0), a * 0.5 * (1 + _erf(a / math.sqrt(2)))),
        "gelu",
    ),
    "relu6": (lambda a: np.clip(a, 0, 6), "nn.functional.relu6"),
    "hardswish": (lambda a: a * np.clip(a + 3, 0, 6) / 6, "nn.functional.hardswish"),
    "mish": (lambda a: a * np.tanh(np.logaddexp(0, a)), "nn.functional.mish"),
    "elu": (lambda a: np.where(a > 0, a, np.expm1(np.minimum(a, 0))), "nn.functional.elu"),
}


def _torch_gelu(x: Any) -> Any:
    # PyTorch's float32 gelu(inf) is NaN; dfdx gives the limits gelu(inf) = inf and
    # gelu(-inf) = 0, which PyTorch's float64 gelu gives too
    return torch.where(torch.isinf(x), torch.clamp(x, min=0), torch.nn.functional.gelu(x))


def _torch_fn(path: str) -> Callable[..., Any]:
    if path == "gelu":
        return _torch_gelu

    def call(*args: Any, **kwargs: Any) -> Any:
        f: Any = torch
        for part in path.split("."):
            f = getattr(f, part)
        return f(*args, **kwargs)

    return call


def _unary(name: str, np_fn: Callable[..., Any], torch_path: str) -> Op:
    def draw(rng: Gen) -> Case:
        return Case(name, (array(rng, shape(rng), special=True),), {})

    return Op(name, draw, getattr(dx, name), np_fn, _torch_fn(torch_path))


def _draw_param_unary(name: str) -> Callable[[Gen], Case]:
    def draw(rng: Gen) -> Case:
        x = array(rng, shape(rng), special=True)
        if name == "leaky_relu":
            return Case(
                name, (x,), {"negative_slope": bad_or(rng, float(rng.uniform(0, 1)), ["a", None])}
            )
        if name == "pow":
            return Case(
                name,
                (x, bad_or(rng, float(pick(rng, [0, 1, 2, 3, 0.5, -1, 2.5])), ["2", None])),
                {},
            )
        lo = float(rng.normal()) if rng.random() < 0.7 else None
        hi = float(rng.normal()) if rng.random() < 0.7 else None
        return Case(name, (x,), {"min": bad_or(rng, lo, ["a", math.nan]), "max": hi})

    return draw


def _clamp_np(a: np.ndarray, min: Any = None, max: Any = None) -> np.ndarray:
    if min is not None and max is not None and min > max:
        raise ValueError("min > max")
    return np.clip(a, min, max)


def _torch_clamp(x: Any, min: Any = None, max: Any = None) -> Any:
    if min is not None and max is not None and min > max:
        raise ValueError("min > max")  # torch returns max everywhere; dfdx refuses
    return torch.clamp(x, min, max)


def _pair_shapes(rng: Gen) -> tuple[tuple[int, ...], tuple[int, ...]]:
    a = shape(rng)
    u = rng.random()
    if u < 0.4:
        return a, a
    if u < 0.8:  # broadcastable: drop leading axes, set some to 1
        b = list(a[int(rng.integers(0, len(a) + 1)) :])
        return a, tuple(1 if rng.random() < 0.3 else n for n in b)
    return a, shape(rng)


def _binary(name: str, np_fn: Callable[..., Any], torch_path: str) -> Op:
    def draw(rng: Gen) -> Case:
        sa, sb = _pair_shapes(rng)
        dt = dtype(rng)
        x = array(rng, sa, dt, special=True)
        if rng.random() < 0.15:
            return Case(name, (x, bad_or(rng, float(rng.normal()), ["a"])), {})
        return Case(name, (x, array(rng, sb, dt if rng.random() < 0.9 else None)), {})

    return Op(name, draw, getattr(dx, name), np_fn, _torch_fn(torch_path))


def _reduce_np(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(a: np.ndarray, axis: Any = None, keepdims: bool = False, **kw: Any) -> Any:
        if isinstance(axis, tuple) and len(set(x % max(a.ndim, 1) for x in axis)) < len(axis):
            raise ValueError("repeated axis")
        return fn(a, axis=axis, keepdims=keepdims, **kw)

    return call


def _np_logsumexp(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> Any:
    with np.errstate(divide="ignore"):
        m = np.max(a, axis=axis, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0)
        y = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return y if keepdims else np.squeeze(y, axis=axis) if axis is not None else y.reshape(())


def _torch_reduce(name: str) -> Callable[..., Any]:
    def call(x: Any, axis: Any = None, keepdims: bool = False, **kw: Any) -> Any:
        if name == "var":
            dim = axis if axis is not None else None
            return torch.var(x, dim=dim, keepdim=keepdims, correction=kw.get("correction", 1))
        f = {
            "sum": torch.sum,
            "mean": torch.mean,
            "max": torch.amax,
            "min": torch.amin,
            "logsumexp": torch.logsumexp,
        }[name]
        if axis is None:
            axis = tuple(range(x.ndim))
        if axis == ():
            return x  # NumPy's rule, which dfdx follows: no axis reduced
        return f(x, dim=axis, keepdim=keepdims)

    return call


def _reduction(name: str, np_fn: Callable[..., Any]) -> Op:
    def draw(rng: Gen) -> Case:
        x = array(rng, shape(rng), special=True)
        ax = axis(rng, x.ndim, none=True)
        if rng.random() < 0.2 and x.ndim:
            ax = tuple(int(a) for a in rng.integers(-x.ndim, x.ndim, int(rng.integers(1, 3))))
        kw: dict[str, Any] = {"axis": ax, "keepdims": bool(rng.random() < 0.5)}
        if name == "var":
            kw["correction"] = int(rng.integers(0, 2))
        return Case(name, (x,), kw)

    return Op(name, draw, getattr(dx, name), _reduce_np(np_fn), _torch_reduce(name))


def _np_softmax(a: np.ndarray, axis: int = -1, log: bool = False) -> np.ndarray:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError("axis")
    if a.shape[axis] == 0:
        return a.copy()
    d = a - np.max(a, axis=axis, keepdims=True)  # PyTorch's: a row holding inf is NaN
    lse = np.log(np.sum(np.exp(d), axis=axis, keepdims=True))
    return d - lse if log else np.exp(d - lse)


def _softmax(name: str) -> Op:
    def draw(rng: Gen) -> Case:
        x = array(rng, shape(rng), special=True)
        if rng.random() < 0.1 and x.size and x.dtype.kind == "f":
            x = np.asarray(x * np.asarray(1e8, x.dtype))  # large logits
        return Case(name, (x,), {"axis": axis(rng, x.ndim)})

    log = name == "log_softmax"
    return Op(
        name,
        draw,
        getattr(dx, name),
        lambda a, axis=-1: _np_softmax(a, axis, log),
        lambda x, axis=-1: getattr(torch, name)(x, dim=axis),
    )


def _np_argmax(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.argmax(a, axis=axis, keepdims=keepdims)


def _draw_argmax(rng: Gen) -> Case:
    x = array(rng, shape(rng), dtype(rng, floats_only=rng.random() < 0.8))
    return Case(
        "argmax", (x,), {"axis": axis(rng, x.ndim, none=True), "keepdims": bool(rng.random() < 0.5)}
    )


def _draw_matmul(rng: Gen) -> Case:
    dt = dtype(rng)
    m, k, n = (int(v) for v in rng.integers(0, 5, 3))
    batch = shape(rng, int(rng.integers(0, 3)))
    sb = (k if rng.random() < 0.9 else k + 1, n)
    return Case("matmul", (array(rng, (*batch, m, k), dt), array(rng, sb, dt)), {})


def _draw_reshape(rng: Gen) -> Case:
    x = array(rng, shape(rng))
    dims = list(x.shape)
    rng.shuffle(dims)
    if rng.random() < 0.3 and dims:
        dims[int(rng.integers(0, len(dims)))] = -1
    if rng.random() < 0.15:
        dims.append(int(rng.integers(2, 4)))
    return Case("reshape", (x, *dims), {})


def _draw_permute(rng: Gen) -> Case:
    x = array(rng, shape(rng))
    perm = [int(p) for p in rng.permutation(x.ndim)]
    if rng.random() < 0.15 and perm:
        perm[0] = perm[-1]  # repeated axis
    if rng.random() < 0.1:
        perm.append(x.ndim)
    return Case("permute", (x, *perm), {})


def _draw_transpose(rng: Gen) -> Case:
    x = array(rng, shape(rng))
    return Case("transpose", (x, axis(rng, x.ndim), axis(rng, x.ndim)), {})


def _draw_squeeze(rng: Gen) -> Case:
    x = array(rng, tuple(1 if rng.random() < 0.4 else n for n in shape(rng)))
    return Case("squeeze", (x,), {"axis": axis(rng, x.ndim, none=True)})


def _draw_unsqueeze(rng: Gen) -> Case:
    x = array(rng, shape(rng))
    return Case("unsqueeze", (x,), {"axis": axis(rng, x.ndim + 1)})


def _draw_flatten(rng: Gen) -> Case:
    x = array(rng, shape(rng))
    return Case("flatten", (x,), {"start_axis": axis(rng, x.ndim), "end_axis": axis(rng, x.ndim)})


def _draw_join(name: str) -> Callable[[Gen], Case]:
    def draw(rng: Gen) -> Case:
        s = shape(rng, low=0)
        dt = dtype(rng)
        count = int(rng.integers(1, 4))
        ax = axis(rng, len(s) + (name == "stack"))
        parts = []
        for _ in range(count):
            t = list(s)
            if name == "concat" and t and isinstance(ax, int) and -len(t) <= ax < len(t):
                t[ax] = int(rng.integers(0, 4))
            if rng.random() < 0.08 and t:
                t[0] += 1
            parts.append(array(rng, tuple(t), dt))
        return Case(name, (parts,), {"axis": ax})

    return draw


def _np_concat(parts: list[np.ndarray], axis: Any = 0) -> np.ndarray:
    if isinstance(axis, bool) or not isinstance(axis, int) or not parts[0].ndim:
        raise TypeError("axis")
    return np.concatenate(parts, axis=axis)


def _np_stack(parts: list[np.ndarray], axis: Any = 0) -> np.ndarray:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError("axis")
    return np.stack(parts, axis=axis)


def _draw_broadcast(rng: Gen) -> Case:
    a, b = _pair_shapes(rng)
    return Case("broadcast_to", (array(rng, b), *a), {})


def _draw_tri(name: str) -> Callable[[Gen], Case]:
    def draw(rng: Gen) -> Case:
        return Case(name, (array(rng, shape(rng)),), {"k": int(rng.integers(-3, 4))})

    return draw


def _np_tri(name: str) -> Callable[..., Any]:
    def call(a: np.ndarray, k: int = 0) -> np.ndarray:
        if a.ndim < 2:
            raise ValueError("needs 2 axes")
        return getattr(np, name)(a, k)

    return call


def _draw_where(rng: Gen) -> Case:
    s = shape(rng)
    dt = dtype(rng, floats_only=True)
    cond = array(rng, s, np.bool_ if rng.random() < 0.9 else None)
    return Case("where", (cond, array(rng, s, dt), array(rng, s, dt)), {})


def _draw_masked_fill(rng: Gen) -> Case:
    sa, sb = _pair_shapes(rng)
    x = array(rng, sa)
    return Case(
        "masked_fill",
        (x, array(rng, sb, np.bool_)),
        {"value": bad_or(rng, float(rng.normal()), ["v"])},
    )


def _np_masked_fill(a: np.ndarray, mask: np.ndarray, value: Any) -> np.ndarray:
    return np.where(mask, np.asarray(value, a.dtype), a)


def _draw_one_hot(rng: Gen) -> Case:
    n = int(rng.integers(0, 5))
    labels = rng.integers(
        -1 if rng.random() < 0.1 else 0, max(n, 1) + (rng.random() < 0.1), shape(rng)
    )
    return Case("one_hot", (labels.astype(np.int64),), {"n": n})


def _np_one_hot(labels: np.ndarray, n: int) -> np.ndarray:
    if labels.size and (labels.min() < 0 or labels.max() >= n):
        raise ValueError("label out of range")
    return (labels[..., None] == np.arange(n)).astype(np.float32)


def _draw_index_select(rng: Gen) -> Case:
    x = array(rng, shape(rng, int(rng.integers(1, 4))))
    ax = axis(rng, x.ndim)
    size = x.shape[ax] if isinstance(ax, int) and -x.ndim <= ax < x.ndim else 3
    idx = rng.integers(0, max(size, 1) + (rng.random() < 0.1), int(rng.integers(0, 4)))
    return Case("index_select", (x,), {"axis": ax, "indices": idx.astype(np.int64)})


def _np_index_select(a: np.ndarray, axis: Any, indices: np.ndarray) -> np.ndarray:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError("axis")
    return np.take(a, indices, axis=axis)


def _draw_conv(name: str) -> Callable[[Gen], Case]:
    def draw(rng: Gen) -> Case:
        spatial = 1 if name == "conv1d" else 2
        dt = dtype(rng, floats_only=rng.random() < 0.95)
        groups = int(pick(rng, [1, 1, 2]))
        c = int(rng.integers(1, 3)) * groups
        o = int(rng.integers(1, 3)) * groups
        size = shape(rng, spatial)
        kernel = tuple(
            int(rng.integers(0 if rng.random() < 0.05 else 1, 4)) for _ in range(spatial)
        )
        n = int(rng.integers(0, 3))
        x = array(rng, (n, c, *size), dt)
        if name == "conv_transpose2d":
            w = array(rng, (c, o // groups, *kernel), dt)
        else:
            w = array(rng, (o, c // groups, *kernel), dt)
        kw: dict[str, Any] = {
            "stride": int(rng.integers(1, 3)),
            "padding": int(rng.integers(0, 2)),
            "dilation": int(rng.integers(1, 3)),
            "groups": groups,
        }
        if rng.random() < 0.1:
            kw[str(pick(rng, list(kw)))] = pick(rng, [0, -1, (1, 2, 3), "1"])
        if name == "conv_transpose2d" and rng.random() < 0.3:
            kw["output_padding"] = int(rng.integers(0, 2))
        bias = array(rng, (o,), dt) if rng.random() < 0.5 else None
        return Case(name, (x, w), {"bias": bias, **kw})

    return draw


def _draw_pool(name: str) -> Callable[[Gen], Case]:
    def draw(rng: Gen) -> Case:
        x = array(rng, (int(rng.integers(0, 3)), *shape(rng, 3)), special=True)
        if name == "adaptive_avg_pool2d":
            return Case(
                name, (x,), {"output_size": bad_or(rng, int(rng.integers(1, 4)), [0, (2,), "2"])}
            )
        if name == "upsample2d":
            return Case(
                name, (x,), {"scale_factor": bad_or(rng, int(rng.integers(1, 3)), [0, 1.5, (2,)])}
            )
        k = int(rng.integers(1, 4))
        return Case(
            name,
            (x,),
            {
                "kernel_size": bad_or(rng, k, [0, (1, 2, 3)]),
                "stride": pick(rng, [None, 1, 2]),
                "padding": int(rng.integers(0, k // 2 + 1 + (rng.random() < 0.1))),
            },
        )

    return draw


def _draw_pool1d(name: str) -> Callable[[Gen], Case]:
    """The 1-d pools: ``(N, C, L)`` (another rank now and then), a kernel, stride and padding
    (sometimes invalid), ``ceil_mode``; the adaptive ones an output size."""

    def draw(rng: Gen) -> Case:
        rank = 3 if rng.random() < 0.9 else int(rng.integers(1, 5))
        x = array(rng, (int(rng.integers(0, 3)), *shape(rng, rank - 1)), special=True)
        if name.startswith("adaptive"):
            size = bad_or(rng, int(rng.integers(1, 5)), [0, (2, 2), "2"])
            return Case(name, (x,), {"output_size": size})
        k = int(rng.integers(1, 4))
        return Case(
            name,
            (x,),
            {
                "kernel_size": bad_or(rng, k, [0, (1, 2)]),
                "stride": pick(rng, [None, 1, 2, 3]),
                "padding": int(rng.integers(0, k // 2 + 1 + (rng.random() < 0.1))),
                "ceil_mode": bool(rng.random() < 0.3),
            },
        )

    return draw


def _torch_pool1d(name: str) -> Callable[..., Any]:
    def call(x: Any, **kw: Any) -> Any:
        for key, value in kw.items():
            if isinstance(value, str) or (isinstance(value, tuple) and len(value) != 1):
                raise TypeError(key)
            if isinstance(value, bool):
                continue  # ceil_mode
            if isinstance(value, int) and value < (0 if key == "padding" else 1):
                raise ValueError(key)
        if x.ndim != 3:
            raise ValueError("rank")
        return getattr(torch.nn.functional, name)(x, **kw)

    return call


def _draw_glu(rng: Gen) -> Case:
    x = array(rng, shape(rng), special=True)
    if x.ndim and rng.random() < 0.7:  # mostly an even size along the axis glu halves
        x = np.concatenate([x, x], axis=-1)
    return Case("glu", (x,), {"axis": axis(rng, x.ndim) if rng.random() < 0.5 else -1})


def _np_glu(a: np.ndarray, axis: int = -1) -> np.ndarray:
    first, second = np.split(a, 2, axis=axis)
    return first / (1 + np.exp(-second))


def _draw_repeat_interleave(rng: Gen) -> Case:
    x = array(rng, shape(rng))
    repeats = bad_or(rng, int(rng.integers(0, 4)), [-1, 1.5, (2,), True])
    ax = None if rng.random() < 0.3 else axis(rng, x.ndim)
    return Case("repeat_interleave", (x,), {"repeats": repeats, "axis": ax})


def _np_repeat_interleave(a: np.ndarray, repeats: Any, axis: Any = None) -> np.ndarray:
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 0:
        raise TypeError("repeats")
    return np.repeat(a, repeats, axis=axis)


def _torch_repeat_interleave(x: Any, repeats: Any, axis: Any = None) -> Any:
    if isinstance(repeats, bool) or not isinstance(repeats, int):
        raise TypeError("repeats")
    return torch.repeat_interleave(x, repeats, dim=axis)


def _torch_conv(name: str) -> Callable[..., Any]:
    def call(x: Any, w: Any, bias: Any = None, **kw: Any) -> Any:
        for key, value in kw.items():
            if isinstance(value, str) or (isinstance(value, tuple) and len(value) != x.ndim - 2):
                raise TypeError(key)
        return getattr(torch.nn.functional, name)(x, w, bias, **kw)

    return call


def _torch_pool(name: str) -> Callable[..., Any]:
    def call(x: Any, **kw: Any) -> Any:
        f = torch.nn.functional
        if name == "upsample2d":
            s = kw["scale_factor"]
            if not isinstance(s, int) or s < 1:
                raise TypeError("scale_factor")
            return f.interpolate(x, scale_factor=s, mode="nearest")
        for key, value in kw.items():
            if isinstance(value, str) or (isinstance(value, tuple) and len(value) != 2):
                raise TypeError(key)
            if isinstance(value, int) and value < (0 if key == "padding" else 1):
                raise ValueError(key)
        if x.ndim != 4:
            raise ValueError("rank")
        return getattr(f, name)(x, **kw)

    return call


def _draw_layer_norm(rng: Gen) -> Case:
    x = array(rng, shape(rng, int(rng.integers(1, 4))), special=True)
    d = x.shape[-1] if rng.random() < 0.9 else x.shape[-1] + 1
    w = array(rng, (d,), x.dtype) if rng.random() < 0.5 else None
    b = array(rng, (d,), x.dtype) if w is not None else None
    return Case(
        "layer_norm", (x, d), {"weight": w, "bias": b, "eps": bad_or(rng, 1e-5, [-1.0, 0.0])}
    )


def _np_layer_norm(
    x: np.ndarray, d: int, weight: Any = None, bias: Any = None, eps: float = 1e-5
) -> np.ndarray:
    if x.shape[-1] != d or eps <= 0 or (weight is not None and weight.dtype != x.dtype):
        raise ValueError("shape, eps or dtype")
    m = x.mean(axis=-1, keepdims=True)
    y = (x - m) / np.sqrt(((x - m) ** 2).mean(axis=-1, keepdims=True) + eps)
    return y * weight + bias if weight is not None else y


def _draw_group_norm(rng: Gen) -> Case:
    x = array(rng, shape(rng, int(rng.integers(1, 5))), special=True)
    c = x.shape[1] if x.ndim > 1 else 1
    groups = pick(rng, [g for g in range(1, c + 1) if c % g == 0]) if c else 1
    groups = bad_or(rng, groups, [0, c + 1, True, 2.0, "2"], p=0.2)
    w = array(rng, (c,), x.dtype) if rng.random() < 0.5 else None
    b = array(rng, (c,), x.dtype) if w is not None and rng.random() < 0.7 else None
    eps = bad_or(rng, 1e-5, [-1.0, 0.0, math.nan])
    return Case("group_norm", (x, groups), {"weight": w, "bias": b, "eps": eps})


def _np_group_norm(
    x: np.ndarray, groups: Any, weight: Any = None, bias: Any = None, eps: float = 1e-5
) -> np.ndarray:
    if not (type(groups) is int and groups > 0 and x.ndim > 1 and x.shape[1] % groups == 0):
        raise ValueError("groups")
    if x.dtype.kind != "f" or not eps > 0 or 0 in x.shape[1:]:
        raise ValueError("dtype, eps or size")
    rows = x.reshape(x.shape[0], groups, math.prod(x.shape[1:]) // groups)
    m = rows.mean(axis=-1, keepdims=True)
    y = ((rows - m) / np.sqrt(((rows - m) ** 2).mean(axis=-1, keepdims=True) + eps)).reshape(
        x.shape
    )
    per_channel = (1, x.shape[1], *(1,) * (x.ndim - 2))
    if weight is not None:
        y = y * weight.reshape(per_channel)
    return y + bias.reshape(per_channel) if bias is not None else y


def _torch_group_norm(
    x: Any, groups: Any, weight: Any = None, bias: Any = None, eps: float = 1e-5
) -> Any:
    if not isinstance(eps, float) or not eps > 0:
        raise ValueError("eps")  # PyTorch takes eps <= 0 (dfdx refuses it)
    if any(t is not None and t.dtype != x.dtype for t in (weight, bias)):
        raise ValueError("dtypes differ")
    # in float64: PyTorch's float32 variance of a group of one value is rounding noise, which
    # 1 / sqrt(eps) magnifies (dfdx's is 0, exactly)
    wide = [None if t is None else t.double() for t in (weight, bias)]
    return torch.nn.functional.group_norm(x.double(), groups, *wide, eps).to(x.dtype)


def _draw_rms_norm(rng: Gen) -> Case:
    x = array(rng, shape(rng, int(rng.integers(1, 4))), special=True)
    d = x.shape[-1] if rng.random() < 0.9 else x.shape[-1] + 1
    w = array(rng, (d,), x.dtype) if rng.random() < 0.5 else None
    eps = bad_or(rng, pick(rng, [None, 1e-6]), [-1.0, 0.0, math.nan])
    return Case("rms_norm", (x, d), {"weight": w, "eps": eps})


def _np_rms_norm(x: np.ndarray, d: int, weight: Any = None, eps: Any = None) -> np.ndarray:
    if x.shape[-1] != d or d < 1 or x.dtype.kind != "f" or (eps is not None and not eps > 0):
        raise ValueError("shape, dtype or eps")
    e = np.finfo(x.dtype).eps if eps is None else eps
    y = x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + e)
    return y * weight if weight is not None else y


def _draw_sdpa(rng: Gen) -> Case:
    dt = dtype(rng, floats_only=True)
    b = shape(rng, int(rng.integers(0, 2)), low=1)
    lq, s, d, dv = (int(v) for v in rng.integers(1, 5, 4))
    q, k, v = array(rng, (*b, lq, d), dt), array(rng, (*b, s, d), dt), array(rng, (*b, s, dv), dt)
    kw: dict[str, Any] = {"is_causal": bool(rng.random() < 0.3)}
    if rng.random() < 0.3:
        kw["scale"] = bad_or(rng, float(rng.uniform(0.1, 2)), [math.inf, math.nan], p=0.3)
    return Case("scaled_dot_product_attention", (q, k, v), kw)


def _np_sdpa(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, is_causal: bool = False, scale: Any = None
) -> np.ndarray:
    if scale is not None and not math.isfinite(scale):
        raise ValueError("scale")
    sc = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    logits = q @ np.swapaxes(k, -1, -2) * sc
    if is_causal:
        keep = np.tril(np.ones(logits.shape[-2:], bool))
        logits = np.where(keep, logits, -np.inf)
    return _np_softmax(logits, -1) @ v


def _torch_sdpa(q: Any, k: Any, v: Any, is_causal: bool = False, scale: Any = None) -> Any:
    if scale is not None and not math.isfinite(scale):
        raise ValueError("scale")
    return torch.nn.functional.scaled_dot_product_attention(
        q, k, v, is_causal=is_causal, scale=scale
    )


def _draw_creation(rng: Gen) -> Case:
    kind = str(pick(rng, ["zeros", "ones", "full", "arange"]))
    dims: list[Any] = list(shape(rng))
    if rng.random() < 0.1 and dims:
        dims[0] = pick(rng, [-1, 2.0, True, (2, 3)])
    dt: Any = pick(rng, [np.float32, np.float64, np.int64, np.bool_, "nope", "float16"])
    if kind == "full":
        value = pick(rng, [1, 2.5, True, "x", math.nan, 2**70, None])
        return Case("full", (tuple(dims), value), {"dtype": dt if rng.random() < 0.5 else None})
    if kind == "arange":
        return Case("arange", (dims[0] if dims else 3,), {"dtype": dt})
    return Case(kind, tuple(dims), {"dtype": dt})


def _np_creation(op: str) -> Callable[..., Any]:
    return lambda *a, **k: None  # outcome only: checked by the creation tests


def _draw_gather(rng: Gen) -> Case:
    x = array(rng, shape(rng, int(rng.integers(1, 4))))
    ax = axis(rng, x.ndim)
    idx_shape = tuple(int(rng.integers(0, d + 1 + (rng.random() < 0.1))) for d in x.shape)
    size = x.shape[ax] if isinstance(ax, int) and -x.ndim <= ax < x.ndim else 3
    high = max(size, 1) + (rng.random() < 0.1)
    idx = np.asarray(rng.integers(0, high, idx_shape), dtype=np.int64)
    return Case("gather", (x,), {"axis": ax, "indices": idx})


def _torch_gather(x: Any, axis: Any, indices: Any) -> Any:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError("axis")
    return torch.gather(x, axis, indices)


def _draw_getitem(rng: Gen) -> Case:
    x = array(rng, shape(rng))
    items: list[Any] = []
    for _ in range(int(rng.integers(1, 4))):
        u = rng.random()
        if u < 0.35:
            items.append(int(rng.integers(-5, 6)))
        elif u < 0.8:
            starts = [None, *range(-4, 5)]
            step = pick(rng, [None, 1, 2, 3])
            items.append(slice(pick(rng, starts), pick(rng, starts), step))
        else:
            items.append(pick(rng, [None, Ellipsis]))
    return Case("getitem", (x, tuple(items)), {})


def _np_getitem(a: np.ndarray, items: tuple[Any, ...]) -> np.ndarray:
    return np.asarray(a[items])


def _draw_dropout(rng: Gen) -> Case:
    p = pick(rng, [0.0, 1.0, 0.0, 1.0, -0.5, 1.5, math.nan, "p"])
    return Case(
        "dropout", (array(rng, shape(rng)),), {"p": p, "training": bool(rng.random() < 0.8)}
    )


def _np_dropout(a: np.ndarray, p: Any, training: bool) -> np.ndarray:
    if not isinstance(p, float) or not 0 <= p <= 1:
        raise ValueError("p")
    return a * 0 if training and p == 1 else a


def _draw_to(rng: Gen) -> Case:
    target = pick(rng, [np.float32, np.float64, np.int64, np.bool_, "nope"])
    return Case("to", (array(rng, shape(rng)), target), {})


def _np_to(a: np.ndarray, dtype: Any) -> np.ndarray:
    return a.astype(dtype)


def _draw_loss(rng: Gen) -> Case:
    name = pick(
        rng,
        [
            "mse_loss",
            "mae_loss",
            "huber_loss",
            "binary_cross_entropy_with_logits_loss",
            "cross_entropy_with_logits_loss",
        ],
    )
    dt = dtype(rng, floats_only=rng.random() < 0.9)
    s = shape(rng, int(rng.integers(1, 4)))
    pred = array(rng, s, dt)
    if name == "cross_entropy_with_logits_loss" and rng.random() < 0.5:
        c = s[-1]
        labels = rng.integers(0, max(c, 1) + (rng.random() < 0.1), s[:-1])
        target = np.asarray(labels, dtype=np.int64)
    elif name == "binary_cross_entropy_with_logits_loss":
        target = np.asarray(rng.random(s), dtype=dt)
    else:
        target = array(rng, s if rng.random() < 0.9 else shape(rng), dt)
    if name == "cross_entropy_with_logits_loss" and target.dtype.kind == "f":
        e = np.exp(target - target.max(axis=-1, keepdims=True)) if target.size else target
        target = np.asarray(e / e.sum(axis=-1, keepdims=True) if target.size else e, dtype=dt)
    return Case(name, (pred, target), {})


def _np_loss(name: str) -> Callable[..., Any]:
    def call(p: np.ndarray, t: np.ndarray) -> Any:
        if p.dtype != t.dtype and not (name.startswith("cross") and t.dtype == np.int64):
            raise TypeError("dtypes")
        if p.dtype.kind != "f":
            raise TypeError("dtype")
        if name == "mse_loss":
            return np.mean((p - t) ** 2) if p.shape == t.shape else _raise()
        if name == "mae_loss":
            return np.mean(np.abs(p - t)) if p.shape == t.shape else _raise()
        if name == "huber_loss":
            if p.shape != t.shape:
                _raise()
            d = np.abs(p - t)
            return np.mean(np.where(d < 1, 0.5 * d * d, d - 0.5))
        if name == "binary_cross_entropy_with_logits_loss":
            return np.mean(np.logaddexp(0, p) - p * t)
        logp = _np_softmax(p, -1, log=True)
        if t.dtype == np.int64:
            if t.shape != p.shape[:-1] or (t.size and (t.min() < 0 or t.max() >= p.shape[-1])):
                _raise()
            return -np.mean(np.take_along_axis(logp, t[..., None], -1))
        if t.shape != p.shape:
            _raise()
        rows = math.prod(p.shape[:-1])
        return -np.sum(t * logp) / rows if rows else np.nan  # PyTorch's mean of no rows

    return call


def _raise() -> Any:
    raise ValueError("shapes")


LAYERS: dict[str, Callable[[Gen], tuple[tuple[Any, ...], dict[str, Any], tuple[int, ...]]]] = {
    "Linear": lambda rng: ((int(rng.integers(-1, 4)), int(rng.integers(0, 4))), {}, (2, 3)),
    "Conv2d": lambda rng: (
        (
            int(rng.integers(1, 4)),
            int(rng.integers(1, 4)),
            bad_or(rng, int(rng.integers(1, 4)), [(2, 2, 2), 0, "3"]),
        ),
        {"padding": int(rng.integers(0, 2))},
        (1, 2, 5, 5),
    ),
    "BatchNorm1d": lambda rng: (
        (int(rng.integers(1, 4)),),
        {
            "momentum": bad_or(rng, 0.1, [None, math.nan, 2.0], 0.3),
            "eps": bad_or(rng, 1e-5, [-1.0, math.inf]),
        },
        (4, 2),
    ),
    "LayerNorm": lambda rng: (
        (int(rng.integers(1, 4)),),
        {"eps": bad_or(rng, 1e-5, [-1.0, math.nan, "e"], 0.3)},
        (2, 3),
    ),
    "Embedding": lambda rng: ((int(rng.integers(1, 4)), int(rng.integers(1, 4))), {}, (2,)),
    "Dropout": lambda rng: (
        (bad_or(rng, float(rng.uniform(0, 1)), [-0.1, 1.5, math.nan, "p"], 0.3),),
        {},
        (2, 3),
    ),
    "MaxPool2d": lambda rng: (
        (bad_or(rng, int(rng.integers(1, 4)), [0, (2, 2, 2)]),),
        {},
        (1, 1, 4, 4),
    ),
    "AvgPool2d": lambda rng: (
        (bad_or(rng, int(rng.integers(1, 4)), [0, (2, 2, 2)]),),
        {},
        (1, 1, 4, 4),
    ),
    "Softmax": lambda rng: ((axis(rng, 2),), {}, (2, 3)),
    "Conv1d": lambda rng: (
        (
            int(rng.integers(1, 4)),
            int(rng.integers(1, 4)),
            bad_or(rng, int(rng.integers(1, 4)), [(2, 2), 0, "3", (2,)]),
        ),
        {"padding": int(rng.integers(0, 2)), "groups": bad_or(rng, 1, [0, 2, True])},
        (1, 2, 5),
    ),
    "GroupNorm": lambda rng: (
        (bad_or(rng, 1, [0, 2, 3, True], p=0.3), int(rng.integers(1, 4))),
        {"eps": bad_or(rng, 1e-5, [-1.0, math.nan, "e"], 0.3)},
        (2, 2, 3),
    ),
    "RMSNorm": lambda rng: (
        (int(rng.integers(1, 4)),),
        {"eps": bad_or(rng, None, [1e-6, -1.0, math.nan, "e"], 0.3)},
        (2, 3),
    ),
    **{
        kind: lambda rng: (
            (int(rng.integers(1, 4)), bad_or(rng, int(rng.integers(1, 4)), [0, True, "4"])),
            {
                "num_layers": bad_or(rng, 1, [0, 2, 1.0]),
                "dropout": bad_or(rng, 0.0, [1.5, math.nan, "p"]),
                "bidirectional": bool(rng.random() < 0.3),
            },
            (3, 2, 2),
        )
        for kind in ("RNN", "LSTM", "GRU")
    },
    "LeakyReLU": lambda rng: ((bad_or(rng, 0.1, ["a", None]),), {}, (2, 3)),
    "ELU": lambda rng: ((bad_or(rng, 0.5, ["a", None]),), {}, (2, 3)),
    "Flatten": lambda rng: ((axis(rng, 3), axis(rng, 3)), {}, (2, 3, 4)),
}


def _draw_layer(rng: Gen) -> Case:
    name = str(pick(rng, sorted(LAYERS)))
    args, kwargs, in_shape = LAYERS[name](rng)
    return Case(name, args, {"kwargs": kwargs, "in_shape": in_shape})


def _run_layer(*args: Any, kwargs: dict[str, Any], in_shape: tuple[int, ...], name: str) -> Any:
    layer = getattr(nn, name)(*args, **kwargs)
    x = (
        dx.tensor(np.arange(math.prod(in_shape)).reshape(in_shape) % 2)
        if name == "Embedding"
        else dx.randn(*in_shape)
    )
    return layer(x)


def ops() -> list[Op]:
    table = [_unary(n, f, t) for n, (f, t) in UNARY.items()]
    table += [
        Op(
            "leaky_relu",
            _draw_param_unary("leaky_relu"),
            dx.leaky_relu,
            lambda a, negative_slope=0.01: np.where(a > 0, a, a * negative_slope),
            lambda x, negative_slope=0.01: torch.nn.functional.leaky_relu(x, negative_slope),
        ),
        Op("pow", _draw_param_unary("pow"), dx.pow, np.power, _torch_fn("pow")),
        Op("clamp", _draw_param_unary("clamp"), dx.clamp, _clamp_np, _torch_clamp),
    ]
    for name, f, t in [
        ("add", np.add, "add"),
        ("sub", np.subtract, "sub"),
        ("mul", np.multiply, "mul"),
        ("div", np.divide, "div"),
        ("maximum", np.maximum, "maximum"),
        ("minimum", np.minimum, "minimum"),
        ("eq", np.equal, "eq"),
        ("ne", np.not_equal, "ne"),
        ("lt", np.less, "lt"),
        ("le", np.less_equal, "le"),
        ("gt", np.greater, "gt"),
        ("ge", np.greater_equal, "ge"),
    ]:
        table.append(_binary(name, f, t))
    for name, f in [
        ("sum", np.sum),
        ("mean", np.mean),
        ("max", np.max),
        ("min", np.min),
        ("logsumexp", _np_logsumexp),
    ]:
        table.append(_reduction(name, f))
    table.append(
        _reduction(
            "var",
            lambda a, axis=None, keepdims=False, correction=1: np.var(
                a, axis=axis, keepdims=keepdims, ddof=correction
            ),
        )
    )
    table += [_softmax("softmax"), _softmax("log_softmax")]
    table += [
        Op("argmax", _draw_argmax, dx.argmax, _np_argmax, None),
        Op("matmul", _draw_matmul, dx.matmul, np.matmul, _torch_fn("matmul")),
        Op("reshape", _draw_reshape, dx.reshape, lambda a, *d: a.reshape(d), None),
        Op("permute", _draw_permute, dx.permute, lambda a, *p: np.transpose(a, p), None),
        Op("transpose", _draw_transpose, dx.transpose, lambda a, i, j: np.swapaxes(a, i, j), None),
        Op("squeeze", _draw_squeeze, dx.squeeze, lambda a, axis=None: np.squeeze(a, axis), None),
        Op(
            "unsqueeze",
            _draw_unsqueeze,
            dx.unsqueeze,
            lambda a, axis: np.expand_dims(a, axis),
            None,
        ),
        Op(
            "flatten",
            _draw_flatten,
            dx.flatten,
            None,
            lambda x, start_axis, end_axis: torch.flatten(x, start_axis, end_axis),
        ),
        Op("concat", _draw_join("concat"), dx.concat, _np_concat, None),
        Op("stack", _draw_join("stack"), dx.stack, _np_stack, None),
        Op(
            "broadcast_to",
            _draw_broadcast,
            dx.broadcast_to,
            lambda a, *s: np.broadcast_to(a, s),
            None,
        ),
        Op("tril", _draw_tri("tril"), dx.tril, _np_tri("tril"), None),
        Op("triu", _draw_tri("triu"), dx.triu, _np_tri("triu"), None),
        Op("where", _draw_where, dx.where, np.where, None),
        Op("masked_fill", _draw_masked_fill, dx.masked_fill, _np_masked_fill, None),
        Op("one_hot", _draw_one_hot, dx.one_hot, _np_one_hot, None),
        Op("index_select", _draw_index_select, dx.index_select, _np_index_select, None),
        Op("layer_norm", _draw_layer_norm, dx.layer_norm, _np_layer_norm, None),
        Op("group_norm", _draw_group_norm, dx.group_norm, _np_group_norm, _torch_group_norm),
        Op(
            "rms_norm",
            _draw_rms_norm,
            dx.rms_norm,
            _np_rms_norm,
            lambda x, d, weight=None, eps=None: torch.nn.functional.rms_norm(x, (d,), weight, eps),
        ),
        Op(
            "scaled_dot_product_attention",
            _draw_sdpa,
            dx.scaled_dot_product_attention,
            _np_sdpa,
            _torch_sdpa,
        ),
        Op("gather", _draw_gather, dx.gather, None, _torch_gather),
        Op("getitem", _draw_getitem, lambda x, items: x[items], _np_getitem, None),
        Op("dropout", _draw_dropout, dx.dropout, _np_dropout, None),
        Op("to", _draw_to, dx.to, _np_to, None),
        Op("loss", _draw_loss, lambda p, t: None, None),
        Op("creation", _draw_creation, lambda *a, **k: None, None),
        Op("layer", _draw_layer, lambda *a, **k: None, None),
    ]
    for name in ("conv1d", "conv2d", "conv_transpose2d"):
        table.append(Op(name, _draw_conv(name), getattr(dx, name), None, _torch_conv(name)))
    for name in ("max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "upsample2d"):
        table.append(Op(name, _draw_pool(name), getattr(dx, name), None, _torch_pool(name)))
    for name in ("max_pool1d", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d"):
        table.append(Op(name, _draw_pool1d(name), getattr(dx, name), None, _torch_pool1d(name)))
    table.append(
        Op("glu", _draw_glu, dx.glu, _np_glu, lambda x, axis=-1: torch.nn.functional.glu(x, axis))
    )
    table.append(
        Op(
            "repeat_interleave",
            _draw_repeat_interleave,
            dx.repeat_interleave,
            _np_repeat_interleave,
            _torch_repeat_interleave,
        )
    )
    return table


# ---- running and judging -----------------------------------------------------------------------


def _to_dx(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return dx.tensor(v)
    if isinstance(v, list) and v and isinstance(v[0], np.ndarray):
        return [dx.tensor(a) for a in v]
    return v


def _to_torch(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return torch.from_numpy(v.copy())
    if isinstance(v, list) and v and isinstance(v[0], np.ndarray):
        return [torch.from_numpy(a.copy()) for a in v]
    return v


def _run_dfdx(op: Op, case: Case) -> Any:
    if op.name == "creation":
        return getattr(dx, case.op)(*case.args, **case.kwargs)
    if op.name == "layer":
        return _run_layer(*case.args, name=case.op, **case.kwargs)
    if op.name == "loss":
        return getattr(dx.losses, case.op)(*[_to_dx(a) for a in case.args])
    args = [_to_dx(a) for a in case.args]
    kwargs = {k: _to_dx(v) for k, v in case.kwargs.items()}
    return op.run(*args, **kwargs)


def _reference(op: Op, case: Case) -> tuple[str, Any]:
    """("torch" | "numpy", the result or the exception it raised)."""
    if torch is not None and op.torch is not None:
        try:
            out = op.torch(
                *[_to_torch(a) for a in case.args],
                **{k: _to_torch(v) for k, v in case.kwargs.items()},
            )
            return "torch", out.detach().numpy() if hasattr(out, "detach") else np.asarray(out)
        except Exception as e:
            return "torch", e
    if op.numpy is None:
        return "none", None
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "numpy", np.asarray(op.numpy(*case.args, **case.kwargs))
    except Exception as e:
        return "numpy", e


def _documented(e: BaseException) -> bool:
    """Raised by a ``raise`` statement of dfdx's own code, with a documented type."""
    if not isinstance(e, DOCUMENTED):
        return False
    last = traceback.extract_tb(e.__traceback__)[-1]
    return last.filename.startswith(PACKAGES) and (last.line or "").lstrip().startswith("raise")


def _computation_size(case: Case) -> int:
    sizes = [a.size for a in case.args if isinstance(a, np.ndarray)]
    sizes += [a.size for v in case.args if isinstance(v, list) for a in v]
    return max(sizes, default=1)


def judge(op: Op, case: Case) -> tuple[str, str]:
    """(outcome, detail): outcome is "result", "documented error", or a failure's kind."""
    try:
        out = _run_dfdx(op, case)
    except BaseException as e:
        if _documented(e):
            return "documented error", ""
        where = traceback.extract_tb(e.__traceback__)[-1]
        return "raw error", f"{type(e).__name__}: {e} at {where.filename}:{where.lineno}"
    if op.name in ("creation", "layer"):
        return "result, outcome only", ""
    got = out.numpy() if hasattr(out, "numpy") else np.asarray(out)
    source, ref = _reference(op, case)
    if op.name == "loss":
        op = Op(case.op, op.draw, op.run, _np_loss(case.op), None)
        source, ref = _reference(op, case)
    if source == "none":
        return "result, outcome only", ""
    if isinstance(ref, BaseException):
        return f"result, {source} refused", ""  # dfdx accepts more than the reference
    if got.shape != ref.shape:
        return "wrong shape", f"{got.shape} != {source} {ref.shape}"
    if got.dtype.kind == "f" and ref.dtype.kind in "fc":
        rtol, atol = _helpers.tolerance(got.dtype, _computation_size(case))
        if not np.allclose(got, ref, rtol=rtol, atol=atol, equal_nan=True):
            return (
                "wrong value",
                f"max diff {np.nanmax(np.abs(got - ref)) if got.size else 0} vs {source}",
            )
    elif not np.array_equal(got, ref.astype(got.dtype) if got.dtype != ref.dtype else ref):
        return "wrong value", f"{got} != {source} {ref}"
    return f"result, equal to {source}", ""


def run_fuzz(cases: int, seed: int) -> tuple[Counter[str], list[str]]:
    table = ops()
    rng = np.random.default_rng(seed)
    counts: Counter[str] = Counter()
    failures: list[str] = []
    for i in range(cases):
        op = table[int(rng.integers(0, len(table)))]
        case = op.draw(rng)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # log(-1) is NaN, as in PyTorch: not an error
            outcome, detail = judge(op, case)
        counts[outcome] += 1
        if not outcome.startswith(("result", "documented error")):
            shapes = tuple(getattr(a, "shape", a) for a in case.args)
            kwargs = case.kwargs if op.name != "layer" else ""
            failures.append(f"#{i} {case.op}{shapes} {kwargs}: {outcome}: {detail}")
    return counts, failures


def test_fuzz_public_ops() -> None:
    counts, failures = run_fuzz(CASES, SEED)
    RESULTS.clear()
    RESULTS.update(counts)
    RESULTS["cases"] = CASES
    assert not failures, f"{len(failures)} of {CASES} cases failed:\n" + "\n".join(failures[:40])
    compared = sum(n for k, n in counts.items() if k.startswith("result, equal to"))
    assert compared > CASES // 3 and counts["documented error"] > CASES // 20  # both drawn
