# pyright: reportOverlappingOverload=false
"""One tensor in, a tensor of the same shape out."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Never, TypeAlias, overload

from dfdx import _fused, _inference, _validate
from dfdx._autodiff import unbroadcast
from dfdx._backend import Array, xp
from dfdx._dtypes import DType, canonical, check_float, check_same
from dfdx._typing import AnyTensor, Dyn, S, T
from dfdx.ops._op import result
from dfdx.ops._special import erf as _erf
from dfdx.ops._special import erf_float32
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from dfdx._tensor import NoneTape, OwnedTape, Tensor


def _float(op: str, x: AnyTensor) -> Array:
    check_float(op, x._data)
    return x._data


# An argument typed Any meets the `Never` overload first (nothing else fits it): both checkers
# give a tensor of unknown rank. Without it pyright solves `*S` from Any as one axis and claims
# rank 1 (`dx.relu(h).shape` a 1-tuple; `dx.add(h, x)` of rank 1).
@overload
def neg(x: Never, /) -> AnyTensor: ...
@overload
def neg(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def neg(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``-x``."""
    return result(-_float("neg", x), (x,), (lambda g: -g,))


@overload
def exp(x: Never, /) -> AnyTensor: ...
@overload
def exp(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def exp(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``e ** x``, elementwise."""
    y = xp.exp(_float("exp", x))
    return result(y, (x,), (lambda g: g * y,))


@overload
def log(x: Never, /) -> AnyTensor: ...
@overload
def log(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def log(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """Natural logarithm, elementwise."""
    a = _float("log", x)
    return result(xp.log(a), (x,), (lambda g: g / a,))


@overload
def log1p(x: Never, /) -> AnyTensor: ...
@overload
def log1p(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def log1p(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``log(1 + x)``, elementwise, exact for small ``x`` (``torch.log1p``)."""
    a = _float("log1p", x)
    return result(xp.log1p(a), (x,), (lambda g: g / (1 + a),))


@overload
def erf(x: Never, /) -> AnyTensor: ...
@overload
def erf(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def erf(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """The error function, elementwise (``torch.erf``); its gradient is
    ``2 / sqrt(pi) * exp(-x ** 2)``."""
    a = _float("erf", x)
    scale = a.dtype.type(2 / math.sqrt(math.pi))
    return result(_erf(a), (x,), (lambda g: g * scale * xp.exp(-a * a),))


@overload
def sqrt(x: Never, /) -> AnyTensor: ...
@overload
def sqrt(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def sqrt(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """Square root, elementwise."""
    y = xp.sqrt(_float("sqrt", x))
    return result(y, (x,), (lambda g: g / (2 * y),))


@overload
def square(x: Never, /) -> AnyTensor: ...
@overload
def square(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def square(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``x ** 2``, elementwise."""
    a = _float("square", x)
    return result(a * a, (x,), (lambda g: 2 * g * a,))


@overload
def abs(x: Never, /) -> AnyTensor: ...
@overload
def abs(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def abs(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """Absolute value; its gradient at 0 is 0, as in PyTorch."""
    a = _float("abs", x)
    return result(xp.abs(a), (x,), (lambda g: g * xp.sign(a),))


@overload
def sin(x: Never, /) -> AnyTensor: ...
@overload
def sin(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def sin(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """Sine, elementwise."""
    a = _float("sin", x)
    return result(xp.sin(a), (x,), (lambda g: g * xp.cos(a),))


@overload
def cos(x: Never, /) -> AnyTensor: ...
@overload
def cos(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def cos(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """Cosine, elementwise."""
    a = _float("cos", x)
    return result(xp.cos(a), (x,), (lambda g: -g * xp.sin(a),))


@overload
def tanh(x: Never, /) -> AnyTensor: ...
@overload
def tanh(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def tanh(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """Hyperbolic tangent, elementwise."""
    y = xp.tanh(_float("tanh", x))
    return result(y, (x,), (lambda g: g * (1 - y * y),))


def _sigmoid(a: Array) -> Array:
    # exp of a non-positive number only: no overflow for large |a|.
    e = xp.exp(-xp.abs(a))
    y: Array = xp.where(a >= 0, 1 / (1 + e), e / (1 + e))
    return y


@overload
def sigmoid(x: Never, /) -> AnyTensor: ...
@overload
def sigmoid(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def sigmoid(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``1 / (1 + e ** -x)``, elementwise, without overflow."""
    y = _sigmoid(_float("sigmoid", x))
    return result(y, (x,), (lambda g: g * y * (1 - y),))


@overload
def relu(x: Never, /) -> AnyTensor: ...
@overload
def relu(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def relu(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``max(x, 0)``; its gradient at 0 is 0, as in PyTorch."""
    a = _float("relu", x)
    compiled = _fused.relu() if a.size >= _fused.RELU_MIN_SIZE else None
    flat = _fused.flat(a) if compiled is not None else None
    if compiled is not None and flat is not None:
        y = xp.empty_like(a)
        compiled[0](flat[0], y.reshape(-1))
    else:
        compiled = None
        y = xp.maximum(a, 0)
    if x._tape is None and x._origin is None:  # plain: nothing to record
        return x._new(y, None)

    def grad(g: Array) -> Array:
        if compiled is not None and g.dtype == a.dtype and g.shape == a.shape:
            gf = _fused.flat(g)
            if gf is not None:
                out = xp.empty_like(a)
                compiled[1](gf[0], a.reshape(-1), out.reshape(-1))
                return out
        return g * (a > 0)

    return result(y, (x,), (grad,))


@overload
def leaky_relu(x: Never, /, negative_slope: float = 0.01) -> AnyTensor: ...
@overload
def leaky_relu(x: Tensor[*S, T], /, negative_slope: float = 0.01) -> Tensor[*S, T]: ...
def leaky_relu(x: Tensor[*S, T], /, negative_slope: float = 0.01) -> Tensor[*S, T]:
    """``x`` where positive, ``negative_slope * x`` elsewhere."""
    _validate.number("leaky_relu", "negative_slope", negative_slope)
    a = _float("leaky_relu", x)
    slope = xp.where(a > 0, xp.ones((), a.dtype), xp.asarray(negative_slope, a.dtype))
    return result(a * slope, (x,), (lambda g: g * slope,))


@overload
def prelu(x: Never, weight: AnyTensor, /) -> AnyTensor: ...
@overload
def prelu(x: Tensor[*S, T], weight: Tensor[Dyn, T] | Tensor[Dyn, NoneTape], /) -> Tensor[*S, T]: ...
def prelu(x: Tensor[*S, T], weight: Tensor[Dyn, T] | Tensor[Dyn, NoneTape], /) -> Tensor[*S, T]:
    """``x`` where positive, ``weight * x`` elsewhere (PyTorch's ``F.prelu``): ``weight`` is
    ``(1,)`` (one slope) or ``(C,)``, one slope per channel of axis 1 (an input of fewer axes
    has one channel). The gradient at 0 is the slope's, as PyTorch's."""
    op = "prelu"
    a = _float(op, x)
    w = getattr(weight, "_data", None)
    if w is None:
        raise TypeError(f"{op}: weight must be a tensor, got {type(weight).__name__}")
    check_same(op, a, w)
    shapes.prelu(op, a.shape, w.shape)
    # one slope per channel of axis 1; an input of fewer axes has one channel
    slope = w.reshape((w.shape[0],) + (1,) * (a.ndim - 2)) if a.ndim >= 2 else w.reshape(())
    positive = a > 0
    factor = xp.where(positive, xp.ones((), a.dtype), slope)
    negative = xp.where(positive, xp.zeros((), a.dtype), a)

    def grad_weight(g: Array) -> Array:
        return unbroadcast(g * negative, slope.shape).reshape(w.shape)

    return result(a * factor, (x, weight), (lambda g: g * factor, grad_weight))


@overload
def relu6(x: Never, /) -> AnyTensor: ...
@overload
def relu6(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def relu6(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``min(max(x, 0), 6)``; its gradient is 1 strictly between 0 and 6, else 0 (as
    PyTorch's ``F.relu6``)."""
    a = _float("relu6", x)
    inside = (a > 0) & (a < 6)
    return result(xp.clip(a, 0, 6), (x,), (lambda g: g * inside,))


@overload
def hardswish(x: Never, /) -> AnyTensor: ...
@overload
def hardswish(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def hardswish(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``x * relu6(x + 3) / 6``: 0 up to -3, ``x`` from 3; its gradient ``(2x + 3) / 6``
    strictly between -3 and 3, 1 from 3, 0 up to -3 (as PyTorch's ``F.hardswish``)."""
    a = _float("hardswish", x)
    with xp.errstate(invalid="ignore"):  # -inf * 0 is NaN, as PyTorch's
        y = a * xp.clip(a + 3, 0, 6) * (1 / 6)
    slope = xp.where(a >= 3, a.dtype.type(1), xp.where(a > -3, (2 * a + 3) * (1 / 6), 0))
    return result(y, (x,), (lambda g: g * slope,))


@overload
def mish(x: Never, /) -> AnyTensor: ...
@overload
def mish(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def mish(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``x * tanh(softplus(x))``, elementwise, without overflow."""
    a = _float("mish", x)
    with xp.errstate(invalid="ignore"):  # NaN in, NaN out; -inf * 0 is NaN, as PyTorch's
        t = xp.tanh(xp.logaddexp(0, a))
        y = a * t
    return result(y, (x,), (lambda g: g * (t + a * _sigmoid(a) * (1 - t * t)),))


@overload
def elu(x: Never, /, alpha: float = 1.0) -> AnyTensor: ...
@overload
def elu(x: Tensor[*S, T], /, alpha: float = 1.0) -> Tensor[*S, T]: ...
def elu(x: Tensor[*S, T], /, alpha: float = 1.0) -> Tensor[*S, T]:
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere; its gradient at 0 is
    ``alpha``, as PyTorch's."""
    alpha = _validate.number("elu", "alpha", alpha)
    a = _float("elu", x)
    positive = a > 0
    em1 = xp.expm1(xp.minimum(a, 0))  # exp(x) - 1 without cancellation near 0
    y = xp.where(positive, a, alpha * em1)
    slope = xp.where(positive, a.dtype.type(1), alpha * (em1 + 1))
    return result(y, (x,), (lambda g: g * slope,))


_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2.0 * math.pi)


@overload
def gelu(x: Never, /, approximate: Literal["none", "tanh"] = "none") -> AnyTensor: ...
@overload
def gelu(x: Tensor[*S, T], /, approximate: Literal["none", "tanh"] = "none") -> Tensor[*S, T]: ...
def gelu(x: Tensor[*S, T], /, approximate: Literal["none", "tanh"] = "none") -> Tensor[*S, T]:
    """Gaussian error linear unit: ``x * Phi(x)``; ``approximate="tanh"`` uses the tanh
    formula (PyTorch's names)."""
    a = _float("gelu", x)
    if approximate == "none":
        fused = _fused.gelu_forward_float32() if a.dtype == xp.float32 and a.ndim else None
        if fused is not None and a.flags.c_contiguous:
            if x._tape is None and x._origin is None:  # no gradient can reach x: no CDF kept
                y = _inference.gelu_float32(a)
                if y is not None:
                    return x._new(y, None)
            return _gelu_fused(x, a, fused)
        # In place on fresh arrays, and the density only in backward: 4 passes forward
        # besides erf, 7 backward, where the plain formula made 13 temporaries.
        z = a * (1 / _SQRT_2)
        cdf = erf_float32(z) if z.dtype == xp.float32 and z.ndim else _erf(z)
        cdf += 1
        cdf *= 0.5
        with xp.errstate(invalid="ignore"):
            y = a * cdf
        return result(_limit_at_minus_inf(a, y), (x,), (_gelu_grad(a, cdf),))
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


def _gelu_fused(x: Tensor[*S, T], a: Array, forward: Callable[..., None]) -> Tensor[*S, T]:
    """Exact GELU of a contiguous float32 array with Numba's kernels (dfdx/_fused.py: the
    forward ~8x the NumPy passes, the gradient ~1.5x)."""
    y, cdf = xp.empty_like(a), xp.empty_like(a)
    forward(a.reshape(-1), y.reshape(-1), cdf.reshape(-1))
    return result(_limit_at_minus_inf(a, y), (x,), (_gelu_grad(a, cdf),))


def _limit_at_minus_inf(a: Array, y: Array) -> Array:
    """``gelu(-inf)`` is 0, its limit (as PyTorch's), not ``-inf * 0``."""
    neg = xp.isneginf(a)
    return xp.where(neg, y.dtype.type(0), y) if neg.any() else y


def _gelu_grad(a: Array, cdf: Array) -> Callable[[Array], Array]:
    """``g * (cdf + a * pdf(a))``, in place on one fresh array (7 passes)."""

    def grad(g: Array) -> Array:
        fused = _fused.gelu_grad_float32() if g.dtype == a.dtype == xp.float32 else None
        if fused is not None and g.shape == a.shape and g.flags.c_contiguous:
            flat = _fused.flat(a, cdf)
            if flat is not None:
                out = xp.empty_like(a)
                fused(flat[0], flat[1], g.reshape(-1), out.reshape(-1))
                return out
        d = xp.multiply(a, a, out=xp.empty_like(a))
        d *= -0.5
        xp.exp(d, out=d)
        d *= a
        d *= _INV_SQRT_2PI
        d += cdf
        d *= g
        return d

    return grad


@overload
def softplus(x: Never, /) -> AnyTensor: ...
@overload
def softplus(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def softplus(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``log(1 + e ** x)``, elementwise, without overflow."""
    a = _float("softplus", x)
    return result(xp.logaddexp(0, a), (x,), (lambda g: g * _sigmoid(a),))


@overload
def pow(x: Never, exponent: float, /) -> AnyTensor: ...
@overload
def pow(x: Tensor[*S, T], exponent: float, /) -> Tensor[*S, T]: ...
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


Bound: TypeAlias = "float | AnyTensor | None"
"""A clamp bound: a number, a tensor that broadcasts to the input's shape, or None."""


@overload
def clamp(x: Never, /, min: Bound = None, max: Bound = None) -> AnyTensor: ...
@overload
def clamp(
    x: Tensor[*S, T],
    /,
    min: float | Tensor[*tuple[Dyn, ...], NoneTape] | None = None,
    max: float | Tensor[*tuple[Dyn, ...], NoneTape] | None = None,
) -> Tensor[*S, T]: ...
@overload
def clamp(x: Tensor[*S, Any], /, min: Bound = None, max: Bound = None) -> Tensor[*S, OwnedTape]: ...
def clamp(x: Any, /, min: Bound = None, max: Bound = None) -> Any:
    """``x`` limited to ``[min, max]``: ``minimum(maximum(x, min), max)`` (PyTorch's
    ``torch.clamp``). A bound is a number or a tensor that broadcasts to ``x``'s shape. The
    gradient passes to ``x`` where ``min <= x <= max``, to a tensor ``min`` where ``x < min``
    (and ``min < max``), to a tensor ``max`` where ``x > max`` (or ``max < min``)."""
    if min is None and max is None:
        raise ValueError("clamp: give min, max or both")
    a = _float("clamp", x)
    lo, lo_t = _bound(a, min, "min")
    hi, hi_t = _bound(a, max, "max")
    if lo_t is None and hi_t is None and lo is not None and hi is not None and lo > hi:
        raise ValueError(f"clamp: min ({min}) is greater than max ({max})")
    y = xp.clip(a, lo, hi) if lo_t is None and hi_t is None else a
    if lo_t is not None or hi_t is not None:
        if lo is not None:
            y = xp.maximum(y, lo)
        if hi is not None:
            y = xp.minimum(y, hi)
    inside = xp.ones(a.shape, bool) if lo is None else a >= lo
    if hi is not None:
        inside = inside & (a <= hi)
    tensors: list[AnyTensor] = [x]
    fns: list[Any] = [lambda g: g * inside]
    if lo_t is not None:
        below = (a < lo) & (True if hi is None else lo < hi)
        tensors.append(lo_t)
        fns.append(lambda g: unbroadcast(g * below, lo_t._data.shape))
    if hi_t is not None:
        above = (a > hi) | (False if lo is None else hi < lo)
        tensors.append(hi_t)
        fns.append(lambda g: unbroadcast(g * above, hi_t._data.shape))
    return result(y, tensors, fns)


def _bound(a: Array, bound: object, name: str) -> tuple[Any, AnyTensor | None]:
    """A clamp bound as something NumPy compares with ``a`` (a Python float, which does not
    upcast a float32 tensor, or an array), and the tensor it came from."""
    if bound is None:
        return None, None
    b = getattr(bound, "_data", None)
    if b is not None:
        check_same("clamp", a, b)
        shapes.mask_broadcast("clamp", b.shape, a.shape, name)
        return b, bound  # type: ignore[return-value]
    if isinstance(bound, bool) or not isinstance(bound, int | float | xp.integer | xp.floating):
        raise TypeError(f"clamp: {name} must be a number or a tensor, got {bound!r}")
    return float(bound), None


@overload
def silu(x: Never, /) -> AnyTensor: ...
@overload
def silu(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def silu(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``x * sigmoid(x)`` (also called swish), elementwise."""
    a = _float("silu", x)
    s = _sigmoid(a)
    return result(a * s, (x,), (lambda g: g * (s * (1 + a * (1 - s))),))


@overload
def rsqrt(x: Never, /) -> AnyTensor: ...
@overload
def rsqrt(x: Tensor[*S, T], /) -> Tensor[*S, T]: ...
def rsqrt(x: Tensor[*S, T], /) -> Tensor[*S, T]:
    """``1 / sqrt(x)``, elementwise."""
    a = _float("rsqrt", x)
    y = 1 / xp.sqrt(a)
    return result(y, (x,), (lambda g: g * (-0.5 * y * y * y),))


@overload
def rpow(x: Never, base: float, /) -> AnyTensor: ...
@overload
def rpow(x: Tensor[*S, T], base: float, /) -> Tensor[*S, T]: ...
def rpow(x: Tensor[*S, T], base: float, /) -> Tensor[*S, T]:
    """``base ** x`` for a number ``base`` (``2.0 ** x``), in ``x``'s dtype; its gradient is
    ``base ** x * log(base)`` (0 for ``base == 0``, as PyTorch's where ``x >= 0``)."""
    if not isinstance(base, int | float | xp.integer | xp.floating) or isinstance(base, bool):
        raise TypeError(f"pow: the base must be a number, got {type(base).__name__}")
    a = _float("pow", x)
    b = xp.asarray(float(base), a.dtype)
    with xp.errstate(divide="ignore", invalid="ignore"):
        y = b**a
        log_b = xp.log(b) if base != 0 else xp.zeros((), a.dtype)
    return result(y, (x,), (lambda g: g * y * log_b,))


@overload
def to(x: Never, dtype: Any, /) -> AnyTensor: ...
@overload
def to(x: Tensor[*S, T], dtype: Any, /) -> Tensor[*S, T]: ...
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
