"""A module's ``int`` arguments that are its layers' sizes, read as symbols.

``def __init__(self, ..., kernel_size: int, dilation: int = 1)``, then ``Conv1d(ci, co,
kernel_size, padding=(kernel_size - 1) * dilation, dilation=dilation)`` and a trim
``out[:, :, : -self.pad]`` in ``forward``: mypy types ``kernel_size`` as plain ``int``, but
within one instance it is one value, the same in ``__init__`` and in ``forward``. An ``int``
argument of the ``__init__`` of the class being checked that the body passes to a layer as a
size that is at least 1 is read as a size named after the argument (``"kernel_size"``,
``"hidden"``): a ``dx.nn`` layer's ``kernel_size``, ``stride`` or ``dilation``, its features or
channels (``Linear(dim, hidden)``, ``Conv2d(width, planes * expansion, 1)``), or a user
module's size argument (one its ``__init__`` types with a size TypeVar), given as it is or as a
factor of a product. The window's output size is then a symbolic size (``S+kernel_size-1``,
``(H-1)//stride+1``), a padding that keeps the size folds away, and one that does not is found;
a layer's width is ``hidden`` or ``2*hidden``. Such a name is one value the module may be built
with, not a size of its type: two of them (or one and a size TypeVar) may be equal, so they
differ only where provably different for every value (``hidden`` and ``2*hidden``) or equal only
where one of them is 1 (``H`` and ``(H-1)//stride+1``; :func:`shapes.grows_apart`). An argument
the body assigns to, or one given only as a padding or in a sum (a ``padding: int = 0``, an
``extra: int = 0`` in ``dim + extra``: each may be 0), is not read: it stays ``int``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from mypy.nodes import (
    ARG_POS,
    CallExpr,
    ConditionalExpr,
    Decorator,
    Expression,
    ForStmt,
    FuncDef,
    ListExpr,
    MemberExpr,
    NameExpr,
    OperatorAssignmentStmt,
    OpExpr,
    RefExpr,
    StarExpr,
    TupleExpr,
    TypeInfo,
    Var,
    WithStmt,
)
from mypy.plugin import CheckerPluginInterface
from mypy.types import CallableType, Instance, TypeVarType, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._locals import target_names, unpacked_item
from dfdx_mypy_plugin._types import MODULE
from dfdx_mypy_plugin._where import walk

WINDOW_SIZES = ("kernel_size", "stride", "dilation")
"""A layer's window arguments that are at least 1 (a padding may be 0)."""
LAYER_SIZES = (
    *WINDOW_SIZES,
    "in_features",
    "out_features",
    "in_channels",
    "out_channels",
    "num_features",
    "num_channels",
    "num_groups",
    "normalized_shape",
    "num_embeddings",
    "embedding_dim",
    "output_size",
)
"""A ``dx.nn`` layer's arguments that are sizes of at least 1 (not an axis, not a padding)."""


def window_parameter(api: CheckerPluginInterface, e: Expression) -> str | None:
    """The name of the ``int`` argument of the enclosing class's ``__init__`` that ``e``
    refers to, where the body gives it to a layer as a size (see above); else None."""
    if not isinstance(e, NameExpr) or not isinstance(e.node, Var):
        return None
    init = _init(api)
    if init is not None and any(arg.variable is e.node for arg in init.arguments):
        return e.name if e.name in _window_parameters(init) else None
    function = _function(api)
    # by name: a function generic over a TypeVar with values is checked as copies, whose
    # arguments are other ``Var``s (never assigned in the body: _view_parameters)
    if function is not None and any(arg.variable.name == e.name for arg in function.arguments):
        return e.name if e.name in _view_parameters(function) else None
    return None


def in_scope(api: CheckerPluginInterface, name: str) -> bool:
    """Whether ``name`` is a window parameter of the enclosing class (a size read in
    ``forward`` from a layer its ``__init__`` built), or a size argument of the function being
    checked (:func:`_view_parameters`)."""
    init = _init(api)
    if init is not None and name in _window_parameters(init):
        return True
    function = _function(api)
    return function is not None and name in _view_parameters(function)


def _function(api: CheckerPluginInterface) -> FuncDef | None:
    scope = getattr(api, "scope", None)
    function = scope.current_function() if scope is not None else None
    return function if isinstance(function, FuncDef) else None


_VIEW_CACHE: dict[int, tuple[FuncDef, frozenset[str]]] = {}


def _view_parameters(function: FuncDef) -> frozenset[str]:
    """The plain ``int`` arguments of ``function`` that its body gives a ``view``/``reshape``
    as a factor or divisor of a size, as they are or through a local name bound once
    (``channels_per_group = c // groups``, then ``x.view(b, groups, channels_per_group, h,
    w)``), and never assigned: a channel shuffle's ``groups``. Within one call it is one value
    of at least 1 (a division by 0 raises), read as a size named after the argument, so that a
    view whose element count differs by it (``x.view(b, groups, c, h, w)``: ``// groups``
    forgotten) is found (:func:`shapes.counts_apart`). Not an argument named in capitals
    (``H: int``), which the rules would read as a size TypeVar."""
    cached = _VIEW_CACHE.get(id(function))
    if cached is not None and cached[0] is function:
        return cached[1]
    ints = {
        a.variable.name
        for a in function.arguments
        if _plain_int(a.variable) and not a.variable.name.isupper()  # ``H``: a TypeVar's name
    }
    assigned: dict[str, list[Expression | None]] = {}
    for stmt in walk(function.body.body):
        targets: list[Expression] = getattr(stmt, "lvalues", [])
        for target in targets:
            for name in target_names(target):
                value = _item_value(stmt, target, lambda t: isinstance(t, NameExpr), name)
                assigned.setdefault(name, []).append(value)
    found: set[str] = set()
    if ints - set(assigned):
        from dfdx_mypy_plugin._joined_values import statement_expressions  # (imports rules)

        for call in statement_expressions(function.body.body):
            if not isinstance(call, CallExpr) or not _is_view(call):
                continue
            for factor in [f for a in call.args for f in _factors(a, fields=True)]:
                values = assigned.get(factor, [])
                if len(values) == 1 and values[0] is not None:
                    found.update(_factors(values[0], fields=True))
                found.add(factor)
    out = frozenset(n for n in found if n in ints and n not in assigned)
    _VIEW_CACHE[id(function)] = (function, out)
    return out


def _init(api: CheckerPluginInterface) -> FuncDef | None:
    scope = getattr(api, "scope", None)
    if scope is None or scope.current_function() is None:
        return None  # code at a module's or a class's top level
    info = scope.enclosing_class()
    if not isinstance(info, TypeInfo):
        return None
    method = info.names.get("__init__")
    node = method.node if method is not None else None
    return node if isinstance(node, FuncDef) else None


_CACHE: dict[int, tuple[FuncDef, frozenset[str]]] = {}


def _window_parameters(init: FuncDef) -> frozenset[str]:
    """The names of ``init``'s plain ``int`` arguments given to a layer as a size (as they are
    or as a factor of a product), and never assigned in its body."""
    cached = _CACHE.get(id(init))
    if cached is not None and cached[0] is init:
        return cached[1]
    ints = {arg.variable.name: arg.variable for arg in init.arguments if _plain_int(arg.variable)}
    assigned = {
        n
        for stmt in walk(init.body.body)
        for target in getattr(stmt, "lvalues", [])
        for n in target_names(target)
    }
    given = set()
    for stmt in walk(init.body.body):
        for call in _calls(stmt):
            for name in _size_arguments(call):
                given.add(name)
    given |= _given_through_fields(init, set(ints) - assigned)
    found = frozenset(n for n, v in ints.items() if n in given and n not in assigned)
    _CACHE[id(init)] = (init, found)
    return found


def _plain_int(v: Var) -> bool:
    t = get_proper_type(v.type) if v.type is not None else None
    return isinstance(t, Instance) and t.type.fullname == "builtins.int" and not t.last_known_value


def _calls(stmt: object) -> list[CallExpr]:
    """The calls in an assignment's value (``self.conv = Conv1d(...)``, or ``Conv1d(...)``
    inside a ``Sequential(...)``, a list or a conditional expression there)."""
    value = getattr(stmt, "rvalue", None) or getattr(stmt, "expr", None)
    out: list[CallExpr] = []
    stack = [value]
    while stack:
        e = stack.pop()
        if isinstance(e, CallExpr):
            out.append(e)
            stack.extend(e.args)
        elif isinstance(e, ConditionalExpr):  # ``Conv2d(...) if stride != 1 else None``
            stack.extend([e.if_expr, e.else_expr])
        elif e is not None and hasattr(e, "items"):
            stack.extend(e.items)
    return out


def _size_arguments(call: CallExpr, fields: bool = False) -> list[str]:
    """The names given to a layer's sizes in ``call`` as they are or as factors of a product:
    a ``dx.nn`` layer's :data:`LAYER_SIZES`, a user module's arguments typed with a size
    TypeVar (``Block(in_c, hidden)``)."""
    callee = call.callee
    info = callee.node if isinstance(callee, RefExpr) else None
    if not isinstance(info, TypeInfo):
        return []
    init = info.get_method("__init__")
    if not isinstance(init, FuncDef):
        return []
    if shapes.layer_of(info.fullname) is not None:
        sizes = set(LAYER_SIZES)
    elif info.has_base(MODULE):
        sizes = _size_typevar_arguments(init)
    else:
        return []
    formal = init.arg_names[1:]
    out: list[str] = []
    items = zip(call.arg_kinds, call.arg_names, call.args, strict=True)
    for i, (kind, name, arg) in enumerate(items):
        param = formal[i] if kind == ARG_POS and i < len(formal) else name
        if param in sizes:
            out += _factors(arg, fields)
        if param in WINDOW_SIZES and isinstance(arg, TupleExpr):  # ``(k, embed_dim)``
            out += [f for item in arg.items for f in _factors(item, fields)]
    return out


def _size_typevar_arguments(init: FuncDef) -> set[str]:
    """The arguments of a user module's ``__init__`` typed with an int-bound TypeVar (the
    module's sizes: ``in_channels: CI``)."""
    out: set[str] = set()
    signature = init.type
    if not isinstance(signature, CallableType):
        return out
    for name, t in zip(signature.arg_names, signature.arg_types, strict=False):
        p = get_proper_type(t)
        if name is not None and isinstance(p, TypeVarType) and _int_bound(p):
            out.add(name)
    return out


def _int_bound(tv: TypeVarType) -> bool:
    bound = get_proper_type(tv.upper_bound)
    return isinstance(bound, Instance) and bound.type.fullname == "builtins.int"


def _factors(e: Expression, fields: bool = False) -> list[str]:
    """The names ``e`` multiplies (``planes * expansion``: both; ``patch_size ** 2 * c``:
    ``patch_size`` and ``c``): each is at least 1 where the product is a size. A name in a
    sum is not one (``dim + extra`` with an ``extra`` of 0). With ``fields``, a field of
    ``self`` multiplied is one too, as ``"self.<name>"``, and so is a divisor."""
    if isinstance(e, NameExpr):
        return [e.name]
    if fields and isinstance(e, MemberExpr) and isinstance(e.expr, NameExpr):
        return [f"self.{e.name}"] if e.expr.name == "self" else []
    if isinstance(e, OpExpr) and (e.op == "*" or (fields and e.op == "//")):
        return _factors(e.left, fields) + _factors(e.right, fields)
    if isinstance(e, OpExpr) and e.op == "**":
        return _factors(e.left, fields)
    return []


_VIEWS = ("view", "reshape")
"""Tensor methods whose arguments are the sizes of their result (``q.view(b, t,
self.n_heads, self.head_dim)``): a head count given there is a size, as a layer's is."""


def _given_through_fields(init: FuncDef, arguments: set[str]) -> set[str]:
    """The ``arguments`` of ``init`` given as a size through a field assigned once in the
    class, in ``__init__``, with a value made of them (``self.n_kv_heads = n_kv_heads``,
    ``self.head_dim = dim // n_heads``, ``self.n_rep = self.n_heads // self.n_kv_heads``: the
    names it multiplies or divides by): the field as a factor of a layer's size argument
    (``Linear(dim, self.n_kv_heads * self.head_dim)``) or of a ``view``/``reshape`` size in any
    method (``k.view(b, s, self.n_kv_heads, self.head_dim)``); and the arguments given as they
    are to a ``view``/``reshape`` in ``__init__``. PyTorch code keeps its head counts and
    level counts so, and uses them in ``forward``. A divisor is a size of at least 1 too (a
    division by 0 raises)."""
    info = init.info
    if info is None or not arguments:
        return set()
    from dfdx_mypy_plugin._joined_values import statement_expressions  # (it imports rules)

    made_of = _field_arguments(info, init, arguments)
    out: set[str] = set()
    for method in _class_methods(info):
        aliases = _field_aliases(method) if method is not init else {}
        for call in statement_expressions(method.body.body):
            if not isinstance(call, CallExpr):
                continue
            view = _is_view(call)
            if view:
                sizes = [f for a in call.args for f in _factors(a, fields=True)]
            else:
                sizes = _size_arguments(call, fields=True)
            for size in sizes:
                for field in aliases.get(size, [size]):
                    if field.startswith("self."):
                        out |= made_of.get(field[5:], set())
                    elif method is init and view:
                        out.add(field)  # another method's plain names are its own locals
    return out & arguments


def _field_aliases(method: FuncDef) -> dict[str, list[str]]:
    """The local names of ``method`` assigned once, by a plain ``h = self.heads`` (or a
    product or division of fields), and the fields their value is made of: ``h`` given to a
    ``view`` is the field given there."""
    values: dict[str, list[Expression]] = {}
    for stmt in walk(method.body.body):
        targets: list[Expression] = getattr(stmt, "lvalues", [])
        for target in targets:
            for name in target_names(target):
                value = _item_value(stmt, target, lambda t: isinstance(t, NameExpr), name)
                values.setdefault(name, []).append(value or NameExpr(""))
        others: list[Expression | None] = []  # bound otherwise: never an alias
        if isinstance(stmt, OperatorAssignmentStmt):
            others = [stmt.lvalue]
        elif isinstance(stmt, ForStmt):
            others = [stmt.index]
        elif isinstance(stmt, WithStmt):
            others = list(stmt.target)
        for other in others:
            for name in target_names(other) if other is not None else []:
                values.setdefault(name, []).extend([NameExpr(""), NameExpr("")])
    out: dict[str, list[str]] = {}
    for name, assigned in values.items():
        if len(assigned) != 1 or name in {a.variable.name for a in method.arguments}:
            continue
        fields = [f for f in _factors(assigned[0], fields=True) if f.startswith("self.")]
        if fields:
            out[name] = fields
    return out


def _field_arguments(info: TypeInfo, init: FuncDef, arguments: set[str]) -> dict[str, set[str]]:
    """The fields of ``self`` assigned once in the class's methods, in ``__init__``, by a
    plain ``self.<field> = value``, and the ``arguments`` of ``init`` their value multiplies
    or divides by, through the other such fields it names."""
    values: dict[str, list[Expression | None]] = {}
    for method in _class_methods(info):
        for stmt in walk(method.body.body):
            targets: list[Expression] = getattr(stmt, "lvalues", [])
            for target in targets:
                for field in _self_fields(target):
                    rvalue = _item_value(stmt, target, _is_self_member, field)
                    values.setdefault(field, []).append(rvalue if method is init else None)
            if isinstance(stmt, OperatorAssignmentStmt):
                for field in _self_fields(stmt.lvalue):
                    values.setdefault(field, []).extend([None, None])
    own = {a.variable.name: a.variable for a in init.arguments}
    once = {f: v[0] for f, v in values.items() if len(v) == 1 and v[0] is not None}

    def names(value: Expression, depth: int) -> set[str]:
        found: set[str] = set()
        for f in _factors(value, fields=True):
            if f.startswith("self."):
                inner = once.get(f[5:])
                if inner is not None and depth < 4:
                    found |= names(inner, depth + 1)
            elif f in arguments and _refers_to(value, f, own[f]):
                found.add(f)
        return found

    return {field: names(value, 0) for field, value in once.items()}


def _is_self_member(e: Expression) -> bool:
    return isinstance(e, MemberExpr) and bool(_self_fields(e))


def _item_value(
    stmt: object, target: Expression, simple: Callable[[Expression], bool], name: str
) -> Expression | None:
    """The value a statement's only target, or the item ``name`` of a tuple of targets
    unpacked from a display of as many values (``nh, hd = self.num_heads, self.head_dim``),
    is assigned: None where it is bound otherwise."""
    targets: list[Expression] = getattr(stmt, "lvalues", [])
    rvalue = getattr(stmt, "rvalue", None)
    if len(targets) != 1 or rvalue is None:
        return None
    if simple(target):
        return cast(Expression, rvalue)
    if not isinstance(target, TupleExpr | ListExpr):
        return None
    for i, item in enumerate(target.items):
        if simple(item) and getattr(item, "name", None) == name:
            return unpacked_item(target, rvalue, i)
    return None


def _refers_to(value: Expression, name: str, variable: Var) -> bool:
    """Whether the name ``name`` in ``value`` is the argument ``variable`` (not a local that
    shadows it)."""
    from dfdx_mypy_plugin._joined_values import expressions_in  # (it imports rules)

    return any(
        isinstance(e, NameExpr) and e.name == name and e.node is variable
        for e in expressions_in(value)
    )


def _self_fields(target: Expression) -> list[str]:
    if isinstance(target, MemberExpr) and isinstance(target.expr, NameExpr):
        return [target.name] if target.expr.name == "self" else []
    if isinstance(target, TupleExpr | ListExpr):
        return [f for item in target.items for f in _self_fields(item)]
    if isinstance(target, StarExpr):
        return _self_fields(target.expr)
    return []


def _class_methods(info: TypeInfo) -> list[FuncDef]:
    out: list[FuncDef] = []
    for stmt in info.defn.defs.body:
        if isinstance(stmt, Decorator):
            out.append(stmt.func)
        elif isinstance(stmt, FuncDef):
            out.append(stmt)
    return out


def _is_view(call: CallExpr) -> bool:
    return isinstance(call.callee, MemberExpr) and call.callee.name in _VIEWS
