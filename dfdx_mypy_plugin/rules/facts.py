"""Facts about a tensor that the plugin knows from its type: ``x.size()`` (a tuple of literal
sizes), ``x.size(axis)``, ``x.dim()`` and ``x.numel()`` as ``Literal`` ints where the sizes
are literals (a size that is an int-bound TypeVar stays that TypeVar), ``int`` where they are
not."""

from __future__ import annotations

from mypy.types import AnyType, TupleType, Type, TypeOfAny

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import TensorType, Unknown, dim_type, literal_int
from dfdx_mypy_plugin.rules import Call, rule


def _int_type(call: Call, d: shapes.Dim, x: TensorType | None = None) -> Type:
    """A size as a type: ``Literal[n]``, the TypeVar of a symbolic size, else ``int``."""
    int_type = call.api.named_generic_type("builtins.int", [])
    if isinstance(d, int) or (x is not None and isinstance(d, str) and d in x.syms):
        return dim_type(d, x.syms if x is not None else {}, int_type)
    return int_type


@rule("size", methods=("size",))
def size(call: Call) -> Type:
    x = call.tensor(0)
    if len(call.operands) == 1:
        fallback = call.api.named_generic_type("builtins.tuple", [AnyType(TypeOfAny.special_form)])
        return TupleType([_int_type(call, d, x) for d in x.shape], fallback)
    axis = literal_int(call.operands[1])
    if axis is None:
        raise Unknown
    return _int_type(call, x.shape[shapes.normalize_axis(call.op, x.shape, axis)], x)


@rule("dim", methods=("dim",))
def dim(call: Call) -> Type:
    return _int_type(call, len(call.tensor(0).shape))


@rule("numel", methods=("numel",))
def numel(call: Call) -> Type:
    return _int_type(call, shapes.product(call.tensor(0).shape))
