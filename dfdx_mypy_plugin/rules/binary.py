"""Binary ops with NumPy broadcasting: ``+ - * /``, maximum, minimum."""

from __future__ import annotations

from mypy.types import Type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import Unknown, is_scalar, merge_tapes
from dfdx_mypy_plugin.rules import Call, rule


def _binary(call: Call) -> Type:
    a = call.tensor(0)
    if len(call.operands) < 2:
        raise Unknown
    if is_scalar(call.operands[1]):
        return call.result(a.shape, a.tape, a)
    b = call.tensor(1)
    shape = shapes.broadcast(call.op, a.shape, b.shape)
    return call.result(shape, merge_tapes([a.tape, b.tape]), a, b)


for _op, _dunder in [("add", "add"), ("sub", "sub"), ("mul", "mul"), ("div", "truediv")]:
    rule(
        _op,
        methods=(f"__{_dunder}__", f"__r{_dunder}__", _op),
        functions=(f"dfdx.ops.binary.{_op}",),
    )(_binary)

for _op in ("maximum", "minimum"):
    rule(_op, methods=(_op,), functions=(f"dfdx.ops.binary.{_op}",))(_binary)
