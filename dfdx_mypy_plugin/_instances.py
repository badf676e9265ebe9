"""A user's module called: its ``forward`` evaluated for this instance (docs/modules.md,
"Blocks typed per instance", "Sizes computed in ``__init__``").

Ports write a block once and build it with many arguments (``BasicConv2d(3, 64, 7,
stride=2, padding=3)``, ``ConvBNReLU(32, 64, stride=2)``, ``MixFFN(dim=64, ratio=4)``), and
declare its ``forward`` with sizes they cannot name: ``Tensor[B, CO, Dyn, Dyn]``, or ``int``
where a size comes from an ``int`` argument or is computed in ``__init__``. Every size after
such a block was lost, and so was every mistake after it, or inside it that shows only with
this instance's values.

Where the call's module was built once in the file being checked (``self.c1 = Block(...)``
in ``__init__``, a local name bound once, ``Net()(x)``) with arguments whose values are
known (literals, folded arithmetic on them, size TypeVars, values its owner's ``__init__``
computes, names bound once: :mod:`dfdx_mypy_plugin._plain_values`; or built by a function of
the file that returns it: ``model = vgg11_bn(10)``), the block's ``__init__`` is run on those
values (fields built from layers of the table, ``Sequential``, ``ModuleList``, other user
modules, ``int`` attributes; loops over known values, lists, builtins and helper functions:
:mod:`dfdx_mypy_plugin._int_functions`;
the class's own methods, run on the instance: ``self._make_layer(planes, 2)``) and then its
``forward`` on the call's argument shapes (data whose type does not say its shape: the shape
NumPy made it with, :mod:`dfdx_mypy_plugin._data_shapes`, else as declared): layer and
module calls, activations, arithmetic, ``cat``, reductions,
``reshape``/``view``/``flatten``/``permute``/``transpose``, pools, loops over known
containers and ``return``, each with the shape rules of :mod:`dfdx_mypy_plugin.shapes`.
Anything the evaluator does not understand (a branch it cannot decide, an op it does not
know) ends the evaluation: the declared type stands.

The result only fills in what the declared return type leaves unknown (a ``Dyn``, ``Any`` or
``int`` size, where the declared rank is the evaluated one); a declared size is never
changed, but one the instance's ``forward`` contradicts is reported. A ``ShapeError`` raised
by an op of ``forward`` that goes away when the instance's arguments are not known (so that
only this instance's values make it) is reported on the op's line, naming the instance, and,
where exactly one construction argument makes it, on that argument's line too; else where
the layer at fault is built (the layer called, the one that set the size of a broadcast
operand computed from the other, the member of a ``Sequential(*layers)``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from mypy.argmap import map_actuals_to_formals
from mypy.checker import TypeChecker
from mypy.nodes import (
    ARG_NAMED,
    ARG_POS,
    ARG_STAR,
    ARG_STAR2,
    GDEF,
    ArgKind,
    AssertStmt,
    AssignmentStmt,
    Block,
    BreakStmt,
    CallExpr,
    ComparisonExpr,
    ConditionalExpr,
    Context,
    ContinueStmt,
    DictExpr,
    EllipsisExpr,
    Expression,
    ExpressionStmt,
    FloatExpr,
    ForStmt,
    FuncDef,
    GeneratorExpr,
    IfStmt,
    IndexExpr,
    IntExpr,
    ListComprehension,
    ListExpr,
    MemberExpr,
    NameExpr,
    OperatorAssignmentStmt,
    OpExpr,
    PassStmt,
    RaiseStmt,
    RefExpr,
    ReturnStmt,
    SliceExpr,
    StarExpr,
    Statement,
    StrExpr,
    SuperExpr,
    TryStmt,
    TupleExpr,
    TypeInfo,
    UnaryExpr,
    Var,
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

from dfdx_mypy_plugin import _evaluated_movement as evaluated_movement
from dfdx_mypy_plugin import _evaluated_ops as evaluated_ops
from dfdx_mypy_plugin import _give_up_trace as give_up_trace
from dfdx_mypy_plugin import _int_functions as int_functions
from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._accumulators import is_accumulated
from dfdx_mypy_plugin._arguments import HIDDEN
from dfdx_mypy_plugin._data_misfits import report_data_misfit
from dfdx_mypy_plugin._data_shapes import data_shape
from dfdx_mypy_plugin._debug import DEBUG
from dfdx_mypy_plugin._declared_outputs import declared_output
from dfdx_mypy_plugin._evaluated_creation import CREATION, created
from dfdx_mypy_plugin._evaluated_tensors import KEEPS_SHAPE as _KEEPS_SHAPE
from dfdx_mypy_plugin._evaluated_tensors import UNKNOWN as _UNKNOWN
from dfdx_mypy_plugin._evaluated_tensors import Blame as _Blame
from dfdx_mypy_plugin._evaluated_tensors import EvaluatedTensor as _Tensor
from dfdx_mypy_plugin._evaluated_tensors import Stop as _Stop
from dfdx_mypy_plugin._evaluated_tensors import as_size as _size
from dfdx_mypy_plugin._evaluated_tensors import broadcast_before as _broadcast_before
from dfdx_mypy_plugin._evaluated_tensors import broadcast_blame as _broadcast_blame
from dfdx_mypy_plugin._evaluated_tensors import broadcast_kept as _broadcast_kept
from dfdx_mypy_plugin._evaluated_tensors import broadcast_origins as _broadcast_origins
from dfdx_mypy_plugin._evaluated_tensors import moved as _moved
from dfdx_mypy_plugin._evaluated_tensors import reshape_blame as _reshape_blame
from dfdx_mypy_plugin._layer_arguments import size_argument
from dfdx_mypy_plugin._locals import target_names
from dfdx_mypy_plugin._number_types import typed_number
from dfdx_mypy_plugin._plain_values import (
    NotKnown,
    Record,
    bound_value,
    dataclass_fields,
    instance_of,
    record,
    table,
    table_called,
    table_item,
    words_compared,
)
from dfdx_mypy_plugin._plain_values import Word as _Word
from dfdx_mypy_plugin._reused_names import _expressions
from dfdx_mypy_plugin._types import (
    MODULE,
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
from dfdx_mypy_plugin.shapes.layers import Layer, Window, display_name, layer_of, output_shape

_SEQUENTIAL = "dfdx.nn._containers.Sequential"
_MODULE_LIST = "dfdx.nn._collections.ModuleList"
_DEPTH = 4
"""How deep modules built inside modules are followed."""


@dataclass
class _Failed(Exception):
    """An op of a ``forward`` raised a ShapeError with this instance's values."""

    error: ShapeError
    where: Context
    instance: str
    """As messages write it: ``Residual(16, 32) built at line 97``."""
    module: TypeInfo | None
    blame: _Blame | None = None
    """The layer (or block) built wrong, where the values say which."""
    called: bool = True
    """Whether ``blame`` is the layer called at ``where`` (else its output reaches it)."""
    fed: _Blame | None = None
    """The layer of the same block that set the size a failing layer reads (``self.fc1``
    feeding ``self.fc2``): either may be the one built wrong, both lines are shown."""
    called_on: int | None = None
    """The serial of the tensor the layer called at ``where`` was given."""
    member: tuple[Context, _Blame] | None = None
    """Where a block of the instance was called on an input it is not built for (its own
    construction arguments make the failure: :func:`_member_at_fault`), and where it is
    built."""
    chain: list[tuple[_Module, dict[str, object]]] = field(default_factory=list)
    """The instances whose ``forward`` it went through, the one that failed first, each with
    the inputs it was called on."""
    made: Context | None = None
    """Where the helper function that built the member of a ``Sequential(*layers)`` at
    fault builds it (a chain that does not fit itself is the helper's own mistake)."""
    alone: bool | None = None
    """Whether the block it failed in is built of arguments whose types say their sizes (a
    field ``SE(16, 32)``, members ``[Block(dim * 2) for ...]``): the check of its own calls
    (or of the chain it is a member of) reports its mistakes; None where it failed in the
    module evaluated itself."""


@dataclass(frozen=True)
class _Layer:
    layer: Layer
    sizes: tuple[shapes.Dim, ...]
    window: Window | None
    built: _Blame | None = field(default=None, compare=False)
    made: Context | None = field(default=None, compare=False)
    """Where a helper function built it, its own line there (``built`` is the helper's call)."""


@dataclass(frozen=True)
class _Sequence:
    members: tuple[object, ...]
    listed: bool = False
    """Built from a list (``Sequential(*layers)``), which no check of a ``Sequential``'s
    chain where it is built reads: a member that does not take what the one before it gives
    is reported here, where the member is built."""


@dataclass
class _Module:
    info: TypeInfo
    fields: dict[str, object]
    name: str
    """As messages write it: ``BasicConv2d(3, 64, 7, stride=2)``."""
    line: int
    follow: bool = True
    built: _Blame | None = None
    arguments: dict[str, object] = field(default_factory=dict)
    """What its ``__init__`` was given, by parameter name."""


@dataclass
class _Scope:
    """What the evaluator knows while it runs one method of one instance."""

    names: dict[str, object] = field(default_factory=dict)
    fields: dict[str, object] = field(default_factory=dict)
    instance: str = ""
    depth: int = 0
    api: CheckerPluginInterface | None = None
    info: TypeInfo | None = None
    returned: Context | None = None
    """The ``return`` of ``forward`` whose value was returned."""
    follow: bool = True
    """Whether builtins, helper functions, loops and lists are followed (docs/modules.md,
    "Sizes computed in ``__init__``"); without, they stop the evaluation, as a check that
    reads only the sizes of types does."""
    in_init: bool = False
    """Whether it runs ``__init__`` (or a method of the class that ``__init__`` calls): a
    statement not followed makes what it may change unknown, instead of stopping."""
    method: bool = False
    """Whether it runs a method of the class called from ``__init__`` or ``forward``
    (``self._make_layer(planes, 2)``), whose ``return`` gives the call's value."""
    calls: int = 0
    """How many such methods deep it runs (a recursion is not followed)."""
    arguments: dict[str, object] = field(default_factory=dict)
    """What the instance's ``__init__`` was given, by parameter name (``forward``)."""


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
    itself where the evaluation stops, or where the call's own check already reported an
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
    if any(isinstance(get_proper_type(t), AnyType) for t in forward.arg_types):
        return forward  # an argument reported not to fit (checked_forward), or one untyped
    ret = get_proper_type(forward.ret_type)
    if not (isinstance(ret, Instance) and ret.type.fullname == TENSOR and _has_unknown(ret)):
        if not _same_file(api, module.type):
            return forward
    built: Expression | None = context.callee  # Net()(x)
    if not isinstance(built, CallExpr):
        built = built_by(api, context.callee)
    syms: dict[str, Type] = {}
    if isinstance(built, CallExpr) and not _names_class(built.callee, module.type):
        built, arguments = _made_by_function(api, built, module.type, syms)
    elif isinstance(built, CallExpr):
        arguments = _construction_arguments(api, built, module.type, syms)
    if not isinstance(built, CallExpr):
        return forward
    if arguments is not None and _UNKNOWN in arguments.values():
        given = _given_in_owner(api, context.callee, module.type) or {}
        # each argument as its type or literal says, else as the owner's ``__init__`` has it
        arguments = {k: given.get(k, v) if v is _UNKNOWN else v for k, v in arguments.items()}
    if arguments is None or not _agrees(module, arguments):
        return forward
    called = _call_inputs(api, module, context, syms)
    if called is None:
        return forward
    inputs, typed = called
    if give_up_trace.GIVE_UP_FILE is None:
        outcome = _outcome(api, module.type, built, arguments, inputs)
    else:
        with give_up_trace.watching():
            outcome = _outcome(api, module.type, built, arguments, inputs)
    if isinstance(outcome, _Failed):
        _report(api, module.type, built, arguments, inputs, outcome, typed)
        report_data_misfit(api, module, context, built, arguments, inputs, outcome)
        return forward
    if outcome is None or not isinstance(ret, Instance) or ret.type.fullname != TENSOR:
        return forward
    if typed is not inputs:
        return forward
    return forward.copy_modified(ret_type=_filled(api, ret, outcome.shape, syms))


def _made_by_function(
    api: CheckerPluginInterface, call: CallExpr, info: TypeInfo, syms: dict[str, Type]
) -> tuple[CallExpr | None, dict[str, object] | None]:
    """Where the module was built by a function of the file (``model = vgg11_bn(10)``, whose
    body returns ``VGG(make_layers(CFG_A, batch_norm=True), num_classes)``): the call in its
    body that built it and that call's arguments, the function run on ``call``'s values as
    the evaluator runs a helper (:func:`_helper_called`); else None, None."""
    func = int_functions.helper(call.callee)
    if (
        func is None
        or not _same_file(api, info)
        or info.module_name != func.fullname.rpartition(".")[0]
    ):
        return None, None
    arguments = _bound(func, call, lambda a: _caller_value(api, a, syms), skip=0)
    if arguments is None:
        return None, None
    scope = _Scope(
        names=_with_hidden(arguments), api=api, info=info, in_init=True, method=True, calls=1
    )
    try:
        value = _block(func.body.body, scope, in_init=True)
    except (_Stop, Unknown, ShapeError, _Failed, _LoopNotFollowed):
        return None, None
    if not (isinstance(value, _Module) and value.info is info and value.built is not None):
        return None, None
    made = value.built[0]
    return (made, value.arguments) if isinstance(made, CallExpr) else (None, None)


def _given_in_owner(
    api: TypeChecker, callee: Expression, info: TypeInfo
) -> dict[str, object] | None:
    """The arguments a field ``self.<name>`` is built with where its owner's ``__init__``
    computes them from values of its own (``widths = (16, 32)``, then ``Block(3,
    widths[0])``): that ``__init__`` run with its own arguments not known."""
    if not _is_self(callee):
        return None
    assert isinstance(callee, MemberExpr)
    owner = api.scope.active_self_type()
    init = _init(owner.type) if isinstance(owner, Instance) else None
    if init is None or not isinstance(owner, Instance):
        return None
    unknown: dict[str, object] = {p.name: _UNKNOWN for p in _params(init)}
    try:
        built = _built(api, owner.type, unknown, owner.type.name, 1, 0, follow=True)
    except (_Stop, Unknown, ShapeError, _Failed):
        return None
    field = built.fields.get(callee.name)
    return field.arguments if isinstance(field, _Module) and field.info is info else None


def _outcome(
    api: CheckerPluginInterface,
    info: TypeInfo,
    built: CallExpr,
    arguments: dict[str, object],
    inputs: dict[str, object],
    follow: bool = True,
) -> _Tensor | _Failed | None:
    """The tensor ``forward`` returns for this instance, the failure of one of its ops, or
    None where the evaluation stops (``follow``: see :class:`_Scope`)."""
    try:
        name = _describe(info, built, arguments)
        instance = _built(api, info, arguments, name, 0, built.line, follow)
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
    typed: dict[str, object] | None = None,
) -> None:
    """``failed`` reported where only this instance's values make it (the module docstring):
    on the op's line, and on the one construction argument that makes it. ``typed``: the
    inputs as their types give them, where the evaluation ran on others (the shape NumPy
    data was made with): a mistake these make with the arguments not known is the generic
    check's."""
    if failed.module is None or not _same_file(api, failed.module):
        return  # its line is in another file
    if _reported_at(api, failed.where.line, failed.instance):
        return  # the check of the block's own body (or of this instance's call) reports it
    if failed.blame is not None and _reported_at(api, failed.blame[0].line, failed.instance):
        return  # reported where the layer at fault is built (a method's own return type)
    unknown = dict.fromkeys(arguments, _UNKNOWN_ARG)
    baseline = inputs if typed is None else typed
    declared = _declared_inputs(info, baseline)
    generic = _declared_arguments(info, unknown)
    if declared is not None and isinstance(
        _outcome(api, info, built, generic, declared, follow=False), _Failed
    ):
        return  # the check of the body, which reads the declared sizes, reports it
    if isinstance(_outcome(api, info, built, unknown, baseline, follow=False), _Failed):
        return  # not this instance's doing: the generic check reports it, or the caller's
    if failed.alone:
        return  # in a block typed by its arguments: the check of its own call reports it
    message = f"{failed.error} (in {failed.instance})"
    api.fail(message, failed.where, code=DFDX_SHAPE)  # (mypy shows a message once a line)
    at_fault = [
        name
        for name in arguments
        if not isinstance(
            _outcome(api, info, built, {**arguments, name: _UNKNOWN_ARG}, inputs), _Failed
        )
    ]
    place = _argument_place(api, built, info, at_fault[0]) if len(at_fault) == 1 else None
    if place is not None and failed.blame is not None and not _inside(info, failed.blame[0]):
        place = None  # a layer of a block it builds, which the argument reaches computed
    passed = _passed_argument(api, failed, built) if place is None else None
    if place is not None and place.line != failed.where.line:
        given = f"{at_fault[0]} is given here; used at line {failed.where.line}: {message}"
        api.fail(given, place, code=DFDX_SHAPE)
        _blame_reader(api, failed, at_fault[0], message, place)
    elif passed is not None and passed[1].line != failed.where.line:
        given = f"{passed[0]} is given here; used at line {failed.where.line}: {message}"
        api.fail(given, passed[1], code=DFDX_SHAPE)
        _blame_reader(api, failed, passed[0], message, passed[1])
    elif failed.member is not None and failed.member[1][0].line != failed.where.line:
        (call, (at, label)) = failed.member
        api.fail(
            f"{label} is built here; called at line {call.line}: {message}", at, code=DFDX_SHAPE
        )
    elif failed.blame is not None and failed.blame[0].line not in (failed.where.line, 0):
        how = "called at" if failed.called else "its output reaches"
        built_here = f"{failed.blame[1]} is built here; {how} line {failed.where.line}: "
        fed = failed.fed
        # a size read that another layer of the block gave: the two widths' own lines
        at = size_argument(failed.blame[0], "reads") if fed and failed.called else failed.blame[0]
        api.fail(built_here + message, at, code=DFDX_SHAPE)
        if fed is not None:
            gave = size_argument(fed[0], "gives")
            if gave.line not in (failed.where.line, at.line, 0):
                reaches = f"{fed[1]} is built here; its output reaches line {failed.where.line}: "
                api.fail(reaches + message, gave, code=DFDX_SHAPE)
        made = failed.made
        if made is not None and made.line not in (failed.where.line, at.line, 0):
            api.fail(built_here + message, size_argument(made, "reads"), code=DFDX_SHAPE)


def _blame_reader(
    api: CheckerPluginInterface, failed: _Failed, argument: str, message: str, given: Context
) -> None:
    """Where the construction argument ``argument`` (reported where it is given) makes the
    layer called at the failing op read a size it is not given, and that layer is built
    from it (``self.out_norm = LayerNorm(intermediate_size)`` where the residual stream is
    ``hidden_size`` wide): that construction is reported too, since it is as likely the
    line at fault as the value given; not where the layer is the one the block gives the
    argument to (``Conv2d(in_ch, ...)`` of a ``ConvBN(in_ch, out_ch)``: the argument is)."""
    if failed.blame is None or not failed.called or failed.module is None:
        return
    init = _init(failed.module)
    if init is None or _uses(init, argument) < 2:
        return
    built = failed.blame[0]
    if not isinstance(built, CallExpr) or built.line in (failed.where.line, given.line, 0):
        return
    if not any(
        n.name == argument for a in built.args for n in all_name_and_member_expressions(a)[0]
    ):
        return
    at = size_argument(built, "reads")
    reads = f"{failed.blame[1]} is built here; called at line {failed.where.line}: {message}"
    api.fail(reads, at, code=DFDX_SHAPE)


def _declared_arguments(info: TypeInfo, unknown: dict[str, object]) -> dict[str, object]:
    """The construction arguments as ``__init__`` declares them: a size TypeVar's name (the
    check of the body reads ``d_model: D`` as ``D``), any other unknown."""
    init = _init(info)
    signature = init.type if init is not None else None
    if not isinstance(signature, CallableType):
        return unknown
    declared = dict(unknown)
    for name, t in zip(signature.arg_names, signature.arg_types, strict=True):
        p = get_proper_type(t)
        if name in declared and isinstance(p, TypeVarType) and is_int_bound(p):
            declared[name] = p.name
    return declared


def _declared_inputs(info: TypeInfo, inputs: dict[str, object]) -> dict[str, object] | None:
    """``inputs`` with each tensor as its parameter declares it (sizes named by their
    TypeVars, ``Dyn`` and ``int`` unknown); None where no tensor is declared so."""
    forward = _forward(info)
    signature = forward.type if forward is not None else None
    if not isinstance(signature, CallableType):
        return None
    declared = dict(inputs)
    changed = False
    for name, t in zip(signature.arg_names, signature.arg_types, strict=True):
        if name is None or not isinstance(inputs.get(name), _Tensor):
            continue
        try:
            shape = read_tensor(t).shape
        except Unknown:
            continue
        declared[name] = _Tensor(shape)
        changed = True
    return declared if changed else None


def _passed_argument(
    api: CheckerPluginInterface, failed: _Failed, top: CallExpr
) -> tuple[str, Expression] | None:
    """Where a block that failed inside the instance was given the one construction argument
    that makes it fail, where its ``__init__`` uses that argument once (a wrapper that passes
    it on to one layer: ``ConvBNReLU(in_chan, ...)`` gives it to its convolution): followed out
    through the blocks that pass it on as one of their own arguments, to the construction
    that writes it (``FeatureFusionModule(mid, 64)`` where ``2 * mid`` was meant). The name
    of the argument there, and its expression; None where no one argument is so."""
    if len(failed.chain) < 2:
        return None
    inner, inputs = failed.chain[0]
    init = _init(inner.info)
    if inner.built is None or init is None:
        return None
    at_fault = [
        name
        for name in inner.arguments
        if not _fails(api, inner, {**inner.arguments, name: _UNKNOWN_ARG}, inputs)
    ]
    if len(at_fault) != 1 or _uses(init, at_fault[0]) != 1:
        return None
    name = at_fault[0]
    if not isinstance(inner.built[0], CallExpr):
        return None
    place: Expression | None = _argument_place(api, inner.built[0], inner.info, name)
    owners = [m for m, _ in failed.chain[1:]]
    for level, owner in enumerate(owners):
        owner_init = _init(owner.info)
        if not isinstance(place, NameExpr) or owner_init is None:
            break
        if place.name not in {p.name for p in _params(owner_init)}:
            break
        built = owner.built[0] if owner.built is not None else None
        if built is None and level == len(owners) - 1:
            built = top
        outer = (
            _argument_place(api, built, owner.info, place.name)
            if isinstance(built, CallExpr)
            else None
        )
        if outer is None:
            break
        name, place = place.name, outer
    return (name, place) if isinstance(place, Expression) else None


def _fails(
    api: CheckerPluginInterface,
    module: _Module,
    arguments: dict[str, object],
    inputs: dict[str, object],
) -> bool:
    """Whether ``module``'s block built with ``arguments`` fails on ``inputs`` (a run that
    stops does not count)."""
    try:
        instance = _built(api, module.info, arguments, module.name, 0, module.line, True)
        _run_forward(api, instance, inputs, 0)
    except _Failed:
        return True
    except (_Stop, Unknown, ShapeError):
        return False
    return False


def _uses(func: FuncDef, name: str) -> int:
    """How many times the body of ``func`` reads the name ``name``."""
    count = 0
    for stmt in walk(func.body.body):
        for expression in _expressions(stmt):
            names, _ = all_name_and_member_expressions(expression)
            count += sum(n.name == name for n in names)
    return count


def _reported_at(api: CheckerPluginInterface, line: int, instance: str) -> bool:
    """Whether a ``dfdx`` error is already reported on ``line`` of the file being checked,
    other than one of this module's for another instance (a block's mistake is met again,
    with other sizes, where a module that builds it is evaluated)."""
    errors = getattr(getattr(api, "msg", None), "errors", None)
    infos = getattr(errors, "error_info_map", {}).get(getattr(api, "path", None), [])
    return any(
        i.line == line
        and i.code is not None
        and i.code.code.startswith("dfdx")
        and (not _OWN_MESSAGE.search(i.message) or i.message.endswith(f"(in {instance})"))
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
        if base.fullname == MODULE:
            return None
        node = base.names.get("__init__")
        if node is not None:
            return node.node if isinstance(node.node, FuncDef) else None
    return None


def _forward(info: TypeInfo) -> FuncDef | None:
    for base in info.mro:
        if base.fullname == MODULE:
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
        return [
            _Param(name or a.variable.name, a.kind, a.initializer)
            for a, name in zip(arguments[skip:], func.arg_names[skip:], strict=True)
        ]
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
    func: FuncDef, call: CallExpr, value: Callable[[Expression], object], skip: int = 1
) -> dict[str, object] | None:
    """The parameters of ``func`` (past ``self``, or the first ``skip``) bound to ``call``'s
    arguments, or to their defaults; None where an argument is starred or a parameter is
    neither given nor defaulted."""
    if any(k not in (ARG_POS, ARG_NAMED) for k in call.arg_kinds):
        return None
    params = _params(func, skip)
    bound: dict[str, object] = {}
    for param, actuals in zip(params, _formals(call, params), strict=True):
        if param.kind == ARG_STAR2:  # ``**kwargs``: the named arguments no parameter takes
            named = [(call.arg_names[i], call.args[i]) for i in actuals]
            bound[param.name] = _Keywords({n: value(a) for n, a in named if n is not None})
            continue
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


class _Keywords(dict[str, object]):
    """The named arguments a ``**kwargs`` parameter collected, passed on as
    ``Conv2d(in_ch, out_ch, bias=False, **kwargs)``."""


def _spread(e: CallExpr, scope: _Scope) -> CallExpr:
    """``e`` with a ``**kwargs`` argument of known values written out as named arguments
    (``BasicConv2d(c7, 16, kernel_size=(7, 1), padding=(3, 0))`` passing them on to its
    convolution); ``e`` itself where it has none."""
    if ARG_STAR2 not in e.arg_kinds:
        return e
    args: list[Expression] = []
    kinds: list[ArgKind] = []
    names: list[str | None] = []
    for a, kind, name in zip(e.args, e.arg_kinds, e.arg_names, strict=True):
        if kind != ARG_STAR2:
            args.append(a)
            kinds.append(kind)
            names.append(name)
            continue
        given = _value(a, scope)
        if not isinstance(given, _Keywords):
            raise _Stop
        for key, v in given.items():
            written = _written(v, a)
            if written is None:
                raise _Stop
            args.append(written)
            kinds.append(ARG_NAMED)
            names.append(key)
    spread = CallExpr(e.callee, args, kinds, names)
    spread.set_line(e)
    return spread


def _written(v: object, at: Context) -> Expression | None:
    """An expression that :func:`_constant` reads as ``v`` (a literal, a tuple of them)."""
    out: Expression
    if isinstance(v, bool) or v is None:
        text = "True" if v is True else "False" if v is False else "None"
        out = NameExpr(text)
        out.fullname = f"builtins.{text}"
    elif isinstance(v, int):
        out = IntExpr(v) if v >= 0 else UnaryExpr("-", IntExpr(-v))
    elif isinstance(v, float):
        out = FloatExpr(v)
    elif isinstance(v, _Word):
        out = StrExpr(v.text)
    elif isinstance(v, tuple):
        items = [_written(i, at) for i in v]
        if any(i is None for i in items):
            return None
        out = TupleExpr([i for i in items if i is not None])
    else:
        return None
    out.set_line(at)
    return out


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
    if isinstance(e, ListExpr):  # ``ShuffleNetV2([4, 8, 4], [24, 116, 232, 464, 1024])``
        listed = [_constant(i) for i in e.items]
        return _UNKNOWN if any(i is _UNKNOWN for i in listed) else listed
    return _UNKNOWN


def _construction_arguments(
    api: CheckerPluginInterface,
    built: CallExpr,
    info: TypeInfo,
    syms: dict[str, Type],
    depth: int = 0,
) -> dict[str, object] | None:
    init = _init(info)
    if init is None:
        return None
    return _bound(init, built, lambda e: _caller_value(api, e, syms, depth=depth))


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
    api: CheckerPluginInterface,
    e: Expression,
    syms: dict[str, Type],
    checked: bool = False,
    depth: int = 0,
) -> object:
    """An argument's value where the module is built (``checked``: typed now if mypy has
    not typed it yet, as the arguments of the call being checked) or called: a literal, a
    tuple of them, a size TypeVar's name, a word, a tensor's shape, the value a name typed
    ``int`` or ``list[int]`` is bound to (:func:`._plain_values.bound_value`); else not
    known."""
    if isinstance(e, TupleExpr | ListExpr):  # ratios=[8, 8], [dim, *hidden]
        items: list[object] = []
        for i in e.items:
            if isinstance(i, StarExpr):
                spread = _caller_value(api, i.expr, syms, checked, depth)
                if not isinstance(spread, list | tuple) or isinstance(spread, _Tensor):
                    return _UNKNOWN
                items.extend(spread)
            else:
                items.append(_caller_value(api, i, syms, checked, depth))
        return tuple(items) if isinstance(e, TupleExpr) else items
    constant = _constant(e)
    if constant is not _UNKNOWN:
        return constant
    checker = api if isinstance(api, TypeChecker) else None
    t = checker.lookup_type_or_none(e) if checker is not None else None
    if t is None and checked and isinstance(e, _TYPED_ALONE):
        t = api.get_expression_type(e)
    if t is not None:
        typed = _typed_value(t, syms)
        if typed is not _UNKNOWN:
            return typed
    if isinstance(e, MemberExpr) and isinstance(e.expr, NameExpr) and depth < _DEPTH:
        owner = _caller_value(api, e.expr, syms, checked, depth + 1)
        if isinstance(owner, Record):  # ``GPT(config.n_embd)``
            try:
                return owner.field_value(e.name)
            except NotKnown:
                return _UNKNOWN
    if isinstance(e, MemberExpr) and isinstance(e.expr, NameExpr) and t is not None:
        return _field_of_built(api, e)
    if isinstance(e, CallExpr) and depth > 0:  # a dataclass config bound in the caller
        built = _caller_module(api, e, syms, depth)
        return built if built is not _UNKNOWN else _caller_record(api, e, syms, checked, depth)
    if isinstance(e, NameExpr) and depth < _DEPTH:
        bound = bound_value(api, e)  # ``num_mels, frames = 10, 12`` then ``Net(num_mels)``
        if bound is not None:
            return _caller_value(api, bound, syms, checked, depth + 1)
    if isinstance(e, OpExpr) and (t is not None or depth > 0):
        left = _caller_value(api, e.left, syms, checked, depth)
        right = _caller_value(api, e.right, syms, checked, depth)
        if _UNKNOWN in (left, right):
            return _UNKNOWN
        try:
            return _arith(e.op, left, right)
        except _Stop:
            return _UNKNOWN
    return _UNKNOWN


def _caller_module(
    api: CheckerPluginInterface, e: CallExpr, syms: dict[str, Type], depth: int
) -> object:
    """A block of the file built once in the caller and passed to the module (``backbone =
    Encoder(vocab, 16, 32)``, then ``Classifier(backbone, 32)``): its fields as its
    ``__init__`` builds them with the caller's values; else not known."""
    info = e.callee.node if isinstance(e.callee, RefExpr) else None
    if not (isinstance(info, TypeInfo) and info.has_base(MODULE) and _same_file(api, info)):
        return _UNKNOWN
    if layer_of(info.fullname) is not None or info.fullname in (_SEQUENTIAL, _MODULE_LIST):
        return _UNKNOWN
    arguments = _construction_arguments(api, e, info, syms, depth + 1)
    if arguments is None:
        return _UNKNOWN
    try:
        name = _describe(info, e, arguments)
        module = _built(api, info, arguments, name, 1, e.line, follow=True)
    except (_Stop, Unknown, ShapeError, _Failed, _LoopNotFollowed):
        return _UNKNOWN
    module.built = (e, name)
    return module


def _caller_record(
    api: CheckerPluginInterface,
    e: CallExpr,
    syms: dict[str, Type],
    checked: bool,
    depth: int,
) -> object:
    """``Config(dim=64, depth=4)`` where the caller binds a dataclass config once: its
    fields' values (:class:`._plain_values.Record`); else not known."""
    info = e.callee.node if isinstance(e.callee, RefExpr) else None
    if not isinstance(info, TypeInfo) or any(k not in (ARG_POS, ARG_NAMED) for k in e.arg_kinds):
        return _UNKNOWN
    args = [_caller_value(api, a, syms, checked, depth + 1) for a in e.args]
    positional = [v for v, k in zip(args, e.arg_kinds, strict=True) if k == ARG_POS]
    named = {
        n: v for v, n, k in zip(args, e.arg_names, e.arg_kinds, strict=True) if k == ARG_NAMED and n
    }
    try:
        return record(
            info,
            positional,
            named,
            lambda d: _caller_value(api, d, syms, False, depth + 1),
            _UNKNOWN,
        )
    except NotKnown:
        return _UNKNOWN


def _typed_value(t: Type, syms: dict[str, Type]) -> object:
    """The value a type states: a literal, a size TypeVar's name, a tensor's shape."""
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
        return _UNKNOWN


def _field_of_built(api: CheckerPluginInterface, e: MemberExpr) -> object:
    """``embed.out_dim``: a number that the ``__init__`` of another module, built once in
    the same function with known arguments (``embed = Embedder(3, 10)``), computes and
    keeps in a field; else not known."""
    built = built_by(api, e.expr)
    if not isinstance(built, CallExpr) or not isinstance(built.callee, RefExpr):
        return _UNKNOWN
    info = built.callee.node
    if not (isinstance(info, TypeInfo) and info.has_base(MODULE) and _same_file(api, info)):
        return _UNKNOWN
    arguments = _construction_arguments(api, built, info, {})
    if arguments is None or _UNKNOWN in arguments.values():
        return _UNKNOWN
    try:
        name = _describe(info, built, arguments)
        instance = _built(api, info, arguments, name, 1, built.line, follow=True)
    except (_Stop, Unknown, ShapeError, _Failed):
        return _UNKNOWN
    value = instance.fields.get(e.name, _UNKNOWN)
    return value if int_functions.is_number(value) or isinstance(value, bool) else _UNKNOWN


def _read_shape(t: Type, syms: dict[str, Type]) -> shapes.Shape:
    x = read_tensor(t)
    syms.update(x.syms)
    return x.shape


def _call_inputs(
    api: CheckerPluginInterface, module: Instance, call: CallExpr, syms: dict[str, Type]
) -> tuple[dict[str, object], dict[str, object]] | None:
    """The values ``forward`` is called with, and the same as their types give them (the
    same dict where no tensor is taken otherwise). A tensor whose type does not say its
    shape (data from NumPy, ``Tensor[*tuple[Any, ...]]``) is taken with the shape the data
    was made with, or else its parameter's declared shape (:func:`_declared_shape`), so
    that what the instance's values alone make is still found; its sizes are not the
    caller's types': the result is then not typed by them."""
    forward = _forward(module.type)
    if forward is None:
        return None
    inputs = _bound(forward, call, lambda e: _caller_value(api, e, syms, checked=True))
    if inputs is None:
        return None
    typed = inputs
    signature = forward.type
    params = _params(forward)
    if not isinstance(signature, CallableType) or len(signature.arg_types) != len(params) + 1:
        return inputs, typed
    own = _own_sizes(module)
    declared: set[str] = set()
    for i, (param, actuals) in enumerate(zip(params, _formals(call, params), strict=True)):
        if inputs.get(param.name) is not _UNKNOWN or len(actuals) != 1:
            continue
        shapes_ = _declared_shape(api, call.args[actuals[0]], signature.arg_types[i + 1], own)
        if shapes_ is not None:
            if typed is inputs:
                typed = dict(inputs)
            inputs[param.name] = _Tensor(shapes_[0])
            typed[param.name] = _Tensor(shapes_[1])
            declared.add(param.name)
    if declared:
        _bind_declared(inputs, declared, params, signature.arg_types[1:])
    return inputs, typed


def _bind_declared(
    inputs: dict[str, object], declared: set[str], params: list[_Param], types: list[Type]
) -> None:
    """The sizes ``forward``'s own TypeVars take from the inputs whose sizes are known (the
    shape NumPy data was made with) put in the inputs that keep them as names (declared
    shapes): ``dense`` made ``(6, 5)`` binds ``B`` to 6 in ``sparse: Tensor[B, int]``."""
    bound: dict[str, shapes.Dim] = {}
    for param, t in zip(params, types, strict=True):
        x = inputs.get(param.name)
        p = get_proper_type(t)
        if not isinstance(x, _Tensor) or not isinstance(p, Instance) or p.type.fullname != TENSOR:
            continue
        if len(p.args) - 1 != len(x.shape):
            continue
        for a, d in zip(p.args[:-1], x.shape, strict=True):
            pa = get_proper_type(a)
            if isinstance(pa, TypeVarType) and isinstance(d, int):
                bound.setdefault(pa.name, d)
    if not bound:
        return
    for name in declared:
        x = inputs.get(name)
        if isinstance(x, _Tensor) and any(isinstance(d, str) for d in x.shape):
            shape = tuple(
                shapes.dim_substitute(d, bound) if isinstance(d, str) else d for d in x.shape
            )
            inputs[name] = _Tensor(shape)


def _declared_shape(
    api: CheckerPluginInterface,
    given: Expression,
    parameter: Type,
    own: dict[str, shapes.Dim],
) -> tuple[shapes.Shape, shapes.Shape] | None:
    """The shape of a tensor given to ``forward`` whose type does not say it (the shape of
    the NumPy data it was made from, :mod:`._data_shapes`, else the declared shape), and
    the parameter's declared shape: its class's size TypeVars given this instance's sizes
    (``own``; a size not known there is unknown), ``forward``'s own TypeVars kept as
    names."""
    checker = api if isinstance(api, TypeChecker) else None
    t = checker.lookup_type_or_none(given) if checker is not None else None
    if t is None and checker is not None and isinstance(given, _TYPED_ALONE):
        t = checker.get_expression_type(given)  # the call's own arguments, not typed yet
    p = get_proper_type(t) if t is not None else None
    if not (isinstance(p, Instance) and p.type.fullname == TENSOR):
        return None
    try:
        read_tensor(p)
        return None  # its shape is known (a size that did not read is not the declared)
    except Unknown:
        pass
    try:
        declared = tuple(_as_given(d, own) for d in read_tensor(parameter).shape)
    except Unknown:
        return None
    data = data_shape(api, given)
    if data is not None and len(declared) == len(data):
        return data, declared
    return declared, declared


def _as_given(d: shapes.Dim, own: dict[str, shapes.Dim]) -> shapes.Dim:
    if not isinstance(d, str):
        return d
    names = shapes.size_names(d)
    return shapes.dim_substitute(d, {n: own[n] if n in own else n for n in names})


def _own_sizes(module: Instance) -> dict[str, shapes.Dim]:
    """The sizes the module's type gives its class's size TypeVars (None where not known)."""
    sizes: dict[str, shapes.Dim] = {}
    for i, tv in enumerate(module.type.defn.type_vars):
        try:
            sizes[tv.name] = read_dim(module.args[i], {}) if i < len(module.args) else None
        except Unknown:
            sizes[tv.name] = None
    return sizes


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
    if isinstance(v, tuple | list):
        items = [_shown(i) for i in v]
        if None in items:
            return None
        shown = ", ".join(i for i in items if i)
        return f"[{shown}]" if isinstance(v, list) else f"({shown})"
    return None


def _argument_place(
    api: CheckerPluginInterface, built: CallExpr, info: TypeInfo, name: str
) -> Expression | None:
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
    follow: bool,
) -> _Module:
    """The instance ``info(**arguments)``: its fields as ``__init__`` builds them."""
    init = _init(info)
    own = {k: list(v) if isinstance(v, list) else v for k, v in arguments.items()}
    scope = _Scope(
        names=_with_hidden(own),  # a list given is the instance's own to grow
        instance=f"{name} built at line {line}",
        depth=depth,
        api=api,
        info=info,
        follow=follow,
        in_init=True,
    )
    if init is not None:
        _run(init.body.body, scope, in_init=True)
    return _Module(info, scope.fields, name, line, follow, arguments=arguments)


def _run_forward(
    api: CheckerPluginInterface, module: _Module, inputs: dict[str, object], depth: int
) -> object:
    forward = _forward(module.info)
    if forward is None:
        raise _Stop
    scope = _Scope(
        names=_with_hidden(inputs),
        fields=module.fields,
        instance=f"{module.name} built at line {module.line}",
        depth=depth,
        api=api,
        info=module.info,
        follow=module.follow,
        arguments=module.arguments,
    )
    try:
        value = _run(forward.body.body, scope, in_init=False)
        if isinstance(value, _Tensor) and scope.returned is not None:
            _check_declared(module, forward, inputs, value, scope.returned, scope.instance)
    except _Failed as failed:
        failed.chain.append((module, inputs))
        raise
    except (_Stop, Unknown, ShapeError) as stop:
        if give_up_trace.GIVE_UP_FILE is not None and module.line != 0:  # (not a stand-in)
            path = getattr(api, "path", "")
            give_up_trace.gave_up(path, scope.instance, forward, scope, stop)
        raise
    return value


def _check_declared(
    module: _Module,
    forward: FuncDef,
    inputs: dict[str, object],
    value: _Tensor,
    returned: Context,
    instance: str,
) -> None:
    """The tensor this instance's ``forward`` returns against the return type it declares,
    its size TypeVars bound by this instance (``dim: D`` built with 256, or ``x: Tensor[B,
    N, D, T]`` called on 256 features): a known size that differs is a mistake of the
    block's body that only these values show (``Linear(hidden, hidden)`` where ``dim`` was
    meant), reported at the ``return`` and where the layer that set the size is built."""
    signature = forward.type
    if not isinstance(signature, CallableType):
        return
    ret = get_proper_type(signature.ret_type)
    if not isinstance(ret, Instance) or ret.type.fullname != TENSOR:
        return
    if len(ret.args) - 1 != len(value.shape):
        return
    values = _bound_sizes(module, signature, inputs)
    declared: list[shapes.Dim] = []
    for a in ret.args[:-1]:
        try:
            d = read_dim(a, {})
        except Unknown:
            d = None
        declared.append(shapes.dim_substitute(d, values) if isinstance(d, str) else d)
    for axis, (want, got) in enumerate(zip(declared, value.shape, strict=True)):
        if isinstance(want, int) and isinstance(got, int) and want != got:
            error = ShapeError(
                f"{module.info.name}.forward returns {shapes.fmt(value.shape)} where it "
                f"declares {shapes.fmt(tuple(declared))} (axis {axis}: {got} != {want})"
            )
            blame = value.origin(axis)
            raise _Failed(error, returned, instance, module.info, blame, False)


def _bound_sizes(
    module: _Module, forward: CallableType, inputs: dict[str, object]
) -> dict[str, shapes.Dim]:
    """The values this instance gives the size TypeVars of ``forward``'s signature: from
    ``__init__``'s arguments typed with one, and from the shapes of ``forward``'s tensor
    arguments; a TypeVar given two values is left out."""
    values: dict[str, shapes.Dim] = {}
    clashes: set[str] = set()

    def bind(name: str, v: object) -> None:
        if isinstance(v, bool) or not isinstance(v, int | str):
            return
        if values.get(name, v) != v:
            clashes.add(name)
        values.setdefault(name, v)

    init = _init(module.info)
    signature = init.type if init is not None else None
    if isinstance(signature, CallableType):
        for name, t in zip(signature.arg_names, signature.arg_types, strict=True):
            p = get_proper_type(t)
            if name in module.arguments and isinstance(p, TypeVarType) and is_int_bound(p):
                bind(p.name, module.arguments[name])
    for name, t in zip(forward.arg_names, forward.arg_types, strict=True):
        x = inputs.get(name or "")
        p = get_proper_type(t)
        if not isinstance(x, _Tensor) or not isinstance(p, Instance) or p.type.fullname != TENSOR:
            continue
        if len(p.args) - 1 != len(x.shape):
            continue
        for a, d in zip(p.args[:-1], x.shape, strict=True):
            pa = get_proper_type(a)
            if isinstance(pa, TypeVarType) and is_int_bound(pa):
                bind(pa.name, d)
    return {k: v for k, v in values.items() if k not in clashes}


def _with_hidden(arguments: dict[str, object]) -> dict[str, object]:
    """The names a method's body sees its arguments by: each also by the hidden name it
    binds where the body reassigns it (``_arguments``: ``ch = ch__argument``)."""
    return {**arguments, **{HIDDEN.format(k): v for k, v in arguments.items()}}


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


def _block(
    body: Sequence[Statement], scope: _Scope, in_init: bool, in_loop: bool = False
) -> object:
    """``body`` run; the value of its ``return``, or :data:`_FELL_THROUGH`. In ``__init__``
    a statement the evaluator does not follow makes what it may change unknown; in
    ``forward`` it stops the evaluation."""
    for stmt in body:
        if isinstance(stmt, ReturnStmt):
            if in_init and not scope.method:
                return None
            if stmt.expr is None:
                if scope.method:
                    return None
                raise _Stop
            value = _value(stmt.expr, scope)
            scope.returned = stmt
            return value
        if isinstance(stmt, PassStmt):
            continue
        if isinstance(stmt, ExpressionStmt) and (
            isinstance(stmt.expr, StrExpr) or _is_super_init(stmt.expr) or _only_looks(stmt.expr)
        ):
            continue
        if isinstance(stmt, AssertStmt) and (not in_init or _condition(stmt.expr, scope)):
            continue  # it changes no value (``assert isinstance(v, int)`` in a builder)
        if isinstance(stmt, AssignmentStmt) and is_accumulated(stmt.rvalue):
            continue  # the plugin's narrowing after a summing loop (``_accumulators``)
        if isinstance(stmt, AssignmentStmt) and not (in_init and _touches_fields(stmt)):
            if not in_init and any(_mentions_self_field(t) for t in stmt.lvalues):
                raise _Stop  # forward changing the instance
            _assign(stmt, scope, in_init)
            continue
        if isinstance(stmt, OperatorAssignmentStmt) and (not in_init or scope.follow):
            if _augmented(stmt, scope, in_init):
                continue
            if not in_init:
                raise _Stop
        if (
            scope.follow
            and isinstance(stmt, ExpressionStmt)
            and _grew_list(stmt.expr, scope, in_init)
        ):
            continue
        if in_init and isinstance(stmt, ExpressionStmt) and _method_ran(stmt.expr, scope):
            continue
        if scope.follow and isinstance(stmt, ForStmt):
            value = _looped(stmt, scope, in_init)
            if value is not _NOT_FOLLOWED:
                if value is not _FELL_THROUGH:
                    return value
                continue
        if isinstance(stmt, IfStmt) and len(stmt.expr) == 1:
            taken = _condition(stmt.expr[0], scope)
            if taken is not None:
                branch = stmt.body[0].body if taken else (stmt.else_body or Block([])).body
                value = _block(branch, scope, in_init, in_loop)
                if value is not _FELL_THROUGH:
                    return value
                continue
        if in_loop and isinstance(stmt, BreakStmt):
            return _BROKE
        if in_loop and isinstance(stmt, ContinueStmt):
            return _CONTINUED
        if in_loop and in_init:
            raise _LoopNotFollowed
        if in_init:
            _forget_touched(stmt, scope)
            continue
        raise _Stop
    return _FELL_THROUGH


_NOT_FOLLOWED = object()
"""What :func:`_looped` gives for a loop of ``__init__`` it does not follow."""


def _augmented(stmt: OperatorAssignmentStmt, scope: _Scope, in_init: bool) -> bool:
    """``h += self.proj(x)``, ``ch += growth``, ``layers += [Conv2d(...), ReLU()]``: whether
    it was followed (in ``__init__``, a statement not followed is forgotten)."""
    if in_init and _is_self(stmt.lvalue):  # ``self.bottleneck_width *= 2``
        assert isinstance(stmt.lvalue, MemberExpr)
        try:
            value = _value(OpExpr(stmt.op, stmt.lvalue, stmt.rvalue), scope, at=stmt)
        except (_Stop, Unknown, ShapeError, _Failed):
            return False
        if isinstance(value, list | _Tensor):
            return False  # a list or tensor changed in place: not followed
        scope.fields[stmt.lvalue.name] = value
        return True
    if not isinstance(stmt.lvalue, NameExpr):
        return False
    name = stmt.lvalue.name
    if isinstance(scope.names.get(name), list) and stmt.op == "+":
        try:
            added = _iterated(_value(stmt.rvalue, scope))
        except (_Stop, Unknown):
            if not in_init:
                raise
            return False
        items = scope.names[name]
        assert isinstance(items, list)
        items.extend(added)
        return True
    try:
        value = _value(OpExpr(stmt.op, stmt.lvalue, stmt.rvalue), scope, at=stmt)
    except (_Stop, Unknown, ShapeError, _Failed):
        if not in_init:
            raise
        return False
    scope.names[name] = value
    return True


_GROWS = frozenset({"append", "extend"})


def _grew_list(e: Expression, scope: _Scope, in_init: bool) -> bool:
    """``layers.append(Conv2d(ch, w, 3))``, ``self.blocks.extend(...)``: whether a known
    list was grown (a call this does not follow is forgotten in ``__init__``)."""
    if not (
        isinstance(e, CallExpr)
        and isinstance(e.callee, MemberExpr)
        and e.callee.name in _GROWS
        and e.arg_kinds == [ARG_POS]
    ):
        return False
    owner = e.callee.expr
    if not (isinstance(owner, NameExpr) or _is_self(owner)):
        return False
    try:
        items = _value(owner, scope)
        if not isinstance(items, list):
            return False
        added = _value(e.args[0], scope)
        grown = [added] if e.callee.name == "append" else list(_iterated(added))
    except (_Stop, Unknown, ShapeError, _Failed):
        if not in_init:
            raise
        return False
    items.extend(_known(i) for i in grown)
    return True


def _looped(stmt: ForStmt, scope: _Scope, in_init: bool) -> object:
    """A ``for`` loop over a known tuple, list, ``range`` or container, run turn by turn:
    what its body returns, :data:`_FELL_THROUGH`, or (in ``__init__``) :data:`_NOT_FOLLOWED`
    where a turn does something not followed; the names, fields and lists are then as they
    were before the loop, for :func:`_forget_touched`."""
    saved = _saved(scope)
    try:
        items = _iterated(_value(stmt.expr, scope))
        for item in items:
            _bind(stmt.index, item, scope)
            value = _block(stmt.body.body, scope, in_init, in_loop=True)
            if value is _BROKE:
                return _FELL_THROUGH
            if value is not _FELL_THROUGH and value is not _CONTINUED:
                return value
        if stmt.else_body is not None:
            return _block(stmt.else_body.body, scope, in_init)
        return _FELL_THROUGH
    except (_Stop, Unknown, _LoopNotFollowed):
        if not in_init:
            _restore(scope, saved)
            if _unrolled_as_declared(stmt, scope):
                return _FELL_THROUGH
            raise _Stop from None
        _restore(scope, saved)
        return _NOT_FOLLOWED
    except (ShapeError, _Failed):
        if not in_init:
            raise
        _restore(scope, saved)
        return _NOT_FOLLOWED


def _unrolled_as_declared(stmt: ForStmt, scope: _Scope) -> bool:
    """A loop of ``forward`` over a field holding blocks it cannot list (``for layer in
    self.layers: h = layer(h)``, ``self.layers`` built from the instance's ``depth`` it does
    not know), where the field's type names the blocks' class: one turn is run with a block
    of that class standing for what its ``forward`` declares; where each name the turn binds
    has the value it had before (a block that keeps its input's shape), any number of turns
    leaves them so, and the loop is done. Whether it was."""
    if not (_is_self(stmt.expr) and isinstance(stmt.index, NameExpr)) or scope.info is None:
        return False
    assert isinstance(stmt.expr, MemberExpr)
    found = scope.info.get(stmt.expr.name)
    held = found.node.type if found is not None and isinstance(found.node, Var) else None
    p = get_proper_type(held) if held is not None else None
    if not (isinstance(p, Instance) and p.type.fullname == _MODULE_LIST and p.args):
        return False
    item = get_proper_type(p.args[0])
    if not (isinstance(item, Instance) and item.type.has_base(MODULE)):
        return False
    if _forward(item.type) is None or layer_of(item.type.fullname) is not None:
        return False
    before = dict(scope.names)
    scope.names[stmt.index.name] = _Module(item.type, {}, item.type.name, 0, follow=False)
    try:
        value = _block(stmt.body.body, scope, False, in_loop=True)
    except (_Stop, Unknown, ShapeError):
        return False
    if value is not _FELL_THROUGH and value is not _CONTINUED:
        return False
    changed = [
        k for k, v in scope.names.items() if k != stmt.index.name and before.get(k, v) is not v
    ]
    if not all(_same_value(before.get(k), scope.names[k]) for k in changed):
        return False
    for k in changed:
        scope.names[k] = before[k]
    scope.names.pop(stmt.index.name, None)
    if stmt.index.name in before:
        scope.names[stmt.index.name] = before[stmt.index.name]
    return True


def _same_value(a: object, b: object) -> bool:
    if isinstance(a, _Tensor) and isinstance(b, _Tensor):
        return a.shape == b.shape and None not in a.shape
    return False


class _LoopNotFollowed(Exception):
    """A statement of a loop's body in ``__init__`` that is not followed: the whole loop is
    forgotten, not that statement alone (a later turn would see its names as unknown)."""


_BROKE = object()
_CONTINUED = object()


def _saved(
    scope: _Scope,
) -> tuple[dict[str, object], dict[str, object], list[tuple[list[object], list[object]]]]:
    lists = [v for v in [*scope.names.values(), *scope.fields.values()] if isinstance(v, list)]
    return dict(scope.names), dict(scope.fields), [(v, list(v)) for v in lists]


def _restore(
    scope: _Scope,
    saved: tuple[dict[str, object], dict[str, object], list[tuple[list[object], list[object]]]],
) -> None:
    names, fields, lists = saved
    scope.names.clear()
    scope.names.update(names)
    scope.fields.clear()
    scope.fields.update(fields)
    for items, content in lists:
        items[:] = content


def _condition(e: Expression, scope: _Scope) -> bool | None:
    """The value of an ``if``'s test where it is a known bool, or the truth of a known
    number, ``None`` or list (``if dropout:`` of a ``dropout: float = 0.0``), else None."""
    try:
        value = _value(e, scope)
    except (_Stop, Unknown, ShapeError, _Failed):
        return None
    if isinstance(value, bool):
        return value
    if value is None or (scope.follow and int_functions.is_number(value)):
        return bool(value)
    if scope.follow and isinstance(value, list | tuple) and not isinstance(value, _Tensor):
        return bool(value)
    return None


_LOOKS = frozenset(
    {
        "builtins.print",
        "builtins.reveal_type",
        "typing.reveal_type",
        "typing.assert_type",
        "typing_extensions.assert_type",
        "typing_extensions.reveal_type",
    }
)
"""Functions called for what they show, which change no value."""


def _only_looks(e: Expression) -> bool:
    return isinstance(e, CallExpr) and isinstance(e.callee, RefExpr) and e.callee.fullname in _LOOKS


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
    mentioned: set[str] = field(default_factory=set)
    """Every name it reads (a list it may grow: ``layers.append(...)``)."""


def _touched(stmt: Statement, info: TypeInfo | None) -> _Touched:
    fields: set[str] = set()
    mentioned: set[str] = set()
    everything = False
    for inner in walk([stmt]):
        if not isinstance(inner, _READ_STATEMENTS):
            everything = True  # a kind of statement whose expressions are not read here
        for expression in _expressions(inner):
            mentioned_names, members = all_name_and_member_expressions(expression)
            mentioned.update(n.name for n in mentioned_names)
            everything = everything or any(n.name == "setattr" for n in mentioned_names)
            # a call for its effect on a layer's parameters (``init.xavier_uniform_(
            # self.fc.weight)``) leaves the layer's sizes as they were
            parameters = (
                {id(e.expr) for e in members if e.name in _PARAMETERS}
                if isinstance(inner, ExpressionStmt)
                else set()
            )
            for e in members:
                if _is_self(e) and id(e) not in parameters:
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
    return _Touched(fields, names, everything, mentioned)


_PARAMETERS = frozenset({"weight", "bias"})


def _own_method(info: TypeInfo | None, name: str) -> bool:
    """Whether ``name`` is a method a user's class defines (it may build fields)."""
    if info is None:
        return False
    for base in info.mro:
        if base.fullname == MODULE:
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
    for name in touched.mentioned:
        if isinstance(scope.names.get(name), list | dict | Record):
            scope.names[name] = _UNKNOWN  # it may have grown


def _assign(stmt: AssignmentStmt, scope: _Scope, in_init: bool) -> None:
    try:
        value = _value(stmt.rvalue, scope)
    except (_Stop, Unknown) as stop:
        if give_up_trace.GIVE_UP_FILE is not None and not in_init and stmt.rvalue.line != -1:
            path = getattr(scope.api, "path", "")
            give_up_trace.lost(path, scope.instance, stmt, scope, stop)
        value = _UNKNOWN
    except (ShapeError, _Failed):
        if not in_init:
            raise
        value = _UNKNOWN
    if not scope.follow and _holds_numbers(value):
        value = _UNKNOWN  # ``widths = [16, 32]``: its type, ``list[int]``, keeps no values
    for target in stmt.lvalues:
        _bind(target, value, scope)


def _holds_numbers(value: object) -> bool:
    return isinstance(value, list | tuple) and any(
        int_functions.is_number(v) or _holds_numbers(v) for v in value
    )


def _bind(target: Expression, value: object, scope: _Scope) -> None:
    if isinstance(target, NameExpr):
        scope.names[target.name] = value
    elif _is_self(target):
        assert isinstance(target, MemberExpr)
        scope.fields[target.name] = _named(value, f"self.{target.name}")
    elif isinstance(target, TupleExpr | ListExpr):
        items = value if isinstance(value, tuple | list) else None
        if items is not None and len(items) != len(target.items):
            raise _Stop
        for i, t in enumerate(target.items):
            _bind(t, items[i] if items is not None else _UNKNOWN, scope)
    else:
        raise _Stop


def _named(value: object, field_name: str) -> object:
    """``value`` bound to the field ``field_name``: a layer of the table built by that
    assignment is shown by the field's name where it is blamed (``self.fc2 is built
    here``), and so is a member built inline in a ``Sequential(...)`` bound there
    (``layer 1 of self.shortcut``)."""
    if isinstance(value, _Layer | _Module) and value.built is not None:
        return replace(value, built=(value.built[0], field_name))
    if isinstance(value, _Module) and value.built is not None:
        value.built = (value.built[0], field_name)
    if isinstance(value, _Sequence) and not value.listed:
        members = tuple(
            _named(m, f"layer {i + 1} of {field_name}") if isinstance(m, _Layer) else m
            for i, m in enumerate(value.members)
        )
        return replace(value, members=members)
    return value


def _is_self(e: Expression) -> bool:
    return isinstance(e, MemberExpr) and isinstance(e.expr, NameExpr) and e.expr.name == "self"


def _known(v: object) -> object:
    if v is _UNKNOWN:
        raise _Stop
    return v


def _value(e: Expression, scope: _Scope, at: Context | None = None) -> object:
    constant = _constant(e)
    if constant is not _UNKNOWN:
        return constant
    if isinstance(e, NameExpr):
        if e.name in scope.names:
            return _known(scope.names[e.name])
        return _module_constant(e, scope)
    if _is_self(e):
        assert isinstance(e, MemberExpr)
        if e.name in scope.fields:
            return _known(scope.fields[e.name])
        return _class_constant(scope.info, e.name, scope)
    if (
        isinstance(e, MemberExpr)
        and isinstance(e.expr, RefExpr)
        and isinstance(e.expr.node, TypeInfo)
    ):
        return _class_constant(e.expr.node, e.name, scope)  # ``Bottleneck.expansion``
    if isinstance(e, DictExpr) and scope.follow:  # ``cfgs = {"A": [64, "M"], ...}``
        pairs = [(_value(k, scope) if k else _stop(), _value(v, scope)) for k, v in e.items]
        try:
            return table(pairs)
        except NotKnown:
            raise _Stop from None
    if isinstance(e, TupleExpr):
        return tuple(_displayed(e.items, scope))
    if isinstance(e, ListExpr):
        return _displayed(e.items, scope)
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
        left, right = _operand(e.left, scope), _operand(e.right, scope)
        try:
            return _arith(e.op, left, right, scope.follow)
        except ShapeError as error:
            blame = _broadcast_blame(left, right, inside=_in_block(scope))
            raise _Failed(error, at or e, scope.instance, scope.info, blame, False) from None
    if isinstance(e, UnaryExpr) and e.op == "-":
        return _arith("*", -1, _operand(e.expr, scope), scope.follow)
    if isinstance(e, ComparisonExpr) and (len(e.operators) == 1 or scope.follow):
        return _chain_compared(e, scope)
    if isinstance(e, ConditionalExpr) and scope.follow:
        taken = _value(e.cond, scope)
        if not isinstance(taken, bool):
            raise _Stop
        return _value(e.if_expr if taken else e.else_expr, scope)
    if isinstance(e, MemberExpr):
        owner = _value(e.expr, scope)
        if isinstance(owner, _Tensor) and e.name == "shape":
            return tuple(owner.shape)
        if isinstance(owner, Record):  # ``config.n_embd``
            try:
                return _known(owner.field_value(e.name))
            except NotKnown:
                raise _Stop from None
        raise _Stop
    if isinstance(e, IndexExpr):
        base = _value(e.base, scope)
        if isinstance(base, _Tensor):
            return _tensor_indexed(base, e, scope)
        if isinstance(e.index, SliceExpr) and scope.follow:
            return _sliced(base, e.index, scope)
        return _indexed(base, e.index, scope)
    if isinstance(e, CallExpr):
        return _called(e, scope)
    if isinstance(e, ListComprehension | GeneratorExpr) and scope.follow:
        generator = e.generator if isinstance(e, ListComprehension) else e
        return _generated(generator, scope)
    raise _Stop


def _operand(e: Expression, scope: _Scope) -> object:
    """An operand of arithmetic: where its value is not known but its type says it is a
    number, some number (:data:`_SOME_NUMBER`: it scales a tensor, never sizes one)."""
    try:
        value = _value(e, scope)
    except (_Stop, Unknown):
        if typed_number(e, scope.info):
            return _SOME_NUMBER
        raise
    if value is None and typed_number(e, scope.info):
        return _SOME_NUMBER  # a construction argument taken as not known
    return value


def _displayed(items: list[Expression], scope: _Scope) -> list[object]:
    """The items of a list or tuple display, a starred one's spread (``[dim, *hidden, 1]``)."""
    out: list[object] = []
    for i in items:
        if isinstance(i, StarExpr) and scope.follow:
            out.extend(_iterated(_value(i.expr, scope)))
        else:
            out.append(_value(i, scope))
    return out


def _module_constant(e: NameExpr, scope: _Scope) -> object:
    """A name of the module bound once to a value (``CFG = [8, "M", 16]``, ``SLOPE = 0.1``:
    :func:`._plain_values.module_constant`), evaluated with no names of its own."""
    value = bound_value(scope.api, e) if scope.follow and scope.api is not None else None
    if value is None or e.kind != GDEF or scope.calls >= _DEPTH:
        raise _Stop
    return _value(value, replace(scope, names={}, fields={}, calls=scope.calls + 1))


def _tensor_indexed(x: _Tensor, e: IndexExpr, scope: _Scope) -> object:
    """``qkv[0]``, ``x[:, :, i : i + 1]``: a tensor indexed by known ints and slices."""
    entries = e.index.items if isinstance(e.index, TupleExpr) else [e.index]
    items: list[object] = []
    for entry in entries:
        if isinstance(entry, EllipsisExpr):
            items.append(Ellipsis)
        elif isinstance(entry, SliceExpr):
            parts = [
                None if p is None else _value(p, scope)
                for p in (entry.begin_index, entry.end_index, entry.stride)
            ]
            if not all(p is None or isinstance(p, int | str) for p in parts):
                raise _Stop
            items.append(slice(*parts))
        else:
            items.append(_value(entry, scope))
    try:
        return evaluated_ops.indexed(x, items)
    except ShapeError as error:
        raise _Failed(error, e, scope.instance, scope.info) from None


def _class_constant(info: TypeInfo | None, name: str, scope: _Scope) -> object:
    """A constant the class (or a base) assigns in its body (``expansion = 4``, ``cfg =
    [64, "M", 128]``, a display of the module's constants), evaluated with no names."""
    for base in info.mro if info is not None else []:
        if base.fullname == MODULE:
            break
        for stmt in base.defn.defs.body:
            if (
                isinstance(stmt, AssignmentStmt)
                and len(stmt.lvalues) == 1
                and isinstance(stmt.lvalues[0], NameExpr)
                and stmt.lvalues[0].name == name
            ):
                value = _constant(stmt.rvalue)
                if value is _UNKNOWN and scope.follow and scope.calls < _DEPTH:
                    inner = replace(scope, names={}, fields={}, calls=scope.calls + 1)
                    return _value(stmt.rvalue, inner)
                return _known(value)
    raise _Stop


def _stop() -> object:
    raise _Stop


def _indexed(base: object, index: Expression, scope: _Scope) -> object:
    i = _value(index, scope)
    if isinstance(base, dict):
        try:
            return table_item(base, i)
        except NotKnown:
            raise _Stop from None
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


def _sliced(base: object, index: SliceExpr, scope: _Scope) -> object:
    """``widths[:-1]``, ``dims[1:]``: a slice of a known tuple or list."""
    bounds = [
        None if b is None else _value(b, scope)
        for b in (index.begin_index, index.end_index, index.stride)
    ]
    if not all(b is None or (isinstance(b, int) and not isinstance(b, bool)) for b in bounds):
        raise _Stop
    if bounds[2] == 0:
        raise _Stop
    begin, end, stride = (b if isinstance(b, int) else None for b in bounds)
    if isinstance(base, tuple | list):
        return base[begin:end:stride]
    if isinstance(base, _Sequence):
        return _Sequence(base.members[begin:end:stride], base.listed)
    raise _Stop


def _generated(generator: GeneratorExpr, scope: _Scope) -> list[object]:
    """A list comprehension's items (``[Block(dim) for _ in range(depth)]``), each loop over
    a known tuple or list; the names it binds are its own."""
    saved = dict(scope.names)
    items: list[object] = []

    def run(level: int) -> None:
        if level == len(generator.indices):
            items.append(_value(generator.left_expr, scope))
            if len(items) > _LONGEST_LOOP:
                raise _Stop
            return
        for item in _iterated(_value(generator.sequences[level], scope)):
            _bind(generator.indices[level], item, scope)
            if all(_value(c, scope) is True for c in generator.condlists[level]):
                run(level + 1)

    try:
        run(0)
    finally:
        scope.names = saved
    return items


def _iterated(v: object) -> tuple[object, ...]:
    """The items a ``for`` loop takes from ``v``."""
    if isinstance(v, tuple | list):
        items = tuple(v)
    elif isinstance(v, dict):
        items = tuple(v)
    elif isinstance(v, _Sequence):
        items = v.members
    else:
        raise _Stop
    if len(items) > _LONGEST_LOOP:
        raise _Stop
    return items


def _chain_compared(e: ComparisonExpr, scope: _Scope) -> object:
    left = _value(e.operands[0], scope)
    for op, operand in zip(e.operators, e.operands[1:], strict=True):
        right = _value(operand, scope)
        if _compared(op, left, right) is False:
            return False
        left = right
    return True


def _compared(op: str, a: object, b: object) -> object:
    if any(isinstance(v, _Word) for v in (a, b, *(b if isinstance(b, tuple | list) else ()))):
        try:
            return words_compared(op, a, b)
        except NotKnown:
            raise _Stop from None
    if (_is_plain_number(a) and _is_plain_number(b)) or op in ("is", "is not", "in", "not in"):
        try:
            return int_functions.compare(op, a, b)
        except int_functions.NotFollowed:
            raise _Stop from None
    raise _Stop


def _is_plain_number(v: object) -> bool:
    return int_functions.is_number(v)


_SOME_NUMBER = object()
"""A number whose value is not known (a size TypeVar times a float): it may scale a tensor,
never size one."""


def _arith(op: str, a: object, b: object, follow: bool = True) -> object:
    if isinstance(a, _Tensor) or isinstance(b, _Tensor):
        return _tensor_arith(op, a, b)
    if follow and (isinstance(a, list | tuple) or isinstance(b, list | tuple)):
        return _sequence_arith(op, a, b)
    if _is_plain_number(a) and _is_plain_number(b) and (follow or op in _SIZE_OPS):
        if not follow and (isinstance(a, float) or isinstance(b, float)):
            return _SOME_NUMBER
        try:
            return int_functions.arith(op, a, b)
        except int_functions.NotFollowed:
            raise _Stop from None
    if any(isinstance(v, float) or v is _SOME_NUMBER for v in (a, b)):
        if all(_is_plain_number(v) or isinstance(v, str) or v is _SOME_NUMBER for v in (a, b)):
            return _SOME_NUMBER  # a number's value with a size TypeVar: only its kind matters
        raise _Stop
    if a is None or b is None:
        raise _Stop
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
    if op == "**" and isinstance(y, int) and 0 <= y <= 4:  # ``grid**2`` of a size name
        power: shapes.Dim = 1
        for _ in range(y):
            power = shapes.dim_mul(power, x)
        return power
    raise _Stop


def _sequence_arith(op: str, a: object, b: object) -> object:
    """``[stride] + [1] * (blocks - 1)``: lists (or tuples) joined and repeated."""
    if op == "+" and type(a) is type(b) and isinstance(a, list | tuple):
        assert isinstance(b, list | tuple)
        joined = [*a, *b]
        return joined if isinstance(a, list) else tuple(joined)
    if op == "*":
        items, n = (a, b) if isinstance(a, list | tuple) else (b, a)
        if isinstance(n, int) and not isinstance(n, bool) and isinstance(items, list | tuple):
            if len(items) * max(n, 0) > _LONGEST_LOOP:
                raise _Stop
            repeated = list(items) * n
            return repeated if isinstance(items, list) else tuple(repeated)
    raise _Stop


_SIZE_OPS = frozenset({"+", "-", "*", "//"})
"""The arithmetic a check of sizes alone follows."""

_LONGEST_LOOP = 256
"""The most turns a loop (or items a comprehension) of ``__init__`` or ``forward`` is
followed for."""


def _tensor_arith(op: str, a: object, b: object) -> object:
    if op == "@" and isinstance(a, _Tensor) and isinstance(b, _Tensor):
        return evaluated_ops.matmul(a, b)
    if op not in ("+", "-", "*", "/"):
        raise _Stop
    names = {"+": "add", "-": "sub", "*": "mul", "/": "div"}
    if isinstance(a, _Tensor) and isinstance(b, _Tensor):
        shape = shapes.broadcast(names[op], a.shape, b.shape)
        return _Tensor(
            shape,
            _broadcast_origins(shape, a, b),
            made_from=a.made_from | b.made_from | {a.serial, b.serial},
            before=_broadcast_before(shape, a, b),
            kept=_broadcast_kept(shape, a, b),
        )
    other = b if isinstance(a, _Tensor) else a
    if other is _SOME_NUMBER:
        return a if isinstance(a, _Tensor) else b
    if isinstance(other, bool) or not isinstance(other, int | float):
        raise _Stop
    return a if isinstance(a, _Tensor) else b


# ---- calls -----------------------------------------------------------------------------------


def _called(e: CallExpr, scope: _Scope) -> object:
    callee = e.callee
    if isinstance(callee, RefExpr) and callee.fullname == "builtins.isinstance" and scope.follow:
        if len(e.args) != 2 or e.arg_kinds != [ARG_POS, ARG_POS]:
            raise _Stop
        try:
            return instance_of(_value(e.args[0], scope), e.args[1])
        except NotKnown:
            raise _Stop from None
    method = _own_method_of(callee, scope)
    if method is not None:
        return _own_method_called(method, e, scope)
    if scope.follow and isinstance(callee, RefExpr):
        computed = _computed(callee, e, scope)
        if computed is not _UNKNOWN:
            return computed
    if isinstance(callee, RefExpr) and isinstance(callee.node, TypeInfo):
        if scope.follow and dataclass_fields(callee.node) is not None:  # ``Config(dim=64)``
            empty = replace(scope, names={}, fields={}, calls=scope.calls + 1)
            try:
                return record(
                    callee.node,
                    *_positional(e, scope),
                    lambda d: _value_or_unknown(d, empty),
                    _UNKNOWN,
                )
            except NotKnown:
                raise _Stop from None
        return _constructed(callee.node, e, scope)
    if isinstance(callee, MemberExpr) and not _is_self(callee):
        if isinstance(callee.expr, RefExpr) and (callee.fullname or "").startswith("dfdx."):
            return _function(callee.name, e, scope)
        owner = _value(callee.expr, scope)
        if isinstance(owner, _Tensor):
            return _method(owner, callee.name, e, scope)
        if isinstance(owner, dict) and scope.follow:  # ``cfg.items()``, ``cfg.get("depth", 2)``
            try:
                return table_called(owner, callee.name, *_positional(e, scope))
            except NotKnown:
                raise _Stop from None
        if callee.name == "forward":
            return _module_called(owner, e, scope)
        raise _Stop
    if isinstance(callee, NameExpr) and (callee.fullname or "").startswith("dfdx."):
        return _function(callee.name, e, scope)
    return _module_called(_value(callee, scope), e, scope)


def _own_method_of(callee: Expression, scope: _Scope) -> FuncDef | None:
    """The method of the user's class that ``callee`` names (``self._make_layer``), where
    the evaluator follows it (not ``forward``, which a call of the module runs)."""
    if not (scope.follow and _is_self(callee)):
        return None
    assert isinstance(callee, MemberExpr)
    if callee.name in ("forward", "__init__") or callee.name in scope.fields:
        return None
    if not _own_method(scope.info, callee.name) or scope.info is None:
        return None
    node = scope.info.get_method(callee.name)
    return node if isinstance(node, FuncDef) and not node.is_static else None


def _own_method_called(func: FuncDef, e: CallExpr, scope: _Scope) -> object:
    """``self._make_layer(planes, 2, stride=2)`` run on the instance being evaluated: its
    body sees the call's arguments and the instance's fields, and the fields it sets
    (``self.inplanes = planes``) are the instance's. In ``__init__``, a method that does
    something not followed leaves every field it mentions unknown."""
    if func.is_class or func.is_property:
        raise _Stop
    arguments = _bound(func, e, lambda a: _value_or_unknown(a, scope))
    if arguments is None:
        _forget_method(func, scope, e)
        raise _Stop
    if not scope.in_init and (scope.calls >= _DEPTH or _states_its_shape(func)):
        # its declared type says what it returns (the check of its body reports its
        # mistakes), with the sizes this instance and these arguments bind
        return _method_as_declared(func, arguments, scope)
    if scope.calls >= _DEPTH:
        raise _Stop
    inner = replace(
        scope, names=_with_hidden(arguments), method=True, calls=scope.calls + 1, returned=None
    )
    try:
        value = _block(func.body.body, inner, scope.in_init)
    except (_Stop, Unknown, ShapeError, _LoopNotFollowed):
        _forget_method(func, scope, e)
        if not scope.in_init:
            return _method_as_declared(func, arguments, scope)
        raise _Stop from None
    except _Failed:
        _forget_method(func, scope, e)
        raise
    if value is _FELL_THROUGH:
        return None
    return value


def _method_as_declared(func: FuncDef, arguments: dict[str, object], scope: _Scope) -> _Tensor:
    """The tensor a method of the class called in ``forward`` declares it returns, with the
    sizes the instance (its construction arguments) and the call's tensors bind; a method
    that declares no tensor of known rank stops the evaluation."""
    signature = func.type
    if not isinstance(signature, CallableType) or scope.info is None:
        raise _Stop
    owner = _Module(scope.info, scope.fields, "", 0, arguments=scope.arguments)
    shape = declared_output(signature, _bound_sizes(owner, signature, arguments))
    if shape is None:
        raise _Stop
    made_from = frozenset(v.serial for v in arguments.values() if isinstance(v, _Tensor))
    return _Tensor(shape, made_from=made_from)


def _states_its_shape(func: FuncDef) -> bool:
    """Whether a method's declared return type is a tensor whose sizes it all states (no
    ``Dyn``, ``Any`` or ``int``)."""
    signature = func.type
    ret = get_proper_type(signature.ret_type) if isinstance(signature, CallableType) else None
    return isinstance(ret, Instance) and ret.type.fullname == TENSOR and not _has_unknown(ret)


def _method_ran(e: Expression, scope: _Scope) -> bool:
    """``self._build_stages(widths)``, ``self._init_weights()`` called for its effect in
    ``__init__``: whether it was such a call, run (where it did not run to its end, what it
    may have changed is now unknown: :func:`_forget_method`)."""
    if not (isinstance(e, CallExpr) and _own_method_of(e.callee, scope) is not None):
        return False
    try:
        _value(e, scope)
    except (_Stop, Unknown, ShapeError, _Failed):
        pass
    return True


def _forget_method(func: FuncDef, scope: _Scope, call: CallExpr) -> None:
    """A method of the class not followed to its end: in ``__init__``, every field it
    mentions is not known after it (every field, where it may set fields it does not name)."""
    if not scope.in_init:
        return
    for stmt in func.body.body:
        touched = _touched(stmt, scope.info)
        if touched.everything:
            scope.fields.clear()
        for name in touched.fields:
            scope.fields[name] = _UNKNOWN
    for a in call.args:
        if isinstance(a, NameExpr) and isinstance(scope.names.get(a.name), list | dict | Record):
            scope.names[a.name] = _UNKNOWN  # it may have grown


def _computed(callee: RefExpr, e: CallExpr, scope: _Scope) -> object:
    """A builtin's value (``int(dim * ratio)``, ``range(depth)``) or a user's helper
    function's (``_make_divisible(c * 0.25)``) on known values; :data:`_UNKNOWN` where
    ``callee`` is neither."""
    function = int_functions.builtin(callee.fullname)
    func = int_functions.helper(callee) if function is None else None
    if function is None and func is None:
        return _UNKNOWN
    args, named = _positional(e, scope)
    try:
        if function is not None:
            return function(args, named)
        assert func is not None
        return int_functions.call_helper(func, args, named)
    except int_functions.NotFollowed:
        if func is None or not _same_module(scope, func):
            raise _Stop from None
    return _helper_called(func, e, scope)


def _same_module(scope: _Scope, func: FuncDef) -> bool:
    """Whether ``func`` is defined in the file of the module being evaluated."""
    info = scope.info
    return info is not None and (func.fullname or "").rpartition(".")[0] == info.module_name


def _helper_called(func: FuncDef, e: CallExpr, scope: _Scope) -> object:
    """A helper function of the file that builds layers (``depthwise_conv(c, c, 3,
    stride=2)``, ``make_stage(inp, oup, repeats)``) run on the call's values, as the class's
    own methods are (:func:`_own_method_called`), with no instance of its own."""
    if scope.calls >= _DEPTH:
        raise _Stop
    arguments = _bound(func, e, lambda a: _value(a, scope), skip=0)
    if arguments is None:
        raise _Stop
    inner = replace(
        scope,
        names=_with_hidden(arguments),
        fields={},
        method=True,
        calls=scope.calls + 1,
        returned=None,
    )
    try:
        value = _block(func.body.body, inner, scope.in_init)
    except (Unknown, ShapeError, _LoopNotFollowed):
        raise _Stop from None
    return None if value is _FELL_THROUGH else _built_at(value, e)


def _built_at(value: object, call: CallExpr) -> object:
    """The layers a helper function returns, shown where the helper is called (its own
    lines are the same for every call)."""
    if isinstance(value, _Layer) and value.built is not None:
        return replace(value, built=(call, value.built[1]), made=value.made or value.built[0])
    if isinstance(value, _Sequence):
        return replace(value, members=tuple(_built_at(m, call) for m in value.members))
    if isinstance(value, list | tuple):
        items = [_built_at(i, call) for i in value]
        return items if isinstance(value, list) else tuple(items)
    return value


_SIZED = frozenset({"reshape", "view", "broadcast_to", "expand"})
"""The methods whose positional arguments are the sizes of their result."""


def _positional(
    e: CallExpr, scope: _Scope, sizes: bool = False
) -> tuple[list[object], dict[str, object]]:
    """The values of ``e``'s arguments; ``sizes``: its positional arguments are sizes, each
    one the evaluator cannot compute unknown (None: ``x.view(b, n, self.heads, -1)`` where
    the instance's head count is not known)."""
    args: list[object] = []
    named: dict[str, object] = {}
    for a, kind, name in zip(e.args, e.arg_kinds, e.arg_names, strict=True):
        if kind == ARG_STAR and scope.follow:
            args.extend(_iterated(_value(a, scope)))
        elif kind == ARG_POS and sizes and isinstance(a, TupleExpr):
            args.append(tuple(_size_or_none(i, scope) for i in a.items))
        elif kind == ARG_POS and sizes:
            args.append(_size_or_none(a, scope))
        elif kind == ARG_POS:
            args.append(_value(a, scope))
        elif kind == ARG_NAMED and name is not None:
            named[name] = _value_or_unknown(a, scope) if sizes else _value(a, scope)
        else:
            raise _Stop
    return args, named


def _size_or_none(e: Expression, scope: _Scope) -> object:
    try:
        return _unknown_as_none(_value(e, scope))
    except (_Stop, Unknown):
        return None


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
        if scope.api is None:
            raise _Stop
        forward = _forward(module.info)
        if forward is None:
            raise _Stop
        inputs = _bound(forward, e, lambda a: _value(a, scope))
        if inputs is None:
            raise _Stop
        return _run_member(scope.api, module, inputs, scope.depth + 1, e, scope)
    raise _Stop


def _folded(sequence: _Sequence, x: object, e: CallExpr, scope: _Scope) -> object:
    """``x`` through the members of a Sequential. A layer after the first that does not take
    what the one before gives is a mistake of the Sequential's chain, reported where it is
    built (not this instance's): the evaluation stops there."""
    given = x
    for i, member in enumerate(sequence.members):
        try:
            x = _module_output(member, x, e, scope)
        except _Failed as failed:
            if i > 0 and sequence.listed and _takes_any(member, x, e, scope):
                blame = _built_as(member)
                if blame is not None:
                    label = f"layer {i + 1} of Sequential ({blame[1]})"
                    fed = _member_fed(member, x, e, scope)
                    raise _Failed(
                        failed.error,
                        e,
                        scope.instance,
                        scope.info,
                        (blame[0], label),
                        fed=fed,
                        made=member.made if isinstance(member, _Layer) else None,
                    ) from None
            if i > 0 and isinstance(member, _Layer) and _chain_fails(sequence, i, given, e, scope):
                raise _Stop from None
            raise
    return x


def _chain_fails(sequence: _Sequence, last: int, x: object, e: CallExpr, scope: _Scope) -> bool:
    """Whether the members up to ``last`` fail on a tensor of ``x``'s rank whose sizes are
    not known (a mistake of the chain itself, which the check where it is built reports),
    rather than on the sizes of ``x`` (``Flatten()`` then ``Linear(32 * s * s, 64)`` given
    a map of another size); taken to where it cannot be run."""
    if not isinstance(x, _Tensor):
        return True
    y: object = _Tensor((None,) * len(x.shape))
    try:
        for member in sequence.members[: last + 1]:
            y = _module_output(member, y, e, scope)
    except _Failed:
        return True
    except (_Stop, Unknown, ShapeError):
        return True
    return False


def _takes_any(member: object, x: object, e: CallExpr, scope: _Scope) -> bool:
    """Whether ``member`` runs on a tensor of ``x``'s rank whose sizes are not known: where
    it does, what made it fail on ``x`` is the size it was given."""
    if not isinstance(x, _Tensor):
        return False
    try:
        _module_output(member, _Tensor((None,) * len(x.shape)), e, scope)
    except (_Stop, Unknown, ShapeError, _Failed):
        return False
    return True


def _member_fed(member: object, x: object, e: CallExpr, scope: _Scope) -> _Blame | None:
    """The layer that set the one size of ``x`` that made ``member`` fail (``member`` runs
    where that size alone is not known): the member before it that gave a width the next
    does not take is as likely built wrong (``ConvTranspose1d(ch, ch, ...)`` where ``ch //
    2`` was meant, before a block built for ``ch // 2``). Its report goes on the line of
    its output width where the size is the one it gives."""
    if not isinstance(x, _Tensor):
        return None
    axes = []
    for axis, d in enumerate(x.shape):
        if d is None:
            continue
        try:
            unknown = _Tensor((*x.shape[:axis], None, *x.shape[axis + 1 :]))
            _module_output(member, unknown, e, scope)
        except (_Stop, Unknown, ShapeError, _Failed):
            continue
        axes.append(axis)
    origin = x.origin(axes[0]) if len(axes) == 1 else None
    defn = scope.info.defn if scope.info is not None else None
    if origin is None or defn is None:
        return None
    if not defn.line <= origin[0].line <= (defn.end_line or defn.line):
        return None  # a layer inside a block of its own: the block's lines are not blamed
    return (size_argument(origin[0], "gives", axes[0], len(x.shape)), origin[1])


def _built_as(member: object) -> _Blame | None:
    if isinstance(member, _Layer | _Module):
        return member.built
    return None


def _module_output(member: object, x: object, e: CallExpr, scope: _Scope) -> object:
    """One member of a Sequential applied to ``x``."""
    if isinstance(member, _Layer) and isinstance(x, _Tensor):
        return _layer_output(member, x, e, scope)
    if isinstance(member, _Sequence):
        return _folded(member, x, e, scope)
    if isinstance(member, _Module) and scope.api is not None:
        forward = _forward(member.info)
        params = _params(forward) if forward is not None else []
        if len(params) < 1 or any(p.default is None for p in params[1:]):
            raise _Stop
        inputs = {params[0].name: x}
        inputs.update({p.name: _constant(p.default) for p in params[1:] if p.default})
        return _run_member(scope.api, member, inputs, scope.depth + 1, e, scope)
    raise _Stop


def _feeding(layer: _Layer, x: _Tensor, scope: _Scope) -> _Blame | None:
    """The layer built in the same block (``scope.info``'s ``__init__``) that set the size of
    ``x`` that ``layer`` reads and does not take (its features, its channels); None where
    no such layer did (the block's input, a reshape, another block's layer)."""
    axis = {"features": -1, "channels": 1}.get(layer.layer.reads or "")
    if axis is None or not layer.sizes or not -len(x.shape) <= axis < len(x.shape):
        return None
    if x.shape[axis] is None or x.shape[axis] == layer.sizes[0]:
        return None
    origin = x.origin(axis)
    defn = scope.info.defn if scope.info is not None else None
    if origin is None or origin == layer.built or defn is None:
        return None
    inside = defn.line <= origin[0].line <= (defn.end_line or defn.line)
    return origin if inside else None


def _layer_output(layer: _Layer, x: _Tensor, e: CallExpr, scope: _Scope) -> _Tensor:
    try:
        out = output_shape(layer.layer, x.shape, layer.sizes, layer.window)
    except ShapeError as error:
        fed = _feeding(layer, x, scope)
        raise _Failed(
            error, e, scope.instance, scope.info, layer.built, fed=fed, called_on=x.serial
        ) from None
    if out is None:
        raise _Stop
    if layer.layer.keeps_shape:
        return x
    given = {"features": len(out) - 1, "channels": 1}.get(layer.layer.gives or "")
    kept = [i != given and i < len(x.shape) and x.shape[i] == d for i, d in enumerate(out)]
    origins = tuple(x.origin(i) if k else layer.built for i, k in enumerate(kept))
    before = tuple(
        x.before_at(i) if k else (x.shape[i], x.origin(i)) if i < len(x.shape) else None
        for i, k in enumerate(kept)
    )
    windowed = layer.window is not None and layer.built is not None and len(out) >= 3
    wide = windowed and any(
        v not in (1, (1, 1), (1,)) for v in [(layer.window or {}).get("kernel_size", 1)]
    )
    held = tuple(
        (
            (*x.kept_at(i), (layer.built, wide))
            if k and windowed and i >= 2 and layer.built is not None
            else x.kept_at(i)
            if k
            else ()
        )
        for i, k in enumerate(kept)
    )
    return x.derived(out, origins, before, held)


def _run_member(
    api: CheckerPluginInterface,
    module: _Module,
    inputs: dict[str, object],
    depth: int,
    call: CallExpr,
    caller: _Scope,
) -> object:
    """:func:`_run_forward` for a block called by another (``caller``) at ``call``; a failure
    from inside it records whether that call's own check sees the same sizes (the block built
    of arguments and called on inputs whose types say their sizes), and so reports it: the
    lines inside a block built right are not blamed for what its caller gave it; and whether
    the block's own construction arguments make it (:func:`_member_at_fault`). Where its
    ``forward`` cannot be evaluated (or is too deep to), what it declares it returns
    (:func:`_as_declared`)."""
    try:
        if depth > _DEPTH:
            raise _Stop
        return _lifted(_run_forward(api, module, inputs, depth), module)
    except (_Stop, Unknown):
        declared = _as_declared(module, inputs)
        if declared is None:
            raise
        return declared
    except _Failed as failed:
        if failed.alone is None:
            failed.alone = (
                _typed_alone(api, module)
                and _typed_inputs(api, call)
                and _fails_as_typed(api, module, call, caller.info)
            )
        if failed.member is None and module.built is not None and not failed.alone:
            if _member_at_fault(api, module, inputs, depth, failed):
                failed.member = (call, module.built)
        raise


def _as_declared(module: _Module, inputs: dict[str, object]) -> _Tensor | None:
    """The tensor ``module``'s ``forward`` declares it returns, with the sizes this instance
    binds (:mod:`dfdx_mypy_plugin._declared_outputs`), each axis shown as set by the block's
    construction; None where it declares no tensor of known rank."""
    forward = _forward(module.info)
    signature = forward.type if forward is not None else None
    if not isinstance(signature, CallableType):
        return None
    shape = declared_output(signature, _bound_sizes(module, signature, inputs))
    if shape is None:
        return None
    made_from = frozenset(v.serial for v in inputs.values() if isinstance(v, _Tensor))
    origins = (module.built,) * len(shape) if module.built is not None else ()
    return _Tensor(shape, origins, made_from=made_from)


def _member_at_fault(
    api: CheckerPluginInterface,
    module: _Module,
    inputs: dict[str, object],
    depth: int,
    failed: _Failed,
) -> bool:
    """Whether ``failed``, raised where a layer of the block ``module`` is called on the
    block's input as it was given (through layers and ops that keep its shape:
    ``VGGBlock(c0 + c1, ...)`` given three maps joined), goes away where the block's
    construction arguments are not known: then the block was built for another input than
    it is given."""
    if module.built is None or not failed.called or failed.called_on is None:
        return False
    given = [v.serial for v in inputs.values() if isinstance(v, _Tensor)]
    if failed.called_on not in given:
        return False
    if failed.module is not module.info or not module.arguments:
        return False
    unknown = dict.fromkeys(module.arguments, _UNKNOWN_ARG)
    try:
        other = _built(api, module.info, unknown, module.name, depth, module.line, module.follow)
        _run_forward(api, other, inputs, depth)
    except _Failed:
        return False
    except (_Stop, Unknown, ShapeError):
        return True
    return True


def _lifted(value: object, module: _Module) -> object:
    """A block's output, the layers of the block that only pass on its arguments (a
    ``BasicConv2d``'s convolution, ``Conv2d(in_ch, out_ch, bias=False, **kwargs)``) shown by
    the block's own construction, where its sizes are written."""
    if not isinstance(value, _Tensor) or module.built is None:
        return value
    built = module.built
    init = _init(module.info)
    params = {p.name for p in _params(init)} if init is not None else set()

    def lift(blame: _Blame | None) -> _Blame | None:
        if blame is None or not _inside(module.info, blame[0]):
            return blame
        return built if _passes_on(blame[0], params) else blame

    return replace(
        value,
        origins=tuple(lift(o) for o in value.origins),
        before=tuple(None if b is None else (b[0], lift(b[1])) for b in value.before),
        kept=tuple(tuple((lift(k[0]) or k[0], k[1]) for k in ks) for ks in value.kept),
    )


def _passes_on(built: Context, params: set[str]) -> bool:
    """Whether a layer is built of its block's arguments alone, as they came (and flags)."""
    if not isinstance(built, CallExpr) or not built.args:
        return False
    for a in built.args:
        if isinstance(a, NameExpr) and a.name in params:
            continue
        if isinstance(a, NameExpr) and a.fullname in ("builtins.True", "builtins.False"):
            continue
        return False
    return True


def _fails_as_typed(
    api: CheckerPluginInterface, module: _Module, call: CallExpr, owner: TypeInfo | None
) -> bool:
    """Whether ``module`` also fails called on the tensors ``call`` gives it as their types
    state them (a channel count typed ``int`` is not known there: the check of that call
    cannot report what only this evaluation's sizes show). Where those types are not at hand
    (a ``forward`` generic in its tape is checked on copies), whether the ``owner``'s
    ``forward`` fails there run on its declared inputs, as its generic check runs it."""
    checker = api if isinstance(api, TypeChecker) else None
    built = module.built[0] if module.built is not None else None
    forward = _forward(module.info)
    if checker is None or not isinstance(built, CallExpr) or forward is None:
        return True
    missing: list[Expression] = []

    def typed(e: Expression) -> object:
        t = checker.lookup_type_or_none(e)
        if t is None:
            missing.append(e)
            return _UNKNOWN
        try:
            return _Tensor(read_tensor(t).shape)
        except Unknown:
            return _caller_value(api, e, {})

    inputs = _bound(forward, call, typed)
    if missing and owner is not None:
        if _BODY_CHECKS:
            return True  # met again while the owner's body is run so (no nested runs)
        _BODY_CHECKS.append(owner)
        try:
            return _fails_in_body(api, owner, call)
        finally:
            _BODY_CHECKS.pop()
    if inputs is None or missing:
        return True
    arguments = _construction_arguments(api, built, module.info, {})
    if arguments is None:
        return True
    return isinstance(_outcome(api, module.info, built, arguments, inputs, False), _Failed)


_BODY_CHECKS: list[TypeInfo] = []
"""The owner whose ``forward`` :func:`_fails_in_body` runs now (one at a time)."""


def _fails_in_body(api: CheckerPluginInterface, owner: TypeInfo, call: CallExpr) -> bool:
    """Whether ``owner``'s ``forward``, run as its generic check sees it (its arguments typed
    with a size TypeVar known by that name, the others not; its inputs as declared), fails
    at ``call``; True where it cannot be run so."""
    init, forward = _init(owner), _forward(owner)
    if forward is None or not isinstance(forward.type, CallableType):
        return True
    arguments: dict[str, object] = {}
    signature = init.type if init is not None else None
    if init is not None and isinstance(signature, CallableType):
        for param in _params(init):
            i = signature.arg_names.index(param.name)
            p = get_proper_type(signature.arg_types[i])
            typevar = isinstance(p, TypeVarType) and is_int_bound(p)
            arguments[param.name] = p.name if isinstance(p, TypeVarType) and typevar else None
    inputs: dict[str, object] = {}
    for name, t in zip(forward.type.arg_names[1:], forward.type.arg_types[1:], strict=True):
        try:
            inputs[name or ""] = _Tensor(read_tensor(t).shape)
        except Unknown:
            inputs[name or ""] = _UNKNOWN
    try:
        instance = _built(api, owner, arguments, owner.name, 0, 0, False)
        _run_forward(api, instance, inputs, 0)
    except _Failed as failed:
        return failed.where is call or failed.alone is True
    except (_Stop, Unknown, ShapeError):
        return True  # not run to the call: taken to see it, as before
    return False


def _typed_inputs(api: CheckerPluginInterface, call: CallExpr) -> bool:
    """Whether the type of each tensor ``call`` is given holds its shape (its rank known);
    where mypy's types of the call are not at hand (a ``forward`` generic in its tape is
    checked on copies), it is taken to."""
    checker = api if isinstance(api, TypeChecker) else None
    for a in call.args:
        t = checker.lookup_type_or_none(a) if checker is not None else None
        if t is None:
            continue
        p = get_proper_type(t)
        if isinstance(p, Instance) and p.type.fullname == TENSOR:
            try:
                read_tensor(p)
            except Unknown:
                return False
    return True


def _typed_alone(api: CheckerPluginInterface, module: _Module) -> bool:
    """Whether the check of a call of ``module`` knows its arguments from
    their types (literals, size TypeVars), as this evaluation does: then that check reports
    the block's mistakes, not this one (a width computed from the owner's arguments, typed
    ``int``, is known only here)."""
    built = module.built[0] if module.built is not None else None
    if not isinstance(built, CallExpr):
        return False
    arguments = _construction_arguments(api, built, module.info, {})
    return arguments is not None and _UNKNOWN not in arguments.values()


def _constructed(info: TypeInfo, e: CallExpr, scope: _Scope) -> object:
    """A module built in ``__init__``: a layer of the table, a Sequential, a user's module."""
    layer = layer_of(info.fullname)
    if layer is not None:
        return _layer(layer, info, e, scope)
    if info.fullname == _SEQUENTIAL:
        args, named = _positional(e, scope)
        if named:
            raise _Stop
        listed = any(k != ARG_POS for k in e.arg_kinds)
        return _Sequence(tuple(_known(a) for a in args), listed)
    if info.fullname == _MODULE_LIST and scope.follow:
        args, named = _positional(e, scope)
        if named or len(args) > 1:
            raise _Stop
        return [_known(m) for m in _iterated(args[0])] if args else []
    if info.has_base(MODULE) and scope.api is not None and scope.depth < _DEPTH:
        init = _init(info)
        if init is None:
            raise _Stop
        spread = _spread(e, scope)
        arguments = _bound(init, spread, lambda a: _value_or_unknown(a, scope))
        if arguments is None:
            raise _Stop
        name = _describe(info, e, arguments)
        module = _built(scope.api, info, arguments, name, scope.depth + 1, e.line, scope.follow)
        module.built = (e, name)
        return module
    raise _Stop


def _unknown_as_none(v: object) -> object:
    return None if v is _UNKNOWN or v is _SOME_NUMBER else v


def _value_or_unknown(e: Expression, scope: _Scope) -> object:
    try:
        return _value(e, scope)
    except (_Stop, Unknown):
        return _UNKNOWN


def _layer(layer: Layer, info: TypeInfo, e: CallExpr, scope: _Scope) -> _Layer:
    init = info.get_method("__init__")
    if not isinstance(init, FuncDef):
        raise _Stop
    spread = _spread(e, scope)
    values = _bound(init, spread, lambda a: _value_or_unknown(a, scope))
    if values is None:
        raise _Stop
    # a size it cannot compute (an ``int`` argument of the owner not known) is unknown, as a
    # ``Dyn`` is: the layer is still there, and what it does to the other sizes is known
    sizes = tuple(_size(_unknown_as_none(values.get(a.name, a.default))) for a in layer.sizes)
    window: dict[str, shapes.layers.WindowValue] = {}
    for a in layer.window:
        v = values.get(a.name, a.default)
        if v is None and a.default_from is not None:
            v = values.get(a.default_from)
        if v is None and a.optional:
            continue  # not given (Upsample's ``size`` where it has a ``scale_factor``)
        v = _unknown_as_none(v)
        if v is None:
            window[a.name] = None
            continue
        if isinstance(v, _Word):
            window[a.name] = v.text
        elif isinstance(v, tuple):
            window[a.name] = tuple(_size(i) for i in v)
        elif isinstance(v, bool):
            window[a.name] = v
        elif a.name == "groups" and isinstance(v, str):
            window[a.name] = None  # ``groups=dim`` of a size TypeVar: not known
        else:
            window[a.name] = _size(v)
    unknown = any(
        v is None or (isinstance(v, tuple) and None in v)
        for k, v in window.items()
        if k != "groups"
    )
    built = (e, display_name(layer, sizes))
    return _Layer(layer, sizes, window if layer.window and not unknown else None, built)


_TENSOR_FUNCTIONS = frozenset({"cat", "concat", "max_pool2d", "avg_pool2d", "flatten"})


def _function(name: str, e: CallExpr, scope: _Scope) -> object:
    """``dx.<op>(...)`` (``dx.nn.functional`` too)."""
    if name in CREATION:
        args, named = _positional(e, scope, sizes=True)
        return created(name, [_plain(a) for a in args], named)
    if name in _KEEPS_SHAPE and e.args and e.arg_kinds[0] == ARG_POS:
        # only the tensor matters (``dx.dropout(x, self.p, self.training)``)
        first = _value(e.args[0], scope)
        if isinstance(first, _Tensor):
            return first
    args, named = _positional(e, scope)
    if name in _KEEPS_SHAPE:
        if args and isinstance(args[0], _Tensor):
            return args[0]
        raise _Stop
    if name in evaluated_ops.CREATED and scope.follow:
        return evaluated_ops.created(name, args, named)
    if name == "stack":
        items = args[0] if len(args) == 1 else None
        axis = named.get("axis", named.get("dim", 0))
        if not isinstance(items, list | tuple) or not items or not isinstance(axis, int):
            raise _Stop
        if not all(isinstance(i, _Tensor) for i in items):
            raise _Stop
        try:
            return evaluated_ops.stacked([i for i in items if isinstance(i, _Tensor)], axis)
        except ShapeError as error:
            raise _Failed(error, e, scope.instance, scope.info) from None
    if name in ("cat", "concat"):
        items = args[0] if args else None
        axis = named.get("axis", named.get("dim", args[1] if len(args) > 1 else 0))
        if not isinstance(items, list | tuple) or not isinstance(axis, int):
            raise _Stop
        tensors = [i for i in items if isinstance(i, _Tensor)]
        if len(tensors) != len(items):
            raise _Stop
        try:
            out = shapes.concat([t.shape for t in tensors], axis)
            made_from = frozenset().union(*(t.made_from | {t.serial} for t in tensors))
            at = axis % len(out) if out else 0
            origins = tuple(None if i == at else tensors[0].origin(i) for i in range(len(out)))
            return _Tensor(out, origins, made_from=made_from)
        except ShapeError as error:
            blame = _concat_blame(tensors, axis, _in_block(scope))
            raise _Failed(error, e, scope.instance, scope.info, blame, called=False) from None
    if args and isinstance(args[0], _Tensor):
        return _method(args[0], name, e, scope, args[1:], named)
    raise _Stop


def _in_block(scope: _Scope) -> Callable[[_Blame], bool]:
    """Whether a layer was built in the class of the block being run (its lines)."""
    return lambda blame: scope.info is not None and _inside(scope.info, blame[0])


def _inside(info: TypeInfo, where: Context) -> bool:
    """Whether ``where`` is a line of the class ``info``."""
    defn = info.defn
    return defn.line <= where.line <= (defn.end_line or defn.line)


def _concat_blame(
    tensors: list[_Tensor], axis: int, inside: Callable[[_Blame], bool]
) -> _Blame | None:
    """The layer built wrong where tensors joined on ``axis`` differ on another axis: as for a
    broadcast (:func:`_broadcast_blame`), between the first and the first that differs."""
    first = tensors[0]
    rank = len(first.shape)
    if not -rank <= axis < rank:
        return None
    skip = axis % rank - rank
    for other in tensors[1:]:
        if len(other.shape) == rank and other.shape != first.shape:
            differ = [
                i - rank
                for i in range(rank)
                if i - rank != skip
                and None not in (first.shape[i], other.shape[i])
                and first.shape[i] != other.shape[i]
            ]
            if differ:
                return _broadcast_blame(first, other, skip, inside)
    return None


def _method(
    x: _Tensor,
    name: str,
    e: CallExpr,
    scope: _Scope,
    args: list[object] | None = None,
    named: dict[str, object] | None = None,
) -> object:
    if name in _KEEPS_SHAPE:
        return x  # whatever its other arguments (``x.dropout(self.p, self.training)``)
    if args is None or named is None:
        args, named = _positional(e, scope, sizes=name in _SIZED)
    try:
        if name in evaluated_movement.OPS:
            plain = [_plain(a) for a in args]
            return evaluated_movement.applied(x, name, plain, named)
        if name in evaluated_ops.OPS:
            plain = [_plain(a) for a in args]
            return evaluated_ops.applied(x, name, plain, {k: _plain(v) for k, v in named.items()})
        return _moved(x, name, args, named)
    except ShapeError as error:
        blame = _reshape_blame(x, name, args)
        raise _Failed(error, e, scope.instance, scope.info, blame, called=False) from None


def _plain(v: object) -> object:
    """An argument as :mod:`dfdx_mypy_plugin._evaluated_ops` takes it (a word as ``str``)."""
    if isinstance(v, _Word):
        return v.text
    if isinstance(v, tuple):
        return tuple(_plain(i) for i in v)
    return v
