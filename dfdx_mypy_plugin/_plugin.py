"""The mypy plugin class: finds the rule for a call by its fully qualified name and runs it
guarded, so that the plugin never crashes mypy."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mypy.nodes import ARG_POS, ArgKind, CallExpr, Context, Expression, TypeInfo
from mypy.plugin import (
    CheckerPluginInterface,
    FunctionContext,
    FunctionSigContext,
    MethodContext,
    MethodSigContext,
    Plugin,
    ReportConfigContext,
)
from mypy.subtypes import find_member
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    Type,
    TypeOfAny,
    get_proper_type,
)

from dfdx_mypy_plugin import __version__
from dfdx_mypy_plugin._types import Unknown
from dfdx_mypy_plugin.codes import DFDX_SHAPE
from dfdx_mypy_plugin.rules import FUNCTION_RULES, METHOD_RULES, Call, Rule, load_all
from dfdx_mypy_plugin.shapes import ShapeError

_DEBUG = os.environ.get("DFDX_PLUGIN_DEBUG") == "1"
"""Let a bug in a rule crash mypy (the project's tests set it); users get mypy's default."""

_OPERAND_NAMES = (None, "dims")
"""Formals read as operands: positional-only ones (mypy gives them no name) and ``*dims``."""


def _sources_digest() -> str:
    digest = hashlib.sha256(__version__.encode())
    root = Path(__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _make_call(
    rule: Rule,
    receiver: Type | None,
    names: Sequence[str | None],
    kinds: list[list[ArgKind]],
    types: list[list[Type]],
    exprs: list[list[Expression]],
    default: Type,
    api: CheckerPluginInterface,
    context: Context,
    report: bool,
) -> Call | None:
    """The call as a rule sees it; None where it passes ``*args``/``**kwargs``."""
    call = Call(rule.op, [], [], {}, {}, default, api, context, report)
    if receiver is not None:
        call.operands.append(receiver)
        call.operand_exprs.append(None)
    for name, ks, ts, es in zip(names, kinds, types, exprs, strict=True):
        if any(k != ARG_POS and not k.is_named() for k in ks):
            return None
        if name in _OPERAND_NAMES:
            call.operands.extend(ts)
            call.operand_exprs.extend(es)
        elif ts:
            call.named[name] = ts[0]
            call.named_exprs[name] = es[0]
    return call


def _run(rule: Rule, call: Call | None, default: Type) -> Type:
    """The rule's result type; a ShapeError becomes a ``dfdx-shape`` error."""
    if call is None:
        return default
    try:
        return rule.fn(call)
    except ShapeError:
        try:
            return call.unknown_shape()  # the signature hook has reported the error
        except Unknown:
            return default
    except Unknown:
        return default
    except Exception:
        if _DEBUG:
            raise
        return default  # never crash mypy: its own answer stands


def _loosened(sig: CallableType, call: Call) -> CallableType:
    """``sig`` accepting anything: the plugin has reported the error, so mypy must not add
    its own for the same mistake."""
    anything = AnyType(TypeOfAny.special_form)
    try:
        ret = call.unknown_shape()
    except Unknown:
        ret = anything
    return sig.copy_modified(arg_types=[anything] * len(sig.arg_types), ret_type=ret)


def _checked_signature(
    rule: Rule,
    receiver: Type | None,
    ctx: MethodSigContext | FunctionSigContext,
) -> FunctionLike:
    sig = ctx.default_signature
    if isinstance(ctx.context, CallExpr) and len(ctx.context.args) != sum(map(len, ctx.args)):
        return sig  # an overload item that cannot take these arguments: check the others
    try:
        types = [[ctx.api.get_expression_type(e) for e in formal] for formal in ctx.args]
        kinds = [[ARG_POS for _ in formal] for formal in ctx.args]
        call = _make_call(
            rule,
            receiver,
            sig.arg_names,
            kinds,
            types,
            ctx.args,
            sig.ret_type,
            ctx.api,
            ctx.context,
            report=True,
        )
        if call is None:
            return sig
        rule.fn(call)
    except ShapeError as e:
        ctx.api.fail(str(e), ctx.context, code=DFDX_SHAPE)
        return _loosened(sig, call) if call is not None else sig
    except Unknown:
        return sig
    except Exception:
        if _DEBUG:
            raise
        return sig
    return sig


_MODULE = "dfdx.nn._module.Module"


def _forward_signature(ctx: MethodSigContext) -> FunctionLike:
    """``model(x)`` on a module that inherits ``Module.__call__``: the signature of its own
    typed ``forward``, so that mypy checks the arguments and infers the result from it (the
    plain ``__call__`` takes and returns ``Any``)."""
    try:
        receiver = get_proper_type(ctx.type)
        if not isinstance(receiver, Instance):
            return ctx.default_signature
        info = receiver.type.get_containing_type_info("forward")
        if info is None or info.fullname == _MODULE:
            return ctx.default_signature
        forward = get_proper_type(find_member("forward", receiver, receiver, is_operator=True))
        if isinstance(forward, FunctionLike):
            return forward
    except Exception:
        if _DEBUG:
            raise
    return ctx.default_signature


load_all()


class DfdxPlugin(Plugin):
    """Shapes and tapes of dfdx tensors, computed and checked at type time.

    Each rule runs twice per call. The signature hook runs it first, before mypy matches the
    plain overloads: it reports the rule's errors and, for a shape error, loosens the signature
    so that mypy adds no generic error of its own for the same mistake. The method/function
    hook runs it again, silently, to compute the result type.
    """

    _digest = _sources_digest()

    def report_config_data(self, ctx: ReportConfigContext) -> Any:
        """mypy hashes only the entry module; this keys its cache to every plugin source."""
        return self._digest

    def _inherits_module_call(self, class_fullname: str) -> bool:
        """Whether the class is a ``Module`` whose ``__call__`` is ``Module``'s own."""
        try:
            node = self.lookup_fully_qualified(class_fullname)
        except Exception:  # a name mypy cannot resolve here (a nested or local class)
            return False
        info = node.node if node is not None else None
        if not isinstance(info, TypeInfo) or not info.has_base(_MODULE):
            return False
        owner = info.get_containing_type_info("__call__")
        return owner is not None and owner.fullname == _MODULE

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        rule = METHOD_RULES.get(fullname)
        if rule is None:
            return None

        def hook(ctx: MethodContext) -> Type:
            call = _make_call(
                rule,
                ctx.type,
                ctx.callee_arg_names,
                ctx.arg_kinds,
                ctx.arg_types,
                ctx.args,
                ctx.default_return_type,
                ctx.api,
                ctx.context,
                report=False,
            )
            return _run(rule, call, ctx.default_return_type)

        return hook

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        rule = FUNCTION_RULES.get(fullname)
        if rule is None:
            return None

        def hook(ctx: FunctionContext) -> Type:
            call = _make_call(
                rule,
                None,
                ctx.callee_arg_names,
                ctx.arg_kinds,
                ctx.arg_types,
                ctx.args,
                ctx.default_return_type,
                ctx.api,
                ctx.context,
                report=False,
            )
            return _run(rule, call, ctx.default_return_type)

        return hook

    def get_method_signature_hook(
        self, fullname: str
    ) -> Callable[[MethodSigContext], FunctionLike] | None:
        if fullname.endswith(".__call__") and self._inherits_module_call(fullname[:-9]):
            return _forward_signature
        rule = METHOD_RULES.get(fullname)
        if rule is None:
            return None
        return lambda ctx: _checked_signature(rule, ctx.type, ctx)

    def get_function_signature_hook(
        self, fullname: str
    ) -> Callable[[FunctionSigContext], FunctionLike] | None:
        rule = FUNCTION_RULES.get(fullname)
        if rule is None:
            return None
        return lambda ctx: _checked_signature(rule, None, ctx)


__all__ = ["DfdxPlugin"]
