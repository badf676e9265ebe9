"""PyTorch's default initialisations, drawn from a NumPy Generator."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from dfdx._backend import Array
from dfdx._creation import _generator
from dfdx._dtypes import DType

if TYPE_CHECKING:
    from numpy.random import Generator


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
    gain = math.sqrt(2.0 / (1 + 5.0))
    bound = gain * math.sqrt(3.0 / fan_in) if fan_in > 0 else 0.0
    return uniform(shape, bound, dtype, rng)


def fan_in_bound(fan_in: int) -> float:
    """PyTorch's bias bound: ``1 / sqrt(fan_in)``."""
    return 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
