"""Binary ops with NumPy broadcasting: ``+ - * /``, maximum, minimum."""

from __future__ import annotations

from mypy.nodes import (
    ARG_POS,
    AssertStmt,
    CallExpr,
    ComparisonExpr,
    Context,
    Expression,
    FuncItem,
    IfStmt,
    IndexExpr,
    MemberExpr,
    NameExpr,
    OpExpr,
    SliceExpr,
    Statement,
    TupleExpr,
)
from mypy.plugin import CheckerPluginInterface
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    Type,
    TypeOfAny,
    TypeVarType,
    UnionType,
    UnpackType,
    get_proper_type,
)

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._branch_conditions import Holds, branch_holds, branches_at
from dfdx_mypy_plugin._built_fields import built_where, may_hold_equal
from dfdx_mypy_plugin._identity_layers import built_member
from dfdx_mypy_plugin._locals import Definition, reaching_definitions
from dfdx_mypy_plugin._origin import keeps_shape
from dfdx_mypy_plugin._tables import table_places
from dfdx_mypy_plugin._types import (
    MODULE,
    TENSOR,
    Unknown,
    checked_shape,
    is_scalar,
    merge_tapes,
    read_known_axes,
    read_tape,
    type_of,
)
from dfdx_mypy_plugin._where import at_build, at_origins, at_unequal_windows, at_windows, walk
from dfdx_mypy_plugin.codes import DFDX_SHAPE
from dfdx_mypy_plugin.rules import Call, rule
from dfdx_mypy_plugin.rules.nn import SEQUENTIAL, _sets


def _binary(call: Call) -> Type:
    untyped = _with_untyped_operand(call)
    if untyped is not None:
        return untyped
    try:
        a = call.tensor(0)
        if len(call.operands) < 2:
            raise Unknown
        if is_scalar(call.operands[1]):
            return call.result(a.shape, a.tape, a)
        b = call.tensor(1)
    except Unknown:
        return _of_unknown_rank(call)
    tape = merge_tapes([a.tape, b.tape])
    try:
        shape = shapes.broadcast(
            call.op,
            a.shape,
            b.shape,
            held_equal=_asserts_equal(call),
            module_sizes=_module_sizes(call),
            batch_sizes=_batch_sizes(call),
        )
    except shapes.ShapeError as e:
        relaxed = None
        holds = _in_branch(call)
        if holds and not _in_branch_of_built_layer(call):
            relaxed = _names_equal(a.shape, b.shape, names=holds >= Holds.SIZES)
        if relaxed is None:
            error = e
            if _blame_layers(call, a.shape, b.shape, str(e)) == {0}:
                # The left operand's size was set by a layer's window, likely built wrong (a
                # convolution without its stride against a positional table): the right's size
                # goes on, the one the rest of the code is written against. Else the left's does
                # (ShapeError.best): ``h = h + emb`` keeps ``h``'s.
                error = shapes.ShapeError(str(e), best=_best(call.op, b.shape, a.shape))
            raise call.recover(error, tape, a, b) from None
        shape = relaxed
    return call.result(shape, tape, a, b)


def _with_untyped_operand(call: Call) -> Type | None:
    """``x + a`` (or ``dx.add(a, x)``) where one operand is ``Any`` (a value typed ``Any``, the
    call of a field typed ``Module | None`` or ``Module``) and the other a tensor of known
    rank: that tensor's type, shape and tape, as mypy without the plugin types ``x = x + a``
    for an argument ``x`` (an ``Any`` assigned keeps the declared type); else None. ``Any``
    fits whatever the tensor's sizes ask, so nothing is reported."""
    if len(call.operands) < 2:
        return None
    untyped = [isinstance(get_proper_type(t), AnyType) for t in call.operands[:2]]
    if untyped.count(True) != 1:
        return None
    k = untyped.index(False)
    try:
        t = call.tensor(k)
    except Unknown:
        return None
    return call.result(t.shape, t.tape, t)


def _of_unknown_rank(call: Call) -> Type:
    """``scale * x`` where an operand has axes of unknown number before its known last ones
    (a scalar of unknown rank, ``dx.tensor`` of an array): the result's last axes are the
    broadcast of the sizes each operand states there (a size of one not stated is ``Dyn``: a
    TypeVar against it stays the TypeVar), after axes of unknown number, so that a matmul that
    follows still checks its inner sizes. Sizes that do not broadcast are left to mypy."""
    if len(call.operands) < 2:
        raise Unknown
    known = [read_known_axes(t) for t in call.operands[:2]]
    if known[0] is None or known[1] is None or not (known[0][1] or known[1][1]):
        raise Unknown
    (a, a_open), (b, b_open) = known[0], known[1]
    n = max(len(a), len(b))
    a = (None,) * (n - len(a)) + a if a_open else a
    b = (None,) * (n - len(b)) + b if b_open else b
    try:
        shape = shapes.broadcast(call.op, a, b)
    except shapes.ShapeError:
        raise Unknown from None
    tape = merge_tapes([read_tape(t) for t in call.operands[:2]])
    result = call.result(shape, tape)
    anything = AnyType(TypeOfAny.special_form)
    axes = UnpackType(call.api.named_generic_type("builtins.tuple", [anything]))
    return result.copy_modified(args=[axes, *result.args])


def _best(op: str, a: shapes.Shape, b: shapes.Shape) -> shapes.Shape | None:
    """The broadcast of ``a`` and ``b`` with ``a``'s sizes where they do not broadcast."""
    try:
        return shapes.broadcast(op, a, b)
    except shapes.ShapeError as e:
        return e.best


def _module_sizes(call: Call) -> frozenset[str]:
    """The size TypeVars of the class whose method is being checked (``Generic[C, WS, NH]``)."""
    scope = getattr(call.api, "scope", None)
    if scope is None or scope.current_function() is None:
        return frozenset()  # code at a module's top level
    info = scope.enclosing_class()
    if info is None:
        return frozenset()
    return frozenset(tv.name for tv in info.defn.type_vars)


def _batch_sizes(call: Call) -> frozenset[str]:
    """The size TypeVars on the first axis of the tensor arguments of the function being
    checked (``B`` of ``x: Tensor[B, S, D, T]``): a batch, which no module is built for."""
    scope = getattr(call.api, "scope", None)
    function = scope.current_function() if scope is not None else None
    signature = get_proper_type(function.type) if function is not None else None
    if not isinstance(signature, CallableType):
        return frozenset()
    names: set[str] = set()
    for t in signature.arg_types:
        p = get_proper_type(t)
        if isinstance(p, Instance) and p.type.fullname == TENSOR and len(p.args) > 1:
            first = get_proper_type(p.args[0])
            if isinstance(first, TypeVarType):
                names.add(first.name)
    return frozenset(names)


def _asserts_equal(call: Call) -> bool:
    """Whether the function being checked asserts two values equal before the op (``assert n
    == self.h * self.w, "the tokens are the grid's"``): the code states there what it relies
    on, as a reshape's sizes do."""
    scope = getattr(call.api, "scope", None)
    function = scope.current_function() if scope is not None else None
    if function is None:
        return False
    return any(
        isinstance(stmt, AssertStmt)
        and stmt.line < call.context.line
        and isinstance(stmt.expr, ComparisonExpr)
        and "==" in stmt.expr.operators
        for stmt in walk(function.body.body)
    )


def _in_branch(call: Call) -> Holds:
    """What the conditions of the branches the op is in may hold equal (NOTHING outside a
    branch): in a branch of an ``if`` of the function being checked, or of a conditional
    expression (``h + x if self.proj is None else h + self.proj(x)``), the condition may hold
    two of the module's sizes equal (``if self.use_res_connect:``, set from ``stride == 1 and
    in_channels == out_channels``), which no checker reads; one that tests no size
    (``self.training``, ``mask is not None``, a ``bool`` argument) holds none
    (:mod:`dfdx_mypy_plugin._branch_conditions`)."""
    holds = branch_holds(call.api, call.context)
    return Holds.NOTHING if holds is None else holds


def _in_branch_of_built_layer(call: Call) -> bool:
    """Whether the op calls a layer the block builds only under a condition (``self.shortcut``,
    ``None`` otherwise) in the branch of an ``if`` taken because the layer exists (``if
    self.shortcut is not None: out = out + self.shortcut(x)``), where that condition lets a
    stride other than 1 through for certain (``stride != 1 or in_planes != out_planes``:
    :mod:`dfdx_mypy_plugin._built_fields`): the branch then holds no size equal that the
    layer's own condition does not."""
    context = call.context
    scope = getattr(call.api, "scope", None)
    function = scope.current_function() if scope is not None else None
    if not isinstance(context, OpExpr) or not isinstance(function, FuncItem):
        return False
    called = {
        _self_field(e.callee) for e in (context.left, context.right) if isinstance(e, CallExpr)
    }
    branch = _innermost_branch(function.body.body, context.line)
    if branch is None:
        return False
    stmt, taken = branch
    name = _field_tested(stmt.expr[0], present=taken) if len(stmt.expr) == 1 else None
    if name is None or name not in called:
        return False
    tests = built_where(call.api, name)
    return tests is not None and not may_hold_equal(tests)


def _self_field(e: Expression) -> str | None:
    if isinstance(e, MemberExpr) and isinstance(e.expr, NameExpr) and e.expr.name == "self":
        return e.name
    return None


def _innermost_branch(body: list[Statement], line: int) -> tuple[IfStmt, bool] | None:
    """The innermost ``if`` statement of ``body`` with a branch holding ``line``, and whether
    it is the ``if``'s own branch (True) or its ``else`` (False, also the statements after an
    ``if`` whose branches all leave)."""
    found = branches_at(body, line)
    return found[-1] if found else None


def _field_tested(test: Expression, present: bool) -> str | None:
    """``F`` where ``test`` holds (``present``) or fails because ``self.F`` is not None:
    ``self.F is not None``, ``self.F``, or the ``else`` of ``self.F is None``."""
    if present and _self_field(test) is not None:
        return _self_field(test)
    if not isinstance(test, ComparisonExpr) or len(test.operators) != 1:
        return None
    op = test.operators[0]
    left, right = test.operands
    if not (isinstance(right, NameExpr) and right.fullname == "builtins.None"):
        return None
    if (op == "is not" and present) or (op == "is" and not present):
        return _self_field(left)
    return None


def _names_equal(a: shapes.Shape, b: shapes.Shape, names: bool) -> shapes.Shape | None:
    """The broadcast of ``a`` and ``b`` where two different size names (TypeVars), or a name
    and a literal, on an axis are taken to be equal (only where ``names``: the condition may
    hold sizes equal), and so are two sizes equal where one of them is 1 (a strided size
    and the unstrided one: a stride the caller may give as 1 with a flag); None where the
    shapes do not broadcast even so. Such an axis is ``Dyn``: which of the two sizes it is,
    only the condition knows (``if self.shortcut is None: return x + out`` returns
    ``out``'s channels)."""
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out: list[shapes.Dim] = []
    for da, db in zip(pa, pb, strict=True):
        d = shapes.broadcast_dim(da, db)
        if d is False:
            held = names and (_may_be_held_equal(da, db) or _may_be_held_equal(db, da))
            if not (held or shapes.grows_apart(da, db)):  # ``stride == 1``: equal where 1
                return None
            d = None
        out.append(d)
    return tuple(out)


def _may_be_held_equal(a: shapes.Dim, b: shapes.Dim) -> bool:
    """``a`` is a size TypeVar's name and ``b`` another one or a literal size: sizes an
    ``if`` may hold equal."""
    named = isinstance(a, str) and a.isidentifier()
    return named and (isinstance(b, int) or (isinstance(b, str) and b.isidentifier()))


def _blame_layers(call: Call, a: shapes.Shape, b: shapes.Shape, message: str) -> set[int]:
    """Where an operand is a layer's call (``self.word(ids) + self.position(pos)``) and the
    axis that does not broadcast is one that layer sets (its features or channels), the error
    is also reported where the layer was built: it is likely built with the wrong size. So
    too where the size at fault was set by a layer's window found back from an operand
    (:func:`dfdx_mypy_plugin._where.at_windows`: a convolution without its stride whose
    frames meet a positional table). Where no layer is blamed, a module's table that set the
    size is (:func:`_blame_tables`). Returns the operands (0, 1) blamed on a window."""
    context = call.context
    exprs: list[Expression | None] = (
        [context.left, context.right] if isinstance(context, OpExpr) else call.operand_exprs[:2]
    )
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    bad = [i - n for i in range(n) if shapes.broadcast_dim(pa[i], pb[i]) is False]
    blamed: set[int] = set()
    if not bad:
        return blamed
    definition = reaching_definitions(call.api)
    layer_blamed: set[int] = set()
    strided = at_unequal_windows(call.api, context, exprs, [a, b], message)
    for k, places in strided.items():
        for text, place in places:
            call.fail(text, DFDX_SHAPE, at=place)
        blamed.add(k)
    for k, (operand, shape) in enumerate(zip(exprs, (a, b), strict=False)):
        other = (pb, pa)[k][bad[0]]
        if k in strided:
            pass  # the window whose stride made the size is blamed: not the last one
        elif operand is not None and len(shape) + bad[0] >= 0 and other not in shape:
            # (where the other size is one of this operand's, an axis is in the wrong place)
            at = frozenset({len(shape) + bad[0]})
            for text, place in at_windows(call.api, context, operand, at, message):
                call.fail(text, DFDX_SHAPE, at=place)
                blamed.add(k)
        if other in shape:
            continue  # the other operand's axis is in the wrong place (reduced without keepdims)
        e, axis, rank = _through_new_axes(operand, bad[0], len(shape))
        if axis is None:
            continue
        layered = False
        for layer_call in _layer_calls(e, definition, call.api, axis):
            called = get_proper_type(type_of(call.api)(layer_call.callee))
            # an identity or a projection (``self.shortcut``): the projection's
            layer = built_member(called) if isinstance(called, UnionType) else called
            if not isinstance(layer, Instance):
                continue
            sets = _sets(layer)
            layered = layered or bool(sets)
            if ("features" in sets and axis == -1) or ("channels" in sets and axis == 1 - rank):
                inner = _sequential_layers_at_fault(call, layer, layer_call, rank + axis, message)
                for text, place in inner:
                    call.fail(text, DFDX_SHAPE, at=place)
                    layer_blamed.add(k)
                built = None if inner else at_build(call.api, layer_call, message)
                if built is not None:
                    call.fail(built[0], DFDX_SHAPE, at=built[1])
                    layer_blamed.add(k)
                break
        if not layered and k not in blamed and e is not None:
            # a layer further back set the size: through pieces, slices, shape-keeping ops,
            # a user's module (:func:`dfdx_mypy_plugin._origin.origins`)
            for text, place in at_origins(call.api, context, e, frozenset({rank + axis}), message):
                call.fail(text, DFDX_SHAPE, at=place)
    if not blamed and not layer_blamed:
        _blame_tables(call, exprs, (a, b), bad[0], message)
    elif not blamed and _odd_one_out((pa, pb), bad[0], layer_blamed):
        # a table of a computed size beside a layer's plain one (``self.embed(ids) +
        # self.pos`` with ``self.pos`` made ``2*D`` wide): the table is as likely wrong
        rest = [e if k not in layer_blamed else None for k, e in enumerate(exprs)]
        _blame_tables(call, rest, (a, b), bad[0], message)
    return blamed


def _sequential_layers_at_fault(
    call: Call, layer: Instance, layer_call: CallExpr, axis: int, message: str
) -> list[tuple[str, Context]]:
    """Where ``layer`` is a ``Sequential`` whose output's ``axis`` (from 0) does not fit,
    the lines of its layers that set that size (``layer 2 of self.shortcut``), where it was
    built with a layer a line; else []."""
    if layer.type.fullname != SEQUENTIAL:
        return []
    return at_origins(call.api, call.context, layer_call, frozenset({axis}), message)


def _odd_one_out(
    operands: tuple[shapes.Shape, shapes.Shape], axis: int, layer_blamed: set[int]
) -> bool:
    """Whether, on ``axis``, the one operand whose layer was blamed has a plain size (a name
    or a literal) and the other a computed one (``D`` against ``2*D``): the other's is then
    the odd one, made where it was created."""
    if len(layer_blamed) != 1:
        return False
    k = next(iter(layer_blamed))
    mine, other = operands[k][axis], operands[1 - k][axis]
    return _plain(mine) and other is not None and not _plain(other)


def _plain(d: shapes.Dim) -> bool:
    return isinstance(d, int) or (isinstance(d, str) and d.isidentifier())


def _blame_tables(
    call: Call,
    exprs: list[Expression | None],
    operands: tuple[shapes.Shape, shapes.Shape],
    axis: int,
    message: str,
) -> None:
    """Where an operand's size at the axis at fault (negative) was set where a module's table
    was created (``x + self.positional_embedding`` with a table of the wrong length), the
    error is also reported there (:func:`dfdx_mypy_plugin._tables.table_places`)."""
    for e, shape in zip(exprs, operands, strict=False):
        if len(shape) + axis >= 0:
            for text, place in table_places(call.api, e, axis, call.context, message):
                call.fail(text, DFDX_SHAPE, at=place)


def _through_new_axes(
    e: Expression | None, axis: int, rank: int
) -> tuple[Expression | None, int | None, int]:
    """An operand that appends axes to a value (``emb[:, :, None, None]``: whole slices, then
    ``None`` only) as that value, with the operand's ``axis`` (negative, of ``rank`` axes) as
    the value's (None for an inserted axis) and the value's rank; any other operand as it is."""
    if not isinstance(e, IndexExpr):
        return e, axis, rank
    items = e.index.items if isinstance(e.index, TupleExpr) else [e.index]
    inserted = [isinstance(i, NameExpr) and i.fullname == "builtins.None" for i in items]
    whole = [
        isinstance(i, SliceExpr) and i.begin_index is i.end_index is i.stride is None for i in items
    ]
    if not all(n or w for n, w in zip(inserted, whole, strict=True)) or (
        any(inserted) and not all(inserted[inserted.index(True) :])
    ):
        # only new axes after the value's (``[:, :, None, None]``): where they go between
        # (``[:, None, None, :]``), the layer's axis may be in the wrong place, not of the
        # wrong size
        return e, axis, rank
    inner_rank = rank - sum(inserted)
    position = axis + rank  # counted from the front
    if position < len(items):
        if inserted[position]:
            return e.base, None, inner_rank
        inner = position - sum(inserted[:position])
    else:
        inner = position - sum(inserted)
    return e.base, inner - inner_rank, inner_rank


def _layer_calls(
    e: Expression | None, definition: Definition, api: CheckerPluginInterface, axis: int
) -> list[CallExpr]:
    """The calls an operand may be the result of: the operand itself, the one argument of a
    call of one operand that keeps its size on ``axis`` (``self.dropout(ff)``; not a user's
    block that sets it), and the value of a local there (``ff = self.out(h)``, bound once or
    last bound before the use in the same block)."""
    candidates = [e]
    if isinstance(e, CallExpr) and len(e.args) == 1 and e.arg_kinds == [ARG_POS]:
        out, before = checked_shape(api, e), checked_shape(api, e.args[0])
        module = get_proper_type(type_of(api)(e.callee))
        sets = isinstance(module, Instance) and module.type.has_base(MODULE)
        if sets and isinstance(module, Instance) and keeps_shape(module):
            sets = False
        kept = out is None or before is None or len(out) != len(before) or out[axis] == before[axis]
        if kept and not sets:
            candidates.append(e.args[0])
    calls = []
    for c in candidates:
        if isinstance(c, NameExpr):
            c = definition(c)
        if isinstance(c, CallExpr):
            calls.append(c)
    return calls


for _op, _dunder in [("add", "add"), ("sub", "sub"), ("mul", "mul"), ("div", "truediv")]:
    rule(
        _op,
        methods=(f"__{_dunder}__", f"__r{_dunder}__", _op),
        functions=(f"dfdx.ops.binary.{_op}",),
    )(_binary)

for _op in ("maximum", "minimum"):
    rule(_op, methods=(_op,), functions=(f"dfdx.ops.binary.{_op}",))(_binary)
