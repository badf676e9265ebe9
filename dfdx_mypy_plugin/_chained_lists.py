"""A ``ModuleList`` of modules that differ, applied member after member in a loop.

A postnet or decoder keeps its layers in a list built in ``__init__`` and threads one value
through them in ``forward``::

    self.convs = ModuleList(
        [ConvBN(n_mels, dim, 5)]
        + [ConvBN(dim, dim, 5) for _ in range(n_convs - 2)]
        + [ConvBN(dim, n_mels, 5)]
    )
    ...
    for conv in self.convs:        # or: for i, conv in enumerate(self.convs)
        x = dx.tanh(conv(x))

The list's element type is the members' join (``ConvBN[Any, Any]``, or ``Module``), so the
call of a member knows none of their sizes. Where the list is built from its members in order
(list displays, comprehensions, a ``+`` of these, ``*helper(...)`` of a helper's layers, or a
local list built by a display, ``append``, ``extend`` and ``+=``: :func:`listed_items`) and
a method of the class (or the function that builds it) applies its members in turn (a
``for`` over it, or over ``enumerate`` of it, whose body assigns ``x = ...`` from a call of
the member on ``x``), the members are checked as a chain, as a ``Sequential``'s layers are:
a member that does not take the size the one before it gives is reported on the lines of both
(the member of a comprehension counted once: the chain of its copies is checked where the
list is called, :func:`dfdx_mypy_plugin._where._self_chained`).
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.argmap import map_actuals_to_formals
from mypy.checker import TypeChecker
from mypy.nodes import (
    AssignmentStmt,
    CallExpr,
    ClassDef,
    Expression,
    ForStmt,
    FuncDef,
    GeneratorExpr,
    IndexExpr,
    IntExpr,
    ListComprehension,
    ListExpr,
    MemberExpr,
    MypyFile,
    NameExpr,
    OperatorAssignmentStmt,
    OpExpr,
    StarExpr,
    Statement,
    TupleExpr,
    TypeInfo,
    Var,
)
from mypy.plugin import FunctionContext
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    Type,
    TypeOfAny,
    TypeVarType,
    get_proper_type,
)

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._debug import DEBUG
from dfdx_mypy_plugin._factories import factory_items
from dfdx_mypy_plugin._joined_values import expressions_in
from dfdx_mypy_plugin._listed import listed_items
from dfdx_mypy_plugin._types import MODULE, Unknown, read_dim
from dfdx_mypy_plugin._where import walk
from dfdx_mypy_plugin.codes import DFDX_SHAPE
from dfdx_mypy_plugin.shapes import layer_of


def chained_module_list(ctx: FunctionContext) -> Type:
    """The hook of ``ModuleList(...)``: its members checked as a chain where it is applied
    in turn (the module docstring); the type is mypy's (and the signature hook's)."""
    try:
        _check_chain(ctx)
    except Exception:
        if DEBUG:
            raise
    return ctx.default_return_type


def _check_chain(ctx: FunctionContext) -> None:
    from dfdx_mypy_plugin.rules.nn import _chain_link  # (it imports this module)
    from dfdx_mypy_plugin.shapes.layers import sequential_mismatch

    api = ctx.api
    call = ctx.context
    if not isinstance(api, TypeChecker) or not isinstance(call, CallExpr) or len(call.args) != 1:
        return
    target = _target(api, call)
    if target is None:
        return
    loop = _chaining_loop(api, target)
    if loop is None:
        return
    members = _members(api, call.args[0])
    if members is None or len(members) < 2:
        return
    links = [_chain_link(t, _built_sizes(api, t, place)) for t, place in members]
    shown = _shown(target)
    chain = (f"ModuleList {shown}, applied in turn at line {loop.line}", "member")
    mismatch = sequential_mismatch(links, chain)
    if mismatch is None:
        return
    for i in (mismatch.index, mismatch.source):
        place = members[i - 1][1]
        api.fail(mismatch.message, place if place is not None else call, code=DFDX_SHAPE)


def _shown(target: Expression) -> str:
    if isinstance(target, MemberExpr) and isinstance(target.expr, NameExpr):
        return f"{target.expr.name}.{target.name}"
    return target.name if isinstance(target, NameExpr) else "list"


def _target(api: TypeChecker, call: CallExpr) -> MemberExpr | NameExpr | None:
    """Where the list goes: ``self.convs`` or a local name, assigned the call itself."""
    function = api.scope.current_function()
    if function is None:
        return None
    for stmt in walk(function.body.body):
        if isinstance(stmt, AssignmentStmt) and stmt.rvalue is call and len(stmt.lvalues) == 1:
            lvalue = stmt.lvalues[0]
            if isinstance(lvalue, MemberExpr) and isinstance(lvalue.expr, NameExpr):
                return lvalue
            if isinstance(lvalue, NameExpr):
                return lvalue
    return None


def _chaining_loop(api: TypeChecker, target: MemberExpr | NameExpr) -> ForStmt | None:
    """The first loop that applies the list's members in turn: in the class's methods for a
    field of ``self``, in the building function for a local name."""
    bodies: list[list[Statement]] = []
    if isinstance(target, MemberExpr):
        info = api.scope.enclosing_class()
        if info is None:
            return None
        bodies = [s.body.body for s in _methods(info.defn)]
    else:
        function = api.scope.current_function()
        bodies = [function.body.body] if function is not None else []
    for body in bodies:
        for stmt in walk(body):
            if isinstance(stmt, ForStmt) and _chains(stmt, target):
                return stmt
    return None


def _methods(cls: ClassDef) -> list[FuncDef]:
    out: list[FuncDef] = []
    for stmt in cls.defs.body:
        if isinstance(stmt, FuncDef):
            out.append(stmt)
        elif type(stmt).__name__ == "Decorator":
            func = getattr(stmt, "func", None)
            if isinstance(func, FuncDef):
                out.append(func)
    return out


def _chains(loop: ForStmt, target: MemberExpr | NameExpr) -> bool:
    """Whether ``loop`` runs over the list (``for m in L``, ``for i, m in enumerate(L)``) and
    assigns a name from a call of the member on that name (``x = m(x)``, ``x =
    dx.tanh(m(x))``)."""
    iterated, member = loop.expr, loop.index
    if (
        isinstance(iterated, CallExpr)
        and isinstance(iterated.callee, NameExpr)
        and iterated.callee.name == "enumerate"
        and len(iterated.args) == 1
        and isinstance(member, TupleExpr)
        and len(member.items) == 2
    ):
        iterated, member = iterated.args[0], member.items[1]
    if not _names(iterated, target) or not isinstance(member, NameExpr):
        return False
    threaded = _threaded(loop, member)
    if threaded is None:
        return False
    for stmt in walk(loop.body.body):  # nothing else may change the value's sizes
        if (
            isinstance(stmt, AssignmentStmt)
            and any(isinstance(v, NameExpr) and v.name == threaded for v in stmt.lvalues)
            and not all(_keeps(e, threaded, member) for e in expressions_in(stmt.rvalue))
        ):
            return False
    return True


def _threaded(loop: ForStmt, member: NameExpr) -> str | None:
    """The name the loop's body assigns from a call of the member on it (``x = m(x)``)."""
    for stmt in walk(loop.body.body):
        if not isinstance(stmt, AssignmentStmt) or len(stmt.lvalues) != 1:
            continue
        x = stmt.lvalues[0]
        if isinstance(x, NameExpr) and any(
            _applies(e, member, x.name) for e in expressions_in(stmt.rvalue)
        ):
            return x.name
    return None


def _applies(e: Expression, member: NameExpr, x: str) -> bool:
    return (
        isinstance(e, CallExpr)
        and isinstance(e.callee, NameExpr)
        and e.callee.name == member.name
        and bool(e.args)
        and isinstance(e.args[0], NameExpr)
        and e.args[0].name == x
    )


def _keeps(e: Expression, x: str, member: NameExpr) -> bool:
    """Whether ``e``, in a value assigned to the threaded name, is no call of another module
    that may change its sizes between two members (an interleaved ``self.down[i](x)``): the
    member's own call, a function of a module (``dx.tanh``, ``F.relu``) or of the file, a
    method of the value (``x.relu()``), and a field holding a layer that keeps its input's
    shape (``self.act``, a ``ReLU``) are such calls; none that reshapes (``x.flatten(1)``,
    ``x.transpose(1, 2)``) is."""
    if not isinstance(e, CallExpr):
        return True
    callee = e.callee
    if isinstance(callee, NameExpr):
        return callee.name == member.name or isinstance(callee.node, FuncDef | TypeInfo)
    if not isinstance(callee, MemberExpr) or callee.name in _RESHAPING:
        return False
    owner = callee.expr
    if not isinstance(owner, NameExpr):
        return not isinstance(owner, IndexExpr | MemberExpr)  # a method of a value
    if isinstance(owner.node, MypyFile) or owner.name == x:
        return True
    field = callee.node if isinstance(callee.node, Var) else _field(owner, callee.name)
    t = get_proper_type(field.type) if field is not None else None
    spec = layer_of(t.type.fullname) if isinstance(t, Instance) else None
    return spec is not None and spec.keeps_shape


def _names(e: Expression, target: MemberExpr | NameExpr) -> bool:
    if isinstance(target, MemberExpr):
        return (
            isinstance(e, MemberExpr)
            and e.name == target.name
            and isinstance(e.expr, NameExpr)
            and isinstance(target.expr, NameExpr)
            and e.expr.name == target.expr.name
        )
    return isinstance(e, NameExpr) and e.name == target.name


def _members(api: TypeChecker, e: Expression) -> list[tuple[Instance, Expression | None]] | None:
    """The list's modules in order, each with the expression that built it (a comprehension's
    element once); None where they are not known."""
    found: list[tuple[Type, Expression | None]] = []
    if isinstance(e, ListExpr | TupleExpr):
        for item in e.items:
            if isinstance(item, StarExpr):
                built = factory_items(api, item.expr)
                if built is None:
                    return None
                found += [(t, item.expr) for t in built]
                continue
            t = api.lookup_type_or_none(item)
            if t is None:
                return None
            found.append((t, item))
    elif isinstance(e, OpExpr) and e.op == "+":
        left, right = _members(api, e.left), _members(api, e.right)
        if left is None or right is None:
            return None
        return left + right
    elif isinstance(e, ListComprehension | GeneratorExpr):
        element = e.generator.left_expr if isinstance(e, ListComprehension) else e.left_expr
        t = api.lookup_type_or_none(element)
        if t is None:
            return None
        found.append((t, element))
    elif isinstance(e, NameExpr):
        listed = listed_items(api, e)
        if listed is None:
            return None
        found += list(zip(listed.types, listed.places, strict=True))
    else:
        return None
    out: list[tuple[Instance, Expression | None]] = []
    for t, place in found:
        p = get_proper_type(t)
        if not isinstance(p, Instance) or not p.type.has_base(MODULE):
            return None
        out.append((p, place))
    return out


_RESHAPING = frozenset(
    {"view", "reshape", "flatten", "unflatten", "permute", "transpose", "swapaxes", "movedim"}
    | {"squeeze", "unsqueeze", "expand", "repeat", "t", "mean", "sum", "max", "min", "amax"}
    | {"amin", "narrow", "split", "chunk", "unfold", "pad", "interpolate", "cat", "stack"}
    | {"pixel_shuffle", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "conv1d", "conv2d"}
    | {"max_pool1d", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "glu"}
    | {"repeat_interleave"}
)
"""Functions and methods that may change a tensor's sizes or axes between two members."""


def _field(owner: NameExpr, name: str) -> Var | None:
    """The field ``name`` of the class of ``owner`` (``self``)."""
    t = get_proper_type(owner.node.type) if isinstance(owner.node, Var) else None
    found = t.type.get(name) if isinstance(t, Instance) else None
    return found.node if found is not None and isinstance(found.node, Var) else None


def _built_sizes(
    api: TypeChecker, module: Instance, built: Expression | None
) -> dict[str, shapes.Dim]:
    """The sizes of a user module's class TypeVars as its construction ``built`` gives them
    (``ConvBN(dim * 2, n_mels, 5)``: ``CI`` is ``2*dim``), where its type does not know them
    (an ``int`` argument of the building function: :func:`_argument_size`)."""
    init = module.type.get_method("__init__")
    sig = init.type if isinstance(init, FuncDef) else None
    if not isinstance(built, CallExpr) or not isinstance(sig, CallableType):
        return {}
    own = {tv.name for tv in module.type.defn.type_vars if isinstance(tv, TypeVarType)}
    kinds, names, types = sig.arg_kinds[1:], sig.arg_names[1:], sig.arg_types[1:]  # (self)
    formals = map_actuals_to_formals(
        built.arg_kinds, built.arg_names, kinds, names, lambda _: AnyType(TypeOfAny.special_form)
    )
    out: dict[str, shapes.Dim] = {}
    for i, actuals in enumerate(formals):
        formal = get_proper_type(types[i])
        if len(actuals) == 1 and isinstance(formal, TypeVarType) and formal.name in own:
            out[formal.name] = _argument_size(api, built.args[actuals[0]])
    return out


def _argument_size(api: TypeChecker, e: Expression) -> shapes.Dim:
    """``e``'s value as a size: a literal, a size TypeVar, an ``int`` argument of the
    building function that it never reassigns (a size named after it), or arithmetic on
    these; None where not known."""
    if isinstance(e, IntExpr):
        return e.value
    if isinstance(e, OpExpr) and e.op in _ARITHMETIC:
        a, b = _argument_size(api, e.left), _argument_size(api, e.right)
        if a is None or b is None:
            return None
        return _ARITHMETIC[e.op](a, b)
    if isinstance(e, NameExpr) and _int_argument(api, e):
        return e.name
    t = api.lookup_type_or_none(e)
    try:
        return read_dim(t, {}) if t is not None else None
    except Unknown:
        return None


_ARITHMETIC: dict[str, Callable[[shapes.Dim, shapes.Dim], shapes.Dim]] = {
    "+": shapes.dim_add,
    "-": lambda a, b: shapes.dim_add(a, b, -1),
    "*": shapes.dim_mul,
    "//": shapes.dim_floordiv,
}


def _int_argument(api: TypeChecker, e: NameExpr) -> bool:
    """Whether ``e`` names an ``int`` argument of the function being checked that its body
    never assigns to."""
    function = api.scope.current_function()
    if function is None or not isinstance(e.node, Var):
        return False
    if e.name not in {a.variable.name for a in function.arguments}:
        return False
    t = get_proper_type(e.node.type)
    if not (isinstance(t, Instance) and t.type.fullname == "builtins.int"):
        return False
    for stmt in walk(function.body.body):
        targets = (
            stmt.lvalues
            if isinstance(stmt, AssignmentStmt)
            else [stmt.lvalue]
            if isinstance(stmt, OperatorAssignmentStmt)
            else []
        )
        if any(isinstance(t, NameExpr) and t.name == e.name for t in targets):
            return False
    return True
