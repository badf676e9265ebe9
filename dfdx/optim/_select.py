"""Choosing parameters for parameter groups by name, module type and shape."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dfdx._typing import AnyTensor
    from dfdx.nn import Module


class ParamInfo:
    """One parameter of a model, as :func:`select_parameters` shows it to its rule:
    ``name`` (``"blocks.0.fc.weight"``, the key of ``named_parameters``), ``attr``
    (``"weight"``), ``module`` (the module that holds it, a ``dx.nn.Linear``) and
    ``tensor``."""

    __slots__ = ("attr", "module", "name", "tensor")

    def __init__(self, name: str, attr: str, module: Module, tensor: AnyTensor) -> None:
        self.name = name
        self.attr = attr
        self.module = module
        self.tensor = tensor

    def __repr__(self) -> str:
        return f"ParamInfo({self.name!r}, {type(self.module).__name__}, shape={self.tensor.shape})"


def _modules(module: Module, prefix: str = "") -> Iterator[tuple[str, Module]]:
    yield prefix, module
    for name, child in module.named_children():
        yield from _modules(child, f"{prefix}{name}.")


def parameter_info(model: Module) -> list[ParamInfo]:
    """Every parameter of ``model`` (as ``named_parameters`` lists them) with its module."""
    modules = dict(_modules(model))
    out = []
    for name, t in model.named_parameters():
        path, _, attr = name.rpartition(".")
        out.append(ParamInfo(name, attr, modules[f"{path}." if path else ""], t))
    return out


def select_parameters(model: Module, rule: Callable[[ParamInfo], bool]) -> list[str]:
    """The names of the parameters of ``model`` for which ``rule`` is true, in
    ``named_parameters`` order: ``select_parameters(model, lambda p: p.attr == "bias")``."""
    return [p.name for p in parameter_info(model) if rule(p)]


def weight_decay_groups(
    model: Module,
    weight_decay: float,
    decay_modules: tuple[type[Module], ...] | None = None,
) -> list[dict[str, Any]]:
    """nanoGPT's rule as ``param_groups``: weight decay for the weights of 2 or more
    dimensions of ``decay_modules`` (default ``dx.nn.Linear`` and ``dx.nn.Embedding``), none
    for every other parameter (biases, LayerNorm's weight and bias)::

        opt = dx.optim.AdamW(model, lr=3e-4, param_groups=dx.optim.weight_decay_groups(model, 0.1))
    """
    from dfdx import nn

    kinds = decay_modules if decay_modules is not None else (nn.Linear, nn.Embedding)

    def decayed(p: ParamInfo) -> bool:
        return p.tensor.ndim >= 2 and isinstance(p.module, kinds)

    infos = parameter_info(model)
    return [
        {"params": [p.name for p in infos if decayed(p)], "weight_decay": weight_decay},
        {"params": [p.name for p in infos if not decayed(p)], "weight_decay": 0.0},
    ]
