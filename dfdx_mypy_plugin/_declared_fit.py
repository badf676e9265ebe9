"""Sizes that do not fit a declared type, where mypy alone would only say the types differ.

Two cases :func:`dfdx_mypy_plugin._where.fit_value` leaves to mypy get a ``dfdx-shape`` error
here, on the line of the value: a layer built with sizes its annotated field (or the return
type) does not have (``self.w1: Linear[D, F] = Linear(dim, hidden // 2)``: mypy's own
``assignment`` error names no size), and an op whose result has another rank than the tensor
type it is declared to be (``return x.reshape(b, s * d)`` where ``Tensor[B, S, D]`` is
declared). Both are reported only where mypy already rejects the value; the declared type is
then given back, so that the mistake is reported once, with its sizes.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import ARG_POS, CallExpr, Context, Expression, IndexExpr
from mypy.plugin import (
    CheckerPluginInterface,
    FunctionContext,
    FunctionSigContext,
    MethodSigContext,
)
from mypy.subtypes import is_subtype
from mypy.types import CallableType, Instance, Type, get_proper_type

from dfdx_mypy_plugin._types import MODULE, Unknown, checked_shape, read_dim
from dfdx_mypy_plugin.codes import DFDX_SHAPE
from dfdx_mypy_plugin.shapes import Shape, fmt, fmt_dim, same_layer_size


def layer_sizes(layer: Instance) -> Shape | None:
    """The sizes a layer's type is generic over (``Linear[D, F]``: ``(D, F)``), or None where
    one of its parameters is not a size (a ``Sequential``'s layers, a tape)."""
    syms: dict[str, Type] = {}
    try:
        return tuple(read_dim(a, syms) for a in layer.args)
    except Unknown:
        return None


def fmt_layer(layer: Instance, sizes: Shape) -> str:
    return f"{layer.type.name}[{', '.join(fmt_dim(d) for d in sizes)}]"


def fit_declared_layer(
    api: CheckerPluginInterface, context: Context, built: Type, fail: Callable[[str, Context], None]
) -> Type:
    """``built``, the layer a constructor call at ``context`` gives, where it fits the declared
    type its value goes to (an annotated field or name, the return type); else, where a size
    of the same layer class certainly differs from the declared one, the declared type after a
    ``dfdx-shape`` error at the call naming both and the size at fault."""
    from dfdx_mypy_plugin._where import declared  # (it imports this module)

    layer = get_proper_type(built)
    if (
        not isinstance(context, CallExpr)
        or not isinstance(layer, Instance)
        or not layer.args
        or not layer.type.has_base(MODULE)
    ):
        return built
    target = declared(api, context)
    if target is None:
        return built
    expected, where = target
    if expected.type.fullname != layer.type.fullname or is_subtype(layer, expected):
        return built
    have, want = layer_sizes(layer), layer_sizes(expected)
    if have is None or want is None or len(have) != len(want):
        return built
    bad = [
        i for i, (a, b) in enumerate(zip(have, want, strict=True)) if same_layer_size(a, b) is False
    ]
    if not bad:
        return built
    a, b = fmt_dim(have[bad[0]]), fmt_dim(want[bad[0]])
    name = layer.type.name
    fail(
        f"{name}: builds {fmt_layer(layer, have)}, {where} is {fmt_layer(expected, want)}"
        f" ({a} != {b})",
        context,
    )
    return expected


def declared_layer_checked(
    hook: Callable[[FunctionContext], Type],
) -> Callable[[FunctionContext], Type]:
    """``hook`` (of a call that may build a layer), its result checked against the declared
    type it is the value of (:func:`fit_declared_layer`)."""

    def run(ctx: FunctionContext) -> Type:
        built = hook(ctx)
        api = ctx.api

        def fail(message: str, at: Context) -> None:
            api.fail(message, at, code=DFDX_SHAPE)

        return fit_declared_layer(api, ctx.context, built, fail)

    return run


def positional_to_keyword(sig: CallableType, ctx: FunctionSigContext | MethodSigContext) -> bool:
    """Whether mypy's mapping of a call's arguments to an overload item's parameters puts a
    positional argument on a keyword-only parameter (``dx.zeros(n, d)`` against the item
    ``zeros(shape, /, *, dtype)``): an item that cannot take the call, whose result a rule
    would compute from part of the arguments (a rank the call does not give)."""
    call = ctx.context
    if not isinstance(call, CallExpr):
        return False
    positional = {id(a) for a, k in zip(call.args, call.arg_kinds, strict=True) if k == ARG_POS}
    return any(
        kind.is_named() and not kind.is_positional() and any(id(e) in positional for e in given)
        for kind, given in zip(sig.arg_kinds, ctx.args, strict=True)
    )


def fit_declared_rank(
    api: CheckerPluginInterface,
    op: str,
    context: Context,
    shapes: tuple[Shape, Shape, str],
    types: tuple[Type, Instance],
    fail: Callable[[str, Context], None],
) -> Type:
    """For ``op`` at ``context``, whose result (``types[0]``, of shape ``shapes[0]``) has
    another rank than the tensor type it is declared to be (``types[1]``, of shape
    ``shapes[1]``, ``shapes[2]`` saying what that type is): where the op made that shape (the
    tensor it reads has another shape, or it reads none: a reshape, a reduction, a
    ``keepdims``, an index), the declared type after a ``dfdx-shape`` error at the op; else
    (``h.relu()``) the result as it is: the rank was set before, and mypy's error stands."""
    from dfdx_mypy_plugin._where import _read_tensor_of  # (it imports this module)

    got, expected = types
    have, want, where = shapes
    if not isinstance(context, CallExpr | IndexExpr):
        return got
    read: Expression | None = _read_tensor_of(context)
    before = checked_shape(api, read) if read is not None else None
    if before is not None and tuple(before) == tuple(have):
        return got
    fail(
        f"{op}: gives {fmt(have)}, {where} is {fmt(want)} (rank {len(have)} != {len(want)})",
        context,
    )
    return expected


__all__ = [
    "declared_layer_checked",
    "fit_declared_layer",
    "fit_declared_rank",
    "positional_to_keyword",
]
