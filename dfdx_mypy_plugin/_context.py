"""A guard around mypy's inference of a call's type arguments from its type context.

A context that tells inference nothing, or that would make a call's value differ from the
value it has as a statement of its own, is taken away before the call is checked (mypy then
infers from the arguments alone, as it does where there is no context):

- mypy 2.4 crashes (``RuntimeError: Invalid type replacement to expand``) when it infers the
  TypeVarTuple of a signature such as ``(x: Tensor[*S, T]) -> Tensor[*S, T]`` against a
  union context holding ``Any``. A conditional expression makes that context: without an
  outer context, mypy checks ``f(x) if c else x`` (``x: Any``) once per branch and then again
  with the union of the two results as context. For inference, a union holding ``Any`` tells
  no more than no context does.
- A call that is an argument of a call the plugin checks (``self.conv2(dx.relu(h))``) gets
  the parameter's type as context: a layer's ``Tensor[N, I, Dyn, Dyn, T]`` (``Dyn`` is
  ``Any``), or ``Any`` where the plugin has loosened the parameter (a computed size, a
  reported mistake). mypy solves the inner call's type variables from that context first, so
  ``dx.relu(h)`` became ``Tensor[N, I, Any, Any, T]`` (the spatial sizes lost), or
  ``Tensor[*tuple[Any, ...], Any]`` (the outer layer's batch then unsolved: ``Never``, and
  ``Need type annotation``). An optional mask's parameter (``AnyTensor | None``) is such a
  context too. The argument's value is what its own statement gives
  (``a = dx.relu(h); self.conv2(a)``): the outer call's rule checks it against the parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mypy.checker import TypeChecker
from mypy.nodes import ConditionalExpr, Context, Expression, ListExpr, TupleExpr
from mypy.plugin import CheckerPluginInterface, FunctionSigContext, MethodSigContext
from mypy.types import (
    AnyType,
    FunctionLike,
    Instance,
    NoneType,
    Type,
    UnionType,
    get_proper_type,
)

Ctx = TypeVar("Ctx", FunctionSigContext, MethodSigContext)

_TENSOR = "dfdx._tensor.Tensor"

_ARGUMENTS: dict[int, Expression] = {}
"""The argument expressions of the calls whose signature hook has run in the file being
checked (by ``id``; the node is kept so that its ``id`` is never reused), and what takes its
context from one (:func:`_note`: ``dx.cat([self.up(x), skip])``)."""

_CHECKED_FILE: list[object] = [None]
"""The tree whose calls :data:`_ARGUMENTS` holds: a call's arguments are recorded while that
call is checked, so another file's record is never read again, and dropping it keeps a
long-lived checker (the language server's in-process ``dmypy``) from holding every earlier
tree."""


def note_arguments(api: CheckerPluginInterface, args: list[list[Expression]]) -> None:
    """Record a checked call's arguments (:data:`_ARGUMENTS`) before mypy infers them."""
    tree = getattr(api, "tree", None)
    if tree is not _CHECKED_FILE[0]:
        _ARGUMENTS.clear()
        _CHECKED_FILE[0] = tree
    for formal in args:
        for e in formal:
            _note(e)


def _note(e: Expression) -> None:
    """Record ``e``, and what takes its type context from it: the items of a list or tuple
    display, the two branches of a conditional expression (``self.conv(dx.relu(h) if
    self.pre else h)``)."""
    _ARGUMENTS[id(e)] = e
    if isinstance(e, (ListExpr, TupleExpr)):
        for item in e.items:
            _note(item)
    elif isinstance(e, ConditionalExpr):
        _note(e.if_expr)
        _note(e.else_expr)


def is_argument(node: Context) -> bool:
    """Whether ``node`` is an argument of a call the plugin checks (:func:`note_arguments`)."""
    return _ARGUMENTS.get(id(node)) is node


def _is_tensor_context(t: Type) -> bool:
    """Whether ``t`` is ``Any``, a tensor type, or a union of such and ``None`` (an optional
    mask: ``Tensor[Dyn, Dyn, NoneTape] | None``)."""
    p = get_proper_type(t)
    if isinstance(p, AnyType):
        return True
    if isinstance(p, Instance):
        return p.type.fullname == _TENSOR
    if isinstance(p, UnionType):
        items = [get_proper_type(i) for i in p.items]
        tensors = [i for i in items if not isinstance(i, NoneType)]
        return bool(tensors) and all(_is_tensor_context(i) for i in tensors)
    return False


def calm_context(api: CheckerPluginInterface, node: Context | None = None) -> None:
    """Take the current type context away where it is a union holding ``Any``, or where
    ``node``, the call being checked, is an argument of a checked call and the context is a
    tensor type or ``Any``."""
    if not isinstance(api, TypeChecker):
        return
    stack = api.expr_checker.type_context
    context = get_proper_type(stack[-1]) if stack else None
    if context is None:
        return
    if isinstance(context, UnionType) and any(
        isinstance(get_proper_type(item), AnyType) for item in context.items
    ):
        stack[-1] = None
    elif node is not None and is_argument(node) and _is_tensor_context(context):
        stack[-1] = None


def calmed(
    hook: Callable[[Ctx], FunctionLike] | None,
) -> Callable[[Ctx], FunctionLike]:
    """``hook`` (or the default signature), run after :func:`calm_context`, with the call's
    arguments recorded (:func:`note_arguments`)."""

    def calmed_hook(ctx: Ctx) -> FunctionLike:
        calm_context(ctx.api, ctx.context)
        note_arguments(ctx.api, ctx.args)
        return ctx.default_signature if hook is None else hook(ctx)

    return calmed_hook
