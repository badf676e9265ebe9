"""Whether a ``Sequential`` is grown after it is built: ``seq.add_module(name, layer)``.

The type of a ``Sequential`` holds the layers it was built with; ``add_module`` appends one
that the type cannot hold. Where a field of ``self`` (``self.features``) is grown in any
method of its class, or a local name in its function, the chain the type states is not the
one that runs: its calls and items are then typed as plain mypy types them (``Dyn`` sizes),
never from the layers it was built with.
"""

from __future__ import annotations

from mypy.nodes import (
    CallExpr,
    Expression,
    FuncItem,
    MemberExpr,
    NameExpr,
)
from mypy.plugin import CheckerPluginInterface
from mypy.types import AnyType, Instance, TypeOfAny

from dfdx_mypy_plugin._joined_values import statement_expressions
from dfdx_mypy_plugin._where import _methods

_GROWING = "add_module"


def _same(a: Expression, b: Expression) -> bool:
    if isinstance(a, NameExpr) and isinstance(b, NameExpr):
        return a.name == b.name
    if isinstance(a, MemberExpr) and isinstance(b, MemberExpr):
        return a.name == b.name and _same(a.expr, b.expr)
    return False


def _found_in(function: FuncItem, target: Expression) -> bool:
    """Whether ``function`` calls ``<target>.add_module(...)``."""
    return any(
        isinstance(e, CallExpr)
        and isinstance(e.callee, MemberExpr)
        and e.callee.name == _GROWING
        and _same(e.callee.expr, target)
        for e in statement_expressions(function.body.body)
    )


def grown(api: CheckerPluginInterface, e: Expression) -> bool:
    """Whether ``e`` (``self.features``, a local ``seq``) has ``add_module`` called on it in
    its class's methods (a field of ``self``) or in the function being checked (a name)."""
    scope = getattr(api, "scope", None)
    if scope is None:
        return False
    if isinstance(e, MemberExpr) and isinstance(e.expr, NameExpr) and e.expr.name == "self":
        info = scope.enclosing_class()
        return info is not None and any(_found_in(m, e) for m in _methods(info))
    if isinstance(e, NameExpr):
        function = scope.current_function()
        return isinstance(function, FuncItem) and _found_in(function, e)
    return False


def unknown_chain(seq: Instance) -> Instance:
    """``seq``, a ``Sequential``'s type, with its layers not known (``Sequential[Any]``)."""
    return seq.copy_modified(args=[AnyType(TypeOfAny.special_form) for _ in seq.args])
