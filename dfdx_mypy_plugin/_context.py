"""A guard around mypy's inference of a call's type arguments from its type context.

A context that tells inference nothing is taken away before the call is checked (mypy then
infers from the arguments alone, as it does where there is no context):

mypy 2.4 crashes (``RuntimeError: Invalid type replacement to expand``) when it infers the
TypeVarTuple of a signature such as ``(x: Tensor[*S, T]) -> Tensor[*S, T]`` against a
union context holding ``Any``. A conditional expression makes that context: without an outer
context, mypy checks ``f(x) if c else x`` (``x: Any``) once per branch and then again with
the union of the two results as context. For inference, a union holding ``Any`` tells no
more than no context does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mypy.checker import TypeChecker
from mypy.plugin import CheckerPluginInterface, FunctionSigContext, MethodSigContext
from mypy.types import AnyType, FunctionLike, UnionType, get_proper_type

Ctx = TypeVar("Ctx", FunctionSigContext, MethodSigContext)


def calm_context(api: CheckerPluginInterface) -> None:
    """Take the current type context away where it is a union holding ``Any``."""
    if not isinstance(api, TypeChecker):
        return
    stack = api.expr_checker.type_context
    context = get_proper_type(stack[-1]) if stack else None
    if isinstance(context, UnionType) and any(
        isinstance(get_proper_type(item), AnyType) for item in context.items
    ):
        stack[-1] = None


def calmed(
    hook: Callable[[Ctx], FunctionLike] | None,
) -> Callable[[Ctx], FunctionLike]:
    """``hook`` (or the default signature), run after :func:`calm_context`."""

    def calmed_hook(ctx: Ctx) -> FunctionLike:
        calm_context(ctx.api)
        return ctx.default_signature if hook is None else hook(ctx)

    return calmed_hook
