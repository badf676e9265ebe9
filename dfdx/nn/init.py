"""Parameter initialisation in place, as ``torch.nn.init``: ``dx.nn.init.kaiming_normal_(w)``.

Each function overwrites the values of an untraced tensor (a parameter) and returns it. The
formulas, fan computations and defaults are PyTorch's; the random values come from ``rng`` (a
NumPy ``Generator``) or, without it, from the generator of ``dx.manual_seed``, so they differ
from PyTorch's numbers but not in distribution. Like an optimizer's update, an initialisation
marks the tensor as changed in place: ``backward()`` of a graph recorded before it raises.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal, TypeVar

import numpy as np

from dfdx import _autodiff
from dfdx._backend import Array
from dfdx._creation import _generator
from dfdx._dtypes import FLOATS, DTypeError
from dfdx._tensor import Tensor
from dfdx._typing import AnyTensor
from dfdx.nn._init import calculate_gain as calculate_gain
from dfdx.nn._init import fan_in_and_fan_out, xavier_bound

if TYPE_CHECKING:
    from numpy.random import Generator

_T = TypeVar("_T", bound=AnyTensor)

FanMode = Literal["fan_in", "fan_out"]


def _target(op: str, tensor: object, *, floating: bool = True) -> Array:
    """The array of ``tensor``, which ``op`` may overwrite; or the error saying why not."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: expected a dx.Tensor, got {type(tensor).__name__}")
    if tensor._tape is not None:
        raise ValueError(
            f"{op}: the tensor is traced; initialise the parameter itself (an untraced tensor)"
        )
    data: Array = tensor._data
    if floating and data.dtype not in FLOATS:
        raise DTypeError(f"{op}: needs a float32 or float64 tensor, got {data.dtype}")
    return data


def _fill(tensor: _T, values: Array | float) -> _T:
    """Write ``values`` into ``tensor`` in place and mark it changed."""
    t: AnyTensor = tensor
    t._data[...] = values
    _autodiff.bump_param_epoch([t._id])
    return tensor


def _calculate_fan_in_and_fan_out(tensor: AnyTensor) -> tuple[int, int]:
    """PyTorch's fans: ``(size(1) * receptive field, size(0) * receptive field)``, where the
    receptive field is the product of the sizes after the first two (``(out, in, kh, kw)``
    for a convolution, ``(out, in)`` for a linear layer)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"fan computation: expected a dx.Tensor, got {type(tensor).__name__}")
    return fan_in_and_fan_out(tensor.shape)


def _fan(op: str, tensor: AnyTensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{op}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(tensor.shape, op=op)
    return fan_in if mode == "fan_in" else fan_out


# ---- constants ---------------------------------------------------------------------------------


def constant_(tensor: _T, val: float) -> _T:
    """Every element set to ``val`` (any dtype the value fits)."""
    data = _target("constant_", tensor, floating=False)
    if not isinstance(val, int | float | np.number):
        raise TypeError(f"constant_: val must be a number, got {type(val).__name__}")
    if data.dtype.kind in "ib" and float(val) != int(val):
        raise ValueError(f"constant_: {val!r} does not fit a {data.dtype} tensor")
    return _fill(tensor, val)


def zeros_(tensor: _T) -> _T:
    """Every element set to 0."""
    return constant_(tensor, 0)


def ones_(tensor: _T) -> _T:
    """Every element set to 1."""
    return constant_(tensor, 1)


# ---- distributions -----------------------------------------------------------------------------


def uniform_(tensor: _T, a: float = 0.0, b: float = 1.0, *, rng: Generator | None = None) -> _T:
    """Values drawn uniformly from ``[a, b)``."""
    data = _target("uniform_", tensor)
    if not a <= b:
        raise ValueError(f"uniform_: needs a <= b, got a={a}, b={b}")
    return _fill(tensor, _generator(rng).uniform(a, b, size=data.shape))


def normal_(tensor: _T, mean: float = 0.0, std: float = 1.0, *, rng: Generator | None = None) -> _T:
    """Values drawn from the normal distribution ``N(mean, std**2)``."""
    data = _target("normal_", tensor)
    if not std >= 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    return _fill(tensor, _generator(rng).normal(mean, std, size=data.shape))


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


_CHUNK = 1 << 22
"""Candidates drawn at once by :func:`trunc_normal_` (bounds the memory a draw takes)."""


def trunc_normal_(
    tensor: _T,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    *,
    rng: Generator | None = None,
) -> _T:
    """Values drawn from ``N(mean, std**2)`` restricted to ``[a, b]`` (absolute bounds, as
    PyTorch's: ``trunc_normal_(w, std=0.02)`` keeps PyTorch's ``a=-2, b=2``). Drawn by
    rejection, so exactly that distribution; slow when ``[a, b]`` holds a tiny part of it."""
    data = _target("trunc_normal_", tensor)
    if not std > 0:
        raise ValueError(f"trunc_normal_: std must be > 0, got {std}")
    if not a < b:
        raise ValueError(f"trunc_normal_: needs a < b, got a={a}, b={b}")
    mass = _normal_cdf((b - mean) / std) - _normal_cdf((a - mean) / std)
    if mass < 1e-6:
        raise ValueError(
            f"trunc_normal_: [{a}, {b}] holds {mass:.3g} of N({mean}, {std}**2); "
            "choose bounds nearer the mean"
        )
    gen = _generator(rng)
    n = data.size
    kept: list[Array] = []
    have = 0
    while have < n:
        draw = min(_CHUNK, int((n - have) / mass * 1.1) + 16)
        x = gen.normal(mean, std, size=draw)
        x = x[(x >= a) & (x <= b)]
        kept.append(x)
        have += x.size
    values = np.concatenate(kept)[:n] if kept else np.zeros(0)
    return _fill(tensor, values.reshape(data.shape))


# ---- scaled by the fans ------------------------------------------------------------------------


def xavier_uniform_(tensor: _T, gain: float = 1.0, *, rng: Generator | None = None) -> _T:
    """Glorot uniform: ``U(-c, c)`` with ``c = gain * sqrt(6 / (fan_in + fan_out))``."""
    data = _target("xavier_uniform_", tensor)
    bound = xavier_bound(data.shape, gain)
    return _fill(tensor, _generator(rng).uniform(-bound, bound, size=data.shape))


def xavier_normal_(tensor: _T, gain: float = 1.0, *, rng: Generator | None = None) -> _T:
    """Glorot normal: ``N(0, std**2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    data = _target("xavier_normal_", tensor)
    fan_in, fan_out = fan_in_and_fan_out(data.shape, op="xavier_normal_")
    std = gain * math.sqrt(2.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return _fill(tensor, _generator(rng).normal(0.0, std, size=data.shape))


def _kaiming_std(op: str, tensor: AnyTensor, a: float, mode: str, nonlinearity: str) -> float:
    fan = _fan(op, tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return gain / math.sqrt(fan) if fan > 0 else 0.0


def kaiming_uniform_(
    tensor: _T,
    a: float = 0.0,
    mode: FanMode = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    rng: Generator | None = None,
) -> _T:
    """He uniform: ``U(-bound, bound)`` with ``bound = gain * sqrt(3 / fan)``, ``gain =
    calculate_gain(nonlinearity, a)`` and ``fan`` the fan of ``mode``."""
    data = _target("kaiming_uniform_", tensor)
    bound = math.sqrt(3.0) * _kaiming_std("kaiming_uniform_", tensor, a, mode, nonlinearity)
    return _fill(tensor, _generator(rng).uniform(-bound, bound, size=data.shape))


def kaiming_normal_(
    tensor: _T,
    a: float = 0.0,
    mode: FanMode = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    rng: Generator | None = None,
) -> _T:
    """He normal: ``N(0, std**2)`` with ``std = gain / sqrt(fan)``."""
    data = _target("kaiming_normal_", tensor)
    std = _kaiming_std("kaiming_normal_", tensor, a, mode, nonlinearity)
    return _fill(tensor, _generator(rng).normal(0.0, std, size=data.shape))


def orthogonal_(tensor: _T, gain: float = 1.0, *, rng: Generator | None = None) -> _T:
    """A (semi-)orthogonal matrix times ``gain``: the tensor seen as ``(size(0), rest)`` has
    orthonormal rows (or columns, whichever are fewer), from the QR decomposition of a
    normal matrix with the signs fixed, as PyTorch's."""
    data = _target("orthogonal_", tensor)
    if data.ndim < 2:
        raise ValueError(
            f"orthogonal_: needs a tensor of 2 or more dimensions, got {data.ndim} dimension(s)"
        )
    if data.size == 0:
        return tensor
    rows = data.shape[0]
    cols = data.size // rows
    flat = _generator(rng).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(data.shape))


__all__ = [
    "_calculate_fan_in_and_fan_out",
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]
