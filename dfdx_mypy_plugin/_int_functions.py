"""Plain numbers computed as Python computes them: the builtins a port's ``__init__`` sizes
its layers with (``int(dim * mlp_ratio)``, ``max(8, c // r)``, ``math.ceil``, ``range``) and
the user's own pure helper functions (``_make_divisible(v, divisor=8)``), run on known values
(docs/modules.md, "Sizes computed in ``__init__``").

A helper is followed where its body is made of assignments to names, ``if``/``elif``/
``else``, ``for`` loops over a ``range`` or a tuple, bounded ``while`` loops, ``assert`` and
``return``, over numbers, ``None``, booleans and tuples, and calls of the builtins below and of
other such helpers; anything else (an attribute, a method, a global variable, a call of
anything else, a loop that runs too long) raises :class:`NotFollowed`, and the caller leaves
the value unknown: never a guess.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mypy.nodes import (
    ARG_NAMED,
    ARG_POS,
    FUNC_NO_INFO,
    AssertStmt,
    AssignmentStmt,
    Block,
    BreakStmt,
    CallExpr,
    ComparisonExpr,
    ConditionalExpr,
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
    NameExpr,
    OperatorAssignmentStmt,
    OpExpr,
    PassStmt,
    RefExpr,
    ReturnStmt,
    Statement,
    StrExpr,
    TupleExpr,
    UnaryExpr,
    WhileStmt,
)

from dfdx_mypy_plugin._accumulators import is_accumulated
from dfdx_mypy_plugin._arguments import HIDDEN
from dfdx_mypy_plugin._reused_names import is_declaration

_STEPS = 20_000
"""How many statements and loop turns one top-level call of a helper may take."""
_DEPTH = 8
"""How deep helpers calling helpers are followed."""
_LONGEST = 1_024
"""The longest ``range`` followed."""


class NotFollowed(Exception):
    """A value this module does not compute: the caller leaves it unknown."""


def is_number(v: object) -> bool:
    """An ``int`` or ``float`` (not a ``bool``): what the arithmetic here takes."""
    return isinstance(v, int | float) and not isinstance(v, bool)


def arith(op: str, a: object, b: object) -> object:
    """``a op b`` for two known numbers (Python's own result, ``True + 1`` excluded)."""
    if not (is_number(a) and is_number(b)):
        raise NotFollowed
    assert isinstance(a, int | float) and isinstance(b, int | float)
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
        if op == "//":
            return a // b
        if op == "%":
            return a % b
        if op == "**":
            if isinstance(b, int) and not -64 <= b <= 64:
                raise NotFollowed
            result = a**b
            if not is_number(result):
                raise NotFollowed  # a complex root
            return result
    except (ZeroDivisionError, OverflowError):
        raise NotFollowed from None
    raise NotFollowed


def compare(op: str, a: object, b: object) -> bool:
    """``a op b`` for known numbers (``==``/``!=`` also for ``None``, booleans, tuples;
    ``in``/``not in`` a tuple or list of them)."""
    if op in ("is", "is not") and (a is None or b is None):
        return (a is b) == (op == "is")
    if op in ("in", "not in") and isinstance(b, tuple | list) and _plain(a) and _plain(b):
        return (a in b) == (op == "in")  # ``i in skips``
    if op in ("==", "!="):
        if _plain(a) and _plain(b):
            return (a == b) == (op == "==")
        raise NotFollowed
    if not (is_number(a) and is_number(b)):
        raise NotFollowed
    assert isinstance(a, int | float) and isinstance(b, int | float)
    table = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}
    if op not in table:
        raise NotFollowed
    return table[op]


def _plain(v: object) -> bool:
    if isinstance(v, tuple | list):
        return all(_plain(i) for i in v)
    return v is None or isinstance(v, bool | int | float)


# ---- builtins ------------------------------------------------------------------------------


def _one_number(args: Sequence[object]) -> int | float:
    if len(args) != 1 or not is_number(args[0]):
        raise NotFollowed
    value = args[0]
    assert isinstance(value, int | float)
    return value


def _int(args: Sequence[object], named: dict[str, object]) -> object:
    value = _one_number(args)
    if named or not math.isfinite(value):
        raise NotFollowed
    return int(value)


def _float(args: Sequence[object], named: dict[str, object]) -> object:
    if named:
        raise NotFollowed
    return float(_one_number(args))


def _round(args: Sequence[object], named: dict[str, object]) -> object:
    if named or not args or not is_number(args[0]) or len(args) > 2:
        raise NotFollowed
    value = args[0]
    assert isinstance(value, int | float)
    if len(args) == 1:
        if not math.isfinite(value):
            raise NotFollowed
        return round(value)
    digits = args[1]
    if not isinstance(digits, int) or isinstance(digits, bool):
        raise NotFollowed
    return round(value, digits)


def _extreme(pick: Callable[[Sequence[int | float]], int | float]) -> _Builtin:
    def extreme(args: Sequence[object], named: dict[str, object]) -> object:
        items: Sequence[object] = args
        if len(args) == 1 and isinstance(args[0], tuple | list):
            items = args[0]
        if named or not items or not all(is_number(i) for i in items):
            raise NotFollowed
        return pick([i for i in items if isinstance(i, int | float)])

    return extreme


def _abs(args: Sequence[object], named: dict[str, object]) -> object:
    if named:
        raise NotFollowed
    return abs(_one_number(args))


def _rounded(to: Callable[[float], int]) -> _Builtin:
    def rounded(args: Sequence[object], named: dict[str, object]) -> object:
        value = _one_number(args)
        if named or not math.isfinite(value):
            raise NotFollowed
        return to(value)

    return rounded


def _sqrt(args: Sequence[object], named: dict[str, object]) -> object:
    value = _one_number(args)
    if named or value < 0:
        raise NotFollowed
    return math.sqrt(value)


def _log2(args: Sequence[object], named: dict[str, object]) -> object:
    value = _one_number(args)
    if named or value <= 0:
        raise NotFollowed
    return math.log2(value)


def _log(args: Sequence[object], named: dict[str, object]) -> object:
    """``math.log(x)`` or ``math.log(x, base)`` (``int(math.log(scale, 2))`` stages)."""
    if named or len(args) not in (1, 2) or not all(_plain(a) for a in args):
        raise NotFollowed
    numbers = [a for a in args if isinstance(a, int | float) and not isinstance(a, bool)]
    if len(numbers) != len(args) or numbers[0] <= 0:
        raise NotFollowed
    if len(numbers) == 1:
        return math.log(numbers[0])
    if numbers[1] <= 0 or numbers[1] == 1:
        raise NotFollowed
    return math.log(numbers[0], numbers[1])


def _len(args: Sequence[object], named: dict[str, object]) -> object:
    if named or len(args) != 1 or not isinstance(args[0], tuple | list):
        raise NotFollowed
    return len(args[0])


def _sum(args: Sequence[object], named: dict[str, object]) -> object:
    if named or len(args) != 1 or not isinstance(args[0], tuple | list):
        raise NotFollowed
    total: object = 0
    for item in args[0]:
        total = arith("+", total, item)
    return total


def _range(args: Sequence[object], named: dict[str, object]) -> object:
    if named or not 1 <= len(args) <= 3:
        raise NotFollowed
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        raise NotFollowed
    ints = [a for a in args if isinstance(a, int)]
    if len(ints) == 3 and ints[2] == 0:
        raise NotFollowed
    r = range(*ints)
    if len(r) > _LONGEST:
        raise NotFollowed
    return tuple(r)


def _items(v: object) -> tuple[object, ...]:
    if not isinstance(v, tuple | list):
        raise NotFollowed
    return tuple(v)


def _enumerate(args: Sequence[object], named: dict[str, object]) -> object:
    start = named.pop("start", args[1] if len(args) > 1 else 0)
    if named or not 1 <= len(args) <= 2 or not isinstance(start, int):
        raise NotFollowed
    return tuple((start + i, item) for i, item in enumerate(_items(args[0])))


def _zip(args: Sequence[object], named: dict[str, object]) -> object:
    named.pop("strict", None)
    if named or not args:
        raise NotFollowed
    return tuple(zip(*(_items(a) for a in args), strict=False))


def _pairwise(args: Sequence[object], named: dict[str, object]) -> object:
    if named or len(args) != 1:
        raise NotFollowed
    items = _items(args[0])
    return tuple(itertools.pairwise(items))


def _reversed(args: Sequence[object], named: dict[str, object]) -> object:
    if named or len(args) != 1:
        raise NotFollowed
    return tuple(reversed(_items(args[0])))


def _collected(kind: type[tuple[object, ...]] | type[list[object]]) -> _Builtin:
    def collected(args: Sequence[object], named: dict[str, object]) -> object:
        if named or len(args) > 1:
            raise NotFollowed
        return kind(_items(args[0])) if args else kind()

    return collected


_Builtin = Callable[[Sequence[object], dict[str, object]], object]

BUILTINS: dict[str, _Builtin] = {
    "builtins.int": _int,
    "builtins.float": _float,
    "builtins.round": _round,
    "builtins.max": _extreme(max),
    "builtins.min": _extreme(min),
    "builtins.abs": _abs,
    "builtins.len": _len,
    "builtins.sum": _sum,
    "builtins.range": _range,
    "builtins.enumerate": _enumerate,
    "builtins.zip": _zip,
    "builtins.reversed": _reversed,
    "itertools.pairwise": _pairwise,
    "builtins.tuple": _collected(tuple),
    "builtins.list": _collected(list),
    "math.floor": _rounded(math.floor),
    "math.ceil": _rounded(math.ceil),
    "math.trunc": _rounded(math.trunc),
    "math.sqrt": _sqrt,
    "math.log2": _log2,
    "math.log": _log,
}
"""The builtins followed, by mypy's full name, on evaluated arguments (positional, named);
each raises :class:`NotFollowed` on anything it does not take. ``range``, ``enumerate`` and
``zip`` (and ``itertools.pairwise``) give tuples (a loop's items), ``list`` a new list."""


def builtin(fullname: str | None) -> _Builtin | None:
    """The builtin that ``fullname`` names, where it is followed."""
    return BUILTINS.get(fullname or "")


def helper(callee: Expression) -> FuncDef | None:
    """The user's function a call's callee names (a module-level ``def``), or None."""
    if not isinstance(callee, RefExpr) or not isinstance(callee.node, FuncDef):
        return None
    func = callee.node
    if func.info is not FUNC_NO_INFO:
        return None  # a method
    if (func.fullname or "").startswith(("dfdx.", "builtins.", "math.", "numpy.")):
        return None
    if not func.body.body or len(func.arguments) != len(func.arg_names):
        return None  # loaded from mypy's cache, without its body
    return func


# ---- a helper's body -----------------------------------------------------------------------


@dataclass
class _Run:
    names: dict[str, object] = field(default_factory=dict)
    steps: list[int] = field(default_factory=lambda: [0])
    depth: int = 0

    def step(self) -> None:
        self.steps[0] += 1
        if self.steps[0] > _STEPS:
            raise NotFollowed


class _Returned(Exception):
    def __init__(self, value: object) -> None:
        self.value = value


class _Broke(Exception):
    pass


class _Continued(Exception):
    pass


def call_helper(
    func: FuncDef, args: Sequence[object], named: dict[str, object], depth: int = 0
) -> object:
    """``func(*args, **named)`` run on known plain values (numbers, booleans, ``None``,
    tuples of them); :class:`NotFollowed` where it cannot be followed."""
    return _call(func, args, named, _Run(depth=depth))


def _call(func: FuncDef, args: Sequence[object], named: dict[str, object], run: _Run) -> object:
    if run.depth > _DEPTH or func.is_generator or func.is_coroutine:
        raise NotFollowed
    if not all(_plain(a) for a in [*args, *named.values()]):
        raise NotFollowed
    names: dict[str, object] = {}
    positional = list(args)
    for argument, name in zip(func.arguments, func.arg_names, strict=True):
        if argument.kind.is_star() or name is None:
            raise NotFollowed
        if argument.kind.is_positional() and positional:
            value = positional.pop(0)
        elif name in named:
            value = named.pop(name)
        elif argument.initializer is not None:
            value = _expression(argument.initializer, _Run())
        else:
            raise NotFollowed
        # a body that reassigns the argument reads it by its hidden name (``_arguments``:
        # ``v = v__argument``), whichever name its variable shows now
        names[name] = names[HIDDEN.format(name)] = value
    if positional or named:
        raise NotFollowed
    inner = _Run(names=names, steps=run.steps, depth=run.depth + 1)
    try:
        _statements(func.body.body, inner)
    except _Returned as returned:
        return returned.value
    except (_Broke, _Continued):
        raise NotFollowed from None
    return None


def _statements(body: Sequence[Statement], run: _Run) -> None:
    for stmt in body:
        run.step()
        _statement(stmt, run)


def _statement(stmt: Statement, run: _Run) -> None:
    if isinstance(stmt, ReturnStmt):
        raise _Returned(None if stmt.expr is None else _expression(stmt.expr, run))
    if isinstance(stmt, AssignmentStmt):
        if is_declaration(stmt.rvalue) or is_accumulated(stmt.rvalue):
            return  # the plugin's declaration of a reused name, or narrowing after a sum
        value = _expression(stmt.rvalue, run)
        for target in stmt.lvalues:
            _bind(target, value, run)
    elif isinstance(stmt, OperatorAssignmentStmt):
        if not isinstance(stmt.lvalue, NameExpr):
            raise NotFollowed
        old = _expression(stmt.lvalue, run)
        run.names[stmt.lvalue.name] = arith(stmt.op, old, _expression(stmt.rvalue, run))
    elif isinstance(stmt, IfStmt):
        for test, branch in zip(stmt.expr, stmt.body, strict=True):
            if _truth(_expression(test, run)):
                _statements(branch.body, run)
                return
        _statements((stmt.else_body or Block([])).body, run)
    elif isinstance(stmt, ForStmt):
        _loop(stmt, run)
    elif isinstance(stmt, WhileStmt):
        while _truth(_expression(stmt.expr, run)):
            run.step()
            try:
                _statements(stmt.body.body, run)
            except _Broke:
                return
            except _Continued:
                continue
        if stmt.else_body is not None:
            _statements(stmt.else_body.body, run)
    elif isinstance(stmt, AssertStmt):
        if not _truth(_expression(stmt.expr, run)):
            raise NotFollowed
    elif isinstance(stmt, BreakStmt):
        raise _Broke
    elif isinstance(stmt, ContinueStmt):
        raise _Continued
    elif isinstance(stmt, PassStmt):
        return
    elif isinstance(stmt, ExpressionStmt) and isinstance(stmt.expr, StrExpr):
        return
    else:
        raise NotFollowed


def _loop(stmt: ForStmt, run: _Run) -> None:
    for item in _items(_expression(stmt.expr, run)):
        run.step()
        _bind(stmt.index, item, run)
        try:
            _statements(stmt.body.body, run)
        except _Broke:
            return
        except _Continued:
            continue
    if stmt.else_body is not None:
        _statements(stmt.else_body.body, run)


def _bind(target: Expression, value: object, run: _Run) -> None:
    if isinstance(target, NameExpr):
        run.names[target.name] = value
        return
    if isinstance(target, TupleExpr | ListExpr):
        items = _items(value)
        if len(items) != len(target.items):
            raise NotFollowed
        for t, v in zip(target.items, items, strict=True):
            _bind(t, v, run)
        return
    raise NotFollowed


def _truth(v: object) -> bool:
    if isinstance(v, bool):
        return v
    if v is None:
        return False
    if is_number(v) or isinstance(v, tuple):
        return bool(v)
    raise NotFollowed


def _expression(e: Expression, run: _Run) -> object:
    if isinstance(e, IntExpr | FloatExpr):
        return e.value
    if isinstance(e, NameExpr):
        if e.fullname in ("builtins.True", "builtins.False"):
            return e.fullname == "builtins.True"
        if e.fullname == "builtins.None":
            return None
        if e.name in run.names:
            return run.names[e.name]
        raise NotFollowed
    if isinstance(e, TupleExpr):
        return tuple(_expression(i, run) for i in e.items)
    if isinstance(e, UnaryExpr):
        operand = _expression(e.expr, run)
        if e.op == "not":
            return not _truth(operand)
        if e.op == "-":
            return arith("*", -1, operand)
        if e.op == "+" and is_number(operand):
            return operand
        raise NotFollowed
    if isinstance(e, OpExpr):
        if e.op in ("and", "or"):
            left = _expression(e.left, run)
            if _truth(left) == (e.op == "or"):
                return left
            return _expression(e.right, run)
        return arith(e.op, _expression(e.left, run), _expression(e.right, run))
    if isinstance(e, ComparisonExpr):
        left = _expression(e.operands[0], run)
        for op, operand in zip(e.operators, e.operands[1:], strict=True):
            right = _expression(operand, run)
            if not compare(op, left, right):
                return False
            left = right
        return True
    if isinstance(e, ConditionalExpr):
        chosen = e.if_expr if _truth(_expression(e.cond, run)) else e.else_expr
        return _expression(chosen, run)
    if isinstance(e, IndexExpr):
        base, index = _expression(e.base, run), _expression(e.index, run)
        if isinstance(base, tuple) and isinstance(index, int) and not isinstance(index, bool):
            if -len(base) <= index < len(base):
                return base[index]
        raise NotFollowed
    if isinstance(e, CallExpr):
        return _called(e, run)
    raise NotFollowed


def _called(e: CallExpr, run: _Run) -> object:
    args: list[object] = []
    named: dict[str, object] = {}
    for a, kind, name in zip(e.args, e.arg_kinds, e.arg_names, strict=True):
        if kind == ARG_POS:
            args.append(_expression(a, run))
        elif kind == ARG_NAMED and name is not None:
            named[name] = _expression(a, run)
        else:
            raise NotFollowed
    callee = e.callee
    if isinstance(callee, RefExpr):
        function = builtin(callee.fullname)
        if function is not None:
            return function(args, named)
    func = helper(callee)
    if func is None:
        raise NotFollowed
    return _call(func, args, named, run)
