"""Where a shape mistake is reported besides the line where the shapes meet.

A layer is built in one place (``self.proj = Conv2d(ci, ci, 1)`` in ``__init__``) and called in
another (``self.proj(x)`` in ``forward``). When the call does not fit, the call is where the
plugin sees it, but the line that built the layer is very often the mistake (a size passed
wrong), so the error is reported on both lines: :func:`at_build` finds the building
line from the called expression (a field of ``self`` assigned once in its class, in the file
being checked, or a name bound once, for a model fed by another model) and reports there too.
:func:`at_origins` reports where the layer that set a size that does not fit was built,
found back from the value (:mod:`dfdx_mypy_plugin._origin`).

:func:`destination` says where a call's value goes when mypy's type context for it is a
declared type that the value must fit (a ``return``, an annotated assignment), so that a rule
may compare its result with it; :func:`fit_value` does so for any op's result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from mypy.checker import TypeChecker
from mypy.nodes import (
    ARG_POS,
    ARG_STAR,
    AssignmentStmt,
    Block,
    CallExpr,
    ClassDef,
    ConditionalExpr,
    Context,
    Decorator,
    Expression,
    FuncDef,
    IndexExpr,
    IntExpr,
    ListExpr,
    MemberExpr,
    NameExpr,
    OpExpr,
    OverloadedFuncDef,
    RefExpr,
    ReturnStmt,
    Statement,
    StrExpr,
    TupleExpr,
    TypeInfo,
    Var,
)
from mypy.plugin import CheckerPluginInterface
from mypy.subtypes import is_subtype
from mypy.types import (
    Instance,
    ProperType,
    TupleType,
    Type,
    TypeVarType,
    UnionType,
    get_proper_type,
)

from dfdx_mypy_plugin._blamed_arguments import (
    fault_arguments,
    read_argument,
    stride_arguments,
    stride_places,
)
from dfdx_mypy_plugin._data_shapes import data_blame, flattened, kept_tensor
from dfdx_mypy_plugin._declared import (
    at_size_argument,
    class_declared_field,
    is_unbound_argument,
    kept_operand,
    made_inside,
    operators_followed,
    told_inside,
)
from dfdx_mypy_plugin._declared_fit import fit_declared_rank
from dfdx_mypy_plugin._identity_layers import is_identity_call
from dfdx_mypy_plugin._locals import (
    ANYTHING,
    count_bindings,
    definitions,
    loop_entry_definition,
    reaching_definitions,
    unpacked_item,
)
from dfdx_mypy_plugin._origin import (
    SEQUENTIAL,
    Joined,
    Origin,
    keeps_shape,
    origins,
    origins_of_call,
    origins_of_op,
    origins_of_slice,
    window_axes,
)
from dfdx_mypy_plugin._script import in_script
from dfdx_mypy_plugin._strides import StrideFault, function_arguments, stride_faults, window_places
from dfdx_mypy_plugin._types import MODULE, TENSOR, Unknown, checked_shape, read_tensor
from dfdx_mypy_plugin._value_faults import moves_axes
from dfdx_mypy_plugin.shapes import (
    Dim,
    Shape,
    fits_declared,
    fmt,
    fmt_dim,
    layer_of,
    same_dim,
    same_layer_size,
)

_CHILDREN = ("body", "else_body", "finally_body", "handlers", "bodies")


def walk(statements: list[Statement]) -> Iterator[Statement]:
    """Every statement among ``statements`` and in the blocks nested in them (not in nested
    functions or classes: they are other scopes)."""
    for stmt in statements:
        yield stmt
        if isinstance(stmt, (FuncDef, Decorator, OverloadedFuncDef, ClassDef)):
            continue
        for attr in _CHILDREN:
            child = getattr(stmt, attr, None)
            blocks = [child] if isinstance(child, Block) else child
            if isinstance(blocks, list):
                for block in blocks:
                    if isinstance(block, Block):
                        yield from walk(block.body)


def _methods(info: TypeInfo) -> Iterator[FuncDef]:
    for stmt in info.defn.defs.body:
        if isinstance(stmt, Decorator):
            yield stmt.func
        elif isinstance(stmt, FuncDef):
            yield stmt
        elif isinstance(stmt, OverloadedFuncDef):
            yield from (item.func if isinstance(item, Decorator) else item for item in stmt.items)


def _is_self_field(e: Expression, name: str) -> bool:
    return (
        isinstance(e, MemberExpr)
        and e.name == name
        and isinstance(e.expr, NameExpr)
        and e.expr.name == "self"
    )


def _only(values: list[Expression]) -> Expression | None:
    return values[0] if len(values) == 1 else None


def _is_none(e: Expression) -> bool:
    return isinstance(e, NameExpr) and e.fullname == "builtins.None"


def _unless_none(e: Expression) -> Expression:
    """The value of ``e`` where it is not None: ``Conv2d(...)`` of ``Conv2d(...) if c else
    None``."""
    if isinstance(e, ConditionalExpr):
        if _is_none(e.else_expr):
            return e.if_expr
        if _is_none(e.if_expr):
            return e.else_expr
    return e


def _assigned_to(
    target: Expression, rvalue: Expression, wanted: Callable[[Expression], bool]
) -> list[Expression | None]:
    """The values an assignment ``target = rvalue`` gives the targets that ``wanted`` picks:
    ``rvalue`` where ``target`` is one, its item where ``target`` is a tuple unpacked from a
    display of as many items (``self.num_heads, self.head_dim = num_heads, dim // num_heads``:
    ``dim // num_heads`` for ``self.head_dim``), None where it is unpacked from anything else
    (``self.ph, self.pw = patch_size``: not read)."""
    if wanted(target):
        return [rvalue]
    if not isinstance(target, TupleExpr | ListExpr):
        return []
    found: list[Expression | None] = []
    for i, item in enumerate(target.items):
        picked = _assigned_to(item, rvalue, wanted)
        if picked:
            found += [unpacked_item(target, rvalue, i)] if wanted(item) else [None]
    return found


def _built_once(values: list[Expression]) -> Expression | None:
    """The one value of a field, its ``None`` values left out: a layer that only some
    instances have (``self.shortcut: Conv2d[CI, CO, Any] | None = None``, then ``self.shortcut =
    Conv2d(...)`` in an ``if``) is that layer wherever it is called (mypy narrows the field
    to the layer there). So too an identity (``self.shortcut = Sequential()``, then the
    projection): it is built with nothing that could be wrong."""
    return _only([_unless_none(v) for v in values if not (_is_none(v) or is_identity_call(v))])


def _field_value(api: TypeChecker, callee: MemberExpr) -> Expression | None:
    """The value assigned to ``self.<name>`` where it is assigned once, in the methods of the
    class that defines the field, in the file being checked."""
    owner = get_proper_type(api.lookup_type_or_none(callee.expr))
    cls = owner.type if isinstance(owner, Instance) else api.scope.enclosing_class()
    if cls is None:
        return None
    for info in cls.mro:
        if callee.name in info.names:
            break
    else:
        return None
    if info.module_name != api.tree.fullname:
        return None
    values = [
        value
        for method in _methods(info)
        for stmt in walk(method.body.body)
        if isinstance(stmt, AssignmentStmt)
        for lv in stmt.lvalues
        for value in _assigned_to(lv, stmt.rvalue, lambda t: _is_self_field(t, callee.name))
    ]
    if any(v is None for v in values):
        return None  # unpacked from a value whose items are not written out
    return _built_once([v for v in values if v is not None])


def field_declared(api: CheckerPluginInterface, e: MemberExpr) -> bool:
    """Whether the field ``self.<name>`` has a declared type: in an annotated assignment in
    a method of its class (``self.weight: Tensor[CO, CI, L[3], L[3], OwnedTape] = ...``) or in
    the class body."""
    declared = class_declared_field(api, e)
    if declared is not None and not declared.is_inferred:
        return True
    if not isinstance(api, TypeChecker) or not _is_self_field(e, e.name):
        return False
    owner = get_proper_type(api.lookup_type_or_none(e.expr))
    cls = owner.type if isinstance(owner, Instance) else api.scope.enclosing_class()
    return cls is not None and any(
        isinstance(stmt, AssignmentStmt)
        and stmt.type is not None
        and any(_is_self_field(lv, e.name) for lv in stmt.lvalues)
        for info in cls.mro
        if info.module_name == api.tree.fullname
        for method in _methods(info)
        for stmt in walk(method.body.body)
    )


def field_value(api: CheckerPluginInterface, e: MemberExpr) -> Expression | None:
    """The value of ``self.<name>`` where it is assigned once in its class (in the file being
    checked): ``dim // n_heads`` for ``self.head_dim``; else None."""
    if not isinstance(api, TypeChecker) or not _is_self_field(e, e.name):
        return None
    return _field_value(api, e)


def built_by(api: CheckerPluginInterface, callee: Expression) -> Expression | None:
    """The expression that built the module ``callee`` refers to: the value of the one
    assignment to ``self.<name>`` in its class, in the file being checked, or of a name bound
    once in the function or script, or the element of the comprehension that built each
    member of the container a loop variable runs over (``loop_member_built``);
    :func:`at_build` blames it only where it is fed by another module (called on data, the
    data is as likely wrong as the module). Else None."""
    if not isinstance(api, TypeChecker):
        return None
    from dfdx_mypy_plugin.rules.containers import (  # (it reads built_by)
        loop_member_built,
        member_built,
    )

    if isinstance(callee, NameExpr):
        value = definitions(api)(callee)
        if value is None:  # ``for block in self.blocks``: where each member is built
            value = loop_member_built(api, callee)
        return value if isinstance(value, CallExpr) else None
    if isinstance(callee, IndexExpr):  # ``self.convs[1]``: the member's own line
        return member_built(api, callee.base, callee.index)
    if not isinstance(callee, MemberExpr):
        return None
    return _field_value(api, callee) if _is_self_field(callee, callee.name) else None


def callee_name(callee: Expression) -> str:
    if isinstance(callee, MemberExpr) and isinstance(callee.expr, NameExpr):
        return f"{callee.expr.name}.{callee.name}"
    if isinstance(callee, IndexExpr) and isinstance(callee.index, IntExpr | StrExpr):
        return f"{callee_name(callee.base)}[{callee.index.value!r}]"
    return callee.name if isinstance(callee, NameExpr) else "the module"


def _fed_by_module(api: CheckerPluginInterface, call: CallExpr) -> bool:
    """Whether an argument of ``call`` is the output of a module (``netD(fake)`` with ``fake
    = netG(noise)``): two models that do not fit together, either of which may be built
    wrong. A module called on data (``model(dx.randn(8, 4))``) is not blamed: the data is as
    likely wrong as the module."""
    definition = definitions(api)
    lookup = getattr(api, "lookup_type_or_none", None)
    for arg in call.args:
        value = definition(arg) if isinstance(arg, NameExpr) else arg
        if not isinstance(value, CallExpr) or lookup is None:
            continue
        callee = get_proper_type(lookup(value.callee))
        if isinstance(callee, Instance) and callee.type.has_base(MODULE):
            return True
    return False


def _first_reader(layer: Instance, built: CallExpr) -> tuple[int, int] | None:
    """The position of the first layer of the ``Sequential`` ``layer`` that reads its
    input's sizes (the layers before it, dropout and activations, keep the shape and read
    none), and of the argument of ``built`` (``Sequential(Dropout(0.2), Linear(24, k))``)
    that builds it: a layer a positional argument, or the first of the layers of a starred
    one (``*block(c_in, c)``, a helper's list)."""
    from dfdx_mypy_plugin.rules.nn import _layers  # (it imports this module)
    from dfdx_mypy_plugin.shapes import layer_of

    try:
        layers = _layers(layer)
    except Unknown:
        return None
    for i, inner in enumerate(layers):
        spec = layer_of(inner.type.fullname)
        if spec is None or spec.reads is not None or not spec.keeps_shape:
            at = _argument_of_layer(built, i)
            return (i, at) if at is not None else None
    return None


def _argument_of_layer(built: CallExpr, i: int) -> int | None:
    """The argument of ``built`` that gives layer ``i`` of its ``Sequential``, where each
    argument before it is one layer (the first of a starred argument's layers is its own)."""
    for at, kind in enumerate(built.arg_kinds):
        if at == i:
            return at if kind in (ARG_POS, ARG_STAR) else None
        if kind != ARG_POS:
            return None
    return None


def at_build(
    api: CheckerPluginInterface,
    call: Context,
    message: str,
    reader: Type | None = None,
    gives: tuple[frozenset[int], int] | None = None,
    moved: bool = False,
) -> tuple[str, Context] | None:
    """Where ``message``, an error at the call ``call`` of a module, is to be reported too:
    the line that built the module, when that is another line of this file; else None. With
    ``reader``, the module's type where ``message`` says that its input does not fit: for a
    ``Sequential`` built in one expression, the line of its first layer that reads the input
    (the line of the mistake, where the layers are written one a line); for a layer built
    over several lines, the line of the argument that sets the size it reads
    (:func:`read_argument`). With ``gives``, the axes of its output that do not fit and its
    rank: for a layer built over several lines, the line of the argument that sets them
    (:func:`fault_arguments`). A user's module that is a loop's variable over a container of
    the module's own (:func:`_loop_member`) is blamed as a field is, unless ``moved``: the size
    it takes is on its input, on another axis (a transpose forgotten before the loop)."""
    if not isinstance(call, CallExpr) or "_mask " in message:
        return None  # a mask that does not fit the sequences is the mask's mistake
    built = built_by(api, call.callee)
    if built is None or built.line == call.line or built.line <= 0:
        return None
    callee = call.callee.base if isinstance(call.callee, IndexExpr) else call.callee
    if isinstance(callee, NameExpr) and reader is not None:
        chained = _self_chained(api, call, callee, built, reader, message)
        if chained is not None:
            return chained
    if isinstance(callee, NameExpr) and not (
        _fed_by_module(api, call)
        or (reader is None and not moved and _loop_member(api, callee))
        or in_script(api)  # a model built in the script: as likely wrong as the data
    ):
        return None
    name = callee_name(call.callee)
    layer = get_proper_type(reader) if reader is not None else None
    if (
        isinstance(layer, Instance)
        and layer.type.fullname == SEQUENTIAL
        and isinstance(built, CallExpr)
    ):
        first = _first_reader(layer, built)
        if first is not None and built.args[first[1]].line > 0:
            i, arg = first[0], built.args[first[1]]
            text = f"layer {i + 1} of {name} is built here; called at line {call.line}: {message}"
            starred = built.arg_kinds[first[1]] == ARG_STAR
            return text, arg if starred else _read_place(layer, i, arg)
    text = f"{name} is built here; called at line {call.line}: {message}"
    module = _module_type(api, call.callee) if isinstance(built, CallExpr) else None
    if isinstance(built, CallExpr) and module is not None:
        if reader is not None:
            return text, read_argument(module, built)
        if gives is not None:
            axes, rank = gives
            return text, fault_arguments(module, built, axes, rank)[0]
    return text, built


def _loop_member(api: CheckerPluginInterface, callee: NameExpr) -> bool:
    """Whether ``callee`` is a loop's variable over the members of a container of the
    module's (``for block in self.blocks: x = block(x)``), each built by one comprehension:
    a layer of the module, as a field is, not a model held in a variable."""
    return definitions(api)(callee) is None


def _self_chained(
    api: CheckerPluginInterface,
    call: CallExpr,
    callee: NameExpr,
    built: Expression,
    reader: Type,
    message: str,
) -> tuple[str, Context] | None:
    """Where a layer that does not take the size it gives (``Linear(64, 32)``) is built, when
    it is a member of a container whose members are all built by one comprehension
    (``ModuleList([Linear(64, 32) for _ in range(n)])``), called in a loop over it
    (:func:`dfdx_mypy_plugin.rules.containers.loop_member_built`): each member reads what the
    one before it gives, so the size it gives is the mistake (the input it reads first fits
    it); the line of the comprehension's argument that sets that size."""
    from dfdx_mypy_plugin.rules.containers import loop_member_built  # (it reads built_by)
    from dfdx_mypy_plugin.rules.nn import _dims  # (it imports this module)

    layer = get_proper_type(reader)
    spec = layer_of(layer.type.fullname) if isinstance(layer, Instance) else None
    if not isinstance(api, TypeChecker) or not isinstance(layer, Instance) or spec is None:
        return None
    if spec.reads is None or spec.gives is None or loop_member_built(api, callee) is not built:
        return None
    try:
        dims = _dims(layer, spec)
    except Unknown:
        return None
    if not isinstance(built, CallExpr) or same_layer_size(dims[0], dims[-1]) is not False:
        return None
    rank = _rank(api, call.args[0]) if call.args else None
    if rank is None:
        return None
    axis = rank - 1 if spec.gives == "features" else 1
    text = f"{callee.name} is built here; called at line {call.line}: {message}"
    return text, fault_arguments(layer, built, frozenset({axis}), rank)[0]


def _rank(api: CheckerPluginInterface, e: Expression) -> int | None:
    """The rank of ``e``'s tensor (of each member of a union of tensors of one rank)."""
    lookup = getattr(api, "lookup_type_or_none", None)
    t = get_proper_type(lookup(e)) if lookup is not None else None
    members = t.items if isinstance(t, UnionType) else [t]
    ranks = set()
    for member in members:
        try:
            ranks.add(len(read_tensor(member).shape) if member is not None else -1)
        except Unknown:
            return None
    return ranks.pop() if len(ranks) == 1 and -1 not in ranks else None


def _read_place(seq: Instance, i: int, arg: Expression) -> Context:
    """Where the size that layer ``i`` of ``seq`` (built by ``arg``) reads is written."""
    from dfdx_mypy_plugin.rules.nn import _layers  # (it imports this module)

    try:
        inner = _layers(seq)
    except Unknown:
        return arg
    if i >= len(inner) or not isinstance(arg, CallExpr):
        return arg
    return read_argument(inner[i], arg)


def _same_place(e: Expression | None, value: Expression) -> bool:
    """Whether ``e`` is ``value`` or its copy: mypy checks a function whose type variables
    have value restrictions (``T in (NoneTape, OwnedTape)``) once per value, on copies of its
    body, while the scope still holds the function as written."""
    return (
        type(e) is type(value)
        and e is not None
        and (e.line, e.column, e.end_line, e.end_column)
        == (value.line, value.column, value.end_line, value.end_column)
    )


def _returns(returned: Expression | None, value: Expression) -> bool:
    """Whether ``value`` is the returned expression or an item of a returned tuple display
    (``return dx.cat(all_cls, axis=1), dx.cat(all_box, axis=1)``): mypy checks each item
    with its item of the return type as the context."""
    if isinstance(returned, TupleExpr):
        return any(_same_place(item, value) for item in returned.items)
    return _same_place(returned, value)


def destination(api: CheckerPluginInterface, value: Expression) -> str | None:
    """What declared type ``value`` must fit, where it is a function's return value ("the
    return type", also for an item of a returned tuple) or the value of an assignment to a
    target with a declared type; else None (mypy's type context may then be only a hint)."""
    if not isinstance(api, TypeChecker):
        return None
    function = api.scope.current_function()
    statements = function.body.body if function is not None else api.tree.defs
    for stmt in walk(statements):
        if isinstance(stmt, ReturnStmt) and _returns(stmt.expr, value):
            return "the return type"
        if (
            isinstance(stmt, AssignmentStmt)
            and _same_place(stmt.rvalue, value)
            and len(stmt.lvalues) == 1
        ):
            target = stmt.lvalues[0]
            node = target.node if isinstance(target, (NameExpr, MemberExpr)) else None
            if node is None and isinstance(target, MemberExpr):
                node = class_declared_field(api, target)
            if stmt.type is not None or (isinstance(node, Var) and not node.is_inferred):
                return f"{callee_name(target)}'s declared type"
    return None


_NAMED_PAIRS = {"query and key": (0, 1), "key and value": (1, 2)}
"""Messages of an attention's operands that name the two at fault (by their positions): the
third operand's line is not blamed."""


def at_inputs(
    api: CheckerPluginInterface, context: Context, message: str
) -> list[tuple[str, Context]]:
    """Where ``message``, an error at ``context`` (an op or a layer's call), is to be reported
    too: the line that assigned each operand that is a local name, where that assignment is
    its value there (a name bound once, ``q = x.reshape(b, s, hs, nh)`` two lines before
    ``q @ k.mT``, or the last ``h = ...`` before the use in the same block, see
    :func:`reaching_definitions`), when that is another line; the mistake is as likely there
    as in the op."""
    if "_mask " in message:
        return []  # a mask that does not fit the sequences is the mask's mistake
    scope = getattr(api, "scope", None)
    if scope is None or scope.current_function() is None:
        return []  # a script's data, built with literal sizes: named in the message already
    if isinstance(context, CallExpr):
        operands = [a for a, k in zip(context.args, context.arg_kinds, strict=True) if k == ARG_POS]
    elif isinstance(context, OpExpr):
        operands = [context.left, context.right]
    else:
        return []
    if message.startswith("reshape: ") and " equal only where " in message:
        return []  # one size name written for another: the mistake is in the reshape's own line
    pair = next((p for words, p in _NAMED_PAIRS.items() if f": {words} " in message), None)
    if pair is not None and len(operands) > max(pair):
        operands = [operands[i] for i in pair]
    found: list[tuple[str, Context]] = []
    definition = reaching_definitions(api)
    for e in operands:
        if isinstance(e, ListExpr | TupleExpr):  # ``dx.cat([frames, prev], axis=1)``
            found += _made_items(api, e, context, message)
            continue
        flat = flattened(e)  # ``masks.reshape(-1)``: the sizes of ``masks``
        if flat is not None:
            e = flat
        elif isinstance(e, CallExpr) and len(e.args) == 1 and e.arg_kinds == [ARG_POS]:
            e = e.args[0]  # through a layer or an op of one operand: ``self.dropout(ff)``
        e = _unmoved(e)
        if not isinstance(e, NameExpr):
            continue
        value = definition(e) or _entry_value(api, e, message)
        if _empty_display(value):
            continue  # ``outs = []``, filled by ``append``: no size is set there
        if value is not None and 0 < value.line != context.line:
            used = f"{e.name} is assigned here; used at line {context.line}: {message}"
            found.append((used, _setting_step(value)))
            found += data_blame(api, value, context.line, message)
            found += [(used, v) for v in _shape_set_before(api, e.name, value)]
            if isinstance(value, OpExpr):
                found += _split_pieces(api, value, context.line, message)
    faults = _fault_axes(api, context, operands, message)
    found += _trails(api, context, faults, message, found)
    return found + _grown_ranks(api, context, operands, message, found)


def _grown_ranks(
    api: CheckerPluginInterface,
    context: Context,
    operands: list[Expression],
    message: str,
    reported: list[tuple[str, Context]],
) -> list[tuple[str, Context]]:
    """Where ``message`` says that operands which must have equal shapes do not (a loss's
    input and target) and one has more axes than the other, the assignments where that one
    got them by broadcasting (:func:`dfdx_mypy_plugin._axis_trail.grown_rank`: a ``(B, 1)``
    gathered without its ``squeeze`` added to a ``(B,)``), on lines not reported yet."""
    from dfdx_mypy_plugin._axis_trail import grown_rank  # (it imports this module)

    if ": shapes differ: " not in message:
        return []
    ranks = [checked_shape(api, e) for e in operands[:2]]
    if len(ranks) != 2 or ranks[0] is None or ranks[1] is None or len(ranks[0]) == len(ranks[1]):
        return []
    lines = {where.line for _, where in reported} | {context.line}
    found: list[tuple[str, Context]] = []
    higher = operands[0] if len(ranks[0]) > len(ranks[1]) else operands[1]
    for name, value in grown_rank(api, higher):
        if value.line in lines or value.line <= 0:
            continue
        lines.add(value.line)
        found.append((f"{name} is assigned here; used at line {context.line}: {message}", value))
    return found


def _told_on(api: CheckerPluginInterface, line: int, message: str) -> bool:
    """Whether an error of the file being checked on ``line`` already tells ``message``
    (a rule reported it there: a table's field, a layer's building line)."""
    errors = getattr(getattr(api, "msg", None), "errors", None)
    infos = getattr(errors, "error_info_map", {}).get(getattr(api, "path", None), [])
    return any(i.line == line and message in i.message for i in infos)


_BROADCAST_AXIS = re.compile(r"\(axis (-\d+): ")
_CONCAT_AXIS = re.compile(r"^concat: sizes differ on axis (\d+): ")


def _fault_axes(
    api: CheckerPluginInterface, context: Context, operands: list[Expression], message: str
) -> list[tuple[Expression, int]]:
    """The operands of the op or layer call at ``context`` and the axis of each whose size
    ``message`` says does not fit: a matmul's contracted axes, the axis two operands do not
    broadcast on, the axis a concatenation's tensors differ on, a layer's features (last
    axis) or channels."""
    if (isinstance(context, OpExpr) and context.op == "@") or message.startswith("matmul: "):
        if not message.startswith("matmul: inner sizes differ") or len(operands) != 2:
            return []
        ranks = [checked_shape(api, e) for e in operands]
        return [
            (e, len(shape) - k)
            for e, shape, k in zip(operands, ranks, (1, 2), strict=True)
            if shape is not None and len(shape) >= 2
        ]
    tensors: list[Expression] = []
    for e in operands:
        tensors += e.items if isinstance(e, ListExpr | TupleExpr) else [e]
    found: list[tuple[Expression, int]] = []
    for e in tensors:
        shape = checked_shape(api, e)
        if shape is None:
            continue
        axis: int | None = None
        if m := _BROADCAST_AXIS.search(message):
            axis = len(shape) + int(m[1])
        elif m := _CONCAT_AXIS.search(message):
            axis = int(m[1])
        elif " features, got " in message or " input channels differ" in message:
            axis = len(shape) - 1 if " features, got " in message else 1
        elif " channels on axis 1, got " in message:
            axis = 1
        if axis is not None and 0 <= axis < len(shape):
            found.append((e, axis))
    return found


def _trails(
    api: CheckerPluginInterface,
    context: Context,
    faults: list[tuple[Expression, int]],
    message: str,
    reported: list[tuple[str, Context]],
) -> list[tuple[str, Context]]:
    """The assignments that changed the size at fault of an operand on the way to
    ``context`` (:func:`dfdx_mypy_plugin._axis_trail.trail`: a key split with the query's
    length two statements before ``A @ v_``), on lines not reported yet."""
    from dfdx_mypy_plugin._axis_trail import trail  # (it imports this module)

    lines = {where.line for _, where in reported} | {context.line}
    found: list[tuple[str, Context]] = []
    broadcast = "shapes do not broadcast" in message
    for e, axis in faults:
        for name, value in trail(api, e, axis):
            if broadcast and name.startswith("self."):
                continue  # a table of the module's: the rule blames it where no layer is
            place = _setting_step(value)
            if place.line in lines or place.line <= 0 or _told_on(api, place.line, message):
                continue
            lines.add(place.line)
            found.append(
                (f"{name} is assigned here; used at line {context.line}: {message}", place)
            )
    return found


def _made_items(
    api: CheckerPluginInterface, display: ListExpr | TupleExpr, context: Context, message: str
) -> list[tuple[str, Context]]:
    """The lines that assigned the items of a concatenation's or stack's list that are local
    names made by an op that moves, drops or reduces axes (``frames = mels.transpose(0,
    1)``): such a value is the likely mistake where the tensors do not fit together."""
    definition = reaching_definitions(api)
    found: list[tuple[str, Context]] = []
    for item in display.items:
        if not isinstance(item, NameExpr):
            continue
        value = definition(item)
        if value is not None and 0 < value.line != context.line and moves_axes(value):
            used = f"{item.name} is assigned here; used at line {context.line}: {message}"
            found.append((used, value))
    return found


def _empty_display(value: Expression | None) -> bool:
    return isinstance(value, ListExpr | TupleExpr) and not value.items


_SPLITS = ("chunk", "split")


def _split_pieces(
    api: CheckerPluginInterface, value: OpExpr, line: int, message: str
) -> list[tuple[str, Context]]:
    """Where the operands of ``value``, an elementwise op (``a * g.sigmoid()``, a GLU's gate),
    were unpacked from a ``chunk`` or ``split`` (``a, g = h.chunk(2, axis=1)``), the line of
    that split: split along the wrong axis, the pieces keep the size the op's user rejects.
    Only for names bound once in the function."""
    scope = getattr(api, "scope", None)
    function = scope.current_function() if scope is not None else None
    if function is None:
        return []
    names = set()
    for operand in (value.left, value.right):
        while isinstance(operand, CallExpr) and isinstance(operand.callee, MemberExpr):
            if operand.args:
                break
            operand = operand.callee.expr  # ``g.sigmoid()``: ``g``'s sizes
        operand = _unmoved(operand)
        if isinstance(operand, NameExpr):
            names.add(operand.name)
    count: dict[str, int] = {}
    count_bindings(function.body.body, count)
    if count.get(ANYTHING):
        return []
    found: list[tuple[str, Context]] = []
    for stmt in walk(function.body.body):
        if not (
            isinstance(stmt, AssignmentStmt)
            and len(stmt.lvalues) == 1
            and isinstance(stmt.lvalues[0], TupleExpr)
            and isinstance(stmt.rvalue, CallExpr)
            and isinstance(stmt.rvalue.callee, MemberExpr)
            and stmt.rvalue.callee.name in _SPLITS
            and 0 < stmt.line < value.line
        ):
            continue
        targets = [t.name for t in stmt.lvalues[0].items if isinstance(t, NameExpr)]
        pieces = [t for t in targets if t in names and count.get(t) == 1]
        if pieces:
            split = f"{', '.join(pieces)} {'is' if len(pieces) == 1 else 'are'} split here"
            found.append((f"{split}; used at line {line}: {message}", stmt.rvalue))
    return found


def operand_assignment(api: CheckerPluginInterface, e: Expression) -> Expression | None:
    """The value :func:`at_inputs` finds for an operand ``e`` (a local name, maybe with its
    axes moved, ``k.mT``), whose line it reports; None where it finds none."""
    scope = getattr(api, "scope", None)
    if scope is None or scope.current_function() is None:
        return None
    e = _unmoved(e)
    return reaching_definitions(api)(e) if isinstance(e, NameExpr) else None


def at_concatenation(
    api: CheckerPluginInterface, operand: Expression, made_by: Joined, used_at: int, message: str
) -> list[tuple[str, Context]]:
    """Where ``message``, an error at line ``used_at`` about ``operand`` (an op's operand, a
    layer's input), is to be reported too: ``made_by``, the concatenation that made the size
    at fault (:func:`dfdx_mypy_plugin._origin.joined`), unless :func:`at_inputs` reports that
    line already (the operand's name was assigned that concatenation)."""
    assigned = operand_assignment(api, operand)
    if made_by.call.line == used_at or (
        assigned is not None and _same_place(assigned, made_by.call)
    ):
        return []
    where = f"concatenated here on axis {made_by.axis}; used at line {used_at}"
    return [(f"{where}: {message}", made_by.call)]


def argument_value(api: CheckerPluginInterface, argument: Expression) -> Expression | None:
    """The value last assigned to ``argument``, a local name, before its use (as
    :func:`at_argument` finds it); None for anything else."""
    scope = getattr(api, "scope", None)
    if not isinstance(argument, NameExpr) or scope is None or scope.current_function() is None:
        return None
    return reaching_definitions(api)(argument)


def at_argument(
    api: CheckerPluginInterface, call: Context, argument: Expression, message: str
) -> list[tuple[str, Context]]:
    """Where ``message``, an error at the call of a user's module about ``argument``, is to
    be reported too: the line that assigned it, where it is a local name (as
    :func:`at_inputs` for an op's operands), when that is another line."""
    argument = kept_tensor(argument)  # ``model(x.trace())``: ``x``
    scope = getattr(api, "scope", None)
    if not isinstance(argument, NameExpr) or scope is None or scope.current_function() is None:
        return []
    value = reaching_definitions(api)(argument) or _entry_value(api, argument, message)
    if value is None or not 0 < value.line != call.line:
        return []
    used = f"{argument.name} is assigned here; used at line {call.line}: {message}"
    found: list[tuple[str, Context]] = [
        (used, v) for v in [value, *_shape_set_before(api, argument.name, value)]
    ]
    found += data_blame(api, value, call.line, message)
    return found + _trails(api, call, _given_axis(api, argument, message), message, found)


_MISFIT = re.compile(r"\((?P<got>[^()]+|.*?) != (?P<takes>.+)\)$")


def _given_axis(
    api: CheckerPluginInterface, argument: Expression, message: str
) -> list[tuple[Expression, int]]:
    """The axis of ``argument``'s tensor whose size ``message`` (a module's ``x takes
    Tensor[B, S, D], got Tensor[B, S, E] (E != D)``) says does not fit: the one axis that
    has the size got."""
    m = _MISFIT.search(message)
    shape = checked_shape(api, argument)
    if m is None or shape is None or " rank " in message:
        return []
    axes = [i for i, d in enumerate(shape) if fmt_dim(d) == m["got"]]
    return [(argument, axes[0])] if len(axes) == 1 else []


_KEPT_STEPS = 8


def _shape_set_before(
    api: CheckerPluginInterface, name: str, value: Expression
) -> list[Expression]:
    """Where ``value``, the last assignment of ``name``, only keeps the shape of the name's
    value before it (``x = dx.dropout(x, p)``, ``x = self.norm(x)``, ``x = x.relu()``), the
    assignment before that set the shape (``x = dx.cat(heads, axis=0)`` a line before the
    dropout), followed back over such steps: a size at fault there was set wrong by it. []
    where ``value`` sets a shape of its own."""
    definition = reaching_definitions(api)
    setting = value
    for _ in range(_KEPT_STEPS):
        previous = _kept_name(api, name, setting)
        earlier = definition(previous) if previous is not None else None
        if earlier is None or not 0 < earlier.line < setting.line:
            break
        setting = earlier
    return [setting] if setting is not value else []


def _kept_name(api: CheckerPluginInterface, name: str, value: Expression) -> NameExpr | None:
    """``name`` read by ``value`` where ``value`` keeps the shape of ``name``'s tensor: a
    method of it without arguments (``x.relu()``) or a dfdx function of it (``dx.dropout(x,
    p)``) whose result has its shape, or a layer that keeps the shape by its nature (a norm,
    an activation: :func:`keeps_shape`; not a ``Linear[D, D]``, which sets its features)."""
    if not isinstance(value, CallExpr):
        return None
    callee = value.callee
    read: Expression | None = None
    if isinstance(callee, MemberExpr) and isinstance(callee.expr, NameExpr) and not value.args:
        read = callee.expr  # ``x.relu()``
    elif value.args and value.arg_kinds[0] == ARG_POS:
        module = _module_type(api, callee)
        if module is not None and keeps_shape(module):
            read = value.args[0]  # ``self.norm(x)``
        elif module is None and isinstance(callee, RefExpr) and callee.fullname.startswith("dfdx."):
            read = value.args[0]  # ``dx.dropout(x, p)``
    if not isinstance(read, NameExpr) or read.name != name:
        return None
    before, after = checked_shape(api, read), checked_shape(api, value)
    return read if before is not None and before == after else None


def _module_type(api: CheckerPluginInterface, callee: Expression) -> Instance | None:
    """The type of ``callee`` where it is a module (a layer in a field), else None."""
    lookup = getattr(api, "lookup_type_or_none", None)
    t = lookup(callee) if lookup is not None else None
    p = get_proper_type(t) if t is not None else None
    return p if isinstance(p, Instance) and p.type.has_base(MODULE) else None


def _entry_value(api: CheckerPluginInterface, name: NameExpr, message: str) -> Expression | None:
    """The value ``name`` has on a loop's first pass where it is used before the loop's body
    rebinds it (:func:`loop_entry_definition`: ``tokens = h.flatten(2)`` before ``for block
    in self.blocks: tokens = block(tokens, ctx)``), where ``message`` is about that value (it
    names its shape as what was given, or as an operand of an op that the first pass runs:
    ``forecast = dx.zeros(b, n)`` before ``for block in self.blocks: forecast = forecast +
    block(x)``): a later pass's value, the loop's own, is as likely the one at fault."""
    value = loop_entry_definition(api, name)
    shape = checked_shape(api, value) if value is not None else None
    if shape is None:
        return None
    given = fmt(shape)
    operand = re.search(rf"(: |\band ){re.escape(given)}( and\b| \()", message)
    return value if f"got {given}" in message or operand is not None else None


_MOVES = ("transpose", "swapaxes", "permute", "mT", "T", "unsqueeze", "flatten")
"""Methods and properties that move a tensor's axes and set no size."""


def _unmoved(e: Expression) -> Expression:
    """The tensor whose axes ``e`` moves (``k`` of ``k.transpose(-2, -1)``, ``k.mT``), else
    ``e``: the sizes are that tensor's, set where it was assigned."""
    if isinstance(e, CallExpr) and isinstance(e.callee, MemberExpr):
        if e.callee.name in _MOVES:
            return e.callee.expr
    elif isinstance(e, MemberExpr) and e.name in ("mT", "T"):
        return e.expr
    return e


def _setting_step(value: Expression) -> Context:
    """Where, in a method chain written over several lines (``self.k(x)`` then
    ``.view(b, -1, nh, hs)`` then ``.transpose(1, 2)``), the step that last set sizes is:
    the line of its method's name, past the steps after it that only move axes; ``value``
    itself where that is its own line."""
    e = value
    while isinstance(e, CallExpr) and isinstance(e.callee, MemberExpr):
        if e.callee.name not in _MOVES:
            line = e.callee.end_line
            if line is None or line == value.line:
                return value
            return Context(line=line, column=0)
        e = e.callee.expr
    return value


def _at_fault(where: Expression, layer: Instance | None, origin: Origin) -> list[Context]:
    """The lines of the arguments of ``where`` (the call that built ``layer``) that set the
    sizes of ``origin`` (:func:`fault_arguments`); ``where`` itself where it is not such a
    call."""
    if layer is None or not isinstance(where, CallExpr):
        return [where]
    return fault_arguments(layer, where, origin.axes, origin.rank)


def _layer_place(
    api: CheckerPluginInterface, origin: Origin
) -> list[tuple[str, Expression, Instance | None]]:
    """Where the layer of ``origin`` is built, and its name: the field's (or a variable's)
    building line; for a ``Sequential``, the lines of its layers that set the sizes
    (:func:`dfdx_mypy_plugin.rules.nn.sequential_places`)."""
    from dfdx_mypy_plugin.rules.nn import (  # (it imports this module)
        _layers,
        sequential_layer_exprs,
        sequential_places,
    )

    built = built_by(api, origin.call.callee)
    if built is None:
        return []
    name = callee_name(origin.call.callee)
    if origin.layer.type.fullname != SEQUENTIAL or not isinstance(built, CallExpr):
        return [(name, built, origin.layer)]
    given = sequential_layer_exprs(api, built)
    if given is None:
        return [(name, built, None)]
    x = None
    lookup = getattr(api, "lookup_type_or_none", None)
    if origin.call.args and lookup is not None:
        t = lookup(origin.call.args[0])
        try:
            x = read_tensor(t) if t is not None else None
        except Unknown:
            x = None
    try:
        found = sequential_places(origin.layer, x, origin.axes)
    except Unknown:
        found = []
    if not found or max(found) >= len(given):
        return [(name, built, None)]
    try:
        inner = _layers(origin.layer)
    except Unknown:
        inner = []
    return [
        (f"layer {i + 1} of {name}", place, inner[i] if i < len(inner) else None)
        for i in found
        for place in [given[i] or built]
    ]


def at_origins(
    api: CheckerPluginInterface,
    context: Context,
    value: Expression,
    axes: frozenset[int],
    message: str,
    out: Shape | None = None,
    merged: bool = False,
) -> list[tuple[str, Context]]:
    """Where ``message``, an error at ``context`` about sizes on ``axes`` of ``value``'s
    tensor, is to be reported too: where each layer that set those sizes is built
    (:func:`dfdx_mypy_plugin._origin.origins`), when that is another line. ``out`` is the
    shape of ``value`` where it is the call being checked (it has no type yet). With
    ``merged``, only layers whose sizes were merged into the one that does not fit
    (``flatten``) count: where a layer's own size meets another's, the error names both
    already."""
    if "_mask " in message:
        return []
    if out is not None and isinstance(value, CallExpr):
        found = origins_of_call(api, value, out, axes)
    elif out is not None and isinstance(value, IndexExpr):
        found = origins_of_slice(api, value, out, axes)
    elif out is not None and isinstance(value, OpExpr):
        found = origins_of_op(api, value, out, axes)
    else:
        found = origins(api, value, axes)
    return _built_here(api, [o for o in found if o.merged or not merged], context, message)


def at_strides(
    api: CheckerPluginInterface,
    context: Context,
    value: Expression,
    wanted: dict[int, Dim],
    message: str,
    out: Shape | None = None,
    shared: frozenset[tuple[int, int, int]] = frozenset(),
) -> tuple[list[tuple[str, Context]], frozenset[int]]:
    """Where ``message``, an error at ``context`` about spatial sizes of ``value``'s tensor
    that are not the sizes ``wanted`` (by axis), is to be reported too: where each window
    whose stride, changed, would give the size wanted is built, on its stride's line
    (:func:`dfdx_mypy_plugin._strides.stride_faults`: a decoder's transposed convolution
    left without its stride, two layers before the return). Also the axes so blamed. ``out``
    is the shape of ``value`` where it is the call being checked; windows called at
    ``shared`` places (lines and columns) are not blamed."""
    places: list[tuple[str, Context]] = []
    covered: set[int] = set()
    if "_mask " in message:
        return places, frozenset()
    for axis, size in sorted(wanted.items()):
        for fault in stride_faults(api, value, axis, size, out):
            if fault.step.place in shared:
                continue
            found = _stride_fault_places(api, fault)
            if found is None:
                continue
            covered.add(axis)
            name, places_in_call = found
            verb = "called" if fault.step.layer is None else "built"
            text = (
                f"{name} is {verb} here with stride={fmt_dim(fault.stride)} (stride="
                f"{fault.instead} gives the size wanted); its output reaches line "
                f"{context.line}: {message}"
            )
            for place in places_in_call:
                if place.line not in (context.line, 0):
                    places.append((text, place))
    return places, frozenset(covered)


def _stride_fault_places(
    api: CheckerPluginInterface, fault: StrideFault
) -> tuple[str, list[Context]] | None:
    """The name of the window of ``fault`` and where its stride is (or goes): in the call
    that built its layer (``self.down``), in the ``Sequential`` that holds it (``layer 3 of
    self.features``, each layer built in its arguments), or in the function's call
    (``conv2d``); None where that call is not known."""
    step = fault.step
    if step.layer is None:
        callee = step.call.callee
        if not isinstance(callee, RefExpr):
            return None
        name = callee.fullname.rsplit(".", 1)[-1]
        return name, stride_places(function_arguments(callee, step.call), step.call)
    built = built_by(api, step.call.callee)
    if not isinstance(built, CallExpr) or built.line <= 0:
        return None
    name = callee_name(step.call.callee)
    if step.inner is None:
        return name, stride_arguments(step.layer, built)
    from dfdx_mypy_plugin.rules.nn import sequential_layer_exprs  # (it imports this module)

    given = sequential_layer_exprs(api, built)
    layer = given[step.inner] if given is not None and step.inner < len(given) else None
    if not isinstance(layer, CallExpr) or layer.line <= 0:
        return None
    return f"layer {step.inner + 1} of {name}", stride_arguments(step.layer, layer)


def at_unequal_windows(
    api: CheckerPluginInterface,
    context: Context,
    operands: list[Expression | None],
    operand_shapes: list[Shape],
    message: str,
    skip: int | None = None,
) -> dict[int, list[tuple[str, Context]]]:
    """Where ``message``, an error at ``context`` about operands (of one rank) whose spatial
    sizes differ where they must be equal (a concatenation along another axis, ``skip``),
    is to be reported too: :func:`at_strides` for each operand whose size differs from the
    one size the others agree on (a downsampling convolution built with stride 1 whose map
    meets one of the lower resolution), by the operand's position."""
    if len(operands) != len(operand_shapes) or len({len(s) for s in operand_shapes}) != 1:
        return {}
    rank = len(operand_shapes[0])
    places: dict[int, list[tuple[str, Context]]] = {}
    for axis in range(2, rank):
        if axis == skip:
            continue
        for i, (e, shape) in enumerate(zip(operands, operand_shapes, strict=True)):
            others = [s[axis] for j, s in enumerate(operand_shapes) if j != i]
            if e is None or not others or any(same_dim(o, others[0]) is not True for o in others):
                continue
            if (
                1 in (shape[axis], others[0])
                or same_layer_size(shape[axis], others[0]) is not False
            ):
                continue  # (a size 1 broadcasts)
            shared = {
                place
                for j, other in enumerate(operands)
                if j != i and other is not None
                for place in window_places(api, other, axis)
            }
            found, _ = at_strides(
                api, context, e, {axis: others[0]}, message, shared=frozenset(shared)
            )
            if found:
                places.setdefault(i, []).extend(found)
    return places


def at_windows(
    api: CheckerPluginInterface,
    context: Context,
    value: Expression,
    axes: frozenset[int],
    message: str,
) -> list[tuple[str, Context]]:
    """:func:`at_origins` for the sizes a layer's window set (a convolution's or a pool's
    output length, from its kernel, stride and padding), not its features or channels: where
    such a size does not fit (the frames of a convolution without its stride against a
    positional table), the layer is likely built wrong."""
    if "_mask " in message:
        return []
    found = [o for o in origins(api, value, axes) if o.axes & window_axes(o.layer, o.rank)]
    return _built_here(api, found, context, message)


def _built_here(
    api: CheckerPluginInterface, found: list[Origin], context: Context, message: str
) -> list[tuple[str, Context]]:
    """``message`` (an error at ``context``) put where each layer of ``found`` is built, when
    that is another line."""
    places = []
    for origin in found:
        for what, where, layer in _layer_place(api, origin):
            text = f"{what} is built here; its output reaches line {context.line}: {message}"
            for place in _at_fault(where, layer, origin):
                if place.line not in (context.line, 0):
                    places.append((text, place))
            if isinstance(where, CallExpr) and origin.axes & window_axes(origin.layer, origin.rank):
                places += _window_arguments(api, where, what, context, message)
                places += _stride_line(where, what, context, message)
    return places


def _stride_line(
    built: CallExpr, layer: str, context: Context, message: str
) -> list[tuple[str, Context]]:
    """The line of the ``stride`` argument of the layer ``built`` builds, where the call is
    written over several lines and the sizes its window set do not fit: the line a user edits
    (``stride=1,`` where the block's other path has ``stride=stride``)."""
    callee = built.callee
    info = callee.node if isinstance(callee, RefExpr) else None
    init = info.get_method("__init__") if isinstance(info, TypeInfo) else None
    if not isinstance(init, FuncDef):
        return []
    formal = init.arg_names[1:]
    items = zip(built.arg_kinds, built.arg_names, built.args, strict=True)
    for i, (kind, name, arg) in enumerate(items):
        param = formal[i] if kind == ARG_POS and i < len(formal) else name
        if param == "stride" and arg.line not in (built.line, context.line, 0, -1):
            text = (
                f"the stride of {layer} is given here; its output reaches line "
                f"{context.line}: {message}"
            )
            return [(text, arg)]
    return []


_WINDOW_ARGUMENTS = ("kernel_size", "stride", "padding", "dilation")


def _window_arguments(
    api: CheckerPluginInterface, built: CallExpr, layer: str, context: Context, message: str
) -> list[tuple[str, Context]]:
    """Where the window arguments of the layer built by ``built`` that are names assigned once
    (``padding = kernel_size - 1``, ``self.pad = ...``) are computed, when the sizes its window
    set do not fit: the arithmetic there is as likely the mistake as the layer."""
    if not isinstance(api, TypeChecker):
        return []
    places: list[tuple[str, Context]] = []
    for name, arg in zip(built.arg_names, built.args, strict=True):
        if name not in _WINDOW_ARGUMENTS or not isinstance(arg, NameExpr | MemberExpr):
            continue
        stmt = _assigned_once(api, arg)
        if stmt is not None and stmt.line not in (context.line, built.line, 0):
            text = (
                f"{callee_name(arg)} is assigned here; it is the {name} of {layer}, whose "
                f"output reaches line {context.line}: {message}"
            )
            places.append((text, stmt))
    return places


def _assigned_once(api: TypeChecker, e: NameExpr | MemberExpr) -> AssignmentStmt | None:
    """The one assignment to the local name ``e`` (in the methods of the class being checked)
    or to the field ``self.<name>`` of its class; else None."""
    if api.scope.current_function() is None:
        return None
    info = api.scope.enclosing_class()
    if info is None:
        return None
    found = [
        stmt
        for method in _methods(info)
        for stmt in walk(method.body.body)
        if isinstance(stmt, AssignmentStmt) and any(_assigns(lv, e) for lv in stmt.lvalues)
    ]
    return found[0] if len(found) == 1 else None


def _assigns(target: Expression, e: NameExpr | MemberExpr) -> bool:
    if isinstance(e, MemberExpr):
        return _is_self_field(e, e.name) and _is_self_field(target, e.name)
    return isinstance(target, NameExpr) and e.node is not None and target.node is e.node


def _returned_local(api: TypeChecker, value: Expression) -> int | None:
    """Where ``value`` is assigned to a local name that the function returns with that
    value: a name bound once (``patches = ...`` then ``return patches``), or the last binding
    of a reused name before a ``return`` of it in the function's body (``values =
    values.permute(2, 0, 1)`` then ``return values``), where no statement between binds it.
    The name's position in a returned tuple display (``return hidden_states, pooled``: 1 for
    ``pooled``), -1 where the name is returned alone; None where it is not returned."""
    function = api.scope.current_function()
    if function is None:
        return None
    body = function.body.body
    for i, stmt in enumerate(body):
        if (
            isinstance(stmt, AssignmentStmt)
            and _same_place(stmt.rvalue, value)
            and len(stmt.lvalues) == 1
            and isinstance(stmt.lvalues[0], NameExpr)
        ):
            name = stmt.lvalues[0].name
            count: dict[str, int] = {}
            count_bindings(body, count)
            if count.get(ANYTHING):
                return None
            if count.get(name) == 1:
                places = {
                    at
                    for s in walk(body)
                    if isinstance(s, ReturnStmt)
                    for at in [_returned_at(s.expr, name)]
                    if at is not None
                }
                return places.pop() if len(places) == 1 else None
            for j, later in enumerate(body[i + 1 :], i + 1):
                if isinstance(later, ReturnStmt):
                    between: dict[str, int] = {}
                    count_bindings(body[i + 1 : j], between)
                    if between.get(name) or between.get(ANYTHING):
                        return None
                    return _returned_at(later.expr, name)
            return None
    return None


def _returned_at(returned: Expression | None, name: str) -> int | None:
    """-1 where ``returned`` is the local ``name``, its position where it is an item of a
    tuple display (``return hidden_states, pooled``), else None."""
    if isinstance(returned, NameExpr) and returned.name == name:
        return -1
    if isinstance(returned, TupleExpr):
        named = [
            k for k, e in enumerate(returned.items) if isinstance(e, NameExpr) and e.name == name
        ]
        return named[0] if len(named) == 1 else None
    return None


def returned_as(api: CheckerPluginInterface, value: Expression) -> tuple[Instance, str] | None:
    """The function's return type (or its item, for an item of a returned tuple display)
    where ``value`` is returned, read from the function, not from mypy's type context: mypy
    checks a returned call again without that context where the first check failed, and
    takes that result where it fits."""
    if not isinstance(api, TypeChecker) or not api.return_types:
        return None
    function = api.scope.current_function()
    if function is None:
        return None
    ret = get_proper_type(api.return_types[-1])
    for stmt in walk(function.body.body):
        if not isinstance(stmt, ReturnStmt) or not _returns(stmt.expr, value):
            continue
        if isinstance(stmt.expr, TupleExpr) and not _same_place(stmt.expr, value):
            items = ret.items if isinstance(ret, TupleType) else []
            if len(items) != len(stmt.expr.items):
                return None
            at = next(i for i, e in enumerate(stmt.expr.items) if _same_place(e, value))
            ret = get_proper_type(items[at])
        return (ret, "the return type") if isinstance(ret, Instance) else None
    return None


def declared(api: CheckerPluginInterface, value: Expression) -> tuple[Instance, str] | None:
    """The declared type ``value`` must fit and what it is (:func:`destination`): mypy's type
    context where that is a declared type, or the function's return type where ``value`` is
    assigned to a local it returns."""
    if not isinstance(api, TypeChecker):
        return None
    contexts = api.expr_checker.type_context
    expected = get_proper_type(contexts[-1]) if contexts else None
    where = destination(api, value) if isinstance(expected, Instance) else None
    if isinstance(expected, Instance) and where is not None:
        return expected, where
    at = _returned_local(api, value) if api.return_types else None
    if at is not None:
        ret: ProperType | None = get_proper_type(api.return_types[-1])
        if at >= 0:
            items = ret.items if isinstance(ret, TupleType) else []
            ret = get_proper_type(items[at]) if at < len(items) else None
        if isinstance(ret, Instance):
            return ret, "the return type" if at < 0 else f"item {at} of the return type"
    return None


def declared_after(
    api: CheckerPluginInterface, context: Context, after: Type | None
) -> Type | None:
    """``after``, the type of a reported op or call (at ``context``), where it fits the
    declared type its value goes to (:func:`declared`); else that declared type: the mistake
    is reported once, where it is made (``return s * x`` gets no ``return-value`` error
    besides the plugin's)."""
    target = declared(api, context) if isinstance(context, Expression) else None
    if target is None or target[0].type.fullname != TENSOR:
        return after
    if after is not None and is_subtype(after, target[0]):
        return after
    return target[0]


SIZED_HERE = frozenset(
    {"zeros", "ones", "randn", "rand", "full", "arange", "reshape", "broadcast_to"}
)
"""Ops whose result's sizes are the arguments of the call (a creation's, a reshape's): where
they do not fit the declared type the value goes to, in another order or another size
(``self.seeds: Tensor[L[1], NS, D] = dx.zeros(1, dim, num_seeds)``), the call is the mistake,
reported there by :func:`fit_value` though no layer set the sizes."""


def _made_before(
    api: CheckerPluginInterface, op: Expression, out: Shape, bad: list[int], message: str
) -> list[tuple[str, Context]] | None:
    """For ``op``, whose result (of shape ``out``) does not fit its declared type on the axes
    ``bad`` and whose sizes no layer found back set: [] where the op itself made those sizes
    (a concatenation or a ``topk`` along the wrong axis, a reduction over it, axes moved
    wrong: the tensor it reads has other sizes there, or none), so that the error is
    reported at the op; where it kept them from a local name's tensor (``h = dx.relu(h)``
    before ``return h``), the assignment that set them (:func:`_shape_set_before`), reported
    too; None where the sizes come from an expression this does not follow."""
    read = kept_operand(api, op) if isinstance(op, OpExpr) else _read_tensor_of(op)
    before = checked_shape(api, read) if read is not None else None
    if before is None or len(before) != len(out) or any(before[a] != out[a] for a in bad):
        return []
    if isinstance(read, CallExpr | IndexExpr | OpExpr):
        return made_inside(api, read, before, out, bad, message, _made_before)
    if not isinstance(read, NameExpr):
        return None
    value = reaching_definitions(api)(read)
    if value is None and is_unbound_argument(api, read):
        return []  # the op made the value from the function's argument as it came
    if value is None or not 0 < value.line < op.line:
        return None
    setting = [value, *_shape_set_before(api, read.name, value)][-1]
    return [(f"{read.name} is assigned here; used at line {op.line}: {message}", setting)]


def at_rank_made(
    api: CheckerPluginInterface, call: Context, message: str
) -> list[tuple[str, Context]]:
    """Where ``message`` says that the layer called at ``call`` gives a rank other than the
    declared one, which it passed through from its input: the assignment that gave the input
    that rank (``x = x.mean(axis=1, keepdims=True)`` or ``x = x.view(-1)`` a line before
    ``return self.head(x)``), followed back over the assignments that keep the rank of the
    tensor they read (``x = self.norm(x)``, ``x = self.fc(x)``)."""
    if not isinstance(call, CallExpr) or not call.args or call.arg_kinds[0] != ARG_POS:
        return []
    scope = getattr(api, "scope", None)
    if scope is None or scope.current_function() is None:
        return []
    definition = reaching_definitions(api)
    e = call.args[0]
    rank = checked_shape(api, e)
    setting: tuple[str, Expression] | None = None
    for _ in range(_KEPT_STEPS):
        if not isinstance(e, NameExpr) or rank is None:
            break
        value = definition(e)
        if value is None or not 0 < value.line < (setting[1] if setting else call).line:
            break
        setting = (e.name, value)
        read = _read_tensor_of(value)
        before = checked_shape(api, read) if read is not None else None
        if read is None or before is None or len(before) != len(rank):
            break  # the rank was set here
        e = read
    if setting is None:
        return []
    name, value = setting
    return [(f"{name} is assigned here; used at line {call.line}: {message}", value)]


def _read_tensor_of(op: Expression) -> Expression | None:
    """The expression whose tensor ``op`` reads first: a method's receiver (``h.relu()``),
    an indexed tensor (``h[:, :k]``), a function's first argument (``dx.relu(h)``)."""
    if isinstance(op, IndexExpr):
        return op.base
    if not isinstance(op, CallExpr):
        return None
    if isinstance(op.callee, MemberExpr) and not (
        isinstance(op.callee.expr, NameExpr) and op.callee.expr.fullname == "dfdx"
    ):
        return op.callee.expr if not _is_module_field(op.callee) else _first_argument(op)
    return _first_argument(op)


def _first_argument(op: CallExpr) -> Expression | None:
    return op.args[0] if op.args and op.arg_kinds[0] == ARG_POS else None


def _is_module_field(callee: MemberExpr) -> bool:
    """``self.norm`` of ``self.norm(h)``: a field called, not a method of a tensor."""
    return isinstance(callee.expr, NameExpr) and callee.expr.name == "self"


def _rebinds_declared_name(api: CheckerPluginInterface, value: Expression) -> bool:
    """Whether ``value`` is assigned to a local name declared by an earlier statement (``h =
    h.reshape(b, c, w, h)`` after ``h: Tensor[...] = ...``): a name reused for another shape
    where mypy does not let it take one, which mypy's ``assignment`` error and the plugin's
    note on the options that allow it are about."""
    if not isinstance(api, TypeChecker):
        return False
    function = api.scope.current_function()
    statements = function.body.body if function is not None else api.tree.defs
    return any(
        isinstance(stmt, AssignmentStmt)
        and _same_place(stmt.rvalue, value)
        and stmt.type is None
        and any(
            isinstance(target, NameExpr)
            and isinstance(target.node, Var)
            and not target.node.is_inferred
            for target in stmt.lvalues
        )
        for stmt in walk(statements)
    )


def fit_value(
    api: CheckerPluginInterface,
    op: str,
    context: Context,
    got: Type,
    fail: Callable[[str, Context], None],
) -> Type:
    """``got``, the tensor an op gives at ``context``, where it fits the declared type its
    value goes to; else, where sizes that certainly differ were set by a layer found back
    from the op (:func:`at_origins`), by the op's own arguments (:data:`SIZED_HERE`), by the
    op itself or by the assignment whose shape it kept (:func:`_made_before`), that declared
    type, after a ``dfdx-shape`` error at the op and where each such layer is built or that
    assignment is. mypy's own error (``return-value``, ``assignment``) would name neither the
    size nor the place."""
    g = get_proper_type(got)
    if (
        not isinstance(context, CallExpr | IndexExpr | OpExpr)
        or not isinstance(g, Instance)
        or g.type.fullname != TENSOR
        or (isinstance(context, OpExpr) and not operators_followed(api))
    ):
        return got
    target = declared(api, context)
    if target is None:
        return got
    expected, where = target
    if expected.type.fullname != TENSOR or is_subtype(g, expected):
        return got
    tape = get_proper_type(g.args[-1]) if g.args else None
    if tape is None or not (isinstance(tape, TypeVarType) or is_subtype(tape, expected.args[-1])):
        return got
    try:
        have, want = read_tensor(g).shape, read_tensor(expected).shape
    except Unknown:
        return got
    if len(have) != len(want):
        return fit_declared_rank(api, op, context, (have, want, where), (got, expected), fail)
    bad = [
        i for i, (a, b) in enumerate(zip(have, want, strict=True)) if same_layer_size(a, b) is False
    ]
    if not bad:
        return expected if _equal_where_exact(have, want) else got
    a, b = fmt_dim(have[bad[0]]), fmt_dim(want[bad[0]])
    message = f"{op}: gives {fmt(have)}, {where} is {fmt(want)} ({a} != {b})"
    places, strided = at_strides(api, context, context, {i: want[i] for i in bad}, message, have)
    places += at_origins(api, context, context, frozenset(bad) - strided, message, have)
    if not places:
        if _rebinds_declared_name(api, context):
            return got
        made = (
            at_size_argument(context, bad, message)
            if op in SIZED_HERE
            else _made_before(api, context, have, bad, message)
        )
        if made is None:
            return got
        places = made
    if not told_inside(places, context):
        fail(message, context)
    for text, place in places:
        fail(text, place)
    return expected


def _equal_where_exact(have: Shape, want: Shape) -> bool:
    """Whether each size of ``have`` is ``want``'s, is declared ``Dyn``, is typed plain ``int``
    (a size the run time checks: a helper's ``-> Tensor[B, int, N, T]`` returned where ``CO``
    is declared), or is equal to it where the code runs (``2*(C//2)`` channels returned where
    ``C`` is declared, a UNet's ``32*(H//32)`` rows where ``H`` is: :func:`shapes.fits_declared`):
    the declared type is then the value's, where mypy would hold the ``Expr`` or ``int`` to be
    another type."""
    return all(
        a == b or a is None or b is None or fits_declared(a, b)
        for a, b in zip(have, want, strict=True)
    )
