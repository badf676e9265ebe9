"""Convolution and pooling over ``(N, C, *spatial)``: conv1d, conv2d, conv_transpose1d,
conv_transpose2d, max_pool1d, max_pool2d, avg_pool1d, avg_pool2d, adaptive_avg_pool1d,
adaptive_max_pool1d, adaptive_avg_pool2d, upsample2d, interpolate.

A parameter (stride, padding, dilation, kernel_size, ...) is read as a literal int or a tuple
of literal ints, or as a symbolic size (a size TypeVar, arithmetic on them: ``padding=(k - 1)
// 2`` with ``k: K``), which makes the sizes that depend on it symbolic (the window's
arithmetic in :func:`shapes.symbolic_window`); an entry that is not known makes them ``Dyn``.
``groups`` that is neither a literal nor a symbolic size skips the channel checks that need
it; a symbolic one (``groups=b``) checks the input channels against the weight's times it.
"""

from __future__ import annotations

from mypy.types import NoneType, TupleType, Type, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import (
    TensorType,
    Unknown,
    dim_of_type,
    literal_bool,
    literal_int,
    literal_str,
    merge_tapes,
    read_tensor,
)
from dfdx_mypy_plugin.rules import Call, rule


def _ops(name: str) -> tuple[str, ...]:
    return (f"dfdx.ops.conv.{name}",)


def _param(call: Call, name: str, spatial: int, default: int, minimum: int) -> shapes.Param:
    """``name`` as one entry per spatial axis (None where not a literal), each checked
    against ``minimum`` by the runtime's rule."""
    if not call.has(name):
        return (default,) * spatial
    t = get_proper_type(call.arg(name))
    if isinstance(t, TupleType):
        if len(t.items) != spatial:
            raise Unknown  # mypy reports the wrong tuple length
        items = tuple(_tuple_item(i, call) for i in t.items)
        if all(isinstance(i, int) for i in items):
            shapes.conv_param(call.op, name, items, spatial, minimum)
        return items
    if isinstance(t, NoneType) or literal_bool(t) is not None:
        raise Unknown
    n = call.named_size(name)  # folded: ``stride=2 * 1``, a ``Final`` constant, ``(k-1)//2``
    if not isinstance(n, int):
        return (n,) * spatial  # symbolic (``K``, ``(K-1)//2``) or None
    return shapes.conv_param(call.op, name, n, spatial, minimum)


def _tuple_item(t: Type, call: Call) -> shapes.Dim:
    """An entry of a tuple argument: a literal int, or a size TypeVar (``(k, k)``)."""
    n = literal_int(t)
    return n if n is not None else dim_of_type(t, call.syms)


def _groups(call: Call) -> shapes.Dim:
    """A literal ``groups``, or a symbolic one (``groups=b`` with ``b`` from ``x.shape``)."""
    if not call.has("groups"):
        return 1
    if literal_bool(call.arg("groups")) is not None:
        raise Unknown
    folded = call.named_size("groups")
    if isinstance(folded, int) and folded < 1:
        raise Unknown  # the runtime reports it
    return folded if isinstance(folded, (int, str)) else None


def _bias(call: Call, channels: shapes.Dim) -> list[TensorType]:
    if not call.has("bias") or isinstance(get_proper_type(call.arg("bias")), NoneType):
        return []
    b = read_tensor(call.arg("bias"))
    shapes.conv_bias(call.op, b.shape, channels)
    return [b]


def _operands(call: Call) -> tuple[TensorType, TensorType]:
    if len(call.operands) != 2:
        raise Unknown
    return call.tensor(0), call.tensor(1)


def _padding(call: Call, spatial: int) -> shapes.Param | shapes.PaddingMode:
    """``padding``: as :func:`_param`, or ``"same"``/``"valid"`` (another word is reported
    as the runtime reports it)."""
    word = literal_str(call.arg("padding")) if call.has("padding") else None
    mode = shapes.padding_mode(call.op, word)
    return _param(call, "padding", spatial, 0, 0) if mode is None else mode


def _conv(call: Call, spatial: int) -> Type:
    x, w = _operands(call)
    stride = _param(call, "stride", spatial, 1, 1)
    padding = _padding(call, spatial)
    dilation = _param(call, "dilation", spatial, 1, 1)
    shape = shapes.conv(call.op, x.shape, w.shape, stride, padding, dilation, _groups(call))
    bias = _bias(call, shape[1])
    tensors = [x, w, *bias]
    return call.result(shape, merge_tapes([t.tape for t in tensors]), *tensors)


@rule("conv1d", functions=_ops("conv1d"))
def conv1d(call: Call) -> Type:
    return _conv(call, 1)


@rule("conv2d", functions=_ops("conv2d"))
def conv2d(call: Call) -> Type:
    return _conv(call, 2)


def _conv_transpose(call: Call, spatial: int) -> Type:
    x, w = _operands(call)
    stride = _param(call, "stride", spatial, 1, 1)
    padding = _param(call, "padding", spatial, 0, 0)
    output_padding = _param(call, "output_padding", spatial, 0, 0)
    dilation = _param(call, "dilation", spatial, 1, 1)
    shape = shapes.conv_transpose(
        call.op, x.shape, w.shape, stride, padding, output_padding, dilation, _groups(call)
    )
    bias = _bias(call, shape[1])
    tensors = [x, w, *bias]
    return call.result(shape, merge_tapes([t.tape for t in tensors]), *tensors)


@rule("conv_transpose1d", functions=_ops("conv_transpose1d"))
def conv_transpose1d(call: Call) -> Type:
    return _conv_transpose(call, 1)


@rule("conv_transpose2d", functions=_ops("conv_transpose2d"))
def conv_transpose2d(call: Call) -> Type:
    return _conv_transpose(call, 2)


def _required_size(call: Call, name: str, spatial: int = 2) -> shapes.Param:
    """The size argument ``name`` (at least 1 per spatial axis); unknown when the call omits
    it (mypy reports the missing argument)."""
    if not call.has(name):
        raise Unknown
    return _param(call, name, spatial, 1, 1)


def _pool(call: Call, spatial: int) -> Type:
    x = call.tensor(0)
    kernel = _required_size(call, "kernel_size", spatial)
    stride = kernel
    if call.has("stride") and not isinstance(get_proper_type(call.arg("stride")), NoneType):
        stride = _param(call, "stride", spatial, 1, 1)
    padding = _param(call, "padding", spatial, 0, 0)
    ceil_mode = literal_bool(call.arg("ceil_mode")) if call.has("ceil_mode") else False
    if ceil_mode is not None:
        shape = shapes.pool(call.op, x.shape, kernel, stride, padding, ceil_mode)
        return call.result(shape, x.tape, x)
    # a ``ceil_mode`` not known: the sizes that do not depend on the rounding
    floor = shapes.pool(call.op, x.shape, kernel, stride, padding, False)
    ceil = shapes.pool(call.op, x.shape, kernel, stride, padding, True)
    shape = tuple(a if a == b else None for a, b in zip(floor, ceil, strict=True))
    return call.result(shape, x.tape, x)


def _pool2d(call: Call) -> Type:
    return _pool(call, 2)


def _pool1d(call: Call) -> Type:
    return _pool(call, 1)


for _op in ("max_pool2d", "avg_pool2d"):
    rule(_op, functions=_ops(_op))(_pool2d)
for _op in ("max_pool1d", "avg_pool1d"):
    rule(_op, functions=_ops(_op))(_pool1d)


@rule("adaptive_avg_pool2d", functions=_ops("adaptive_avg_pool2d"))
def adaptive_avg_pool2d(call: Call) -> Type:
    x = call.tensor(0)
    size = _required_size(call, "output_size")
    return call.result(shapes.adaptive_pool(call.op, x.shape, size), x.tape, x)


def _adaptive_pool1d(call: Call) -> Type:
    """``(N, C, L)`` to ``(N, C, output_size)``."""
    x = call.tensor(0)
    size = _required_size(call, "output_size", 1)
    return call.result(shapes.adaptive_pool(call.op, x.shape, size), x.tape, x)


for _op in ("adaptive_avg_pool1d", "adaptive_max_pool1d"):
    rule(_op, functions=_ops(_op))(_adaptive_pool1d)


@rule("upsample2d", functions=_ops("upsample2d"))
def upsample2d(call: Call) -> Type:
    x = call.tensor(0)
    scale = _required_size(call, "scale_factor")
    return call.result(shapes.upsample(call.op, x.shape, scale), x.tape, x)


@rule("interpolate", functions=_ops("interpolate"))
def interpolate(call: Call) -> Type:
    """To ``size`` (``(N, C, *size)``) or by whole ``scale_factor``s, as ``upsample2d``."""
    x = call.tensor(0)
    given = [n for n in ("size", "scale_factor") if call.has(n) and not _is_none(call, n)]
    if len(given) != 1:
        raise Unknown  # the runtime's ValueError: one of the two
    if given[0] == "size":
        return call.result(
            shapes.adaptive_pool(call.op, x.shape, _param(call, "size", 2, 1, 1)), x.tape, x
        )
    scale = _param(call, "scale_factor", 2, 1, 1)
    return call.result(shapes.upsample(call.op, x.shape, scale), x.tape, x)


def _is_none(call: Call, name: str) -> bool:
    return isinstance(get_proper_type(call.arg(name)), NoneType)
