"""What the language server reads from ``dfdx_mypy_plugin``: how a tensor type is read, how a
layer is named, and how a shape is folded through a layer, so that hover and hints say exactly
what the plugin computes (no shape rule written twice).

``dfdx_mypy_plugin.rules.nn`` is the plugin's own module, not a public API: everything the
server takes from it passes through here, and a change there fails ``tests/lsp`` rather than
the server (each use is guarded: a plugin that no longer offers a name gives plainer hints).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mypy.types import Instance, ProperType, Type, TypeVarType, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import NONE_TAPE, OWNED_TAPE, TENSOR, TensorType, Unknown, read_tensor

try:
    from dfdx_mypy_plugin.rules import nn as _nn
except ImportError:  # pragma: no cover - a plugin without the nn rules
    _nn = None  # type: ignore[assignment]

MODULE = "dfdx.nn._module.Module"
SEQUENTIAL = "dfdx.nn._containers.Sequential"

__all__ = ["NONE_TAPE", "OWNED_TAPE", "TENSOR", "TensorType", "Unknown", "read_tensor"]


def is_tensor(t: Type | None) -> bool:
    p = get_proper_type(t)
    return isinstance(p, Instance) and p.type.fullname == TENSOR


def is_module(t: Type | None) -> bool:
    p = get_proper_type(t)
    return isinstance(p, Instance) and p.type.has_base(MODULE)


def is_sequential(t: Type | None) -> bool:
    p = get_proper_type(t)
    return isinstance(p, Instance) and p.type.fullname == SEQUENTIAL


def layer_name(layer: Instance) -> str:
    """``Linear[784, 10]``, ``ReLU``, ``Sequential[Linear[784, 10], ReLU]``."""
    if layer.type.fullname == SEQUENTIAL:
        inner = sequential_layers(layer)
        if inner is not None:
            return f"Sequential[{', '.join(layer_name(i) for i in inner)}]"
    try:
        return str(_nn.layer_name(layer))
    except Exception:
        return layer.type.name


def sequential_layers(seq: Instance) -> list[Instance] | None:
    """The layers' types of a ``Sequential[tuple[...]]``, or None."""
    try:
        return list(_nn._layers(seq))
    except Exception:
        return None


@dataclass
class _NoCall:
    """Stands in for the plugin's ``Call`` outside a type check: no mypy API to call a user's
    module with, so folding stops at a layer the plugin has no shape rule for."""

    api: Any = None


def fold(layer: Instance, x: TensorType) -> TensorType | None:
    """The shape of ``layer(x)`` by the plugin's rules, or None where it cannot tell."""
    stand_in: Any = _NoCall()
    try:
        y = _nn._fold(stand_in, layer, x)
    except Exception:
        return None
    return y if isinstance(y, TensorType) else None


def dims(shape: shapes.Shape) -> str:
    """``(32, 'B', None)`` -> ``32, B, Dyn``."""
    return ", ".join(shapes.fmt_dim(d) for d in shape)


def tape_word(tape: ProperType) -> str | None:
    """``traced`` (OwnedTape), None (NoneTape), ``tape T`` (a TypeVar), ``tape ?`` (unknown)."""
    if isinstance(tape, Instance) and tape.type.fullname == OWNED_TAPE:
        return "traced"
    if isinstance(tape, Instance) and tape.type.fullname == NONE_TAPE:
        return None
    if isinstance(tape, TypeVarType):
        return f"tape {tape.name}"
    return "tape ?"


def layer_arguments(layer: Instance) -> dict[str, int | tuple[int, ...]] | None:
    """A layer's constructor arguments that its type records as literals, by the names of the
    plugin's layer table (``{'in_features': 784, 'out_features': 10}``, Conv2d's window
    arguments included); None for a type the table does not describe."""
    try:
        spec = _nn._layer(layer)
        if spec is None:
            return None
        out: dict[str, int | tuple[int, ...]] = {
            arg.name: d
            for arg, d in zip(spec.sizes, _nn._dims(layer, spec), strict=False)
            if isinstance(d, int)
        }
        if spec.window:
            window = _nn._read_window(layer, spec)
            # a padding word ("same") sizes no parameter: left out
            kept = (window or {}).items()
            for k, v in kept:  # (read without a scope: a symbolic size is not read)
                if isinstance(v, int):
                    out[k] = v
                elif isinstance(v, tuple) and all(isinstance(i, int) for i in v):
                    out[k] = tuple(i for i in v if isinstance(i, int))
        return out
    except Exception:
        return None
