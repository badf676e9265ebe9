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

from mypy.nodes import (
    ARG_POS,
    CallExpr,
    ConditionalExpr,
    Expression,
    FuncDef,
    NameExpr,
    OpExpr,
    RefExpr,
    TypeInfo,
    Var,
)
from mypy.plugin import CheckerPluginInterface
from mypy.types import CallableType, Instance, TypeVarType, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._locals import target_names
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
MODULE = "dfdx.nn._module.Module"


def window_parameter(api: CheckerPluginInterface, e: Expression) -> str | None:
    """The name of the ``int`` argument of the enclosing class's ``__init__`` that ``e``
    refers to, where the body gives it to a layer as a size (see above); else None."""
    if not isinstance(e, NameExpr) or not isinstance(e.node, Var):
        return None
    init = _init(api)
    if init is None:
        return None
    for arg in init.arguments:
        if arg.variable is e.node:
            return e.name if e.name in _window_parameters(init) else None
    return None


def in_scope(api: CheckerPluginInterface, name: str) -> bool:
    """Whether ``name`` is a window parameter of the enclosing class (a size read in
    ``forward`` from a layer its ``__init__`` built)."""
    init = _init(api)
    return init is not None and name in _window_parameters(init)


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


def _size_arguments(call: CallExpr) -> list[str]:
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
            out += _factors(arg)
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


def _factors(e: Expression) -> list[str]:
    """The names ``e`` multiplies (``planes * expansion``: both; ``patch_size ** 2 * c``:
    ``patch_size`` and ``c``): each is at least 1 where the product is a size. A name in a
    sum is not one (``dim + extra`` with an ``extra`` of 0)."""
    if isinstance(e, NameExpr):
        return [e.name]
    if isinstance(e, OpExpr) and e.op == "*":
        return _factors(e.left) + _factors(e.right)
    if isinstance(e, OpExpr) and e.op == "**":
        return _factors(e.left)
    return []
