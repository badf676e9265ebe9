"""Normalisation ops, fused: one forward and one hand-written backward per op, in place of
the means, subtractions and divisions they would otherwise be composed of."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload

from dfdx import _fused, _inference, _validate
from dfdx._backend import Array, xp
from dfdx._dtypes import check_float, check_same
from dfdx._typing import AnyTensor, C, D, H, M, N, S, T
from dfdx.ops._op import array_of, result, result_shared
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from dfdx._tensor import NoneTape, Tensor


def _size(normalized_shape: int | tuple[int, ...], op: str = "layer_norm") -> int:
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    if (
        not isinstance(shape, tuple)
        or len(shape) != 1
        or isinstance(shape[0], bool)
        or not isinstance(shape[0], int)
        or shape[0] < 1
    ):
        raise ValueError(
            f"{op}: normalized_shape must be the size of the last axis, a positive int "
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
@overload  # of a rank the first covers, for an ``x`` typed Any (see nn.Linear.__call__)
def layer_norm(  # pyright: ignore[reportOverlappingOverload]
    x: Tensor[D, T],
    normalized_shape: int | tuple[int, ...],
    /,
    weight: Tensor[D, T] | Tensor[D, NoneTape] | None = None,
    bias: Tensor[D, T] | Tensor[D, NoneTape] | None = None,
    eps: float = 1e-5,
) -> Tensor[D, T]: ...
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
    forward(a2, wk, bk, dtype.type(eps), y, xhat, rstd, True)

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


# ---- rms_norm ----------------------------------------------------------------------------------


@overload
def rms_norm(
    x: Tensor[*S, D, T],
    normalized_shape: int | tuple[int, ...],
    /,
    weight: Tensor[D, T] | Tensor[D, NoneTape] | None = None,
    eps: float | None = None,
) -> Tensor[*S, D, T]: ...
@overload  # of a rank the first covers, for an ``x`` typed Any (see nn.Linear.__call__)
def rms_norm(  # pyright: ignore[reportOverlappingOverload]
    x: Tensor[D, T],
    normalized_shape: int | tuple[int, ...],
    /,
    weight: Tensor[D, T] | Tensor[D, NoneTape] | None = None,
    eps: float | None = None,
) -> Tensor[D, T]: ...
@overload
def rms_norm(
    x: AnyTensor,
    normalized_shape: int | tuple[int, ...],
    /,
    weight: AnyTensor | None = None,
    eps: float | None = None,
) -> Any: ...
def rms_norm(
    x: Any,
    normalized_shape: Any,
    /,
    weight: Any = None,
    eps: float | None = None,
) -> Any:
    """Divide the last axis of ``x`` ``(..., D)`` by its root mean square, then scale by
    ``weight`` (``(D,)`` or None): ``torch.nn.functional.rms_norm`` with ``normalized_shape``
    ``D`` (or ``(D,)``); ``eps`` None is the machine epsilon of ``x``'s dtype, as PyTorch's.
    The result has ``x``'s shape and dtype."""
    op = "rms_norm"
    a = array_of(op, x)
    check_float(op, a)
    e = xp.finfo(a.dtype).eps if eps is None else _validate.positive(op, "eps", eps)
    d = _size(normalized_shape, op)
    params = [] if weight is None else [("weight", weight)]
    arrays = [(name, array_of(op, t, name=name)) for name, t in params]
    shapes.rms_norm(op, a.shape, d, [(name, p.shape) for name, p in arrays])
    for _name, t in params:
        check_same(op, a, t._data)
    w: Array | None = None if weight is None else weight._data
    shape = a.shape
    a2 = a.reshape(-1, d)

    # forward: xhat = a * rstd with rstd = 1 / sqrt(mean(a ** 2) + eps); y = xhat * w
    ms = xp.einsum("ij,ij->i", a2, a2)
    ms *= 1.0 / d  # a Python float: float32 math stays float32
    ms += e
    rstd = xp.divide(1.0, xp.sqrt(ms, out=ms), out=ms)[:, None]
    xhat = a2 * rstd
    y = xhat if w is None else xhat * w

    # backward: with gw = g * w, dx = rstd * (gw - xhat * mean(gw * xhat)) and
    # dw = sum(g * xhat) over every axis but the last.
    def grad_x(g: Array) -> Array:
        gw = g.reshape(-1, d) if w is None else g.reshape(-1, d) * w
        m = xp.einsum("ij,ij->i", gw, xhat)[:, None]
        m *= 1.0 / d
        dx: Array = (gw - xhat * m) * rstd
        return dx.reshape(shape)

    def grad_w(g: Array) -> Array:
        total: Array = xp.einsum("ij,ij->j", g.reshape(-1, d), xhat)
        return total

    return result(
        y.reshape(shape), (x, *(t for _, t in params)), (grad_x, grad_w)[: 1 + len(params)]
    )


# ---- group_norm --------------------------------------------------------------------------------


@overload
def group_norm(
    x: Tensor[N, C, *S, T],
    num_groups: int,
    /,
    weight: Tensor[C, T] | Tensor[C, NoneTape] | None = None,
    bias: Tensor[C, T] | Tensor[C, NoneTape] | None = None,
    eps: float = 1e-5,
) -> Tensor[N, C, *S, T]: ...
@overload  # of a rank the first covers, for an ``x`` typed Any (see nn.Linear.__call__)
def group_norm(  # pyright: ignore[reportOverlappingOverload]
    x: Tensor[N, C, H, M, T],
    num_groups: int,
    /,
    weight: Tensor[C, T] | Tensor[C, NoneTape] | None = None,
    bias: Tensor[C, T] | Tensor[C, NoneTape] | None = None,
    eps: float = 1e-5,
) -> Tensor[N, C, H, M, T]: ...
@overload
def group_norm(
    x: AnyTensor,
    num_groups: int,
    /,
    weight: AnyTensor | None = None,
    bias: AnyTensor | None = None,
    eps: float = 1e-5,
) -> Any: ...
def group_norm(
    x: Any,
    num_groups: int,
    /,
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
) -> Any:
    """Split the channels of ``x`` ``(N, C, *)`` into ``num_groups`` groups and normalise each
    group of each sample (its channels and every position) to mean 0 and (biased) variance 1,
    then scale by ``weight`` and shift by ``bias`` (each ``(C,)`` or None, one per channel):
    ``torch.nn.functional.group_norm``. The result has ``x``'s shape and dtype."""
    op = "group_norm"
    _validate.positive(op, "eps", eps)
    a = array_of(op, x)
    check_float(op, a)
    if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups < 1:
        raise ValueError(f"{op}: num_groups must be an int > 0, got {num_groups!r}")
    params = [(name, t) for name, t in (("weight", weight), ("bias", bias)) if t is not None]
    arrays = [(name, array_of(op, t, name=name)) for name, t in params]
    shapes.group_norm(op, a.shape, num_groups, [(name, p.shape) for name, p in arrays])
    _validate.nonempty_features(op, a.shape)
    for _name, t in params:
        check_same(op, a, t._data)
    shape = a.shape
    per_channel = (1, shape[1], *(1,) * (a.ndim - 2))  # (C,) broadcast over (N, C, *)
    w: Array | None = None if weight is None else weight._data.reshape(per_channel)
    b: Array | None = None if bias is None else bias._data.reshape(per_channel)
    rows = shape[0] * num_groups
    a2 = a.reshape(rows, -1) if rows else a.reshape(0, 1)  # one row per sample and group
    m = a2.shape[1]

    # forward: as layer_norm's over the rows of a2, then the per-channel affine map
    xhat = a2 - a2.mean(axis=1, keepdims=True)
    var = xp.einsum("ij,ij->i", xhat, xhat)
    var *= 1.0 / m
    var += eps
    rstd = xp.divide(1.0, xp.sqrt(var, out=var), out=var)[:, None]
    xhat *= rstd
    xn = xhat.reshape(shape)
    y = xn if w is None else xn * w
    if b is not None:
        y = y + b
    axes = (0, *range(2, a.ndim))  # every axis but the channels'

    # backward: with gw = g * w per row, dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)),
    # dw = sum(g * xhat) and db = sum(g) over every axis but the channels'.
    def grad_x(g: Array) -> Array:
        gw = (g if w is None else g * w).reshape(a2.shape)
        m1 = gw.mean(axis=1, keepdims=True)
        m2 = xp.einsum("ij,ij->i", gw, xhat)[:, None]
        m2 *= 1.0 / m
        dx: Array = (gw - m1 - xhat * m2) * rstd
        return dx.reshape(shape)

    fns: list[Callable[[Array], Array]] = [grad_x]
    for name, _t in params:
        if name == "weight":
            fns.append(lambda g: (g * xn).sum(axis=axes))
        else:
            fns.append(lambda g: g.sum(axis=axes))
    return result(y, (x, *(t for _, t in params)), fns)
