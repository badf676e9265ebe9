"""Gradient clipping: ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from dfdx._backend import Array, xp
from dfdx.optim._base import HasParameters

if TYPE_CHECKING:
    from dfdx._gradients import Gradients
    from dfdx._typing import AnyTensor


def _with_grads(
    where: str, params: HasParameters | Iterable[AnyTensor], grads: Gradients
) -> list[tuple[AnyTensor, Array]]:
    """Each parameter that has a gradient in ``grads``, with it (computed now)."""
    if isinstance(params, HasParameters):
        tensors = [t for _, t in params.named_parameters()]
    else:
        tensors = list(params)
    out = []
    for t in tensors:
        if not hasattr(t, "_id"):
            raise TypeError(f"{where}: expected a model or tensors, got a {type(t).__name__}")
        if t in grads:
            out.append((t, grads.array(t)))
    return out


def _check_limit(where: str, name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValueError(f"{where}: {name} must be a number >= 0, got {value!r}")
    return float(value)


def clip_grad_norm(
    params: HasParameters | Iterable[AnyTensor],
    grads: Gradients,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale the gradients of ``params`` (a model, or tensors) in ``grads`` so that their
    total ``norm_type``-norm (over all of them, as one vector) is at most ``max_norm``, as
    ``torch.nn.utils.clip_grad_norm_``: each gradient is multiplied by
    ``min(1, max_norm / (total + 1e-6))``. Returns the total norm before clipping.

    The optimizer then applies the scaled gradients: ``opt.update(model, grads)``. Other
    gradients in ``grads`` (the input batch's, a target's) are neither counted nor scaled.
    ``norm_type`` is a number > 0 or ``math.inf``; a non-finite total raises a RuntimeError
    if ``error_if_nonfinite`` (else the gradients become NaN, as in PyTorch)."""
    where = "clip_grad_norm"
    limit = _check_limit(where, "max_norm", max_norm)
    _check_norm_type(where, norm_type)
    pairs = _with_grads(where, params, grads)
    if not pairs:
        return 0.0
    p = float(norm_type)
    norms = np.array([_norm(g, p) for _, g in pairs], np.float64)
    total = _norm(norms, p)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"{where}: the total norm of order {norm_type} of the gradients is {total}, "
            "so they cannot be clipped; pass error_if_nonfinite=False to scale them anyway"
        )
    coef = limit / (total + 1e-6)
    if coef < 1.0 or math.isnan(coef):
        with np.errstate(invalid="ignore"):  # inf * 0 is nan, as in PyTorch
            for t, g in pairs:
                grads._replace(t, g * g.dtype.type(coef))
    return total


def _check_norm_type(where: str, norm_type: object) -> None:
    if isinstance(norm_type, bool) or not isinstance(norm_type, int | float) or not norm_type > 0:
        raise ValueError(f"{where}: norm_type must be a number > 0 or math.inf, got {norm_type!r}")


def _norm(a: Array, p: float) -> float:
    """The ``p``-norm of ``a`` as one vector, computed in ``a``'s dtype (as PyTorch)."""
    if a.size == 0:
        return 0.0
    return float(np.linalg.norm(a.reshape(-1), ord=p))


def clip_grad_value(
    params: HasParameters | Iterable[AnyTensor], grads: Gradients, clip_value: float
) -> None:
    """Clamp every gradient of ``params`` in ``grads`` to ``[-clip_value, clip_value]``, as
    ``torch.nn.utils.clip_grad_value_``."""
    limit = _check_limit("clip_grad_value", "clip_value", clip_value)
    for t, g in _with_grads("clip_grad_value", params, grads):
        grads._replace(t, xp.clip(g, -limit, limit))
