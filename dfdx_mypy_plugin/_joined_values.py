"""Values joined from several paths: an operand that is a union of tensor types.

A name bound in the branches of an ``if`` or of a conditional expression (``res = x if
self.downsample is None else self.downsample(x)``), or rebound in a loop, holds one of
several values; mypy (and the plugin, :func:`dfdx_mypy_plugin._plugin._variants`) checks an
op on it once per member, and the op must fit every member. Which member a path gives is
often fixed by something no checker reads, and the code is correct only through it:

- a branch's condition may hold two of a module's sizes equal (``self.downsample`` is
  ``None`` where ``in_channels == out_channels``): a member that does not fit is taken as a
  member that fits where the two differ only in sizes such a condition may hold equal (two
  size names, or a name and a literal: :func:`held_equal`), as an op inside the branch is
  (``rules/binary.py``);
- a loop over a list of layers of different sizes (NeRF's ``pts_linears``, whose layer after
  the skip takes the input's features too) calls each layer on the value the layers before
  it made, which depends on the list's order; a loop over a list of one layer (a
  ``ModuleList([layer])``) never calls it on its own result; and what a loop over layers
  leaves in the name depends on how many there are. There, a member that does not fit is
  taken as a path the list rules out, wherever another member fits
  (:func:`any_member_will_do`).

Where no member fits, the op is reported as before: a layer built with the wrong width fits
none of the values a loop gives it, a projection of the wrong width gives a member that no
condition can hold equal to the other branch's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

from mypy.messages import MessageBuilder
from mypy.nodes import (
    CallExpr,
    Context,
    Expression,
    ForStmt,
    FuncItem,
    IndexExpr,
    LambdaExpr,
    ListExpr,
    MemberExpr,
    NameExpr,
    OpExpr,
    Statement,
    TupleExpr,
    WhileStmt,
)
from mypy.types import AnyType, CallableType, Instance, Type, UnionType, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._debug import DEBUG
from dfdx_mypy_plugin._locals import target_names
from dfdx_mypy_plugin._types import Unknown, read_tensor, type_of
from dfdx_mypy_plugin._where import field_value, walk
from dfdx_mypy_plugin.rules import Call
from dfdx_mypy_plugin.shapes import Dim, ShapeError

RuleFn = Callable[[Call], Type]


def kept_variants(fn: RuleFn, call: Call, variants: list[Call]) -> list[Call]:
    """The variants of ``call`` (one per combination of its union operands' members) an op
    must fit: all of them, less those that do not fit where a path condition no checker
    reads may rule them out (see the module's docstring). Where no variant fits, all."""
    if len(variants) == 1 and _in_earlier_pass(call) and not _fits(fn, variants[0]):
        return []
    if len(variants) == 1:
        sibling = _fitting_sibling(fn, call, variants[0])
        if sibling is not None:
            return [sibling]
    if len(variants) < 2:
        return variants
    fits = [_fits(fn, v) for v in variants]
    if not any(fits):
        return sorted(variants, key=_report_order)
    if all(fits):
        return _one_path(variants)
    fitting = [v for v, ok in zip(variants, fits, strict=True) if ok]
    if any_member_will_do(call) or any(_untyped_member(call, v) for v in variants):
        return fitting
    return [
        v
        for v, ok in zip(variants, fits, strict=True)
        if ok or not any(_variants_held_equal(v, w) for w in fitting)
    ]


def _untyped_member(call: Call, variant: Call) -> bool:
    """Whether ``variant`` takes the ``Any`` member of a union operand of ``call`` (``identity
    = x``, then ``identity = self.downsample(x)`` of a field typed ``Module | None``): that
    path may be the one that fits (torchvision's strided shortcut beside a strided main
    path), and no checker knows which path runs, so the members that do not fit are not
    reported, as mypy reports nothing for an ``Any``."""
    return any(
        isinstance(get_proper_type(t), UnionType) and isinstance(get_proper_type(u), AnyType)
        for t, u in zip(call.operands, variant.operands, strict=False)
    )


def _one_path(variants: list[Call]) -> list[Call]:
    """Variants that all fit (an operand of unknown rank, from a ``Sequential(*layers)``,
    added to ``residual = x`` or ``self.downsample(x)``): where they differ only in sizes a
    branch's condition may hold equal (:func:`held_equal`), the one whose union member is not
    an argument of the function as it was given (the projection's, which must fit where the
    identity is not taken), so that the result is one tensor type, not a union no declared
    return type takes; else all."""
    if not all(_variants_held_equal(v, w) for v in variants for w in variants if v is not w):
        return variants
    made = [v for v in variants if not _has_argument_operand(v)]
    return made[:1] if len(made) == 1 else variants


def _has_argument_operand(variant: Call) -> bool:
    """Whether an operand of ``variant`` (of known shape) has an argument's sizes."""
    shapes_known = []
    for t in variant.operands[:2]:
        try:
            shapes_known.append(read_tensor(t).shape)
        except (Unknown, ValueError):
            continue
    return _is_argument(variant, tuple(shapes_known))


def _report_order(variant: Call) -> tuple[bool, bool, int]:
    """Where no member of a union operand fits, the order in which the variants are reported
    (the first is): those whose two tensor operands differ in sizes no branch's condition can
    hold equal (:func:`held_equal`), then those without an argument of the function as it was
    given (an identity path: ``x if self.proj is None else self.proj(x)``), then by how many
    axes differ. The identity member differs from the main path in its channels and its
    resolution, which the condition that chose it may hold equal; the projection's member is
    the one that must fit (built without its stride, or beside a main path without it)."""
    try:
        a, b = (read_tensor(t).shape for t in variant.operands[:2])
    except (Unknown, ValueError):
        return (True, True, 0)
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    pa = tuple(d if d != 1 else e for d, e in zip(pa, pb, strict=True))
    differ = sum(1 for d, e in zip(pa, pb, strict=True) if d != 1 and e != 1 and d != e)
    return (held_equal(pa, pb), _is_argument(variant, (a, b)), differ)


def _is_argument(variant: Call, operands: tuple[tuple[Dim, ...], ...]) -> bool:
    """Whether an operand has the sizes of an argument of the function being checked."""
    scope = getattr(variant.api, "scope", None)
    function = scope.current_function() if scope is not None else None
    signature = getattr(function, "type", None)
    if not isinstance(signature, CallableType):
        return False
    for t in signature.arg_types:
        try:
            if read_tensor(t).shape in operands:
                return True
        except (Unknown, ValueError):
            continue
    return False


def _fitting_sibling(fn: RuleFn, call: Call, variant: Call) -> Call | None:
    """For an operator whose left operand is a union (``h @ self.w``, ``h * scale``: mypy
    checks the operator once per member of the left operand, so the rule sees one), the
    call with another member of it that fits, where this member does not and may be that one
    (:func:`held_equal`, or any member where :func:`any_member_will_do`); else None."""
    context = call.context
    if not isinstance(context, OpExpr) or not variant.operands:
        return None
    try:
        left = get_proper_type(type_of(call.api)(context.left))
    except Exception:
        if DEBUG:
            raise
        return None
    if not isinstance(left, UnionType) or len(left.items) > 16:
        return None
    siblings = [
        dataclasses.replace(variant, operands=[m, *variant.operands[1:]]) for m in left.items
    ]
    if _fits(fn, variant):
        return None
    fitting = [v for v in siblings if v.operands[0] is not variant.operands[0] and _fits(fn, v)]
    if not fitting:
        return None
    if any_member_will_do(call):
        return fitting[0]
    return next((w for w in fitting if _variants_held_equal(variant, w)), None)


def _in_earlier_pass(call: Call) -> bool:
    """Whether the call is of a list's layer of several types, in the body of a loop that
    rebinds its input: mypy checks the body first with the value from before the loop only,
    which the layers after the first do not take (they take the values the loop makes, which
    the next pass gives as a union)."""
    context = call.context
    if not (isinstance(context, CallExpr) and _of_several_types(call, context.callee)):
        return False
    function = _function(call)
    if function is None:
        return False
    names = {e.name for e in context.args if isinstance(e, NameExpr)}
    for stmt in walk(function.body.body):
        if isinstance(stmt, ForStmt | WhileStmt) and _encloses(stmt, context):
            if names & _bound_in(stmt.body.body):
                return True
    return False


def _encloses(stmt: Statement, context: Context) -> bool:
    return stmt.line <= context.line <= (stmt.end_line or stmt.line)


def _fits(fn: RuleFn, variant: Call) -> bool:
    """Whether the rule types ``variant`` without a shape error (quietly: nothing reported)."""
    msg = getattr(variant.api, "msg", None)
    if not isinstance(msg, MessageBuilder):
        return True
    # as the signature hook runs it (``report``: a rule may recover from an error it leaves
    # to that hook), with what it reports filtered out
    trial = dataclasses.replace(variant, report=True, failures=None, syms=dict(variant.syms))
    with msg.filter_errors():
        try:
            fn(trial)
        except ShapeError:
            return False
        except Unknown:
            return True  # not known to fail: the rule's own run decides
        except Exception:
            if DEBUG:
                raise
            return True
    return True


def _variants_held_equal(v: Call, w: Call) -> bool:
    """Whether each operand of ``v`` is held equal (:func:`held_equal`) to ``w``'s."""
    pairs = list(zip(v.operands, w.operands, strict=False))
    pairs += [(t, w.named[k]) for k, t in v.named.items() if k in w.named]
    for a, b in pairs:
        if a is b:
            continue
        try:
            if not held_equal(read_tensor(a).shape, read_tensor(b).shape):
                return False
        except Unknown:
            return False
    return True


def held_equal(a: tuple[Dim, ...], b: tuple[Dim, ...]) -> bool:
    """Whether ``a``, a value of a branch that does not fit an op, may be ``b``, one of
    another branch that does, under the branches' conditions: the same rank, and on each axis
    the same size, a size of ``b`` not known (``a``'s own unknown size may be one made wrong,
    by a concatenation on the wrong axis), or two sizes of which one is a size name and the
    other a name or a literal (``CI`` and ``CO``: ``x if self.downsample is None else
    self.downsample(x)``), or a size and its strided size (``H`` and ``(H-1)//stride+1``: the
    shortcut is ``None`` where ``stride == 1``; :func:`shapes.grows_apart`, as for an op inside
    a branch), neither of which the other shape has on another axis (``(S, B, E)`` and ``(B,
    S, E)`` are axes in another order, not sizes a condition makes equal)."""
    if len(a) != len(b):
        return False
    return all(
        da == db
        or db is None
        or (
            (may_be_held_equal(da, db) or shapes.grows_apart(da, db))
            and da not in b
            and db not in a
        )
        for da, db in zip(a, b, strict=True)
    )


def may_be_held_equal(a: Dim, b: Dim) -> bool:
    """Whether a condition may hold ``a`` and ``b`` equal: two size names, or a name and a
    literal."""

    def named(d: Dim) -> bool:
        return isinstance(d, str) and d.isidentifier()

    return (named(a) and (named(b) or isinstance(b, int))) or (named(b) and isinstance(a, int))


def any_member_will_do(call: Call) -> bool:
    """Whether the op takes a union operand where one member fits: a call of a list's layer
    of several types (``self.layers[i](h)``: each layer takes the values the ones before it
    make), an op in the body of a loop over a list of at most one layer, or an op after a
    loop over layers on the name the loop rebinds."""
    context = call.context
    if isinstance(context, CallExpr) and _of_several_types(call, context.callee):
        return True
    function = _function(call)
    if function is None:
        return False
    line = context.line
    operands = _operand_names(call)
    for stmt in walk(function.body.body):
        if not isinstance(stmt, ForStmt | WhileStmt) or not _calls_listed_layer(stmt):
            continue
        inside = stmt.line <= line <= (stmt.end_line or stmt.line)
        if inside and isinstance(stmt, ForStmt) and _at_most_one_layer(call, stmt):
            return True
        end = stmt.end_line or stmt.line
        rebound = operands & _bound_in(stmt.body.body)
        if not inside and line > end and rebound - _bound_between(function, end, line):
            return True
    return False


def _bound_between(function: FuncItem, after: int, before: int) -> set[str]:
    """The names bound by statements of ``function`` on lines strictly between two lines
    (a name bound again after a loop holds a value made from the loop's, not the loop's)."""
    return {
        name
        for stmt in walk(function.body.body)
        if after < stmt.line < before
        for target in getattr(stmt, "lvalues", [])
        for name in target_names(target)
    }


def _operand_names(call: Call) -> set[str]:
    """The names the op's operands are read from (the receiver's too: ``h + y``, ``h.relu()``)."""
    exprs = [*call.operand_exprs, *call.named_exprs.values()]
    context = call.context
    if isinstance(context, OpExpr):
        exprs += [context.left, context.right]
    elif isinstance(context, CallExpr) and isinstance(context.callee, MemberExpr):
        exprs.append(context.callee.expr)
    return {e.name for e in exprs if isinstance(e, NameExpr)}


def _of_several_types(call: Call, callee: Expression) -> bool:
    """Whether ``callee`` is a union of module types (a list's layers of several sizes)."""
    try:
        t = get_proper_type(type_of(call.api)(callee))
    except Exception:
        if DEBUG:
            raise
        return False
    if not isinstance(t, UnionType):
        return False
    items = [get_proper_type(i) for i in t.items]
    return len(items) > 1 and all(isinstance(i, Instance) for i in items)


def _function(call: Call) -> FuncItem | None:
    scope = getattr(call.api, "scope", None)
    function = scope.current_function() if scope is not None else None
    return function if isinstance(function, FuncItem) else None


_CHILD_EXPRESSIONS = (
    "callee",
    "args",
    "left",
    "right",
    "expr",
    "items",
    "base",
    "index",
    "cond",
    "if_expr",
    "else_expr",
    "operands",
    "key",
    "value",
    "begin_index",
    "end_index",
    "stride",
    "left_expr",
    "sequences",
    "condlists",
)


def expressions_in(e: Expression) -> Iterator[Expression]:
    """``e`` and every expression nested in it (not in a lambda's body: another scope)."""
    yield e
    if isinstance(e, LambdaExpr):
        return
    for attr in _CHILD_EXPRESSIONS:
        child = getattr(e, attr, None)
        children = child if isinstance(child, list) else [child]
        for c in children:
            for item in c if isinstance(c, list) else [c]:
                if isinstance(item, Expression):
                    yield from expressions_in(item)


def statement_expressions(body: list[Statement]) -> Iterator[Expression]:
    """Every expression of the statements of ``body`` and of their nested blocks."""
    for stmt in walk(body):
        for attr in ("expr", "rvalue", "lvalues", "lvalue", "index", "target", "msg"):
            child = getattr(stmt, attr, None)
            for item in child if isinstance(child, list) else [child]:
                if isinstance(item, Expression):
                    yield from expressions_in(item)


def _calls_listed_layer(loop: ForStmt | WhileStmt) -> bool:
    """Whether the loop's body calls a layer taken from a list: an item of one
    (``self.layers[i](h)``) or the loop's variable (``for layer in self.layers``)."""
    own = set(target_names(loop.index)) if isinstance(loop, ForStmt) else set()
    callees = [e.callee for e in statement_expressions(loop.body.body) if isinstance(e, CallExpr)]
    return any(
        isinstance(c, IndexExpr) or (isinstance(c, NameExpr) and c.name in own) for c in callees
    )


def _bound_in(body: list[Statement]) -> set[str]:
    names: set[str] = set()
    for stmt in walk(body):
        for target in getattr(stmt, "lvalues", []):
            names.update(target_names(target))
    return names


def _at_most_one_layer(call: Call, loop: ForStmt) -> bool:
    """Whether the loop iterates over a list built with one layer (``ModuleList([layer])``,
    ``Sequential(layer)``): its body never sees the value it makes."""
    listed = _iterated(loop.expr)
    if not isinstance(listed, MemberExpr):
        return False
    value = field_value(call.api, listed)
    if not isinstance(value, CallExpr) or not isinstance(value.callee, NameExpr | MemberExpr):
        return False
    if value.callee.name == "Sequential":
        return len(value.args) <= 1
    if value.callee.name == "ModuleList" and len(value.args) == 1:
        items = value.args[0]
        return isinstance(items, ListExpr | TupleExpr) and len(items.items) <= 1
    return False


def _iterated(e: Expression) -> Expression:
    """The list a loop goes over: ``layers`` of ``enumerate(layers)``, ``zip(layers, ...)``,
    ``range(len(layers))``."""
    if isinstance(e, CallExpr) and isinstance(e.callee, NameExpr) and e.args:
        if e.callee.name in ("enumerate", "zip", "reversed"):
            return _iterated(e.args[0])
        if e.callee.name == "range" and len(e.args) == 1:
            inner = e.args[0]
            if isinstance(inner, CallExpr) and isinstance(inner.callee, NameExpr):
                if inner.callee.name == "len" and inner.args:
                    return _iterated(inner.args[0])
    return e
