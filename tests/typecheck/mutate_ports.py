"""Mutation harness: inject mechanical shape bugs into correct ports and count which ones mypy
with dfdx's plugin reports on the mutated line.

Usage (run with the venv whose dfdx_mypy_plugin counts)::

    python tests/typecheck/mutate_ports.py [PATH ...] [--per-model N] [--kinds K,K] [--jobs J]
        [--seed S] [--output MUTATIONS.md]

Each PATH is a port file or a folder of ports (without PATH: the dev ports under
/work/holdout{7,8,9}/ports-* and the shipped ``plugin_pass/port_*.py``). A port is a program
that imports dfdx and defines a ``Module`` subclass; bug copies (``*_bug<N>.py``) and helper
scripts are skipped. A port with ``main()`` is run by calling it; a port without one (the shipped
ports) is run by executing its module body, which builds and runs the model at top level.

Steps: every mutation operator (``KINDS``) proposes one-line edits of the port's source (the
text of one AST node, replaced by its column offsets, so every line number stays); the
candidates of a port are shuffled with a fixed seed and taken kind by kind in turn; each is run
(its ``main()`` or module body, in worker processes with a time limit) until ``--per-model``
mutants raise ``dfdx.ShapeError`` (kept); the others are counted as running clean (not a shape
bug) or raising another exception. The kept mutants and the correct ports are then checked by
mypy with ``mypy_plugin.ini`` (many files per run, one warm cache per worker). A mutant is
FOUND when a new ``[dfdx-*]`` error (one the correct port has not) is on its mutated line,
ELSEWHERE when new dfdx errors are only on other lines, SILENT when there are none. The
markdown report groups the misses by where the mutated size sits (function, construct, operand).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib.util
import io
import itertools
import json
import multiprocessing
import multiprocessing.pool
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "mypy_plugin.ini"
DEV_FOLDERS = [Path(f"/work/holdout{n}") for n in (7, 8, 9)]

KINDS = (
    "layer-size-double",
    "layer-size-halve",
    "layer-size-plus1",
    "layer-size-swap",
    "conv-option-change",
    "conv-option-drop",
    "reduce-axis",
    "reduce-keepdims",
    "permute-axes",
    "cat-axis",
    "reshape-arg",
    "reshape-drop",
    "size-arith",
    "size-const",
    "data-shape",
)

CONTAINERS = {"Module", "ModuleList", "ModuleDict", "Sequential", "ParameterList", "Residual"}
CONV_OPTIONS = {"stride", "padding", "kernel_size"}
NOT_SIZES = {
    "bias",
    "rng",
    "inplace",
    "affine",
    "eps",
    "p",
    "momentum",
    "dropout",
    "negative_slope",
    "alpha",
    "batch_first",
    "bidirectional",
    "track_running_stats",
    "elementwise_affine",
    "mode",
    "approximate",
    "causal",
    "scale_factor",
    "dtype",
    "seed",
    "init",
    "activation",
    "norm_first",
    "dilation",
    "output_padding",
    "padding_mode",
}
REDUCTIONS = {"sum", "mean", "max", "min", "amax", "amin", "var", "std", "logsumexp", "prod"}
REDUCTIONS_NO_KEEPDIMS = {"softmax", "log_softmax", "argmax", "argmin", "cumsum"}
TRANSPOSES = {"transpose", "swapaxes"}
JOINS = {"cat", "concat", "concatenate", "stack"}
RESHAPES = {"reshape", "view"}
DATA_FACTORIES = {
    "randn",
    "rand",
    "zeros",
    "ones",
    "empty",
    "full",
    "standard_normal",
    "normal",
    "uniform",
    "integers",
    "random",
    "randint",
}


# ----------------------------------------------------------------------------- mutations


@dataclass(frozen=True)
class Mutation:
    """One edit of one line: bytes ``col:end`` of line ``line`` (1-based, UTF-8 offsets as the
    AST gives them) replaced by ``new``."""

    line: int
    col: int
    end: int
    new: str
    kind: str
    context: str = ""
    statement: tuple[int, int] = (0, 0)  # the lines of the statement that holds the edit


def apply(source: str, m: Mutation) -> str:
    """``source`` with ``m`` applied; every other line unchanged."""
    lines = source.splitlines(keepends=True)
    text = lines[m.line - 1].encode()
    lines[m.line - 1] = (text[: m.col] + m.new.encode() + text[m.end :]).decode()
    return "".join(lines)


def old_text(source: str, m: Mutation) -> str:
    return source.splitlines()[m.line - 1].encode()[m.col : m.end].decode()


def _int(node: ast.expr) -> int | None:
    """The value of an int literal (``3``, ``-1``), else None (bools are not ints here)."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) is int
    ):
        return -node.operand.value
    return None


def _one_line(*nodes: ast.AST) -> bool:
    lines = {getattr(n, "lineno", None) for n in nodes} | {
        getattr(n, "end_lineno", None) for n in nodes
    }
    return len(lines) == 1 and None not in lines


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _atom(node: ast.expr) -> bool:
    return isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call, ast.Constant))


def _sizeish(node: ast.expr) -> bool:
    """Could ``node`` be an int size: an int literal, a name, an attribute, arithmetic of them."""
    if _int(node) is not None:
        return True
    if isinstance(node, ast.Name):
        return node.id not in {"True", "False", "None", "rng", "self"}
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        return True
    if isinstance(node, ast.BinOp):
        return _sizeish(node.left) and _sizeish(node.right)
    if isinstance(node, ast.Call):
        return _name(node.func) in {"int", "len", "max", "min", "round"}
    return False


@dataclass
class _Port:
    """What the operators need to know about one port's AST."""

    tree: ast.Module
    source: str
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)
    user_modules: set[str] = field(default_factory=set)
    signatures: dict[str, Params] = field(default_factory=dict)
    module_aliases: set[str] = field(default_factory=set)
    dfdx_aliases: set[str] = field(default_factory=set)  # dx, F: modules of dfdx
    has_main: bool = False

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or ""

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        while node in self.parents:
            node = self.parents[node]
            yield node

    def function(self, node: ast.AST) -> ast.FunctionDef | None:
        for a in self.ancestors(node):
            if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return a  # type: ignore[return-value]
        return None


Params = list[tuple[str, str]]  # a constructor's parameters after self: (name, annotation)


def _nn_layers() -> dict[str, Params]:
    """dfdx.nn's layers (not the containers) with their constructors' parameters."""
    import inspect

    import dfdx.nn

    out = {}
    for n in dir(dfdx.nn):
        cls = getattr(dfdx.nn, n)
        if isinstance(cls, type) and issubclass(cls, dfdx.nn.Module) and n not in CONTAINERS:
            try:
                params = inspect.signature(cls).parameters.values()
            except (TypeError, ValueError):
                params = []  # type: ignore[assignment]
            out[n] = [(p.name, str(p.annotation)) for p in params]
    return out


_LAYERS: dict[str, Params] = {}


def _analyse(source: str) -> _Port:
    tree = ast.parse(source)
    port = _Port(tree, source)
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            port.parents[child] = node
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    modules = {"Module"}
    changed = True
    while changed:
        changed = False
        for c in classes:
            if c.name not in modules and any(_name(b) in modules for b in c.bases):
                modules.add(c.name)
                changed = True
    port.user_modules = modules - {"Module"}
    for c in classes:
        for f in c.body:
            if isinstance(f, ast.FunctionDef) and f.name == "__init__":
                args = [*f.args.posonlyargs, *f.args.args, *f.args.kwonlyargs][1:]
                port.signatures[c.name] = [
                    (a.arg, ast.unparse(a.annotation) if a.annotation else "") for a in args
                ]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            port.module_aliases |= {(a.asname or a.name).split(".")[0] for a in node.names}
            port.dfdx_aliases |= {
                (a.asname or a.name).split(".")[0] for a in node.names if a.name.startswith("dfdx")
            }
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dfdx"):
            port.module_aliases |= {a.asname or a.name for a in node.names if a.name.islower()}
            port.dfdx_aliases |= {a.asname or a.name for a in node.names if a.name.islower()}
    port.has_main = any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body)
    return port


def _scope_name(port: _Port, node: ast.AST) -> str:
    f = port.function(node)
    return f.name if f is not None else "<module>"


def _in_size_code(port: _Port, node: ast.AST) -> bool:
    """In ``__init__``, ``main()`` or (for a port without main) at module level."""
    name = _scope_name(port, node)
    return name in {"__init__", "main"} or (name == "<module>" and not port.has_main)


def _scaled(node: ast.expr, text: str, how: str) -> str | None:
    """``node`` (source ``text``) doubled, halved or plus one; None when it would not change."""
    v = _int(node)
    if v is not None:
        new = {"double": v * 2, "halve": v // 2, "plus1": v + 1}[how]
        return None if new == v or (how == "halve" and new == 0) else str(new)
    inner = text if _atom(node) else f"({text})"
    return {"double": f"{inner} * 2", "halve": f"{inner} // 2", "plus1": f"{inner} + 1"}[how]


def _replace(node: ast.AST, new: str, kind: str) -> Mutation | None:
    if not _one_line(node):
        return None
    return Mutation(node.lineno, node.col_offset, node.end_col_offset or 0, new, kind)  # type: ignore[attr-defined]


def _drop(call: ast.Call, item: ast.AST, kind: str) -> Mutation | None:
    """Remove ``item`` (an argument or keyword of ``call``) with its comma, on one line."""
    items: list[ast.AST] = [*call.args, *call.keywords]
    items.sort(key=lambda n: (n.lineno, n.col_offset))  # type: ignore[attr-defined]
    i = items.index(item)
    if i > 0:
        start, stop = items[i - 1], item
        if not _one_line(start, stop):
            return None
        return Mutation(item.lineno, start.end_col_offset, item.end_col_offset, "", kind)  # type: ignore[attr-defined]
    if len(items) > 1:
        nxt = items[1]
        if not _one_line(item, nxt):
            return None
        return Mutation(item.lineno, item.col_offset, nxt.col_offset, "", kind)  # type: ignore[attr-defined]
    return _replace(item, "", kind)


def _append(call: ast.Call, text: str, kind: str) -> Mutation | None:
    """``text`` (``, keepdims=True``) put after the last argument of ``call``."""
    items: list[ast.AST] = [*call.args, *call.keywords]
    if not items:
        return None
    last = max(items, key=lambda n: (getattr(n, "end_lineno", 0), getattr(n, "end_col_offset", 0)))
    line, col = getattr(last, "end_lineno", None), getattr(last, "end_col_offset", None)
    return None if line is None or col is None else Mutation(line, col, col, text, kind)


def _shifted_axis(v: int) -> int:
    return v + 1 if v >= 0 else v - 1


def _not_a_size(param: tuple[str, str] | None) -> bool:
    """A parameter that takes no size: by its name (``dropout``, ``bias``) or its annotation."""
    if param is None:
        return False
    name, annotation = param
    kinds = set(re.findall(r"\b(int|float|bool|str)\b", annotation))
    return name in NOT_SIZES or (bool(kinds) and "int" not in kinds)


def _conv_option(port: _Port, value: ast.expr, option: str) -> str:
    """A changed stride, padding or kernel size: 1 <-> 2 (0 -> 1), a kernel one smaller (1 -> 3)."""
    v = _int(value)
    if v is None:
        text = port.segment(value)
        return f"{text if _atom(value) else f'({text})'} + 1"
    if option == "kernel_size":
        return str(3 if v == 1 else v - 1)
    return {0: "1", 1: "2", 2: "1"}.get(v, str(v + 1))


def _layer_mutations(port: _Port, call: ast.Call) -> Iterator[Mutation | None]:
    name = _name(call.func)
    if name in _LAYERS:
        params = _LAYERS[name]
    elif name in port.user_modules:
        params = port.signatures.get(name, [])
    else:
        return
    by_name = dict(params)
    positional = [
        (a, params[i] if i < len(params) else None)
        for i, a in enumerate(call.args)
        if not isinstance(a, ast.Starred)
    ]
    if any(isinstance(a, ast.Starred) for a in call.args):
        positional = [(a, None) for a, _ in positional]
    size_args = [
        a
        for a, p in positional
        if _sizeish(a) and not _not_a_size(p) and (p is None or p[0] not in CONV_OPTIONS)
    ]
    sizes: list[ast.expr] = list(size_args)
    sizes += [
        k.value
        for k in call.keywords
        if k.arg
        and k.arg not in CONV_OPTIONS
        and not _not_a_size((k.arg, by_name.get(k.arg, "")))
        and _sizeish(k.value)
    ]
    for a, p in positional:
        if p is not None and p[0] in CONV_OPTIONS and _sizeish(a):
            yield _replace(a, _conv_option(port, a, p[0]), "conv-option-change")
    for a in sizes:
        text = port.segment(a)
        for how in ("double", "halve", "plus1"):
            new = _scaled(a, text, how)
            if new is not None:
                yield _replace(a, new, f"layer-size-{how}")
    for a, b in itertools.pairwise(call.args):
        if a in size_args and b in size_args and _one_line(a, b):
            ta, tb = port.segment(a), port.segment(b)
            if ta != tb:
                between = port.source.splitlines()[a.lineno - 1].encode()[
                    a.end_col_offset : b.col_offset
                ]
                new = tb + between.decode() + ta
                yield Mutation(
                    a.lineno, a.col_offset, b.end_col_offset or 0, new, "layer-size-swap"
                )
    for k in call.keywords:
        if k.arg in CONV_OPTIONS and _sizeish(k.value):
            new = _conv_option(port, k.value, k.arg)
            yield _replace(k.value, new, "conv-option-change")
            yield _drop(call, k, "conv-option-drop")


def _axis_arg(port: _Port, call: ast.Call, position: int) -> ast.expr | None:
    """The ``axis=`` keyword's value, else the positional argument at ``position`` (counting
    the tensor argument of a function-style call ``dx.sum(x, 1)``)."""
    for k in call.keywords:
        if k.arg in {"axis", "dim"}:
            return k.value
    if _function_style(port, call):
        position += 1
    return call.args[position] if len(call.args) > position else None


def _function_style(port: _Port, call: ast.Call) -> bool:
    f = call.func
    return isinstance(f, ast.Name) or (
        isinstance(f, ast.Attribute)
        and isinstance(f.value, ast.Name)
        and f.value.id in port.module_aliases
    )


def _axis_mutations(port: _Port, call: ast.Call) -> Iterator[Mutation | None]:
    name = _name(call.func)
    if not isinstance(call.func, ast.Attribute):
        return
    owner = call.func.value
    if _function_style(port, call) and _name(owner) not in port.dfdx_aliases:
        return  # np.stack, math.prod: not dfdx's
    if name in REDUCTIONS | REDUCTIONS_NO_KEEPDIMS:
        axis = _axis_arg(port, call, 0)
        if axis is not None and (v := _int(axis)) is not None:
            yield _replace(axis, str(_shifted_axis(v)), "reduce-axis")
        if name in REDUCTIONS and axis is not None:
            keep = [k for k in call.keywords if k.arg == "keepdims"]
            if (
                keep
                and isinstance(keep[0].value, ast.Constant)
                and isinstance(keep[0].value.value, bool)
            ):
                yield _replace(keep[0].value, str(not keep[0].value.value), "reduce-keepdims")
            elif not keep:
                yield _append(call, ", keepdims=True", "reduce-keepdims")
    elif name == "permute":
        axes = call.args[1:] if _function_style(port, call) else call.args
        if len(axes) == 1 and isinstance(axes[0], (ast.Tuple, ast.List)):
            axes = axes[0].elts
        for a, b in itertools.pairwise(axes):
            if _one_line(a, b) and port.segment(a) != port.segment(b):
                between = port.source.splitlines()[a.lineno - 1].encode()[
                    a.end_col_offset : b.col_offset
                ]
                yield Mutation(
                    a.lineno,
                    a.col_offset,
                    b.end_col_offset or 0,
                    port.segment(b) + between.decode() + port.segment(a),
                    "permute-axes",
                )
    elif name in TRANSPOSES:
        pair = call.args[1:] if _function_style(port, call) else call.args
        if len(pair) == 2 and (v := _int(pair[1])) is not None:
            other = _shifted_axis(v)
            if other == _int(pair[0]):
                other = _shifted_axis(other)
            yield _replace(pair[1], str(other), "permute-axes")
    elif name in JOINS and _function_style(port, call):
        axis = _axis_arg(port, call, 0)
        if axis is not None and (v := _int(axis)) is not None:
            yield _replace(axis, str(_shifted_axis(v)), "cat-axis")
        elif axis is None and call.args:
            yield _append(call, ", axis=1", "cat-axis")
    elif name in RESHAPES and not _function_style(port, call):
        dims: list[ast.expr] = list(call.args)
        if len(dims) == 1 and isinstance(dims[0], (ast.Tuple, ast.List)):
            dims = list(dims[0].elts)
            container: ast.AST | None = call.args[0]
        else:
            container = None
        for d in dims:
            if _int(d) == -1 or not _sizeish(d):
                continue
            doubled = _scaled(d, port.segment(d), "double")
            if doubled is not None:
                yield _replace(d, doubled, "reshape-arg")
        if len(dims) >= 2:
            for d in dims:
                if container is None:
                    yield _drop(call, d, "reshape-drop")
                else:
                    yield _drop_element(container, d)
    elif name == "flatten" and not _function_style(port, call):
        for d in call.args:
            if (v := _int(d)) is not None:
                yield _replace(d, str(_shifted_axis(v)), "reshape-arg")


def _drop_element(container: ast.AST, item: ast.expr) -> Mutation | None:
    elts: list[ast.expr] = container.elts  # type: ignore[attr-defined]
    i = elts.index(item)
    if i > 0:
        if not _one_line(elts[i - 1], item):
            return None
        return Mutation(
            item.lineno,
            elts[i - 1].end_col_offset or 0,
            item.end_col_offset or 0,
            "",
            "reshape-drop",
        )
    if not _one_line(item, elts[1]):
        return None
    return Mutation(item.lineno, item.col_offset, elts[1].col_offset, "", "reshape-drop")


def _arith_mutations(port: _Port, node: ast.BinOp) -> Iterator[Mutation | None]:
    if not isinstance(node.op, (ast.FloorDiv, ast.Mult, ast.Add, ast.Sub)) or not _in_size_code(
        port, node
    ):
        return
    if not (_sizeish(node.left) and _sizeish(node.right)):
        return
    for side in (node.right, node.left):
        if (v := _int(side)) is not None and v >= 0:
            yield _replace(side, str(v + 1), "size-arith")
            return
    if isinstance(node.right, (ast.Name, ast.Attribute)):
        yield _replace(node.right, f"({port.segment(node.right)} + 1)", "size-arith")


def _const_mutations(port: _Port, node: ast.AST) -> Iterator[Mutation | None]:
    """An int literal bound to a name in ``__init__``/``main`` (``d_model = 32``) or an
    ``__init__`` parameter's default (``kernel_size: int = 3``) plus one."""
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and _in_size_code(port, node):
        value = node.value
        if value is not None and (v := _int(value)) is not None and v > 0:
            yield _replace(value, str(v + 1), "size-const")
    elif isinstance(node, ast.FunctionDef) and node.name == "__init__":
        for d in [*node.args.defaults, *(k for k in node.args.kw_defaults if k is not None)]:
            if (v := _int(d)) is not None and v > 0:
                yield _replace(d, str(v + 1), "size-const")


def _data_mutations(port: _Port, call: ast.Call) -> Iterator[Mutation | None]:
    """An int in the shape of data made in ``main`` (``rng.standard_normal((2, 3, 32, 32))``,
    ``dx.randn(2, 8)``) plus one."""
    if _name(call.func) not in DATA_FACTORIES or not _in_size_code(port, call):
        return
    for a in [*call.args, *(k.value for k in call.keywords if k.arg in {"size", "shape"})]:
        elts = a.elts if isinstance(a, ast.Tuple) else [a]
        for e in elts:
            if (v := _int(e)) is not None and v > 0:
                yield _replace(e, str(v + 1), "data-shape")


def mutations(source: str) -> list[Mutation]:
    """Every one-line mutation the operators propose for ``source``, with its context."""
    if not _LAYERS:
        _LAYERS.update(_nn_layers())
    port = _analyse(source)
    out: dict[tuple[int, int, int, str], Mutation] = {}
    nodes: dict[tuple[int, int, int, str], ast.AST] = {}
    for node in ast.walk(port.tree):
        found: list[Iterator[Mutation | None]] = []
        if isinstance(node, ast.Call):
            found += [
                _layer_mutations(port, node),
                _axis_mutations(port, node),
                _data_mutations(port, node),
            ]
        elif isinstance(node, ast.BinOp):
            found.append(_arith_mutations(port, node))
        found.append(_const_mutations(port, node))
        for it in found:
            for m in it:
                if m is None or m.end < m.col:
                    continue
                key = (m.line, m.col, m.end, m.new)
                if key not in out and old_text(source, m) != m.new:
                    out[key] = m
                    nodes[key] = node
    result = []
    for key, m in out.items():
        node = nodes[key]
        ctx = context(port, node, m)
        result.append(Mutation(m.line, m.col, m.end, m.new, m.kind, ctx, _statement(port, node, m)))
    result.sort(key=lambda m: (m.line, m.col, m.kind, m.new))
    return result


def _statement(port: _Port, node: ast.AST, m: Mutation) -> tuple[int, int]:
    """The first and last line of the simple statement around ``node`` (of a compound
    statement's header: ``for``, ``if``, ``def``)."""
    for a in [node, *port.ancestors(node)]:
        if isinstance(a, ast.stmt):
            body = getattr(a, "body", None)
            if isinstance(body, list) and body:
                return (a.lineno, max(a.lineno, body[0].lineno - 1))
            return (a.lineno, a.end_lineno or a.lineno)
    return (m.line, m.line)


# ----------------------------------------------------------------------------- context


def _operand(port: _Port, node: ast.AST, m: Mutation) -> str:
    """What the mutated text is: a literal, a parameter of its function, ``self.x``, a local."""
    target = None
    for n in ast.walk(node):
        if (
            isinstance(n, ast.expr)
            and getattr(n, "lineno", 0) == m.line
            and (n.col_offset, n.end_col_offset) == (m.col, m.end)
        ):
            target = n
            break
    if target is None:
        return (
            "two arguments"
            if m.kind.endswith("swap") or m.kind == "permute-axes"
            else "edit of the call"
        )
    if _int(target) is not None:
        return "literal"
    f = port.function(node)
    params = {a.arg for a in f.args.args + f.args.kwonlyargs} if f is not None else set()
    names = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} - {"self"}
    attrs = any(isinstance(n, ast.Attribute) and _name(n.value) == "self" for n in ast.walk(target))
    kinds = []
    if names & params:
        kinds.append("parameter")
    if names - params - port.module_aliases:
        kinds.append("local")
    if attrs:
        kinds.append("self.attr")
    form = "+".join(kinds) or "expression"
    return form if isinstance(target, (ast.Name, ast.Attribute)) else f"expression of {form}"


def context(port: _Port, node: ast.AST, m: Mutation) -> str:
    """Where the mutated size sits: function, the construct around it, the callee, the operand."""
    f = node if isinstance(node, ast.FunctionDef) else port.function(node)
    if f is None:
        scope = "module level"
    elif f.name == "__init__":
        cls = port.parents.get(f)
        built = sum(
            1
            for n in ast.walk(port.tree)
            if isinstance(n, ast.Call)
            and isinstance(cls, ast.ClassDef)
            and _name(n.func) == cls.name
            and _scope_name(port, n) == "__init__"
        )
        scope = "__init__ (sub-module)" if built else "__init__ (top model)"
    elif f.name in {"forward", "__call__"}:
        scope = "forward"
    elif f.name == "main":
        scope = "main"
    elif isinstance(port.parents.get(f), ast.ClassDef):
        scope = "helper method"
    else:
        scope = "helper function"
    construct = "parameter default" if node is f else "plain"
    for a in [] if node is f else port.ancestors(node):
        if a is f:
            break
        if isinstance(a, (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)):
            construct = "comprehension"
            break
        if isinstance(a, (ast.For, ast.While)):
            construct = "loop"
            break
        if isinstance(a, (ast.List, ast.Tuple, ast.Dict)) and construct == "plain":
            parent = port.parents.get(a)
            if isinstance(parent, ast.Call) and _name(parent.func) in CONTAINERS:
                construct = "container list"
            elif not isinstance(parent, ast.Call):
                construct = "config list"
        if (
            isinstance(a, ast.Call)
            and _name(a.func) in {"Sequential", "Residual"}
            and construct == "plain"
        ):
            construct = "Sequential arg"
        if isinstance(a, (ast.If, ast.IfExp)) and construct == "plain":
            construct = "branch"
    callee = ""
    if isinstance(node, ast.Call):
        name = _name(node.func)
        callee = (
            "dfdx.nn layer"
            if name in _LAYERS
            else "user module"
            if name in port.user_modules
            else ""
        )
    parts = [scope, construct]
    if callee:
        parts.append(callee)
    parts.append(_operand(port, node, m))
    return " / ".join(parts)


# ----------------------------------------------------------------------------- oracle


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise TimeoutError("time limit")


def run_program(args: tuple[str, str, bool, float]) -> str:
    """Run ``source`` as module ``name`` (its ``main()`` when ``has_main``); returns ``shape:
    MESSAGE``, ``clean``, ``timeout`` or ``other:TYPE: MESSAGE``."""
    import dfdx

    name, source, has_main, limit = args
    tmp = Path(tempfile.mkdtemp(prefix="mutant-run-"))
    path = tmp / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            spec.loader.exec_module(module)
            if has_main:
                module.main()
    except dfdx.ShapeError as exc:
        message = (str(exc).splitlines() or [""])[0][:200]
        # an index past a table's end (an Embedding built too small) is a value, not a shape
        return ("index: " if "out of range" in message else "shape: ") + message
    except TimeoutError:
        return "timeout"
    except BaseException as exc:  # every other failure is recorded by its type
        return f"other:{type(exc).__name__}: " + (str(exc).splitlines() or [""])[0][:160]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        sys.modules.pop(name, None)
        shutil.rmtree(tmp, ignore_errors=True)
    return "clean"


# ----------------------------------------------------------------------------- ports


@dataclass
class Port:
    path: Path
    model: str
    source: str
    has_main: bool


def _is_port(path: Path) -> bool:
    if re.search(r"_bug\d+$", path.stem) or path.stem in {
        "runtime_check",
        "measure_ports",
        "mutate_ports",
    }:
        return False
    text = path.read_text(encoding="utf-8")
    return "import dfdx" in text and re.search(r"^class \w+\(.*Module", text, re.M) is not None


def find_ports(paths: Sequence[Path]) -> list[Port]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            subs = sorted(p.glob("ports-*"))
            for folder in subs or [p]:
                files += sorted(folder.glob("*.py"))
        else:
            files.append(p)
    ports, seen = [], Counter[str]()
    for f in files:
        if not _is_port(f):
            continue
        model = f.stem
        seen[model] += 1
        if seen[model] > 1:
            model = f"{f.parent.name}_{model}"
        source = f.read_text(encoding="utf-8")
        ports.append(Port(f, model, source, _analyse(source).has_main))
    return ports


def _ordered(port: Port, muts: list[Mutation], kinds: set[str], seed: int) -> list[Mutation]:
    """The candidates shuffled with a seed of their own per model, then taken kind by kind."""
    rng = random.Random(f"{seed}:{port.model}")
    by_kind: dict[str, list[Mutation]] = defaultdict(list)
    for m in muts:
        if m.kind in kinds:
            by_kind[m.kind].append(m)
    queues = []
    for k in sorted(by_kind):
        rng.shuffle(by_kind[k])
        queues.append(by_kind[k])
    rng.shuffle(queues)
    out = []
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop(0))
    return out


# ----------------------------------------------------------------------------- mypy

ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<msg>.*?)(  \[(?P<code>[\w-]+)\])?$")
Error = tuple[int, str, str]  # line, code, message


def mypy_errors(files: list[Path], cache: str) -> dict[str, list[Error]]:
    """mypy's errors by absolute file path, for ``files`` checked in one run."""
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(CONFIG), "--cache-dir", cache]
        + ["--no-error-summary", "--show-absolute-path", "--hide-error-context", "--no-pretty"]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        check=False,
    )
    errors: dict[str, list[Error]] = {str(f.resolve()): [] for f in files}
    for text in out.stdout.splitlines():
        m = ERROR.match(text)
        if m:
            errors.setdefault(str(Path(m["file"]).resolve()), []).append(
                (int(m["line"]), m["code"] or "", m["msg"])
            )
    if out.returncode not in (0, 1):
        for f in files:
            errors[str(f.resolve())].append((0, "crash", (out.stderr or out.stdout)[-300:]))
    return errors


def _mypy_chunk(args: tuple[list[str], str]) -> dict[str, list[Error]]:
    files, cache = args
    return mypy_errors([Path(f) for f in files], cache)


def check_all(files: list[Path], jobs: int, cache: str) -> dict[str, list[Error]]:
    """mypy over ``files`` in chunks, ``jobs`` runs at a time, each on a copy of the warm cache."""
    caches = [cache]
    for i in range(1, jobs):
        copy = f"{cache}-{i}"
        shutil.copytree(cache, copy, dirs_exist_ok=True)
        caches.append(copy)
    size = max(1, min(60, (len(files) + jobs - 1) // jobs))
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    work = [([str(f) for f in c], caches[i % jobs]) for i, c in enumerate(chunks)]
    result: dict[str, list[Error]] = {}
    if jobs == 1:
        for w in work:
            result.update(_mypy_chunk(w))
        return result
    with multiprocessing.pool.ThreadPool(jobs) as pool:  # each thread waits on its mypy process
        # the caches must not be shared by two runs at once: chunk i uses cache i % jobs, so run
        # the chunks in rounds of ``jobs``
        for start in range(0, len(work), jobs):
            for part in pool.map(_mypy_chunk, work[start : start + jobs]):
                result.update(part)
    return result


# ----------------------------------------------------------------------------- report


@dataclass
class Mutant:
    """A mutant of one port: the edit, how its run ended, what mypy says of it."""

    model: str
    file: str
    mutation: Mutation
    index: int
    old: str
    run: str = ""
    verdict: str = ""  # FOUND, ELSEWHERE or SILENT
    new_errors: list[Error] = field(default_factory=list)  # new dfdx-* errors
    other_errors: list[Error] = field(default_factory=list)  # new errors of other codes

    def where(self) -> str:
        return f"{Path(self.file).name}:{self.mutation.line}"

    def plain_on_line(self) -> bool:
        """Missed, but mypy's own error (``[assignment]``, ``[return-value]``) is on the line."""
        return self.verdict != "FOUND" and any(
            e[0] == self.mutation.line for e in self.other_errors
        )

    def in_statement(self) -> bool:
        """ELSEWHERE, but on another line of the statement that holds the edit."""
        first, last = self.mutation.statement
        return self.verdict == "ELSEWHERE" and any(first <= e[0] <= last for e in self.new_errors)


@dataclass
class Results:
    """What a run measured, enough to write the report again (``--from-json``)."""

    argv: list[str]
    seconds: float
    ports: dict[str, str]  # model -> file
    port_runs: dict[str, str]  # model -> how its unmutated run ended
    port_errors: dict[str, list[Error]]  # model -> mypy's errors on the correct port
    runs: dict[str, int]  # how the candidates' runs ended: shape, clean, other:TYPE, timeout
    kept: list[Mutant]


def save(results: Results, path: Path) -> None:
    data = asdict(results)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def load(path: Path) -> Results:
    data = json.loads(path.read_text(encoding="utf-8"))
    kept = []
    for m in data.pop("kept"):
        raw = m.pop("mutation")
        raw["statement"] = tuple(raw["statement"])
        mutation = Mutation(**raw)
        m["new_errors"] = [tuple(e) for e in m["new_errors"]]
        m["other_errors"] = [tuple(e) for e in m["other_errors"]]
        kept.append(Mutant(mutation=mutation, **m))
    data["port_errors"] = {k: [tuple(e) for e in v] for k, v in data["port_errors"].items()}
    return Results(kept=kept, **data)


def _short(text: str, n: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def _nearest(m: Mutant) -> str:
    errs = m.new_errors or m.other_errors
    if not errs:
        return "none"
    e = min(errs, key=lambda e: abs(e[0] - m.mutation.line))
    return f"line {e[0]} [{e[1]}] {_short(e[2], 90)}"


WHAT = {
    "layer-size": "size argument of {callee}",
    "conv-option": "stride/padding/kernel_size of {callee}",
    "size-arith": "int in size arithmetic",
    "size-const": "size assigned or defaulted",
    "data-shape": "data shape",
    "reduce-axis": "reduction axis",
    "reduce-keepdims": "reduction keepdims",
    "permute-axes": "permute/transpose axes",
    "cat-axis": "cat/stack axis",
    "reshape-arg": "reshape/flatten argument",
    "reshape-drop": "reshape argument dropped",
}


def what(m: Mutant) -> str:
    """What was mutated, in words: a dfdx.nn layer's size, a user's module's size, an axis."""
    kind = m.mutation.kind
    family = next(f for f in WHAT if kind.startswith(f))
    parts = m.mutation.context.split(" / ")
    callee = "a dfdx.nn layer" if "dfdx.nn layer" in parts else "a user's module"
    return WHAT[family].format(callee=callee)


def group(m: Mutant) -> str:
    """The miss group: what was mutated, in which function, in which construct."""
    scope, construct = m.mutation.context.split(" / ")[:2]
    return f"{what(m)} in {scope}, {construct}"


def folder(m: Mutant) -> str:
    """The set a port is from: a holdout folder (``holdout9``) or the shipped ports."""
    parent = Path(m.file).parent
    return parent.parent.name if parent.name.startswith("ports-") else parent.name


def operand(m: Mutant) -> str:
    return m.mutation.context.split(" / ")[-1]


def report(r: Results) -> str:
    out: list[str] = []
    w = out.append
    kept = r.kept
    verdicts = Counter(m.verdict for m in kept)
    runs = Counter({k.split(":")[0]: 0 for k in r.runs})
    for k, v in r.runs.items():
        runs[k.split(":")[0]] += v
    stmt = sum(m.in_statement() for m in kept)
    w("# Mutation results: which mechanical shape bugs the plugin reports on their line\n")
    w(f"`{' '.join(r.argv)}`: {len(r.ports)} ports, {r.seconds / 60:.1f} min.\n")
    w("## Totals\n")
    w(
        f"- candidates run: {sum(r.runs.values())}: ShapeError {runs['shape']}, ran clean "
        f"{runs['clean']} (not a shape bug), ShapeError for an index out of range (a value, "
        f"not kept) {runs['index']}, other exception {runs['other']}, time limit "
        f"{runs['timeout']}"
    )
    others = sorted(((v, k[6:]) for k, v in r.runs.items() if k.startswith("other:")), reverse=True)
    if others:
        w("  - other exceptions: " + ", ".join(f"{k} {v}" for v, k in others))
    n = len(kept) or 1
    w(
        f"- **kept mutants (raise dfdx.ShapeError): {len(kept)}: FOUND {verdicts['FOUND']} "
        f"({100 * verdicts['FOUND'] / n:.0f}%), ELSEWHERE {verdicts['ELSEWHERE']} "
        f"({100 * verdicts['ELSEWHERE'] / n:.0f}%; {stmt} of them on another line of the "
        f"mutated statement), SILENT {verdicts['SILENT']} "
        f"({100 * verdicts['SILENT'] / n:.0f}%)**"
    )
    errs = r.port_errors
    dfdx_errs = {k: [e for e in v if e[1].startswith("dfdx-")] for k, v in errs.items()}
    w(
        f"- errors on the correct ports: {sum(map(len, errs.values()))} "
        f"({sum(map(len, dfdx_errs.values()))} with a dfdx code)"
    )
    bad = [f"{k} ({v})" for k, v in r.port_runs.items() if v != "clean"]
    if bad:
        w(f"- correct ports that do not run clean (no mutants taken): {', '.join(bad)}")
    w("")

    def table(title: str, key: Callable[[Mutant], str], by_misses: bool = True) -> None:
        rows: dict[str, Counter[str]] = defaultdict(Counter)
        for m in kept:
            rows[key(m)][m.verdict] += 1
            rows[key(m)]["stmt"] += m.in_statement()
            rows[key(m)]["plain"] += m.plain_on_line()
        w(f"## {title}\n")
        w("| | kept | found | elsewhere (same statement) | silent | missed | plain mypy on line |")
        w("|---|---:|---:|---:|---:|---:|---:|")

        def misses(k: str) -> int:
            return rows[k]["SILENT"] + rows[k]["ELSEWHERE"]

        for k in sorted(rows, key=lambda k: (-misses(k), k)) if by_misses else sorted(rows):
            c = rows[k]
            total = sum(c[v] for v in ("FOUND", "ELSEWHERE", "SILENT"))
            w(
                f"| {_md(k)} | {total} | {c['FOUND']} | {c['ELSEWHERE']} ({c['stmt']}) | "
                f"{c['SILENT']} | {100 * misses(k) / total:.0f}% | {c['plain']} |"
            )
        w("")

    table("By folder", folder, by_misses=False)
    table("By mutation kind", lambda m: m.mutation.kind)
    table("By what was mutated", what)
    table("By function (where the mutated text is)", lambda m: m.mutation.context.split(" / ")[0])
    table("By construct around it", lambda m: " / ".join(m.mutation.context.split(" / ")[:2]))
    table("By operand (what the mutated text is)", operand)

    w("## Misses grouped by where the mutated size sits (most misses first)\n")
    w(
        "Group = what was mutated, the function it is in (`__init__ (sub-module)`: the class is "
        "built in another module's `__init__`; `(top model)`: built in `main` or at top level), "
        "and the construct around it (plain, loop, comprehension, config list, Sequential arg, "
        "branch, parameter default). Per group: misses (silent + elsewhere) of kept; the "
        "operands (literal, a parameter of the function, self.attr, a local, an expression of "
        "those); examples: file:line [kind] `old` -> `new`; runtime error; the plugin's "
        "nearest new error.\n"
    )
    groups: dict[str, list[Mutant]] = defaultdict(list)
    for m in kept:
        groups[group(m)].append(m)
    ranked = sorted(
        groups.items(), key=lambda kv: (-sum(x.verdict != "FOUND" for x in kv[1]), kv[0])
    )
    for name, ms in ranked:
        missed = [x for x in ms if x.verdict != "FOUND"]
        if not missed:
            continue
        silent = sum(x.verdict == "SILENT" for x in missed)
        models = sorted({x.model for x in missed})
        w(
            f"### {_md(name)}: {len(missed)} of {len(ms)} missed ({silent} silent, "
            f"{len(missed) - silent} elsewhere; {len(models)} models)\n"
        )
        ops = Counter(operand(x) for x in missed)
        plain = sum(x.plain_on_line() for x in missed)
        w(
            "operands: "
            + ", ".join(f"{k} {v}" for k, v in ops.most_common())
            + (f"; mypy's own error on the mutated line: {plain}" if plain else "")
            + "\n"
        )
        seen: set[str] = set()
        examples = []
        for x in missed:  # one per model first
            if x.model not in seen:
                seen.add(x.model)
                examples.append(x)
        for x in examples[:4]:
            w(
                f"- {x.verdict} {x.where()} [{x.mutation.kind}] `{_md(_short(x.old, 50))}` -> "
                f"`{_md(_short(x.mutation.new, 50))}`; runtime: {_md(_short(x.run[7:], 70))}; "
                f"plugin: {_md(_nearest(x))}"
            )
        w("")

    table("By model", lambda m: m.model, by_misses=False)

    w("## Every kept mutant\n")
    w(
        "| verdict | where | kind | old -> new | context | runtime error "
        "| plugin's nearest new error |"
    )
    w("|---|---|---|---|---|---|---|")
    for m in sorted(kept, key=lambda m: (m.verdict, m.model, m.mutation.line)):
        w(
            f"| {m.verdict} | {m.where()} | {m.mutation.kind} | `{_md(_short(m.old, 40))}` -> "
            f"`{_md(_short(m.mutation.new, 40))}` | {_md(m.mutation.context)} | "
            f"{_md(_short(m.run[7:], 80))} | {_md(_nearest(m))} |"
        )
    if any(dfdx_errs.values()):
        w("\n## dfdx errors on the correct ports\n")
        for model, es in dfdx_errs.items():
            for e in es:
                w(f"- {model}:{e[0]} [{e[1]}] {_md(_short(e[2], 120))}")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- main


def run_oracle(
    ports: list[Port], kinds: set[str], per_model: int, seed: int, jobs: int, limit: float
) -> tuple[dict[str, str], Counter[str], list[Mutant]]:
    """Run the correct ports, then candidates in order until ``per_model`` per port raise
    ShapeError. Returns how each port's run ended, how the candidates' runs ended, the kept."""
    ctx = multiprocessing.get_context("fork")
    runs: Counter[str] = Counter()
    kept: dict[str, list[Mutant]] = defaultdict(list)
    with ctx.Pool(jobs, maxtasksperchild=40) as pool:
        first = pool.map(
            run_program, [(f"port_run_{p.model}", p.source, p.has_main, limit) for p in ports]
        )
        port_runs = {p.model: r.split(":")[0] for p, r in zip(ports, first, strict=True)}
        queues = {
            p.model: _ordered(p, mutations(p.source), kinds, seed)
            for p in ports
            if port_runs[p.model] == "clean"
        }
        by_model = {p.model: p for p in ports}
        counter = 0
        while True:
            batch: list[tuple[Port, Mutant]] = []
            for model, queue in queues.items():
                need = per_model - len(kept[model])
                for _ in range(min(len(queue), 2 * need if need > 0 else 0)):
                    counter += 1
                    p, edit = by_model[model], queue.pop(0)
                    mutant = Mutant(model, str(p.path), edit, counter, old_text(p.source, edit))
                    batch.append((p, mutant))
            if not batch:
                break
            work = [
                (f"mutant_{m.model}_{m.index}", apply(p.source, m.mutation), p.has_main, limit)
                for p, m in batch
            ]
            for (_, m), result in zip(batch, pool.map(run_program, work, chunksize=1), strict=True):
                m.run = result
                runs[
                    "other:" + result.split(":")[1]
                    if result.startswith("other:")
                    else result.split(":")[0]
                ] += 1
                if result.startswith("shape") and len(kept[m.model]) < per_model:
                    kept[m.model].append(m)
            print(
                f"  ran {sum(runs.values())} candidates, kept {sum(map(len, kept.values()))}",
                flush=True,
            )
    return port_runs, runs, [m for ms in kept.values() for m in ms]


def measure(ports: list[Port], mutants: list[Mutant], jobs: int) -> dict[str, list[Error]]:
    """Set each mutant's verdict from mypy's errors; returns the errors on the correct ports."""
    sources = {p.model: p.source for p in ports}
    with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        cache = str(Path(tmp) / "cache")
        files = {}
        for m in mutants:
            f = Path(tmp) / f"mutant_{re.sub(r'[^A-Za-z0-9_]', '_', m.model)}_{m.index}.py"
            f.write_text(apply(sources[m.model], m.mutation), encoding="utf-8")
            files[m.index] = f
        by_file = mypy_errors([p.path for p in ports], cache)
        port_errors = {p.model: by_file.get(str(p.path.resolve()), []) for p in ports}
        errors = check_all(list(files.values()), jobs, cache)
    for m in mutants:
        base = set(port_errors[m.model])
        new = [e for e in errors.get(str(files[m.index].resolve()), []) if e not in base]
        m.new_errors = [e for e in new if e[1].startswith("dfdx-")]
        m.other_errors = [e for e in new if not e[1].startswith("dfdx-")]
        if any(e[0] == m.mutation.line for e in m.new_errors):
            m.verdict = "FOUND"
        elif m.new_errors:
            m.verdict = "ELSEWHERE"
        else:
            m.verdict = "SILENT"
    return port_errors


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="ports or folders of ports")
    parser.add_argument("--per-model", type=int, default=12, help="kept mutants per model (cap)")
    parser.add_argument("--kinds", default="", help=f"comma-separated, of: {', '.join(KINDS)}")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per run")
    parser.add_argument("--output", type=Path, default=Path("MUTATIONS.md"))
    parser.add_argument(
        "--from-json", type=Path, help="write the report from a run's saved results, run nothing"
    )
    args = parser.parse_args(argv)
    if args.from_json:
        args.output.write_text(report(load(args.from_json)), encoding="utf-8")
        return
    kinds = set(args.kinds.split(",")) if args.kinds else set(KINDS)
    if unknown := kinds - set(KINDS):
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    paths = args.paths or [*DEV_FOLDERS, *sorted((HERE / "plugin_pass").glob("port_*.py"))]
    start = time.monotonic()
    import dfdx  # noqa: F401 - imported before the workers fork, so each has it loaded

    _LAYERS.update(_nn_layers())
    ports = find_ports(paths)
    print(f"{len(ports)} ports", flush=True)
    port_runs, runs, kept = run_oracle(
        ports, kinds, args.per_model, args.seed, args.jobs, args.time_limit
    )
    print(
        f"oracle done in {time.monotonic() - start:.0f} s; mypy on {len(kept)} mutants", flush=True
    )
    port_errors = measure(ports, kept, args.jobs)
    results = Results(
        argv=["mutate_ports.py", *(sys.argv[1:] if argv is None else argv)],
        seconds=time.monotonic() - start,
        ports={p.model: str(p.path) for p in ports},
        port_runs=port_runs,
        port_errors=port_errors,
        runs=dict(runs),
        kept=kept,
    )
    save(results, args.output.with_suffix(".json"))
    args.output.write_text(report(results), encoding="utf-8")
    v = Counter(m.verdict for m in kept)
    print(
        f"{len(kept)} kept: FOUND {v['FOUND']}, ELSEWHERE {v['ELSEWHERE']}, "
        f"SILENT {v['SILENT']}; {results.seconds / 60:.1f} min; wrote {args.output} and "
        f"{args.output.with_suffix('.json')}"
    )


if __name__ == "__main__":
    main()
