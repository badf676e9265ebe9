"""A module's ``int`` arguments that are its layers' window sizes, read as symbols.

``def __init__(self, ..., kernel_size: int, dilation: int = 1)``, then ``Conv1d(ci, co,
kernel_size, padding=(kernel_size - 1) * dilation, dilation=dilation)`` and a trim
``out[:, :, : -self.pad]`` in ``forward``: mypy types ``kernel_size`` as plain ``int``, but
within one instance it is one value, the same in ``__init__`` and in ``forward``. An ``int``
argument of the ``__init__`` of the class being checked that the body passes, as it is, as the
``kernel_size``, ``stride`` or ``dilation`` of a ``dx.nn`` layer is read as a size named after
the argument (``"kernel_size"``), at least 1 as those arguments are: the window's output size
is then a symbolic size (``S+kernel_size-1``), a padding that keeps the size folds away, and
one that does not is found. An argument the body assigns to, or one not given to a layer's
window as it is (a ``padding: int = 0``, which may be 0), is not read: it stays ``int``.
"""

from __future__ import annotations

from mypy.nodes import ARG_POS, CallExpr, Expression, FuncDef, NameExpr, RefExpr, TypeInfo, Var
from mypy.plugin import CheckerPluginInterface
from mypy.types import Instance, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._locals import target_names
from dfdx_mypy_plugin._where import walk

WINDOW_SIZES = ("kernel_size", "stride", "dilation")
"""A layer's window arguments that are at least 1 (a padding may be 0)."""


def window_parameter(api: CheckerPluginInterface, e: Expression) -> str | None:
    """The name of the ``int`` argument of the enclosing class's ``__init__`` that ``e``
    refers to, where the body gives it to a layer as a window size (see above); else None."""
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
    """The names of ``init``'s plain ``int`` arguments given as they are to a layer's
    ``kernel_size``, ``stride`` or ``dilation``, and never assigned in its body."""
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
            for name in _window_arguments(call):
                given.add(name)
    found = frozenset(n for n, v in ints.items() if n in given and n not in assigned)
    _CACHE[id(init)] = (init, found)
    return found


def _plain_int(v: Var) -> bool:
    t = get_proper_type(v.type) if v.type is not None else None
    return isinstance(t, Instance) and t.type.fullname == "builtins.int" and not t.last_known_value


def _calls(stmt: object) -> list[CallExpr]:
    """The calls in an assignment's value (``self.conv = Conv1d(...)``, or ``Conv1d(...)``
    inside a ``Sequential(...)`` or a list there)."""
    value = getattr(stmt, "rvalue", None) or getattr(stmt, "expr", None)
    out: list[CallExpr] = []
    stack = [value]
    while stack:
        e = stack.pop()
        if isinstance(e, CallExpr):
            out.append(e)
            stack.extend(e.args)
        elif e is not None and hasattr(e, "items"):
            stack.extend(e.items)
    return out


def _window_arguments(call: CallExpr) -> list[str]:
    """The argument names given as they are to a ``dx.nn`` layer's window sizes in ``call``."""
    callee = call.callee
    info = callee.node if isinstance(callee, RefExpr) else None
    if not isinstance(info, TypeInfo) or shapes.layer_of(info.fullname) is None:
        return []
    init = info.get_method("__init__")
    formal = [n for n in (init.arg_names[1:] if isinstance(init, FuncDef) else [])]
    out = []
    items = zip(call.arg_kinds, call.arg_names, call.args, strict=True)
    for i, (kind, name, arg) in enumerate(items):
        param = formal[i] if kind == ARG_POS and i < len(formal) else name
        if param in WINDOW_SIZES and isinstance(arg, NameExpr):
            out.append(arg.name)
    return out
