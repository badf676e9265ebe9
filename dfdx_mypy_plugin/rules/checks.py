"""ensure_shape: a run-time checked static shape.

``x.ensure_shape(4, 30)`` is ``Tensor[L[4], L[30], Tape]`` whatever ``x``'s type said of its
rank (a ``DynTensor`` from ``dx.tensor(array)`` included): the runtime vouches for it. Sizes
are read as everywhere (literals, folded arithmetic, ``Final`` constants, TypeVars); a ``None``
or an ``int`` not known at check time keeps that axis's known size, or ``Dyn``. Where ``x``'s
shape is known it is checked against the sizes given.
"""

from __future__ import annotations

from mypy.types import Instance, NoneType, Type, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import TENSOR, Unknown, literal_bool
from dfdx_mypy_plugin.rules import Call, rule


@rule("ensure_shape", methods=("ensure_shape",), functions=("dfdx.ops.checks.ensure_shape",))
def ensure_shape(call: Call) -> Type:
    expected = tuple(_expected_size(call, i) for i in range(1, len(call.operands)))
    try:
        x = call.tensor(0)
    except Unknown:
        return call.result(expected, _tape(call.operands[0]))  # rank not known: as stated
    shape = shapes.ensure(call.op, x.shape, expected)
    return call.result(shape, x.tape, x)


def _tape(t: Type) -> Type:
    p = get_proper_type(t)
    if not isinstance(p, Instance) or p.type.fullname != TENSOR or not p.args:
        raise Unknown
    return p.args[-1]


def _expected_size(call: Call, i: int) -> shapes.Dim:
    t = call.operands[i]
    if isinstance(get_proper_type(t), NoneType):
        return None
    if literal_bool(t) is not None:
        raise Unknown  # the runtime rejects it
    n = call.size(i)
    if isinstance(n, int) and n < 0:
        raise Unknown
    return n
