"""Calls of the user's own functions and methods that take tensors: a size the argument
carries as an ``Expr`` equal to the parameter's size where each division is exact.

ShuffleNet halves its channels and concatenates the halves back (``dx.cat([x1,
self.branch(x2)], axis=1)`` of ``C//2`` and ``C//2`` channels: ``2*(C//2)``); attention splits
``D`` features into ``NH`` heads and merges them back (``NH*(D//NH)``). The ops take these sizes
as the module's own (docs/plugin.md: each division is taken as exact, as a generic module's
sizes are meant to be), but mypy holds ``Expr[L["2*(C//2)"]]`` to be another type than ``C``
and rejects ``self.mix(out)`` where ``mix`` takes a ``Tensor[N, C, H, W, T]``. The signature
of such a call takes, on each axis where the parameter's size is fixed (not a type variable
of the callee, which mypy solves from the argument) and the argument's size is equal to it
where divisions are exact (:func:`shapes.equal_where_exact`), the argument's own size; every
other axis, the tape and the other parameters stay as declared, so a size that really differs
(``C//2`` for ``C``) is still reported by mypy.
"""

from __future__ import annotations

from mypy.expandtype import expand_type
from mypy.nodes import ARG_STAR, ARG_STAR2
from mypy.plugin import FunctionSigContext, MethodSigContext
from mypy.types import (
    CallableType,
    FunctionLike,
    Instance,
    Type,
    TypeVarId,
    TypeVarType,
    UnpackType,
    get_proper_type,
)

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._debug import DEBUG
from dfdx_mypy_plugin._types import TENSOR, Unknown, expr_form, is_int_bound, is_tensor, read_dim


def exact_sizes_accepted(ctx: FunctionSigContext | MethodSigContext) -> FunctionLike:
    """The call's signature, each tensor parameter taking the argument's sizes that are equal
    to its own where divisions are exact (the module docstring)."""
    try:
        return _accepted(ctx)
    except Exception:
        if DEBUG:
            raise
        return ctx.default_signature


def _accepted(ctx: FunctionSigContext | MethodSigContext) -> FunctionLike:
    sig = ctx.default_signature
    if not isinstance(sig, CallableType) or not any(is_tensor(t) for t in sig.arg_types):
        return sig
    pairs: list[tuple[int, Instance, Instance]] = []
    for i, formal in enumerate(ctx.args):
        if len(formal) != 1 or sig.arg_kinds[i] in (ARG_STAR, ARG_STAR2):
            continue
        want = get_proper_type(sig.arg_types[i])
        if not (isinstance(want, Instance) and want.type.fullname == TENSOR):
            continue
        have = get_proper_type(ctx.api.get_expression_type(formal[0]))
        if isinstance(have, Instance) and have.type.fullname == TENSOR:
            pairs.append((i, want, have))
    sig = _computed_sizes_solved(sig, [(w, h) for _, w, h in pairs])
    free = {v.id for v in sig.variables}
    arg_types = list(sig.arg_types)
    for i, _, have in pairs:
        want = get_proper_type(arg_types[i])
        if isinstance(want, Instance):
            arg_types[i] = _accepting(want, have, free)
    if all(a is b for a, b in zip(arg_types, sig.arg_types, strict=True)):
        return sig
    return sig.copy_modified(arg_types=arg_types)


def _computed_sizes_solved(
    sig: CallableType, pairs: list[tuple[Instance, Instance]]
) -> CallableType:
    """``sig`` with each size type variable of the callee that a tensor parameter has as a
    whole size, where the argument has a computed size (an ``Expr``) there, set to that
    size: mypy would otherwise solve it from the type the call's value goes to first
    (``return channel_shuffle(out, 2)`` in a ``forward`` declared to return ``C`` channels,
    with ``out`` of ``2*(C//2)``) and then reject the argument. The result has the computed
    size, which a declared type equal to it where divisions are exact takes
    (:func:`_where.fit_value`)."""
    variables = {v.id: v for v in sig.variables if isinstance(v, TypeVarType) and is_int_bound(v)}
    given: dict[TypeVarId, list[Type]] = {}
    for want, have in pairs:
        if len(want.args) != len(have.args) or _has_unpack(want) or _has_unpack(have):
            continue
        for w, h in zip(want.args[:-1], have.args[:-1], strict=True):
            wp = get_proper_type(w)
            if isinstance(wp, TypeVarType) and wp.id in variables:
                given.setdefault(wp.id, []).append(h)
    solved = {
        tv: sizes[0]
        for tv, sizes in given.items()
        if expr_form(get_proper_type(sizes[0])) is not None and _all_equal(sizes)
    }
    if not solved:
        return sig
    expanded = expand_type(sig, solved)
    assert isinstance(expanded, CallableType)
    return expanded.copy_modified(variables=[v for v in sig.variables if v.id not in solved])


def _all_equal(sizes: list[Type]) -> bool:
    """Whether every size an argument gives one type variable is the first's, where divisions
    are exact (two halves of ``chunk(2)``, ``(D+1)//2`` and ``D//2``, are not: mypy then
    solves the variable from both, as without the plugin)."""
    try:
        first, *rest = (read_dim(t, {}) for t in sizes)
    except Unknown:
        return False
    return all(d == first or shapes.equal_where_exact(d, first) for d in rest)


def _has_unpack(t: Instance) -> bool:
    return any(isinstance(a, UnpackType) for a in t.args)


def _accepting(want: Instance, have: Instance, free: set[TypeVarId]) -> Instance:
    """``want`` with each fixed size that ``have`` holds as an equal ``Expr`` replaced by
    ``have``'s (``want`` itself where there is none)."""
    if len(want.args) != len(have.args) or _has_unpack(want) or _has_unpack(have):
        return want
    args = list(want.args)
    for j, (w, h) in enumerate(zip(want.args[:-1], have.args[:-1], strict=True)):
        if _mentions(w, free):
            continue  # the callee's own type variable: mypy solves it from the argument
        hp, wp = get_proper_type(h), get_proper_type(w)
        if expr_form(hp) is None and expr_form(wp) is None:
            continue
        try:
            a, b = read_dim(h, {}), read_dim(w, {})
        except Unknown:
            continue
        if a != b and shapes.equal_where_exact(a, b):
            args[j] = h
    return want if args == list(want.args) else want.copy_modified(args=args)


def _mentions(t: Type, ids: set[TypeVarId]) -> bool:
    """Whether the size ``t`` is one of the type variables ``ids`` (an ``Expr``'s names are
    text, never the callee's type variables)."""
    p = get_proper_type(t)
    return isinstance(p, TypeVarType) and p.id in ids
