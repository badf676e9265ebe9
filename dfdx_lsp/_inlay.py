"""Inlay hints: the shape after each assignment, loop target and ``with`` target that holds a
dfdx tensor or module, and each layer's output shape beside a ``Sequential(...)`` whose input
is known from a call of it in the same file."""

from __future__ import annotations

from dataclasses import dataclass

from mypy.nodes import (
    ARG_POS,
    AssignmentStmt,
    CallExpr,
    Expression,
    ForStmt,
    ListExpr,
    MemberExpr,
    MypyFile,
    NameExpr,
    StarExpr,
    TupleExpr,
    Var,
    WithStmt,
)
from mypy.types import Instance, Type, get_proper_type

from dfdx_lsp import _display
from dfdx_lsp import _plugin_bridge as plugin
from dfdx_lsp._hover import typed
from dfdx_lsp._walk import walk


@dataclass(frozen=True)
class Hint:
    """A label shown at (line, column): mypy's 1-based line, 0-based column."""

    line: int
    column: int
    label: str


def inlay_hints(tree: MypyFile, types: dict[Expression, Type]) -> list[Hint]:
    """Every hint of the file, in order; a statement in a function checked once per TypeVar
    value gets each distinct label, joined by `` | ``."""
    labels: dict[tuple[int, int], list[str]] = {}
    constructed: dict[Var, CallExpr] = {}
    inputs: dict[Var, plugin.TensorType] = {}
    for node in walk(tree):
        if isinstance(node, AssignmentStmt):
            _assignment(node, types, labels, constructed)
        elif isinstance(node, ForStmt):
            _targets([node.index], types, labels)
        elif isinstance(node, WithStmt):
            _targets([t for t in node.target if t is not None], types, labels)
        elif isinstance(node, CallExpr):
            _sequential_input(node, types, inputs)
    for var, call in constructed.items():
        x = inputs.get(var)
        if x is not None:
            _layer_outputs(call, types, x, labels)
    hints = [Hint(line, col, " | ".join(dict.fromkeys(ls))) for (line, col), ls in labels.items()]
    return sorted(hints, key=lambda h: (h.line, h.column))


def _add(labels: dict[tuple[int, int], list[str]], line: int, col: int, label: str) -> None:
    labels.setdefault((line, col), []).append(label)


def _names(lvalue: Expression) -> list[Expression]:
    if isinstance(lvalue, TupleExpr | ListExpr):
        return [n for item in lvalue.items for n in _names(item)]
    if isinstance(lvalue, StarExpr):
        return _names(lvalue.expr)
    return [lvalue] if isinstance(lvalue, NameExpr | MemberExpr) else []


def _assignment(
    s: AssignmentStmt,
    types: dict[Expression, Type],
    labels: dict[tuple[int, int], list[str]],
    constructed: dict[Var, CallExpr],
) -> None:
    names = [n for lv in s.lvalues for n in _names(lv)]
    if not names:
        return
    if isinstance(s.rvalue, CallExpr) and plugin.is_sequential(types.get(s.rvalue)):
        for n in names:
            var = _var(n, types)
            if var is not None:
                constructed.setdefault(var, s.rvalue)
    if s.unanalyzed_type is not None:  # annotated: the type is on the line already
        return
    if len(names) == 1:
        t = types.get(s.rvalue) or typed(names[0], types)
        text = _display.label(t) if t is not None else None
        if text is None:
            return
    else:
        parts = []
        for n in names:
            t = typed(n, types)
            text = _display.label(t) if t is not None else None
            if text is not None:
                parts.append(f"{_name(n)}: {text}")
        if not parts:
            return
        text = ", ".join(parts)
    end = s.rvalue
    if end.end_line is not None and end.end_column is not None:
        _add(labels, end.end_line, end.end_column, f": {text}" if len(names) == 1 else text)


def _targets(
    targets: list[Expression],
    types: dict[Expression, Type],
    labels: dict[tuple[int, int], list[str]],
) -> None:
    for target in targets:
        for n in _names(target):
            t = typed(n, types)
            text = _display.label(t) if t is not None else None
            if text is not None and n.end_line is not None and n.end_column is not None:
                _add(labels, n.end_line, n.end_column, f": {text}")


def _name(e: Expression) -> str:
    return e.name if isinstance(e, NameExpr | MemberExpr) else "?"


def _var(e: Expression, types: dict[Expression, Type]) -> Var | None:
    """The variable a name or ``self.attribute`` refers to (one per attribute, not per use)."""
    if isinstance(e, NameExpr):
        return e.node if isinstance(e.node, Var) else None
    if isinstance(e, MemberExpr):
        if e.def_var is not None:
            return e.def_var
        owner = get_proper_type(types.get(e.expr))
        if isinstance(owner, Instance):
            sym = owner.type.get(e.name)
            if sym is not None and isinstance(sym.node, Var):
                return sym.node
    return None


def _sequential_input(
    call: CallExpr, types: dict[Expression, Type], inputs: dict[Var, plugin.TensorType]
) -> None:
    """``seq(x)`` with ``x`` a tensor the plugin can read: the input of ``seq``'s layers."""
    if call.arg_kinds != [ARG_POS] or not plugin.is_sequential(types.get(call.callee)):
        return
    var = _var(call.callee, types)
    arg = types.get(call.args[0])
    if var is None or var in inputs or arg is None:
        return
    try:
        inputs[var] = plugin.read_tensor(arg)
    except plugin.Unknown:
        return


def _layer_outputs(
    call: CallExpr,
    types: dict[Expression, Type],
    x: plugin.TensorType,
    labels: dict[tuple[int, int], list[str]],
) -> None:
    seq = get_proper_type(types.get(call))
    layers = plugin.sequential_layers(seq) if isinstance(seq, Instance) else None
    if layers is None or len(layers) != len(call.args) or set(call.arg_kinds) != {ARG_POS}:
        return
    for layer, arg in zip(layers, call.args, strict=True):
        y = plugin.fold(layer, x)
        if y is None or arg.end_line is None or arg.end_column is None:
            return
        _add(labels, arg.end_line, arg.end_column, f"→ {_display.tensor_label(y)}")
        x = y
