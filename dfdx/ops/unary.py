"""One tensor in, a tensor of the same shape out."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

from dfdx import _validate
from dfdx._backend import Array, xp
from dfdx._dtypes import DType, canonical, check_float
from dfdx._typing import AnyTensor, S, T
from dfdx.ops._op import result
from dfdx.ops._special import erf

if TYPE_CHECKING:
    from dfdx._tensor import Tensor


def _float(op: str, x: AnyTensor) -> Array:
    check_float(op, x._data)
    return x._data


def neg(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``-x``."""
    return result(-_float("neg", x), (x,), (lambda g: -g,))


def exp(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``e ** x``, elementwise."""
    y = xp.exp(_float("exp", x))
    return result(y, (x,), (lambda g: g * y,))


def log(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """Natural logarithm, elementwise."""
    a = _float("log", x)
    return result(xp.log(a), (x,), (lambda g: g / a,))


def sqrt(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """Square root, elementwise."""
    y = xp.sqrt(_float("sqrt", x))
    return result(y, (x,), (lambda g: g / (2 * y),))


def square(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``x ** 2``, elementwise."""
    a = _float("square", x)
    return result(a * a, (x,), (lambda g: 2 * g * a,))


def abs(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """Absolute value; its gradient at 0 is 0, as in PyTorch."""
    a = _float("abs", x)
    return result(xp.abs(a), (x,), (lambda g: g * xp.sign(a),))


def sin(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """Sine, elementwise."""
    a = _float("sin", x)
    return result(xp.sin(a), (x,), (lambda g: g * xp.cos(a),))


def cos(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """Cosine, elementwise."""
    a = _float("cos", x)
    return result(xp.cos(a), (x,), (lambda g: -g * xp.sin(a),))


def tanh(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """Hyperbolic tangent, elementwise."""
    y = xp.tanh(_float("tanh", x))
    return result(y, (x,), (lambda g: g * (1 - y * y),))


def _sigmoid(a: Array) -> Array:
    # exp of a non-positive number only: no overflow for large |a|.
    e = xp.exp(-xp.abs(a))
    y: Array = xp.where(a >= 0, 1 / (1 + e), e / (1 + e))
    return y


def sigmoid(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``1 / (1 + e ** -x)``, elementwise, without overflow."""
    y = _sigmoid(_float("sigmoid", x))
    return result(y, (x,), (lambda g: g * y * (1 - y),))


def relu(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``max(x, 0)``; its gradient at 0 is 0, as in PyTorch."""
    a = _float("relu", x)
    y = xp.maximum(a, 0)
    return result(y, (x,), (lambda g: g * (a > 0),))


def leaky_relu(x: Tensor[*S, T], /, negative_slope: float = 0.01) -> Tensor[*S, T]:
    """``x`` where positive, ``negative_slope * x`` elsewhere."""
    _validate.number("leaky_relu", "negative_slope", negative_slope)
    a = _float("leaky_relu", x)
    slope = xp.where(a > 0, xp.ones((), a.dtype), xp.asarray(negative_slope, a.dtype))
    return result(a * slope, (x,), (lambda g: g * slope,))


_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2.0 * math.pi)


def gelu(x: Tensor[*S, T], /, approximate: Literal["none", "tanh"] = "none") -> Tensor[*S, T]:
    """Gaussian error linear unit: ``x * Phi(x)``; ``approximate="tanh"`` uses the tanh
    formula (PyTorch's names)."""
    a = _float("gelu", x)
    if approximate == "none":
        cdf = 0.5 * (1 + erf(a / _SQRT_2))
        pdf = _INV_SQRT_2PI * xp.exp(-0.5 * a * a)
        with xp.errstate(invalid="ignore"):
            y = a * cdf
        y = xp.where(a == -xp.inf, 0, y).astype(a.dtype, copy=False)  # the limit, not -inf * 0
        return result(y, (x,), (lambda g: g * (cdf + a * pdf),))
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (a + 0.044715 * a * a * a)
        t = xp.tanh(inner)
        d_inner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * a * a)
        return result(
            0.5 * a * (1 + t),
            (x,),
            (lambda g: g * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * d_inner),),
        )
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def softplus(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``log(1 + e ** x)``, elementwise, without overflow."""
    a = _float("softplus", x)
    return result(xp.logaddexp(0, a), (x,), (lambda g: g * _sigmoid(a),))


def pow(x: Tensor[*S, T], exponent: float, /) -> Tensor[*S, T]:
    """``x ** exponent`` for a Python number ``exponent``."""
    if not isinstance(exponent, int | float) or isinstance(exponent, bool):
        raise TypeError(f"pow: the exponent must be a Python number, got {type(exponent).__name__}")
    a = _float("pow", x)
    if isinstance(exponent, float):
        exponent = float(exponent)  # a NumPy float64 (a float subclass) would upcast float32
    if exponent == 0:  # d/dx x**0 is 0 everywhere, even where x**-1 is not finite
        return result(xp.ones_like(a), (x,), (lambda g: xp.zeros_like(g),))
    return result(a**exponent, (x,), (lambda g: g * (exponent * a ** (exponent - 1)),))


def clamp(x: Tensor[*S, T], /, min: float | None = None, max: float | None = None) -> Tensor[*S, T]:
    """``x`` limited to ``[min, max]``; the gradient passes where ``min <= x <= max``."""
    if min is None and max is None:
        raise ValueError("clamp: give min, max or both")
    for name, bound in (("min", min), ("max", max)):
        if bound is not None:
            _validate.number("clamp", name, bound)
    if min is not None and max is not None and min > max:
        raise ValueError(f"clamp: min ({min}) is greater than max ({max})")
    a = _float("clamp", x)
    # As Python floats: a NumPy float64 bound would upcast a float32 tensor.
    lo = None if min is None else float(min)
    hi = None if max is None else float(max)
    y = xp.clip(a, lo, hi)
    inside = y == a
    return result(y, (x,), (lambda g: g * inside,))


def to(x: Tensor[*S, T], dtype: Any, /) -> Tensor[*S, T]:
    """The values converted to ``dtype``; between float types the gradient flows back (in the
    input's dtype)."""
    want: DType = canonical(dtype)
    a = x._data
    if a.dtype == want:
        return result(a, (x,), (lambda g: g,))
    if x._tape is not None:
        check_float("to", a)
        check_float("to", xp.empty(0, want))
    src = a.dtype
    return result(a.astype(want), (x,), (lambda g: g.astype(src),))
