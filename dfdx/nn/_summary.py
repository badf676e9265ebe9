"""``dx.nn.summary(model, x)``: a table of the model's modules, their output shapes and their
parameter counts (as torchinfo's ``summary``), from one forward pass in eval mode."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from dfdx._tensor import Tensor
from dfdx.nn._module import Module
from dfdx_mypy_plugin.shapes import fmt


@dataclass
class _Row:
    path: str
    module: Module
    depth: int
    outputs: list[str] = field(default_factory=list)
    """The output of each call, as text (a module may be called more than once)."""


def _describe(value: object) -> str:
    if isinstance(value, Tensor):
        return fmt(value.shape)
    if isinstance(value, tuple | list):
        inner = ", ".join(_describe(v) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    return type(value).__name__


def _own_parameters(m: Module) -> int:
    """Scalars in the parameters ``m`` holds itself (not through its sub-modules)."""
    buffers = getattr(m, "_buffer_names", {})
    return sum(
        int(v._data.size)
        for name, v in m._members()
        if isinstance(v, Tensor) and name not in buffers
    )


@contextmanager
def _recording(rows: dict[int, _Row]) -> Iterator[None]:
    """While active, every call of a module of ``rows`` records its output in its row. The
    layers define ``__call__`` on their classes, so each class involved gets a wrapper for the
    duration (restored afterwards, even on an error); a module called from inside its own call
    (through ``super().__call__``) is recorded once."""
    classes = {type(r.module) for r in rows.values()}
    originals: dict[type, tuple[Callable[..., Any], bool]] = {
        cls: (cls.__call__, "__call__" in vars(cls)) for cls in classes
    }
    active: set[int] = set()

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def call(self: Module, *args: Any, **kwargs: Any) -> Any:
            row = rows.get(id(self))
            if row is None or id(self) in active:
                return original(self, *args, **kwargs)
            active.add(id(self))
            try:
                out = original(self, *args, **kwargs)
            finally:
                active.discard(id(self))
            row.outputs.append(_describe(out))
            return out

        return call

    try:
        for cls, (original, _) in originals.items():
            setattr(cls, "__call__", wrap(original))  # noqa: B010
        yield
    finally:
        for cls, (original, own) in originals.items():
            if own:
                setattr(cls, "__call__", original)  # noqa: B010
            else:
                delattr(cls, "__call__")


def _count(n: int) -> str:
    return f"{n:,}"


def summary(model: Module, *inputs: Any, verbose: bool = True) -> str:
    """Run ``model(*inputs)`` once in eval mode (no tape, no running statistics changed; each
    module's mode is restored) and describe every module, depth first: its path (PyTorch's
    ``named_modules`` name), its type, the shape of its output, and the number of parameters
    it holds itself; then the totals (a shared tensor counted once). Printed when ``verbose``
    and returned as a string. A module that did not run shows ``--``; one that ran several
    times shows its last output and the number of calls."""
    if not isinstance(model, Module):
        raise TypeError(f"summary: expected a dx.nn.Module, got {type(model).__name__}")
    traced = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._tape is not None]
    if traced:
        raise ValueError(
            f"summary: input {traced[0]} is traced; pass untraced tensors (summary runs "
            "without recording gradients)"
        )
    rows: dict[int, _Row] = {}
    for path, m in model.named_modules():
        rows[id(m)] = _Row(path or type(m).__name__, m, path.count(".") + 1 if path else 0)
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with _recording(rows):
            out = model(*inputs)
    finally:
        for m, mode in modes:
            m.training = mode
    del out
    table = [("Layer", "Type", "Output shape", "Params")]
    for row in rows.values():
        shown = row.outputs[-1] if row.outputs else "--"
        if len(row.outputs) > 1:
            shown += f" (x{len(row.outputs)} calls)"
        own = _own_parameters(row.module)
        count = _count(own) if own or not any(row.module.children()) else "--"
        table.append(("  " * row.depth + row.path, type(row.module).__name__, shown, count))
    widths = [max(len(line[i]) for line in table) for i in range(4)]

    def line(cells: tuple[str, str, str, str]) -> str:
        a, b, c, d = cells
        return f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d:>{widths[3]}}".rstrip()

    rule = "=" * (sum(widths) + 6)
    buffers = sum(int(t._data.size) for t in model.buffers())
    lines = [line(table[0]), rule, *(line(r) for r in table[1:]), rule]
    lines.append(f"Total params: {_count(model.num_parameters())}")
    lines.append(f"Buffers: {_count(buffers)} values")
    text = "\n".join(lines)
    if verbose:
        print(text)
    return text
