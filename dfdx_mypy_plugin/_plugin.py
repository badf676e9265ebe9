"""The mypy plugin class: finds the rule for a call by its fully qualified name and runs it
guarded, so that the plugin never crashes mypy."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
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
    ComparisonExpr,
    Context,
    Decorator,
    Expression,
    NameExpr,
    OperatorAssignmentStmt,
    OpExpr,
    Statement,
    TypeInfo,
)
from mypy.options import Options
from mypy.plugin import (
    AttributeContext,
    CheckerPluginInterface,
    ClassDefContext,
    DynamicClassDefContext,
    FunctionContext,
    FunctionSigContext,
    MethodContext,
    MethodSigContext,
    Plugin,
    ReportConfigContext,
)
from mypy.subtypes import find_member, is_subtype
from mypy.typeops import make_simplified_union
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    LiteralType,
    Overloaded,
    TupleType,
    Type,
    TypeOfAny,
    TypeVarType,
    UnionType,
    UnpackType,
    get_proper_type,
)

from dfdx_mypy_plugin import __version__, shapes
from dfdx_mypy_plugin._accumulators import FULLNAME as ACCUMULATED
from dfdx_mypy_plugin._accumulators import accumulated
from dfdx_mypy_plugin._arguments import hide_arguments, name_reuse, redefinable_arguments
from dfdx_mypy_plugin._buffers import register_buffer
from dfdx_mypy_plugin._chained_lists import chained_module_list
from dfdx_mypy_plugin._context import calmed
from dfdx_mypy_plugin._debug import DEBUG as _DEBUG
from dfdx_mypy_plugin._declared_fit import declared_layer_checked, positional_to_keyword
from dfdx_mypy_plugin._factories import factory_call, factory_of
from dfdx_mypy_plugin._generic_calls import checked_generic_call
from dfdx_mypy_plugin._instances import refined_by_instance
from dfdx_mypy_plugin._joined_arguments import joined_argument_accepted
from dfdx_mypy_plugin._joined_values import kept_variants
from dfdx_mypy_plugin._layer_lists import widened_list_item
from dfdx_mypy_plugin._listed import tensor_appended
from dfdx_mypy_plugin._reassigned_fields import widened_field_value
from dfdx_mypy_plugin._types import (
    MODULE,
    TENSOR,
    Unknown,
    dim_type,
    expr_form,
    is_scalar,
    read_tensor,
)
from dfdx_mypy_plugin._user_calls import exact_sizes_accepted
from dfdx_mypy_plugin._where import at_build, at_inputs, declared_after, fit_value
from dfdx_mypy_plugin.codes import DFDX_SHAPE
from dfdx_mypy_plugin.rules import FUNCTION_RULES, METHOD_RULES, Call, Rule, load_all
from dfdx_mypy_plugin.rules.containers import CONTAINERS, MODULE_LIST, container_signature
from dfdx_mypy_plugin.rules.indexing import _none_tape as none_tape
from dfdx_mypy_plugin.rules.nn import (
    USER_MODULE,
    checked_constructor,
    forward_checked,
    forward_sizes_evaluated,
    input_origins,
    is_sized_user_module,
)
from dfdx_mypy_plugin.shapes import ShapeError

_TRACE = os.environ.get("DFDX_PLUGIN_TRACE")
"""A file to which each rule that runs appends a line ``path<TAB>family`` (its module under
``rules/``): the typecheck tests check that a program marked ``# rules: conv`` runs a rule of
``rules/conv.py``."""

_OPERAND_NAMES = (None, "dims", "layers", "operands")
"""Formals read as operands: positional-only ones (mypy gives them no name), ``*dims``,
``Sequential``'s ``*layers`` and einsum's ``*operands``."""


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
            if unpacked is None and name == "layers" and ks == [ARG_STAR]:
                continue  # ``Sequential(*layers)`` of a list: the rule reads the list
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


def _argument_types(ctx: MethodContext | FunctionContext) -> list[list[Type]]:
    """The arguments' types as the rule should read them. Where mypy gave up on an overloaded
    call (``Any``: an argument whose own type depends on its context, ``x + f(y)`` with a
    generic ``f``, matched several items), the arguments inferred without a type context, as
    the signature hook reads them: mypy's last attempt inferred them in the context of the
    catch-all item, which erases their shapes."""
    if not isinstance(get_proper_type(ctx.default_return_type), AnyType):
        return ctx.arg_types
    try:
        return [[ctx.api.get_expression_type(e) for e in formal] for formal in ctx.args]
    except Exception:
        if _DEBUG:
            raise
        return ctx.arg_types


_MAX_VARIANTS = 16


def _variants(call: Call) -> list[Call]:
    """The call once per combination of the members of its arguments that are unions of
    tensor types (a name rebound in a loop to a result of another type, under
    ``allow_redefinition_new``), as mypy checks a union argument: the call must fit every
    member, and its result is the union of the members' results. Just ``[call]`` where no
    argument is such a union (or too many combinations would be). A member may be ``Any``
    beside tensor members (``identity = x``, then in a branch ``identity =
    self.downsample(x)`` of a field typed ``Module | None``): its variant fits whatever the
    op asks (:func:`dfdx_mypy_plugin._joined_values.kept_variants` keeps the members that
    fit)."""
    slots: list[tuple[str | int, list[Type]]] = []
    args: list[tuple[str | int, Type]] = [*enumerate(call.operands), *call.named.items()]
    for key, t in args:
        p = get_proper_type(t)
        if isinstance(p, UnionType):
            members = [get_proper_type(m) for m in p.items]
            tensors = [m for m in members if _is_tensor_instance(m)]
            untyped = [m for m in members if isinstance(m, AnyType)]
            if tensors and len(tensors) + len(untyped) == len(members):
                slots.append((key, list(p.items)))
    if not slots or math.prod(len(m) for _, m in slots) > _MAX_VARIANTS:
        return [call]
    out = []
    for choice in itertools.product(*(m for _, m in slots)):
        operands, named = list(call.operands), dict(call.named)
        for (key, _), t in zip(slots, choice, strict=True):
            if isinstance(key, int):
                operands[key] = t
            else:
                named[key] = t
        out.append(dataclasses.replace(call, operands=operands, named=named))
    return out


def _is_tensor_instance(t: Type) -> bool:
    p = get_proper_type(t)
    return isinstance(p, Instance) and p.type.fullname == TENSOR


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
        variants = kept_variants(rule.fn, call, _variants(call))
        if len(variants) > 1:
            return make_simplified_union([rule.fn(v) for v in variants])
        kept = variants[0] if variants else call
        return fit_value(call.api, call.op, call.context, rule.fn(kept), lambda m, at: None)
    except ShapeError:
        if call.recovered is not None:  # the signature hook has reported the error
            return declared_after(call.api, call.context, call.recovered) or call.recovered
        try:
            return call.unknown_shape()
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


def _assigned_to_name(statements: list[Statement], value: Expression) -> bool:
    """Whether ``value`` is the value of an assignment to plain names among ``statements``
    (nested blocks included)."""
    for stmt in statements:
        if isinstance(stmt, AssignmentStmt) and stmt.rvalue is value:
            # an annotated assignment declares the name: a mismatch there is no reuse
            return stmt.type is None and all(isinstance(t, NameExpr) for t in stmt.lvalues)
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


def _redefinition_hint(api: CheckerPluginInterface, node: Context, result: Type) -> None:
    """Where a call's tensor (any call the plugin hooks: an op, a method chain's last call, a
    layer's or a user module's call, a function returning a tensor) is assigned to a name that
    holds a tensor of another type, and mypy does not let a name take a new type, a note naming
    the options that do: PyTorch-style code reuses names (``h = conv1(x); h = pool(h)``)."""
    if not isinstance(api, TypeChecker) or name_reuse(api.options):
        return
    types = api.expr_checker.type_context
    context = get_proper_type(types[-1]) if types else None
    got = get_proper_type(result)
    if not (
        isinstance(context, Instance)
        and context.type.fullname == TENSOR
        and isinstance(got, Instance)
        and got.type.fullname == TENSOR
        and isinstance(node, Expression)
    ) or is_subtype(got, context):
        return
    function = api.scope.current_function()
    statements = function.body.body if function is not None else api.tree.defs
    if _assigned_to_name(statements, node):
        api.note(REDEFINITION_HINT, node, code=ASSIGNMENT)


def _hinted(hook: Callable[[Any], Type]) -> Callable[[Any], Type]:
    """``hook`` (of a function or method call), followed by the redefinition note."""

    def run(ctx: FunctionContext | MethodContext) -> Type:
        result = hook(ctx)
        try:
            _redefinition_hint(ctx.api, ctx.context, result)
        except Exception:
            if _DEBUG:
                raise
        return result

    return run


def _widened(hook: Callable[[FunctionContext], Type]) -> Callable[[FunctionContext], Type]:
    """``hook`` (of a constructor), its module's type widened where it is an item of a list
    display of modules that differ (:func:`widened_list_item`) or the first of several values
    of a field (:func:`widened_field_value`)."""

    def run(ctx: FunctionContext) -> Type:
        result = hook(ctx)
        try:
            result = widened_list_item(ctx.api, ctx.context, result)
            return widened_field_value(ctx.api, ctx.context, result)
        except Exception:
            if _DEBUG:
                raise
            return result

    return run


def _fail(api: CheckerPluginInterface, message: str, at: Context) -> None:
    api.fail(message, at, code=DFDX_SHAPE)


def _fitted_default(fullname: str) -> Callable[[FunctionContext | MethodContext], Type]:
    """The plain result of a call no rule types (an elementwise op: ``self.main(z).tanh()``),
    checked against the declared type its value goes to (:func:`fit_value`): its plain
    signature already keeps the shape, and a size that does not fit there was set by a layer
    before it."""
    op = fullname.rsplit(".", 1)[-1]

    def hook(ctx: FunctionContext | MethodContext) -> Type:
        try:
            return fit_value(
                ctx.api,
                op,
                ctx.context,
                ctx.default_return_type,
                lambda message, at: _fail(ctx.api, message, at),
            )
        except Exception:
            if _DEBUG:
                raise
            return ctx.default_return_type

    return hook


_UNTRACED_RESULTS = frozenset({"argmax", "argmin"})
"""Ops whose result is on ``NoneTape`` whatever the input's tape (:func:`_of_unknown_rank`)."""


def _of_unknown_rank(call: Call, default: Type) -> Type:
    """Where the plain signature gives ``Any`` for an operand of unknown rank (a
    ``DynTensor``), a tensor of unknown rank on the operands' tape instead: ``Any`` would make
    ``--strict`` flag a function that returns it as a ``DynTensor`` (``no-any-return``).
    On ``NoneTape`` for an op whose result is untraced whatever its input's tape (argmax,
    argmin)."""
    if not isinstance(get_proper_type(default), AnyType) or not call.operands:
        return default
    first = get_proper_type(call.operands[0])
    if not (
        isinstance(first, Instance)
        and first.type.fullname == TENSOR
        and any(isinstance(a, UnpackType) for a in first.args)
    ):
        return default
    first = get_proper_type(call.operands[0])
    if not (isinstance(first, Instance) and first.type.fullname == TENSOR):
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


_Outcome = tuple[str | None, list[tuple[str, ErrorCode, Context]], bool, bool, bool]
"""A checked signature's outcome: the ShapeError's message, the errors the rule reported
itself, whether the call could be read at all, whether the rule passed every member of an
argument that is a union of tensor types (:func:`_variants`), and whether it typed the call
(no ``Unknown``)."""


def _int_sizes(g: _Memo) -> bool:
    """Whether an argument of the call is a tensor with a size typed plain ``int``."""
    for t in g.types.values():
        p = get_proper_type(t)
        if isinstance(p, Instance) and p.type.fullname == TENSOR:
            for a in p.args[:-1]:
                d = get_proper_type(a)
                if (
                    isinstance(d, Instance)
                    and d.type.fullname == "builtins.int"
                    and d.last_known_value is None
                ):
                    return True
    return False


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
    failures: list[tuple[str, ErrorCode, Context]] = []
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
        return None, failures, False, False, False
    call.failures = failures
    _trace(rule, call)
    all_variants = _variants(call)
    variants = kept_variants(rule.fn, call, all_variants)
    # no variant left, or another member of the operator's left operand instead: the call's
    # input is one a path rules out (the method hook types it)
    every_member = len(all_variants) > 1 or not _same_calls(variants, all_variants)
    typed = True
    for variant in variants:
        try:
            result = rule.fn(variant)
            if not every_member:
                fit_value(ctx.api, rule.op, ctx.context, result, _failing(variant))
        except ShapeError as e:
            return str(e), failures, True, False, False
        except Unknown:
            every_member = typed = False
        except Exception:
            every_member = typed = False
            if _DEBUG:
                raise
    return None, failures, True, every_member, typed


def _same_calls(a: list[Call], b: list[Call]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _failing(call: Call) -> Callable[[str, Context], None]:
    """An error reported with ``dfdx-shape`` at a place, as the rule would report it."""
    return lambda message, at: call.fail(message, DFDX_SHAPE, at=at)


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
    layer_call: bool = False,
) -> FunctionLike:
    """The signature of a call the rule checks first: as declared where the rule finds no
    error, else loosened after the error is reported (on the line that built the layer too,
    for a call of a layer: ``layer_call``)."""
    sig = ctx.default_signature
    if isinstance(ctx.context, CallExpr) and len(ctx.context.args) != sum(map(len, ctx.args)):
        return sig  # an overload item that cannot take these arguments: check the others
    if any(k.is_required() and not e for k, e in zip(sig.arg_kinds, ctx.args, strict=True)):
        return sig  # nor one that lacks a required argument (mypy rejects it too)
    if positional_to_keyword(sig, ctx):
        return sig  # nor one that maps a positional argument to a keyword-only parameter
    try:
        g = memo.start(ctx.context)
        # the rule's inputs as this item maps the arguments (their types are the memo's)
        mapping = _inputs(sig, ctx.args)
        for seen, outcome in g.outcomes:
            if seen == mapping:
                message, failures, readable, every_member, typed = outcome
                for m, code, where in failures:  # as the rule itself would report them again
                    ctx.api.fail(m, where, code=code)
                break
        else:
            outcome = _outcome(rule, receiver, ctx, g)
            g.outcomes.append((mapping, outcome))
            message, failures, readable, every_member, typed = outcome
        if message is None and (every_member or (layer_call and _int_sizes(g))):
            # the rule fitted each member: mypy's plain signature, which may not solve its tape
            # for a union of tapes, is not asked (the method hook gives the members' results);
            # nor where a layer's input has a size typed plain ``int`` (unknown: a ``forward``
            # declared ``Tensor[B, int, int, T]``), which the rule accepts and mypy would take
            # for a wrong size where the layer's is a literal
            anything = AnyType(TypeOfAny.special_form)
            ret = erase_typevars(sig.ret_type)
            return sig.copy_modified(arg_types=[anything] * len(sig.arg_types), ret_type=ret)
        if message is None:
            if not typed:
                return sig
            if layer_call and _computed_layer_size(receiver):
                sig = _layer_sizes_accepted(sig)
            return _computed_sizes_accepted(sig, ctx.args, g.types)
        ctx.api.fail(message, ctx.context, code=DFDX_SHAPE)
        built = at_build(ctx.api, ctx.context, message, receiver) if layer_call else None
        if built is not None:
            ctx.api.fail(built[0], built[1], code=DFDX_SHAPE)
        if layer_call and receiver is not None:
            for used, where in input_origins(ctx.api, receiver, ctx.context, message):
                ctx.api.fail(used, where, code=DFDX_SHAPE)
        for used, where in at_inputs(ctx.api, ctx.context, message):
            ctx.api.fail(used, where, code=DFDX_SHAPE)
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


def _has_computed_size(t: Type | None) -> bool:
    """Whether ``t`` is a tensor with a size computed by the plugin (``Expr[L["NH*(D//NH)"]]``),
    or a union with one (a name rebound in a loop: ``x = block(x)`` after a patch embedding
    whose strided window gives ``(H//P)*(W//P)`` patches)."""
    p = get_proper_type(t) if t is not None else None
    if isinstance(p, UnionType):
        return any(_has_computed_size(item) for item in p.items)
    return (
        isinstance(p, Instance)
        and p.type.fullname == TENSOR
        and any(expr_form(get_proper_type(a)) is not None for a in p.args[:-1])
    )


def _computed_layer_size(layer: Type | None) -> bool:
    """Whether a layer's type has a size computed by the plugin (``Linear[D,
    Expr[L["2*hidden"]]]``)."""
    p = get_proper_type(layer) if layer is not None else None
    return isinstance(p, Instance) and any(
        expr_form(get_proper_type(a)) is not None for a in p.args
    )


def _layer_sizes_accepted(sig: CallableType) -> CallableType:
    """A layer's ``__call__`` where the rule has typed the call without an error, each size
    of an input tensor that the layer's computed size fixes taking anything: the rule has
    compared it with the input's (``Conv2d[Expr[L["in_chans"]], D]``, from a module's
    ``in_chans: int``, takes a ``Tensor[B, CI, H, W]``: ``CI`` may be equal to it), where mypy
    holds an ``Expr`` to be another type than ``CI``. Its other sizes are still solved."""
    anything = AnyType(TypeOfAny.special_form)
    arg_types: list[Type] = []
    for t in sig.arg_types:
        p = get_proper_type(t)
        if isinstance(p, Instance) and p.type.fullname == TENSOR:
            args = [anything if expr_form(get_proper_type(a)) else a for a in p.args]
            t = p.copy_modified(args=args)
        arg_types.append(t)
    return sig.copy_modified(arg_types=arg_types)


def _computed_sizes_accepted(
    sig: CallableType, args: list[list[Expression]], types: dict[int, Type]
) -> CallableType:
    """``sig`` where the rule has typed the call without an error, each argument that is a
    tensor with a computed size taking anything: the rule has compared that size with what
    the call takes, and it may fit (``x.reshape(b, s, self.h * self.d_k)``, ``NH*(D//NH)``
    features, given to a ``Linear[D, D]``: equal where ``NH`` divides ``D``), where mypy
    holds an ``Expr`` to be another type than ``D`` and would report the argument."""
    arg_types = list(sig.arg_types)
    for i, formal in enumerate(args):
        if any(
            _has_computed_size(types.get(id(e))) or _object_list(types.get(id(e))) for e in formal
        ):
            arg_types[i] = AnyType(TypeOfAny.special_form)
    return sig if arg_types == sig.arg_types else sig.copy_modified(arg_types=arg_types)


def _object_list(t: Type | None) -> bool:
    """Whether ``t`` is a list of ``object``: mypy's join of tensors on two tapes or of two
    ranks (``outputs = [x, self.conv(x)]``), which a rule that typed the call has read from
    where the list was made (``_listed``)."""
    p = get_proper_type(t) if t is not None else None
    if not (isinstance(p, Instance) and p.type.fullname == "builtins.list" and len(p.args) == 1):
        return False
    element = get_proper_type(p.args[0])
    return isinstance(element, Instance) and element.type.fullname == "builtins.object"


@contextmanager
def _beside_operator_check(api: CheckerPluginInterface, context: Context) -> Iterator[None]:
    """Errors reported inside it, for an operator's method (``h + emb``), reach the user
    without counting as a failure of the method's call. mypy checks ``a + b`` by calling
    ``a.__add__(b)`` and, where that reports an error, ``b.__radd__(a)``; where both report
    one, the operation's type is ``Any``, which would hide every later mistake in the
    function. The plugin's error says the shapes do not fit; its signature then takes the
    operands and its result is the best type known (:meth:`Call.recover`). So the errors skip
    the two error watchers mypy's ``check_op`` and ``check_op_reversible`` put around the
    call (the outer ones, a loop's, still see them); where those are not found as expected,
    nothing changes."""
    errors = getattr(getattr(api, "msg", None), "errors", None)
    watchers = getattr(errors, "_watchers", None)
    if (
        errors is None
        or not isinstance(context, (OpExpr, ComparisonExpr, OperatorAssignmentStmt))
        or not isinstance(watchers, list)
        or len(watchers) < 2
        or not all(getattr(w, "_filter", None) is True for w in watchers[-2:])
    ):
        yield
        return
    errors._watchers = watchers[:-2]
    try:
        yield
    finally:
        errors._watchers = watchers


def _operator_signature(
    rule: Rule, memo: _Memo, layer_call: bool
) -> Callable[[MethodSigContext], FunctionLike]:
    def hook(ctx: MethodSigContext) -> FunctionLike:
        with _beside_operator_check(ctx.api, ctx.context):
            return _checked_signature(rule, ctx.type, ctx, memo, layer_call)

    return hook


def _forward_signature(ctx: MethodSigContext) -> FunctionLike:
    """``model(x)`` on a module that inherits ``Module.__call__``: the signature of its own
    typed ``forward``, so that mypy checks the arguments and infers the result from it (the
    plain ``__call__`` takes and returns ``Any``)."""
    try:
        receiver = get_proper_type(ctx.type)
        if not isinstance(receiver, Instance):
            return ctx.default_signature
        info = receiver.type.get_containing_type_info("forward")
        if info is None or info.fullname == MODULE:
            return ctx.default_signature
        forward = get_proper_type(find_member("forward", receiver, receiver, is_operator=True))
        if isinstance(forward, CallableType):
            if _own_arguments(ctx):
                forward = _joined_forward(ctx, forward)
                checked, misfit = forward_checked(ctx.api, receiver, forward, ctx.context)
                return refined_by_instance(ctx.api, receiver, checked, ctx.context, misfit)
            return forward_sizes_evaluated(ctx.api, receiver, forward, ctx.args)
        if isinstance(forward, FunctionLike):
            return forward
    except Exception:
        if _DEBUG:
            raise
    return ctx.default_signature


def _joined_forward(ctx: MethodSigContext, forward: CallableType) -> CallableType:
    """``forward`` taken once per path of a tensor argument joined from several (a loop's
    ``x = block(self.up(x), w)``, whose ``x`` is the union of each pass's sizes):
    :func:`joined_argument_accepted`, as for the user's other calls."""
    try:
        return joined_argument_accepted(ctx._replace(default_signature=forward))
    except Exception:
        if _DEBUG:
            raise
        return forward


def _own_arguments(ctx: MethodSigContext) -> bool:
    """Whether the call being checked is the expression mypy reports at (``block(x)``), not a
    call the plugin makes itself on a layer of a ``Sequential`` it folds (whose context is the
    ``Sequential``'s call, with other arguments)."""
    context = ctx.context
    if not isinstance(context, CallExpr):
        return False
    given = [e for exprs in ctx.args for e in exprs]
    return all(any(e is a for a in context.args) for e in given)


def _aliases_forward(info: TypeInfo) -> bool:
    """Whether the class body says ``__call__ = forward``."""
    for stmt in info.defn.defs.body:
        if (
            isinstance(stmt, AssignmentStmt)
            and len(stmt.lvalues) == 1
            and isinstance(stmt.lvalues[0], NameExpr)
            and stmt.lvalues[0].name == "__call__"
            and isinstance(stmt.rvalue, NameExpr)
            and stmt.rvalue.name == "forward"
        ):
            return True
    return False


def _user_constructor_signature(ctx: FunctionSigContext) -> FunctionLike:
    """A user's module built where its type is declared: its sizes checked against it."""
    try:
        return checked_constructor(ctx.api, ctx.default_signature, ctx.args, ctx.context)
    except Exception:
        if _DEBUG:
            raise
        return ctx.default_signature


def _guarded_generic_call(ctx: FunctionSigContext | MethodSigContext) -> FunctionLike:
    """:func:`checked_generic_call`, never crashing mypy."""
    try:
        return checked_generic_call(ctx)
    except Exception:
        if _DEBUG:
            raise
        return ctx.default_signature


def _checked_user_call(ctx: FunctionSigContext | MethodSigContext) -> FunctionLike:
    """:func:`checked_generic_call`, then :func:`exact_sizes_accepted` on what it gives; a
    value joined from several paths taken once per member (:func:`joined_argument_accepted`)."""
    try:
        ctx = ctx._replace(default_signature=joined_argument_accepted(ctx))
    except Exception:
        if _DEBUG:
            raise
    checked = _guarded_generic_call(ctx)
    if not isinstance(checked, CallableType):
        return checked
    return exact_sizes_accepted(ctx._replace(default_signature=checked))


def _shape_attribute(ctx: AttributeContext) -> Type:
    """``x.shape`` as a tuple of the sizes its type states: ``tuple[L[4], B, int]`` (an unknown
    size is ``int``), so that ``B, T, C = x.shape`` keeps them; ``tuple[int, ...]`` where the
    rank is unknown (the plain ``tuple[*Dims]`` would give ``Any`` or ``*S`` items there)."""
    try:
        int_type = ctx.api.named_generic_type("builtins.int", [])
        int_tuple = ctx.api.named_generic_type("builtins.tuple", [int_type])
        try:
            x = read_tensor(ctx.type)
        except Unknown:
            return int_tuple
        items = [int_type if d is None else dim_type(d, x.syms, int_type, ctx.api) for d in x.shape]
        return TupleType(items, int_tuple)
    except Exception:
        if _DEBUG:
            raise
        return ctx.default_attr_type


_POWERS = frozenset(f"builtins.{t}.__{p}pow__" for t in ("int", "float") for p in ("", "r"))


def _real_power(ctx: MethodContext) -> Type:
    """``d ** -0.5`` and ``float(d) ** 0.5`` as ``float``: typeshed gives ``Any`` (a negative
    base makes a complex), and mypy types an operator with an ``Any`` operand as ``Any``
    without asking the plugin, so the attention scale ``q @ k.mT * self.scale`` lost its
    shape. An ``int`` exponent (``2 ** n``: an int or a float) keeps mypy's answer."""
    try:
        default = get_proper_type(ctx.default_return_type)
        operands = [_upper_bound(t) for t in [ctx.type, *(t for ts in ctx.arg_types for t in ts)]]
        if isinstance(default, AnyType) and all(map(is_scalar, operands)):
            if any(_is_float(t) for t in operands):
                return ctx.api.named_generic_type("builtins.float", [])
    except Exception:
        if _DEBUG:
            raise
    return ctx.default_return_type


def _upper_bound(t: Type) -> Type:
    """A size TypeVar's bound (``width ** -0.5`` with ``width: D``, ``D`` bound to ``int``)."""
    p = get_proper_type(t)
    return p.upper_bound if isinstance(p, TypeVarType) else t


def _is_float(t: Type) -> bool:
    p = get_proper_type(t)
    if isinstance(p, LiteralType):
        p = p.fallback
    return isinstance(p, Instance) and p.type.fullname == "builtins.float"


def _transposed_attribute(ctx: AttributeContext) -> Type:
    """``x.T`` on a tensor of a known rank other than 2: the runtime's ShapeError, reported
    (the plain descriptor types it ``Any``: it cannot tell the rank of ``Tensor[*S]``). On a
    2-d tensor, its two sizes swapped, whatever overload of the descriptor mypy picked from
    the expected type (an operand's ``wh2.T`` is checked against each overload's parameter,
    down to the one of unknown rank)."""
    try:
        shapes.matrix_transpose(read_tensor(ctx.type).shape)  # unknown rank: Unknown
        p = get_proper_type(ctx.type)
        if isinstance(p, Instance) and p.type.fullname == TENSOR and len(p.args) == 3:
            return p.copy_modified(args=[p.args[1], p.args[0], p.args[2]])
    except ShapeError as e:
        ctx.api.fail(str(e), ctx.context, code=DFDX_SHAPE)
    except Unknown:
        pass
    except Exception:
        if _DEBUG:
            raise
    return ctx.default_attr_type


def _returns_tensor(plugin: Plugin, fullname: str) -> bool:
    """See :meth:`DfdxPlugin._may_return_tensor`."""
    if fullname.startswith(("dfdx.", "dfdx_")):
        return True
    owner, _, name = fullname.rpartition(".")
    try:
        node = plugin.lookup_fully_qualified(fullname)
        if node is None and owner:  # a method inherited: look it up on the class
            cls = plugin.lookup_fully_qualified(owner)
            info = cls.node if cls is not None else None
            if isinstance(info, TypeInfo):
                if info.has_base(MODULE) and name in ("__call__", "forward"):
                    return True
                found = info.get(name)
                node = found
    except Exception:  # a name mypy cannot resolve here (a nested or local definition)
        return False
    target = node.node if node is not None else None
    if isinstance(target, TypeInfo):
        return False
    if isinstance(target, Decorator):
        target = target.func
    t = get_proper_type(getattr(target, "type", None))
    items = t.items if isinstance(t, Overloaded) else [t]
    return any(
        isinstance(i, CallableType) and _mentions_tensor(get_proper_type(i.ret_type)) for i in items
    )


def _mentions_tensor(t: Type) -> bool:
    p = get_proper_type(t)
    if isinstance(p, Instance):
        return p.type.fullname == TENSOR
    if isinstance(p, UnionType):
        return any(_mentions_tensor(i) for i in p.items)
    return False


load_all()


class DfdxPlugin(Plugin):
    """Shapes and tapes of dfdx tensors, computed and checked at type time.

    Each rule runs twice per call. The signature hook runs it first, before mypy matches the
    plain overloads: it reports the rule's errors and, for a shape error, loosens the signature
    so that mypy adds no generic error of its own for the same mistake. The method/function
    hook runs it again, silently, to compute the result type.
    """

    _digest = _sources_digest()

    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self._returns_tensor: dict[str, bool] = {}

    def report_config_data(self, ctx: ReportConfigContext) -> Any:
        """mypy hashes only the entry module; this keys its cache to every plugin source."""
        return self._digest

    def _class(self, fullname: str) -> TypeInfo | None:
        """The class named ``fullname``, or None (not a class, or a name mypy cannot resolve
        here: a nested or local class)."""
        try:
            node = self.lookup_fully_qualified(fullname)
        except Exception:
            return None
        info = node.node if node is not None else None
        return info if isinstance(info, TypeInfo) else None

    def _inherits_module_call(self, class_fullname: str) -> bool:
        """Whether the class is a ``Module`` whose ``__call__`` is ``Module``'s own."""
        info = self._class(class_fullname)
        if info is None or not info.has_base(MODULE):
            return False
        owner = info.get_containing_type_info("__call__")
        return owner is not None and owner.fullname == MODULE

    def _calls_forward(self, class_fullname: str, method: str) -> bool:
        """Whether ``method`` of the user's module class is its own ``forward``: ``forward``
        itself (called by name, or by the plugin on a layer of a ``Sequential``) or a
        ``__call__ = forward`` alias in its class body. Called, it has the signature
        :func:`_forward_signature` gives, as where ``Module.__call__`` is inherited: the
        sizes its ``forward`` computes (``Expr[L["E1+E3"]]``) worked out with the module's."""
        info = self._class(class_fullname)
        if info is None or not info.has_base(MODULE) or info.fullname.startswith("dfdx."):
            return False
        owner = info.get_containing_type_info("forward")
        if owner is None or owner.fullname.startswith("dfdx."):
            return False
        if method == "forward":
            return True
        caller = info.get_containing_type_info("__call__")
        return caller is owner and _aliases_forward(owner)

    def get_base_class_hook(self, fullname: str) -> Callable[[ClassDefContext], None] | None:
        info = self._class(fullname) if fullname != MODULE else None
        if fullname == MODULE or (info is not None and info.has_base(MODULE)):
            return redefinable_arguments
        return None

    def get_dynamic_class_hook(
        self, fullname: str
    ) -> Callable[[DynamicClassDefContext], None] | None:
        """``object``'s: the marker of a body whose arguments were renamed
        (:func:`dfdx_mypy_plugin._arguments.hide_arguments`)."""
        return hide_arguments if fullname == "builtins.object" else None

    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        if fullname == f"{TENSOR}.T":
            return _transposed_attribute
        return _shape_attribute if fullname == f"{TENSOR}.shape" else None

    def _module_method(self, fullname: str) -> bool:
        """Whether ``fullname`` (``pkg.Cls.method``) is a method ``Cls`` inherits from
        ``Module`` as it is (mypy names a method after the receiver's class)."""
        cls, _, name = fullname.rpartition(".")
        info = self._class(cls)
        method = info.get_method(name) if info is not None else None
        return method is not None and method.info.fullname == MODULE

    def _may_return_tensor(self, fullname: str) -> bool:
        """Whether a call of ``fullname`` (with no rule) may give a tensor: a function or
        method of dfdx, a ``Module``'s call, or a function or method declared to return a
        ``Tensor``. Its hook adds the redefinition note only; other calls get no hook, so that
        the hooks of mypy's default plugin (and of plugins listed after this one) still run."""
        known = self._returns_tensor.get(fullname)
        if known is None:
            known = self._returns_tensor[fullname] = _returns_tensor(self, fullname)
        return known

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        if fullname in _POWERS:
            return _real_power
        if fullname.endswith(".register_buffer") and self._module_method(fullname):
            return register_buffer
        rule = METHOD_RULES.get(fullname)
        if rule is None:
            may = self._may_return_tensor(fullname)
            if may:
                return _hinted(_fitted_default(fullname))
            return self._factory_hook(fullname, method=True)

        def hook(ctx: MethodContext) -> Type:
            call = _make_call(
                rule,
                ctx.type,
                ctx.callee_arg_names,
                ctx.arg_kinds,
                _argument_types(ctx),
                ctx.args,
                ctx.default_return_type,
                ctx.api,
                ctx.context,
                report=False,
            )
            return _run(rule, call, ctx.default_return_type)

        return _hinted(hook)

    def _is_sized_user_module(self, fullname: str) -> bool:
        """Whether ``fullname`` is a user's ``Module`` class generic over sizes."""
        info = self._class(fullname)
        return info is not None and is_sized_user_module(info)

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        if fullname == MODULE_LIST:
            return chained_module_list
        if fullname == ACCUMULATED:
            return accumulated
        rule = FUNCTION_RULES.get(fullname)
        if rule is None and self._is_sized_user_module(fullname):
            rule = USER_MODULE
        if rule is None and self._is_module_class(fullname):
            return _widened(lambda ctx: ctx.default_return_type)
        if rule is None:
            may = self._may_return_tensor(fullname)
            if may:
                return _hinted(_fitted_default(fullname))
            return self._factory_hook(fullname, method=False)

        def hook(ctx: FunctionContext) -> Type:
            call = _make_call(
                rule,
                None,
                ctx.callee_arg_names,
                ctx.arg_kinds,
                _argument_types(ctx),
                ctx.args,
                ctx.default_return_type,
                ctx.api,
                ctx.context,
                report=False,
            )
            return _run(rule, call, ctx.default_return_type)

        return _hinted(_widened(declared_layer_checked(hook)))

    def _is_module_class(self, fullname: str) -> bool:
        """Whether ``fullname`` is a ``Module`` class (its call builds a layer)."""
        info = self._class(fullname)
        return info is not None and info.has_base(MODULE)

    def _factory_hook(
        self, fullname: str, method: bool
    ) -> Callable[[FunctionContext | MethodContext], Type] | None:
        """The hook of a call of the user's helper that builds layers (:mod:`_factories`)."""
        if method:
            cls, _, name = fullname.rpartition(".")
            info = self._class(cls)
            node: object = info.get_method(name) if info is not None else None
        else:
            try:
                found = self.lookup_fully_qualified(fullname)
            except Exception:
                return None
            node = found.node if found is not None else None
        func = factory_of(node)
        return None if func is None else lambda ctx: factory_call(ctx, func)

    @staticmethod
    def _user_call(
        fullname: str,
    ) -> Callable[[FunctionSigContext | MethodSigContext], FunctionLike]:
        """The signature of a call of a function or method that returns a tensor: sizes equal
        where divisions are exact accepted (:func:`exact_sizes_accepted`), and for the user's
        own, arguments that give a size two values reported first (:func:`checked_generic_call`)."""
        if fullname.startswith(("dfdx.", "dfdx_")):
            return exact_sizes_accepted
        return _checked_user_call

    def get_method_signature_hook(
        self, fullname: str
    ) -> Callable[[MethodSigContext], FunctionLike] | None:
        if fullname.endswith(".__call__") and self._inherits_module_call(fullname[:-9]):
            return calmed(_forward_signature)
        if fullname in ("builtins.list.append", "builtins.list.insert"):
            return calmed(tensor_appended)
        cls, _, method = fullname.rpartition(".")
        if method in ("forward", "__call__") and self._calls_forward(cls, method):
            return calmed(_forward_signature)
        rule = METHOD_RULES.get(fullname)
        if rule is None:
            return calmed(self._user_call(fullname)) if self._may_return_tensor(fullname) else None
        memo = _Memo()  # mypy looks the hook up anew for each call it checks
        return calmed(_operator_signature(rule, memo, fullname.endswith(".__call__")))

    def get_function_signature_hook(
        self, fullname: str
    ) -> Callable[[FunctionSigContext], FunctionLike] | None:
        if fullname in CONTAINERS:
            return calmed(container_signature)
        rule = FUNCTION_RULES.get(fullname)
        if rule is None and self._is_sized_user_module(fullname):
            return calmed(_user_constructor_signature)
        if rule is None:
            return calmed(self._user_call(fullname)) if self._may_return_tensor(fullname) else None
        memo = _Memo()
        return calmed(lambda ctx: _checked_signature(rule, None, ctx, memo))


__all__ = ["DfdxPlugin"]
