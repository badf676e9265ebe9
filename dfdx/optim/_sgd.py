"""Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay."""

from __future__ import annotations

from typing import Any

from dfdx._backend import Array, xp
from dfdx.optim._base import HasParameters, Optimizer, check_number


class SGD(Optimizer):
    """``torch.optim.SGD``: ``g = grad + weight_decay * p``; with momentum,
    ``buf = momentum * buf + (1 - dampening) * g`` (``buf = g`` on the first step) and
    ``g = buf`` (or ``g + momentum * buf`` with ``nesterov``); then ``p -= lr * g``."""

    name = "SGD"

    def __init__(
        self,
        model: HasParameters,
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
    ) -> None:
        self.lr = check_number("SGD", "lr", lr)
        self.momentum = check_number("SGD", "momentum", momentum)
        self.weight_decay = check_number("SGD", "weight_decay", weight_decay)
        self.dampening = check_number("SGD", "dampening", dampening)
        if nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening = 0")
        self.nesterov = bool(nesterov)
        super().__init__(model)

    def _init_state(self, p: Array) -> list[Any]:
        # [scratch, momentum buffer, gradient + weight decay, whether the buffer is set]
        return [
            xp.empty_like(p),
            xp.empty_like(p) if self.momentum else None,
            xp.empty_like(p) if self.weight_decay else None,
            False,
        ]

    def _step(self, p: Array, g: Array, state: list[Any]) -> None:
        tmp, buf, decayed, started = state
        if self.weight_decay:
            xp.multiply(p, self.weight_decay, out=decayed)
            decayed += g
            g = decayed
        if self.momentum:
            if not started:
                xp.copyto(buf, g)
                state[3] = True
            else:
                buf *= self.momentum
                if self.dampening:
                    xp.multiply(g, 1 - self.dampening, out=tmp)
                    buf += tmp
                else:
                    buf += g
            if self.nesterov:
                xp.multiply(buf, self.momentum, out=tmp)
                tmp += g
                g = tmp
            else:
                g = buf
        xp.multiply(g, self.lr, out=tmp)
        p -= tmp
