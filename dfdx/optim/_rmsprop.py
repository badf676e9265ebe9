"""RMSprop, optionally centered and with momentum."""

from __future__ import annotations

from typing import Any

from dfdx._backend import Array, xp
from dfdx.optim._base import HasParameters, Optimizer, check_number


class RMSprop(Optimizer):
    """``torch.optim.RMSprop``: ``g = grad + weight_decay * p``,
    ``s = alpha * s + (1 - alpha) * g * g``; ``avg = sqrt(s) + eps`` (centered:
    ``sqrt(s - mean_g**2) + eps`` with ``mean_g += (1 - alpha) * (g - mean_g)``); then
    ``p -= lr * g / avg``, or with momentum ``buf = momentum * buf + g / avg``,
    ``p -= lr * buf``."""

    name = "RMSprop"

    def __init__(
        self,
        model: HasParameters,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        self.lr = check_number("RMSprop", "lr", lr)
        self.alpha = check_number("RMSprop", "alpha", alpha)
        self.eps = check_number("RMSprop", "eps", eps)
        self.weight_decay = check_number("RMSprop", "weight_decay", weight_decay)
        self.momentum = check_number("RMSprop", "momentum", momentum)
        self.centered = bool(centered)
        super().__init__(model)

    def _init_state(self, p: Array) -> list[Any]:
        # [square_avg, grad_avg, momentum buffer, scratch, scratch]
        return [
            xp.zeros_like(p),
            xp.zeros_like(p) if self.centered else None,
            xp.zeros_like(p) if self.momentum else None,
            xp.empty_like(p),
            xp.empty_like(p),
        ]

    def _step(self, p: Array, g: Array, state: list[Any]) -> None:
        s, mean_g, buf, tmp, tmp2 = state
        if self.weight_decay:
            xp.multiply(p, self.weight_decay, out=tmp2)
            tmp2 += g
            g = tmp2
        s *= self.alpha
        xp.multiply(g, 1 - self.alpha, out=tmp)
        tmp *= g
        s += tmp
        if mean_g is not None:
            xp.subtract(g, mean_g, out=tmp)
            tmp *= 1 - self.alpha
            mean_g += tmp
            xp.multiply(mean_g, mean_g, out=tmp)
            xp.subtract(s, tmp, out=tmp)
            xp.sqrt(tmp, out=tmp)
        else:
            xp.sqrt(s, out=tmp)
        tmp += self.eps
        if buf is not None:
            buf *= self.momentum
            xp.divide(g, tmp, out=tmp)
            buf += tmp
            xp.multiply(buf, self.lr, out=tmp)
        else:
            xp.divide(g, tmp, out=tmp)
            tmp *= self.lr
        p -= tmp
