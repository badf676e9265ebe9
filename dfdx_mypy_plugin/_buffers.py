"""``self.register_buffer(name, tensor)`` checked against the field's declared type.

PyTorch code declares a buffer's field in the class body (``cos: Tensor[C, D, NoneTape]``,
a rotary table of ``max_seq_len`` rows of ``head_dim`` features) and fills it in
``__init__`` with ``self.register_buffer("cos", table)``. mypy checks nothing there (the
tensor argument is any tensor, and the field is set by name); the plugin compares the
tensor's sizes with the declared ones, as an assignment to the field would be compared, and
reports a rank or a size that differs (``dfdx-shape``), at the tensor argument and, where
that is a local name (``pe = dx.zeros(d_model, max_len)``, then ``self.register_buffer("pe",
pe)``), at the size argument of the creation that made it.
"""

from __future__ import annotations

from mypy.nodes import StrExpr, Var
from mypy.plugin import MethodContext
from mypy.types import Instance, Type, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._debug import DEBUG
from dfdx_mypy_plugin._tables import created_places
from dfdx_mypy_plugin._types import Unknown, is_tensor, read_tensor
from dfdx_mypy_plugin.codes import DFDX_SHAPE


def register_buffer(ctx: MethodContext) -> Type:
    """The method hook of ``Module.register_buffer``: reports a tensor whose sizes differ
    from the declared type of the field it fills; the call's type is mypy's."""
    try:
        _check(ctx)
    except Exception:
        if DEBUG:
            raise
    return ctx.default_return_type


def _check(ctx: MethodContext) -> None:
    if len(ctx.args) < 2 or len(ctx.args[0]) != 1 or len(ctx.args[1]) != 1:
        return
    name, value = ctx.args[0][0], ctx.args[1][0]
    owner = get_proper_type(ctx.type)
    if not isinstance(name, StrExpr) or not isinstance(owner, Instance):
        return
    field = owner.type.get(name.value)
    declared = get_proper_type(field.node.type) if field and isinstance(field.node, Var) else None
    given = get_proper_type(ctx.arg_types[1][0]) if ctx.arg_types[1] else None
    if declared is None or given is None or not (is_tensor(declared) and is_tensor(given)):
        return
    try:
        want, got = read_tensor(declared).shape, read_tensor(given).shape
    except Unknown:
        return
    message = mismatch(name.value, want, got)
    if message is None:
        return
    ctx.api.fail(message, value, code=DFDX_SHAPE)
    axis = _axis_at_fault(want, got)
    if axis is not None:
        label = f'the tensor of "{name.value}"'
        for text, place in created_places(ctx.api, value, axis, message, label):
            ctx.api.fail(text, place, code=DFDX_SHAPE)


def _axis_at_fault(want: shapes.Shape, got: shapes.Shape) -> int | None:
    """The first axis on which ``got`` differs from ``want``, of the same rank; else None."""
    if len(want) != len(got):
        return None
    for axis, (w, g) in enumerate(zip(want, got, strict=True)):
        if shapes.same_layer_size(g, w) is False:
            return axis
    return None


def mismatch(name: str, want: shapes.Shape, got: shapes.Shape) -> str | None:
    """The message for a buffer ``name`` declared ``want`` and given ``got``, or None where
    they may be the same sizes."""
    head = f'register_buffer: "{name}" is declared {shapes.fmt(want)}, given {shapes.fmt(got)}'
    if len(want) != len(got):
        return f"{head} ({len(got)} axes, not {len(want)})"
    for axis, (w, g) in enumerate(zip(want, got, strict=True)):
        if shapes.same_layer_size(g, w) is False:
            return f"{head} (axis {axis}: {shapes.fmt_dim(g)} != {shapes.fmt_dim(w)})"
    return None
