"""PyTorch's default initialisations of the layers, drawn from a NumPy Generator, and the gain
and fan formulas that they and :mod:`dfdx.nn.init` share."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from dfdx._backend import Array
from dfdx._creation import _generator
from dfdx._dtypes import DType

if TYPE_CHECKING:
    from numpy.random import Generator


_LINEAR = frozenset(
    {
        "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
        "conv_transpose3d", "sigmoid",
    }
)  # fmt: skip


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """PyTorch's recommended gain for a nonlinearity: 1 for linear, convolutions and sigmoid,
    5/3 for tanh, sqrt(2) for relu, ``sqrt(2 / (1 + slope**2))`` for leaky_relu (``param``
    is the slope, 0.01 by default), 3/4 for selu."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, int | float) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def fan_in_and_fan_out(shape: tuple[int, ...], op: str = "fan computation") -> tuple[int, int]:
    """PyTorch's fans of a weight of ``shape``: ``(shape[1] * field, shape[0] * field)``
    with ``field`` the product of ``shape[2:]`` (a convolution's kernel)."""
    if len(shape) < 2:
        raise ValueError(
            f"{op}: fan in and fan out need a tensor of 2 or more dimensions, got shape "
            f"{tuple(shape)}"
        )
    field = math.prod(shape[2:])
    return shape[1] * field, shape[0] * field


def uniform(shape: tuple[int, ...], bound: float, dtype: DType, rng: Generator | None) -> Array:
    """Uniform on ``[-bound, bound)``."""
    gen = _generator(rng)
    out: Array = gen.uniform(-bound, bound, size=shape).astype(dtype)
    return out


def kaiming_uniform(
    shape: tuple[int, ...], fan_in: int, dtype: DType, rng: Generator | None
) -> Array:
    """PyTorch's default weight init for Linear and Conv: kaiming-uniform with a = sqrt(5),
    i.e. uniform on ``+-1 / sqrt(fan_in)``."""
    gain = calculate_gain("leaky_relu", math.sqrt(5.0))
    bound = gain * math.sqrt(3.0 / fan_in) if fan_in > 0 else 0.0
    return uniform(shape, bound, dtype, rng)


def xavier_bound(shape: tuple[int, ...], gain: float = 1.0, op: str = "xavier_uniform_") -> float:
    """Glorot's uniform bound of a weight of ``shape``: ``gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = fan_in_and_fan_out(shape, op)
    return gain * math.sqrt(6.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0


def xavier_uniform(shape: tuple[int, ...], dtype: DType, rng: Generator | None) -> Array:
    """PyTorch's ``xavier_uniform_`` of a new weight of ``shape`` (attention's projections)."""
    return uniform(shape, xavier_bound(shape), dtype, rng)


def fan_in_bound(fan_in: int) -> float:
    """PyTorch's bias bound: ``1 / sqrt(fan_in)``."""
    return 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0


def weight_and_bias(
    shape: tuple[int, ...], bias: int | None, dtype: DType, rng: Generator | None
) -> tuple[Array, Array | None]:
    """PyTorch's default ``weight`` of ``shape`` and ``bias`` of ``bias`` values (none where
    None) for Linear and the convolutions: :func:`kaiming_uniform` and uniform on
    ``+-1 / sqrt(fan_in)``, the fan-in read from the weight's shape as PyTorch reads it (its
    second axis times the kernel), the weight drawn first."""
    fan_in, _ = fan_in_and_fan_out(shape)
    weight = kaiming_uniform(shape, fan_in, dtype, rng)
    b = None if bias is None else uniform((bias,), fan_in_bound(fan_in), dtype, rng)
    return weight, b
