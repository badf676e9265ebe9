"""``Gradients``: what ``loss.backward()`` returns."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from dfdx import _autodiff

if TYPE_CHECKING:
    from dfdx._backend import Array
    from dfdx._tensor import NoneTape, Tensor
    from dfdx._typing import AnyTensor, S, T


class Gradients:
    """The gradient of the loss with respect to every tensor that took part in the traced
    computation (parameters, traced inputs, untraced tensors that met a traced one).

    ``grads[t]`` is a ``NoneTape`` tensor of ``t``'s shape and dtype, for ``t`` or its traced
    copy. A gradient is computed when first read; read the ones you need before an optimizer
    changes parameters in place (optimizers read theirs first).

    ``dx.optim.clip_grad_norm``/``clip_grad_value`` replace the parameters' gradients here
    with clipped copies; ``dx.optim.GradAccumulator`` sums those of several ``Gradients``.
    """

    __slots__ = ("_epoch", "_pending")

    def __init__(self, pending: dict[int, _autodiff.Pending]) -> None:
        self._pending = pending
        self._epoch = _autodiff.param_epoch()

    @classmethod
    def _of_arrays(cls, arrays: dict[int, Array]) -> Gradients:
        """Gradients already computed, by tensor id (``GradAccumulator``'s sums)."""
        pending: dict[int, _autodiff.Pending] = {}
        for i, a in arrays.items():
            pending[i] = _autodiff.Pending(a.shape)
            pending[i].value = a
        return cls(pending)

    def _replace(self, t: AnyTensor, value: Array) -> None:
        """Make ``value`` the gradient of ``t`` (read first, with :meth:`array`): clipping
        scales gradients this way, with new arrays, since a computed gradient may be shared
        with another tensor's. Gradients read before keep their values."""
        self._pending[t._id].value = value

    def __contains__(self, t: object) -> bool:
        return getattr(t, "_id", None) in self._pending

    def __len__(self) -> int:
        return len(self._pending)

    def __iter__(self) -> NoReturn:
        raise TypeError(
            "Gradients cannot be iterated: they are read by tensor, grads[t] (or grads.get(t)); "
            "for p in model.parameters(): grads[p] reads each parameter's"
        )

    def __getitem__(self, t: Tensor[*S, T]) -> Tensor[*S, NoneTape]:
        """The gradient of ``t`` (raises KeyError if ``t`` received none)."""
        grad = self.array(t)
        return t.detach()._new(grad, None)

    def get(self, t: Tensor[*S, T]) -> Tensor[*S, NoneTape] | None:
        """The gradient of ``t``, or None if ``t`` received none."""
        return self[t] if t in self else None

    def array(self, t: AnyTensor) -> Array:
        """The gradient of ``t`` as an array (shared: do not write to it)."""
        key = getattr(t, "_id", None)
        if key is None:
            raise TypeError(f"Gradients are read by tensor, grads[t], got {type(t).__name__}")
        pending = self._pending.get(key)
        if pending is None:
            raise KeyError(
                f"no gradient for this tensor (shape {t.shape}): it did not take part in the "
                "traced computation of the loss, or it is an intermediate result (only "
                "parameters, traced inputs and untraced tensors that met a traced one keep "
                "their gradients)"
            )
        if pending.parts and self._epoch != _autodiff.param_epoch():
            raise RuntimeError(
                "this gradient was not read before parameters were updated in place, and it "
                "depends on their old values; read it before calling the optimizer"
            )
        return pending.get()
