"""Plain Python values the per-instance evaluator (:mod:`dfdx_mypy_plugin._instances`) reads
besides numbers: where a name's value comes from, words, ``isinstance`` (docs/modules.md,
"Sizes computed in ``__init__``").

Ports keep their configuration in plain Python: a module-level list that a builder walks
(``CFG = [64, "M", 128, "M"]``, ``ARCH = [(7, 64, 2, 3), "M", ...]``), constants
(``LRELU_SLOPE = 0.1``), sizes bound in ``main`` and passed on (``backcast, horizon = 20, 5``
then ``NBeats(backcast, horizon)``), and tests on the items (``if v == "M"``,
``isinstance(x, tuple)``). mypy types these as ``list[int | str]`` or ``int``, which keep no
values, so the evaluator reads the expression the name is bound to instead:

- a module-level name bound once, at the module's top level, and never changed in place
  (no ``global`` of it, no ``CFG.append(...)``, ``CFG[0] = ...``, ``CFG += ...``);
- a local name of the function being checked bound once by a plain assignment at the top
  level of its body (:func:`dfdx_mypy_plugin._locals.definitions`), and not changed in place.

Anything else is not known: never a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mypy.nodes import (
    GDEF,
    AssignmentStmt,
    CallExpr,
    ClassDef,
    Decorator,
    DelStmt,
    Expression,
    FuncDef,
    FuncItem,
    GlobalDecl,
    IndexExpr,
    ListExpr,
    MemberExpr,
    MypyFile,
    NameExpr,
    NonlocalDecl,
    OperatorAssignmentStmt,
    RefExpr,
    Statement,
    TempNode,
    TupleExpr,
    TypeInfo,
    Var,
)
from mypy.plugin import CheckerPluginInterface
from mypy.traverser import all_name_and_member_expressions

from dfdx_mypy_plugin._locals import blocks, count_bindings, definitions
from dfdx_mypy_plugin._reused_names import _expressions


@dataclass(frozen=True)
class Word:
    """A string value (``padding="same"``, a config list's ``"M"``), apart from a symbolic
    size (which the evaluator holds as ``str``)."""

    text: str


class NotKnown(Exception):
    """A value this module does not decide."""


# ---- where a name's value comes from ------------------------------------------------------


def bound_value(api: CheckerPluginInterface, e: NameExpr) -> Expression | None:
    """The expression ``e`` is bound to, where that is its value wherever it is read: a
    module's constant, or a local bound once in the function being checked; else None."""
    if e.kind == GDEF:
        return module_constant(api, e)
    value = definitions(api)(e)
    if value is None:
        return None
    tree = getattr(api, "tree", None)
    scope = getattr(api, "scope", None)
    function = scope.current_function() if scope is not None else None
    body = function if isinstance(function, FuncItem) else tree
    if not isinstance(body, MypyFile | FuncItem) or e.name in _changed_in_place(body):
        return None
    return value


def module_constant(api: CheckerPluginInterface, e: RefExpr) -> Expression | None:
    """The expression a module-level name is bound to, where it is bound once at its
    module's top level and never changed in place (the module docstring)."""
    if e.kind != GDEF or not isinstance(e.node, Var):
        return None
    module, _, name = e.node.fullname.rpartition(".")
    modules = getattr(api, "modules", None)
    tree = modules.get(module) if isinstance(modules, dict) else None
    if not isinstance(tree, MypyFile):
        return None
    return _constants(tree).get(name)


_CONSTANTS: dict[str, tuple[MypyFile, dict[str, Expression]]] = {}


def _constants(tree: MypyFile) -> dict[str, Expression]:
    cached = _CONSTANTS.get(tree.fullname)
    if cached is not None and cached[0] is tree:
        return cached[1]
    top: dict[str, int] = {}
    count_bindings([s for s in tree.defs if not _defines(s)], top)
    changed = _changed_in_place(tree)
    found: dict[str, Expression] = {}
    for stmt in tree.defs:
        if isinstance(stmt, AssignmentStmt) and len(stmt.lvalues) == 1:
            target = stmt.lvalues[0]
            if isinstance(target, NameExpr) and top.get(target.name) == 1:
                if target.name not in changed:
                    found[target.name] = stmt.rvalue
    _CONSTANTS[tree.fullname] = (tree, found)
    return found


def _defines(stmt: object) -> bool:
    return isinstance(stmt, FuncDef | Decorator | ClassDef)


_MUTATORS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "pop",
        "remove",
        "clear",
        "sort",
        "reverse",
        "update",
        "setdefault",
        "popitem",
        "__setitem__",
        "__delitem__",
        "__iadd__",
    }
)


def _in_place(statements: list[Statement], names: set[str]) -> None:
    """The names changed in place among ``statements`` and every block nested in them,
    nested functions' and classes' too (``cfg.append(...)``, ``cfg[0] = 1``, ``cfg += [...]``,
    ``del cfg[0]``, ``global cfg``), by name: a local of the same name counts too."""
    for stmt in statements:
        targets: list[Expression] = []
        if isinstance(stmt, AssignmentStmt):
            targets = [t for t in stmt.lvalues if not isinstance(t, NameExpr)]
        elif isinstance(stmt, OperatorAssignmentStmt):
            targets = [stmt.lvalue]  # ``+=`` extends a list in place
            if isinstance(stmt.lvalue, NameExpr):
                names.add(stmt.lvalue.name)
        elif isinstance(stmt, DelStmt):
            targets = [stmt.expr]
        elif isinstance(stmt, GlobalDecl | NonlocalDecl):
            names.update(stmt.names)
        for target in targets:
            _changed_target(target, names)
        for expression in _expressions(stmt):
            _, members = all_name_and_member_expressions(expression)
            for member in members:
                if member.name in _MUTATORS:
                    owner = _owner(member.expr)
                    if owner is not None:
                        names.add(owner)
        for block in blocks(stmt):
            _in_place(block.body, names)


def _owner(e: Expression) -> str | None:
    while isinstance(e, IndexExpr | MemberExpr):
        e = e.base if isinstance(e, IndexExpr) else e.expr
    return e.name if isinstance(e, NameExpr) else None


def _changed_target(e: Expression, names: set[str]) -> None:
    if isinstance(e, TupleExpr | ListExpr):
        for item in e.items:
            _changed_target(item, names)
    elif isinstance(e, IndexExpr | MemberExpr):
        owner = _owner(e)
        if owner is not None:
            names.add(owner)


_CHANGED: dict[int, tuple[MypyFile | FuncItem, set[str]]] = {}


def _changed_in_place(node: MypyFile | FuncItem) -> set[str]:
    cached = _CHANGED.get(id(node))
    if cached is not None and cached[0] is node:
        return cached[1]
    names: set[str] = set()
    if isinstance(node, MypyFile):
        _in_place(node.defs, names)
    elif isinstance(node, FuncItem):
        _in_place(node.body.body, names)
    _CHANGED[id(node)] = (node, names)
    return names


# ---- words and types --------------------------------------------------------------------------


def words_compared(op: str, a: object, b: object) -> bool:
    """``v == "M"``, ``kind != "down"``, ``v in ("M", "A")`` where a word takes part: Python's
    answer for words, numbers, booleans, ``None`` and tuples or lists of them;
    :class:`NotKnown` for anything else (a symbolic size, a layer)."""
    if op in ("==", "!="):
        if not (_plain(a) and _plain(b)):
            raise NotKnown
        return (_equal(a, b)) == (op == "==")
    if op in ("in", "not in") and isinstance(a, Word) and isinstance(b, Word):
        return (a.text in b.text) == (op == "in")  # ``"down" in kind``
    if op in ("in", "not in") and isinstance(b, tuple | list):
        if not (_plain(a) and all(_plain(i) for i in b)):
            raise NotKnown
        return any(_equal(a, i) for i in b) == (op == "in")
    raise NotKnown


def _equal(a: object, b: object) -> bool:
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(_equal(x, y) for x, y in zip(a, b, strict=True))
        )
    return type(a) is type(b) and a == b if isinstance(a, Word) or isinstance(b, Word) else a == b


def _plain(v: object) -> bool:
    if isinstance(v, tuple | list):
        return all(_plain(i) for i in v)
    return v is None or isinstance(v, bool | int | float | Word)


_TYPES: dict[str, tuple[type, ...]] = {
    "builtins.int": (int,),
    "builtins.float": (float,),
    "builtins.bool": (bool,),
    "builtins.str": (Word,),
    "builtins.tuple": (tuple,),
    "builtins.list": (list,),
}


def instance_of(value: object, classinfo: Expression) -> bool:
    """``isinstance(value, classinfo)`` where ``classinfo`` names builtin types (``int``,
    ``str``, ``tuple``, ``list``, ``float``, ``bool``, or a tuple of them) and ``value`` is a
    plain value (a number, word, ``None``, tuple or list): Python's answer; else
    :class:`NotKnown`. ``True`` is not taken as an ``int``'s value here: a flag is asked
    ``isinstance(v, bool)``."""
    kinds: list[tuple[type, ...]] = []
    items = classinfo.items if isinstance(classinfo, TupleExpr) else [classinfo]
    for item in items:
        if not isinstance(item, RefExpr) or item.fullname not in _TYPES:
            raise NotKnown
        kinds.append(_TYPES[item.fullname])
    if not (_plain(value) or isinstance(value, tuple | list)):
        raise NotKnown
    wanted = tuple(k for ks in kinds for k in ks)
    if isinstance(value, bool) and int in wanted:
        return True  # a bool is an int, as Python answers
    return isinstance(value, wanted)


# ---- dicts ------------------------------------------------------------------------------------


def table(pairs: list[tuple[object, object]]) -> dict[object, object]:
    """A dict display's value, where each key is a word, number, bool, ``None`` or a tuple
    of them; :class:`NotKnown` for another key (``**other`` included)."""
    out: dict[object, object] = {}
    for key, value in pairs:
        if not _plain(key) or _has_list(key):
            raise NotKnown
        out[key] = value
    return out


def _has_list(v: object) -> bool:
    return isinstance(v, list) or (isinstance(v, tuple) and any(_has_list(i) for i in v))


def table_item(table: dict[object, object], key: object) -> object:
    """``cfgs["A"]``: the value of a known key (a word, number, bool, ``None`` or tuple of
    them); :class:`NotKnown` for another key or one not there."""
    if not _plain(key) or _has_list(key):
        raise NotKnown
    for k, v in table.items():
        if _equal(k, key):
            return v
    raise NotKnown


def table_called(
    table: dict[object, object], name: str, args: list[object], named: dict[str, object]
) -> object:
    """``cfg.items()``, ``.keys()``, ``.values()`` (as tuples, a loop's items) and
    ``.get(key, default)``; :class:`NotKnown` for any other method."""
    if named:
        raise NotKnown
    if name == "items" and not args:
        return tuple(table.items())
    if name == "keys" and not args:
        return tuple(table)
    if name == "values" and not args:
        return tuple(table.values())
    if name == "get" and 1 <= len(args) <= 2:
        try:
            return table_item(table, args[0])
        except NotKnown:
            if not _plain(args[0]) or any(not _plain(k) for k in table):
                raise
            return args[1] if len(args) == 2 else None
    raise NotKnown


# ---- dataclass configs ----------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """A dataclass instance built with known values (``GPTConfig(n_embd=64, n_head=4)``):
    its fields by name (a value the evaluator does not know is its own marker)."""

    kind: str
    values: tuple[tuple[str, object], ...]

    def field_value(self, name: str) -> object:
        for key, value in self.values:
            if key == name:
                return value
        raise NotKnown


def dataclass_fields(info: TypeInfo) -> list[tuple[str, Expression | None, bool]] | None:
    """Each ``__init__`` field of a dataclass (a config class, not a module): its name, the
    expression of its default (``dim: int = 64``, ``field(default=64)``; None where it has
    none, or one this module does not read: a ``default_factory``), and whether it is
    keyword-only; None where ``info`` is not such a dataclass."""
    data = info.metadata.get("dataclass")
    if not isinstance(data, dict) or any(b.fullname == "dfdx.nn._module.Module" for b in info.mro):
        return None
    attributes = data.get("attributes")
    if not isinstance(attributes, list):
        return None
    defaults: dict[str, Expression] = {}
    for base in reversed(info.mro):
        for stmt in base.defn.defs.body:
            if isinstance(stmt, AssignmentStmt) and len(stmt.lvalues) == 1:
                target = stmt.lvalues[0]
                if isinstance(target, NameExpr) and not isinstance(stmt.rvalue, TempNode):
                    defaults[target.name] = _field_default(stmt.rvalue)
    out: list[tuple[str, Expression | None, bool]] = []
    for a in attributes:
        if not isinstance(a, dict) or not a.get("is_in_init", True) or a.get("is_init_var"):
            return None
        name = str(a.get("name"))
        out.append(
            (name, defaults.get(name) if a.get("has_default") else None, bool(a.get("kw_only")))
        )
    return out


def _field_default(e: Expression) -> Expression:
    """``field(default=64)``'s ``64``; the expression itself otherwise (a ``field(...)``
    without ``default`` is read as not known by the caller)."""
    if isinstance(e, CallExpr) and isinstance(e.callee, RefExpr):
        if e.callee.fullname == "dataclasses.field":
            for name, arg in zip(e.arg_names, e.args, strict=True):
                if name == "default":
                    return arg
    return e


def record(
    info: TypeInfo,
    args: list[object],
    named: dict[str, object],
    default: Callable[[Expression], object],
    unknown: object,
) -> Record:
    """The dataclass ``info`` built with ``args`` and ``named`` (values), each field not
    given taking its default's value (``default``), or ``unknown``; :class:`NotKnown`
    where the call does not fit its fields."""
    fields = dataclass_fields(info)
    if fields is None:
        raise NotKnown
    positional = list(args)
    given = dict(named)
    values: list[tuple[str, object]] = []
    for name, default_expression, kw_only in fields:
        if positional and not kw_only:
            values.append((name, positional.pop(0)))
        elif name in given:
            values.append((name, given.pop(name)))
        elif default_expression is not None:
            is_field = (
                isinstance(default_expression, CallExpr)
                and isinstance(default_expression.callee, RefExpr)
                and default_expression.callee.fullname == "dataclasses.field"
            )
            values.append((name, unknown if is_field else default(default_expression)))
        else:
            raise NotKnown
    if positional or given:
        raise NotKnown
    return Record(info.fullname, tuple(values))
