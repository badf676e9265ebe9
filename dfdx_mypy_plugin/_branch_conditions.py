"""Whether the condition of a branch may hold two of a module's sizes equal.

An op in a branch of an ``if`` (or of a conditional expression) is given the benefit of its
condition where that condition may hold two sizes equal, which no checker reads: torchvision's
``if self.use_res_connect: result = result + x``, the field set from ``stride == 1 and
in_channels == out_channels`` (``rules/binary.py``). A condition that has nothing to do with
sizes holds none equal, and a mistake in its branch is one like any other: ``if
self.training:``, ``if mask is not None:`` (a tensor argument), ``if i == len(self.layers) -
1:`` (a loop index), ``if self.normalize_before:`` (a ``bool`` argument kept in a field).

The condition is followed to where its names come from: a parameter of the method, a local
name's assignments in it, a field's assignments in the methods of its class (in the file being
checked), with the conditions of the ``if`` statements around each assignment. What cannot be
followed may hold sizes equal.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import IntEnum

from mypy.nodes import (
    AssignmentStmt,
    Block,
    BreakStmt,
    CallExpr,
    ClassDef,
    ComparisonExpr,
    ConditionalExpr,
    Context,
    ContinueStmt,
    Decorator,
    Expression,
    FloatExpr,
    ForStmt,
    FuncBase,
    FuncItem,
    IfStmt,
    IndexExpr,
    IntExpr,
    MemberExpr,
    NameExpr,
    OpExpr,
    RaiseStmt,
    ReturnStmt,
    Statement,
    StrExpr,
    TupleExpr,
    TypeInfo,
    UnaryExpr,
    Var,
)
from mypy.plugin import CheckerPluginInterface
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    LiteralType,
    NoneType,
    Type,
    TypeVarType,
    UnionType,
    get_proper_type,
)

from dfdx_mypy_plugin._joined_values import statement_expressions
from dfdx_mypy_plugin._locals import blocks
from dfdx_mypy_plugin._types import TENSOR
from dfdx_mypy_plugin._where import _methods, walk


class Holds(IntEnum):
    """What a condition may hold equal, from least to most."""

    NOTHING = 0
    """No size: ``self.training``, a loop index, a tensor argument tested for ``None``."""
    FLAGS = 1
    """The caller's choice, through a ``bool`` or ``str`` argument (``stype == "normal"``):
    it holds no two sizes equal, but the caller may give it together with an ``int`` stride
    of 1 (Res2Net's ``normal`` branch, built only with stride 1)."""
    SIZES = 2
    """Two sizes, or a size and a literal: a comparison of sizes, strides, channel counts,
    ``x.shape[...]``, directly or through names set from one, or what cannot be followed."""


def branch_holds(api: CheckerPluginInterface, context: Context) -> Holds | None:
    """What the conditions of the branches around ``context`` in the function being checked
    may hold equal (the most any of them may); None where ``context`` is in no branch."""
    scope = getattr(api, "scope", None)
    function = scope.current_function() if scope is not None else None
    if not isinstance(function, FuncItem):
        return None
    info = scope.enclosing_class() if scope is not None else None
    conditions = [
        *_if_conditions(function.body.body, context.line),
        *_conditional_expression_conditions(function, context),
    ]
    if not conditions:
        return None
    reader = _Reader(api, info)
    return max(reader.holds(c, function) for c in conditions)


def _if_conditions(body: list[Statement], line: int) -> list[Expression]:
    """The tests of the ``if`` statements of ``body`` with a branch holding ``line``."""
    return [e for stmt, _ in branches_at(body, line) for e in stmt.expr]


def branches_at(body: list[Statement], line: int) -> list[tuple[IfStmt, bool]]:
    """The ``if`` statements of ``body`` with a branch holding ``line``, outermost first, and
    whether that is the ``if``'s own branch (True) or its ``else`` (False). The statements
    after an ``if`` whose branches all leave (``if self.proj is not None: return out +
    self.proj(x)``, then ``return out + x``) are its ``else``."""
    found: list[tuple[IfStmt, bool]] = []
    for k, stmt in enumerate(body):
        if isinstance(stmt, IfStmt):
            for block in stmt.body:
                if _holds_line(block, line):
                    found.append((stmt, True))
                    found.extend(branches_at(block.body, line))
            if stmt.else_body is not None and _holds_line(stmt.else_body, line):
                found.append((stmt, False))
                found.extend(branches_at(stmt.else_body.body, line))
            if stmt.else_body is None and all(_leaves(b) for b in stmt.body):
                if _holds_line(Block(body[k + 1 :]), line):
                    found.append((stmt, False))
        elif not isinstance(stmt, FuncBase | ClassDef | Decorator):
            for block in blocks(stmt):
                if _holds_line(block, line):
                    found.extend(branches_at(block.body, line))
    return found


def _leaves(block: Block) -> bool:
    """Whether ``block`` ends by leaving the statements after it (a ``return``, a
    ``raise``, a ``continue`` or a ``break``)."""
    return bool(block.body) and isinstance(
        block.body[-1], ReturnStmt | RaiseStmt | ContinueStmt | BreakStmt
    )


def _holds_line(block: Block, line: int) -> bool:
    if not block.body:
        return False
    last = block.body[-1]
    return block.body[0].line <= line <= (last.end_line or last.line)


def _conditional_expression_conditions(function: FuncBase, context: Context) -> list[Expression]:
    """The conditions of the conditional expressions of ``function`` with a branch holding
    ``context``."""
    if not isinstance(function, FuncItem):
        return []
    at = (context.line, context.column)
    return [
        e.cond
        for e in statement_expressions(function.body.body)
        if isinstance(e, ConditionalExpr)
        and any(_spans(branch, at) for branch in (e.if_expr, e.else_expr))
    ]


def _spans(e: Expression, at: tuple[int, int]) -> bool:
    return (
        (e.line, e.column) <= at
        and e.end_line is not None
        and e.end_column is not None
        and at < (e.end_line, e.end_column)
    )


class _Kind(IntEnum):
    """What a value's type says of it, from least to most size-like."""

    TENSOR = 0
    VALUE = 1  # a str, a float, an enum member, None
    FLAG = 2  # a bool
    SIZE = 3  # an int, a size TypeVar
    UNKNOWN = 4  # Any, a module, anything else


def _kind(t: Type | None) -> _Kind:
    p = get_proper_type(t)
    if p is None or isinstance(p, AnyType):
        return _Kind.UNKNOWN
    if isinstance(p, NoneType):
        return _Kind.VALUE
    if isinstance(p, LiteralType):
        return _kind(p.fallback)
    if isinstance(p, TypeVarType):
        return _kind(p.upper_bound)
    if isinstance(p, UnionType):
        kinds = [_kind(i) for i in p.items if not isinstance(get_proper_type(i), NoneType)]
        return max(kinds, default=_Kind.VALUE)
    if isinstance(p, Instance):
        name = p.type.fullname
        if name == TENSOR:
            return _Kind.TENSOR
        if name == "builtins.bool":
            return _Kind.FLAG
        if name == "builtins.int":
            return _Kind.SIZE
        if name in ("builtins.str", "builtins.float", "builtins.bytes") or p.type.is_enum:
            return _Kind.VALUE
    return _Kind.UNKNOWN


def _chosen(kind: _Kind) -> Holds:
    """What a value of ``kind`` that cannot be followed further may hold equal: a ``bool``, a
    ``str`` is the caller's choice; an ``int`` or what is not known may be a size."""
    return Holds.FLAGS if kind <= _Kind.FLAG else Holds.SIZES


def _present(kind: _Kind) -> Holds:
    """What a ``None`` test of a value of ``kind`` that cannot be followed may hold equal: a
    tensor (``mask``) holds nothing; an optional size, or a layer the caller builds where
    two sizes differ (``downsample``), may."""
    return Holds.NOTHING if kind == _Kind.TENSOR else _chosen(kind)


def _is_none(e: Expression) -> bool:
    return isinstance(e, NameExpr) and e.fullname == "builtins.None"


def _self_field(e: Expression) -> str | None:
    if isinstance(e, MemberExpr) and isinstance(e.expr, NameExpr) and e.expr.name == "self":
        return e.name
    return None


def _guarded(
    body: list[Statement], tests: list[Expression]
) -> Iterator[tuple[Statement, list[Expression]]]:
    """Each statement of ``body`` and of the blocks nested in it (not in nested functions or
    classes), with the tests of the ``if`` statements around it."""
    for stmt in body:
        yield stmt, tests
        if isinstance(stmt, IfStmt):
            for i, block in enumerate(stmt.body):
                yield from _guarded(block.body, [*tests, *stmt.expr[: i + 1]])
            if stmt.else_body is not None:
                yield from _guarded(stmt.else_body.body, [*tests, *stmt.expr])
        elif not isinstance(stmt, FuncBase | ClassDef | Decorator):
            for block in blocks(stmt):
                yield from _guarded(block.body, tests)


class _Reader:
    """Follows a condition's names back through one class's methods."""

    def __init__(self, api: CheckerPluginInterface, info: TypeInfo | None) -> None:
        self.api = api
        self.info = info
        self.seen: set[tuple[int, str]] = set()

    # ---- a condition's value ------------------------------------------------------------

    def holds(self, e: Expression, where: FuncItem) -> Holds:
        """What the value of ``e``, an expression of the method ``where``, may hold equal."""
        if isinstance(e, IntExpr | StrExpr | FloatExpr) or _is_none(e):
            return Holds.NOTHING
        if isinstance(e, NameExpr) and e.fullname in ("builtins.True", "builtins.False"):
            return Holds.NOTHING
        if isinstance(e, UnaryExpr):
            return self.holds(e.expr, where)
        if isinstance(e, OpExpr) and e.op in ("and", "or"):
            return max(self.holds(e.left, where), self.holds(e.right, where))
        if isinstance(e, ConditionalExpr):
            return max(self.holds(x, where) for x in (e.cond, e.if_expr, e.else_expr))
        if isinstance(e, ComparisonExpr):
            return self._compared(e, where)
        if isinstance(e, NameExpr):
            return self._name(e, where)
        if _self_field(e) == "training":
            return Holds.NOTHING  # Module.training: train or eval, never a size
        if isinstance(e, MemberExpr) and _self_field(e) is not None:
            return self._field(e.name, where)
        if isinstance(e, MemberExpr | IndexExpr):
            return _chosen(self._kind(e, where))  # a config's attribute, a list's item
        return Holds.SIZES  # a call, arithmetic: not followed

    def _compared(self, e: ComparisonExpr, where: FuncItem) -> Holds:
        operands = e.operands
        if all(op in ("is", "is not", "==", "!=") for op in e.operators) and len(operands) == 2:
            left, right = operands
            if _is_none(right):
                return self.presence(left, where)
            if _is_none(left):
                return self.presence(right, where)
        if any(self._is_index(o, where) for o in operands):
            return Holds.NOTHING  # a loop's position: ``i == len(self.layers) - 1``
        kinds = [self._kind(o, where) for o in operands]
        if any(k >= _Kind.SIZE for k in kinds):
            return Holds.SIZES
        followed = [self.holds(o, where) for o in operands if isinstance(o, NameExpr | MemberExpr)]
        return max([Holds.FLAGS, *followed])

    def _name(self, e: NameExpr, where: FuncItem) -> Holds:
        if e.name in where.arg_names:
            return _chosen(self._kind(e, where))
        if self._is_index(e, where):
            return Holds.NOTHING
        key = (id(where), e.name)
        if key in self.seen:
            return Holds.NOTHING
        self.seen.add(key)
        found = [
            (stmt, tests)
            for stmt, tests in _guarded(where.body.body, [])
            if isinstance(stmt, AssignmentStmt)
            and any(isinstance(lv, NameExpr) and lv.name == e.name for lv in stmt.lvalues)
        ]
        if not found:
            return _chosen(self._kind(e, where))
        return max(
            max([self.holds(stmt.rvalue, where), *(self.holds(t, where) for t in tests)])
            for stmt, tests in found
        )

    def _field(self, name: str, where: FuncItem) -> Holds:
        found = self._field_assignments(name)
        if found is None:
            return _chosen(_kind(self._field_type(name)))
        key = (0, name)
        if key in self.seen:
            return Holds.NOTHING
        self.seen.add(key)
        return max(
            [
                Holds.NOTHING,
                *(
                    max([self.holds(value, method), *(self.holds(t, method) for t in tests)])
                    for value, method, tests in found
                ),
            ]
        )

    # ---- whether a value is None ------------------------------------------------------

    def presence(self, e: Expression, where: FuncItem) -> Holds:
        """What the test of ``e`` against ``None`` may hold equal: a layer the caller gives
        (``downsample``) or a block builds under a condition of sizes, an optional size, may
        be there just where two sizes differ; a tensor argument (``mask``) holds nothing."""
        if isinstance(e, NameExpr) and e.name in where.arg_names:
            return _present(self._kind(e, where))
        if isinstance(e, NameExpr):
            key = (id(where), "?" + e.name)
            if key in self.seen:
                return Holds.NOTHING
            self.seen.add(key)
            found = [
                (stmt.rvalue, where, tests)
                for stmt, tests in _guarded(where.body.body, [])
                if isinstance(stmt, AssignmentStmt)
                and any(isinstance(lv, NameExpr) and lv.name == e.name for lv in stmt.lvalues)
            ]
            if not found:
                return _present(self._kind(e, where))
            return self._assigned_presence(found)
        name = _self_field(e)
        if name is not None:
            fields = self._field_assignments(name)
            if fields is None:
                return _present(_kind(self._field_type(name)))
            key = (0, "?" + name)
            if key in self.seen:
                return Holds.NOTHING
            self.seen.add(key)
            return self._assigned_presence(fields)
        return _present(self._kind(e, where))

    def _assigned_presence(
        self, found: list[tuple[Expression, FuncItem, list[Expression]]]
    ) -> Holds:
        out = Holds.NOTHING
        for value, method, tests in found:
            out = max([out, *(self.holds(t, method) for t in tests)])
            if isinstance(value, ConditionalExpr) and (
                _is_none(value.if_expr) or _is_none(value.else_expr)
            ):
                out = max(out, self.holds(value.cond, method))
            elif isinstance(value, NameExpr | MemberExpr) and not _is_none(value):
                out = max(out, self.presence(value, method))
        return out

    # ---- where names come from --------------------------------------------------------

    def _field_assignments(
        self, name: str
    ) -> list[tuple[Expression, FuncItem, list[Expression]]] | None:
        """Each value assigned to ``self.<name>`` in the methods of the class that defines
        it, with the method and the tests around the assignment; None where that class is
        not known or is in another file."""
        owner = self._owner(name)
        if owner is None:
            return None
        found: list[tuple[Expression, FuncItem, list[Expression]]] = []
        for method in _methods(owner):
            for stmt, tests in _guarded(method.body.body, []):
                if isinstance(stmt, AssignmentStmt) and any(
                    _self_field(lv) == name for lv in stmt.lvalues
                ):
                    found.append((stmt.rvalue, method, tests))
        return found or None

    def _owner(self, name: str) -> TypeInfo | None:
        if self.info is None:
            return None
        tree = getattr(self.api, "tree", None)
        module = getattr(tree, "fullname", None)
        for info in self.info.mro:
            if name in info.names or any(
                _self_field(lv) == name
                for method in _methods(info)
                for stmt in walk(method.body.body)
                if isinstance(stmt, AssignmentStmt)
                for lv in stmt.lvalues
            ):
                return info if info.module_name == module else None
        return None

    def _field_type(self, name: str) -> Type | None:
        if self.info is None:
            return None
        node = self.info.get(name)
        return _var_type(node.node if node is not None else None)

    def _kind(self, e: Expression, where: FuncItem) -> _Kind:
        if isinstance(e, IntExpr):
            return _Kind.SIZE
        if isinstance(e, StrExpr | FloatExpr) or _is_none(e):
            return _Kind.VALUE
        return _kind(self._type(e, where))

    def _type(self, e: Expression, where: FuncItem) -> Type | None:
        """``e``'s type, an expression of the method ``where``: a parameter's declared type,
        a field's, an attribute's of a value of known class, or what mypy has typed already
        (``where`` may be another method than the one being checked)."""
        signature = where.type
        if isinstance(e, NameExpr) and isinstance(signature, CallableType):
            if e.name in signature.arg_names:
                return signature.arg_types[signature.arg_names.index(e.name)]
        name = _self_field(e)
        if name is not None:
            return self._field_type(name)
        if isinstance(e, MemberExpr):
            owner = get_proper_type(self._type(e.expr, where))
            if isinstance(owner, Instance):
                node = owner.type.get(e.name)
                t = _var_type(node.node if node is not None else None)
                if t is not None:
                    return t
        lookup = getattr(self.api, "lookup_type_or_none", None)
        found = lookup(e) if lookup is not None else None
        if isinstance(found, Type):
            return found
        return _var_type(e.node) if isinstance(e, NameExpr) else None

    def _is_index(self, e: Expression, where: FuncItem) -> bool:
        """Whether ``e`` counts a loop's passes: the index of ``for i in range(...)``, the
        position of ``for i, x in enumerate(...)``, or arithmetic of one with numbers."""
        if isinstance(e, OpExpr) and e.op in ("+", "-", "*", "//", "%"):
            parts = (e.left, e.right)
            return any(self._is_index(p, where) for p in parts) and all(
                isinstance(p, IntExpr) or self._is_index(p, where) for p in parts
            )
        if not isinstance(e, NameExpr) or e.name in where.arg_names:
            return False
        for stmt in walk(where.body.body):
            if not isinstance(stmt, ForStmt) or not isinstance(stmt.expr, CallExpr):
                continue
            callee = stmt.expr.callee
            iterated = callee.fullname if isinstance(callee, NameExpr) else None
            if iterated == "builtins.range" and _binds(stmt.index, e.name):
                return True
            if (
                iterated == "builtins.enumerate"
                and isinstance(stmt.index, TupleExpr)
                and stmt.index.items
                and _binds(stmt.index.items[0], e.name)
            ):
                return True
        return False


def _var_type(node: object) -> Type | None:
    return node.type if isinstance(node, Var) else None


def _binds(target: Expression, name: str) -> bool:
    return isinstance(target, NameExpr) and target.name == name
