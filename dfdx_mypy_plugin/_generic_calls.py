"""Calls of the user's own functions and methods that are generic over sizes.

``def rope(q: Tensor[B, H, S, D, T], cos: Tensor[S, D, NoneTape])`` called with a ``q`` whose
axes are in another order (``Tensor[B, S, H, D]``) binds ``S`` to ``H`` through ``q`` and to
``S`` through ``cos``: mypy says ``Cannot infer value of type parameter "S"``, naming neither
argument nor size. :func:`checked_generic_call` reports it as a ``dfdx-shape`` error naming the
function, the two arguments, their shapes and the axes that give the size parameter two
sizes, also where each argument that is a local name was assigned (the mistake is in the
value passed, made lines before), and lets the size parameter take anything, so that mypy adds
no error of its own. A module's ``forward`` is checked by :func:`rules.nn.forward_checked`.
"""

from __future__ import annotations

from dataclasses import dataclass

from mypy.argmap import map_actuals_to_formals
from mypy.expandtype import expand_type
from mypy.maptype import map_instance_to_supertype
from mypy.nodes import ARG_NAMED, ARG_POS, CallExpr, Expression
from mypy.plugin import CheckerPluginInterface, FunctionSigContext, MethodSigContext
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    Type,
    TypeOfAny,
    TypeVarId,
    TypeVarType,
    UnpackType,
    get_proper_type,
)

from dfdx_mypy_plugin._types import TENSOR, Unknown, is_int_bound, read_dim, read_tensor
from dfdx_mypy_plugin._where import at_argument
from dfdx_mypy_plugin.codes import DFDX_SHAPE
from dfdx_mypy_plugin.shapes import Dim, fmt, fmt_dim, same_layer_size


@dataclass(frozen=True)
class _Binding:
    """A size parameter bound by one axis of one tensor argument."""

    name: str  # the formal's name
    argument: Expression
    actual: Instance
    axis: int
    size: Dim


def checked_generic_call(ctx: FunctionSigContext | MethodSigContext) -> FunctionLike:
    """The signature of a call of a user's function or method generic over sizes: as declared,
    where its tensor arguments bind each size parameter to one size; else each parameter
    bound to two sizes that certainly differ is reported (:func:`_report`) and then takes
    anything."""
    sig = ctx.default_signature
    context = ctx.context
    if not isinstance(context, CallExpr) or not sig.variables:
        return sig
    free = {v.id: v for v in sig.variables if isinstance(v, TypeVarType) and is_int_bound(v)}
    if not free:
        return sig
    bindings = _bindings(ctx.api, sig, context, set(free))
    known = set(bindings) | _bound_by_type_arguments(ctx.api, sig, context, set(free))
    sig = _unsized_axes_taken(ctx.api, sig, context, known)
    conflicts: dict[TypeVarId, tuple[_Binding, _Binding]] = {}
    for tv, found in bindings.items():
        first = found[0]
        other = next((b for b in found[1:] if same_layer_size(first.size, b.size) is False), None)
        if other is not None:
            conflicts[tv] = (first, other)
    if not conflicts:
        return sig
    name = context.callee.name if hasattr(context.callee, "name") else "the function"
    for tv, (a, b) in conflicts.items():
        _report(ctx.api, context, name, free[tv].name, a, b)
    anything = AnyType(TypeOfAny.special_form)
    loose: dict[TypeVarId, Type] = {tv: anything for tv in _unsure(bindings, conflicts)}
    return sig.copy_modified(
        arg_types=[expand_type(t, loose) for t in sig.arg_types],
        ret_type=expand_type(sig.ret_type, loose),
        variables=[v for v in sig.variables if v.id not in loose],
    )


def _unsized_axes_taken(
    api: CheckerPluginInterface, sig: CallableType, context: CallExpr, bound: set[TypeVarId]
) -> CallableType:
    """``sig`` with each size of a parameter that the argument types plain ``int``, where the
    size parameter there is bound to a known size by the call's other arguments (``bound``),
    made ``Any``: a tensor's axis (``v: Tensor[B, int, D]`` from a declared return, given
    with a ``one_hot(labels, 4)`` of ``Tensor[B, 4]``) or a generic class's type argument (a
    model built from ``int`` sizes, ``DuelingDQN[int, int]``, given with observations of
    ``Tensor[B, L[4], H, W]`` for its ``C``): a size the runtime checks, which mypy would
    otherwise hold to be a second value of the parameter (``Cannot infer value of type
    parameter``). The other arguments still solve the parameter."""
    arg_types = list(sig.arg_types)
    for i, actuals in enumerate(_formal_to_actuals(sig, context)):
        if len(actuals) != 1 or context.arg_kinds[actuals[0]] not in (ARG_POS, ARG_NAMED):
            continue
        formal = get_proper_type(arg_types[i])
        actual = _aligned(formal, api.get_expression_type(context.args[actuals[0]]))
        if not isinstance(formal, Instance) or actual is None:
            continue
        args = list(formal.args)
        for k, (f, a) in enumerate(zip(formal.args, actual.args, strict=True)):
            tv = get_proper_type(f)
            if isinstance(tv, TypeVarType) and tv.id in bound and _plain_int(a):
                args[k] = AnyType(TypeOfAny.special_form)
        if args != list(formal.args):
            arg_types[i] = formal.copy_modified(args=args)
    if all(a is b for a, b in zip(arg_types, sig.arg_types, strict=True)):
        return sig
    return sig.copy_modified(arg_types=arg_types)


def _aligned(formal: Type, actual_type: Type) -> Instance | None:
    """The argument's type with its type arguments in the order of ``formal``'s: a tensor of
    the formal's rank, or an instance of the formal's generic class (a
    subclass's mapped to it); None where they do not line up."""
    actual = get_proper_type(actual_type)
    if not isinstance(formal, Instance) or not isinstance(actual, Instance):
        return None
    if _plain_tensor(formal):
        if not _plain_tensor(actual) or len(actual.args) != len(formal.args):
            return None
        return actual
    if not formal.args or not actual.type.has_base(formal.type.fullname):
        return None
    mapped = map_instance_to_supertype(actual, formal.type)
    return mapped if len(mapped.args) == len(formal.args) else None


def _bound_by_type_arguments(
    api: CheckerPluginInterface, sig: CallableType, context: CallExpr, free: set[TypeVarId]
) -> set[TypeVarId]:
    """The size parameters of ``free`` that a generic class's type argument of the call binds
    to a known size (``online: DuelingDQN[C, A]`` given a ``DuelingDQN[L[4], L[6]]``)."""
    found: set[TypeVarId] = set()
    for i, actuals in enumerate(_formal_to_actuals(sig, context)):
        if len(actuals) != 1 or context.arg_kinds[actuals[0]] not in (ARG_POS, ARG_NAMED):
            continue
        formal = get_proper_type(sig.arg_types[i])
        if not isinstance(formal, Instance) or _plain_tensor(formal):
            continue
        actual = _aligned(formal, api.get_expression_type(context.args[actuals[0]]))
        if actual is None:
            continue
        for f, a in zip(formal.args, actual.args, strict=True):
            tv = get_proper_type(f)
            if not isinstance(tv, TypeVarType) or tv.id not in free:
                continue
            try:
                size = read_dim(a, {})
            except Unknown:
                continue
            if size is not None:
                found.add(tv.id)
    return found


def _plain_int(t: Type) -> bool:
    """A size typed plain ``int`` (not a literal, not an ``Expr``)."""
    p = get_proper_type(t)
    return (
        isinstance(p, Instance) and p.type.fullname == "builtins.int" and p.last_known_value is None
    )


def _formal_to_actuals(sig: CallableType, context: CallExpr) -> list[list[int]]:
    """For each parameter of ``sig``, the call's arguments that go to it."""
    return map_actuals_to_formals(
        context.arg_kinds,
        context.arg_names,
        sig.arg_kinds,
        sig.arg_names,
        lambda i: AnyType(TypeOfAny.special_form),
    )


def _unsure(
    bindings: dict[TypeVarId, list[_Binding]], conflicts: dict[TypeVarId, tuple[_Binding, _Binding]]
) -> set[TypeVarId]:
    """The size parameters not known after a conflict: those bound to two sizes, and those
    that only an argument of a conflict binds (its other sizes may be as wrong: a ``q`` of
    swapped axes binds ``H`` to ``S`` too), so that the result's type brings no second error."""
    involved = {id(b.argument) for pair in conflicts.values() for b in pair}
    return set(conflicts) | {
        tv for tv, found in bindings.items() if all(id(b.argument) in involved for b in found)
    }


def _bindings(
    api: CheckerPluginInterface, sig: CallableType, context: CallExpr, free: set[TypeVarId]
) -> dict[TypeVarId, list[_Binding]]:
    """Each size parameter of ``sig`` (``free``) with the known sizes the call's tensor
    arguments bind it to, axis by axis, in the order of the arguments."""
    found: dict[TypeVarId, list[_Binding]] = {}
    for i, actuals in enumerate(_formal_to_actuals(sig, context)):
        if len(actuals) != 1 or context.arg_kinds[actuals[0]] not in (ARG_POS, ARG_NAMED):
            continue
        formal = get_proper_type(sig.arg_types[i])
        if not _plain_tensor(formal):
            continue
        argument = context.args[actuals[0]]
        actual = get_proper_type(api.get_expression_type(argument))
        if not (
            isinstance(formal, Instance)
            and isinstance(actual, Instance)
            and _plain_tensor(actual)
            and len(actual.args) == len(formal.args)
        ):
            continue
        for axis, (f, a) in enumerate(zip(formal.args[:-1], actual.args[:-1], strict=True)):
            tv = get_proper_type(f)
            if not isinstance(tv, TypeVarType) or tv.id not in free:
                continue
            try:
                size = read_dim(a, {})
            except Unknown:
                continue
            if size is not None:
                name = sig.arg_names[i] or f"argument {i + 1}"
                found.setdefault(tv.id, []).append(_Binding(name, argument, actual, axis, size))
    return found


def generic_bindings(
    api: CheckerPluginInterface, sig: CallableType, context: CallExpr, free: set[TypeVarId]
) -> dict[TypeVarId, list[_Binding]]:
    """:func:`_bindings`: the known sizes the call's tensor arguments bind each of ``free``
    to (a union argument binds none)."""
    return _bindings(api, sig, context, free)


def _plain_tensor(t: Type) -> bool:
    """A tensor type of a known rank (no ``*Shape``)."""
    return (
        isinstance(t, Instance)
        and t.type.fullname == TENSOR
        and not any(isinstance(a, UnpackType) for a in t.args)
    )


def _report(
    api: CheckerPluginInterface, call: CallExpr, function: str, size: str, a: _Binding, b: _Binding
) -> None:
    """The error at the call, and where each argument that is a local name was assigned."""
    x, y = fmt_dim(a.size), fmt_dim(b.size)
    try:
        shape_a, shape_b = fmt(read_tensor(a.actual).shape), fmt(read_tensor(b.actual).shape)
    except Unknown:
        return
    if a.argument is b.argument:
        message = (
            f"{function}: {a.name} gives {size} two sizes: {shape_a} "
            f"(axis {a.axis}: {x}, axis {b.axis}: {y}) ({x} != {y})"
        )
    else:
        message = (
            f"{function}: {a.name} and {b.name} give {size} two sizes: {a.name} is {shape_a} "
            f"(axis {a.axis}: {x}), {b.name} is {shape_b} (axis {b.axis}: {y}) ({x} != {y})"
        )
    api.fail(message, call, code=DFDX_SHAPE)
    arguments = [a.argument] if a.argument is b.argument else [a.argument, b.argument]
    for argument in arguments:
        for text, where in at_argument(api, call, argument, message):
            api.fail(text, where, code=DFDX_SHAPE)
