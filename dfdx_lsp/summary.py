"""``dfdx-summary FILE.py`` (or ``python -m dfdx_lsp.summary FILE.py``): the static form of
``dx.nn.summary``. mypy checks the file with the user's configuration and the plugin, and each
``Sequential(...)`` assigned in it is printed as a table: each layer with its sizes, its output
shape as the plugin computes it (where the file calls the model with a tensor of known shape)
and its parameter count (where the layer's sizes are literals). Nothing is run."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

from mypy.nodes import (
    ARG_NAMED,
    ARG_POS,
    AssignmentStmt,
    CallExpr,
    Expression,
    FuncDef,
    NameExpr,
    RefExpr,
    TypeInfo,
    Var,
)
from mypy.types import Instance, Type, get_proper_type

from dfdx_lsp import _display
from dfdx_lsp import _plugin_bridge as plugin
from dfdx_lsp._checker import Checker
from dfdx_lsp._inlay import _name, _names, _sequential_input, _var
from dfdx_lsp._walk import walk

RESIDUAL = "dfdx.nn._containers.Residual"


@dataclass(frozen=True)
class Row:
    index: int
    layer: str
    output: str | None
    params: int | None


@dataclass(frozen=True)
class Model:
    """One ``Sequential`` built in the file: where, its input (if a call tells it), its rows."""

    name: str
    line: int
    input: str | None
    rows: list[Row]

    @property
    def total(self) -> int | None:
        counts = [r.params for r in self.rows]
        return None if None in counts else sum(c for c in counts if c is not None)


def _switch(call: Expression | None, names: tuple[str, ...]) -> bool | None:
    """Whether a layer's ``bias=``/``affine=`` switch is on in its constructor call (passed by
    keyword or by position): True when absent (each of these defaults to True), None when the
    call is not visible, has star arguments, or passes something other than a literal."""
    if not isinstance(call, CallExpr) or set(call.arg_kinds) - {ARG_POS, ARG_NAMED}:
        return None
    value = next((v for n, v in zip(call.arg_names, call.args, strict=True) if n in names), None)
    if value is None:
        formals = _formals(call)
        if formals is None:
            return None
        positional = [v for v, k in zip(call.args, call.arg_kinds, strict=True) if k == ARG_POS]
        value = next((v for f, v in zip(formals, positional, strict=False) if f in names), None)
    if value is None:
        return True
    if isinstance(value, NameExpr) and value.fullname in ("builtins.True", "builtins.False"):
        return value.fullname == "builtins.True"
    return None


def _formals(call: CallExpr) -> list[str | None] | None:
    """The parameter names of the called class's ``__init__``, ``self`` left out."""
    info = call.callee.node if isinstance(call.callee, RefExpr) else None
    init = info.get_method("__init__") if isinstance(info, TypeInfo) else None
    return list(init.arg_names[1:]) if isinstance(init, FuncDef) else None


def _pair(v: int | tuple[int, ...] | None) -> tuple[int, int] | None:
    if isinstance(v, int):
        return (v, v)
    return (v[0], v[1]) if v is not None and len(v) == 2 else None


def parameters(layer: Instance, call: Expression | None = None) -> int | None:
    """The number of parameters of a layer whose sizes its type holds as literals, or None.
    ``call`` is the constructor call, read for ``bias=``/``affine=`` (which types do not hold);
    without it a layer with such a switch is not counted."""
    name = layer.type.name
    if plugin.is_sequential(layer):
        inner = plugin.sequential_layers(layer)
        if inner is None:
            return None
        calls = call.args if isinstance(call, CallExpr) and len(call.args) == len(inner) else None
        counts = [parameters(t, calls[i] if calls else None) for i, t in enumerate(inner)]
        return None if None in counts else sum(c for c in counts if c is not None)
    if layer.type.fullname == RESIDUAL:
        wrapped = get_proper_type(layer.args[0]) if layer.args else None
        inner_call = call.args[0] if isinstance(call, CallExpr) and len(call.args) == 1 else None
        return parameters(wrapped, inner_call) if isinstance(wrapped, Instance) else None
    args = plugin.layer_arguments(layer)
    if args is None:
        return None
    if name in _PARAMETER_FREE:
        return 0
    if name == "Linear":
        i, o, bias = args.get("in_features"), args.get("out_features"), _switch(call, ("bias",))
        if isinstance(i, int) and isinstance(o, int) and bias is not None:
            return i * o + (o if bias else 0)
    elif name in ("Conv2d", "ConvTranspose2d"):
        i, o = args.get("in_channels"), args.get("out_channels")
        k, g = _pair(args.get("kernel_size")), args.get("groups")
        bias = _switch(call, ("bias",))
        if (
            isinstance(i, int)
            and isinstance(o, int)
            and k
            and isinstance(g, int)
            and bias is not None
        ):
            return i * o // g * k[0] * k[1] + (o if bias else 0)
    elif name in ("LayerNorm", "BatchNorm1d", "BatchNorm2d"):
        n = args.get("normalized_shape", args.get("num_features"))
        affine = _switch(call, ("elementwise_affine", "affine"))
        if isinstance(n, int) and affine is not None:
            return 2 * n if affine else 0
    elif name == "Embedding":
        v, d = args.get("num_embeddings"), args.get("embedding_dim")
        if isinstance(v, int) and isinstance(d, int):
            return v * d
    return None


_PARAMETER_FREE = frozenset(
    ("ReLU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softmax", "Dropout", "Flatten", "MaxPool2d",
     "AvgPool2d", "AdaptiveAvgPool2d", "Upsample")
)  # fmt: skip
"""The layers of the plugin's table that hold no parameters."""


def models(path: str, checker: Checker | None = None) -> tuple[list[Model], list[str]]:
    """Every ``Sequential`` assigned in ``path``, and mypy's messages for the file."""
    checker = checker or Checker()
    with open(path, encoding="utf-8") as f:
        checker.set_buffer(path, f.read())
    result = checker.check()
    if result.failure is not None:
        raise RuntimeError(result.failure)
    tree = checker.tree(path)
    if tree is None:
        raise RuntimeError(f"mypy did not check {path}")
    types = checker.types()
    built: dict[Var, tuple[str, int, CallExpr]] = {}
    inputs: dict[Var, plugin.TensorType] = {}
    for node in walk(tree):
        if isinstance(node, AssignmentStmt) and isinstance(node.rvalue, CallExpr):
            if plugin.is_sequential(types.get(node.rvalue)):
                for n in (n for lv in node.lvalues for n in _names(lv)):
                    var = _var(n, types)
                    if var is not None and var not in built:
                        built[var] = (_name(n), node.line, node.rvalue)
        elif isinstance(node, CallExpr):
            _sequential_input(node, types, inputs)
    out = [_model(*seen, types, inputs.get(var)) for var, seen in built.items()]
    return sorted(out, key=lambda m: m.line), result.messages


def _model(
    name: str,
    line: int,
    call: CallExpr,
    types: dict[Expression, Type],
    inputs: plugin.TensorType | None,
) -> Model:
    """The rows of the ``Sequential`` built by ``call``: each layer folded from ``inputs``."""
    seq = get_proper_type(types.get(call))
    layers = plugin.sequential_layers(seq) if isinstance(seq, Instance) else None
    rows: list[Row] = []
    x = inputs
    calls = call.args if set(call.arg_kinds) <= {ARG_POS} else []
    for i, layer in enumerate(layers or []):
        y = plugin.fold(layer, x) if x is not None else None
        arg = calls[i] if len(calls) == len(layers or []) else None
        shown = _display.tensor_label(y) if y is not None else None
        rows.append(Row(i, plugin.layer_name(layer), shown, parameters(layer, arg)))
        x = y
    shown_input = _display.tensor_label(inputs) if inputs is not None else None
    return Model(name, line, shown_input, rows)


def _count(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def render(model: Model) -> str:
    """The table of one model, laid out as ``dx.nn.summary``'s."""
    head = f"{model.name} (line {model.line}): Sequential, input "
    head += model.input or "unknown (no call of it with a tensor of known shape)"
    table = [("Layer", "Type", "Output shape", "Params")]
    for r in model.rows:
        table.append((str(r.index), r.layer, r.output or "--", _count(r.params)))
    widths = [max(len(line[i]) for line in table) for i in range(4)]

    def line(cells: tuple[str, str, str, str]) -> str:
        a, b, c, d = cells
        return f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d:>{widths[3]}}".rstrip()

    rule = "=" * (sum(widths) + 6)
    total = model.total
    if total is None:
        known = sum(r.params or 0 for r in model.rows)
        unknown = sum(r.params is None for r in model.rows)
        text = f"Total params: at least {known:,} ({unknown} layer(s) of unknown size)"
    else:
        text = f"Total params: {total:,}"
    return "\n".join([head, line(table[0]), rule, *(line(r) for r in table[1:]), rule, text])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="dfdx-summary",
        description="The layers, output shapes and parameter counts of each Sequential built "
        "in FILE, as the dfdx mypy plugin computes them, without running it.",
    )
    parser.add_argument("file", help="a Python file")
    ns = parser.parse_args(argv)
    if not os.path.isfile(ns.file):
        print(f"dfdx-summary: no such file: {ns.file}", file=sys.stderr)
        return 2
    try:
        found, messages = models(ns.file)
    except RuntimeError as e:
        print(f"dfdx-summary: {e}", file=sys.stderr)
        return 2
    errors = [m for m in messages if ": error:" in m]
    for m in errors:
        print(m, file=sys.stderr)
    if not found:
        print(f"{ns.file}: no Sequential(...) assigned")
    print("\n\n".join(render(m) for m in found))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
