"""The tensors a list held in a local name holds, read from where the list was made.

Inception-style code builds the list of a concatenation first: ``outputs = [branch1, branch2,
branch3, branch4]`` then ``dx.cat(outputs, axis=1)``. mypy types ``outputs`` as a list of the
*join* of the branches' types, which forgets every size that differs (``object`` or ``int``
on the channel axis, ``list[object]`` for tensors on two tapes). A concatenation or stack of
such a name reads the list where it was made instead: the ``name = value`` statement that
binds it last before the use (:func:`_origin.last_binding`), whose value is a list or tuple
display, a comprehension, another list, or a sum of these (``[x] + embs``), and the
``name.append(v)``, ``name.extend(vs)`` and ``name += vs`` between that statement and the use. A
starred item or another list stands for as many tensors of its element type as there are; an
append in the binding's own block adds one known tensor. An append in ``for`` loops whose
passes are counted (:mod:`_loop_counts`: ``range(4)``, a ``ModuleList`` built from a display or
a counted comprehension) adds one tensor per pass, and so does a comprehension over counted
iterables, where the value has one type on every pass (mypy widens a value whose type changes
from pass to pass to a union); one in another loop or a branch adds an unknown number of its
value's type (the size on the concatenated axis is then ``Dyn``, the other sizes still known
and checked). The use must come after the binding in the
binding's own block (not in another branch, nor in a loop the binding is not in). Any other
use of the name in between (passing it to a function, ``del``, an item assignment) or a nested
function or lambda in the function makes the list unreadable: the rule then reads the list's
type, as mypy joined it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mypy.nodes import (
    AssignmentStmt,
    CallExpr,
    Expression,
    ExpressionStmt,
    ForStmt,
    FuncItem,
    IndexExpr,
    LambdaExpr,
    ListComprehension,
    ListExpr,
    MemberExpr,
    NameExpr,
    OperatorAssignmentStmt,
    OpExpr,
    StarExpr,
    Statement,
    TupleExpr,
    Var,
    WhileStmt,
    WithStmt,
)
from mypy.plugin import CheckerPluginInterface, MethodSigContext
from mypy.subtypes import is_same_type
from mypy.types import (
    CallableType,
    FunctionLike,
    Instance,
    TupleType,
    Type,
    UnionType,
    get_proper_type,
)

from dfdx_mypy_plugin._factories import factory_items
from dfdx_mypy_plugin._joined_values import expressions_in, statement_expressions
from dfdx_mypy_plugin._locals import blocks
from dfdx_mypy_plugin._loop_counts import comprehension_count, loop_count
from dfdx_mypy_plugin._origin import last_binding
from dfdx_mypy_plugin._types import MODULE, is_tensor

_SEQUENCES = frozenset(
    {"builtins.list", "builtins.tuple", "typing.Sequence", "collections.abc.Sequence"}
)


@dataclass
class Listed:
    """The tensors' types, in order, and whether more of some of them (a number known only
    at run time) may be among them."""

    types: list[Type] = field(default_factory=list)
    unknown: bool = False
    places: list[Expression | None] = field(default_factory=list)
    """Where each tensor was put in the list (an item of the display, an ``append``'s
    argument), or None for the tensors of another list."""

    def add(self, other: Listed) -> None:
        self.types += other.types
        self.places += other.places
        self.unknown = self.unknown or other.unknown

    def put(self, t: Type, place: Expression | None) -> None:
        self.types.append(t)
        self.places.append(place)


def listed_items(api: CheckerPluginInterface, name: NameExpr) -> Listed | None:
    """The tensors the list held in ``name`` holds where it is used, or None where the list
    cannot be read from where it was made (the module docstring)."""
    function = _current_function(api)
    value = last_binding(api, name, extended=True)
    if function is None or value is None:
        return None
    binding = _binding_statement(function.body.body, value)
    if binding is None:
        return None
    made = _made(api, value)
    if made is None:
        return None
    changes = _changes(api, function.body.body, binding, name)
    if changes is None:
        return None
    made.add(changes)
    return made


def comprehension_items(api: CheckerPluginInterface, e: ListComprehension) -> Listed | None:
    """The tensors the comprehension ``e`` makes (given as it is to a concatenation): one per
    iteration where the iterations are counted, else its element type, in a number not
    known."""
    return _made(api, e)


def _current_function(api: CheckerPluginInterface) -> FuncItem | None:
    scope = getattr(api, "scope", None)
    function = scope.current_function() if scope is not None else None
    return function if isinstance(function, FuncItem) else None


def _made(api: CheckerPluginInterface, value: Expression) -> Listed | None:
    """The tensors of the list ``value`` makes."""
    if isinstance(value, ListExpr | TupleExpr):
        out = Listed()
        for item in value.items:
            built = factory_items(api, item.expr) if isinstance(item, StarExpr) else None
            if isinstance(item, StarExpr) and built is not None:
                out.add(Listed(list(built), False, [item.expr] * len(built)))
            elif isinstance(item, StarExpr):
                element = _element(api, item.expr)
                if element is None:
                    return None
                out.put(element, None)
                out.unknown = True
            else:
                t = _type(api, item)
                if t is None:
                    return None
                out.put(t, item)
        return out
    if isinstance(value, OpExpr) and value.op == "+":
        left = _made(api, value.left)
        right = _made(api, value.right)
        if left is None or right is None:
            return None
        left.add(right)
        return left
    if isinstance(value, ListComprehension):
        item = value.generator.left_expr
        t = _type(api, item)
        if t is None:
            return None
        count = comprehension_count(api, value) if _same_each_time(t) else None
        if count is not None:  # one tensor per iteration, each of this type
            return Listed([t] * count, False, [item] * count)
        return Listed([t], True, [item])
    if isinstance(value, CallExpr):
        built = factory_items(api, value)
        if built is not None:  # a helper's list of layers (``layers += block(64, 128)``)
            return Listed(list(built), False, [value] * len(built))
    element = _element(api, value)
    return Listed([element], True, [None]) if element is not None else None


def _type(api: CheckerPluginInterface, e: Expression) -> Type | None:
    """``e``'s type where mypy checked it last: a function generic over a constrained
    TypeVar (the tape ``T`` of ``NoneTape, OwnedTape``) is checked once per value, on copies
    of its body that share the positions of the original's expressions, and the expression
    checked last is the current value's."""
    maps = getattr(api, "_type_maps", None)
    if not isinstance(maps, list):
        return None
    where = (type(e), e.line, e.column, e.end_line, e.end_column)
    for m in reversed(maps):
        for checked in reversed(m):
            if (
                isinstance(checked, Expression)
                and (type(checked), checked.line, checked.column) == where[:3]
                and (checked.end_line, checked.end_column) == where[3:]
            ):
                t: Type = m[checked]
                return t
    return None


def _element(api: CheckerPluginInterface, e: Expression) -> Type | None:
    """The element type of ``e``'s list (tuple, sequence) type."""
    t = get_proper_type(_type(api, e))
    if isinstance(t, Instance) and t.type.fullname in _SEQUENCES and len(t.args) == 1:
        return t.args[0]
    if isinstance(t, TupleType) and t.items:
        return t.items[0] if len({str(i) for i in t.items}) == 1 else None
    return None


def _binding_statement(body: list[Statement], value: Expression) -> AssignmentStmt | None:
    for stmt in _in_order(body):
        if isinstance(stmt, AssignmentStmt) and _same_place(stmt.rvalue, value):
            return stmt
    return None


def _same_place(a: Expression, b: Expression) -> bool:
    return (a.line, a.column, a.end_line, a.end_column) == (
        b.line,
        b.column,
        b.end_line,
        b.end_column,
    )


def _in_order(body: list[Statement]) -> list[Statement]:
    out: list[Statement] = []
    for stmt in body:
        out.append(stmt)
        for block in blocks(stmt) if not _is_scope(stmt) else []:
            out += _in_order(block.body)
    return out


def _is_scope(stmt: Statement) -> bool:
    return bool(isinstance(stmt, FuncItem) or type(stmt).__name__ in ("Decorator", "ClassDef"))


def _position(e: Expression | Statement) -> tuple[int, int]:
    return (e.line, e.column)


def _changes(
    api: CheckerPluginInterface, body: list[Statement], binding: AssignmentStmt, use: NameExpr
) -> Listed | None:
    """What the ``append``/``extend`` calls on the name between ``binding`` and ``use`` add,
    or None where the name is used otherwise there (or the use is in a loop the binding is
    not in: a later iteration sees what the lines after the use add)."""
    end = (binding.end_line or binding.line, binding.end_column or 0)
    here = _position(use)
    for stmt in _in_order(body):
        if isinstance(stmt, ForStmt | WhileStmt) and _position(stmt) > end:
            if _position(stmt) < here <= (stmt.end_line or stmt.line, stmt.end_column or 1 << 30):
                return None
    if _has_nested_scope(body):
        return None
    added = Listed()
    block_of_binding = _block_holding(body, binding)
    if block_of_binding is None or not any(
        _position(s) > end and _holds(s, here) for s in block_of_binding
    ):
        return None  # the use is not after the binding in its block: another binding may reach it
    for stmt in _in_order(body):
        if _position(stmt) <= end or _position(stmt) >= here:
            continue
        change = _change(stmt, use.name)
        occurrences = _occurrences(stmt, use)
        if change is None:
            if occurrences:
                return None
            continue
        method, argument = change
        if occurrences != 1:
            return None
        in_line = block_of_binding is not None and any(s is stmt for s in block_of_binding)
        if method == "append":
            t = _type(api, argument)
            if t is None:
                return None
            times = 1 if in_line else _repeats(api, block_of_binding, stmt)
            if times is not None and _same_each_time(t):
                added.add(Listed([t] * times, False, [argument] * times))
            else:
                added.add(Listed([t], True, [argument]))
        else:
            more = _made(api, argument)
            if more is None:
                return None
            # a display's items, in the binding's block, are added once each
            more.unknown = (
                more.unknown
                or not in_line
                or (
                    not isinstance(argument, ListExpr | TupleExpr)
                    and not (isinstance(argument, CallExpr) and factory_items(api, argument))
                )
            )
            added.add(more)
    return added


def _same_each_time(t: Type) -> bool:
    """Whether a value checked in a loop has one type on every iteration: mypy checks a loop's
    body until its names' types settle, so a value whose type changes from one iteration to
    the next (a tensor pooled again each time) is a union of them."""
    return not isinstance(get_proper_type(t), UnionType)


def _repeats(api: CheckerPluginInterface, block: list[Statement], stmt: Statement) -> int | None:
    """How many times ``stmt``, nested in ``block``, runs each time ``block`` does: the
    product of the counts of the ``for`` loops around it (:func:`loop_count`), through
    ``with`` blocks; None where a loop is not counted or a branch (``if``, ``while``, ``try``)
    decides."""
    times = 1
    current = block
    while not any(s is stmt for s in current):
        holder = next((s for s in current if _nests(s, stmt)), None)
        if isinstance(holder, ForStmt) and _block_holding(holder.body.body, stmt) is not None:
            count = loop_count(api, holder)
            if count is None:
                return None
            times *= count
            current = holder.body.body
        elif isinstance(holder, WithStmt):
            current = holder.body.body
        else:
            return None
    return times


def _nests(holder: Statement, stmt: Statement) -> bool:
    return not _is_scope(holder) and any(
        _block_holding(b.body, stmt) is not None for b in blocks(holder)
    )


def _change(stmt: Statement, name: str) -> tuple[str, Expression] | None:
    """``(method, argument)`` where ``stmt`` is ``name.append(v)``, ``name.extend(vs)`` or
    ``name += vs`` (an ``extend``)."""
    if (
        isinstance(stmt, OperatorAssignmentStmt)
        and stmt.op == "+"
        and isinstance(stmt.lvalue, NameExpr)
        and stmt.lvalue.name == name
    ):
        return "extend", stmt.rvalue
    if not isinstance(stmt, ExpressionStmt) or not isinstance(stmt.expr, CallExpr):
        return None
    call = stmt.expr
    callee = call.callee
    if (
        isinstance(callee, MemberExpr)
        and isinstance(callee.expr, NameExpr)
        and callee.expr.name == name
        and callee.name in ("append", "extend")
        and len(call.args) == 1
        and call.arg_names == [None]
        and not isinstance(call.args[0], StarExpr)
    ):
        return callee.name, call.args[0]
    return None


def _occurrences(stmt: Statement, use: NameExpr) -> int:
    """How many times ``stmt`` itself (not its nested blocks) reads or binds the name, other
    than at ``use`` and in reads that cannot change the list (``len(name)``, ``name[i]``, a
    loop over it)."""
    own = _own_expressions(stmt)
    harmless = {id(e) for e in _reads(stmt, own)}
    return sum(
        1
        for e in own
        if isinstance(e, NameExpr)
        and e.name == use.name
        and _position(e) != _position(use)
        and id(e) not in harmless
    )


def _reads(stmt: Statement, own: list[Expression]) -> list[Expression]:
    """The expressions among ``own`` that only read a list."""
    out: list[Expression] = []
    if isinstance(stmt, ForStmt):
        out.append(stmt.expr)
    targets = {id(t) for t in getattr(stmt, "lvalues", [])}
    for e in own:
        if isinstance(e, CallExpr) and isinstance(e.callee, NameExpr):
            if e.callee.name in _READING_FUNCTIONS:
                out += e.args
        elif isinstance(e, IndexExpr) and id(e) not in targets:
            out.append(e.base)
    return out


_READING_FUNCTIONS = frozenset({"len", "reveal_type", "print", "enumerate", "zip", "reversed"})


def _own_expressions(stmt: Statement) -> list[Expression]:
    out: list[Expression] = []
    for attr in ("expr", "rvalue", "lvalues", "lvalue", "index", "target", "msg"):
        child = getattr(stmt, attr, None)
        for item in child if isinstance(child, list) else [child]:
            if isinstance(item, Expression):
                out += expressions_in(item)
    return out


def _has_nested_scope(body: list[Statement]) -> bool:
    """Whether the function holds a lambda or a nested function or class (which may change
    the list where this does not look)."""
    for stmt in _in_order(body):
        if _is_scope(stmt):
            return True  # a nested function or class: not followed
    for e in statement_expressions(body):
        if isinstance(e, LambdaExpr):
            return True
    return False


def _block_holding(body: list[Statement], stmt: Statement) -> list[Statement] | None:
    if any(s is stmt for s in body):
        return body
    for s in body:
        for block in blocks(s) if not _is_scope(s) else []:
            found = _block_holding(block.body, stmt)
            if found is not None:
                return found
    return None


def _holds(stmt: Statement, here: tuple[int, int]) -> bool:
    """Whether the statement spans the position."""
    start = _position(stmt)
    stop = (stmt.end_line or stmt.line, stmt.end_column if stmt.end_column is not None else 1 << 30)
    return start <= here <= stop


def tensor_appended(ctx: MethodSigContext) -> FunctionLike:
    """``out.append(t)`` (or ``insert``) on a list of tensors whose type mypy inferred from
    its first items (``out = [x]``, PSPNet's and DenseNet's idiom): the tensor is taken
    whatever its sizes, since the list's items differ by design and a concatenation or stack
    of the list reads them where they were put (see the module's docstring). A list whose
    type is declared (``feats: list[Tensor[B, D]] = []``) is checked as declared."""
    sig = ctx.default_signature
    context = ctx.context
    if not (
        isinstance(sig, CallableType)
        and isinstance(context, CallExpr)
        and isinstance(context.callee, MemberExpr)
        and _inferred(context.callee.expr)
    ):
        return sig
    receiver = get_proper_type(ctx.type)
    if not (isinstance(receiver, Instance) and receiver.args):
        return sig
    item = receiver.args[0]
    if is_tensor(item):
        takes = _tensors
    elif _layer_of_sizes(item):
        takes = _same_layer  # ``layers = [Linear(32, 64)]``, then ``Linear(64, 128)``
    else:
        return sig
    arg_types = list(sig.arg_types)
    for i, exprs in enumerate(ctx.args[: len(arg_types)]):
        if len(exprs) == 1 and is_same_type(arg_types[i], item):
            given = ctx.api.get_expression_type(exprs[0])
            if takes(given, item):
                arg_types[i] = given
    return sig.copy_modified(arg_types=arg_types)


def _layer_of_sizes(t: Type) -> bool:
    """Whether ``t`` is a module of type arguments (``Linear[L[32], L[64]]``, a user's
    ``Block[L[16], L[32]]``): the sizes the plugin gave the list's first item."""
    p = get_proper_type(t)
    return isinstance(p, Instance) and bool(p.args) and p.type.has_base(MODULE)


def _same_layer(t: Type, item: Type | None = None) -> bool:
    p, q = get_proper_type(t), get_proper_type(item)
    return isinstance(p, Instance) and isinstance(q, Instance) and p.type == q.type


def _tensors(t: Type, item: Type | None = None) -> bool:
    """Whether ``t`` is a tensor, or a union of tensors (a name a loop rebinds to smaller maps
    each pass: ``x = self.pool(x)`` then ``outs.append(x)``)."""
    p = get_proper_type(t)
    if isinstance(p, UnionType):
        return all(is_tensor(item) for item in p.items)
    return is_tensor(p)


def _inferred(e: Expression) -> bool:
    """Whether ``e`` names a variable or attribute whose type mypy inferred (no annotation)."""
    node = e.node if isinstance(e, NameExpr | MemberExpr) else None
    return isinstance(node, Var) and node.is_inferred
