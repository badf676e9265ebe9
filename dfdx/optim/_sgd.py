"""Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dfdx._backend import Array, xp
from dfdx.optim._base import HasParameters, Optimizer, ParamGroupSpec, check_number


class SGD(Optimizer):
    """``torch.optim.SGD``: ``g = grad + weight_decay * p``; with momentum,
    ``buf = momentum * buf + (1 - dampening) * g`` (``buf = g`` on the first step) and
    ``g = buf`` (or ``g + momentum * buf`` with ``nesterov``); then ``p -= lr * g``.

    ``param_groups``: as for :class:`Adam`."""

    name = "SGD"
    _array_names = ("momentum_buffer",)
    _state_names = ("momentum_buffer",)

    def __init__(
        self,
        model: HasParameters,
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
        *,
        param_groups: Sequence[ParamGroupSpec] | None = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "nesterov": nesterov,
            "weight_decay": weight_decay,
            "dampening": dampening,
        }
        super().__init__(model, defaults, param_groups)

    def _options(self, options: Mapping[str, Any], where: str) -> dict[str, Any]:
        name = f"SGD: {where}" if where else "SGD"
        self._unknown(options, ("lr", "momentum", "nesterov", "weight_decay", "dampening"), where)
        out = {
            "lr": check_number(name, "lr", options["lr"]),
            "momentum": check_number(name, "momentum", options["momentum"]),
            "nesterov": bool(options["nesterov"]),
            "weight_decay": check_number(name, "weight_decay", options["weight_decay"]),
            "dampening": check_number(name, "dampening", options["dampening"]),
        }
        if out["nesterov"] and (out["momentum"] == 0 or out["dampening"] != 0):
            raise ValueError(f"{name}: nesterov needs momentum > 0 and dampening = 0")
        return out

    def _init_state(self, p: Array, group: dict[str, Any]) -> list[Any]:
        # [scratch, momentum buffer, gradient + weight decay, whether the buffer is set];
        # the buffers exist even without momentum, which a scheduler may turn on later
        return [xp.empty_like(p), xp.empty_like(p), xp.empty_like(p), False]

    def _step(self, p: Array, g: Array, state: list[Any], group: dict[str, Any]) -> None:
        tmp, buf, decayed, started = state
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        if weight_decay:
            xp.multiply(p, weight_decay, out=decayed)
            decayed += g
            g = decayed
        if momentum:
            dampening = group["dampening"]
            if not started:
                xp.copyto(buf, g)
                state[3] = True
            else:
                buf *= momentum
                if dampening:
                    xp.multiply(g, 1 - dampening, out=tmp)
                    buf += tmp
                else:
                    buf += g
            if group["nesterov"]:
                xp.multiply(buf, momentum, out=tmp)
                tmp += g
                g = tmp
            else:
                g = buf
        xp.multiply(g, group["lr"], out=tmp)
        p -= tmp

    def _started(self, state: list[Any]) -> bool:
        return bool(state[3])

    def _export(self, state: list[Any]) -> dict[str, Any]:
        return {"momentum_buffer": state[1]}

    def _import(self, state: list[Any], entry: dict[str, Any] | None) -> None:
        if entry is None:
            state[3] = False
            return
        xp.copyto(state[1], entry["momentum_buffer"])
        state[3] = True
