"""Which layer's stride made a spatial size that does not fit, found by trying another stride.

A chain of windows (convolutions, transposed convolutions, pools) makes a spatial size; where
that size does not fit what it meets (the return type's ``64``, the other map of a
concatenation), the layer at fault is very often one built without its stride
(``ConvTranspose2d(c, c // 2, 4, padding=1)`` in a decoder whose other layers double the
size) or with a stride it should not have. The last window of the chain is not the one to
blame then: every window after the faulty one carries its error along. :func:`stride_faults`
follows the value back through the chain (a local's last assignment, ops and layers that keep
the size on that axis, the layers of a ``Sequential`` called on the way, and the functions with
a window, ``dx.conv2d`` or ``dx.max_pool2d``, called with literal window arguments) and, for
each window on it, computes the size the chain would give had that window's stride been 1 or 2
in place of its own; the windows where that size is the one wanted are the ones blamed, and
only where one window alone fixes it that way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mypy.nodes import (
    ARG_POS,
    CallExpr,
    Decorator,
    Expression,
    FuncDef,
    MemberExpr,
    NameExpr,
    OverloadedFuncDef,
    RefExpr,
)
from mypy.plugin import CheckerPluginInterface
from mypy.types import Instance, NoneType, TupleType, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._blamed_arguments import arguments_by_name
from dfdx_mypy_plugin._origin import (
    SEQUENTIAL,
    _instance,
    keeps_shape,
    last_assignment,
)
from dfdx_mypy_plugin._types import MODULE, Unknown, checked_shape, literal_bool, literal_int

_DEPTH = 24
_STRIDES = (1, 2)
"""The strides tried in place of a window's own: one left out (1 for 2) or one too many."""


Give = Callable[[shapes.Shape, shapes.Window], "shapes.Shape | None"]
"""What a window gives on an input shape with the window arguments given."""


@dataclass(frozen=True)
class Window:
    """A call of a window on the chain (a layer's, a layer's of a ``Sequential`` called
    there, or a function's: ``dx.conv2d``, ``dx.max_pool2d``): its input and output shapes,
    its own window arguments and what it gives with others."""

    call: CallExpr
    layer: Instance | None
    """The layer called (None for a function)."""
    before: shapes.Shape
    after: shapes.Shape
    window: shapes.Window
    give: Give
    inner: int | None = None
    """The layer's position in the ``Sequential`` that ``call`` calls, where it is one."""

    @property
    def place(self) -> tuple[int, int, int]:
        """Where it is called: the call's line and column, and its position in the
        ``Sequential`` called there (-1 where it is not one)."""
        return (self.call.line, self.call.column, -1 if self.inner is None else self.inner)


@dataclass(frozen=True)
class StrideFault:
    """A window whose stride, were it ``instead``, would have given the size wanted."""

    step: Window
    stride: shapes.Dim
    instead: int


def _windows(
    api: CheckerPluginInterface,
    e: Expression,
    axis: int,
    depth: int = 0,
    out: shapes.Shape | None = None,
) -> list[Window] | None:
    """The windows that made ``axis`` (a spatial axis) of ``e``'s value, nearest first,
    followed back through names, through ops and layers that keep that size, through
    windows and through the layers of a ``Sequential``; None where the chain passes through
    something else (a user's module, a reshape): then which step made the size is not
    known. ``out`` is the shape of ``e`` where it is the call being checked (it has no type
    yet)."""
    if depth > _DEPTH:
        return None
    if isinstance(e, NameExpr):
        value = last_assignment(api, e)
        return _windows(api, value, axis, depth + 1) if value is not None else None
    if not isinstance(e, CallExpr):
        return None
    out = out if out is not None else checked_shape(api, e)
    if out is None or not 0 <= axis < len(out):
        return None
    callee = _instance(api, e.callee)
    if callee is not None and callee.type.fullname == SEQUENTIAL:
        return _sequential_windows(api, e, callee, axis, out, depth)
    source = _source(api, e)
    before = checked_shape(api, source) if source is not None else None
    if source is None or before is None or len(before) != len(out):
        return None
    step = _layer_window(api, e, callee, before, out) or _function_window(api, e, before, out)
    if step is not None:
        return [step, *(_windows(api, source, axis, depth + 1) or [])]
    if before[axis] != out[axis]:
        return None
    return _windows(api, source, axis, depth + 1) or []


def _layer_window(
    api: CheckerPluginInterface,
    e: CallExpr,
    layer: Instance | None,
    before: shapes.Shape,
    after: shapes.Shape,
    inner: int | None = None,
) -> Window | None:
    """``e``, a call of ``layer`` (or of the Sequential holding it at ``inner``), as a
    window: where ``layer`` is one of the table's with a window whose arguments are known."""
    from dfdx_mypy_plugin.rules.nn import _dims, _read_window  # (it imports this module)

    spec = shapes.layer_of(layer.type.fullname) if layer is not None else None
    if layer is None or spec is None or not spec.window or spec.output is None:
        return None
    own = _read_window(layer, spec, api)
    if own is None:
        return None
    sizes = _dims(layer, spec)

    def give(x: shapes.Shape, window: shapes.Window) -> shapes.Shape | None:
        assert spec is not None
        try:
            return shapes.output_shape(spec, x, sizes, window)
        except (shapes.ShapeError, Unknown):
            return None

    return Window(e, layer, before, after, own, give, inner)


def _sequential_windows(
    api: CheckerPluginInterface,
    e: CallExpr,
    seq: Instance,
    axis: int,
    out: shapes.Shape,
    depth: int,
) -> list[Window] | None:
    """The windows among the layers of the ``Sequential`` ``seq`` called at ``e`` (its
    layers folded over its input, in order) and before its input; None where a layer is not
    known or sets that size without a window."""
    from dfdx_mypy_plugin.rules.nn import _dims, _layers  # (it imports this module)

    if len(e.args) != 1 or e.arg_kinds[0] != ARG_POS:
        return None
    x = checked_shape(api, e.args[0])
    try:
        layers = _layers(seq)
    except Unknown:
        return None
    if x is None or len(x) != len(out):
        return None
    found: list[Window] = []
    for i, layer in enumerate(layers):
        spec = shapes.layer_of(layer.type.fullname)
        if spec is None:
            if keeps_shape(layer):
                continue
            return None
        step = _layer_window(api, e, layer, x, x, i)
        try:
            y = (
                step.give(x, step.window)
                if step is not None
                else shapes.output_shape(spec, x, _dims(layer, spec))
            )
        except (shapes.ShapeError, Unknown):
            return None
        if y is None or len(y) != len(x):
            return None
        if step is not None:
            found.append(Window(e, layer, x, y, step.window, step.give, i))
        elif y[axis] != x[axis]:
            return None
        x = y
    if x[axis] != out[axis]:
        return None
    return [*reversed(found), *(_windows(api, e.args[0], axis, depth + 1) or [])]


_FUNCTIONS = {
    "dfdx.ops.conv.conv1d": ("stride", "padding", "dilation"),
    "dfdx.ops.conv.conv2d": ("stride", "padding", "dilation"),
    "dfdx.ops.conv.conv_transpose1d": ("stride", "padding", "output_padding", "dilation"),
    "dfdx.ops.conv.conv_transpose2d": ("stride", "padding", "output_padding", "dilation"),
    "dfdx.ops.conv.max_pool2d": ("kernel_size", "stride", "padding", "ceil_mode"),
    "dfdx.ops.conv.avg_pool2d": ("kernel_size", "stride", "padding", "ceil_mode"),
}
"""The functions with a window, and the window arguments their sizes are computed from."""


def function_arguments(callee: RefExpr, call: CallExpr) -> dict[str, Expression]:
    """The arguments of ``call`` (a call of the function ``callee`` names) by the names of
    its parameters (positional ones mapped in order); {} where a star argument makes the
    mapping unknown."""
    node = callee.node
    if isinstance(node, OverloadedFuncDef):
        item = node.items[0] if node.items else None
        node = item.func if isinstance(item, Decorator) else item
    if not isinstance(node, FuncDef):
        return {}
    return arguments_by_name(node.arg_names, call)


def _literal(api: CheckerPluginInterface, e: Expression, spatial: int) -> shapes.WindowValue:
    """``e``, a window argument, as one int per spatial axis; None where not a literal."""
    lookup = getattr(api, "lookup_type_or_none", None)
    t = get_proper_type(lookup(e)) if lookup is not None else None
    if t is None or literal_bool(t) is not None:
        return None
    if isinstance(t, TupleType):
        items = tuple(literal_int(i) for i in t.items)
        return items if len(items) == spatial and None not in items else None
    n = literal_int(t)
    return (n,) * spatial if n is not None else None


def _is_none(api: CheckerPluginInterface, e: Expression) -> bool:
    lookup = getattr(api, "lookup_type_or_none", None)
    t = get_proper_type(lookup(e)) if lookup is not None else None
    return isinstance(t, NoneType)


def _function_window(
    api: CheckerPluginInterface, e: CallExpr, before: shapes.Shape, after: shapes.Shape
) -> Window | None:
    """``e`` as a window where it calls a function of :data:`_FUNCTIONS` whose window
    arguments are literals (the kernel of a convolution is its weight's)."""
    callee = e.callee
    names = _FUNCTIONS.get(callee.fullname) if isinstance(callee, RefExpr) else None
    if names is None or not isinstance(callee, RefExpr):
        return None
    op = callee.fullname.rsplit(".", 1)[-1]
    pool = "pool" in op
    spatial = len(before) - 2
    args = function_arguments(callee, e)
    if not args or spatial < 1 or "ceil_mode" in args:
        return None  # (a pool's rounding is left alone)
    own: dict[str, shapes.WindowValue] = {}
    for name in (n for n in names if n in args):
        value = _literal(api, args[name], spatial)
        if value is None and not (name == "stride" and pool and _is_none(api, args[name])):
            return None
        if value is not None:
            own[name] = value
    if pool and "kernel_size" not in own:
        return None
    own.setdefault("stride", own["kernel_size"] if pool else (1,) * spatial)
    weight = checked_shape(api, e.args[1]) if e.arg_kinds[1:2] == [ARG_POS] else None
    if not pool and weight is None:
        return None

    def give(x: shapes.Shape, window: shapes.Window) -> shapes.Shape | None:
        def param(name: str, default: int) -> shapes.Param:
            value = window.get(name, default)
            return value if isinstance(value, tuple) else (value,) * spatial

        try:
            if pool:
                kernel, stride, padding = (
                    param(n, d) for n, d in (("kernel_size", 1), ("stride", 1), ("padding", 0))
                )
                return shapes.pool(op, x, kernel, stride, padding)
            assert weight is not None
            stride, padding, dilation = (
                param(n, d) for n, d in (("stride", 1), ("padding", 0), ("dilation", 1))
            )
            if "transpose" in op:
                extra = param("output_padding", 0)
                return shapes.conv_transpose(op, x, weight, stride, padding, extra, dilation, None)
            return shapes.conv(op, x, weight, stride, padding, dilation, None)
        except shapes.ShapeError:
            return None

    if give(before, own) != after:
        return None  # not the arguments the call was typed with
    return Window(e, None, before, after, own, give)


def _source(api: CheckerPluginInterface, e: CallExpr) -> Expression | None:
    """The tensor ``e`` reads: a layer's input, a method's receiver, a dfdx function's first
    argument."""
    callee = _instance(api, e.callee)
    if callee is not None and callee.type.has_base(MODULE):
        known = shapes.layer_of(callee.type.fullname) is not None or keeps_shape(callee)
        if known and len(e.args) == 1 and e.arg_kinds[0] == ARG_POS:
            return e.args[0]
        return None
    if isinstance(e.callee, MemberExpr) and checked_shape(api, e.callee.expr) is not None:
        return e.callee.expr
    if (
        isinstance(e.callee, RefExpr)
        and e.callee.fullname.startswith("dfdx.")
        and e.args
        and e.arg_kinds[0] == ARG_POS
    ):
        return e.args[0]
    return None


def _with_stride(window: shapes.Window, stride: int) -> dict[str, shapes.WindowValue]:
    value = window.get("stride")
    changed = dict(window)
    changed["stride"] = (stride,) * len(value) if isinstance(value, tuple) else stride
    return changed


def _stride_of(window: shapes.Window, i: int) -> shapes.Dim:
    value = window.get("stride")
    if isinstance(value, tuple):
        return value[i] if i < len(value) else None
    return value if not isinstance(value, str) or value.isidentifier() else None


def window_places(
    api: CheckerPluginInterface, e: Expression, axis: int
) -> set[tuple[int, int, int]]:
    """Where the windows on the chain that made ``axis`` of ``e``'s value are called
    (:attr:`Window.place`): a window that two operands share (a stem before a fork) made
    both sizes, and changing it changes both."""
    return {w.place for w in _windows(api, e, axis) or []}


def stride_faults(
    api: CheckerPluginInterface,
    e: Expression,
    axis: int,
    wanted: shapes.Dim,
    out: shapes.Shape | None = None,
) -> list[StrideFault]:
    """The windows on the chain that made ``axis`` of ``e``'s value whose stride, changed to
    1 or 2, would make that size ``wanted`` (equal wherever the sizes are even, up to a
    floor's rounding: :func:`shapes.agree_where_even`); [] where none is found or where the
    size given already fits."""
    if wanted is None or axis < 2:
        return []
    chain = _windows(api, e, axis, out=out)
    if not chain:
        return []
    given = chain[0].after[axis]
    if given is None or shapes.same_layer_size(given, wanted) is not False:
        return []
    found: list[StrideFault] = []
    for i, step in enumerate(chain):
        if "stride" not in step.window:
            continue
        stride = _stride_of(step.window, axis - 2)
        for instead in _STRIDES:
            if instead == stride:
                continue
            shape = step.give(step.before, _with_stride(step.window, instead))
            for later in reversed(chain[:i]):  # the windows after it, in order
                if shape is None:
                    break
                x = (*later.before[:axis], shape[axis], *later.before[axis + 1 :])
                shape = later.give(x, later.window)
            if shape is None or shape[axis] is None:
                continue
            if shapes.agree_where_even(shape[axis], wanted):
                found.append(StrideFault(step, stride, instead))
                break
    return found
