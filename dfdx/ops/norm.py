"""Normalisation ops, fused: one forward and one hand-written backward per op, in place of
the means, subtractions and divisions they would otherwise be composed of."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload

from dfdx import _fused, _inference, _validate
from dfdx._backend import Array, xp
from dfdx._dtypes import check_float, check_same
from dfdx._typing import AnyTensor, D, S, T
from dfdx.ops._op import array_of, result_shared
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from dfdx._tensor import NoneTape, Tensor


def _size(normalized_shape: int | tuple[int, ...]) -> int:
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    if (
        not isinstance(shape, tuple)
        or len(shape) != 1
        or isinstance(shape[0], bool)
        or not isinstance(shape[0], int)
        or shape[0] < 1
    ):
        raise ValueError(
            "layer_norm: normalized_shape must be the size of the last axis, a positive int "
            f"or a 1-tuple (only the last axis is normalised), got {normalized_shape!r}"
        )
    return shape[0]


@overload
def layer_norm(
    x: Tensor[*S, D, T],
    normalized_shape: int | tuple[int, ...],
    /,
    weight: Tensor[D, T] | Tensor[D, NoneTape] | None = None,
    bias: Tensor[D, T] | Tensor[D, NoneTape] | None = None,
    eps: float = 1e-5,
) -> Tensor[*S, D, T]: ...
@overload
def layer_norm(
    x: AnyTensor,
    normalized_shape: int | tuple[int, ...],
    /,
    weight: AnyTensor | None = None,
    bias: AnyTensor | None = None,
    eps: float = 1e-5,
) -> Any: ...
def layer_norm(
    x: Any,
    normalized_shape: Any,
    /,
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
) -> Any:
    """Normalise the last axis of ``x`` ``(..., D)`` to mean 0 and (biased) variance 1, then
    scale by ``weight`` and shift by ``bias`` (each ``(D,)`` or None):
    ``torch.nn.functional.layer_norm`` with ``normalized_shape`` ``D`` (or ``(D,)``). The
    result has ``x``'s shape and dtype."""
    op = "layer_norm"
    _validate.positive(op, "eps", eps)
    a = array_of(op, x)
    check_float(op, a)
    d = _size(normalized_shape)
    params = [(name, t) for name, t in (("weight", weight), ("bias", bias)) if t is not None]
    shapes.layer_norm(op, a.shape, d, [(name, t._data.shape) for name, t in params])
    for _name, t in params:
        check_same(op, a, t._data)
    w: Array | None = None if weight is None else weight._data
    b: Array | None = None if bias is None else bias._data
    if x._tape is None and x._origin is None and all(t._tape is None for _, t in params):
        y = _inference.layer_norm(a, w, b, eps)  # a plain input: no backward to prepare
        if y is not None:
            return x._new(y, None)
    shape = a.shape
    a2 = a.reshape(-1, d)
    kernels = _fused.layer_norm() if a.dtype in (xp.float32, xp.float64) else None
    if kernels is not None and a2.flags.c_contiguous:
        return _layer_norm_fused(x, params, a2, shape, w, b, eps, kernels)
    # Sums along an axis as matrix-vector products: BLAS, faster than NumPy's reductions.
    mean_of = xp.full(d, 1.0 / d, a.dtype)  # a2 @ mean_of: each row's mean

    # forward: xhat = (a - mean) * rstd with rstd = 1 / sqrt(var + eps); y = xhat * w + b
    xhat = a2 - (a2 @ mean_of)[:, None]
    var = xp.einsum("ij,ij->i", xhat, xhat)
    var *= 1.0 / d  # a Python float: float32 math stays float32
    var += eps
    rstd = xp.sqrt(var, out=var)[:, None]
    xp.divide(1.0, rstd, out=rstd)
    xhat *= rstd
    if w is not None:
        y = xhat * w
        if b is not None:
            y += b
    elif b is not None:
        y = xhat + b
    else:
        y = xhat
    out = y.reshape(shape)

    # backward: with gw = g * w,
    #   dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)),
    #   dw = sum(g * xhat) and db = sum(g) over every axis but the last.
    # ``g * xhat`` serves dx and dw: the shared part of the backward.
    w_mean = mean_of if w is None else w * (1.0 / d)  # gw's row means: g2 @ w_mean

    def shared(g: Array) -> tuple[Array, Array]:
        """The output's gradient as ``(M, D)``, and its product with ``xhat``."""
        g2 = g.reshape(-1, d)
        return g2, g2 * xhat

    def grad_x(sh: tuple[Array, Array]) -> Array:
        g2, g_xhat = sh
        m1 = (g2 @ w_mean)[:, None]
        m2 = (g_xhat @ w_mean)[:, None]
        m1 *= rstd
        m2 *= rstd
        dx: Array = g2 * (rstd if w is None else w)
        if w is not None:
            dx *= rstd
        dx -= m1
        m2 = xhat * m2
        dx -= m2
        return dx.reshape(shape)

    def col_sums(a: Array) -> Array:
        """The sum over the rows of ``a`` ``(M, D)``."""
        total: Array = xp.ones(a.shape[0], a.dtype) @ a
        return total

    parts: list[Callable[[tuple[Array, Array]], Array]] = [grad_x]
    if w is not None:
        parts.append(lambda sh: col_sums(sh[1]))
    if b is not None:
        parts.append(lambda sh: col_sums(sh[0]))
    return result_shared(out, (x, *(t for _name, t in params)), shared, parts)


def _layer_norm_fused(
    x: AnyTensor,
    params: list[tuple[str, AnyTensor]],
    a2: Array,
    shape: tuple[int, ...],
    w: Array | None,
    b: Array | None,
    eps: float,
    kernels: tuple[Callable[..., None], Callable[..., None]],
) -> Any:
    """:func:`layer_norm` with Numba's kernels (dfdx/_fused.py): one pass over the rows
    forward and one backward, which gives the input's, the weight's and the bias's
    gradients together."""
    forward, backward = kernels
    rows, d = a2.shape
    dtype = a2.dtype
    wk = xp.ones(d, dtype) if w is None else xp.ascontiguousarray(w)
    bk = xp.zeros(d, dtype) if b is None else xp.ascontiguousarray(b)
    y, xhat = xp.empty_like(a2), xp.empty_like(a2)
    rstd = xp.empty(rows, dtype)
    forward(a2, wk, bk, dtype.type(eps), y, xhat, rstd)

    def shared(g: Array) -> tuple[Array, Array, Array]:
        g2 = xp.ascontiguousarray(g.reshape(-1, d), dtype=dtype)
        dx = xp.empty_like(g2)
        dw, db = xp.zeros(d, dtype), xp.zeros(d, dtype)
        backward(g2, xhat, rstd, wk, dx, dw, db)
        return dx.reshape(shape), dw, db

    parts: list[Callable[[tuple[Array, Array, Array]], Array]] = [lambda sh: sh[0]]
    if w is not None:
        parts.append(lambda sh: sh[1])
    if b is not None:
        parts.append(lambda sh: sh[2])
    return result_shared(y.reshape(shape), (x, *(t for _name, t in params)), shared, parts)
