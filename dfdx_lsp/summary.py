"""``dfdx-summary FILE.py`` (or ``python -m dfdx_lsp.summary FILE.py``): the static form of
``dx.nn.summary``. mypy checks the file with the user's configuration and the plugin, and each
``Sequential(...)`` assigned in it is printed as a table: each layer with its sizes, its output
shape as the plugin computes it (where the file calls the model with a tensor of known shape)
and its parameter count (where the layer's sizes are literals). Nothing is run."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from mypy.nodes import (
    ARG_NAMED,
    ARG_POS,
    AssignmentStmt,
    CallExpr,
    Expression,
    FuncDef,
    IntExpr,
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
RECURRENT = "dfdx.nn.recurrent"


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


def _literal(call: Expression | None, names: tuple[str, ...], default: int) -> int | None:
    """The literal int or bool passed to one of the parameters ``names`` in a layer's
    constructor call (by keyword or by position); ``default`` where none is passed; None when
    the call is not visible, has star arguments, or passes something other than a literal."""
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
        return default
    if isinstance(value, NameExpr) and value.fullname in ("builtins.True", "builtins.False"):
        return value.fullname == "builtins.True"
    return value.value if isinstance(value, IntExpr) else None


def _switch(call: Expression | None, names: tuple[str, ...]) -> bool | None:
    """Whether a layer's ``bias=``/``affine=`` switch (each defaults to True) is on in its
    constructor call; None where that is not known (see :func:`_literal`)."""
    value = _literal(call, names, True)
    return value if isinstance(value, bool) else None


def _formals(call: CallExpr) -> list[str | None] | None:
    """The parameter names of the called class's ``__init__``, ``self`` left out."""
    info = call.callee.node if isinstance(call.callee, RefExpr) else None
    init = info.get_method("__init__") if isinstance(info, TypeInfo) else None
    return list(init.arg_names[1:]) if isinstance(init, FuncDef) else None


Arguments = dict[str, int | tuple[int, ...]]
"""A layer's constructor arguments that its type records (:func:`plugin.layer_arguments`)."""


def _ints(args: Arguments, *names: str) -> list[int] | None:
    """The int arguments ``names``, or None where one of them is not a known int."""
    values = [args.get(name) for name in names]
    ints = [v for v in values if isinstance(v, int)]
    return ints if len(ints) == len(names) else None


def _linear(args: Arguments, call: Expression | None) -> int | None:
    sizes, bias = _ints(args, "in_features", "out_features"), _switch(call, ("bias",))
    if sizes is None or bias is None:
        return None
    i, o = sizes
    return i * o + (o if bias else 0)


def _conv(args: Arguments, call: Expression | None) -> int | None:
    """Any of the convolutions: ``in * out / groups * kernel`` weights (a transposed one's
    weight is ``(in, out / groups, *kernel)``: the same count), and ``out`` biases."""
    sizes, bias = _ints(args, "in_channels", "out_channels", "groups"), _switch(call, ("bias",))
    kernel = args.get("kernel_size")
    if sizes is None or bias is None or kernel is None:
        return None
    i, o, g = sizes
    window = math.prod(kernel) if isinstance(kernel, tuple) else kernel
    return i * o // g * window + (o if bias else 0)


def _affine_norm(args: Arguments, call: Expression | None) -> int | None:
    """LayerNorm and the batch norms: a weight and a bias of ``n`` where affine."""
    n = args.get("normalized_shape", args.get("num_features"))
    affine = _switch(call, ("elementwise_affine", "affine"))
    if not isinstance(n, int) or affine is None:
        return None
    return 2 * n if affine else 0


def _rms_norm(args: Arguments, call: Expression | None) -> int | None:
    """A weight of ``n`` where affine; no bias."""
    n, affine = args.get("normalized_shape"), _switch(call, ("elementwise_affine",))
    if not isinstance(n, int) or affine is None:
        return None
    return n if affine else 0


def _group_norm(args: Arguments, call: Expression | None) -> int | None:
    """A weight of ``C`` where affine, and a bias of ``C`` where ``bias`` is on too."""
    c, affine, bias = args.get("num_channels"), _switch(call, ("affine",)), _switch(call, ("bias",))
    if not isinstance(c, int) or affine is None or bias is None:
        return None
    return c * affine + c * (affine and bias)


def _instance_norm(args: Arguments, call: Expression | None) -> int | None:
    """A weight and a bias of ``C`` where ``affine`` (off by default, as PyTorch's)."""
    c, affine = args.get("num_features"), _literal(call, ("affine",), False)
    if not isinstance(c, int) or not isinstance(affine, bool):
        return None
    return 2 * c if affine else 0


def _prelu(args: Arguments, call: Expression | None) -> int | None:
    """One slope per ``num_parameters``."""
    n = args.get("num_parameters")
    return n if isinstance(n, int) else None


def _embedding(args: Arguments, call: Expression | None) -> int | None:
    sizes = _ints(args, "num_embeddings", "embedding_dim")
    return None if sizes is None else sizes[0] * sizes[1]


COUNTS: dict[str, Callable[[Arguments, Expression | None], int | None]] = {
    "Linear": _linear,
    "Conv1d": _conv,
    "Conv2d": _conv,
    "ConvTranspose1d": _conv,
    "ConvTranspose2d": _conv,
    "LayerNorm": _affine_norm,
    "BatchNorm1d": _affine_norm,
    "BatchNorm2d": _affine_norm,
    "RMSNorm": _rms_norm,
    "GroupNorm": _group_norm,
    "Embedding": _embedding,
    "InstanceNorm2d": _instance_norm,
    "PReLU": _prelu,
}
"""How to count the parameters of each layer of the plugin's table that holds some, from the
arguments its type records and its constructor call (for its ``bias``/``affine`` switches)."""

_PARAMETER_FREE = frozenset(
    ("ReLU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softmax", "Dropout", "Flatten", "MaxPool2d",
     "AvgPool2d", "AdaptiveAvgPool2d", "Upsample", "Identity", "LeakyReLU", "ReLU6",
     "Hardswish", "Mish", "ELU", "Unflatten", "ReflectionPad2d", "ReplicationPad2d",
     "ZeroPad2d", "PixelShuffle", "PixelUnshuffle", "MaxPool1d", "AvgPool1d",
     "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "GLU")
)  # fmt: skip
"""The layers of the plugin's table that hold no parameters."""

RECURRENT_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
"""The recurrent layers of ``dfdx.nn.recurrent`` (not in the plugin's table: their types hold
no sizes, so their constructor call is read) and the gate blocks stacked in each weight."""


def _recurrent(gates: int, call: Expression | None) -> int | None:
    """PyTorch's ``weight_ih_l{k}`` ``(gates * H, in_k)``, ``weight_hh_l{k}`` ``(gates * H, H)``
    and, with ``bias``, ``bias_ih_l{k}`` and ``bias_hh_l{k}`` ``(gates * H,)`` for each layer
    ``k`` and direction; ``in_k`` is ``input_size`` for the first layer, then ``H`` times the
    number of directions."""
    values = [
        _literal(call, ("input_size",), -1),
        _literal(call, ("hidden_size",), -1),
        _literal(call, ("num_layers",), 1),
        _literal(call, ("bias",), True),
        _literal(call, ("bidirectional",), False),
    ]
    if any(v is None or v == -1 for v in values):
        return None
    size, hidden, layers, bias, bidirectional = (int(v) for v in values if v is not None)
    directions = 2 if bidirectional else 1
    rows = gates * hidden
    total = 0
    for k in range(layers):
        inputs = size if k == 0 else hidden * directions
        total += directions * (rows * (inputs + hidden) + (2 * rows if bias else 0))
    return total


def parameters(layer: Instance, call: Expression | None = None) -> int | None:
    """The number of parameters of a layer whose sizes its type holds as literals, or None.
    ``call`` is the constructor call, read for ``bias=``/``affine=`` (which types do not hold)
    and for a recurrent layer's sizes; without it a layer with such a switch is not counted."""
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
    if layer.type.fullname == f"{RECURRENT}.{name}" and name in RECURRENT_GATES:
        return _recurrent(RECURRENT_GATES[name], call)
    args = plugin.layer_arguments(layer)
    if args is None:
        return None
    if name in _PARAMETER_FREE:
        return 0
    count = COUNTS.get(name)
    return None if count is None else count(args, call)


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
