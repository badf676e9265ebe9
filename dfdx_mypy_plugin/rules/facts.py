"""Facts about a tensor that the plugin knows from its type: ``x.size()`` (a tuple of literal
sizes), ``x.size(axis)``, ``x.dim()`` and ``x.numel()`` as ``Literal`` ints where the sizes
are literals, ``int`` where they are not."""

from __future__ import annotations

from mypy.types import AnyType, LiteralType, TupleType, Type, TypeOfAny

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import Unknown, literal_int
from dfdx_mypy_plugin.rules import Call, rule


def _int_type(call: Call, d: shapes.Dim) -> Type:
    int_type = call.api.named_generic_type("builtins.int", [])
    return LiteralType(d, int_type) if isinstance(d, int) else int_type


@rule("size", methods=("size",))
def size(call: Call) -> Type:
    x = call.tensor(0)
    if len(call.operands) == 1:
        fallback = call.api.named_generic_type("builtins.tuple", [AnyType(TypeOfAny.special_form)])
        return TupleType([_int_type(call, d) for d in x.shape], fallback)
    axis = literal_int(call.operands[1])
    if axis is None:
        raise Unknown
    return _int_type(call, x.shape[shapes.normalize_axis(call.op, x.shape, axis)])


@rule("dim", methods=("dim",))
def dim(call: Call) -> Type:
    return _int_type(call, len(call.tensor(0).shape))


@rule("numel", methods=("numel",))
def numel(call: Call) -> Type:
    return _int_type(call, shapes.product(call.tensor(0).shape))
