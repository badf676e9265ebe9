"""RMSprop, optionally centered and with momentum."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dfdx._backend import Array, xp
from dfdx.optim._base import HasParameters, Optimizer, ParamGroupSpec, check_number


class RMSprop(Optimizer):
    """``torch.optim.RMSprop``: ``g = grad + weight_decay * p``,
    ``s = alpha * s + (1 - alpha) * g * g``; ``avg = sqrt(s) + eps`` (centered:
    ``sqrt(s - mean_g**2) + eps`` with ``mean_g += (1 - alpha) * (g - mean_g)``); then
    ``p -= lr * g / avg``, or with momentum ``buf = momentum * buf + g / avg``,
    ``p -= lr * buf``.

    ``param_groups``: as for :class:`Adam`."""

    name = "RMSprop"
    _array_names = ("square_avg", "grad_avg", "momentum_buffer")
    _state_names = ("step", "square_avg", "grad_avg", "momentum_buffer")

    def __init__(
        self,
        model: HasParameters,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        param_groups: Sequence[ParamGroupSpec] | None = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
        }
        super().__init__(model, defaults, param_groups)

    def _options(self, options: Mapping[str, Any], where: str) -> dict[str, Any]:
        name = f"RMSprop: {where}" if where else "RMSprop"
        known = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")
        self._unknown(options, known, where)
        out: dict[str, Any] = {k: check_number(name, k, options[k]) for k in known[:-1]}
        out["centered"] = bool(options["centered"])
        return out

    def _init_state(self, p: Array, group: dict[str, Any]) -> list[Any]:
        # [square_avg, grad_avg, momentum buffer, scratch, scratch, step]; the buffers exist
        # even when unused (a scheduler may turn momentum on; centered may be set per group)
        return [
            xp.zeros_like(p),
            xp.zeros_like(p),
            xp.zeros_like(p),
            xp.empty_like(p),
            xp.empty_like(p),
            0,
        ]

    def _step(self, p: Array, g: Array, state: list[Any], group: dict[str, Any]) -> None:
        s, mean_g, buf, tmp, tmp2, step = state
        state[5] = step + 1
        alpha, eps, lr = group["alpha"], group["eps"], group["lr"]
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        if weight_decay:
            xp.multiply(p, weight_decay, out=tmp2)
            tmp2 += g
            g = tmp2
        s *= alpha
        xp.multiply(g, 1 - alpha, out=tmp)
        tmp *= g
        s += tmp
        if group["centered"]:
            xp.subtract(g, mean_g, out=tmp)
            tmp *= 1 - alpha
            mean_g += tmp
            xp.multiply(mean_g, mean_g, out=tmp)
            xp.subtract(s, tmp, out=tmp)
            xp.sqrt(tmp, out=tmp)
        else:
            xp.sqrt(s, out=tmp)
        tmp += eps
        if momentum > 0:
            buf *= momentum
            xp.divide(g, tmp, out=tmp)
            buf += tmp
            xp.multiply(buf, lr, out=tmp)
        else:
            xp.divide(g, tmp, out=tmp)
            tmp *= lr
        p -= tmp

    def _started(self, state: list[Any]) -> bool:
        return bool(state[5])

    def _export(self, state: list[Any]) -> dict[str, Any]:
        return {
            "step": state[5],
            "square_avg": state[0],
            "grad_avg": state[1],
            "momentum_buffer": state[2],
        }

    def _import(self, state: list[Any], entry: dict[str, Any] | None) -> None:
        for i, name in enumerate(("square_avg", "grad_avg", "momentum_buffer")):
            if entry is None:
                state[i].fill(0)
            else:
                xp.copyto(state[i], entry[name])
        state[5] = 0 if entry is None else int(entry["step"])
