"""ensure_shape: a run-time checked static shape."""

from __future__ import annotations

from mypy.types import NoneType, Type, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import Unknown, literal_int
from dfdx_mypy_plugin.rules import Call, rule


@rule("ensure_shape", methods=("ensure_shape",), functions=("dfdx.ops.checks.ensure_shape",))
def ensure_shape(call: Call) -> Type:
    x = call.tensor(0)
    expected = tuple(_expected_size(t) for t in call.operands[1:])
    shape = shapes.ensure(call.op, x.shape, expected)
    return call.result(shape, x.tape, x)


def _expected_size(t: Type) -> shapes.Dim:
    if isinstance(get_proper_type(t), NoneType):
        return None
    n = literal_int(t)
    if n is None or n < 0:
        raise Unknown
    return n
