"""The mypy plugin class: finds the rule for a call by its fully qualified name and runs it
guarded, so that the plugin never crashes mypy."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mypy.checker import TypeChecker
from mypy.erasetype import erase_typevars
from mypy.errorcodes import ASSIGNMENT, ErrorCode
from mypy.nodes import (
    ARG_POS,
    ARG_STAR,
    ArgKind,
    AssignmentStmt,
    Block,
    CallExpr,
    Context,
    Decorator,
    Expression,
    NameExpr,
    Statement,
    TypeInfo,
)
from mypy.options import Options
from mypy.plugin import (
    AttributeContext,
    CheckerPluginInterface,
    FunctionContext,
    FunctionSigContext,
    MethodContext,
    MethodSigContext,
    Plugin,
    ReportConfigContext,
)
from mypy.subtypes import find_member, is_subtype
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    TupleType,
    Type,
    TypeOfAny,
    UnpackType,
    get_proper_type,
)

from dfdx_mypy_plugin import __version__
from dfdx_mypy_plugin._types import TENSOR, Unknown, dim_type, read_tensor
from dfdx_mypy_plugin.codes import DFDX_SHAPE
from dfdx_mypy_plugin.rules import FUNCTION_RULES, METHOD_RULES, Call, Rule, load_all
from dfdx_mypy_plugin.rules.indexing import _none_tape as none_tape
from dfdx_mypy_plugin.rules.nn import USER_MODULE, is_sized_user_module
from dfdx_mypy_plugin.shapes import ShapeError

_DEBUG = os.environ.get("DFDX_PLUGIN_DEBUG") == "1"
"""Let a bug in a rule crash mypy (the project's tests set it); users get mypy's default."""

_TRACE = os.environ.get("DFDX_PLUGIN_TRACE")
"""A file to which each rule that runs appends a line ``path<TAB>family`` (its module under
``rules/``): the typecheck tests check that a program marked ``# rules: conv`` runs a rule of
``rules/conv.py``."""

_OPERAND_NAMES = (None, "dims", "layers")
"""Formals read as operands: positional-only ones (mypy gives them no name), ``*dims`` and
``Sequential``'s ``*layers``."""


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
    starred: set[int] = set()
    for name, ks, ts, es in zip(names, kinds, types, exprs, strict=True):
        if name in _OPERAND_NAMES and ARG_STAR in ks:
            unpacked = _unpacked(ks, ts, es, starred)  # ``x.reshape(*y.shape)``: its items
            if unpacked is None:
                return None
            call.operands.extend(unpacked[0])
            call.operand_exprs.extend(unpacked[1])
            continue
        if any(k != ARG_POS and not k.is_named() for k in ks):
            return None
        if name in _OPERAND_NAMES:
            call.operands.extend(ts)
            call.operand_exprs.extend(es)
        elif ts:
            call.named[name] = ts[0]
            call.named_exprs[name] = es[0]
    return call


def _unpacked(
    kinds: list[ArgKind], types: list[Type], exprs: list[Expression], starred: set[int]
) -> tuple[list[Type], list[Expression | None]] | None:
    """Operands with each ``*t`` of a tuple of known length replaced by its items (with no
    expression); None where a ``*`` operand's length is not known. mypy maps a ``*t`` to as
    many formals (or entries of a ``*dims`` formal) as it has items: ``starred`` holds the
    ones already read."""
    ts: list[Type] = []
    es: list[Expression | None] = []
    for k, t, e in zip(kinds, types, exprs, strict=True):
        if k == ARG_POS:
            ts.append(t)
            es.append(e)
            continue
        if id(e) in starred:
            continue
        starred.add(id(e))
        p = get_proper_type(t)
        if k != ARG_STAR or not isinstance(p, TupleType):
            return None
        if any(isinstance(get_proper_type(i), UnpackType) for i in p.items):
            return None
        ts.extend(p.items)
        es.extend([None] * len(p.items))
    return ts, es


def _trace(rule: Rule, call: Call) -> None:
    if _TRACE:
        family = rule.fn.__module__.rsplit(".", 1)[-1]
        with open(_TRACE, "a", encoding="utf-8") as f:
            f.write(f"{getattr(call.api, 'path', '?')}\t{family}\n")


def _run(rule: Rule, call: Call | None, default: Type) -> Type:
    """The rule's result type; a ShapeError becomes a ``dfdx-shape`` error."""
    if call is None:
        return default
    _trace(rule, call)
    try:
        result = rule.fn(call)
        _redefinition_hint(call, result)
        return result
    except ShapeError:
        try:
            return call.unknown_shape()  # the signature hook has reported the error
        except Unknown:
            return default
    except Unknown:
        return _of_unknown_rank(call, default)
    except Exception:
        if _DEBUG:
            raise
        return default  # never crash mypy: its own answer stands


REDEFINITION_HINT = (
    "dfdx: to reuse a name for a tensor of another shape or tape, set "
    '"allow_redefinition_new = True" and "local_partial_types = True" in mypy\'s configuration'
)


def _flexible_redefinition(options: Options) -> bool:
    """Whether mypy lets a variable take a new type (mypy 2 calls the option
    ``allow_redefinition``, mypy 1 ``allow_redefinition_new``; both read the latter name)."""
    if hasattr(options, "allow_redefinition_old"):
        return bool(options.allow_redefinition)
    return bool(getattr(options, "allow_redefinition_new", False))


def _assigned_to_name(statements: list[Statement], value: Expression) -> bool:
    """Whether ``value`` is the value of an assignment to plain names among ``statements``
    (nested blocks included)."""
    for stmt in statements:
        if isinstance(stmt, AssignmentStmt) and stmt.rvalue is value:
            return all(isinstance(t, NameExpr) for t in stmt.lvalues)
        if isinstance(stmt, Decorator):
            stmt = stmt.func
        for attr in ("body", "else_body", "finally_body", "handlers", "defs", "bodies"):
            child = getattr(stmt, attr, None)
            blocks = [child] if isinstance(child, Block) else child
            if isinstance(blocks, list):
                for block in blocks:
                    if isinstance(block, Block) and _assigned_to_name(block.body, value):
                        return True
    return False


def _redefinition_hint(call: Call, result: Type) -> None:
    """Where a rule's tensor is assigned to a name that holds a tensor of another type, and
    mypy does not let a name take a new type, a note naming the options that do: PyTorch-style
    code reuses names (``h = conv1(x); h = pool(h)``)."""
    api = call.api
    if not isinstance(api, TypeChecker) or _flexible_redefinition(api.options):
        return
    types = api.expr_checker.type_context
    context = get_proper_type(types[-1]) if types else None
    got = get_proper_type(result)
    if not (
        isinstance(context, Instance)
        and context.type.fullname == TENSOR
        and isinstance(got, Instance)
        and got.type.fullname == TENSOR
        and isinstance(call.context, Expression)
    ) or is_subtype(got, context):
        return
    function = api.scope.current_function()
    statements = function.body.body if function is not None else api.tree.defs
    if _assigned_to_name(statements, call.context):
        api.note(REDEFINITION_HINT, call.context, code=ASSIGNMENT)


_UNTRACED_RESULTS = frozenset({"argmax"})
"""Ops whose result is on ``NoneTape`` whatever the input's tape (:func:`_of_unknown_rank`)."""


def _of_unknown_rank(call: Call, default: Type) -> Type:
    """Where the plain signature gives ``Any`` for an operand of unknown rank (a
    ``DynTensor``), a tensor of unknown rank on the operands' tape instead: ``Any`` would make
    ``--strict`` flag a function that returns it as a ``DynTensor`` (``no-any-return``).
    On ``NoneTape`` for an op whose result is untraced whatever its input's tape (argmax)."""
    if not isinstance(get_proper_type(default), AnyType) or not call.operands:
        return default
    first = get_proper_type(call.operands[0])
    if not (
        isinstance(first, Instance)
        and first.type.fullname == TENSOR
        and any(isinstance(a, UnpackType) for a in first.args)
    ):
        return default
    try:
        result = get_proper_type(call.unknown_shape())
        if call.op in _UNTRACED_RESULTS and isinstance(result, Instance):
            return result.copy_modified(args=[*result.args[:-1], none_tape(call)])
        return result
    except Unknown:
        return default


def _loosened(sig: CallableType, call: Call) -> CallableType:
    """``sig`` accepting anything: the plugin has reported the error, so mypy must not add
    its own for the same mistake."""
    anything = AnyType(TypeOfAny.special_form)
    try:
        ret = call.unknown_shape()
    except Unknown:  # no tensor in or out (a layer's constructor): its class stands, its
        ret = erase_typevars(sig.ret_type)  # type variables (unsolvable now) as Any
    return sig.copy_modified(arg_types=[anything] * len(sig.arg_types), ret_type=ret)


class _Memo:
    """What one application of a signature hook computes once for all overload items.

    mypy looks the hook up (``get_*_signature_hook``) each time it applies it and then runs it
    once per overload item, one right after the other, on the same argument expressions
    (``ExpressionChecker.transform_callee_type``/``apply_signature_hook``); nothing is checked
    in between, so the arguments' types (inferred without a type context) are the same for
    every item and are inferred once. Items that map the arguments alike share the rule's
    outcome, whose errors are reported again for each item, as without the memo. A later check
    of the same call (a loop's next iteration, an enclosing call's next overload target, a
    deferred function's second pass, the other constraint of a constrained TypeVar) looks the
    hook up again and gets a fresh memo, so it never sees an earlier check's types. That a
    rule's errors depend on an item's result type only through its class (:func:`_kind`) is
    the one assumption.
    """

    __slots__ = ("node", "outcomes", "types")

    def __init__(self) -> None:
        self.node: Context | None = None
        self.types: dict[int, Type] = {}
        self.outcomes: list[tuple[object, _Outcome]] = []

    def start(self, node: Context) -> _Memo:
        """The memo for ``node``: emptied should mypy ever reuse a hook for another call."""
        if self.node is not node:
            self.node = node  # also keeps ``id()`` of its expressions from being reused
            self.types.clear()
            self.outcomes.clear()
        return self


_Outcome = tuple[str | None, list[tuple[str, ErrorCode]], bool]
"""A checked signature's outcome: the ShapeError's message, the errors the rule reported
itself, and whether the call could be read at all."""


def _outcome(
    rule: Rule, receiver: Type | None, ctx: MethodSigContext | FunctionSigContext, g: _Memo
) -> _Outcome:
    """Run the rule on the call as this item maps it (``Unknown`` and bugs give no error)."""
    sig = ctx.default_signature
    types = []
    for formal in ctx.args:
        row = []
        for e in formal:
            t = g.types.get(id(e))
            if t is None:
                t = g.types[id(e)] = ctx.api.get_expression_type(e)
            row.append(t)
        types.append(row)
    # the actual arguments' kinds: a ``*args`` or ``**kwargs`` argument stands for an unknown
    # number of operands, so the rule does not run on it (_make_call)
    given: dict[int, ArgKind] = {}
    if isinstance(ctx.context, CallExpr):
        given = {id(e): k for e, k in zip(ctx.context.args, ctx.context.arg_kinds, strict=True)}
    kinds = [[given.get(id(e), ARG_POS) for e in formal] for formal in ctx.args]
    failures: list[tuple[str, ErrorCode]] = []
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
        True,
    )
    if call is None:
        return None, failures, False
    call.failures = failures
    _trace(rule, call)
    try:
        rule.fn(call)
    except ShapeError as e:
        return str(e), failures, True
    except Unknown:
        pass
    except Exception:
        if _DEBUG:
            raise
    return None, failures, True


def _kind(sig: CallableType) -> str:
    """What of an item's result type a rule may read where it checks a call: its class
    (``Call.template``; the constructors' rules, whose class has the same type parameters in
    every item). The rest of it is the rule's result, which the signature hook does not use."""
    ret = get_proper_type(sig.ret_type)
    return ret.type.fullname if isinstance(ret, Instance) else type(ret).__name__


def _inputs(sig: CallableType, args: list[list[Expression]]) -> object:
    """What a rule reads of a call as ``sig`` maps its arguments (as :func:`_make_call` builds
    it): the operand expressions in order, the named ones, and the result's class."""
    operands: list[int] = []
    named: list[tuple[str, int]] = []
    for name, exprs in zip(sig.arg_names, args, strict=True):
        if name in _OPERAND_NAMES:
            operands.extend(map(id, exprs))
        elif exprs:
            named.append((name, id(exprs[0])))
    return operands, sorted(named), _kind(sig)


def _checked_signature(
    rule: Rule,
    receiver: Type | None,
    ctx: MethodSigContext | FunctionSigContext,
    memo: _Memo,
) -> FunctionLike:
    sig = ctx.default_signature
    if isinstance(ctx.context, CallExpr) and len(ctx.context.args) != sum(map(len, ctx.args)):
        return sig  # an overload item that cannot take these arguments: check the others
    if any(k.is_required() and not e for k, e in zip(sig.arg_kinds, ctx.args, strict=True)):
        return sig  # nor one that lacks a required argument (mypy rejects it too)
    try:
        g = memo.start(ctx.context)
        # the rule's inputs as this item maps the arguments (their types are the memo's)
        mapping = _inputs(sig, ctx.args)
        for seen, outcome in g.outcomes:
            if seen == mapping:
                message, failures, readable = outcome
                for m, code in failures:  # as the rule itself would report them again
                    ctx.api.fail(m, ctx.context, code=code)
                break
        else:
            outcome = _outcome(rule, receiver, ctx, g)
            g.outcomes.append((mapping, outcome))
            message, failures, readable = outcome
        if message is None:
            return sig
        ctx.api.fail(message, ctx.context, code=DFDX_SHAPE)
        call = Call(rule.op, [], [], {}, {}, sig.ret_type, ctx.api, ctx.context)
        if receiver is not None:
            call.operands.append(receiver)
        for name, formal in zip(sig.arg_names, ctx.args, strict=True):
            if name in _OPERAND_NAMES:
                call.operands.extend(g.types[id(e)] for e in formal)
        return _loosened(sig, call) if readable else sig
    except Exception:
        if _DEBUG:
            raise
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


def _shape_attribute(ctx: AttributeContext) -> Type:
    """``x.shape`` as a tuple of the sizes its type states: ``tuple[L[4], B, int]`` (an unknown
    size is ``int``), so that ``B, T, C = x.shape`` keeps them."""
    try:
        x = read_tensor(ctx.type)
        int_type = ctx.api.named_generic_type("builtins.int", [])
        items = [int_type if d is None else dim_type(d, x.syms, int_type, ctx.api) for d in x.shape]
        return TupleType(items, ctx.api.named_generic_type("builtins.tuple", [int_type]))
    except Unknown:
        return ctx.default_attr_type
    except Exception:
        if _DEBUG:
            raise
        return ctx.default_attr_type


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

    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        return _shape_attribute if fullname == f"{TENSOR}.shape" else None

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

    def _is_sized_user_module(self, fullname: str) -> bool:
        """Whether ``fullname`` is a user's ``Module`` class generic over sizes."""
        try:
            node = self.lookup_fully_qualified(fullname)
        except Exception:
            return False
        info = node.node if node is not None else None
        return isinstance(info, TypeInfo) and is_sized_user_module(info)

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        rule = FUNCTION_RULES.get(fullname)
        if rule is None and self._is_sized_user_module(fullname):
            rule = USER_MODULE
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
        memo = _Memo()  # mypy looks the hook up anew for each call it checks
        return lambda ctx: _checked_signature(rule, ctx.type, ctx, memo)

    def get_function_signature_hook(
        self, fullname: str
    ) -> Callable[[FunctionSigContext], FunctionLike] | None:
        rule = FUNCTION_RULES.get(fullname)
        if rule is None:
            return None
        memo = _Memo()
        return lambda ctx: _checked_signature(rule, None, ctx, memo)


__all__ = ["DfdxPlugin"]
