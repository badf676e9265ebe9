"""Sorting and sampling: sort, argsort, topk, multinomial.

sort and topk return a tuple ``(values, indices)``: the values on the input's tape, the int64
indices on ``NoneTape``; topk's axis becomes ``k`` (a literal int, a size parameter ``k: K``
or arithmetic on sizes, else ``Dyn``). argsort and multinomial return indices only.
"""

from __future__ import annotations

from mypy.types import AnyType, Instance, TupleType, Type, TypeOfAny

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import Unknown, literal_bool, literal_int
from dfdx_mypy_plugin.rules import Call, rule
from dfdx_mypy_plugin.rules.indexing import _none_tape


def _ops(name: str) -> tuple[str, ...]:
    return (f"dfdx.ops.selection.{name}",)


def _int(call: Call, name: str, position: int, default: int | None = None) -> int | None:
    """An int argument by name or position: its literal value, None where it is an int that is
    not a literal; ``default`` where it is absent; Unknown without a default."""
    if call.has(name):
        t = call.arg(name)
    elif position < len(call.operands):
        t = call.operands[position]
    elif default is not None:
        return default
    else:
        raise Unknown
    return literal_int(t)


def _axis(call: Call, position: int) -> int:
    axis = _int(call, "axis", position, -1)
    if axis is None:
        raise Unknown
    return axis


def pair(call: Call, first: Instance, second: Instance) -> TupleType:
    """The type ``tuple[first, second]``."""
    fallback = call.api.named_generic_type("builtins.tuple", [AnyType(TypeOfAny.special_form)])
    return TupleType([first, second], fallback)


@rule("sort", methods=("sort",), functions=_ops("sort"))
def sort(call: Call) -> Type:
    x = call.tensor(0)
    shape = shapes.sort(call.op, x.shape, _axis(call, 1))
    return pair(call, call.result(shape, x.tape, x), call.result(shape, _none_tape(call), x))


@rule("argsort", methods=("argsort",), functions=_ops("argsort"))
def argsort(call: Call) -> Type:
    x = call.tensor(0)
    return call.result(shapes.sort(call.op, x.shape, _axis(call, 1)), _none_tape(call), x)


@rule("topk", methods=("topk",), functions=_ops("topk"))
def topk(call: Call) -> Type:
    x = call.tensor(0)
    k = call.named_size("k") if call.has("k") else call.size(1)
    shape = shapes.topk(x.shape, k, _axis(call, 2))
    return pair(call, call.result(shape, x.tape, x), call.result(shape, _none_tape(call), x))


@rule("multinomial", methods=("multinomial",), functions=_ops("multinomial"))
def multinomial(call: Call) -> Type:
    probs = call.tensor(0)
    n = _int(call, "num_samples", 1)
    replacement: bool | None = False
    if call.has("replacement"):
        replacement = literal_bool(call.arg("replacement"))
    shape = shapes.multinomial(probs.shape, n, replacement)
    return call.result(shape, _none_tape(call), probs)
