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
import multiprocessing
import multiprocessing.pool
import os
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
from dataclasses import dataclass, field
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
    module_aliases: set[str] = field(default_factory=set)
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


def _nn_layers() -> set[str]:
    import dfdx.nn

    return {
        n
        for n in dir(dfdx.nn)
        if isinstance(getattr(dfdx.nn, n), type)
        and issubclass(getattr(dfdx.nn, n), dfdx.nn.Module)
        and n not in CONTAINERS
    }


_LAYERS: set[str] = set()


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
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            port.module_aliases |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dfdx"):
            port.module_aliases |= {a.asname or a.name for a in node.names if a.name.islower()}
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


def _shifted_axis(v: int) -> int:
    return v + 1 if v >= 0 else v - 1


def _layer_mutations(port: _Port, call: ast.Call) -> Iterator[Mutation | None]:
    name = _name(call.func)
    if name not in _LAYERS and name not in port.user_modules:
        return
    sizes: list[ast.expr] = [a for a in call.args if _sizeish(a)]
    sizes += [
        k.value
        for k in call.keywords
        if k.arg and k.arg not in NOT_SIZES and k.arg not in CONV_OPTIONS and _sizeish(k.value)
    ]
    for a in sizes:
        text = port.segment(a)
        for how in ("double", "halve", "plus1"):
            new = _scaled(a, text, how)
            if new is not None:
                yield _replace(a, new, f"layer-size-{how}")
    for a, b in itertools.pairwise(call.args):
        if _sizeish(a) and _sizeish(b) and _one_line(a, b):
            ta, tb = port.segment(a), port.segment(b)
            if ta != tb:
                between = port.source.splitlines()[a.lineno - 1].encode()[
                    a.end_col_offset : b.col_offset
                ]  # type: ignore[index]
                new = tb + between.decode() + ta
                yield Mutation(
                    a.lineno, a.col_offset, b.end_col_offset or 0, new, "layer-size-swap"
                )
    for k in call.keywords:
        if k.arg in CONV_OPTIONS and _sizeish(k.value):
            v = _int(k.value)
            if v is not None:
                new = (
                    {0: "1", 1: "2", 2: "1"}.get(v, str(v + 1))
                    if k.arg != "kernel_size"
                    else str(v + 2 if v == 1 else v - 1)
                )
            else:
                text = port.segment(k.value)
                new = f"{text if _atom(k.value) else f'({text})'} + 1"
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
                last: ast.AST = [*call.args, *call.keywords][-1]
                yield Mutation(
                    last.end_lineno,
                    last.end_col_offset,
                    last.end_col_offset,
                    ", keepdims=True",
                    "reduce-keepdims",
                )  # type: ignore[attr-defined, arg-type]
    elif name == "permute":
        dims = call.args[1:] if _function_style(port, call) else call.args
        if len(dims) == 1 and isinstance(dims[0], (ast.Tuple, ast.List)):
            dims = dims[0].elts
        for a, b in itertools.pairwise(dims):
            if _one_line(a, b) and port.segment(a) != port.segment(b):
                between = port.source.splitlines()[a.lineno - 1].encode()[
                    a.end_col_offset : b.col_offset
                ]  # type: ignore[index]
                yield Mutation(
                    a.lineno,
                    a.col_offset,
                    b.end_col_offset or 0,
                    port.segment(b) + between.decode() + port.segment(a),
                    "permute-axes",
                )
    elif name in TRANSPOSES:
        dims = call.args[1:] if _function_style(port, call) else call.args
        if len(dims) == 2 and (v := _int(dims[1])) is not None:
            new = _shifted_axis(v)
            if new == _int(dims[0]):
                new = _shifted_axis(new)
            yield _replace(dims[1], str(new), "permute-axes")
    elif name in JOINS and _function_style(port, call):
        axis = _axis_arg(port, call, 0)
        if axis is not None and (v := _int(axis)) is not None:
            yield _replace(axis, str(_shifted_axis(v)), "cat-axis")
        elif axis is None and call.args:
            last = [*call.args, *call.keywords][-1]
            yield Mutation(
                last.end_lineno, last.end_col_offset, last.end_col_offset, ", axis=1", "cat-axis"
            )  # type: ignore[attr-defined, arg-type]
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
            new = _scaled(d, port.segment(d), "double")
            if new is not None:
                yield _replace(d, new, "reshape-arg")
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
        result.append(Mutation(m.line, m.col, m.end, m.new, m.kind, context(port, nodes[key], m)))
    result.sort(key=lambda m: (m.line, m.col, m.kind, m.new))
    return result


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
        return "shape: " + (str(exc).splitlines() or [""])[0][:200]
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
    port: Port
    mutation: Mutation
    index: int
    run: str = ""
    verdict: str = ""
    new_errors: list[Error] = field(default_factory=list)
    other_errors: list[Error] = field(default_factory=list)

    @property
    def old(self) -> str:
        return old_text(self.port.source, self.mutation)

    def where(self) -> str:
        return f"{self.port.path.name}:{self.mutation.line}"


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


def report(
    kept: list[Mutant],
    tried: list[Mutant],
    ports: list[Port],
    port_errors: dict[str, list[Error]],
    port_runs: dict[str, str],
    seconds: float,
    argv: list[str],
) -> str:
    out: list[str] = []
    w = out.append
    verdicts = Counter(m.verdict for m in kept)
    runs = Counter(m.run.split(":")[0] for m in tried)
    others = Counter(m.run.split(":")[1] for m in tried if m.run.startswith("other:"))
    w("# Mutation results: which mechanical shape bugs the plugin reports on their line\n")
    w(f"`{' '.join(argv)}`, {len(ports)} ports, {seconds / 60:.1f} min.\n")
    w("## Totals\n")
    w(
        f"- candidates run: {len(tried)}: ShapeError {runs['shape']}, ran clean {runs['clean']}, "
        f"other exception {runs['other']}, time limit {runs['timeout']}"
    )
    if others:
        w("  - other exceptions: " + ", ".join(f"{k} {v}" for k, v in others.most_common()))
    n = len(kept) or 1
    w(
        f"- **kept mutants (raise dfdx.ShapeError): {len(kept)}**: FOUND {verdicts['FOUND']} "
        f"({100 * verdicts['FOUND'] / n:.0f}%), ELSEWHERE {verdicts['ELSEWHERE']} "
        f"({100 * verdicts['ELSEWHERE'] / n:.0f}%), "
        f"SILENT {verdicts['SILENT']} ({100 * verdicts['SILENT'] / n:.0f}%)"
    )
    false = {
        p.model: [e for e in port_errors.get(str(p.path.resolve()), []) if e[1].startswith("dfdx-")]
        for p in ports
    }
    allerr = sum(len(port_errors.get(str(p.path.resolve()), [])) for p in ports)
    w(f"- errors on the correct ports: {allerr} ({sum(map(len, false.values()))} with a dfdx code)")
    bad = [f"{p.model} ({port_runs[p.model]})" for p in ports if port_runs.get(p.model) != "clean"]
    if bad:
        w(f"- correct ports that do not run clean (no mutants taken): {', '.join(bad)}")
    w("")

    def table(title: str, key: Callable[[Mutant], str], sort_by_misses: bool = True) -> None:
        rows: dict[str, Counter[str]] = defaultdict(Counter)
        for m in kept:
            rows[key(m)][m.verdict] += 1
        w(f"## {title}\n")
        w("| | kept | found | elsewhere | silent |")
        w("|---|---:|---:|---:|---:|")
        order = (
            sorted(rows, key=lambda k: (-(rows[k]["SILENT"] + rows[k]["ELSEWHERE"]), k))
            if sort_by_misses
            else sorted(rows)
        )
        for k in order:
            c = rows[k]
            w(f"| {_md(k)} | {sum(c.values())} | {c['FOUND']} | {c['ELSEWHERE']} | {c['SILENT']} |")
        w("")

    table("By mutation kind", lambda m: m.mutation.kind)
    table("By function (where the mutated text is)", lambda m: m.mutation.context.split(" / ")[0])
    table("By construct around it", lambda m: " / ".join(m.mutation.context.split(" / ")[:2]))

    w("## Misses grouped by where the mutated size sits (most misses first)\n")
    w(
        "Context = function / construct / callee (for a layer's arguments) / "
        "what the mutated text is "
        "(literal, a parameter of the function, self.attr, a local, an expression of those). "
        "Each group: misses (silent + elsewhere) of kept, and examples: file:line `old` -> `new`, "
        "the plugin's nearest new error.\n"
    )
    groups: dict[str, list[Mutant]] = defaultdict(list)
    for m in kept:
        groups[m.mutation.context].append(m)
    ranked = sorted(
        groups.items(), key=lambda kv: (-sum(x.verdict != "FOUND" for x in kv[1]), kv[0])
    )
    for ctx, ms in ranked:
        misses = [x for x in ms if x.verdict != "FOUND"]
        if not misses:
            continue
        silent = sum(x.verdict == "SILENT" for x in misses)
        models = len({x.port.model for x in misses})
        w(
            f"### {_md(ctx)}: {len(misses)} of {len(ms)} missed ({silent} silent, "
            f"{len(misses) - silent} elsewhere; {models} models)\n"
        )
        for x in misses[:3]:
            w(
                f"- {x.verdict} {x.where()} [{x.mutation.kind}] `{_md(_short(x.old, 50))}` -> "
                f"`{_md(_short(x.mutation.new, 50))}`: {_md(_nearest(x))}"
            )
        w("")

    table("By model", lambda m: m.port.model, sort_by_misses=False)

    w("## Every kept mutant\n")
    w("| verdict | where | kind | old -> new | context | plugin's nearest new error |")
    w("|---|---|---|---|---|---|")
    for m in sorted(kept, key=lambda m: (m.verdict, m.port.model, m.mutation.line)):
        w(
            f"| {m.verdict} | {m.where()} | {m.mutation.kind} | `{_md(_short(m.old, 40))}` -> "
            f"`{_md(_short(m.mutation.new, 40))}` | {_md(m.mutation.context)} | "
            f"{_md(_nearest(m))} |"
        )
    if any(false.values()):
        w("\n## dfdx errors on the correct ports\n")
        for model, errs in false.items():
            for e in errs:
                w(f"- {model}:{e[0]} [{e[1]}] {_md(_short(e[2], 120))}")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="ports or folders of ports")
    parser.add_argument("--per-model", type=int, default=12, help="kept mutants per model (cap)")
    parser.add_argument("--kinds", default="", help=f"comma-separated, of: {', '.join(KINDS)}")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per run")
    parser.add_argument("--output", type=Path, default=Path("MUTATIONS.md"))
    args = parser.parse_args(argv)
    kinds = set(args.kinds.split(",")) if args.kinds else set(KINDS)
    if unknown := kinds - set(KINDS):
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    paths = args.paths or [*DEV_FOLDERS, *sorted((HERE / "plugin_pass").glob("port_*.py"))]
    start = time.monotonic()
    import dfdx  # noqa: F401 - imported before the workers fork, so each has it loaded

    _LAYERS.update(_nn_layers())
    ports = find_ports(paths)
    print(f"{len(ports)} ports", flush=True)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(args.jobs, maxtasksperchild=40) as pool:
        runs = pool.map(
            run_program,
            [(f"port_run_{p.model}", p.source, p.has_main, args.time_limit) for p in ports],
        )
        port_runs = {p.model: r.split(":")[0] for p, r in zip(ports, runs, strict=True)}
        queues = {
            p.model: _ordered(p, mutations(p.source), kinds, args.seed)
            for p in ports
            if port_runs[p.model] == "clean"
        }
        by_model = {p.model: p for p in ports}
        kept: dict[str, list[Mutant]] = defaultdict(list)
        tried: list[Mutant] = []
        counter = 0
        while True:
            batch: list[Mutant] = []
            for model, queue in queues.items():
                need = args.per_model - len(kept[model])
                for _ in range(min(len(queue), max(0, need) * 2 if need > 0 else 0)):
                    counter += 1
                    batch.append(Mutant(by_model[model], queue.pop(0), counter))
            if not batch:
                break
            results = pool.map(
                run_program,
                [
                    (
                        f"mutant_{m.port.model}_{m.index}",
                        apply(m.port.source, m.mutation),
                        m.port.has_main,
                        args.time_limit,
                    )
                    for m in batch
                ],
                chunksize=1,
            )
            for m, r in zip(batch, results, strict=True):
                m.run = r
                tried.append(m)
                if r.startswith("shape") and len(kept[m.port.model]) < args.per_model:
                    kept[m.port.model].append(m)
            print(f"  ran {len(tried)} candidates, kept {sum(map(len, kept.values()))}", flush=True)
    mutants = [m for ms in kept.values() for m in ms]
    print(
        f"oracle done in {time.monotonic() - start:.0f} s; mypy on {len(mutants)} mutants",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        cache = str(Path(tmp) / "cache")
        files = {}
        for m in mutants:
            f = Path(tmp) / f"mutant_{re.sub(r'[^A-Za-z0-9_]', '_', m.port.model)}_{m.index}.py"
            f.write_text(apply(m.port.source, m.mutation), encoding="utf-8")
            files[m.index] = f
        port_errors = mypy_errors([p.path for p in ports], cache)
        errors = check_all(list(files.values()), args.jobs, cache)
    for m in mutants:
        base = {(e[0], e[1], e[2]) for e in port_errors.get(str(m.port.path.resolve()), [])}
        mine = errors.get(str(files[m.index].resolve()), [])
        new = [e for e in mine if e not in base]
        m.new_errors = [e for e in new if e[1].startswith("dfdx-")]
        m.other_errors = [e for e in new if not e[1].startswith("dfdx-")]
        if any(e[0] == m.mutation.line for e in m.new_errors):
            m.verdict = "FOUND"
        elif m.new_errors:
            m.verdict = "ELSEWHERE"
        else:
            m.verdict = "SILENT"
    seconds = time.monotonic() - start
    text = report(
        mutants,
        tried,
        ports,
        port_errors,
        port_runs,
        seconds,
        ["mutate_ports.py", *(argv or sys.argv[1:])],
    )
    args.output.write_text(text, encoding="utf-8")
    v = Counter(m.verdict for m in mutants)
    print(
        f"{len(mutants)} kept: FOUND {v['FOUND']}, ELSEWHERE {v['ELSEWHERE']}, "
        f"SILENT {v['SILENT']}; "
        f"{seconds / 60:.1f} min; wrote {args.output}"
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
