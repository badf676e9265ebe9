"""Ops of a tensor that the per-instance evaluation (:mod:`dfdx_mypy_plugin._instances`)
follows beyond the movement ops and reductions of :mod:`dfdx_mypy_plugin._evaluated_tensors`:
``pad`` (a ``ReflectionPad1d`` written as a block of the user's own), with the shape rule of
:mod:`dfdx_mypy_plugin.shapes` that the runtime and the plugin's rules use, and the
elementwise ops of one tensor not listed there (``sin``, ``cos`` of a positional encoding).

Arguments arrive as the evaluator's plain values (ints, tuples, ``str`` for a word); anything
else stops the evaluation (:class:`Stop`).
"""

from __future__ import annotations

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._evaluated_tensors import Blame, EvaluatedTensor, Stop, as_size

_ELEMENTWISE = frozenset({"sin", "cos", "erf", "log1p", "rsqrt", "pow", "cumsum", "to"})
"""Ops that keep their tensor's shape where their other arguments are not tensors."""

OPS = _ELEMENTWISE | {"pad", "split", "chunk"}
"""The names (``dx.<name>(x, ...)`` or ``x.<name>(...)``) followed here."""


def applied(
    x: EvaluatedTensor, name: str, args: list[object], named: dict[str, object]
) -> EvaluatedTensor | tuple[EvaluatedTensor, ...]:
    """``x.<name>(*args, **named)``'s result (a ``ShapeError`` where the op refuses it)."""
    if name == "pad":
        return _padded(x, args, named)
    if name in ("split", "chunk"):
        return _pieces(x, name, args, named)
    if name in _ELEMENTWISE:
        if any(isinstance(a, EvaluatedTensor) for a in [*args, *named.values()]):
            raise Stop  # (``pow`` of two tensors broadcasts)
        return x
    raise Stop


def _padded(x: EvaluatedTensor, args: list[object], named: dict[str, object]) -> EvaluatedTensor:
    """``dx.pad(x, (left, right), mode="reflect")``: the axes padded get sizes of their own
    (no layer set them); the others keep theirs and where they come from."""
    widths = named.get("pad", args[0] if args else None)
    mode = named.get("mode", args[1] if len(args) > 1 else "constant")
    if not isinstance(widths, tuple | list) or not isinstance(mode, str):
        raise Stop
    out = shapes.pad("pad", x.shape, [as_size(w) for w in widths], mode)
    padded = len(widths) // 2
    origins = tuple(x.origin(i) if i < len(x.shape) - padded else None for i in range(len(x.shape)))
    return x.derived(out, origins)


def _pieces(
    x: EvaluatedTensor, name: str, args: list[object], named: dict[str, object]
) -> tuple[EvaluatedTensor, ...]:
    """``dx.split(x, [c1, c2], axis=-1)``, ``x.chunk(3, axis=1)``: the pieces, whose other
    axes keep where their sizes come from."""
    how = "split_size_or_sections" if name == "split" else "chunks"
    given = named.get(how, args[0] if args else None)
    axis = named.get("axis", named.get("dim", args[1] if len(args) > 1 else 0))
    if isinstance(axis, bool) or not isinstance(axis, int) or len(args) > 2:
        raise Stop
    if isinstance(given, tuple | list):
        sizes = shapes.split_sizes(name, x.shape, [as_size(d) for d in given], axis)
    elif isinstance(given, int) and not isinstance(given, bool):
        if name == "split":
            sizes = shapes.split_sizes(name, x.shape, given, axis)
        else:
            sizes = shapes.chunk_sizes(x.shape, given, axis)
            if sizes is None and given > 0:  # an axis of unknown size: pieces of unknown size
                sizes = [None] * given
    else:
        raise Stop
    if sizes is None:
        raise Stop
    at = shapes.normalize_axis(name, x.shape, axis)
    origins = tuple(None if i == at else x.origin(i) for i in range(len(x.shape)))
    return tuple(x.derived(piece, origins) for piece in shapes.pieces(x.shape, at, sizes))


def indexed(x: EvaluatedTensor, items: list[object]) -> EvaluatedTensor:
    """``x[0]``, ``x[:, :, i : i + 1]``, ``x[..., None]``: basic indexing by ints, slices,
    ``None`` and ``...`` (an axis a slice keeps whole keeps where its size comes from)."""
    for i in items:
        if not (i is None or i is Ellipsis or isinstance(i, slice | int)) or isinstance(i, bool):
            raise Stop
    out = shapes.index(x.shape, items)  # type: ignore[arg-type]
    named = sum(1 for i in items if i is not None and i is not Ellipsis)
    expanded: list[object] = []
    for i in items:
        expanded.extend([slice(None)] * (len(x.shape) - named) if i is Ellipsis else [i])
    expanded.extend([slice(None)] * (len(x.shape) - len([i for i in expanded if i is not None])))
    origins: list[Blame | None] = []
    axis = 0
    for i in expanded:
        if i is None:
            origins.append(None)
            continue
        if isinstance(i, slice):
            whole = i.start is None and i.stop is None and i.step is None
            origins.append(x.origin(axis) if whole else None)
        axis += 1
    return x.derived(out, tuple(origins) if len(origins) == len(out) else ())


def matmul(a: EvaluatedTensor, b: EvaluatedTensor) -> EvaluatedTensor:
    """``a @ b``: its rows where ``a``'s come from, its columns where ``b``'s do."""
    out = shapes.matmul(a.shape, b.shape)
    origins: list[Blame | None] = [None] * len(out)
    if len(out) >= 1 and len(b.shape) >= 2:
        origins[-1] = b.origin(-1)
    if len(out) >= 2 and len(a.shape) >= 2:
        origins[-2] = a.origin(-2)
    return EvaluatedTensor(
        out, tuple(origins), made_from=a.made_from | b.made_from | {a.serial, b.serial}
    )


def stacked(tensors: list[EvaluatedTensor], axis: int) -> EvaluatedTensor:
    """``dx.stack(tensors, axis)``: the first one's origins on the axes kept."""
    out = shapes.stack([t.shape for t in tensors], axis)
    at = shapes.normalize_axis("stack", out, axis)
    first = tensors[0]
    origins = [first.origin(i) for i in range(len(first.shape))]
    origins.insert(at, None)
    made_from = frozenset().union(*(t.made_from | {t.serial} for t in tensors))
    return EvaluatedTensor(out, tuple(origins), made_from=made_from)


CREATED = frozenset({"zeros", "ones", "randn", "rand", "full", "zeros_like", "ones_like", "arange"})
"""Tensors made in ``forward`` (an initial state, a mask): ``dx.<name>(...)``."""

_SIZES_FIRST = frozenset({"zeros", "ones", "randn", "rand"})


def created(name: str, args: list[object], named: dict[str, object]) -> EvaluatedTensor:
    """The tensor ``dx.<name>(*args, **named)`` makes: its sizes given one by one or as a
    tuple (``dx.zeros(b, self.hidden)``, ``dx.full((b, n), 0.0)``), or those of the tensor
    it is made like; no layer set them."""
    if name == "arange":  # ``dx.arange(seq_len)``: positions
        return EvaluatedTensor((_arange_length(args, named),))
    if name in ("zeros_like", "ones_like"):
        if len(args) != 1 or not isinstance(args[0], EvaluatedTensor):
            raise Stop
        return EvaluatedTensor(args[0].shape)
    if name in _SIZES_FIRST:
        if len(args) == 1 and isinstance(args[0], tuple | list):
            sizes = list(args[0])
        else:
            sizes = list(args)
    elif name == "full" and len(args) == 2 and isinstance(args[0], tuple | list):
        sizes = list(args[0])
    else:
        raise Stop
    if not all(isinstance(s, int | str) and not isinstance(s, bool) for s in sizes):
        raise Stop
    return EvaluatedTensor(tuple(as_size(s) for s in sizes))


def _arange_length(args: list[object], named: dict[str, object]) -> shapes.Dim:
    """How many values ``dx.arange(end)``, ``(start, end)`` or ``(start, end, step)`` gives:
    a size where only ``end`` is given (a symbolic one too), else the ints' count."""
    step = named.get("step", args[2] if len(args) > 2 else 1)
    if len(args) == 1 and step == 1 and isinstance(args[0], int | str):
        return as_size(args[0])
    if not 1 <= len(args) <= 3:
        raise Stop
    ints = [*args[:2], step]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in ints):
        raise Stop
    start, end = (0, args[0]) if len(args) == 1 else (args[0], args[1])
    assert isinstance(start, int) and isinstance(end, int) and isinstance(step, int)
    if step == 0:
        raise Stop
    return len(range(start, end, step))
