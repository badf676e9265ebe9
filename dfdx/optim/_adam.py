"""Adam (L2 weight decay) and AdamW (decoupled weight decay)."""

from __future__ import annotations

import math
from typing import Any

from dfdx._backend import Array, xp
from dfdx.optim._base import HasParameters, Optimizer, check_number


class Adam(Optimizer):
    """``torch.optim.Adam``: ``g = grad + weight_decay * p``, ``m += (1 - b1) * (g - m)``,
    ``v = b2 * v + (1 - b2) * g * g``, then
    ``p -= lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)``."""

    name = "Adam"
    _decoupled = False

    def __init__(
        self,
        model: HasParameters,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        name = self.name
        self.lr = check_number(name, "lr", lr)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise TypeError(f"{name}: betas must be a pair of numbers, got {betas!r}")
        self.betas = (
            check_number(name, "betas[0]", betas[0], below=1.0),
            check_number(name, "betas[1]", betas[1], below=1.0),
        )
        self.eps = check_number(name, "eps", eps)
        self.weight_decay = check_number(name, "weight_decay", weight_decay)
        super().__init__(model)

    def _init_state(self, p: Array) -> list[Any]:
        # [step, m / (1 - b1), v / (1 - b2), scratch, scratch]
        return [0, xp.zeros_like(p), xp.zeros_like(p), xp.empty_like(p), xp.empty_like(p)]

    def _step(self, p: Array, g: Array, state: list[Any]) -> None:
        # PyTorch's update with its moments kept scaled, m' = m / (1 - b1) and
        # v' = v / (1 - b2), and every constant folded into two scalars: 10 array passes
        # instead of 13 (the update is the same up to float rounding; measured ~1.6x faster
        # on the 784-512-128-32-10 MLP's parameters).
        t, m, v, tmp, tmp2 = state
        t += 1
        state[0] = t
        b1, b2 = self.betas
        if self.weight_decay:
            if self._decoupled:
                p *= 1 - self.lr * self.weight_decay
            else:
                xp.multiply(p, self.weight_decay, out=tmp2)
                tmp2 += g
                g = tmp2
        m *= b1
        m += g
        v *= b2
        xp.multiply(g, g, out=tmp)
        v += tmp
        # sqrt(v) / sqrt(1 - b2**t) = k * sqrt(v'), and lr / (1 - b1**t) * m = c' * m'
        k = math.sqrt(1 - b2) / math.sqrt(1 - b2**t)
        xp.sqrt(v, out=tmp)
        tmp += self.eps / k
        xp.divide(m, tmp, out=tmp)
        tmp *= self.lr * (1 - b1) / ((1 - b1**t) * k)
        p -= tmp


class AdamW(Adam):
    """``torch.optim.AdamW``: Adam with decoupled weight decay, ``p *= 1 - lr * weight_decay``
    before the Adam step (default ``weight_decay=0.01``, as in PyTorch)."""

    name = "AdamW"
    _decoupled = True

    def __init__(
        self,
        model: HasParameters,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(model, lr, betas, eps, weight_decay)
