"""Between mypy's types and the shape rules' shapes.

A concrete tensor type is an ``Instance`` of ``dfdx._tensor.Tensor`` whose args are flat:
``[LiteralType(3), LiteralType(4), Instance(NoneTape)]``. A size is read as an int (a
``Literal``), a symbolic name (an int-bound TypeVar) or None (``Dyn``/``Any``/``int``).
Anything else (an unpacked ``*tuple[...]``, a bool literal, a union) raises :class:`Unknown`,
and the rule that asked returns mypy's default type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mypy.types import (
    AnyType,
    Instance,
    LiteralType,
    ProperType,
    Type,
    TypeOfAny,
    TypeVarType,
    get_proper_type,
)

from dfdx_mypy_plugin.shapes import Dim, Shape

TENSOR = "dfdx._tensor.Tensor"
NONE_TAPE = "dfdx._tensor.NoneTape"
OWNED_TAPE = "dfdx._tensor.OwnedTape"


class Unknown(Exception):
    """A type the plugin does not understand: fall back to mypy's default."""


@dataclass
class TensorType:
    shape: Shape
    tape: ProperType
    syms: dict[str, Type] = field(default_factory=dict)
    """The TypeVar behind each symbolic size, to put back into results."""


def literal_int(t: Type) -> int | None:
    """The value of ``Literal[n]`` (or of an int expression mypy knows as ``Literal[n]?``)."""
    p = get_proper_type(t)
    if isinstance(p, Instance) and p.last_known_value is not None:
        p = p.last_known_value
    if isinstance(p, LiteralType) and p.fallback.type.fullname == "builtins.int":
        value = p.value
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def literal_bool(t: Type) -> bool | None:
    p = get_proper_type(t)
    if isinstance(p, Instance) and p.last_known_value is not None:
        p = p.last_known_value
    if isinstance(p, LiteralType) and isinstance(p.value, bool):
        return p.value
    return None


def is_int_bound(tv: TypeVarType) -> bool:
    bound = get_proper_type(tv.upper_bound)
    return (
        isinstance(bound, Instance)
        and bound.type.has_base("builtins.int")
        and not bound.type.has_base("builtins.bool")
        and not tv.values
    )


def read_dim(t: Type, syms: dict[str, Type]) -> Dim:
    p = get_proper_type(t)
    n = literal_int(p)
    if n is not None:
        if n < 0:
            raise Unknown
        return n
    if isinstance(p, AnyType):
        return None
    if isinstance(p, TypeVarType) and is_int_bound(p):
        syms[p.name] = p
        return p.name
    if isinstance(p, Instance) and p.type.fullname == "builtins.int" and p.last_known_value is None:
        return None
    raise Unknown


def read_tensor(t: Type) -> TensorType:
    """The shape and tape of an exact ``Tensor[...]`` type (not a subclass)."""
    p = get_proper_type(t)
    if not isinstance(p, Instance) or p.type.fullname != TENSOR or not p.args:
        raise Unknown
    syms: dict[str, Type] = {}
    shape = tuple(read_dim(a, syms) for a in p.args[:-1])
    return TensorType(shape, get_proper_type(p.args[-1]), syms)


def is_scalar(t: Type) -> bool:
    p = get_proper_type(t)
    if isinstance(p, LiteralType):
        p = p.fallback
    return isinstance(p, Instance) and (
        p.type.fullname in ("builtins.float", "builtins.int")
        or p.type.has_base("numpy.floating")
        or p.type.has_base("numpy.integer")
    )


def tape_name(tape: ProperType) -> str | None:
    return tape.type.fullname if isinstance(tape, Instance) else None


def merge_tapes(tapes: list[ProperType]) -> ProperType:
    """The tape of an op's result: OwnedTape if any input is traced, NoneTape if none is, the
    shared tape TypeVar of generic code, else Any."""
    if any(tape_name(t) == OWNED_TAPE for t in tapes):
        return next(t for t in tapes if tape_name(t) == OWNED_TAPE)
    rest = [t for t in tapes if tape_name(t) != NONE_TAPE]
    if not rest:
        return tapes[0]
    typevars = [t for t in rest if isinstance(t, TypeVarType)]
    if len(typevars) == len(rest) and len({t.id for t in typevars}) == 1:
        return rest[0]
    return AnyType(TypeOfAny.special_form)


def dim_type(d: Dim, syms: dict[str, Type], int_type: Instance) -> Type:
    if isinstance(d, int):
        return LiteralType(d, int_type)
    if isinstance(d, str) and d in syms:
        return syms[d]
    return AnyType(TypeOfAny.special_form)


def tensor_type(
    template: Instance, shape: Shape, tape: Type, syms: dict[str, Type], int_type: Instance
) -> Instance:
    """A ``Tensor[...]`` of ``shape`` and ``tape``, built on ``template``'s TypeInfo."""
    args = [dim_type(d, syms, int_type) for d in shape]
    return Instance(template.type, [*args, tape])
