"""Reductions over ``axis=`` with ``keepdims=``, softmax/log_softmax along an axis, and glu,
which halves its axis."""

from __future__ import annotations

from mypy.types import NoneType, TupleType, Type, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import Unknown, literal_bool, literal_int
from dfdx_mypy_plugin.rules import Call, rule


def _no_bool(call: Call, t: Type, wanted: str, item: bool = False) -> None:
    """A bool (or a tuple holding one) where an axis is wanted: the runtime's TypeError, which
    shows the whole ``axis`` (or, with ``item``, the bool alone, as squeeze's does)."""
    p = get_proper_type(t)
    items = p.items if isinstance(p, TupleType) else [p]
    values = [literal_bool(i) for i in items]
    bools = [v for v in values if v is not None]
    if not bools:
        return
    shown: object = bools[0]
    if isinstance(p, TupleType) and not item:
        shown = tuple(
            v if v is not None else literal_int(i) for v, i in zip(values, items, strict=True)
        )
    raise shapes.ShapeError(shapes.not_an_int(call.op, wanted, shown))


def read_axis(call: Call, wanted: str = shapes.AXES, item: bool = False) -> shapes.Axis:
    """``axis=`` as a literal int, a tuple of literal ints, or None (absent or ``None``); a
    bool in it is the runtime's error, worded ``wanted`` (see :func:`_no_bool`)."""
    if not call.has("axis"):
        return None
    t = get_proper_type(call.arg("axis"))
    if isinstance(t, NoneType):
        return None
    _no_bool(call, t, wanted, item)
    n = literal_int(t)
    if n is not None:
        return n
    if isinstance(t, TupleType):
        items = [literal_int(i) for i in t.items]
        if all(i is not None for i in items):
            return tuple(i for i in items if i is not None)
    raise Unknown


def read_keepdims(call: Call) -> bool:
    if not call.has("keepdims"):
        return False
    value = literal_bool(call.arg("keepdims"))
    if value is None:
        raise Unknown
    return value


def _reduction(call: Call) -> Type:
    x = call.tensor(0)
    shape = shapes.reduce(call.op, x.shape, read_axis(call), read_keepdims(call))
    return call.result(shape, x.tape, x)


for _op in ("sum", "mean", "max", "min", "var", "logsumexp", "norm"):
    rule(_op, methods=(_op,), functions=(f"dfdx.ops.reduce.{_op}",))(_reduction)


def _along_axis(call: Call) -> Type:
    x = call.tensor(0)
    if call.has("axis"):
        _no_bool(call, call.arg("axis"), shapes.AXIS)
    axis = literal_int(call.arg("axis")) if call.has("axis") else -1
    if axis is None:
        raise Unknown
    shapes.normalize_axis(call.op, x.shape, axis)
    return call.result(x.shape, x.tape, x)


for _op in ("softmax", "log_softmax"):
    rule(_op, methods=(_op,), functions=(f"dfdx.ops.reduce.{_op}",))(_along_axis)


@rule("cumsum", methods=("cumsum",), functions=("dfdx.ops.reduce.cumsum",))
def cumsum(call: Call) -> Type:
    """Running sums along ``axis`` (required, as PyTorch's ``dim``): the same shape; an axis
    the tensor does not have is reported."""
    if not call.has("axis"):
        raise Unknown
    return _along_axis(call)


@rule("glu", functions=("dfdx.ops.reduce.glu",))
def glu(call: Call) -> Type:
    """``axis`` (the last by default) halved; an odd size is reported."""
    x = call.tensor(0)
    if call.has("axis"):
        _no_bool(call, call.arg("axis"), shapes.AXIS)
    axis = literal_int(call.arg("axis")) if call.has("axis") else -1
    if axis is None:
        raise Unknown
    return call.result(shapes.glu(call.op, x.shape, axis), x.tape, x)
