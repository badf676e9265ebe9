"""A user's module called: its ``forward`` evaluated for this instance (docs/modules.md,
"Blocks typed per instance").

Ports write a block once and build it with many arguments (``BasicConv2d(3, 64, 7,
stride=2, padding=3)``, ``ConvBNReLU(32, 64, stride=2)``, ``MixFFN(dim=64, ratio=4)``), and
declare its ``forward`` with sizes they cannot name: ``Tensor[B, CO, Dyn, Dyn]``, or ``int``
where a size comes from an ``int`` argument. Every size after such a block was lost, and so
was every mistake after it, or inside it that shows only with this instance's values.

Where the call's module was built once in the file being checked (``self.c1 = Block(...)``
in ``__init__``, or a local name bound once) with arguments whose values are known (literals,
folded arithmetic on them, size TypeVars), the block's ``__init__`` is run on those values
(fields built from layers of the table, ``Sequential``, other user modules, ``int``
attributes) and then its ``forward`` on the call's argument shapes: straight-line bodies of
layer and module calls, activations, arithmetic, ``cat``, ``reshape``/``view``/``flatten``/
``permute``/``transpose``, pools and ``return``, each with the shape rules of
:mod:`dfdx_mypy_plugin.shapes`. Anything the evaluator does not understand (a loop, a branch
it cannot decide, an op it does not know) ends the evaluation: the declared type stands.

The result only fills in what the declared return type leaves unknown (a ``Dyn``, ``Any`` or
``int`` size, where the declared rank is the evaluated one); a declared size is never
changed. A ``ShapeError`` raised by an op of ``forward`` that goes away when the instance's
arguments are not known (so that only this instance's values make it) is reported on the
op's line, naming the instance, and, where exactly one construction argument makes it, on
that argument's line too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mypy.argmap import map_actuals_to_formals
from mypy.checker import TypeChecker
from mypy.nodes import (
    ARG_NAMED,
    ARG_POS,
    ArgKind,
    AssertStmt,
    AssignmentStmt,
    Block,
    BreakStmt,
    CallExpr,
    ComparisonExpr,
    Context,
    ContinueStmt,
    Expression,
    ExpressionStmt,
    FloatExpr,
    ForStmt,
    FuncDef,
    IfStmt,
    IndexExpr,
    IntExpr,
    ListExpr,
    MemberExpr,
    NameExpr,
    OperatorAssignmentStmt,
    OpExpr,
    PassStmt,
    RaiseStmt,
    RefExpr,
    ReturnStmt,
    Statement,
    StrExpr,
    SuperExpr,
    TryStmt,
    TupleExpr,
    TypeInfo,
    UnaryExpr,
    WhileStmt,
    WithStmt,
)
from mypy.plugin import CheckerPluginInterface
from mypy.traverser import all_name_and_member_expressions
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
from dfdx_mypy_plugin._blamed_arguments import fault_arguments, read_argument
from dfdx_mypy_plugin._debug import DEBUG
from dfdx_mypy_plugin._locals import target_names
from dfdx_mypy_plugin._reused_names import _expressions
from dfdx_mypy_plugin._types import (
    TENSOR,
    Unknown,
    dim_type,
    expr_type,
    is_int_bound,
    literal_bool,
    literal_int,
    literal_str,
    read_dim,
    read_tensor,
)
from dfdx_mypy_plugin._where import built_by, walk
from dfdx_mypy_plugin.codes import DFDX_SHAPE
from dfdx_mypy_plugin.shapes import ShapeError
from dfdx_mypy_plugin.shapes.layers import Layer, Window, layer_of, output_shape

_MODULE = "dfdx.nn._module.Module"
_SEQUENTIAL = "dfdx.nn._containers.Sequential"
_DEPTH = 4
"""How deep modules built inside modules are followed."""


class _Stop(Exception):
    """Something the evaluator does not understand: the declared type stands."""


@dataclass
class _Failed(Exception):
    """An op of a ``forward`` raised a ShapeError with this instance's values."""

    error: ShapeError
    where: Context
    instance: str
    module: TypeInfo | None
    layer: _Layer | None = None
    """The layer whose call raised it (its input does not fit it), where one did."""


@dataclass(frozen=True)
class _Tensor:
    shape: shapes.Shape


@dataclass(frozen=True)
class _Word:
    """A string argument (``padding="same"``), apart from a symbolic size."""

    text: str


@dataclass(frozen=True)
class _Layer:
    layer: Layer
    sizes: tuple[shapes.Dim, ...]
    window: Window | None
    built: CallExpr | None = field(default=None, compare=False)
    """The call in ``__init__`` that built it."""


@dataclass(frozen=True)
class _Sequence:
    members: tuple[object, ...]


@dataclass
class _Module:
    info: TypeInfo
    fields: dict[str, object]
    name: str
    """As messages write it: ``BasicConv2d(3, 64, 7, stride=2)``."""
    line: int


_UNKNOWN = object()
"""A value the evaluator does not know (a field built by a call it does not follow); using
it stops the evaluation."""

_KEEPS_SHAPE = frozenset(
    {
        "relu",
        "gelu",
        "silu",
        "sigmoid",
        "tanh",
        "exp",
        "log",
        "sqrt",
        "abs",
        "neg",
        "contiguous",
        "clone",
        "detach",
        "float",
        "softmax",
        "log_softmax",
        "dropout",
        "clamp",
        "leaky_relu",
        "relu6",
        "hardswish",
        "hardsigmoid",
        "elu",
        "mish",
        "softplus",
        "trace",
        "square",
    }
)
"""Ops of a tensor (methods, or ``dx.<op>(x, ...)``) whose result has the input's shape."""


@dataclass
class _Scope:
    """What the evaluator knows while it runs one method of one instance."""

    names: dict[str, object] = field(default_factory=dict)
    fields: dict[str, object] = field(default_factory=dict)
    instance: str = ""
    depth: int = 0
    api: CheckerPluginInterface | None = None
    info: TypeInfo | None = None


# ---- the hook --------------------------------------------------------------------------------


def refined_by_instance(
    api: CheckerPluginInterface,
    module: Instance,
    forward: CallableType,
    context: Context,
    misfit: bool = False,
) -> CallableType:
    """``forward``, the signature of ``module(...)``, with its declared return type's unknown
    sizes filled in from this instance's ``forward`` (the module docstring); ``forward``
    itself where the evaluation stops, or where the call's check already reported an
    argument that does not fit (``misfit``)."""
    try:
        return forward if misfit else _refined(api, module, forward, context)
    except Exception:
        if DEBUG:
            raise
        return forward


def _refined(
    api: CheckerPluginInterface, module: Instance, forward: CallableType, context: Context
) -> CallableType:
    if not isinstance(context, CallExpr) or not isinstance(api, TypeChecker):
        return forward
    ret = get_proper_type(forward.ret_type)
    if not (isinstance(ret, Instance) and ret.type.fullname == TENSOR and _has_unknown(ret)):
        if not _same_file(api, module.type):
            return forward
    built = built_by(api, context.callee)
    if not isinstance(built, CallExpr) or not _names_class(built.callee, module.type):
        return forward
    syms: dict[str, Type] = {}
    arguments = _construction_arguments(api, built, module.type, syms)
    if arguments is None or not _agrees(module, arguments):
        return forward
    inputs = _call_inputs(api, module.type, context, syms)
    if inputs is None:
        return forward
    outcome = _outcome(api, module.type, built, arguments, inputs)
    if isinstance(outcome, _Failed):
        _report(api, module.type, built, arguments, inputs, outcome)
        return forward
    if outcome is None or not isinstance(ret, Instance) or ret.type.fullname != TENSOR:
        return forward
    return forward.copy_modified(ret_type=_filled(api, ret, outcome.shape, syms))


def _outcome(
    api: CheckerPluginInterface,
    info: TypeInfo,
    built: CallExpr,
    arguments: dict[str, object],
    inputs: dict[str, object],
) -> _Tensor | _Failed | None:
    """The tensor ``forward`` returns for this instance, the failure of one of its ops, or
    None where the evaluation stops."""
    try:
        instance = _built(api, info, arguments, _describe(info, built, arguments), 0, built.line)
        value = _run_forward(api, instance, inputs, 0)
    except _Failed as failed:
        return failed
    except (_Stop, Unknown, ShapeError):
        return None
    return value if isinstance(value, _Tensor) else None


def _report(
    api: CheckerPluginInterface,
    info: TypeInfo,
    built: CallExpr,
    arguments: dict[str, object],
    inputs: dict[str, object],
    failed: _Failed,
) -> None:
    """``failed`` reported where only this instance's values make it (the module docstring):
    on the op's line, and on the one construction argument that makes it."""
    if failed.module is None or not _same_file(api, failed.module):
        return  # its line is in another file
    if _reported_at(api, failed.where.line):
        return  # the check of the block's own body already reports this line
    unknown = dict.fromkeys(arguments, _UNKNOWN_ARG)
    if isinstance(_outcome(api, info, built, unknown, inputs), _Failed):
        return  # not this instance's doing: the generic check reports it, or the caller's
    message = f"{failed.error} (in {failed.instance} built at line {built.line})"
    if failed.module is not info:
        return  # in a block it builds: the check of this block's own call of it reports it
    api.fail(message, failed.where, code=DFDX_SHAPE)
    at_fault = [
        name
        for name in arguments
        if _passes_without(
            api, info, built, {**arguments, name: _UNKNOWN_ARG}, inputs, failed.where, None
        )
        is not None
    ]
    place = _argument_place(api, built, info, at_fault[0]) if len(at_fault) == 1 else None
    for text, layer_place, layer in _layers_at_fault(
        api, info, built, arguments, inputs, failed, message
    ):
        # where one argument given at the construction makes the mistake, a layer that only
        # passes it on is not shown (an argument left to its default is not shown, they are)
        if place is None or not _passes_on(layer, at_fault[0]):
            api.fail(text, layer_place, code=DFDX_SHAPE)
    if place is not None and place.line != failed.where.line:
        given = f"{at_fault[0]} is given here; used at line {failed.where.line}: {message}"
        api.fail(given, place, code=DFDX_SHAPE)


def _layers_at_fault(
    api: CheckerPluginInterface,
    info: TypeInfo,
    built: CallExpr,
    arguments: dict[str, object],
    inputs: dict[str, object],
    failed: _Failed,
    message: str,
) -> list[tuple[str, Context, CallExpr]]:
    """Where ``failed`` is also reported: the construction, in the block's ``__init__``, of
    each layer of the instance without whose sizes the failing op goes through (the layer
    that made the size at fault, or the one that does not take it: either may be wrong).
    A size that several layers make or read (a construction argument given to each) is
    no one layer's doing: none of them is shown. Each with the call that built the layer."""
    try:
        instance = _built(api, info, arguments, _describe(info, built, arguments), 0, built.line)
    except (_Stop, Unknown, ShapeError, _Failed):
        return []
    found: list[tuple[str, Context, CallExpr]] = []
    lines = {failed.where.line}
    for description, layer in _own_layers(instance.fields):
        if layer.built is None:
            continue
        set_axes = _passes_without(api, info, built, arguments, inputs, failed.where, layer.built)
        if set_axes is None:
            continue
        layer_type = _typed(api, layer.built)
        if failed.layer is not None and failed.layer.built is layer.built:
            text = f"{description} is built here; called at line {failed.where.line}: {message}"
            places: list[Context] = [
                read_argument(layer_type, layer.built) if layer_type else layer.built
            ]
        else:
            text = f"{description} is built here; its output reaches line {failed.where.line}: "
            text += message
            places = (
                fault_arguments(layer_type, layer.built, set_axes, 2)
                if layer_type and set_axes <= {1}
                else [layer.built]
            )
        for place in places:
            if place.line not in lines:
                lines.add(place.line)
                found.append((text, place, layer.built))
    return found


def _passes_on(layer: CallExpr, name: str) -> bool:
    """Whether ``layer``, a layer's construction, gives it the argument ``name`` as it came
    (``Conv2d(in_ch, out_ch, 3, padding=padding)``): where that one argument makes the
    mistake, the layer only passes it on, and the argument is shown instead."""
    return any(isinstance(a, NameExpr) and a.name == name for a in layer.args)


def _own_layers(fields: dict[str, object]) -> list[tuple[str, _Layer]]:
    """The layers a block's ``__init__`` builds in its fields (``self.conv``), also as the
    members of a ``Sequential`` field (``layer 1 of self.shortcut``)."""
    found: list[tuple[str, _Layer]] = []
    for name, value in fields.items():
        if isinstance(value, _Layer):
            found.append((f"self.{name}", value))
        elif isinstance(value, _Sequence):
            for i, member in enumerate(value.members):
                if isinstance(member, _Layer):
                    found.append((f"layer {i + 1} of self.{name}", member))
    return found


def _passes_without(
    api: CheckerPluginInterface,
    info: TypeInfo,
    built: CallExpr,
    arguments: dict[str, object],
    inputs: dict[str, object],
    where: Context,
    layer: CallExpr | None,
) -> frozenset[int] | None:
    """The axes the layer built by ``layer`` sets, where the instance's ``forward`` goes
    through the op at ``where`` with no failure once that layer's sizes are not known (with
    no ``layer``, the instance as it is: built with ``arguments``); else None."""
    global _ablation
    _ablation = _Ablation(layers=frozenset({layer} if layer else ()), watched=where)
    try:
        outcome = _outcome(api, info, built, arguments, inputs)
        passed = not isinstance(outcome, _Failed) and (outcome is not None or _ablation.passed)
        return _ablation.set_axes if passed else None
    finally:
        _ablation = _Ablation()


def _typed(api: CheckerPluginInterface, e: CallExpr) -> Instance | None:
    t = api.lookup_type_or_none(e) if isinstance(api, TypeChecker) else None
    p = get_proper_type(t) if t is not None else None
    return p if isinstance(p, Instance) else None


def _reported_at(api: CheckerPluginInterface, line: int) -> bool:
    """Whether a ``dfdx`` error is already reported on ``line`` of the file being checked."""
    errors = getattr(getattr(api, "msg", None), "errors", None)
    infos = getattr(errors, "error_info_map", {}).get(getattr(api, "path", None), [])
    return any(
        i.line == line
        and i.code is not None
        and i.code.code.startswith("dfdx")
        and not _OWN_MESSAGE.search(i.message)
        for i in infos
    )


_OWN_MESSAGE = re.compile(r"\(in .* built at line \d+\)$")
"""A message of this module's own (another instance's mistake on the same line)."""


_UNKNOWN_ARG: object = None
"""A construction argument taken as not known (a size nobody knows: ``Dyn``)."""


# ---- a user's module inside a Sequential ------------------------------------------------------


def sequential_members(api: CheckerPluginInterface, context: Context) -> list[Expression] | None:
    """The expressions that built the members of the ``Sequential`` that ``context`` calls
    (``self.features(x)``, ``self.features`` built once as ``Sequential(ConvBNReLU(3, 32,
    stride=2), ConvBNReLU(32, 64))``), in order; None where it was not built so."""
    try:
        if not isinstance(context, CallExpr):
            return None
        built = built_by(api, context.callee)
        if not isinstance(built, CallExpr) or any(k != ARG_POS for k in built.arg_kinds):
            return None
        callee = built.callee
        if not (isinstance(callee, RefExpr) and isinstance(callee.node, TypeInfo)):
            return None
        return list(built.args) if callee.node.fullname == _SEQUENTIAL else None
    except Exception:
        if DEBUG:
            raise
        return None


def member_output(
    api: CheckerPluginInterface,
    member: Instance,
    built: Expression,
    declared: Type,
    x: shapes.Shape,
    syms: dict[str, Type],
    report: bool,
) -> Type:
    """``declared``, the type of a user's module ``member`` of a Sequential called on a tensor
    of shape ``x`` (as its ``forward`` declares it), with its unknown sizes filled in from
    the member's ``forward`` run for the instance ``built`` (the module docstring); a
    mistake of that instance's values is reported where ``report``."""
    try:
        ret = get_proper_type(declared)
        if not isinstance(ret, Instance) or ret.type.fullname != TENSOR:
            return declared
        if not isinstance(built, CallExpr) or not _names_class(built.callee, member.type):
            return declared
        arguments = _construction_arguments(api, built, member.type, syms)
        forward = _forward(member.type)
        if arguments is None or forward is None or not _agrees(member, arguments):
            return declared
        params = _params(forward)
        if not params or any(p.default is None for p in params[1:]):
            return declared
        inputs: dict[str, object] = {params[0].name: _Tensor(x)}
        inputs.update({p.name: _constant(p.default) for p in params[1:] if p.default})
        outcome = _outcome(api, member.type, built, arguments, inputs)
        if isinstance(outcome, _Failed):
            if report:
                _report(api, member.type, built, arguments, inputs, outcome)
            return declared
        if outcome is None or not _has_unknown(ret):
            return declared
        return _filled(api, ret, outcome.shape, syms)
    except Exception:
        if DEBUG:
            raise
        return declared


# ---- where the instance comes from --------------------------------------------------------------


def _same_file(api: CheckerPluginInterface, info: TypeInfo) -> bool:
    return isinstance(api, TypeChecker) and info.module_name == api.tree.fullname


def _has_unknown(ret: Instance) -> bool:
    for a in ret.args[:-1]:
        try:
            if read_dim(a, {}) is None:
                return True
        except Unknown:
            return False
    return False


def _names_class(callee: Expression, info: TypeInfo) -> bool:
    return isinstance(callee, RefExpr) and callee.node is info


def _init(info: TypeInfo) -> FuncDef | None:
    for base in info.mro:
        if base.fullname == _MODULE:
            return None
        node = base.names.get("__init__")
        if node is not None:
            return node.node if isinstance(node.node, FuncDef) else None
    return None


def _forward(info: TypeInfo) -> FuncDef | None:
    for base in info.mro:
        if base.fullname == _MODULE:
            return None
        node = base.names.get("forward")
        if node is not None:
            return node.node if isinstance(node.node, FuncDef) else None
    return None


@dataclass(frozen=True)
class _Param:
    name: str
    kind: ArgKind
    default: Expression | None
    """Its default where the definition is at hand (a module loaded from mypy's cache keeps
    no defaults: an optional parameter without one is left unbound)."""


def _params(func: FuncDef, skip: int = 1) -> list[_Param]:
    arguments = getattr(func, "arguments", None)
    if arguments is not None and len(arguments) == len(func.arg_names):
        return [_Param(a.variable.name, a.kind, a.initializer) for a in arguments[skip:]]
    return [
        _Param(name, kind, None)
        for name, kind in zip(func.arg_names[skip:], func.arg_kinds[skip:], strict=True)
        if name is not None
    ]


def _formals(call: CallExpr, params: list[_Param]) -> list[list[int]]:
    return map_actuals_to_formals(
        call.arg_kinds,
        call.arg_names,
        [p.kind for p in params],
        [p.name for p in params],
        lambda i: AnyType(TypeOfAny.special_form),
    )


def _bound(
    func: FuncDef, call: CallExpr, value: Callable[[Expression], object]
) -> dict[str, object] | None:
    """The parameters of ``func`` (past ``self``) bound to ``call``'s arguments, or to their
    defaults; None where an argument is starred or a parameter is neither given nor defaulted."""
    if any(k not in (ARG_POS, ARG_NAMED) for k in call.arg_kinds):
        return None
    params = _params(func)
    bound: dict[str, object] = {}
    for param, actuals in zip(params, _formals(call, params), strict=True):
        if param.kind.is_star():
            if actuals:
                return None
            continue
        if len(actuals) == 1:
            bound[param.name] = value(call.args[actuals[0]])
        elif param.default is not None:
            bound[param.name] = _constant(param.default)
        elif param.kind.is_required():
            return None
    return bound


def _constant(e: Expression) -> object:
    """A default's value: a literal, a tuple of them, ``None``; else not known."""
    if isinstance(e, IntExpr):
        return e.value
    if isinstance(e, UnaryExpr) and e.op == "-" and isinstance(e.expr, IntExpr):
        return -e.expr.value
    if isinstance(e, NameExpr) and e.fullname in ("builtins.True", "builtins.False"):
        return e.fullname == "builtins.True"
    if isinstance(e, NameExpr) and e.fullname == "builtins.None":
        return None
    if isinstance(e, StrExpr):
        return _Word(e.value)
    if isinstance(e, FloatExpr):
        return e.value
    if isinstance(e, TupleExpr):
        items = tuple(_constant(i) for i in e.items)
        return _UNKNOWN if any(i is _UNKNOWN for i in items) else items
    return _UNKNOWN


def _construction_arguments(
    api: CheckerPluginInterface, built: CallExpr, info: TypeInfo, syms: dict[str, Type]
) -> dict[str, object] | None:
    init = _init(info)
    if init is None:
        return None
    return _bound(init, built, lambda e: _caller_value(api, e, syms))


_TYPED_ALONE = (NameExpr, MemberExpr, CallExpr, IndexExpr, OpExpr, UnaryExpr)
"""Arguments typed without their context (a list, a lambda needs it: not typed here)."""


def _agrees(module: Instance, arguments: dict[str, object]) -> bool:
    """Whether each argument given for a size TypeVar of the class is the size the module's
    type holds there, where both are known (a field declared ``Block[CI, CO]`` but built
    ``Block(out_planes, ...)`` is reported where it is built, and typed as declared)."""
    init = _init(module.type)
    signature = init.type if init is not None else None
    if not isinstance(signature, CallableType):
        return False
    own = {tv.name: i for i, tv in enumerate(module.type.defn.type_vars)}
    for name, t in zip(signature.arg_names, signature.arg_types, strict=True):
        p = get_proper_type(t)
        if name is None or name not in arguments or not isinstance(p, TypeVarType):
            continue
        i = own.get(p.name)
        if i is None or i >= len(module.args):
            continue
        try:
            held = read_dim(module.args[i], {})
        except Unknown:
            continue
        given = arguments[name]
        if held is not None and isinstance(given, int | str) and not isinstance(given, bool):
            if held != given:
                return False
    return True


def _caller_value(
    api: CheckerPluginInterface, e: Expression, syms: dict[str, Type], checked: bool = False
) -> object:
    """An argument's value where the module is built (``checked``: typed now if mypy has
    not typed it yet, as the arguments of the call being checked) or called: a literal, a
    tuple of them, a size TypeVar's name, a word, a tensor's shape; else not known."""
    if isinstance(e, TupleExpr):
        return tuple(_caller_value(api, i, syms, checked) for i in e.items)
    constant = _constant(e)
    if constant is not _UNKNOWN:
        return constant
    checker = api if isinstance(api, TypeChecker) else None
    t = checker.lookup_type_or_none(e) if checker is not None else None
    if t is None and checked and isinstance(e, _TYPED_ALONE):
        t = api.get_expression_type(e)
    if t is None:
        return _UNKNOWN
    if literal_bool(t) is not None:
        return literal_bool(t)
    n = literal_int(t)
    if n is not None:
        return n
    s = literal_str(t)
    if s is not None:
        return _Word(s)
    p = get_proper_type(t)
    if isinstance(p, TypeVarType) and is_int_bound(p):
        syms[p.name] = p
        return p.name
    try:
        return _Tensor(_read_shape(t, syms))
    except Unknown:
        pass
    if isinstance(e, OpExpr):
        left = _caller_value(api, e.left, syms, checked)
        right = _caller_value(api, e.right, syms, checked)
        try:
            return _arith(e.op, left, right)
        except _Stop:
            return _UNKNOWN
    return _UNKNOWN


def _read_shape(t: Type, syms: dict[str, Type]) -> shapes.Shape:
    x = read_tensor(t)
    syms.update(x.syms)
    return x.shape


def _call_inputs(
    api: CheckerPluginInterface, info: TypeInfo, call: CallExpr, syms: dict[str, Type]
) -> dict[str, object] | None:
    forward = _forward(info)
    if forward is None:
        return None
    return _bound(forward, call, lambda e: _caller_value(api, e, syms, checked=True))


def _describe(info: TypeInfo, built: CallExpr, arguments: dict[str, object]) -> str:
    """``BasicConv2d(3, 64, 7, stride=2)``: the instance as it was built."""
    shown = []
    for e, name in zip(built.args, built.arg_names, strict=True):
        text = _shown(_constant(e) if not isinstance(e, NameExpr) else _UNKNOWN)
        if text is None and isinstance(e, NameExpr | MemberExpr):
            text = e.name
        text = text or "..."
        shown.append(f"{name}={text}" if name else text)
    return f"{info.name}({', '.join(shown)})"


def _shown(v: object) -> str | None:
    if isinstance(v, bool | int | float) or v is None:
        return repr(v)
    if isinstance(v, _Word):
        return repr(v.text)
    if isinstance(v, tuple):
        items = [_shown(i) for i in v]
        return None if None in items else f"({', '.join(i for i in items if i)})"
    return None


def _argument_place(
    api: CheckerPluginInterface, built: CallExpr, info: TypeInfo, name: str
) -> Context | None:
    init = _init(info)
    if init is None:
        return None
    params = _params(init)
    for param, actuals in zip(params, _formals(built, params), strict=True):
        if param.name == name and len(actuals) == 1:
            return built.args[actuals[0]]
    return None


def _filled(
    api: CheckerPluginInterface, ret: Instance, shape: shapes.Shape, syms: dict[str, Type]
) -> Type:
    """``ret`` with each size it leaves unknown taken from ``shape`` where that is known."""
    if len(ret.args) - 1 != len(shape):
        return ret
    int_type = api.named_generic_type("builtins.int", [])
    args = list(ret.args)
    for i, d in enumerate(shape):
        try:
            declared = read_dim(args[i], {})
        except Unknown:
            continue
        if declared is not None or d is None:
            continue
        if isinstance(d, str) and not shapes.size_names(d) <= set(syms):
            continue  # a name of the block's own, not in scope here
        t = (
            dim_type(d, syms, int_type, api)
            if isinstance(d, int) or d in syms
            else expr_type(d, api)
        )
        if t is not None and not isinstance(get_proper_type(t), AnyType):
            args[i] = t
    return ret.copy_modified(args=args)


# ---- running __init__ and forward ------------------------------------------------------------


def _built(
    api: CheckerPluginInterface,
    info: TypeInfo,
    arguments: dict[str, object],
    name: str,
    depth: int,
    line: int,
) -> _Module:
    """The instance ``info(**arguments)``: its fields as ``__init__`` builds them."""
    init = _init(info)
    scope = _Scope(names=dict(arguments), instance=name, depth=depth, api=api, info=info)
    if init is not None:
        _run(init.body.body, scope, in_init=True)
    return _Module(info, scope.fields, name, line)


def _run_forward(
    api: CheckerPluginInterface, module: _Module, inputs: dict[str, object], depth: int
) -> object:
    forward = _forward(module.info)
    if forward is None:
        raise _Stop
    scope = _Scope(
        names=dict(inputs),
        fields=module.fields,
        instance=module.name,
        depth=depth,
        api=api,
        info=module.info,
    )
    return _run(forward.body.body, scope, in_init=False)


_FELL_THROUGH = object()
"""What :func:`_run` gives for a block that ends without a ``return``."""


def _run(body: Sequence[Statement], scope: _Scope, in_init: bool) -> object:
    """Each statement of ``body`` in turn; the value returned (``__init__``: None)."""
    value = _block(body, scope, in_init)
    if in_init:
        return None
    if value is _FELL_THROUGH:
        raise _Stop
    return value


def _block(body: Sequence[Statement], scope: _Scope, in_init: bool) -> object:
    """``body`` run; the value of its ``return``, or :data:`_FELL_THROUGH`. In ``__init__``
    a statement the evaluator does not follow makes what it may change unknown; in
    ``forward`` it stops the evaluation."""
    for stmt in body:
        if isinstance(stmt, ReturnStmt):
            if in_init:
                return None
            if stmt.expr is None:
                raise _Stop
            return _value(stmt.expr, scope)
        if isinstance(stmt, PassStmt):
            continue
        if isinstance(stmt, ExpressionStmt) and (
            isinstance(stmt.expr, StrExpr) or _is_super_init(stmt.expr)
        ):
            continue
        if isinstance(stmt, AssignmentStmt) and not (in_init and _touches_fields(stmt)):
            if not in_init and any(_mentions_self_field(t) for t in stmt.lvalues):
                raise _Stop  # forward changing the instance
            _assign(stmt, scope, in_init)
            continue
        if isinstance(stmt, OperatorAssignmentStmt) and not in_init:
            if not isinstance(stmt.lvalue, NameExpr):
                raise _Stop
            value = _value(OpExpr(stmt.op, stmt.lvalue, stmt.rvalue), scope, at=stmt)
            scope.names[stmt.lvalue.name] = value
            continue
        if isinstance(stmt, IfStmt) and len(stmt.expr) == 1:
            taken = _condition(stmt.expr[0], scope)
            if taken is not None:
                branch = stmt.body[0].body if taken else (stmt.else_body or Block([])).body
                value = _block(branch, scope, in_init)
                if value is not _FELL_THROUGH:
                    return value
                continue
        if in_init:
            _forget_touched(stmt, scope)
            continue
        raise _Stop
    return _FELL_THROUGH


def _condition(e: Expression, scope: _Scope) -> bool | None:
    """The value of an ``if``'s test where it is a known bool, else None."""
    try:
        value = _value(e, scope)
    except (_Stop, Unknown, ShapeError, _Failed):
        return None
    return value if isinstance(value, bool) else None


def _is_super_init(e: Expression) -> bool:
    return (
        isinstance(e, CallExpr)
        and isinstance(e.callee, MemberExpr)
        and isinstance(e.callee.expr, SuperExpr | CallExpr)
    )


_READ_STATEMENTS = (
    AssignmentStmt,
    OperatorAssignmentStmt,
    ExpressionStmt,
    ReturnStmt,
    AssertStmt,
    RaiseStmt,
    IfStmt,
    WhileStmt,
    ForStmt,
    WithStmt,
    TryStmt,
    PassStmt,
    BreakStmt,
    ContinueStmt,
)
"""The statements whose expressions :func:`_reused_names._expressions` lists."""

_REGISTERS = frozenset({"register_buffer", "register_parameter", "register_module", "add_module"})


@dataclass
class _Touched:
    """The fields of ``self`` a statement mentions, and the names it binds; ``everything``
    where it may set fields it does not name (``setattr``, ``register_buffer`` of a name
    not written out, a method of the class's own)."""

    fields: set[str]
    names: set[str]
    everything: bool


def _touched(stmt: Statement, info: TypeInfo | None) -> _Touched:
    fields: set[str] = set()
    everything = False
    for inner in walk([stmt]):
        if not isinstance(inner, _READ_STATEMENTS):
            everything = True  # a kind of statement whose expressions are not read here
        for expression in _expressions(inner):
            mentioned_names, members = all_name_and_member_expressions(expression)
            everything = everything or any(n.name == "setattr" for n in mentioned_names)
            for e in members:
                if _is_self(e):
                    fields.add(e.name)
                    everything = everything or e.name in _REGISTERS or _own_method(info, e.name)
    names: set[str] = set()
    for inner in walk([stmt]):
        targets: list[Expression] = []
        if isinstance(inner, AssignmentStmt):
            targets = list(inner.lvalues)
        elif isinstance(inner, OperatorAssignmentStmt):
            targets = [inner.lvalue]
        elif isinstance(inner, ForStmt):
            targets = [inner.index]
        elif isinstance(inner, WithStmt):
            targets = [t for t in inner.target if t is not None]
        for t in targets:
            names.update(target_names(t))
    return _Touched(fields, names, everything)


def _own_method(info: TypeInfo | None, name: str) -> bool:
    """Whether ``name`` is a method a user's class defines (it may build fields)."""
    if info is None:
        return False
    for base in info.mro:
        if base.fullname == _MODULE:
            return False
        if name in base.names:
            return isinstance(base.names[name].node, FuncDef)
    return False


def _touches_fields(stmt: AssignmentStmt) -> bool:
    """Whether an assignment of ``__init__`` does more than bind names and fields: a field's
    item or attribute set (``self.blocks[0] = ...``, ``self.conv.weight = ...``)."""
    return any(not _simple_target(t) for t in stmt.lvalues)


def _simple_target(t: Expression) -> bool:
    if isinstance(t, NameExpr) or _is_self(t):
        return True
    return isinstance(t, TupleExpr | ListExpr) and all(_simple_target(i) for i in t.items)


def _mentions_self_field(t: Expression) -> bool:
    if _is_self(t):
        return True
    if isinstance(t, TupleExpr | ListExpr):
        return any(_mentions_self_field(i) for i in t.items)
    return False


def _forget_touched(stmt: Statement, scope: _Scope) -> None:
    """A statement of ``__init__`` the evaluator does not follow (a loop, a branch it cannot
    decide, a call for its effect): every field it mentions and every name it binds is not
    known after it (every field, where it may set fields it does not name)."""
    touched = _touched(stmt, scope.info)
    if touched.everything:
        scope.fields.clear()
    for name in touched.fields:
        scope.fields[name] = _UNKNOWN
    for name in touched.names:
        scope.names[name] = _UNKNOWN


def _assign(stmt: AssignmentStmt, scope: _Scope, in_init: bool) -> None:
    try:
        value = _value(stmt.rvalue, scope)
    except (_Stop, Unknown):
        value = _UNKNOWN
    except (ShapeError, _Failed):
        if not in_init:
            raise
        value = _UNKNOWN
    for target in stmt.lvalues:
        _bind(target, value, scope)


def _bind(target: Expression, value: object, scope: _Scope) -> None:
    if isinstance(target, NameExpr):
        scope.names[target.name] = value
    elif _is_self(target):
        assert isinstance(target, MemberExpr)
        scope.fields[target.name] = value
    elif isinstance(target, TupleExpr | ListExpr):
        items = value if isinstance(value, tuple) else None
        if items is not None and len(items) != len(target.items):
            raise _Stop
        for i, t in enumerate(target.items):
            _bind(t, items[i] if items is not None else _UNKNOWN, scope)
    else:
        raise _Stop


def _is_self(e: Expression) -> bool:
    return isinstance(e, MemberExpr) and isinstance(e.expr, NameExpr) and e.expr.name == "self"


def _known(v: object) -> object:
    if v is _UNKNOWN:
        raise _Stop
    return v


@dataclass
class _Ablation:
    """A run of an instance with some of its layers' sizes taken as not known (the calls
    that built them, in ``layers``), to tell which layers make a failure: ``passed`` is set
    once the op at ``watched`` is evaluated without a failure."""

    layers: frozenset[CallExpr] = frozenset()
    watched: Context | None = None
    passed: bool = False
    set_axes: frozenset[int] = frozenset()
    """The axes of its output the layer taken as not known sets (its input's differ)."""


_ablation = _Ablation()
"""The run in progress (mypy checks one call at a time)."""


def _value(e: Expression, scope: _Scope, at: Context | None = None) -> object:
    value = _evaluated(e, scope, at)
    if _ablation.watched is not None and (e is _ablation.watched or at is _ablation.watched):
        _ablation.passed = True
    return value


def _evaluated(e: Expression, scope: _Scope, at: Context | None = None) -> object:
    constant = _constant(e)
    if constant is not _UNKNOWN:
        return constant
    if isinstance(e, NameExpr):
        if e.name in scope.names:
            return _known(scope.names[e.name])
        raise _Stop
    if _is_self(e):
        assert isinstance(e, MemberExpr)
        if e.name in scope.fields:
            return _known(scope.fields[e.name])
        raise _Stop
    if isinstance(e, TupleExpr):
        return tuple(_value(i, scope) for i in e.items)
    if isinstance(e, ListExpr):
        return [_value(i, scope) for i in e.items]
    if isinstance(e, OpExpr) and e.op in ("and", "or"):
        left = _value(e.left, scope)
        if not isinstance(left, bool):
            raise _Stop
        if (e.op == "and" and not left) or (e.op == "or" and left):
            return left
        right = _value(e.right, scope)
        if not isinstance(right, bool):
            raise _Stop
        return right
    if isinstance(e, UnaryExpr) and e.op == "not":
        operand = _value(e.expr, scope)
        if not isinstance(operand, bool):
            raise _Stop
        return not operand
    if isinstance(e, OpExpr):
        left, right = _value(e.left, scope), _value(e.right, scope)
        try:
            return _arith(e.op, left, right)
        except ShapeError as error:
            raise _Failed(error, at or e, scope.instance, scope.info) from None
    if isinstance(e, UnaryExpr) and e.op == "-":
        return _arith("*", -1, _value(e.expr, scope))
    if isinstance(e, ComparisonExpr) and len(e.operators) == 1:
        return _compared(e.operators[0], _value(e.operands[0], scope), _value(e.operands[1], scope))
    if isinstance(e, MemberExpr):
        owner = _value(e.expr, scope)
        if isinstance(owner, _Tensor) and e.name == "shape":
            return tuple(owner.shape)
        raise _Stop
    if isinstance(e, IndexExpr):
        return _indexed(_value(e.base, scope), e.index, scope)
    if isinstance(e, CallExpr):
        return _called(e, scope)
    raise _Stop


def _indexed(base: object, index: Expression, scope: _Scope) -> object:
    i = _value(index, scope)
    if isinstance(base, tuple | list) and isinstance(i, int) and not isinstance(i, bool):
        if -len(base) <= i < len(base):
            return base[i]
    if (
        isinstance(base, _Sequence)
        and isinstance(i, int)
        and -len(base.members) <= i < len(base.members)
    ):
        return base.members[i]
    raise _Stop


def _compared(op: str, a: object, b: object) -> object:
    if isinstance(a, int) and isinstance(b, int):
        table = {
            "==": a == b,
            "!=": a != b,
            "<": a < b,
            "<=": a <= b,
            ">": a > b,
            ">=": a >= b,
        }
        if op in table:
            return table[op]
    if op in ("is", "is not") and (a is None or b is None):
        same = a is b
        return same if op == "is" else not same
    raise _Stop


def _size(v: object) -> shapes.Dim:
    if isinstance(v, bool) or not isinstance(v, int | str) or v is _UNKNOWN:
        if v is None:
            return None
        raise _Stop
    return v


def _arith(op: str, a: object, b: object) -> object:
    if isinstance(a, _Tensor) or isinstance(b, _Tensor):
        return _tensor_arith(op, a, b)
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, int | float) and isinstance(b, int | float):
            return 0.0  # a number's value is never a size: only its kind matters
        raise _Stop
    if a is None or b is None:
        if not all(
            v is None or (isinstance(v, int | str) and not isinstance(v, bool)) for v in (a, b)
        ):
            raise _Stop
        return None  # a size not known (an argument taken as unknown): so is the result
    x, y = _size(a), _size(b)
    if op == "+":
        return shapes.dim_add(x, y)
    if op == "-":
        return shapes.dim_add(x, y, -1)
    if op == "*":
        return shapes.dim_mul(x, y)
    if op == "//":
        if y == 0:
            raise _Stop
        return shapes.dim_floordiv(x, y)
    raise _Stop


def _tensor_arith(op: str, a: object, b: object) -> object:
    if op not in ("+", "-", "*", "/"):
        raise _Stop
    names = {"+": "add", "-": "sub", "*": "mul", "/": "div"}
    if isinstance(a, _Tensor) and isinstance(b, _Tensor):
        return _Tensor(shapes.broadcast(names[op], a.shape, b.shape))
    other = b if isinstance(a, _Tensor) else a
    if isinstance(other, bool) or not isinstance(other, int | float):
        raise _Stop
    return a if isinstance(a, _Tensor) else b


# ---- calls -----------------------------------------------------------------------------------


def _called(e: CallExpr, scope: _Scope) -> object:
    callee = e.callee
    if isinstance(callee, RefExpr) and isinstance(callee.node, TypeInfo):
        return _constructed(callee.node, e, scope)
    if isinstance(callee, MemberExpr) and not _is_self(callee):
        if isinstance(callee.expr, RefExpr) and (callee.fullname or "").startswith("dfdx."):
            return _function(callee.name, e, scope)
        owner = _value(callee.expr, scope)
        if isinstance(owner, _Tensor):
            return _method(owner, callee.name, e, scope)
        if callee.name == "forward":
            return _module_called(owner, e, scope)
        raise _Stop
    if isinstance(callee, NameExpr) and (callee.fullname or "").startswith("dfdx."):
        return _function(callee.name, e, scope)
    return _module_called(_value(callee, scope), e, scope)


def _positional(e: CallExpr, scope: _Scope) -> tuple[list[object], dict[str, object]]:
    args: list[object] = []
    named: dict[str, object] = {}
    for a, kind, name in zip(e.args, e.arg_kinds, e.arg_names, strict=True):
        if kind == ARG_POS:
            args.append(_value(a, scope))
        elif kind == ARG_NAMED and name is not None:
            named[name] = _value(a, scope)
        else:
            raise _Stop
    return args, named


def _module_called(module: object, e: CallExpr, scope: _Scope) -> object:
    if isinstance(module, _Layer):
        args, named = _positional(e, scope)
        if len(args) != 1 or named or not isinstance(args[0], _Tensor):
            raise _Stop
        return _layer_output(module, args[0], e, scope)
    if isinstance(module, _Sequence):
        args, named = _positional(e, scope)
        if len(args) != 1 or named:
            raise _Stop
        return _folded(module, args[0], e, scope)
    if isinstance(module, _Module):
        if scope.depth >= _DEPTH or scope.api is None:
            raise _Stop
        forward = _forward(module.info)
        if forward is None:
            raise _Stop
        inputs = _bound(forward, e, lambda a: _value(a, scope))
        if inputs is None:
            raise _Stop
        return _run_forward(scope.api, module, inputs, scope.depth + 1)
    raise _Stop


def _folded(sequence: _Sequence, x: object, e: CallExpr, scope: _Scope) -> object:
    """``x`` through the members of a Sequential. A layer after the first that does not take
    what the one before gives is a mistake of the Sequential's chain, reported where it is
    built (not this instance's): the evaluation stops there."""
    for i, member in enumerate(sequence.members):
        try:
            x = _module_output(member, x, e, scope)
        except _Failed:
            if i > 0 and isinstance(member, _Layer):
                raise _Stop from None
            raise
    return x


def _module_output(member: object, x: object, e: CallExpr, scope: _Scope) -> object:
    """One member of a Sequential applied to ``x``."""
    if isinstance(member, _Layer) and isinstance(x, _Tensor):
        return _layer_output(member, x, e, scope)
    if isinstance(member, _Sequence):
        return _folded(member, x, e, scope)
    if isinstance(member, _Module) and scope.api is not None and scope.depth < _DEPTH:
        forward = _forward(member.info)
        params = _params(forward) if forward is not None else []
        if len(params) < 1 or any(p.default is None for p in params[1:]):
            raise _Stop
        inputs = {params[0].name: x}
        inputs.update({p.name: _constant(p.default) for p in params[1:] if p.default})
        return _run_forward(scope.api, member, inputs, scope.depth + 1)
    raise _Stop


def _layer_output(layer: _Layer, x: _Tensor, e: CallExpr, scope: _Scope) -> _Tensor:
    if layer.built is not None and layer.built in _ablation.layers:
        return _Tensor(_ablated_output(layer, x))
    try:
        out = output_shape(layer.layer, x.shape, layer.sizes, layer.window)
    except ShapeError as error:
        raise _Failed(error, e, scope.instance, scope.info, layer) from None
    if out is None:
        raise _Stop
    return _Tensor(out)


def _ablated_output(layer: _Layer, x: _Tensor) -> shapes.Shape:
    """What ``layer`` gives ``x`` were its sizes not known: it takes any input, and each
    axis it sets is unknown (an axis it keeps, as a 1x1 convolution keeps its map's size,
    stays)."""
    try:
        real = output_shape(layer.layer, x.shape, layer.sizes, layer.window)
    except ShapeError:
        real = None
    blank = output_shape(layer.layer, x.shape, (None,) * len(layer.sizes), None)
    if blank is None:
        if real is None:
            raise _Stop
        blank = (None,) * len(real)
    if real is None or len(real) != len(blank) or len(real) != len(x.shape):
        _ablation.set_axes = frozenset(range(len(blank)))
        return blank
    changed = (i for i, (r, d) in enumerate(zip(real, x.shape, strict=True)) if r != d)
    _ablation.set_axes = frozenset(changed)
    return tuple(r if r == d else b for r, d, b in zip(real, x.shape, blank, strict=True))


def _constructed(info: TypeInfo, e: CallExpr, scope: _Scope) -> object:
    """A module built in ``__init__``: a layer of the table, a Sequential, a user's module."""
    layer = layer_of(info.fullname)
    if layer is not None:
        return _layer(layer, info, e, scope)
    if info.fullname == _SEQUENTIAL:
        args, named = _positional(e, scope)
        if named:
            raise _Stop
        return _Sequence(tuple(_known(a) for a in args))
    if info.has_base(_MODULE) and scope.api is not None and scope.depth < _DEPTH:
        init = _init(info)
        if init is None:
            raise _Stop
        arguments = _bound(init, e, lambda a: _value_or_unknown(a, scope))
        if arguments is None:
            raise _Stop
        name = _describe(info, e, arguments)
        return _built(scope.api, info, arguments, name, scope.depth + 1, e.line)
    raise _Stop


def _value_or_unknown(e: Expression, scope: _Scope) -> object:
    try:
        return _value(e, scope)
    except (_Stop, Unknown):
        return _UNKNOWN


def _layer(layer: Layer, info: TypeInfo, e: CallExpr, scope: _Scope) -> _Layer:
    init = info.get_method("__init__")
    if not isinstance(init, FuncDef):
        raise _Stop
    values = _bound(init, e, lambda a: _value_or_unknown(a, scope))
    if values is None:
        raise _Stop
    sizes = tuple(_size(_known(values.get(a.name, a.default))) for a in layer.sizes)
    window: dict[str, shapes.layers.WindowValue] = {}
    for a in layer.window:
        v = values.get(a.name, a.default)
        if v is None and a.default_from is not None:
            v = values.get(a.default_from)
        v = _known(v)
        if isinstance(v, _Word):
            window[a.name] = v.text
        elif isinstance(v, tuple):
            window[a.name] = tuple(_size(i) for i in v)
        elif isinstance(v, bool):
            window[a.name] = v
        else:
            window[a.name] = _size(v)
    unknown = any(
        v is None or (isinstance(v, tuple) and None in v)
        for k, v in window.items()
        if k != "groups"
    )
    return _Layer(layer, sizes, window if layer.window and not unknown else None, e)


_TENSOR_FUNCTIONS = frozenset({"cat", "concat", "max_pool2d", "avg_pool2d", "flatten"})


def _function(name: str, e: CallExpr, scope: _Scope) -> object:
    """``dx.<op>(...)`` (``dx.nn.functional`` too)."""
    args, named = _positional(e, scope)
    if name in _KEEPS_SHAPE:
        if args and isinstance(args[0], _Tensor):
            return args[0]
        raise _Stop
    if name in ("cat", "concat"):
        items = args[0] if args else None
        axis = named.get("axis", named.get("dim", args[1] if len(args) > 1 else 0))
        if not isinstance(items, list | tuple) or not isinstance(axis, int):
            raise _Stop
        tensors = [i for i in items if isinstance(i, _Tensor)]
        if len(tensors) != len(items):
            raise _Stop
        try:
            return _Tensor(shapes.concat([t.shape for t in tensors], axis))
        except ShapeError as error:
            raise _Failed(error, e, scope.instance, scope.info) from None
    if args and isinstance(args[0], _Tensor):
        return _method(args[0], name, e, scope, args[1:], named)
    raise _Stop


def _method(
    x: _Tensor,
    name: str,
    e: CallExpr,
    scope: _Scope,
    args: list[object] | None = None,
    named: dict[str, object] | None = None,
) -> object:
    if args is None or named is None:
        args, named = _positional(e, scope)
    try:
        return _moved(x, name, args, named)
    except ShapeError as error:
        raise _Failed(error, e, scope.instance, scope.info) from None


def _ints(values: Sequence[object]) -> list[int]:
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise _Stop
    return [v for v in values if isinstance(v, int)]


def _moved(x: _Tensor, name: str, args: list[object], named: dict[str, object]) -> object:
    shape = x.shape
    if name in _KEEPS_SHAPE:
        return x
    if name == "size":
        if not args:
            return tuple(shape)
        (axis,) = _ints(args[:1])
        return shape[shapes.normalize_axis("size", shape, axis)]
    if name in ("reshape", "view"):
        dims = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
        return _Tensor(shapes.reshape(shape, [_size(d) for d in dims]))
    if name == "flatten":
        start = named.get("start_axis", args[0] if args else 0)
        end = named.get("end_axis", args[1] if len(args) > 1 else -1)
        a, b = _ints([start, end])
        return _Tensor(shapes.flatten(shape, a, b))
    if name == "permute":
        axes = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
        return _Tensor(shapes.permute(shape, _ints(list(axes)))[0])
    if name == "transpose":
        a, b = _ints(args)
        return _Tensor(shapes.transpose(shape, a, b))
    if name in ("max_pool2d", "avg_pool2d"):
        kernel = named.get("kernel_size", args[0] if args else None)
        stride = named.get("stride", args[1] if len(args) > 1 else None)
        padding = named.get("padding", args[2] if len(args) > 2 else 0)
        if stride is None:
            stride = kernel
        k, s, p = (_pair(v) for v in (kernel, stride, padding))
        return _Tensor(shapes.pool(name, shape, k, s, p))
    if name == "adaptive_avg_pool2d":
        size = named.get("output_size", args[0] if args else None)
        return _Tensor(shapes.adaptive_pool(name, shape, _pair(size)))
    raise _Stop


def _pair(v: object) -> tuple[shapes.Dim, shapes.Dim]:
    if isinstance(v, tuple) and len(v) == 2:
        return (_size(v[0]), _size(v[1]))
    d = _size(v)
    return (d, d)
