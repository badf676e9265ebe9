"""Matrix products."""

from __future__ import annotations

from mypy.types import Type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import merge_tapes
from dfdx_mypy_plugin.rules import Call, rule


@rule(
    "matmul",
    methods=("__matmul__", "matmul"),
    functions=("dfdx.ops.linalg.matmul",),
)
def matmul(call: Call) -> Type:
    a, b = call.tensor(0), call.tensor(1)
    shape = shapes.matmul(a.shape, b.shape)
    return call.result(shape, merge_tapes([a.tape, b.tape]), a, b)
