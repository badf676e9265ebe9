"""Gradient accumulation: several ``backward()`` calls, one update."""

from __future__ import annotations

from dfdx._backend import Array
from dfdx._gradients import Gradients
from dfdx.optim._base import HasParameters, check_number


class GradAccumulator:
    """Sums the gradients of a model's parameters over several ``backward()`` calls, each
    scaled by ``scale``, for one optimizer update::

        acc = dx.optim.GradAccumulator(model)
        for x, y in micro_batches:
            acc.add(loss_of(x, y).backward(), scale=1 / len(micro_batches))
        opt.update(model, acc.gradients())
        acc.zero()

    Only the parameters' gradients are read (and computed); the rest of each ``Gradients``
    (the input batch's gradient, the activations its pending gradients hold) is dropped as
    soon as ``add`` returns, so memory does not grow with the number of micro-batches."""

    def __init__(self, model: HasParameters) -> None:
        self._model = model
        self._sums: dict[int, Array] = {}
        self.count = 0
        """How many ``add`` calls the sums hold."""

    def add(self, grads: Gradients, scale: float = 1.0) -> None:
        """Add ``scale *`` each parameter's gradient in ``grads`` to the sums (read before
        the parameters change: call it right after ``backward()``)."""
        if not isinstance(grads, Gradients):
            raise TypeError(f"GradAccumulator.add: expected Gradients, got {type(grads).__name__}")
        factor = check_number("GradAccumulator.add", "scale", scale, low=-float("inf"))
        for _, p in self._model.named_parameters():
            if p not in grads:
                continue
            g = grads.array(p)
            total = self._sums.get(p._id)
            if total is None:
                self._sums[p._id] = g * g.dtype.type(factor) if factor != 1 else g.copy()
            elif factor != 1:
                total += g * g.dtype.type(factor)
            else:
                total += g
        self.count += 1

    def gradients(self) -> Gradients:
        """The sums as ``Gradients`` for ``opt.update`` (and clipping); a parameter that got
        no gradient in any ``add`` has none here."""
        return Gradients._of_arrays(dict(self._sums))

    def zero(self) -> None:
        """Start a new sum (the ``Gradients`` handed out keep theirs)."""
        self._sums = {}
        self.count = 0
