"""Creation with literal sizes: ``zeros(3, 4)`` is ``Tensor[Literal[3], Literal[4], NoneTape]``;
a size that is not a literal becomes ``Dyn``."""

from __future__ import annotations

from mypy.nodes import Expression, FloatExpr, IntExpr, ListExpr, TupleExpr, UnaryExpr
from mypy.types import Instance, TupleType, Type, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import NONE_TAPE, Unknown, literal_int
from dfdx_mypy_plugin.rules import Call, rule


def _size(t: Type) -> shapes.Dim:
    n = literal_int(t)
    if n is not None and n < 0:
        raise Unknown  # the runtime rejects it; mypy's default stands
    return n


def _none_tape(call: Call) -> Instance:
    template = call.template()
    tape = get_proper_type(template.args[-1]) if template.args else None
    if not isinstance(tape, Instance) or tape.type.fullname != NONE_TAPE:
        raise Unknown
    return tape


def _from_sizes(call: Call) -> Type:
    shape = tuple(_size(t) for t in call.operands)
    return call.result(shape, _none_tape(call))


for _op in ("zeros", "ones", "randn", "rand"):
    rule(_op, functions=(f"dfdx._creation.{_op}",))(_from_sizes)


@rule("arange", functions=("dfdx._creation.arange",))
def arange(call: Call) -> Type:
    """``arange(n)``: ``n`` values; ``arange(start, end, step)`` of literal ints:
    ``len(range(start, end, step))`` values; else ``Dyn``."""
    if len(call.operands) == 1:
        return call.result((_size(call.operands[0]),), _none_tape(call))
    if len(call.operands) != 2:
        raise Unknown
    start, end = (literal_int(t) for t in call.operands)
    step = literal_int(call.arg("step")) if call.has("step") else 1
    if start is None or end is None or step is None:
        return call.result((None,), _none_tape(call))
    return call.result((shapes.arange_size(start, end, step),), _none_tape(call))


@rule("full", functions=("dfdx._creation.full",))
def full(call: Call) -> Type:
    if not call.operands:
        raise Unknown
    t = get_proper_type(call.operands[0])
    if not isinstance(t, TupleType):
        raise Unknown
    return call.result(tuple(_size(i) for i in t.items), _none_tape(call))


def _nested_shape(e: Expression) -> shapes.Shape:
    """The shape of a nested list literal of numbers, or Unknown if it is ragged or not one."""
    if isinstance(e, IntExpr | FloatExpr) or (
        isinstance(e, UnaryExpr) and isinstance(e.expr, IntExpr | FloatExpr)
    ):
        return ()
    if isinstance(e, ListExpr | TupleExpr):
        inner = {_nested_shape(item) for item in e.items}
        if len(inner) > 1:
            raise Unknown
        return (len(e.items), *(inner.pop() if inner else ()))
    raise Unknown


@rule("tensor", functions=("dfdx._creation.tensor",))
def tensor(call: Call) -> Type:
    if not call.operand_exprs or call.operand_exprs[0] is None:
        raise Unknown
    return call.result(_nested_shape(call.operand_exprs[0]), _none_tape(call))
