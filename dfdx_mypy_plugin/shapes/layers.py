"""What each layer of ``dx.nn`` does to a shape: one description per layer, read by the
runtime's ``Sequential`` (its chain check where it is built), by the plugin's constructor rule
(which arguments become type parameters), by its chain check where a ``Sequential`` is built
and by its fold where a module is called.

Adding a layer means adding one entry to :data:`LAYERS` (and, where it does something new to
the shape, an output rule below); a module of ``dx.nn`` that is not a layer of this kind is
listed in :data:`NOT_LAYERS` with the reason. ``tests/test_coverage.py`` checks that every
class of ``dx.nn`` is in one of the two, and each entry against its class's constructor.
For example::

    Layer("SiLU", _L),  # in LAYERS: an activation keeps the shape and reads nothing
    Layer("LayerNorm", _L, sizes=(Arg("normalized_shape"),), reads="features"),
    "ModuleList": "a container that is not called: its modules are",  # in NOT_LAYERS

A layer with its own output rule (a transposed convolution, an adaptive pool, an upsampling)
also names the rule function, written below beside ``_conv2d`` and calling the op's rule in
the family's module (``shapes.conv_transpose``, ``shapes.adaptive_pool``, ``shapes.upsample``);
its window arguments are listed in ``window`` so that the plugin records them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from dfdx_mypy_plugin.shapes._core import Dim, Shape, ShapeError, dim_div, fmt, fmt_dim
from dfdx_mypy_plugin.shapes.conv import (
    PADDING_MODES,
    PaddingMode,
    adaptive_pool,
    conv,
    conv_transpose,
    pool,
    same_needs_stride_1,
    upsample,
)
from dfdx_mypy_plugin.shapes.movement import flatten, pad, pixel_shuffle, pixel_unshuffle, reshape
from dfdx_mypy_plugin.shapes.nn import channels, features, linear, prelu, sequential_link
from dfdx_mypy_plugin.shapes.norm import group_norm
from dfdx_mypy_plugin.shapes.reduce import glu

SizeAxis = Literal["features", "channels"]
"""A size a layer reads or gives: ``features`` on the last axis, ``channels`` on axis 1."""

WindowValue = tuple[Dim, ...] | Dim
Window = Mapping[str, WindowValue]
"""A layer's window arguments by name (``{"kernel_size": (3, 3), "groups": 1, ...}``); None
for an int argument whose value is not known (``groups=dim`` in a generic module): only the
checks that need it are skipped, the window's sizes do not depend on it. A word where the
argument takes one (a convolution's ``padding="same"``). Another string is a symbolic size
(``"K"``, ``"(K-1)//2"``: a window built in a generic module from its size TypeVars), in a
pair or alone: the checks of literal values skip it, the output sizes are computed with it."""


def _is_symbolic(arg: Arg, value: WindowValue) -> bool:
    """Whether a window value is (or holds) a symbolic size, not a literal or a word."""
    if isinstance(value, tuple):
        return any(isinstance(v, str) for v in value)
    return isinstance(value, str) and value not in arg.words


@dataclass(frozen=True)
class Arg:
    """A constructor argument that the layer's type records (a type parameter)."""

    name: str
    default: int | None = None
    """Its default; None where the argument is required (or defaults to another one)."""
    pair: bool = False
    """A window argument: an int or a pair of ints, one per spatial axis."""
    default_from: str | None = None
    """Where absent, the value of this other argument (a pool's stride is its kernel)."""
    axis: bool = False
    """An axis, not a size: may be negative, and is not written in the layer's name."""
    minimum: int = 1
    """The least valid value (of each of a pair); an axis has none."""
    many: bool = False
    """A tuple of ints of any length (``Unflatten``'s ``unflattened_size``), each checked
    against ``minimum``."""
    words: tuple[str, ...] = ()
    """Strings it takes besides ints (a convolution's ``padding``: ``"same"``, ``"valid"``)."""
    flag: bool = False
    """A bool, not a size (a pool's ``ceil_mode``)."""
    attribute: str | None = None
    """The attribute a built layer keeps it in, where that is not its name (PReLU's
    ``num_parameters``: ``Module.num_parameters()`` is a method)."""
    optional: bool = False
    """May be absent with no default (Upsample's ``size`` and ``scale_factor``, one of the
    two): recorded as ``None`` in the layer's type, and absent from its window."""

    @property
    def kept_as(self) -> str:
        """The name of the attribute a built layer keeps the argument in."""
        return self.attribute or self.name

    sides: int = 0
    """An int or a tuple of ``sides`` ints (a padding layer's ``(left, right, top,
    bottom)``); 0 where it is not such an argument."""


OutputRule = Callable[["Layer", str, Shape, Sequence[Dim], "Window | None"], "Shape | None"]
"""``(layer, name, x, sizes, window)`` to the output shape, raising ShapeError where ``x`` does
not fit; None where the shape cannot be told (an axis that is not known)."""


@dataclass(frozen=True)
class Layer:
    """One layer of ``dx.nn``: its sizes and what it does to its input's shape."""

    name: str
    """The class name, as ``dx.nn`` exports it."""
    module: str
    """The module that defines the class (``dfdx.nn._layers``)."""
    sizes: tuple[Arg, ...] = ()
    """The constructor arguments its type parameters hold, in the order of those parameters
    (``Linear[in_features, out_features]``)."""
    reads: SizeAxis | None = None
    """The size its first ``sizes`` argument is checked against."""
    gives: SizeAxis | None = None
    """The size its output has, its last ``sizes`` argument (Linear: features)."""
    forgets: tuple[SizeAxis, ...] = ()
    """Sizes no longer known after it (a Conv2d's output has other features)."""
    ranks: tuple[int, ...] = ()
    """The input ranks it accepts; () for any."""
    window: tuple[Arg, ...] = ()
    """Window arguments (Conv2d, the pools), kept in the type's last parameter."""
    output: OutputRule | None = None
    """The rule for its output's shape; None where it keeps the shape (the input checked
    against ``reads`` and ``ranks``)."""
    relation: Callable[[str, Mapping[str, object]], None] | None = None
    """A check between constructor arguments, ``(layer name, values by name)``, run by
    :func:`check_arguments` after each one is checked; it skips values that are absent."""

    @property
    def fullname(self) -> str:
        return f"{self.module}.{self.name}"

    @property
    def keeps_shape(self) -> bool:
        return self.output is None


def check_arguments(layer: Layer, values: Mapping[str, object]) -> None:
    """The constructor arguments in ``values`` (by name; the plugin passes those it knows)
    checked against the table: ints (a bool is none), a pair of them where allowed, each at
    least the argument's minimum. Raises ShapeError (a ValueError) naming the argument."""
    for arg in (*layer.sizes, *layer.window):
        if arg.name not in values or (values[arg.name] is None and arg.default_from):
            continue
        value = values[arg.name]
        if isinstance(value, str) and value in arg.words:
            continue
        if arg.flag:
            if not isinstance(value, bool):
                raise ShapeError(f"{layer.name}: {arg.name} must be a bool, got {value!r}")
            continue
        items = value if arg.pair and isinstance(value, tuple) and len(value) == 2 else (value,)
        if arg.sides and isinstance(value, tuple) and len(value) == arg.sides:
            items = value
        bound = "> 0" if arg.minimum == 1 else f">= {arg.minimum}"
        wanted = "an int" if arg.axis else f"an int {bound}"
        if arg.pair:
            wanted += " or a pair of them"
        if arg.sides:
            wanted += f" or a tuple of {arg.sides} of them"
        if arg.words and isinstance(value, str):
            wanted = " or ".join(repr(w) for w in arg.words) + f", {wanted}"
        if arg.many:
            wanted = f"a tuple of ints {bound}"
            if not isinstance(value, tuple):
                raise ShapeError(f"{layer.name}: {arg.name} must be {wanted}, got {value!r}")
            items = value
        for item in items:
            if isinstance(item, bool) or not isinstance(item, int):
                raise ShapeError(f"{layer.name}: {arg.name} must be {wanted}, got {value!r}")
            if not arg.axis and item < arg.minimum:
                raise ShapeError(f"{layer.name}: {arg.name} must be {wanted}, got {value!r}")
    if layer.relation is not None:
        layer.relation(layer.name, values)


def display_name(layer: Layer, sizes: Sequence[Dim]) -> str:
    """``Linear[256, 10]``, ``ReLU``, ``Flatten``: a layer as messages write it."""
    shown = [fmt_dim(d) for a, d in zip(layer.sizes, sizes, strict=False) if not a.axis]
    return f"{layer.name}[{', '.join(shown)}]" if shown else layer.name


def check_input(layer: Layer, name: str, x: Shape, sizes: Sequence[Dim]) -> None:
    """``x`` checked against the size the layer reads and the ranks it accepts."""
    if layer.reads == "features":
        features(name, x, sizes[0])
    elif layer.reads == "channels" or layer.ranks:
        channels(name, x, layer.ranks, sizes[0] if layer.reads else None)


def output_shape(
    layer: Layer, x: Shape, sizes: Sequence[Dim], window: Window | None = None
) -> Shape | None:
    """The shape of ``layer(x)``; ``window`` None where its window arguments are unknown (or
    invalid: no size is computed from those)."""
    if window is not None:
        by_name = {a.name: a for a in layer.window}
        known = {
            k: v
            for k, v in window.items()
            if v is not None and not (k in by_name and _is_symbolic(by_name[k], v))
        }
        try:
            check_arguments(layer, known)
        except ShapeError:
            window = None
    name = display_name(layer, sizes)
    if layer.output is None:
        check_input(layer, name, x, sizes)
        return x
    return layer.output(layer, name, x, sizes, window)


# ---- output rules ------------------------------------------------------------------------------


def _linear(layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None) -> Shape:
    return linear(x, sizes[0], sizes[1])


def _embedding(layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None) -> Shape:
    return (*x, sizes[1])


def _pair(window: Window, name: str) -> tuple[Dim, Dim]:
    v = window[name]
    assert v is not None  # only ``groups`` may be unknown
    return (v[0], v[1]) if isinstance(v, tuple) else (v, v)


def _padding(window: Window, spatial: int) -> tuple[Dim, ...] | PaddingMode:
    """A convolution's ``padding``: one int per spatial axis, or ``"same"``/``"valid"``."""
    v = window["padding"]
    if v == "same":
        return "same"
    if v == "valid":
        return "valid"
    return _pair(window, "padding") if spatial == 2 else (_single(window, "padding"),)


def _conv2d(layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None) -> Shape:
    if w is None:
        check_input(layer, name, x, sizes)
        return (x[0], sizes[1], None, None)
    groups = _groups(w)
    if groups is None:  # the weight's channels are not known: the layer's own are checked
        check_input(layer, name, x, sizes)
    weight = (sizes[1], _per_group(sizes[0], groups), *_pair(w, "kernel_size"))
    stride, dilation = (_pair(w, a) for a in ("stride", "dilation"))
    return conv("conv2d", x, weight, stride, _padding(w, 2), dilation, groups)


def _single(window: Window, name: str) -> Dim:
    v = window[name]
    assert v is not None  # only ``groups`` may be unknown
    return v[0] if isinstance(v, tuple) else v


def _groups(window: Window) -> int | None:
    """``groups``, or None where it is not known (``groups=dim`` in a generic module)."""
    groups = window["groups"]
    assert groups is None or isinstance(groups, int)
    return groups


def _per_group(channels: Dim, groups: int | None) -> Dim:
    """``channels / groups``: a convolution weight's channel axis; None where not known."""
    return dim_div(channels, groups) if groups else None


def _transpose_groups(window: Window, out_channels: Dim) -> tuple[int, Dim]:
    """A transposed convolution's groups and output channels per group; with ``groups`` not
    known, one group of ``out_channels`` (the output has out_channels all the same)."""
    groups = _groups(window)
    return (1, out_channels) if groups is None else (groups, _per_group(out_channels, groups))


def _conv1d(layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None) -> Shape:
    if w is None:
        check_input(layer, name, x, sizes)
        return (x[0], sizes[1], None)
    groups = _groups(w)
    if groups is None:  # the weight's channels are not known: the layer's own are checked
        check_input(layer, name, x, sizes)
    kernel, stride, dilation = (_single(w, a) for a in ("kernel_size", "stride", "dilation"))
    weight = (sizes[1], _per_group(sizes[0], groups), kernel)
    return conv("conv1d", x, weight, (stride,), _padding(w, 1), (dilation,), groups)


def _conv_transpose1d(
    layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None
) -> Shape:
    if w is None:
        check_input(layer, name, x, sizes)
        return (x[0], sizes[1], None)
    names = ("kernel_size", "stride", "padding", "output_padding", "dilation")
    kernel, stride, padding, output_padding, dilation = (_single(w, a) for a in names)
    groups, per_group = _transpose_groups(w, sizes[1])
    weight = (sizes[0], per_group, kernel)
    return conv_transpose(
        "conv_transpose1d",
        x,
        weight,
        (stride,),
        (padding,),
        (output_padding,),
        (dilation,),
        groups,
    )


def _unflatten(
    layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None
) -> Shape | None:
    axis = sizes[0]
    parts = None if w is None else w["unflattened_size"]
    if not isinstance(axis, int) or not isinstance(parts, tuple):
        return None
    if not -len(x) <= axis < len(x):
        raise ShapeError(f"{name}: axis {axis} is out of range for {fmt(x)}")
    a = axis % len(x)
    try:
        new = reshape((x[a],), parts)
    except ShapeError:
        raise ShapeError(
            f"{name}: unflattened_size {parts!r} does not fit axis {axis} of {fmt(x)} "
            f"(size {fmt_dim(x[a])})"
        ) from None
    return (*x[:a], *new, *x[a + 1 :])


def _one_unknown(layer: str, values: Mapping[str, object]) -> None:
    """At most one size of ``unflattened_size`` is -1 (solved from the others)."""
    parts = values.get("unflattened_size")
    if isinstance(parts, tuple) and parts.count(-1) > 1:
        raise ShapeError(f"{layer}: only one size of unflattened_size may be -1, got {parts!r}")


def _group_norm(layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None) -> Shape:
    if len(x) < 2:
        raise ShapeError(f"{name}: needs an input (N, C, *) of at least 2 axes, got {fmt(x)}")
    channels(name, x, (len(x),), sizes[0])
    groups = None if w is None else w["num_groups"]
    return group_norm("group_norm", x, groups if isinstance(groups, int) else None, ())


def _groups_divide(*sizes: str) -> Callable[[str, Mapping[str, object]], None]:
    """The relation ``groups`` divides each of ``sizes`` (where all are known ints)."""

    def relation(layer: str, values: Mapping[str, object]) -> None:
        groups_name, *divided = sizes
        groups = values.get(groups_name)
        if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
            return
        for size in divided:
            n = values.get(size)
            if isinstance(n, int) and not isinstance(n, bool) and n % groups:
                raise ShapeError(f"{layer}: {groups_name} {groups} must divide {size} {n}")

    return relation


def _conv_relation(layer: str, values: Mapping[str, object]) -> None:
    """A convolution's ``groups`` divides its channels; ``padding="same"`` needs stride 1."""
    _groups_divide("groups", "in_channels", "out_channels")(layer, values)
    if values.get("padding") == "same" and "stride" in values:
        same_needs_stride_1(layer, values["stride"])


def _conv_transpose2d(
    layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None
) -> Shape:
    if w is None:
        check_input(layer, name, x, sizes)
        return (x[0], sizes[1], None, None)
    groups, per_group = _transpose_groups(w, sizes[1])
    weight = (sizes[0], per_group, *_pair(w, "kernel_size"))
    stride, padding, output_padding, dilation = (
        _pair(w, a) for a in ("stride", "padding", "output_padding", "dilation")
    )
    op = "conv_transpose2d"
    return conv_transpose(op, x, weight, stride, padding, output_padding, dilation, groups)


def _adaptive_avg_pool2d(
    layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None
) -> Shape:
    if w is None:
        check_input(layer, name, x, sizes)
        return (x[0], x[1], None, None)
    return adaptive_pool("adaptive_avg_pool2d", x, _pair(w, "output_size"))


def _upsample(layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None) -> Shape:
    """By ``scale_factor`` (each spatial size times its factor) or to ``size``."""
    if w is None or (w.get("size") is None and w.get("scale_factor") is None):
        check_input(layer, name, x, sizes)
        return (x[0], x[1], None, None)
    if w.get("size") is not None:
        return adaptive_pool("interpolate", x, _pair(w, "size"))
    return upsample("upsample2d", x, _pair(w, "scale_factor"))


def _pool(op: str) -> OutputRule:
    def rule(layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None) -> Shape:
        if w is None:
            check_input(layer, name, x, sizes)
            return (x[0], x[1], None, None)
        k, s, p = (_pair(w, a) for a in ("kernel_size", "stride", "padding"))
        return pool(op, x, k, s, p, w.get("ceil_mode") is True)

    return rule


def _pool1d(op: str) -> OutputRule:
    """``MaxPool1d``/``AvgPool1d``: the op's rule with the layer's window (ints)."""

    def rule(layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None) -> Shape:
        if w is None:
            check_input(layer, name, x, sizes)
            return (x[0], x[1], None)
        k, s, p = ((_single(w, a),) for a in ("kernel_size", "stride", "padding"))
        return pool(op, x, k, s, p, w.get("ceil_mode") is True)

    return rule


def _adaptive_pool1d(op: str) -> OutputRule:
    """``AdaptiveAvgPool1d``/``AdaptiveMaxPool1d``: ``(N, C, L)`` to ``(N, C, output_size)``."""

    def rule(layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None) -> Shape:
        if w is None:
            check_input(layer, name, x, sizes)
            return (x[0], x[1], None)
        return adaptive_pool(op, x, (_single(w, "output_size"),))

    return rule


def _glu(layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None) -> Shape | None:
    axis = sizes[0]
    if not isinstance(axis, int):
        return None
    try:
        return glu("glu", x, axis)
    except ShapeError as e:
        raise ShapeError(str(e).replace("glu:", f"{name}:", 1)) from None


def _pad2d(mode: str) -> OutputRule:
    """A padding layer's rule: ``padding`` an int (every side) or ``(left, right, top,
    bottom)``, as PyTorch's ``ReflectionPad2d``/``ReplicationPad2d``/``ZeroPad2d`` take it."""

    def rule(layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None) -> Shape:
        if len(x) not in (3, 4):
            raise ShapeError(f"{name}: expected a 3-d or 4-d input (N, C, H, W), got {fmt(x)}")
        if w is None:
            return (*x[:-2], None, None)
        widths = w["padding"]
        sides = widths if isinstance(widths, tuple) else (widths,) * 4
        try:
            return pad("pad", x, sides, mode)
        except ShapeError as e:
            raise ShapeError(str(e).replace("pad:", f"{name}:", 1)) from None

    return rule


def _shuffle(op: str, factor: str) -> OutputRule:
    """``PixelShuffle``/``PixelUnshuffle``: the op's rule with the layer's factor."""
    shape_rule = pixel_shuffle if op == "pixel_shuffle" else pixel_unshuffle

    def rule(layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None) -> Shape:
        r = None if w is None else w[factor]
        try:
            return shape_rule(op, x, r if not isinstance(r, tuple) else None)
        except ShapeError as e:
            raise ShapeError(str(e).replace(f"{op}:", f"{name}:", 1)) from None

    return rule


def _prelu(layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None) -> Shape:
    try:
        return prelu("prelu", x, (sizes[0],))
    except ShapeError as e:
        raise ShapeError(str(e).replace("prelu:", f"{name}:", 1)) from None


def _flatten(
    layer: Layer, name: str, x: Shape, sizes: Sequence[Dim], w: Window | None
) -> Shape | None:
    start, end = sizes
    if not isinstance(start, int) or not isinstance(end, int):
        return None
    return flatten(x, start, end)


# ---- the table ---------------------------------------------------------------------------------

_L = "dfdx.nn._layers"
_FEATURES: tuple[SizeAxis, ...] = ("features",)
_CHANNELS: tuple[SizeAxis, ...] = ("channels",)
_POOL_WINDOW = (
    Arg("kernel_size", pair=True),
    Arg("stride", pair=True, default_from="kernel_size"),
    Arg("padding", 0, pair=True, minimum=0),
    Arg("ceil_mode", False, flag=True),
)

_POOL1D_WINDOW = (
    Arg("kernel_size"),
    Arg("stride", default_from="kernel_size"),
    Arg("padding", 0, minimum=0),
    Arg("ceil_mode", False, flag=True),
)
_PAD_WINDOW = (Arg("padding", minimum=0, sides=4),)

LAYERS: tuple[Layer, ...] = (
    Layer("ReLU", _L),
    Layer("GELU", _L),
    Layer("Sigmoid", _L),
    Layer("Tanh", _L),
    Layer("Softmax", _L),
    Layer("Dropout", _L),
    Layer(
        "Linear",
        "dfdx.nn._linear",
        sizes=(Arg("in_features", minimum=0), Arg("out_features", minimum=0)),
        reads="features",
        gives="features",
        forgets=_CHANNELS,
        output=_linear,
    ),
    Layer("LayerNorm", _L, sizes=(Arg("normalized_shape"),), reads="features"),
    Layer("BatchNorm1d", _L, sizes=(Arg("num_features"),), reads="channels", ranks=(2, 3)),
    Layer("BatchNorm2d", _L, sizes=(Arg("num_features"),), reads="channels", ranks=(4,)),
    Layer(
        "Embedding",
        _L,
        sizes=(Arg("num_embeddings"), Arg("embedding_dim")),
        gives="features",
        forgets=_CHANNELS,
        output=_embedding,
    ),
    Layer(
        "Conv2d",
        _L,
        sizes=(Arg("in_channels"), Arg("out_channels")),
        reads="channels",
        gives="channels",
        forgets=_FEATURES,
        ranks=(4,),
        window=(
            Arg("kernel_size", pair=True),
            Arg("stride", 1, pair=True),
            Arg("padding", 0, pair=True, minimum=0, words=PADDING_MODES),
            Arg("dilation", 1, pair=True),
            Arg("groups", 1),
        ),
        output=_conv2d,
        relation=_conv_relation,
    ),
    Layer(
        "MaxPool2d",
        _L,
        forgets=_FEATURES,
        ranks=(4,),
        window=_POOL_WINDOW,
        output=_pool("max_pool2d"),
    ),
    Layer(
        "AvgPool2d",
        _L,
        forgets=_FEATURES,
        ranks=(4,),
        window=_POOL_WINDOW,
        output=_pool("avg_pool2d"),
    ),
    Layer(
        "Flatten",
        _L,
        sizes=(Arg("start_axis", 1, axis=True), Arg("end_axis", -1, axis=True)),
        forgets=("features", "channels"),
        output=_flatten,
    ),
    Layer("SiLU", _L),
    Layer(
        "ConvTranspose2d",
        _L,
        sizes=(Arg("in_channels"), Arg("out_channels")),
        reads="channels",
        gives="channels",
        forgets=_FEATURES,
        ranks=(4,),
        window=(
            Arg("kernel_size", pair=True),
            Arg("stride", 1, pair=True),
            Arg("padding", 0, pair=True, minimum=0),
            Arg("output_padding", 0, pair=True, minimum=0),
            Arg("groups", 1),
            Arg("dilation", 1, pair=True),
        ),
        output=_conv_transpose2d,
        relation=_groups_divide("groups", "in_channels", "out_channels"),
    ),
    Layer(
        "AdaptiveAvgPool2d",
        _L,
        forgets=_FEATURES,
        ranks=(4,),
        window=(Arg("output_size", pair=True),),
        output=_adaptive_avg_pool2d,
    ),
    Layer(
        "Upsample",
        _L,
        forgets=_FEATURES,
        ranks=(4,),
        window=(
            Arg("scale_factor", pair=True, optional=True),
            Arg("size", pair=True, optional=True),
        ),
        output=_upsample,
    ),
    Layer("Residual", "dfdx.nn._containers"),
    Layer("Identity", _L),
    Layer("LeakyReLU", _L),
    Layer("ReLU6", _L),
    Layer("Hardswish", _L),
    Layer("Mish", _L),
    Layer("ELU", _L),
    Layer(
        "Conv1d",
        _L,
        sizes=(Arg("in_channels"), Arg("out_channels")),
        reads="channels",
        gives="channels",
        forgets=_FEATURES,
        ranks=(3,),
        window=(
            Arg("kernel_size"),
            Arg("stride", 1),
            Arg("padding", 0, minimum=0, words=PADDING_MODES),
            Arg("dilation", 1),
            Arg("groups", 1),
        ),
        output=_conv1d,
        relation=_conv_relation,
    ),
    Layer(
        "GroupNorm",
        _L,
        sizes=(Arg("num_channels"),),
        reads="channels",
        window=(Arg("num_groups"),),
        output=_group_norm,
        relation=_groups_divide("num_groups", "num_channels"),
    ),
    Layer("RMSNorm", _L, sizes=(Arg("normalized_shape"),), reads="features"),
    Layer(
        "Unflatten",
        _L,
        sizes=(Arg("axis", axis=True),),
        forgets=("features", "channels"),
        window=(Arg("unflattened_size", many=True, minimum=-1),),
        output=_unflatten,
        relation=_one_unknown,
    ),
    Layer(
        "ConvTranspose1d",
        _L,
        sizes=(Arg("in_channels"), Arg("out_channels")),
        reads="channels",
        gives="channels",
        forgets=_FEATURES,
        ranks=(3,),
        window=(
            Arg("kernel_size"),
            Arg("stride", 1),
            Arg("padding", 0, minimum=0),
            Arg("output_padding", 0, minimum=0),
            Arg("groups", 1),
            Arg("dilation", 1),
        ),
        output=_conv_transpose1d,
        relation=_groups_divide("groups", "in_channels", "out_channels"),
    ),
    Layer("ReflectionPad2d", _L, forgets=_FEATURES, window=_PAD_WINDOW, output=_pad2d("reflect")),
    Layer(
        "ReplicationPad2d", _L, forgets=_FEATURES, window=_PAD_WINDOW, output=_pad2d("replicate")
    ),
    Layer("ZeroPad2d", _L, forgets=_FEATURES, window=_PAD_WINDOW, output=_pad2d("constant")),
    Layer(
        "PixelShuffle",
        _L,
        forgets=("features", "channels"),
        ranks=(4,),
        window=(Arg("upscale_factor"),),
        output=_shuffle("pixel_shuffle", "upscale_factor"),
    ),
    Layer(
        "PixelUnshuffle",
        _L,
        forgets=("features", "channels"),
        ranks=(4,),
        window=(Arg("downscale_factor"),),
        output=_shuffle("pixel_unshuffle", "downscale_factor"),
    ),
    Layer("InstanceNorm2d", _L, sizes=(Arg("num_features"),), reads="channels", ranks=(4,)),
    Layer("PReLU", _L, sizes=(Arg("num_parameters", 1, attribute="num_slopes"),), output=_prelu),
    Layer(
        "MaxPool1d",
        _L,
        forgets=_FEATURES,
        ranks=(3,),
        window=_POOL1D_WINDOW,
        output=_pool1d("max_pool1d"),
    ),
    Layer(
        "AvgPool1d",
        _L,
        forgets=_FEATURES,
        ranks=(3,),
        window=_POOL1D_WINDOW,
        output=_pool1d("avg_pool1d"),
    ),
    Layer(
        "AdaptiveAvgPool1d",
        _L,
        forgets=_FEATURES,
        ranks=(3,),
        window=(Arg("output_size"),),
        output=_adaptive_pool1d("adaptive_avg_pool1d"),
    ),
    Layer(
        "AdaptiveMaxPool1d",
        _L,
        forgets=_FEATURES,
        ranks=(3,),
        window=(Arg("output_size"),),
        output=_adaptive_pool1d("adaptive_max_pool1d"),
    ),
    Layer(
        "GLU",
        _L,
        sizes=(Arg("axis", -1, axis=True),),
        forgets=("features", "channels"),
        output=_glu,
    ),
)
"""Every layer of ``dx.nn`` that takes one tensor. ``Residual`` keeps the shape; the plugin
also folds its input through the module it wraps."""

NOT_LAYERS: dict[str, str] = {
    "Module": "the base class: a user's module is called as its own signature says",
    "Sequential": "a container: its layers are checked here, one by one; inside another "
    "Sequential its sizes are not known from here",
    "MultiHeadAttention": "several inputs (query, key, value, masks): rules/attention.py checks "
    "its heads where it is built and every input's features where it is called",
    "TransformerEncoderLayer": "rules/attention.py: heads where built, features where called",
    "TransformerDecoderLayer": "two inputs (tgt, memory): rules/attention.py",
    "TransformerEncoder": "a stack of TransformerEncoderLayer: rules/attention.py",
    "TransformerDecoder": "a stack of TransformerDecoderLayer: rules/attention.py",
    "Transformer": "two inputs (src, tgt): rules/attention.py",
    "SinusoidalPositionalEncoding": "rules/attention.py: d_model where built, features where "
    "called; the length S is checked against max_len at run time only",
    "LearnedPositionalEmbedding": "rules/attention.py: d_model where built; its signature keeps "
    "Tensor[*B, S, D]",
    "LSTM": "returns (output, (h_n, c_n)), not one tensor: rules/recurrent.py puts its sizes "
    "and layout into its type where it is built and checks its input and states where called",
    "GRU": "returns (output, h_n), not one tensor: rules/recurrent.py, as LSTM",
    "RNN": "returns (output, h_n), not one tensor: rules/recurrent.py, as LSTM",
    "LSTMCell": "takes a state and returns (h, c): rules/recurrent.py puts its sizes into its "
    "type where it is built and checks its input and states where called",
    "GRUCell": "takes a state: rules/recurrent.py, as LSTMCell",
    "LoadError": "an exception, not a module",
    "ParameterList": "holds tensors and is not called: its elements are typed by its element "
    "type (ParameterList[Tensor[L[4], NoneTape]])",
    "ModuleList": "a container that is not called: its modules are",
    "ModuleDict": "a container that is not called: its modules are",
}
"""Classes of ``dx.nn`` that are not in :data:`LAYERS`, and why."""

_BY_FULLNAME: dict[str, Layer] = {layer.fullname: layer for layer in LAYERS}


def layer_of(fullname: str) -> Layer | None:
    """The description of the class ``fullname`` (``dfdx.nn._layers.Conv2d``, as the plugin
    names a class and the runtime finds it: ``f"{cls.__module__}.{cls.__qualname__}"``); None
    for a class the table does not describe (a subclass included: its shape may differ)."""
    return _BY_FULLNAME.get(fullname)


# ---- Sequential: the chain -------------------------------------------------------------------


@dataclass(frozen=True)
class ChainLink:
    """One layer of a Sequential as the chain check reads it: its description (None for a
    module the table does not describe, after which no size is known) and its sizes."""

    layer: Layer | None
    sizes: tuple[Dim, ...] = ()
    takes: tuple[int, str] | None = None
    """The rank of the input it takes, and that input as messages show it (``Tensor[B, N,
    64]`` for a user's module, ``a 4-d input`` for ``Conv2d``); None where any rank is."""
    gives: tuple[int, str] | None = None
    """The rank of its output, and that output as messages show it; None where not known."""
    keeps_rank: bool = False
    """Whether its output has its input's rank (where ``gives`` is not known)."""


@dataclass(frozen=True)
class ChainMismatch:
    """Layer ``index`` (1-based) of a Sequential does not take the size that layer
    ``source``, the last one before it that set that size, gives: one of the two is wrong."""

    index: int
    source: int
    message: str


def sequential_mismatch(
    links: Sequence[ChainLink], chain: tuple[str, str] = ("Sequential", "layer")
) -> ChainMismatch | None:
    """The first pair of a Sequential's layers that do not fit together, before any input is
    seen: a layer's input size is checked against the last layer before it that set that size
    (features on the last axis, channels on axis 1). A layer reading the channels of a 2-d
    input (axis 1 is then the last one, ``BatchNorm1d`` after ``Linear``) is checked against
    features when no channels are known. So is the rank a layer takes, where a layer before
    it states the rank it gives (a user's module's ``forward``) and the layers between keep
    it."""
    known: dict[SizeAxis, tuple[Dim, int]] = {}
    rank: tuple[int, int, str, str] | None = None  # the rank given, by which layer, as shown
    for i, link in enumerate(links, 1):
        layer = link.layer
        if layer is None:
            known.clear()
            rank = None
            continue
        if rank is not None and link.takes is not None and link.takes[0] != rank[0]:
            given, at, giver, shown = rank
            return ChainMismatch(
                i,
                at,
                f"Sequential: layer {i} ({display_name(layer, link.sizes)}) takes "
                f"{link.takes[1]}, layer {at} ({giver}) gives {shown} "
                f"(rank {given} != {link.takes[0]})",
            )
        if link.gives is not None:
            rank = (link.gives[0], i, display_name(layer, link.sizes), link.gives[1])
        elif link.keeps_rank and rank is None and link.takes is not None:
            r = link.takes[0]
            rank = (r, i, display_name(layer, link.sizes), f"a {r}-d output")
        elif not link.keeps_rank:
            rank = None
        if layer.reads is not None:
            source: SizeAxis = layer.reads
            if source == "channels" and source not in known and 2 in layer.ranks:
                source = "features"
            if source in known:
                gives, at = known[source]
                name = display_name(layer, link.sizes)
                try:
                    sequential_link(i, name, link.sizes[0], at, gives, source, chain)
                except ShapeError as e:
                    return ChainMismatch(i, at, str(e))
            known.setdefault(layer.reads, (link.sizes[0], i))
        for size in layer.forgets:
            known.pop(size, None)
        if layer.gives is not None:
            known[layer.gives] = (link.sizes[-1], i)
    return None


def sequential_chain(links: Sequence[ChainLink]) -> None:
    """Raise the ShapeError of :func:`sequential_mismatch`, where the layers do not fit."""
    mismatch = sequential_mismatch(links)
    if mismatch is not None:
        raise ShapeError(mismatch.message)
