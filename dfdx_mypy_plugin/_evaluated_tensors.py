"""Tensors of the per-instance evaluation (:mod:`dfdx_mypy_plugin._instances`): a shape
with, per axis, the layer whose output set that size, and the tensors it was computed from;
what movement ops, reductions and pools do to them; and, where two do not broadcast, which
layer is likely built wrong.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mypy.nodes import Context

from dfdx_mypy_plugin import shapes


class Stop(Exception):
    """Something the evaluator does not understand: the declared type stands."""


Blame = tuple[Context, str]
"""Where a layer (or a block) was built, and how messages name it (``Linear[16, 32]``)."""


_SERIALS = itertools.count()


@dataclass(frozen=True)
class EvaluatedTensor:
    shape: shapes.Shape
    origins: tuple[Blame | None, ...] = field(default=(), compare=False)
    """Per axis (where known), the layer whose output set that size."""
    serial: int = field(default_factory=lambda: next(_SERIALS), compare=False)
    made_from: frozenset[int] = field(default=frozenset(), compare=False)
    """The serials of the tensors this one was computed from."""
    before: tuple[Before | None, ...] = field(default=(), compare=False)
    """Per axis (where known), its size before the layer of ``origins`` set it, and the
    layer that had set that one: a strided convolution after one that already halved the
    map shows as having changed the size the other operand of a sum keeps."""

    kept: tuple[tuple[Kept, ...], ...] = field(default=(), compare=False)
    """Per axis (where known), the layers with a window (a convolution, a pool) that left
    its size as it was since a layer last set it: where another operand was halved, one of
    them is likely missing its stride."""

    def kept_at(self, axis: int) -> tuple[Kept, ...]:
        if len(self.kept) != len(self.shape) or not -len(self.shape) <= axis < len(self.shape):
            return ()
        return self.kept[axis]

    def origin(self, axis: int) -> Blame | None:
        if len(self.origins) != len(self.shape) or not -len(self.shape) <= axis < len(self.shape):
            return None
        return self.origins[axis]

    def before_at(self, axis: int) -> Before | None:
        if len(self.before) != len(self.shape) or not -len(self.shape) <= axis < len(self.shape):
            return None
        return self.before[axis]

    def derived(
        self,
        shape: shapes.Shape,
        origins: tuple[Blame | None, ...] = (),
        before: tuple[Before | None, ...] = (),
        kept: tuple[tuple[Kept, ...], ...] = (),
    ) -> EvaluatedTensor:
        """A tensor computed from this one."""
        return EvaluatedTensor(
            shape, origins, made_from=self.made_from | {self.serial}, before=before, kept=kept
        )


Kept = tuple[Blame, bool]
"""A layer with a window that kept a size, and whether its window is wider than 1."""


Before = tuple[shapes.Dim, Blame | None]
"""A size an axis had before a layer changed it, and the layer that had set it."""


UNKNOWN = object()
"""A value the evaluator does not know (a field built by a call it does not follow); using
it stops the evaluation."""


KEEPS_SHAPE = frozenset(
    {
        "relu",
        "gelu",
        "silu",
        "sigmoid",
        "tanh",
        "exp",
        "log",
        "sqrt",
        "abs",
        "neg",
        "contiguous",
        "clone",
        "detach",
        "float",
        "softmax",
        "log_softmax",
        "dropout",
        "clamp",
        "leaky_relu",
        "relu6",
        "hardswish",
        "hardsigmoid",
        "elu",
        "mish",
        "softplus",
        "trace",
        "square",
    }
)
"""Ops of a tensor (methods, or ``dx.<op>(x, ...)``) whose result has the input's shape."""


def as_size(v: object) -> shapes.Dim:
    if isinstance(v, bool) or not isinstance(v, int | str) or v is UNKNOWN:
        if v is None:
            return None
        raise Stop
    return v


def broadcast_origins(
    shape: shapes.Shape, a: EvaluatedTensor, b: EvaluatedTensor
) -> tuple[Blame | None, ...]:
    """Per axis of a broadcast's result, the layer that set its size: the operand's whose
    size it is (the left one's where both are the same)."""
    return tuple(_picked(shape, a, b, axis).origin(axis) for axis in range(-len(shape), 0))


def broadcast_before(
    shape: shapes.Shape, a: EvaluatedTensor, b: EvaluatedTensor
) -> tuple[Before | None, ...]:
    """:attr:`EvaluatedTensor.before` of a broadcast's result, as :func:`broadcast_origins`."""
    return tuple(_picked(shape, a, b, axis).before_at(axis) for axis in range(-len(shape), 0))


def broadcast_kept(
    shape: shapes.Shape, a: EvaluatedTensor, b: EvaluatedTensor
) -> tuple[tuple[Kept, ...], ...]:
    """:attr:`EvaluatedTensor.kept` of a broadcast's result, as :func:`broadcast_origins`."""
    return tuple(_picked(shape, a, b, axis).kept_at(axis) for axis in range(-len(shape), 0))


def _picked(
    shape: shapes.Shape, a: EvaluatedTensor, b: EvaluatedTensor, axis: int
) -> EvaluatedTensor:
    for operand in (a, b):
        if -len(operand.shape) <= axis and operand.shape[axis] == shape[axis]:
            return operand
    return EvaluatedTensor(())


def broadcast_blame(
    left: object,
    right: object,
    skip: int | None = None,
    inside: Callable[[Blame], bool] = lambda _: True,
) -> Blame | None:
    """The layer built wrong where two tensors do not broadcast: on the first axis whose
    sizes differ (neither 1), the layer that set the size of the operand computed from the
    other one (a squeeze-and-excitation gate computed from the features it scales, a
    residual branch from its input), or, of two computed from the same tensor, the one
    whose size a layer set where the other's is the input's; None where none is so. (A
    concatenation's operands are compared so, but for the axis ``skip`` they are joined
    on, given from the end, and sizes of 1, which do not stretch there.) ``inside``: whether
    a layer is built in the block where they meet (a layer missing its stride is sought
    there)."""
    if not (isinstance(left, EvaluatedTensor) and isinstance(right, EvaluatedTensor)):
        return None
    for axis in range(-1, -min(len(left.shape), len(right.shape)) - 1, -1):
        x, y = left.shape[axis], right.shape[axis]
        if axis == skip or x == y or x is None or y is None:
            continue
        if 1 in (x, y) and skip is None:
            continue
        if left.serial in right.made_from:
            return right.origin(axis)
        if right.serial in left.made_from:
            return left.origin(axis)
        if left.made_from & right.made_from:
            # both computed from one tensor (a block's output and its projection shortcut):
            # the one a layer changed the size of, where the other kept the input's, or
            # changed again after it had the other's size (a second strided convolution)
            skipped = _skipped_stride(left, right, axis, inside)
            if skipped is not None:
                return skipped or None
            a, b = left.origin(axis), right.origin(axis)
            if a is not None and b is not None:
                return _changed_again(left, right, axis)
            return a if b is None else b if a is None else None
        return None
    return None


def _skipped_stride(
    left: EvaluatedTensor, right: EvaluatedTensor, axis: int, inside: Callable[[Blame], bool]
) -> Blame | tuple[()] | None:
    """Where one operand is at most half the other's size on ``axis`` (the other path was
    not downsampled as this one was), the one layer with a window built in this block on
    the larger one's path that kept its size since a layer last set it: the convolution
    missing its stride (of several, the one wider than 1, where only one is). ``()`` where
    several may be; None where none is."""
    for small, big in ((left, right), (right, left)):
        x, y = small.shape[axis], big.shape[axis]
        if not (isinstance(x, int) and isinstance(y, int) and 0 < x and 2 * x <= y):
            continue
        kept = [k for k in big.kept_at(axis) if inside(k[0])]
        wide = [k for k in kept if k[1]] or kept
        if not wide:
            return None
        return wide[0][0] if len({k[0] for k in wide}) == 1 else ()
    return None


def _changed_again(left: EvaluatedTensor, right: EvaluatedTensor, axis: int) -> Blame | None:
    """Of two operands whose sizes on ``axis`` layers set, the layer that changed one after
    it had the other's size, where exactly one did."""
    found = [
        operand.origin(axis)
        for operand, other in ((left, right), (right, left))
        if (before := operand.before_at(axis)) is not None and before[0] == other.shape[axis]
    ]
    return found[0] if len(found) == 1 else None


def reshape_blame(x: EvaluatedTensor, name: str, args: list[object]) -> Blame | None:
    """The layer built wrong where ``x.reshape(...)`` (``view``) cannot give the sizes asked
    for: the one layer that set the sizes of ``x`` that are not among them (a gate's
    ``Linear`` built for ``channel // reduction`` outputs, viewed as ``(b, channel, 1,
    1)``); None where no one layer did."""
    if name not in ("reshape", "view"):
        return None
    dims = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
    wanted = [d for d in dims if d != -1]
    origins: set[Blame] = set()
    for axis, d in enumerate(x.shape):
        if d in wanted:
            wanted.remove(d)
            continue
        origin = x.origin(axis)
        if d is None or origin is None:
            return None
        origins.add(origin)
    return origins.pop() if len(origins) == 1 else None


def as_ints(values: Sequence[object]) -> list[int]:
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise Stop
    return [v for v in values if isinstance(v, int)]


def moved(x: EvaluatedTensor, name: str, args: list[object], named: dict[str, object]) -> object:
    shape = x.shape
    if name in KEEPS_SHAPE:
        return x
    if name == "size":
        if not args:
            return tuple(shape)
        (axis,) = as_ints(args[:1])
        return shape[shapes.normalize_axis("size", shape, axis)]
    if name in ("permute", "transpose"):
        if name == "permute":
            given = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
            out, order = shapes.permute(shape, as_ints(list(given)))
        else:
            i, j = (shapes.normalize_axis(name, shape, a) for a in as_ints(args))
            out = shapes.transpose(shape, i, j)
            order = tuple(j if k == i else i if k == j else k for k in range(len(shape)))
        return x.derived(out, tuple(x.origin(k) for k in order))
    if name in _REDUCTIONS and not (set(named) - {"axis", "keepdims"}) and len(args) <= 1:
        return _reduced(x, name, named.get("axis", args[0] if args else None), named)
    return x.derived(*_kept_prefix(x, _reshaped(shape, name, args, named)))


_REDUCTIONS = frozenset({"mean", "sum", "amax", "amin", "var", "std"})


def _reduced(
    x: EvaluatedTensor, name: str, axis: object, named: dict[str, object]
) -> EvaluatedTensor:
    """``x.mean(axis=(2, 3))``: the axes left keep their origins."""
    keepdims = named.get("keepdims", False)
    if not isinstance(keepdims, bool):
        raise Stop
    axes: int | tuple[int, ...] | None
    if axis is None:
        axes = None
    elif isinstance(axis, tuple):
        axes = tuple(as_ints(list(axis)))
    else:
        axes = as_ints([axis])[0]
    out = shapes.reduce(name, x.shape, axes, keepdims)
    gone = shapes.normalize_axes(name, x.shape, axes)
    origins = tuple(x.origin(i) for i in range(len(x.shape)) if keepdims or i not in gone)
    return x.derived(out, origins)


def _kept_prefix(
    x: EvaluatedTensor, out: shapes.Shape
) -> tuple[shapes.Shape, tuple[Blame | None, ...]]:
    """``out`` and, per axis, the origin of ``x``'s axis where all the sizes up to it are
    the same (a reshape that splits or merges only later axes keeps them)."""
    origins: list[Blame | None] = []
    for i, d in enumerate(out):
        same = i < len(x.shape) and out[: i + 1] == x.shape[: i + 1] and d is not None
        origins.append(x.origin(i) if same else None)
    return out, tuple(origins)


def _reshaped(
    shape: shapes.Shape, name: str, args: list[object], named: dict[str, object]
) -> shapes.Shape:
    if name in ("reshape", "view"):
        dims = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
        return shapes.reshape(shape, [as_size(d) for d in dims])
    if name == "flatten":
        start = named.get("start_axis", args[0] if args else 0)
        end = named.get("end_axis", args[1] if len(args) > 1 else -1)
        a, b = as_ints([start, end])
        return shapes.flatten(shape, a, b)
    if name == "unsqueeze" and len(args) == 1 and not named:
        return shapes.unsqueeze(shape, as_ints(args)[0])
    if name in ("max_pool2d", "avg_pool2d"):
        kernel = named.get("kernel_size", args[0] if args else None)
        stride = named.get("stride", args[1] if len(args) > 1 else None)
        padding = named.get("padding", args[2] if len(args) > 2 else 0)
        if stride is None:
            stride = kernel
        k, s, p = (as_pair(v) for v in (kernel, stride, padding))
        return shapes.pool(name, shape, k, s, p)
    if name == "interpolate" and not args:  # ``dx.interpolate(y, size=x.shape[-2:])``
        size, factor = named.get("size"), named.get("scale_factor")
        if size is not None and factor is None:
            return shapes.adaptive_pool("interpolate", shape, as_pair(size))
        if factor is not None and size is None:
            return shapes.upsample("upsample2d", shape, as_pair(factor))
        raise Stop
    if name == "adaptive_avg_pool2d":
        size = named.get("output_size", args[0] if args else None)
        return shapes.adaptive_pool(name, shape, as_pair(size))
    raise Stop


def as_pair(v: object) -> tuple[shapes.Dim, shapes.Dim]:
    if isinstance(v, tuple) and len(v) == 2:
        return (as_size(v[0]), as_size(v[1]))
    d = as_size(v)
    return (d, d)
