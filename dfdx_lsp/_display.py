"""dfdx types the way users read them: ``Tensor[32, 10] · traced``, ``[B, 16, 28, 28] traced``,
``Linear[784, 10]``."""

from __future__ import annotations

from mypy.messages import format_type_bare
from mypy.options import Options
from mypy.types import Instance, Type, get_proper_type

from dfdx_lsp import _plugin_bridge as plugin


def short(t: Type) -> str | None:
    """The one-line summary of a dfdx tensor or module type (hover's first line), else None."""
    p = get_proper_type(t)
    if not isinstance(p, Instance):
        return None
    if plugin.is_tensor(p):
        try:
            x = plugin.read_tensor(p)
        except plugin.Unknown:
            return "Tensor[...] · shape unknown to the plugin"
        tape = plugin.tape_word(x.tape) or "untraced"
        return f"Tensor[{plugin.dims(x.shape) or '()'}] · {tape}"
    if plugin.is_module(p):
        return plugin.layer_name(p)
    return None


def label(t: Type) -> str | None:
    """An inlay hint's text for a dfdx tensor (``[B, 16, 28, 28] traced``) or module
    (``Linear[784, 10]``), else None."""
    p = get_proper_type(t)
    if not isinstance(p, Instance):
        return None
    if plugin.is_tensor(p):
        try:
            x = plugin.read_tensor(p)
        except plugin.Unknown:
            return "[...]"
        return tensor_label(x)
    if plugin.is_module(p):
        return plugin.layer_name(p)
    return None


def tensor_label(x: plugin.TensorType) -> str:
    tape = plugin.tape_word(x.tape)
    shape = f"[{plugin.dims(x.shape) or '()'}]"
    return f"{shape} {tape}" if tape else shape


def full(t: Type, options: Options) -> str:
    """mypy's own spelling of the type: ``Tensor[Literal[32], Literal[10], OwnedTape]``."""
    return format_type_bare(t, options)
