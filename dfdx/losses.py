# pyright: reportOverlappingOverload=false
"""Loss functions: a prediction and a target in, a 0-d tensor out (the mean over elements,
or over the rows of the logits for the classification losses).

Regression losses are composed from ops (``sub``, ``square``, ``abs``, ``clamp``, ``mean``);
the softmax-based losses are one fused step each: their forward shares ``exp(x - max)``
between the loss and the gradient ``softmax(x) - target``, measurably faster than composing
``log_softmax``, ``mul`` and ``mean`` (bench/bench_mlp.py).

Classification losses take logits with the classes on the last axis, ``Tensor[*B, C]``, and
targets as class probabilities ``Tensor[*B, C]`` (dfdx's convention) or int64 labels
``Tensor[*B]`` (PyTorch's); the loss is averaged over the ``B`` positions.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, overload

from dfdx import _fused
from dfdx._backend import Array, xp
from dfdx._dtypes import FLOATS, DTypeError, check_float, check_same
from dfdx._typing import AnyTensor, S, T
from dfdx.ops import binary, reduce, unary
from dfdx.ops._op import array_of, result
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from dfdx._tensor import NoneTape, OwnedTape, Tensor

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_loss",
    "binary_cross_entropy_with_logits_loss",
    "cross_entropy",
    "cross_entropy_with_logits_loss",
    "huber_loss",
    "kl_div_with_logits_loss",
    "mae_loss",
    "mse_loss",
    "nll_loss",
    "rmse_loss",
    "smooth_l1_loss",
]

K = Any
"""The class axis in the label overloads (any size)."""


def _arrays(op: str, pred: Any, target: Any) -> tuple[Array, Array]:
    a = array_of(op, pred, "a tensor", "the prediction")
    return a, array_of(op, target, "a tensor", "the target")


def _same(op: str, pred: Any, target: Any) -> None:
    a, b = _arrays(op, pred, target)
    check_float(op, a)
    check_same(op, a, b)
    if a.shape != b.shape:
        shapes.same_shape(op, a.shape, b.shape)


def _positive(op: str, name: str, value: Any, *, zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
    v = float(value)
    if not (v >= 0 if zero else v > 0) or math.isinf(v):
        raise ValueError(f"{op}: {name} must be {'>= 0' if zero else '> 0'}, got {value}")
    return v


# ---- regression ------------------------------------------------------------------------
@overload
def mse_loss(pred: Tensor[*S, T], target: Tensor[*S, NoneTape], /) -> Tensor[T]: ...
@overload
def mse_loss(pred: Tensor[*S, NoneTape], target: Tensor[*S, T], /) -> Tensor[T]: ...
@overload
def mse_loss(pred: Tensor[*S, Any], target: Tensor[*S, Any], /) -> Tensor[OwnedTape]: ...
@overload
def mse_loss(pred: AnyTensor, target: AnyTensor, /) -> Tensor[Any]: ...
def mse_loss(pred: Any, target: Any, /) -> Any:
    """Mean squared error: ``mean((pred - target) ** 2)``; both ``Tensor[*S]``."""
    _same("mse_loss", pred, target)
    return reduce.mean(unary.square(binary.sub(pred, target)))


@overload
def mae_loss(pred: Tensor[*S, T], target: Tensor[*S, NoneTape], /) -> Tensor[T]: ...
@overload
def mae_loss(pred: Tensor[*S, NoneTape], target: Tensor[*S, T], /) -> Tensor[T]: ...
@overload
def mae_loss(pred: Tensor[*S, Any], target: Tensor[*S, Any], /) -> Tensor[OwnedTape]: ...
@overload
def mae_loss(pred: AnyTensor, target: AnyTensor, /) -> Tensor[Any]: ...
def mae_loss(pred: Any, target: Any, /) -> Any:
    """Mean absolute error: ``mean(|pred - target|)`` (PyTorch's ``l1_loss``)."""
    _same("mae_loss", pred, target)
    return reduce.mean(unary.abs(binary.sub(pred, target)))


@overload
def rmse_loss(pred: Tensor[*S, T], target: Tensor[*S, NoneTape], /) -> Tensor[T]: ...
@overload
def rmse_loss(pred: Tensor[*S, NoneTape], target: Tensor[*S, T], /) -> Tensor[T]: ...
@overload
def rmse_loss(pred: Tensor[*S, Any], target: Tensor[*S, Any], /) -> Tensor[OwnedTape]: ...
@overload
def rmse_loss(pred: AnyTensor, target: AnyTensor, /) -> Tensor[Any]: ...
def rmse_loss(pred: Any, target: Any, /) -> Any:
    """Root mean squared error: ``sqrt(mse_loss(pred, target))``."""
    _same("rmse_loss", pred, target)
    return unary.sqrt(reduce.mean(unary.square(binary.sub(pred, target))))


def _huber_sum(pred: Any, target: Any, delta: float) -> Any:
    """``mean(0.5 * q**2 + delta * (|d| - q))`` with ``d = pred - target`` and
    ``q = min(|d|, delta)``: ``0.5 * d**2`` inside ``delta``, ``delta * (|d| - delta/2)``
    outside, and the gradient ``clamp(d, -delta, delta)`` everywhere."""
    a = unary.abs(binary.sub(pred, target))
    q = unary.clamp(a, max=delta)
    return reduce.mean(binary.add(binary.mul(unary.square(q), 0.5), binary.mul(a - q, delta)))


@overload
def huber_loss(
    pred: Tensor[*S, T], target: Tensor[*S, NoneTape], /, delta: float = 1.0
) -> Tensor[T]: ...
@overload
def huber_loss(
    pred: Tensor[*S, NoneTape], target: Tensor[*S, T], /, delta: float = 1.0
) -> Tensor[T]: ...
@overload
def huber_loss(
    pred: Tensor[*S, Any], target: Tensor[*S, Any], /, delta: float = 1.0
) -> Tensor[OwnedTape]: ...
@overload
def huber_loss(pred: AnyTensor, target: AnyTensor, /, delta: float = 1.0) -> Tensor[Any]: ...
def huber_loss(pred: Any, target: Any, /, delta: float = 1.0) -> Any:
    """Huber loss: ``0.5 * d**2`` where ``|d| < delta``, ``delta * (|d| - 0.5 * delta)``
    elsewhere, ``d = pred - target``, averaged (PyTorch's ``huber_loss``)."""
    d = _positive("huber_loss", "delta", delta)
    _same("huber_loss", pred, target)
    return _huber_sum(pred, target, d)


@overload
def smooth_l1_loss(
    pred: Tensor[*S, T], target: Tensor[*S, NoneTape], /, beta: float = 1.0
) -> Tensor[T]: ...
@overload
def smooth_l1_loss(
    pred: Tensor[*S, NoneTape], target: Tensor[*S, T], /, beta: float = 1.0
) -> Tensor[T]: ...
@overload
def smooth_l1_loss(
    pred: Tensor[*S, Any], target: Tensor[*S, Any], /, beta: float = 1.0
) -> Tensor[OwnedTape]: ...
@overload
def smooth_l1_loss(pred: AnyTensor, target: AnyTensor, /, beta: float = 1.0) -> Tensor[Any]: ...
def smooth_l1_loss(pred: Any, target: Any, /, beta: float = 1.0) -> Any:
    """Smooth L1: ``0.5 * d**2 / beta`` where ``|d| < beta``, ``|d| - 0.5 * beta`` elsewhere,
    averaged; ``huber_loss(delta=beta) / beta``, and ``mae_loss`` for ``beta=0``."""
    b = _positive("smooth_l1_loss", "beta", beta, zero=True)
    _same("smooth_l1_loss", pred, target)
    if b == 0:
        return reduce.mean(unary.abs(binary.sub(pred, target)))
    return binary.div(_huber_sum(pred, target, b), b)


@overload
def binary_cross_entropy_with_logits_loss(
    logits: Tensor[*S, T], target: Tensor[*S, NoneTape], /
) -> Tensor[T]: ...
@overload
def binary_cross_entropy_with_logits_loss(
    logits: Tensor[*S, NoneTape], target: Tensor[*S, T], /
) -> Tensor[T]: ...
@overload
def binary_cross_entropy_with_logits_loss(
    logits: Tensor[*S, Any], target: Tensor[*S, Any], /
) -> Tensor[OwnedTape]: ...
@overload
def binary_cross_entropy_with_logits_loss(
    logits: AnyTensor, target: AnyTensor, /
) -> Tensor[Any]: ...
def binary_cross_entropy_with_logits_loss(logits: Any, target: Any, /) -> Any:
    """``mean(softplus(x) - x * t)``: binary cross-entropy of ``sigmoid(x)`` against
    probabilities ``t`` of the same shape, stable for large ``|x|``."""
    _same("binary_cross_entropy_with_logits_loss", logits, target)
    return reduce.mean(binary.sub(unary.softplus(logits), binary.mul(logits, target)))


# ---- classification over the last axis ---------------------------------------------------
def _softmax_parts(op: str, logits: Any, target: Any, kind: str | None) -> tuple[Array, ...]:
    """Checked arrays and the shared parts: ``a``, ``t``, ``z = a - max``, ``e = exp(z)``,
    ``s = sum(e)`` (both with the class axis kept). Checks run only where a fast test
    fails: this runs once per training step."""
    a, t = _arrays(op, logits, target)
    check_float(op, a)
    labels = t.dtype.kind in "iu"
    if kind is None:
        kind = "labels" if labels else "probs"
    elif labels:
        raise DTypeError(f"{op}: targets must be float class probabilities, got {t.dtype}")
    if kind == "probs":
        check_same(op, a, t)
        if a.shape != t.shape or not a.ndim:
            shapes.class_targets(op, a.shape, t.shape, kind)
    elif not a.ndim or t.shape != a.shape[:-1]:
        shapes.class_targets(op, a.shape, t.shape, kind)
    if not a.shape[-1]:
        shapes.nonempty_reduce(op, a.shape, (a.ndim - 1,))
    z = a - a.max(axis=-1, keepdims=True)
    e = xp.exp(z)
    s = e.sum(axis=-1, keepdims=True)
    return a, t, z, e, s


def _check_labels(op: str, flat: Array, c: int, shape: tuple[int, ...]) -> None:
    """Labels in ``[0, c)``: one reduction (as unsigned, a negative label is huge)."""
    if not flat.size:
        return
    top = flat.view(xp.uint64).max() if flat.dtype == xp.int64 else flat.max()
    if top < c and (flat.dtype == xp.int64 or flat.min() >= 0):
        return
    lo = int(flat.min())
    raise ValueError(
        f"{op}: label {lo if lo < 0 else int(flat.max())} is out of range for {c} classes "
        f"in {shapes.fmt(shape)}"
    )


def _rows(a: Array) -> int:
    return a.size // a.shape[-1] if a.shape[-1] else 0


@overload
def cross_entropy_with_logits_loss(
    logits: Tensor[*S, T],
    target: Tensor[*S, NoneTape],
    /,
    *,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> Tensor[T]: ...
@overload
def cross_entropy_with_logits_loss(
    logits: Tensor[*S, K, T],
    target: Tensor[*S, NoneTape],
    /,
    *,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> Tensor[T]: ...
@overload
def cross_entropy_with_logits_loss(
    logits: Tensor[*S, NoneTape],
    target: Tensor[*S, T],
    /,
    *,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> Tensor[T]: ...
@overload
def cross_entropy_with_logits_loss(
    logits: Tensor[*S, Any],
    target: Tensor[*S, Any],
    /,
    *,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> Tensor[OwnedTape]: ...
@overload
def cross_entropy_with_logits_loss(
    logits: AnyTensor,
    target: AnyTensor,
    /,
    *,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> Tensor[Any]: ...
def cross_entropy_with_logits_loss(
    logits: Any, target: Any, /, *, ignore_index: int = -100, label_smoothing: float = 0.0
) -> Any:
    """Cross-entropy of ``softmax(logits)`` (classes on the last axis, ``Tensor[*B, C]``)
    against class probabilities ``Tensor[*B, C]`` or int64 labels ``Tensor[*B]`` in
    ``[0, C)``, averaged over ``B``: ``mean(-sum(target * log_softmax(logits), -1))``.

    As PyTorch's ``cross_entropy``: positions whose label is ``ignore_index`` add nothing
    and the mean is over the other positions (NaN if there are none); ``label_smoothing``
    ``e`` in ``[0, 1]`` mixes the target with the uniform distribution, ``(1 - e) * target
    + e / C``."""
    op = "cross_entropy_with_logits_loss"
    if type(ignore_index) is not int:  # the default's type passes without more tests
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, int):
            raise TypeError(f"{op}: ignore_index must be an int, got {ignore_index!r}")
    if type(label_smoothing) is not float or label_smoothing:
        if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, int | float):
            raise TypeError(f"{op}: label_smoothing must be a number, got {label_smoothing!r}")
        if not 0.0 <= float(label_smoothing) <= 1.0:
            raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    eps = float(label_smoothing)
    if not eps:
        fast = _labels_compiled(logits, target, ignore_index)
        if fast is not None:
            return fast
    a, t, z, e, s = _softmax_parts(op, logits, target, None)
    n = _rows(a)
    log_s = xp.log(s)
    c = a.shape[-1]
    if t.dtype.kind not in "iu":
        logp = z - log_s
        if eps:
            smooth = t * (1 - eps) + eps / c
            loss = -(smooth * logp).sum() / n
            grad_logits, grad_smooth = _prob_grads(a, smooth, e, s, logp, n)
            return result(
                loss.astype(a.dtype),
                (logits, target),
                (grad_logits, lambda g: grad_smooth(g) * (1 - eps)),
            )
        loss = -(t * logp).sum() / n
        return result(loss.astype(a.dtype), (logits, target), _prob_grads(a, t, e, s, logp, n))
    flat = t.reshape(-1)
    ignored = flat == ignore_index
    if eps or ignored.any():
        return _smoothed_labels(op, logits, a, t, z, e, s, ignored, eps)
    _check_labels(op, flat, c, t.shape)
    rows = xp.arange(flat.size)
    loss = (log_s.sum() - z.reshape(-1, c)[rows, flat].sum()) / n

    def grad(g: Array) -> Array:
        p = e / s  # softmax
        p.reshape(-1, c)[rows, flat] -= 1
        p *= g / n
        return p

    return result(loss, (logits,), (grad,))


cross_entropy = cross_entropy_with_logits_loss


def _labels_compiled(logits: Any, target: Any, ignore_index: int) -> Any:
    """The cross-entropy of float logits ``(*B, C)`` against int labels ``(*B,)`` as one
    compiled pass (``_fused.cross_entropy_labels``) where every check would pass and no
    label is ``ignore_index``; None elsewhere (the NumPy path then checks, and raises)."""
    a = getattr(logits, "_data", None)
    t = getattr(target, "_data", None)
    if (
        a is None
        or t is None
        or t.dtype.kind not in "iu"
        or a.dtype not in FLOATS
        or not a.ndim
        or t.shape != a.shape[:-1]
        or not 0 < a.shape[-1] <= _fused.CROSS_ENTROPY_MAX_CLASSES
        or not a.size
    ):
        return None
    kernels = _fused.cross_entropy_labels()
    if kernels is None:
        return None
    c = a.shape[-1]
    a2 = a if a.ndim == 2 else a.reshape(-1, c)
    if not a2.flags.c_contiguous:
        a2 = xp.ascontiguousarray(a2)
    labels = t if t.ndim == 1 else t.reshape(-1)
    if 0 <= ignore_index < c:  # a valid class ignored: the general path handles it
        return None
    p = xp.empty(a2.shape, a.dtype)
    total = kernels[0](a2, labels, p)
    if math.isnan(total):  # a label out of range (or NaN logits): the checked path
        return None
    n = labels.size

    def grad(g: Array) -> Array:
        out = xp.empty(p.shape, p.dtype)
        kernels[1](p, labels, p.dtype.type(g / n), out)
        return out.reshape(a.shape)

    return result(xp.asarray(total / n, a.dtype), (logits,), (grad,))


"""PyTorch's name (``F.cross_entropy``) of :func:`cross_entropy_with_logits_loss`."""


def _smoothed_labels(
    op: str,
    logits: Any,
    a: Array,
    t: Array,
    z: Array,
    e: Array,
    s: Array,
    ignored: Array,
    eps: float,
) -> Any:
    """Cross-entropy against labels with ``ignored`` positions left out and label smoothing
    ``eps``: each kept row adds ``(1 - eps) * -logp[label] + eps / C * -sum(logp)``, and the
    sum is divided by the number of kept rows."""
    c = a.shape[-1]
    keep = ~ignored
    flat = t.reshape(-1)
    _check_labels(op, flat[keep], c, t.shape)
    labels = xp.where(keep, flat, 0)
    rows = xp.arange(flat.size)
    logp = (z - xp.log(s)).reshape(-1, c)
    per_row = -(1 - eps) * logp[rows, labels] - (eps / c) * logp.sum(axis=-1)
    count = int(keep.sum())
    with xp.errstate(invalid="ignore", divide="ignore"):
        loss = xp.asarray((per_row * keep).sum() / count if count else xp.nan, a.dtype)

    def grad(g: Array) -> Array:
        p = (e / s).reshape(-1, c)
        p[rows, labels] -= 1 - eps
        p -= eps / c
        p *= (keep / max(count, 1))[:, None].astype(a.dtype)
        p *= g
        return p.reshape(a.shape)

    return result(loss, (logits,), (grad,))


def _prob_grads(a: Array, t: Array, e: Array, s: Array, logp: Array, n: int) -> tuple[Any, Any]:
    """Gradients of ``-sum(t * logp) / n``: ``(softmax * sum(t) - t) / n`` for the logits
    and ``-logp / n`` for the targets."""

    def grad_logits(g: Array) -> Array:
        p = e / s
        p *= t.sum(axis=-1, keepdims=True)
        p -= t
        p *= g / n
        return p

    def grad_target(g: Array) -> Array:
        return logp * (-g / n)

    return grad_logits, grad_target


@overload
def kl_div_with_logits_loss(
    logits: Tensor[*S, T], target: Tensor[*S, NoneTape], /
) -> Tensor[T]: ...
@overload
def kl_div_with_logits_loss(
    logits: Tensor[*S, NoneTape], target: Tensor[*S, T], /
) -> Tensor[T]: ...
@overload
def kl_div_with_logits_loss(
    logits: Tensor[*S, Any], target: Tensor[*S, Any], /
) -> Tensor[OwnedTape]: ...
@overload
def kl_div_with_logits_loss(logits: AnyTensor, target: AnyTensor, /) -> Tensor[Any]: ...
def kl_div_with_logits_loss(logits: Any, target: Any, /) -> Any:
    """KL divergence of ``softmax(logits)`` from the class probabilities ``target`` (both
    ``Tensor[*B, C]``), averaged over ``B``: ``mean(sum(t * (log(t) - log_softmax(x)), -1))``
    (PyTorch's ``kl_div(log_softmax(x), t, reduction="batchmean")`` for 2-d inputs); terms
    with ``t = 0`` are 0."""
    op = "kl_div_with_logits_loss"
    a, t, z, e, s = _softmax_parts(op, logits, target, "probs")
    n = _rows(a)
    logp = z - xp.log(s)
    log_t = xp.log(xp.where(t > 0, t, 1))
    loss = (t * (log_t - logp)).sum() / n
    grad_logits, _ = _prob_grads(a, t, e, s, logp, n)

    def grad_target(g: Array) -> Array:
        return (log_t + 1 - logp) * (g / n)  # type: ignore[no-any-return]

    return result(loss.astype(a.dtype), (logits, target), (grad_logits, grad_target))


# ---- binary cross-entropy on probabilities -----------------------------------------------
_LOG_FLOOR = -100.0
"""PyTorch's floor for ``log(p)`` and ``log(1 - p)``: a probability of exactly 0 or 1 costs
100, not infinity."""


@overload
def binary_cross_entropy_loss(
    probs: Tensor[*S, T], target: Tensor[*S, NoneTape], /
) -> Tensor[T]: ...
@overload
def binary_cross_entropy_loss(
    probs: Tensor[*S, NoneTape], target: Tensor[*S, T], /
) -> Tensor[T]: ...
@overload
def binary_cross_entropy_loss(
    probs: Tensor[*S, Any], target: Tensor[*S, Any], /
) -> Tensor[OwnedTape]: ...
@overload
def binary_cross_entropy_loss(probs: AnyTensor, target: AnyTensor, /) -> Tensor[Any]: ...
def binary_cross_entropy_loss(probs: Any, target: Any, /) -> Any:
    """``-mean(t * log(p) + (1 - t) * log(1 - p))`` for probabilities ``p`` in [0, 1] (a
    sigmoid's output) and targets ``t`` of the same shape: PyTorch's
    ``F.binary_cross_entropy`` / ``nn.BCELoss()``, each log floored at -100 as there. On
    logits, :func:`binary_cross_entropy_with_logits_loss` is exact where this saturates."""
    op = "binary_cross_entropy_loss"
    _same(op, probs, target)
    p, t = probs._data, target._data
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError(
            f"{op}: probabilities must lie in [0, 1], got values in [{p.min()}, {p.max()}]"
        )
    with xp.errstate(divide="ignore"):
        log_p = xp.maximum(xp.log(p), _LOG_FLOOR)
        log_q = xp.maximum(xp.log1p(-p), _LOG_FLOOR)
    n = max(p.size, 1)
    with xp.errstate(invalid="ignore"):  # an empty input: NaN, as PyTorch's mean
        loss = -(t * log_p + (1 - t) * log_q).sum() / (p.size if p.size else xp.nan)
    eps = p.dtype.type(1e-12)

    def grad_probs(g: Array) -> Array:
        return g * (p - t) / xp.maximum((1 - p) * p, eps) / n  # type: ignore[no-any-return]

    def grad_target(g: Array) -> Array:
        return g * (log_q - log_p) / n  # type: ignore[no-any-return]

    return result(xp.asarray(loss, dtype=p.dtype), (probs, target), (grad_probs, grad_target))


binary_cross_entropy = binary_cross_entropy_loss
"""PyTorch's name of :func:`binary_cross_entropy_loss` (``F.binary_cross_entropy``)."""


@overload
def nll_loss(
    log_probs: Tensor[*S, K, T], target: Tensor[*S, NoneTape], /, *, ignore_index: int = -100
) -> Tensor[T]: ...
@overload
def nll_loss(
    log_probs: AnyTensor, target: AnyTensor, /, *, ignore_index: int = -100
) -> Tensor[Any]: ...
def nll_loss(log_probs: Any, target: Any, /, *, ignore_index: int = -100) -> Any:
    """The negative log-likelihood of int64 labels ``Tensor[*B]`` in ``[0, C)`` under
    log-probabilities ``Tensor[*B, C]`` (classes on the last axis, as every classification
    loss of dfdx; a ``log_softmax``'s output): ``-mean(log_probs[b, target[b]])`` over the
    ``B`` positions, PyTorch's ``F.nll_loss`` / ``nn.NLLLoss()``. Positions whose label is
    ``ignore_index`` add nothing and the mean is over the others (NaN if there are none).
    ``nll_loss(log_softmax(x, axis=-1), y)`` is ``cross_entropy(x, y)``."""
    op = "nll_loss"
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, int):
        raise TypeError(f"{op}: ignore_index must be an int, got {ignore_index!r}")
    a, t = _arrays(op, log_probs, target)
    check_float(op, a)
    if t.dtype.kind not in "iu":
        raise DTypeError(f"{op}: targets must be integer class labels, got {t.dtype}")
    if not a.ndim or t.shape != a.shape[:-1]:
        shapes.class_targets(op, a.shape, t.shape, "labels")
    c = a.shape[-1]
    flat = t.reshape(-1)
    keep = flat != ignore_index
    _check_labels(op, flat[keep], c, t.shape)
    labels = xp.where(keep, flat, 0)
    rows = xp.arange(flat.size)
    count = int(keep.sum())
    picked = a.reshape(-1, c)[rows, labels] if c else xp.zeros(flat.size, a.dtype)
    with xp.errstate(invalid="ignore", divide="ignore"):
        loss = xp.asarray(-(picked * keep).sum() / count if count else xp.nan, a.dtype)

    def grad(g: Array) -> Array:
        out = xp.zeros((flat.size, c), a.dtype)
        out[rows[keep], labels[keep]] = -g / count
        return out.reshape(a.shape)

    return result(loss, (log_probs,), (grad,), (target,))
