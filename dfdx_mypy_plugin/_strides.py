"""Which layer's stride made a spatial size that does not fit, found by trying another stride.

A chain of windows (convolutions, transposed convolutions, pools) makes a spatial size; where
that size does not fit what it meets (the return type's ``64``, the other map of a
concatenation), the layer at fault is very often one built without its stride
(``ConvTranspose2d(c, c // 2, 4, padding=1)`` in a decoder whose other layers double the
size) or with a stride it should not have. The last window of the chain is not the one to
blame then: every window after the faulty one carries its error along. :func:`stride_faults`
follows the value back through the chain (a local's last assignment, ops and layers that keep
the size on that axis) and, for each window on it, computes the size the chain would give had
that window's stride been 1 or 2 in place of its own; the windows where that size is the one
wanted are the ones blamed, and only where one window alone fixes it that way.
"""

from __future__ import annotations

from dataclasses import dataclass

from mypy.nodes import ARG_POS, CallExpr, Expression, MemberExpr, NameExpr, RefExpr
from mypy.plugin import CheckerPluginInterface
from mypy.types import Instance

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._origin import MODULE, _instance, _shape, keeps_shape, last_assignment
from dfdx_mypy_plugin._types import Unknown

_DEPTH = 24
_STRIDES = (1, 2)
"""The strides tried in place of a window's own: one left out (1 for 2) or one too many."""


@dataclass(frozen=True)
class Window:
    """A call of a layer with a window on the chain: its input and output shapes."""

    call: CallExpr
    layer: Instance
    spec: shapes.Layer
    before: shapes.Shape
    after: shapes.Shape


@dataclass(frozen=True)
class StrideFault:
    """A window whose stride, were it ``instead``, would have given the size wanted."""

    call: CallExpr
    layer: Instance
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
    followed back through names, through ops and layers that keep that size and through
    windows; None where the chain passes through something else (a user's module, a
    reshape, a ``Sequential``): then which step made the size is not known. ``out`` is the
    shape of ``e`` where it is the call being checked (it has no type yet)."""
    if depth > _DEPTH:
        return None
    if isinstance(e, NameExpr):
        value = last_assignment(api, e)
        return _windows(api, value, axis, depth + 1) if value is not None else None
    if not isinstance(e, CallExpr):
        return None
    out = out if out is not None else _shape(api, e)
    if out is None or not 0 <= axis < len(out):
        return None
    source = _source(api, e)
    before = _shape(api, source) if source is not None else None
    if source is None or before is None or len(before) != len(out):
        return None
    callee = _instance(api, e.callee)
    spec = shapes.layer_of(callee.type.fullname) if callee is not None else None
    if callee is not None and spec is not None and spec.window and spec.output is not None:
        earlier = _windows(api, source, axis, depth + 1)
        if earlier is None:
            earlier = []  # the chain starts here: the data it was given
        return [Window(e, callee, spec, before, out), *earlier]
    if before[axis] != out[axis]:
        return None
    return _windows(api, source, axis, depth + 1) or []


def _source(api: CheckerPluginInterface, e: CallExpr) -> Expression | None:
    """The tensor ``e`` reads: a layer's input, a method's receiver, a dfdx function's first
    argument."""
    callee = _instance(api, e.callee)
    if callee is not None and callee.type.has_base(MODULE):
        known = shapes.layer_of(callee.type.fullname) is not None or keeps_shape(callee)
        if known and len(e.args) == 1 and e.arg_kinds[0] == ARG_POS:
            return e.args[0]
        return None
    if isinstance(e.callee, MemberExpr) and _shape(api, e.callee.expr) is not None:
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


def _through(
    step: Window, x: shapes.Shape, window: shapes.Window | None, api: CheckerPluginInterface
) -> shapes.Shape | None:
    """The shape ``step``'s layer gives on ``x`` with ``window`` (its own where None)."""
    from dfdx_mypy_plugin.rules.nn import _dims, _read_window  # (it imports this module)

    own = _read_window(step.layer, step.spec, api)
    if own is None:
        return None
    try:
        return shapes.output_shape(step.spec, x, _dims(step.layer, step.spec), window or own)
    except (shapes.ShapeError, Unknown):
        return None


def window_places(api: CheckerPluginInterface, e: Expression, axis: int) -> set[tuple[int, int]]:
    """Where (line, column) the windows on the chain that made ``axis`` of ``e``'s value are
    called: a window that two operands share (a stem before a fork) made both sizes, and
    changing it changes both."""
    return {(w.call.line, w.call.column) for w in _windows(api, e, axis) or []}


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
    from dfdx_mypy_plugin.rules.nn import _read_window  # (it imports this module)

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
        window = _read_window(step.layer, step.spec, api)
        if window is None or "stride" not in window:
            continue
        stride = _stride_of(window, axis - 2)
        for instead in _STRIDES:
            if instead == stride:
                continue
            shape = _through(step, step.before, _with_stride(window, instead), api)
            for later in reversed(chain[:i]):  # the windows after it, in order
                if shape is None:
                    break
                x = (*later.before[:axis], shape[axis], *later.before[axis + 1 :])
                shape = _through(later, x, None, api)
            if shape is None or shape[axis] is None:
                continue
            if shapes.agree_where_even(shape[axis], wanted):
                found.append(StrideFault(step.call, step.layer, stride, instead))
                break
    return found
