"""Layers that give their input back: an empty ``Sequential()`` and ``Identity()``.

A block that chooses its shortcut in ``__init__`` (``self.shortcut = Sequential()``, then a
projection under a condition) holds one of them or the projection; the identity is built with
no size that could be wrong, so a mistake in the shortcut is the projection's.
"""

from __future__ import annotations

from mypy.nodes import CallExpr, Expression, MemberExpr, NameExpr
from mypy.types import Instance, TupleType, Type, UnionType, get_proper_type

_IDENTITY = "dfdx.nn._layers.Identity"
_SEQUENTIAL = "dfdx.nn._containers.Sequential"


def is_identity_call(e: Expression) -> bool:
    """``Sequential()`` or ``Identity()``."""
    if not isinstance(e, CallExpr) or e.args:
        return False
    callee = e.callee
    return isinstance(callee, NameExpr | MemberExpr) and callee.name in ("Sequential", "Identity")


def built_member(t: Type) -> Instance | None:
    """The one member of ``t``, a field's union of modules, that is not an identity (an empty
    ``Sequential``, an ``Identity``): the layer that was built with sizes, which may be
    wrong; None where there is not exactly one."""
    p = get_proper_type(t)
    if not isinstance(p, UnionType):
        return None
    members = [get_proper_type(m) for m in p.items]
    built = [m for m in members if not is_identity_type(m)]
    if len(built) != 1 or not isinstance(built[0], Instance):
        return None
    return built[0]


def is_identity_type(t: Type) -> bool:
    p = get_proper_type(t)
    if not isinstance(p, Instance):
        return False
    if p.type.fullname == _IDENTITY:
        return True
    if p.type.fullname != _SEQUENTIAL or not p.args:
        return False
    layers = get_proper_type(p.args[0])
    return isinstance(layers, TupleType) and not layers.items
