"""``ModuleList`` and ``ModuleDict`` holding modules of different sizes or classes.

With the plugin, ``StyledConv(8, 16)`` is ``StyledConv[L[8], L[16]]``, and mypy joins two
instances of one class whose (invariant) type arguments differ to ``object``: a
``ModuleList([StyledConv(8, 16), StyledConv(16, 32)])`` would be rejected (``Value of type
variable "M" of "ModuleList" cannot be "object"``) and its members not callable. Its element
type here is the members' common class with each type argument they differ in taken as
``Any`` (``StyledConv[Any, Any]``; plain mypy, which widens the literals, says
``StyledConv[int, int]``); members of different classes join to their common base as mypy
joins them (``Module``). A member read with a literal index or key (``self.convs[0]``,
``self.heads["cls"]``) from a container built from a list or dict display and never changed
afterwards is that member's own type.
"""

from __future__ import annotations

from collections.abc import Iterator

from mypy.checker import TypeChecker
from mypy.expandtype import expand_type
from mypy.join import join_type_list
from mypy.maptype import map_instance_to_supertype
from mypy.nodes import (
    ARG_NAMED,
    ARG_POS,
    AssignmentStmt,
    CallExpr,
    ClassDef,
    Decorator,
    DelStmt,
    DictExpr,
    DictionaryComprehension,
    Expression,
    ForStmt,
    FuncDef,
    GeneratorExpr,
    IndexExpr,
    IntExpr,
    ListComprehension,
    ListExpr,
    MemberExpr,
    NameExpr,
    OperatorAssignmentStmt,
    OpExpr,
    OverloadedFuncDef,
    SetExpr,
    StarExpr,
    Statement,
    StrExpr,
    TupleExpr,
    UnaryExpr,
)
from mypy.plugin import FunctionSigContext
from mypy.subtypes import is_same_type, is_subtype
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    Type,
    TypeOfAny,
    UnionType,
    get_proper_type,
)

from dfdx_mypy_plugin._debug import DEBUG
from dfdx_mypy_plugin._joined_values import statement_expressions
from dfdx_mypy_plugin._types import MODULE, Unknown, literal_int
from dfdx_mypy_plugin._where import built_by, walk
from dfdx_mypy_plugin.rules import METHOD_RULES, Call, Rule

MODULE_LIST = "dfdx.nn._collections.ModuleList"
MODULE_DICT = "dfdx.nn._collections.ModuleDict"
CONTAINERS = frozenset({MODULE_LIST, MODULE_DICT})


# ---- ModuleList([...]) / ModuleDict({...}): the element type of members that differ --------


def container_signature(ctx: FunctionSigContext) -> FunctionLike:
    """The constructor of a ``ModuleList``/``ModuleDict`` whose members (a list, tuple or dict
    display, or a comprehension) mypy would join to ``object``: it takes any modules and gives
    the container of their :func:`common_form`. Elsewhere (members of one type, members whose
    join is a module, a declared type the call's value goes to) mypy's own inference stands."""
    try:
        return _container_signature(ctx)
    except Exception:
        if DEBUG:
            raise
        return ctx.default_signature


def _container_signature(ctx: FunctionSigContext) -> FunctionLike:
    sig = ctx.default_signature
    api = ctx.api
    if not isinstance(sig, CallableType) or len(sig.variables) != 1:
        return sig
    args = [e for es in ctx.args for e in es]
    if not isinstance(api, TypeChecker) or len(args) != 1:
        return sig
    members = _member_types(api, args[0])
    if members is None or len(members) < 2:
        return sig
    joined = get_proper_type(join_type_list(list(members)))
    if isinstance(joined, Instance) and joined.type.has_base(MODULE):
        return sig
    if not _joined_by_mypy(args[0]) and not any(_users(m) for m in members):
        return sig  # built-in layers in a union: their rules check a loop over them
    element = common_form(members)
    if element is None or _declared_otherwise(api, sig, element):
        return sig
    # the members are checked as modules: a declared element type would be the context of
    # each member's own constructor, which then takes its sizes from it
    var = sig.variables[0]
    bound = {var.id: get_proper_type(var.upper_bound)}
    arg_types = [_narrowed(expand_type(t, bound), args[0]) for t in sig.arg_types]
    return sig.copy_modified(
        arg_types=arg_types,
        ret_type=expand_type(sig.ret_type, {var.id: element}),
        variables=[],
    )


def _declared_otherwise(api: TypeChecker, sig: CallableType, element: Instance) -> bool:
    """Whether the call's value goes to a container declared with another element type
    (``self.convs: ModuleList[Module] = ...``): mypy solves the element type from it. In a
    later pass over a deferred function, the field's type inferred in the first pass is the
    context: it is this element type, and the call is typed as in the first pass."""
    context = api.expr_checker.type_context
    declared = get_proper_type(context[-1]) if context else None
    ret = get_proper_type(sig.ret_type)
    if not isinstance(declared, Instance) or not isinstance(ret, Instance):
        return False
    if declared.type is not ret.type or len(declared.args) != 1:
        return False
    return not is_same_type(declared.args[0], element)


def _narrowed(formal: Type, arg: Expression) -> Type:
    """``ModuleDict``'s ``Mapping[str, M] | Iterable[tuple[str, M]]`` less the pairs where the
    argument is a dict display: mypy infers a display in the context of one type, not of a
    union of two it could be."""
    p = get_proper_type(formal)
    if not isinstance(arg, DictExpr | DictionaryComprehension) or not isinstance(p, UnionType):
        return formal
    kept = [m for m in p.items if not _is_iterable(m)]
    return UnionType(kept, p.line, p.column) if len(kept) < len(p.items) else formal


def _joined_by_mypy(e: Expression) -> bool:
    """Whether mypy types the members of ``e`` by their join (the items of a display), not
    as a union (``[a] + [b]``, a comprehension over a conditional ``b if i else c``)."""
    return isinstance(e, ListExpr | TupleExpr | SetExpr | DictExpr)


def _users(t: Instance) -> bool:
    """Whether ``t`` is a user's module: a call of a union of them is checked against
    each member's ``forward``, which a loop's value (of each member's input in turn) does not
    fit; a union of dfdx's layers is checked by their rules, which allow for it."""
    return not t.type.fullname.startswith("dfdx.")


def _is_iterable(t: Type) -> bool:
    p = get_proper_type(t)
    return isinstance(p, Instance) and p.type.fullname == "typing.Iterable"


def _member_types(api: TypeChecker, e: Expression) -> list[Instance] | None:
    """The distinct types of the modules a display or comprehension ``e`` holds (each member
    of a conditional's union apart), checked here without a type context (errors are left to
    mypy's own check of the call); None where ``e`` is not such an expression or a member is
    not a class instance."""
    items = _displayed(e)
    if items is None:
        return None
    with api.msg.filter_errors():
        api.expr_checker.accept(e)
    found: list[Instance] = []
    for item in items:
        t = api.lookup_type_or_none(item)
        if t is None:
            return None
        p = get_proper_type(t)
        for m in p.items if isinstance(p, UnionType) else [p]:
            m = get_proper_type(m)
            if not isinstance(m, Instance):
                return None
            if not any(is_same_type(m, f) for f in found):
                found.append(m)
    return found


def _displayed(e: Expression) -> list[Expression] | None:
    """The member expressions of a list/tuple/set/dict display (the values of a dict), a
    comprehension (its element), or displays joined by ``+``; None for anything else."""
    if isinstance(e, ListExpr | TupleExpr | SetExpr):
        if any(isinstance(i, StarExpr) for i in e.items):
            return None
        return list(e.items)
    if isinstance(e, DictExpr):
        if any(k is None for k, _ in e.items):
            return None
        return [v for _, v in e.items]
    if isinstance(e, ListComprehension):
        return [e.generator.left_expr]
    if isinstance(e, GeneratorExpr):
        return [e.left_expr]
    if isinstance(e, DictionaryComprehension):
        return [e.value]
    if isinstance(e, OpExpr) and e.op == "+":
        left, right = _displayed(e.left), _displayed(e.right)
        return None if left is None or right is None else left + right
    return None


def common_form(members: list[Instance]) -> Instance | None:
    """The type every member is an instance of: their common class (a base of each that both
    have, the first in the first member's MRO) with each type argument the members differ in
    taken as ``Any``; None where a member is of no common class but ``object``."""
    form: Instance | None = members[0]
    for m in members[1:]:
        form = _common(form, m) if form is not None else None
    if form is None or form.type.fullname == "builtins.object":
        return None
    return form


def _common(a: Instance, b: Instance) -> Instance | None:
    if is_same_type(a, b):
        return a
    for base in a.type.mro:
        if b.type.has_base(base.fullname):
            a_up = map_instance_to_supertype(a, base)
            b_up = map_instance_to_supertype(b, base)
            args: list[Type] = [
                x if is_same_type(x, y) else AnyType(TypeOfAny.special_form)
                for x, y in zip(a_up.args, b_up.args, strict=True)
            ]
            return a_up.copy_modified(args=args)
    return None


# ---- self.convs[0], self.heads["cls"]: the member's own type ---------------------------------


def container_member(call: Call) -> Type:
    """``blocks[i]`` (a literal ``i``) or ``heads[key]`` (a literal string) on a container
    built once from a display and never changed afterwards (no ``append``, ``insert``,
    ``extend``, item assignment or deletion, ``+=``, in the file): the type of the member at
    that place, where it is one of the container's elements."""
    api = call.api
    receiver, key = _receiver(call), _index_expression(call)
    if not isinstance(api, TypeChecker) or receiver is None or key is None:
        raise Unknown
    i = literal_int(call.operands[1]) if len(call.operands) > 1 else None
    member = member_built(api, receiver, key, i)
    member_type = api.lookup_type_or_none(member) if member is not None else None
    if member_type is None or not is_subtype(member_type, call.default):
        raise Unknown
    return member_type


def member_built(
    api: TypeChecker, receiver: Expression, key: Expression, index: int | None = None
) -> Expression | None:
    """The expression that built the member ``receiver[key]`` of a container built once from
    a display (``self.convs = ModuleList([StyledConv(c, c), StyledConv(c, c // 2)])``) and
    never changed afterwards: the error blamed on a member read so is shown on its line."""
    built = built_by(api, receiver)
    if not isinstance(built, CallExpr) or len(built.args) != 1:
        return None
    if not _builds_container(api, built):
        return None
    member = _member_expression(built.args[0], key, index)
    return None if member is None or _changed(api, receiver) else member


def loop_member_built(api: TypeChecker, name: NameExpr) -> Expression | None:
    """The call that built every member of the container that the loop variable ``name``
    runs over (``for block in self.blocks:`` with ``self.blocks = ModuleList([Block(c, c)
    for _ in range(n)])``): the comprehension's element, where each member is built, if
    nothing else changes the container; else None."""
    function = api.scope.current_function()
    loop = _loop_of(function.body.body, name) if function is not None else None
    iterated = _iterated(loop, name) if loop is not None else None
    if iterated is None:
        return None
    built = built_by(api, iterated)
    if not isinstance(built, CallExpr) or len(built.args) != 1:
        return None
    made = built.args[0]
    if not isinstance(made, ListComprehension | GeneratorExpr):
        return None
    element = made.generator.left_expr if isinstance(made, ListComprehension) else made.left_expr
    if not isinstance(element, CallExpr) or not _builds_container(api, built):
        return None
    return None if _changed(api, iterated) else element


def _loop_of(body: list[Statement], name: NameExpr) -> ForStmt | None:
    """The ``for name in ...`` loop (or ``for i, name in ...``) whose body holds the use
    ``name``."""
    for stmt in walk(body):
        targets = (
            stmt.index.items
            if isinstance(stmt, ForStmt) and isinstance(stmt.index, TupleExpr)
            else [getattr(stmt, "index", None)]
        )
        if (
            isinstance(stmt, ForStmt)
            and any(isinstance(t, NameExpr) and t.name == name.name for t in targets)
            and stmt.body.line <= name.line <= (stmt.body.end_line or stmt.line)
        ):
            return stmt
    return None


def _iterated(loop: ForStmt, name: NameExpr) -> Expression | None:
    """The container whose members ``name`` runs over: the loop's iterable where ``name`` is
    its target, the container of ``enumerate(c)`` where ``name`` is the second target, or
    the ``zip`` argument at ``name``'s position (``for layer, mem in zip(self.layers,
    mems)``)."""
    if isinstance(loop.index, NameExpr):
        return loop.expr
    if not isinstance(loop.index, TupleExpr) or not isinstance(loop.expr, CallExpr):
        return None
    at = [
        i for i, t in enumerate(loop.index.items) if isinstance(t, NameExpr) and t.name == name.name
    ]
    call = loop.expr
    callee = call.callee.fullname if isinstance(call.callee, NameExpr) else None
    given = [a for a, k in zip(call.args, call.arg_kinds, strict=True) if k == ARG_POS]
    if len(at) != 1 or any(k not in (ARG_POS, ARG_NAMED) for k in call.arg_kinds):
        return None  # (``start=1``, ``strict=True`` are named)
    if callee == "builtins.enumerate" and at[0] == 1 and len(given) == 1:
        return given[0]
    if callee == "builtins.zip" and len(given) == len(loop.index.items):
        return given[at[0]]
    return None


def _builds_container(api: TypeChecker, built: CallExpr) -> bool:
    t = get_proper_type(api.lookup_type_or_none(built))
    return isinstance(t, Instance) and t.type.fullname in CONTAINERS


def _receiver(call: Call) -> Expression | None:
    context = call.context
    if isinstance(context, IndexExpr):
        return context.base
    if isinstance(context, CallExpr) and isinstance(context.callee, MemberExpr):
        return context.callee.expr
    return None


def _member_expression(built: Expression, key: Expression, i: int | None) -> Expression | None:
    """The expression of the member a literal index ``i`` (or one written as ``key``) or a
    literal string ``key`` selects in the display ``built``."""
    if isinstance(built, ListExpr | TupleExpr):
        if i is None:
            i = _literal_index(key)
        items = built.items
        if i is None or any(isinstance(m, StarExpr) for m in items):
            return None
        return items[i] if -len(items) <= i < len(items) else None
    if isinstance(built, DictExpr) and isinstance(key, StrExpr):
        if any(not isinstance(k, StrExpr) for k, _ in built.items):
            return None
        found = [v for k, v in built.items if isinstance(k, StrExpr) and k.value == key.value]
        return found[-1] if found else None
    return None


def _index_expression(call: Call) -> Expression | None:
    context = call.context
    if isinstance(context, IndexExpr):
        return context.index
    if isinstance(context, CallExpr) and context.args:
        return context.args[0]
    return None


_MUTATORS = frozenset(
    {"append", "extend", "insert", "pop", "update", "clear", "__setitem__", "__delitem__"}
)


def _changed(api: TypeChecker, receiver: Expression) -> bool:
    """Whether anything in the file being checked may change the container ``receiver``
    names (a field ``self.<name>`` of any class, or a name): conservative, by name."""
    for body in _scopes(api.tree.defs):
        for stmt in walk(body):
            if isinstance(stmt, AssignmentStmt):
                targets = list(_flat(stmt.lvalues))
            elif isinstance(stmt, OperatorAssignmentStmt):
                targets = [stmt.lvalue]
                if _same(receiver, stmt.lvalue):
                    return True
            elif isinstance(stmt, DelStmt):
                targets = list(_flat([stmt.expr]))
            else:
                continue
            if any(isinstance(t, IndexExpr) and _same(receiver, t.base) for t in targets):
                return True
        for e in statement_expressions(body):
            if (
                isinstance(e, CallExpr)
                and isinstance(e.callee, MemberExpr)
                and e.callee.name in _MUTATORS
                and _same(receiver, e.callee.expr)
            ):
                return True
    return False


def _scopes(body: list[Statement]) -> Iterator[list[Statement]]:
    """``body`` and the bodies of the classes and functions defined in it, nested or not."""
    yield body
    for stmt in walk(body):
        if isinstance(stmt, ClassDef):
            yield from _scopes(stmt.defs.body)
        elif isinstance(stmt, FuncDef):
            yield from _scopes(stmt.body.body)
        elif isinstance(stmt, Decorator):
            yield from _scopes(stmt.func.body.body)
        elif isinstance(stmt, OverloadedFuncDef):
            for item in stmt.items:
                func = item.func if isinstance(item, Decorator) else item
                yield from _scopes(func.body.body)


def _same(receiver: Expression, e: Expression) -> bool:
    """Whether ``e`` may name the container ``receiver`` names."""
    if isinstance(receiver, MemberExpr):
        return isinstance(e, MemberExpr) and e.name == receiver.name and _self_like(e, receiver)
    return isinstance(receiver, NameExpr) and isinstance(e, NameExpr) and e.name == receiver.name


def _self_like(e: MemberExpr, r: MemberExpr) -> bool:
    """Both on the same kind of owner: ``self.<name>`` (any class, conservatively), or the
    same name."""
    if isinstance(e.expr, NameExpr) and isinstance(r.expr, NameExpr):
        return e.expr.name == r.expr.name or "self" in (e.expr.name, r.expr.name)
    return True


def _flat(exprs: list[Expression]) -> Iterator[Expression]:
    for e in exprs:
        if isinstance(e, TupleExpr | ListExpr):
            yield from _flat(list(e.items))
        else:
            yield e


def _literal_index(e: Expression) -> int | None:
    if isinstance(e, IntExpr):
        return e.value
    if isinstance(e, UnaryExpr) and e.op == "-" and isinstance(e.expr, IntExpr):
        return -e.expr.value
    return None


METHOD_RULES[f"{MODULE_LIST}.__getitem__"] = Rule("ModuleList[i]", container_member)
METHOD_RULES[f"{MODULE_DICT}.__getitem__"] = Rule("ModuleDict[key]", container_member)
