"""Elementwise ops of one tensor keep its shape, which their plain signatures already say;
clamp's tensor bounds must broadcast to the input's shape, and a traced bound puts the result
on a tape."""

from __future__ import annotations

from mypy.types import NoneType, ProperType, Type, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import TensorType, is_scalar, merge_tapes, read_tensor
from dfdx_mypy_plugin.rules import Call, rule


@rule("clamp", methods=("clamp",), functions=("dfdx.ops.unary.clamp",))
def clamp(call: Call) -> Type:
    x = call.tensor(0)
    bounds: list[TensorType] = []
    for name in ("min", "max"):
        if not call.has(name):
            continue
        t = call.arg(name)
        if is_scalar(t) or isinstance(get_proper_type(t), NoneType):
            continue
        bound = read_tensor(t)
        shapes.mask_broadcast(call.op, bound.shape, x.shape, name)
        bounds.append(bound)
    tapes: list[ProperType] = [x.tape, *(b.tape for b in bounds)]
    return call.result(x.shape, merge_tapes(tapes), x, *bounds)


@rule("prelu", functions=("dfdx.ops.unary.prelu",))
def prelu(call: Call) -> Type:
    x, weight = call.tensor(0), call.tensor(1)
    shape = shapes.prelu(call.op, x.shape, weight.shape)
    return call.result(shape, merge_tapes([x.tape, weight.tape]), x, weight)
