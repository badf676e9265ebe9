"""A user's generic function called with a value joined from several paths.

``out`` bound in both branches of ``if self.stride == 1: ... else: ...`` holds a ``Tensor[N,
(CI+1)//2+CO//2, H, W] | Tensor[N, 2*(CO//2), H2, W2]``: each path's value is right under
the condition that selects it. Passed to the user's ``def channel_shuffle(x: Tensor[N, C, H, W,
T], groups: int) -> Tensor[N, C, H, W, T]``, mypy solves ``C`` once for the whole union and
fails (``Cannot infer value of type parameter "C"``, or an ``arg-type`` error), though the
function takes each member. As for an op on such a value (mypy checks an operator once per
member; :mod:`dfdx_mypy_plugin._joined_values`), the call is taken once per member: its
signature takes the union, and its result is the union of what it gives for each member.
"""

from __future__ import annotations

from mypy.argmap import map_actuals_to_formals
from mypy.expandtype import expand_type
from mypy.nodes import ARG_NAMED, ARG_POS, CallExpr
from mypy.plugin import CheckerPluginInterface, FunctionSigContext, MethodSigContext
from mypy.subtypes import is_same_type
from mypy.typeops import make_simplified_union
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    Type,
    TypeOfAny,
    TypeVarId,
    TypeVarType,
    UnionType,
    UnpackType,
    get_proper_type,
)

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._generic_calls import generic_bindings
from dfdx_mypy_plugin._joined_values import may_be_held_equal
from dfdx_mypy_plugin._types import TENSOR, Unknown, read_dim, read_tensor
from dfdx_mypy_plugin._where import declared
from dfdx_mypy_plugin.codes import DFDX_SHAPE
from dfdx_mypy_plugin.shapes import Dim, fmt, fmt_dim, same_layer_size

_MEMBERS = 8
"""At most so many members in a joined argument (a loop's union of many layers' values is
left to mypy)."""


def joined_argument_accepted(ctx: FunctionSigContext | MethodSigContext) -> CallableType:
    """The call's signature, where one tensor argument is a union of tensor types of the
    formal's rank whose members bind a size parameter of the function (one no other argument
    binds) to different sizes: that parameter taken from each member in turn (the formal
    takes the union, the result is the union of the results); a size another argument
    binds, to one a path certainly does not have, is reported (:func:`_report_paths`); else
    as declared."""
    sig = ctx.default_signature
    context = ctx.context
    if not isinstance(context, CallExpr) or not sig.variables:
        return sig
    formal_of = map_actuals_to_formals(
        context.arg_kinds,
        context.arg_names,
        sig.arg_kinds,
        sig.arg_names,
        lambda i: AnyType(TypeOfAny.special_form),
    )
    sizes = {v.id for v in sig.variables if isinstance(v, TypeVarType)}
    joined: tuple[int, list[dict[TypeVarId, Type]], list[Instance]] | None = None
    bound_elsewhere: set[TypeVarId] = set()
    for i, actuals in enumerate(formal_of):
        formal = get_proper_type(sig.arg_types[i])
        if len(actuals) != 1 or context.arg_kinds[actuals[0]] not in (ARG_POS, ARG_NAMED):
            bound_elsewhere |= _variables_in(sig.arg_types[i], sizes)
            continue
        members = _members(ctx.api.get_expression_type(context.args[actuals[0]]))
        bindings = _bindings(formal, members, sizes) if members is not None else None
        if bindings is None or joined is not None:
            bound_elsewhere |= _variables_in(sig.arg_types[i], sizes)
            continue
        joined = (i, bindings, members or [])
    if joined is None:
        return sig
    i, bindings, members = joined
    varying = _varying(bindings)
    differ = varying - bound_elsewhere
    wrong = _report_paths(ctx, sig, context, i, members, varying & bound_elsewhere)
    if not varying:
        return sig
    # the joined formal takes every path; a size another argument binds is that argument's
    # (mypy solves it from there), one no argument binds is each path's own
    anything = AnyType(TypeOfAny.special_form)
    unknown: dict[TypeVarId, Type] = {tv: anything for tv in wrong}
    results = [
        expand_type(sig.ret_type, {**{tv: b[tv] for tv in differ}, **unknown}) for b in bindings
    ]
    arg_types = [expand_type(t, unknown) for t in sig.arg_types]
    arg_types[i] = expand_type(arg_types[i], {tv: anything for tv in varying})
    differ |= wrong
    return sig.copy_modified(
        arg_types=arg_types,
        ret_type=_declared_where_a_path_fits(ctx, context, make_simplified_union(results)),
        variables=[v for v in sig.variables if v.id not in differ],
    )


def _varying(bindings: list[dict[TypeVarId, Type]]) -> set[TypeVarId]:
    """The type variables that two paths bind to different types. A path whose size is
    ``Any`` (a call the plugin reported, whose result left that size unknown) fits any other
    path's and does not make the variable vary."""
    out: set[TypeVarId] = set()
    for tv in bindings[0]:
        known = [b[tv] for b in bindings if not isinstance(get_proper_type(b[tv]), AnyType)]
        if any(not is_same_type(k, known[0]) for k in known[1:]):
            out.add(tv)
    return out


def _declared_where_a_path_fits(
    ctx: FunctionSigContext | MethodSigContext, context: CallExpr, result: Type
) -> Type:
    """``result``, the union of the call's results for the paths its argument is joined
    from, or the declared tensor type the call's value goes to (a ``return``, an annotated
    name), with the call's tape, where the result of one path fits it and every other path's
    is its rank and differs from it only in sizes a condition the checker does not read may
    make equal: two of its names taken as one (:func:`_equal_where_names_are`), or sizes of
    the module alone, which the module's configuration fixes (:func:`_module_sizes_only`).
    In ShuffleNet's block, ``if self.stride == 1`` keeps half the input's channels,
    ``(CI+1)//2+CO//2``, which is ``CO`` where the input's channels are the output's; a path
    through a branch built only for the other stride gives ``CI+CO//2``. A path of another
    rank or tape, another literal size (``64`` for ``32``), or a size of the input's that a
    module's condition cannot fix (``32*H*W`` for ``32``: the map flattened, not pooled)
    keeps the union (and mypy's error)."""
    members = _members(result)
    target = declared(ctx.api, context)
    if members is None or target is None:
        return result
    want = target[0]
    try:
        wanted = read_tensor(want).shape
        found = [read_tensor(m) for m in members]
    except Unknown:
        return result
    if any(len(f.shape) != len(wanted) or not is_same_type(f.tape, found[0].tape) for f in found):
        return result
    fitting = [all(_fits(a, b) for a, b in zip(f.shape, wanted, strict=True)) for f in found]
    module_sizes = _module_sizes(ctx.api)
    if not any(fitting) or not all(
        _equal_where_names_are(a, b) or _module_sizes_only(a, b, module_sizes)
        for f in found
        for a, b in zip(f.shape, wanted, strict=True)
    ):
        return result
    return want.copy_modified(args=[*want.args[:-1], members[0].args[-1]])


def _module_sizes(api: CheckerPluginInterface) -> set[str]:
    """The names of the size type variables of the class whose method is being checked."""
    scope = getattr(api, "scope", None)
    info = scope.enclosing_class() if scope is not None else None
    return set(info.type_vars) if info is not None else set()


def _module_sizes_only(a: Dim, b: Dim, module_sizes: set[str]) -> bool:
    """Whether ``a`` and ``b`` are both written with the module's sizes alone (its size type
    variables, its ``int`` arguments: lower-case names), and are not two literals."""
    if not isinstance(a, str):
        return False
    names = shapes.size_names(a) | (shapes.size_names(b) if isinstance(b, str) else set())
    return all(n in module_sizes or not n.isupper() for n in names)


def _fits(a: Dim, b: Dim) -> bool:
    """Whether a path's size ``a`` is the declared ``b``: equal, ``b`` not known, or equal where
    divisions are exact (:func:`shapes.fits_declared`)."""
    return a == b or b is None or shapes.fits_declared(a, b)


def _equal_where_names_are(a: Dim, b: Dim) -> bool:
    """Whether ``a`` fits ``b`` (:func:`_fits`), is not known, or fits it where two of its
    names are one size, or a name is ``b``'s literal (a condition may hold two of a module's
    sizes equal: ``(CI+1)//2+CO//2`` is ``CO`` where ``CI`` is)."""
    if a is None or _fits(a, b):
        return True
    if not isinstance(a, str):
        return False
    names = shapes.size_names(a)
    if isinstance(b, int):
        return len(names) == 1 and shapes.dim_substitute(a, {n: b for n in names}) == b
    others = names | (shapes.size_names(b) if isinstance(b, str) else set())
    for name in names:
        for other in others - {name}:
            values: dict[str, Dim] = {n: n for n in names}
            values[name] = other
            if _fits(shapes.dim_substitute(a, values), b):
                return True
    return False


def _report_paths(
    ctx: FunctionSigContext | MethodSigContext,
    sig: CallableType,
    context: CallExpr,
    joined: int,
    members: list[Instance],
    tvs: set[TypeVarId],
) -> set[TypeVarId]:
    """The size parameters of ``tvs`` that another argument binds to a size one path of the
    joined argument certainly does not have (two literals, or sizes that differ for every
    value of the module's: ``64`` and ``32``), each reported at the call; a path whose size
    a condition may hold equal to it (two names, a name and a literal) is taken."""
    if not tvs:
        return set()
    found = generic_bindings(ctx.api, sig, context, tvs)
    name = getattr(context.callee, "name", "the function")
    formal = sig.arg_names[joined] or f"argument {joined + 1}"
    wrong: set[TypeVarId] = set()
    for tv, bound in found.items():
        other = bound[0]
        formal_type = get_proper_type(sig.arg_types[joined])
        assert isinstance(formal_type, Instance)
        axis = next(k for k, a in enumerate(formal_type.args) if tv in _variables_in(a, {tv}))
        for member in members:
            try:
                size = read_dim(member.args[axis], {})
            except Unknown:
                continue
            if size is None or same_layer_size(size, other.size) is not False:
                continue
            if may_be_held_equal(size, other.size) or shapes.grows_apart(size, other.size):
                continue
            x, y = fmt_dim(size), fmt_dim(other.size)
            message = (
                f"{name}: {formal} and {other.name} give {_variable_name(sig, tv)} two sizes: "
                f"{formal} is {fmt_shape(member)} on one of the paths it is joined from (axis "
                f"{axis}: {x}), {other.name} is {fmt_shape(other.actual)} (axis {other.axis}: "
                f"{y}) ({x} != {y})"
            )
            ctx.api.fail(message, context, code=DFDX_SHAPE)
            wrong.add(tv)
            break
    return wrong


def _variable_name(sig: CallableType, tv: TypeVarId) -> str:
    return next((v.name for v in sig.variables if v.id == tv), "a size")


def fmt_shape(t: Instance) -> str:
    try:
        return fmt(read_tensor(t).shape)
    except Unknown:
        return "a tensor"


def _members(t: Type) -> list[Instance] | None:
    """The members of a union of tensor types of known rank; None for anything else."""
    p = get_proper_type(t)
    if not isinstance(p, UnionType) or len(p.items) > _MEMBERS:
        return None
    members = [get_proper_type(m) for m in p.items]
    tensors = [m for m in members if _plain_tensor(m)]
    return tensors if len(tensors) == len(members) else None  # type: ignore[return-value]


def _plain_tensor(t: Type) -> bool:
    return (
        isinstance(t, Instance)
        and t.type.fullname == TENSOR
        and not any(isinstance(a, UnpackType) for a in t.args)
    )


def _bindings(
    formal: Type, members: list[Instance], sizes: set[TypeVarId]
) -> list[dict[TypeVarId, Type]] | None:
    """For each member, the type each of the formal's type variables takes from it (axis by
    axis, the tape too); None where the formal is not a tensor of the members' rank whose
    axes are type variables or fixed types."""
    if not _plain_tensor(formal):
        return None
    assert isinstance(formal, Instance)
    out: list[dict[TypeVarId, Type]] = []
    for member in members:
        if len(member.args) != len(formal.args):
            return None
        found: dict[TypeVarId, Type] = {}
        for f, a in zip(formal.args, member.args, strict=True):
            tv = get_proper_type(f)
            if isinstance(tv, TypeVarType) and tv.id in sizes:
                if tv.id in found and not is_same_type(found[tv.id], a):
                    return None  # the member binds it to two sizes itself: mypy's error
                found[tv.id] = a
        out.append(found)
    return out


def _variables_in(t: Type, sizes: set[TypeVarId]) -> set[TypeVarId]:
    p = get_proper_type(t)
    if isinstance(p, TypeVarType):
        return {p.id} & sizes
    if isinstance(p, Instance):
        return {tv for a in p.args for tv in _variables_in(a, sizes)}
    if isinstance(p, UnionType):
        return {tv for a in p.items for tv in _variables_in(a, sizes)}
    if isinstance(p, UnpackType):
        return _variables_in(p.type, sizes)
    return set()
