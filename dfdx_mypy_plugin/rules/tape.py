"""backward(): only on a traced (OwnedTape), 0-d tensor."""

from __future__ import annotations

from mypy.types import Type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import NONE_TAPE, tape_name
from dfdx_mypy_plugin.codes import DFDX_TAPE
from dfdx_mypy_plugin.rules import Call, rule


@rule("backward", methods=("backward",))
def backward(call: Call) -> Type:
    x = call.tensor(0)
    if tape_name(x.tape) == NONE_TAPE:
        call.fail(shapes.TAPE_NEEDED, DFDX_TAPE)
    shapes.scalar_for_backward(x.shape)
    return call.default
