"""Layers built by the user's helper functions: a call typed as the layers its body builds
for the call's arguments.

Ports build their layers in helpers: ``def conv_bn(inp: int, oup: int, stride: int) ->
Sequential[Any]: return Sequential(Conv2d(inp, oup, 3, stride, 1), BatchNorm2d(oup),
ReLU())``, a block of a GAN's discriminator returned as a list and spliced into a
``Sequential(*block(3, 64, normalize=False), *block(64, 128))``, a ``self._make_layer(planes,
n, stride)`` method. mypy types such a call from its declared return, whose sizes are the
``int`` parameters' (``Any``): every size after it was lost, and so was every mistake in the
sizes given to it.

Where the function (or method) is defined in the file being checked and its body is
statements this module can follow for the call's arguments (assignments, ``append``,
``extend`` and ``+=`` of lists, ``if`` on values known from the arguments, ``for`` over a
``range`` of known bounds or a list display, ``return``), the body is run on the call's
argument *expressions*: each parameter is replaced by the argument given for it (or its
default), each local by the expression last assigned to it, and the returned expression,
copied with these replacements, is typed in the caller's place. So the layers are typed with
the call's sizes (literals, TypeVars, named ``int`` sizes), checked by the plugin's rules as if
written inline, and a misfit is reported at the argument that made it (the caller's own
expression) or, where only this call's values make it, on the helper's own line. A list
returned and given as ``*block(...)`` is typed as a tuple of its layers, so that mypy accepts
several of them in one call (it rejects multiple unpacks of lists) and a ``Sequential`` of
them is chained and folded. Anything the evaluation does not follow (a loop of unknown
count, a branch on a value not known, a nested function) leaves the declared type.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from mypy.errors import ErrorInfo
from mypy.nodes import (
    ARG_NAMED,
    ARG_POS,
    ARG_STAR,
    FUNC_NO_INFO,
    GDEF,
    LDEF,
    AssertStmt,
    AssignmentStmt,
    CallExpr,
    ComparisonExpr,
    ConditionalExpr,
    Decorator,
    Expression,
    ExpressionStmt,
    FloatExpr,
    ForStmt,
    FuncDef,
    FuncItem,
    IfStmt,
    IndexExpr,
    IntExpr,
    LambdaExpr,
    ListComprehension,
    ListExpr,
    MemberExpr,
    MypyFile,
    NameExpr,
    OperatorAssignmentStmt,
    OpExpr,
    PassStmt,
    RefExpr,
    ReturnStmt,
    StarExpr,
    Statement,
    StrExpr,
    TempNode,
    TupleExpr,
    UnaryExpr,
    Var,
)
from mypy.plugin import CheckerPluginInterface, FunctionContext, MethodContext
from mypy.types import AnyType, CallableType, Instance, TupleType, Type, TypeOfAny, get_proper_type

from dfdx_mypy_plugin._debug import DEBUG
from dfdx_mypy_plugin._joined_values import expressions_in, statement_expressions
from dfdx_mypy_plugin._types import MODULE, literal_bool, literal_int, literal_str

_SEQUENCES = frozenset(
    {"builtins.list", "builtins.tuple", "typing.Sequence", "collections.abc.Sequence"}
    | {"typing.Iterable", "collections.abc.Iterable"}
)
_MAX_STEPS = 512
"""Statements run for one call, loops unrolled, before the evaluation gives up."""
_MAX_DEPTH = 4
"""How deep helpers called from helpers are followed."""


class _Stop(Exception):
    """Something the evaluation does not follow: the declared type stands."""


@dataclass
class _List:
    """A list the body builds: the expressions of its items, in order."""

    items: list[Expression] = field(default_factory=list)


_Value = Expression | _List
_UNKNOWN = object()


def factory_of(func: object) -> FuncDef | None:
    """``func`` where it is a helper whose call this module types: a function (or method)
    with a body, outside dfdx, declared to return a module or a list, tuple or sequence of
    them."""
    if isinstance(func, Decorator):
        func = func.func if not func.var.is_property else None
    if not isinstance(func, FuncDef) or func.fullname.startswith(("dfdx.", "dfdx_")):
        return None
    if func.is_overload or func.is_generator or func.is_coroutine or not func.body.body:
        return None
    signature = func.type
    if not isinstance(signature, CallableType):
        return None
    return func if _returns_modules(signature.ret_type) else None


def _returns_modules(ret: Type) -> bool:
    p = get_proper_type(ret)
    if not isinstance(p, Instance):
        return False
    if p.type.has_base(MODULE):
        return True
    if p.type.fullname in _SEQUENCES and p.args:
        item = get_proper_type(p.args[0])
        return isinstance(item, Instance) and item.type.has_base(MODULE)
    return False


# ---- the hook --------------------------------------------------------------------------------


_depth = 0


def factory_call(ctx: FunctionContext | MethodContext, func: FuncDef) -> Type:
    """The type of a call of the helper ``func``: what its body returns for the call's
    arguments, where it is followed; else mypy's."""
    global _depth
    default = ctx.default_return_type
    context = ctx.context
    api = ctx.api
    if not isinstance(context, CallExpr) or _depth >= _MAX_DEPTH or not _same_file(api, func):
        return default
    _depth += 1
    try:
        value = _evaluate(api, func, context)
        return _typed(api, value, context, default)
    except _Stop:
        return default
    except Exception:
        if DEBUG:
            raise
        return default
    finally:
        _depth -= 1


def _same_file(api: CheckerPluginInterface, func: FuncDef) -> bool:
    tree = getattr(api, "tree", None)
    if not isinstance(tree, MypyFile):
        return False
    module = func.info.module_name if _is_method(func) else func.fullname.rpartition(".")[0]
    return module == tree.fullname


def _is_method(func: FuncDef) -> bool:
    return func.info is not FUNC_NO_INFO


def _typed(api: CheckerPluginInterface, value: _Value, call: CallExpr, default: Type) -> Type:
    accept = _accept(api)
    if isinstance(value, _List):
        items = [accept(e) for e in value.items]
        if not all(_is_module(t) for t in items):
            return default
        _ITEMS[_place(api, call)] = (call, items)
        if _place(api, call) not in _starred(api):
            return default
        return TupleType(items, api.named_generic_type("builtins.tuple", [_join(default)]))
    t = accept(value)
    return t if _is_module(t) else default


def _join(default: Type) -> Type:
    p = get_proper_type(default)
    if isinstance(p, Instance) and p.args:
        return p.args[0]
    return AnyType(TypeOfAny.special_form)


def _is_module(t: Type) -> bool:
    p = get_proper_type(t)
    return isinstance(p, Instance) and p.type.has_base(MODULE)


def _accept(api: CheckerPluginInterface) -> Callable[[Expression], Type]:
    """Types an expression of the run body in the caller's place, reporting only the
    plugin's shape errors: mypy's own checks were made on the helper as written, and a
    check of a copy with known values (``if i == 0`` with ``i`` a literal: mypy's
    ``comparison-overlap``) would be one of a line no user wrote."""
    checker = getattr(api, "expr_checker", None)
    if checker is None:
        raise _Stop

    def accept(e: Expression) -> Type:
        with api.msg.filter_errors(filter_errors=_not_dfdx):
            t: Type = checker.accept(e)
        return t

    return accept


def _not_dfdx(_file: str, info: ErrorInfo) -> bool:
    return info.code is None or not info.code.code.startswith("dfdx")


_ITEMS: dict[tuple[str, int, int], tuple[CallExpr, list[Type]]] = {}
"""The layers each call of a helper that returns a list gave, by the file, line and column
of the call (for ``layers += block(...)``, read by :mod:`_listed`)."""


def factory_items(api: CheckerPluginInterface, call: Expression) -> list[Type] | None:
    """The layers the helper called by ``call`` returned in a list, where followed."""
    found = _ITEMS.get(_place(api, call)) if isinstance(call, CallExpr) else None
    return found[1] if found is not None and found[0] is call else None


def _place(api: CheckerPluginInterface, e: Expression) -> tuple[str, int, int]:
    return (str(getattr(api, "path", "")), e.line, e.column)


def _starred(api: CheckerPluginInterface) -> set[tuple[str, int, int]]:
    """Where a call is given as ``*call`` to another call, in the function being checked
    (or the module's top level)."""
    scope = getattr(api, "scope", None)
    function = scope.current_function() if scope is not None else None
    tree = getattr(api, "tree", None)
    if isinstance(function, FuncItem):
        body = function.body.body
    elif isinstance(tree, MypyFile):
        body = tree.defs
    else:
        return set()
    return {
        _place(api, a)
        for e in statement_expressions(body)
        if isinstance(e, CallExpr)
        for a, k in zip(e.args, e.arg_kinds, strict=True)
        if k == ARG_STAR and isinstance(a, CallExpr)
    }


# ---- running the body ------------------------------------------------------------------------


@dataclass
class _Run:
    api: CheckerPluginInterface
    func: FuncDef
    env: dict[str, _Value]
    steps: int = 0


def _evaluate(api: CheckerPluginInterface, func: FuncDef, call: CallExpr) -> _Value:
    run = _Run(api, func, _bound(func, call))
    returned = _block(func.body.body, run)
    if returned is None:
        raise _Stop
    return returned


def _bound(func: FuncDef, call: CallExpr) -> dict[str, _Value]:
    """Each parameter's value: the call's argument, or the parameter's default."""
    params = list(func.arguments)
    env: dict[str, _Value] = {}
    if _is_method(func) and not func.is_static:
        if not params or not isinstance(call.callee, MemberExpr):
            raise _Stop
        env[params[0].variable.name] = call.callee.expr
        params = params[1:]
    names = [p.variable.name for p in params]
    positional = 0
    given: dict[str, Expression] = {}
    for arg, kind, name in zip(call.args, call.arg_kinds, call.arg_names, strict=True):
        if kind == ARG_POS:
            if positional >= len(params) or not params[positional].kind.is_positional():
                raise _Stop
            given[names[positional]] = arg
            positional += 1
        elif kind == ARG_NAMED and name in names:
            given[name] = arg
        else:
            raise _Stop
    for p, name in zip(params, names, strict=True):
        if p.kind.is_star():
            raise _Stop
        if name in given:
            env[name] = given[name]
        elif p.initializer is not None:
            env[name] = p.initializer
        else:
            raise _Stop
    return env


def _block(body: Sequence[Statement], run: _Run) -> _Value | None:
    """Runs ``body``; what a ``return`` in it gives, or None where it runs to its end."""
    for stmt in body:
        run.steps += 1
        if run.steps > _MAX_STEPS:
            raise _Stop
        returned = _statement(stmt, run)
        if returned is not None:
            return returned
    return None


def _statement(stmt: Statement, run: _Run) -> _Value | None:
    if isinstance(stmt, ReturnStmt):
        if stmt.expr is None:
            raise _Stop
        return _value(stmt.expr, run)
    if isinstance(stmt, AssignmentStmt):
        if len(stmt.lvalues) != 1 or isinstance(stmt.rvalue, TempNode):
            raise _Stop  # several targets, or a declaration without a value
        _assign(stmt.lvalues[0], _value(stmt.rvalue, run), run)
    elif isinstance(stmt, OperatorAssignmentStmt):
        _operator_assign(stmt, run)
    elif isinstance(stmt, ExpressionStmt):
        _expression_statement(stmt.expr, run)
    elif isinstance(stmt, IfStmt):
        for condition, body in zip(stmt.expr, stmt.body, strict=True):
            holds = _truth(_value(condition, run), run)
            if holds:
                return _block(body.body, run)
        return _block(stmt.else_body.body, run) if stmt.else_body is not None else None
    elif isinstance(stmt, ForStmt):
        return _loop(stmt, run)
    elif not isinstance(stmt, AssertStmt | PassStmt):
        raise _Stop
    return None


def _key(target: Expression, run: _Run) -> str:
    """The name a target binds in the environment: a local, or ``self.<field>`` of a method's
    receiver."""
    if isinstance(target, NameExpr) and target.kind == LDEF:
        return target.name
    if isinstance(target, MemberExpr) and _is_receiver(target.expr, run):
        return f"self.{target.name}"
    raise _Stop


def _is_receiver(e: Expression, run: _Run) -> bool:
    func = run.func
    return (
        isinstance(e, NameExpr)
        and _is_method(func)
        and not func.is_static
        and bool(func.arguments)
        and e.name == func.arguments[0].variable.name
    )


def _assign(target: Expression, value: _Value, run: _Run) -> None:
    run.env[_key(target, run)] = value


def _operator_assign(stmt: OperatorAssignmentStmt, run: _Run) -> None:
    key = _key(stmt.lvalue, run)
    old = run.env.get(key)
    new = _value(stmt.rvalue, run)
    if isinstance(old, _List):
        if stmt.op != "+" or not isinstance(new, _List):
            raise _Stop
        old.items.extend(new.items)
        return
    if old is None or isinstance(new, _List):
        raise _Stop
    run.env[key] = _made(OpExpr(stmt.op, old, new), stmt)


def _expression_statement(e: Expression, run: _Run) -> None:
    if isinstance(e, StrExpr):
        return  # a docstring
    if not (isinstance(e, CallExpr) and isinstance(e.callee, MemberExpr)):
        raise _Stop
    target = run.env.get(_key(e.callee.expr, run))
    if not isinstance(target, _List) or e.arg_kinds != [ARG_POS]:
        raise _Stop
    method = e.callee.name
    argument = _value(e.args[0], run)
    if method == "append" and not isinstance(argument, _List):
        target.items.append(argument)
    elif method == "extend" and isinstance(argument, _List):
        target.items.extend(argument.items)
    else:
        raise _Stop


def _loop(stmt: ForStmt, run: _Run) -> _Value | None:
    if stmt.else_body is not None or not isinstance(stmt.index, NameExpr):
        raise _Stop
    for item in _iterated(stmt.expr, run):
        _assign(stmt.index, item, run)
        returned = _block(stmt.body.body, run)
        if returned is not None:
            return returned
    return None


def _iterated(e: Expression, run: _Run) -> list[Expression]:
    """The items a ``for`` runs over: a ``range`` of known bounds, or a list."""
    if isinstance(e, CallExpr) and isinstance(e.callee, NameExpr):
        if e.callee.fullname == "builtins.range" and all(k == ARG_POS for k in e.arg_kinds):
            bounds = [_constant(_value(a, run), run) for a in e.args]
            if not 1 <= len(bounds) <= 3 or not all(_is_int(b) for b in bounds):
                raise _Stop
            numbers = range(*[b for b in bounds if isinstance(b, int)])
            if len(numbers) > _MAX_STEPS:
                raise _Stop
            return [_made(IntExpr(i), e) for i in numbers]
    value = _value(e, run)
    if isinstance(value, _List):
        return list(value.items)
    listed = _global_list(value, run)
    if listed is None:
        raise _Stop
    return listed


def _global_list(e: Expression, run: _Run) -> list[Expression] | None:
    """The items of a list or tuple display, or of a module's name bound once to one."""
    if isinstance(e, ListExpr | TupleExpr):
        return None if any(isinstance(i, StarExpr) for i in e.items) else list(e.items)
    if isinstance(e, NameExpr) and e.kind == GDEF and isinstance(e.node, Var):
        value = _module_values(run.api).get(e.node.fullname)
        return _global_list(value, run) if value is not None else None
    return None


_MODULE_VALUES: dict[str, tuple[MypyFile, dict[str, Expression]]] = {}


def _module_values(api: CheckerPluginInterface) -> dict[str, Expression]:
    """The display each name of the file being checked is bound to, where it is bound once,
    at the module's top level (``cfg = [64, "M", 128]``)."""
    tree = getattr(api, "tree", None)
    if not isinstance(tree, MypyFile):
        return {}
    cached = _MODULE_VALUES.get(tree.fullname)
    if cached is not None and cached[0] is tree:
        return cached[1]
    counts: dict[str, int] = {}
    values: dict[str, Expression] = {}
    for stmt in tree.defs:
        if isinstance(stmt, AssignmentStmt):
            for lvalue in stmt.lvalues:
                if isinstance(lvalue, NameExpr):
                    name = f"{tree.fullname}.{lvalue.name}"
                    counts[name] = counts.get(name, 0) + 1
                    values[name] = stmt.rvalue
    known: dict[str, Expression] = {
        name: value
        for name, value in values.items()
        if counts[name] == 1 and isinstance(value, ListExpr | TupleExpr)
    }
    _MODULE_VALUES[tree.fullname] = (tree, known)
    return known


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


_E = TypeVar("_E", bound=Expression)


def _made(new: _E, at: Expression | Statement) -> _E:
    new.set_line(at)
    return new


# ---- values ---------------------------------------------------------------------------------


def _value(e: Expression, run: _Run) -> _Value:
    """``e`` with the environment's values put in: a list the body builds stays a list."""
    if isinstance(e, ListExpr):
        out = _List()
        for item in e.items:
            if isinstance(item, StarExpr):
                inner = _value(item.expr, run)
                if not isinstance(inner, _List):
                    raise _Stop
                out.items.extend(inner.items)
            else:
                v = _value(item, run)
                if isinstance(v, _List):
                    raise _Stop
                out.items.append(v)
        return out
    if isinstance(e, OpExpr) and e.op == "+":
        left = _value(e.left, run)
        right = _value(e.right, run)
        if isinstance(left, _List) and isinstance(right, _List):
            return _List(left.items + right.items)
        if isinstance(left, _List) or isinstance(right, _List):
            raise _Stop
        return _made(OpExpr("+", left, right), e)
    if isinstance(e, NameExpr | MemberExpr):
        try:
            key = _key(e, run)
        except _Stop:
            key = None
        bound = run.env.get(key) if key is not None else None
        if bound is not None:
            return bound
    helper = _helper_called(e, run) if isinstance(e, CallExpr) else None
    return helper if helper is not None else _copied(e, run)


def _helper_called(e: CallExpr, run: _Run) -> _Value | None:
    """The value of a call of another helper of the file, run in place (its arguments this
    body's values), or None where ``e`` calls no such helper."""
    callee = e.callee
    target = callee.node if isinstance(callee, NameExpr) else None
    func = factory_of(target)
    if func is None or _is_method(func):
        return None
    global _depth
    if _depth >= _MAX_DEPTH or not _same_file(run.api, func):
        return None
    args = [_value(a, run) for a in e.args]
    if any(isinstance(a, _List) for a in args):
        raise _Stop
    call = _made(
        CallExpr(callee, [a for a in args if isinstance(a, Expression)], e.arg_kinds, e.arg_names),
        e,
    )
    _depth += 1
    try:
        return _evaluate(run.api, func, call)
    finally:
        _depth -= 1


def _copied(e: Expression, run: _Run) -> Expression:
    """``e`` with each local replaced by its value (the value itself, so that a caller's
    argument keeps its place): a subexpression that reads no local is ``e``'s own, and a
    node that reads one is a new node on ``e``'s line. An expression of another kind that
    reads a local is not followed."""
    if isinstance(e, NameExpr | MemberExpr):
        try:
            key = _key(e, run)
        except _Stop:
            key = None
        if key is not None:
            value = run.env.get(key)
            if isinstance(value, Expression):
                return value
            if isinstance(e, NameExpr):
                raise _Stop  # a local without a value here, or a list used as a value
    if not _reads_local(e, run):
        return e
    if isinstance(e, MemberExpr):
        return _made(MemberExpr(_copied(e.expr, run), e.name), e)
    if isinstance(e, CallExpr):
        return _made(_copied_call(e, run), e)
    if isinstance(e, OpExpr):
        return _made(OpExpr(e.op, _copied(e.left, run), _copied(e.right, run)), e)
    if isinstance(e, UnaryExpr):
        return _made(UnaryExpr(e.op, _copied(e.expr, run)), e)
    if isinstance(e, ComparisonExpr):
        return _made(ComparisonExpr(e.operators, [_copied(o, run) for o in e.operands]), e)
    if isinstance(e, TupleExpr):
        return _made(TupleExpr([_copied(i, run) for i in e.items]), e)
    if isinstance(e, ListExpr):
        return _made(ListExpr([_copied(i, run) for i in e.items]), e)
    if isinstance(e, IndexExpr):
        return _made(IndexExpr(_copied(e.base, run), _copied(e.index, run)), e)
    if isinstance(e, ConditionalExpr):
        parts = [_copied(p, run) for p in (e.cond, e.if_expr, e.else_expr)]
        return _made(ConditionalExpr(*parts), e)
    raise _Stop


def _reads_local(e: Expression, run: _Run) -> bool:
    for inner in expressions_in(e):
        if isinstance(inner, LambdaExpr | ListComprehension):
            return True
        if isinstance(inner, NameExpr) and (inner.kind == LDEF or _is_receiver(inner, run)):
            return True
    return False


def _copied_call(e: CallExpr, run: _Run) -> CallExpr:
    """A call's copy, a ``*layers`` of a list the body built given as its items."""
    args: list[Expression] = []
    kinds = []
    names: list[str | None] = []
    for arg, kind, name in zip(e.args, e.arg_kinds, e.arg_names, strict=True):
        listed = run.env.get(arg.name) if isinstance(arg, NameExpr) else None
        if kind == ARG_STAR and isinstance(listed, _List):
            args.extend(listed.items)
            kinds.extend([ARG_POS] * len(listed.items))
            names.extend([None] * len(listed.items))
            continue
        args.append(_copied(arg, run))
        kinds.append(kind)
        names.append(name)
    return CallExpr(_copied(e.callee, run), args, kinds, names)


def _truth(v: _Value, run: _Run) -> bool:
    c = _constant(v, run)
    if c is _UNKNOWN:
        raise _Stop
    return bool(c)


def _constant(e: _Value, run: _Run) -> object:
    """``e``'s value where it is known from its expression (or a literal type); else
    ``_UNKNOWN``."""
    if isinstance(e, _List):
        return e.items
    if isinstance(e, IntExpr | StrExpr | FloatExpr):
        return e.value
    if isinstance(e, NameExpr) and e.fullname in ("builtins.True", "builtins.False"):
        return e.fullname == "builtins.True"
    if isinstance(e, NameExpr) and e.fullname == "builtins.None":
        return None
    if isinstance(e, UnaryExpr):
        inner = _constant(e.expr, run)
        if inner is _UNKNOWN:
            return _UNKNOWN
        if e.op == "not":
            return not inner
        if e.op == "-" and isinstance(inner, int | float):
            return -inner
        return _UNKNOWN
    if isinstance(e, OpExpr):
        return _operation(e, run)
    if isinstance(e, ComparisonExpr):
        return _comparison(e, run)
    if isinstance(e, CallExpr) and isinstance(e.callee, RefExpr):
        return _builtin_call(e, run)
    return _typed_constant(e, run)


def _typed_constant(e: Expression, run: _Run) -> object:
    """The value of an expression of the caller whose type is a literal."""
    if not isinstance(e, NameExpr | MemberExpr):
        return _UNKNOWN
    try:
        t = run.api.get_expression_type(e)
    except Exception:
        return _UNKNOWN
    for read in (literal_bool, literal_int, literal_str):
        value = read(t)
        if value is not None:
            return value
    p = get_proper_type(t)
    if isinstance(p, Instance) and p.type.fullname == "builtins.None":
        return None
    return _UNKNOWN


def _operation(e: OpExpr, run: _Run) -> object:
    if e.op in ("and", "or"):
        left = _constant(e.left, run)
        if left is _UNKNOWN:
            return _UNKNOWN
        if (e.op == "and") != bool(left):
            return left
        return _constant(e.right, run)
    a, b = _constant(e.left, run), _constant(e.right, run)
    if not (_is_int(a) and _is_int(b)):
        return _UNKNOWN
    assert isinstance(a, int) and isinstance(b, int)
    if e.op == "+":
        return a + b
    if e.op == "-":
        return a - b
    if e.op == "*":
        return a * b
    if e.op == "//" and b:
        return a // b
    if e.op == "%" and b:
        return a % b
    return _UNKNOWN


def _comparison(e: ComparisonExpr, run: _Run) -> object:
    values = [_constant(o, run) for o in e.operands]
    if any(v is _UNKNOWN for v in values):
        return _UNKNOWN
    for op, a, b in zip(e.operators, values, values[1:], strict=False):
        held: object
        if op in ("==", "is"):
            held = a == b
        elif op in ("!=", "is not"):
            held = a != b
        elif op in ("<", "<=", ">", ">=") and _is_int(a) and _is_int(b):
            assert isinstance(a, int) and isinstance(b, int)
            held = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        else:
            return _UNKNOWN
        if not held:
            return False
    return True


def _builtin_call(e: CallExpr, run: _Run) -> object:
    assert isinstance(e.callee, RefExpr)
    name = e.callee.fullname
    if name == "builtins.isinstance" and len(e.args) == 2:
        value = _constant(e.args[0], run)
        kind = e.args[1]
        if value is _UNKNOWN or not isinstance(kind, RefExpr):
            return _UNKNOWN
        types = {"builtins.int": int, "builtins.str": str, "builtins.float": float}
        wanted = types.get(kind.fullname)
        return _UNKNOWN if wanted is None else isinstance(value, wanted)
    if name in ("builtins.int", "builtins.len") and len(e.args) == 1:
        value = _constant(e.args[0], run)
        if name == "builtins.len":
            return len(value) if isinstance(value, list) else _UNKNOWN
        return value if _is_int(value) else _UNKNOWN
    return _UNKNOWN
