"""Which earlier statements made the size on one axis of an operand that does not fit.

An op's operand often got the size at fault several statements before the op: a key split
into heads with the query's length (``k_ = k.reshape(b, n, nh, hd)``) reaches ``A @ v_``
through ``A = softmax(q_ @ k_.mT)``; a padding of the wrong amount (``h = dx.pad(h, (1,
1))``, the name reused) reaches a residual sum through two convolutions; a weight field
built with two sizes swapped (``self.W = dx.randn(...)``) reaches a matmul in ``forward``.
:func:`trail` follows that one axis back through the expressions that made the value (axis
moves, ops that keep the size, a matmul's outer axes, an elementwise op's operand that has
it, a layer that keeps it) and the locals and fields they read, and names each assignment
whose value changed the size or moved the axis there: the mistake is one of them.
"""

from __future__ import annotations

import re

from mypy.nodes import (
    ARG_POS,
    CallExpr,
    Expression,
    IndexExpr,
    ListExpr,
    MemberExpr,
    NameExpr,
    OpExpr,
    RefExpr,
    SliceExpr,
    TupleExpr,
)
from mypy.plugin import CheckerPluginInterface
from mypy.types import Instance, LiteralType, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._locals import (
    loop_entry_definition,
    reaching_definitions,
)
from dfdx_mypy_plugin._origin import (
    _is_number,
    _moved,
    set_axes,
    window_axes,
)
from dfdx_mypy_plugin._types import MODULE, checked_shape

_DEPTH = 16
_MOVES = ("transpose", "swapaxes", "permute", "unsqueeze", "flatten")
_SETS = frozenset(
    {"reshape", "view", "expand", "broadcast_to", "repeat", "tile", "cat", "concat", "stack"}
)
"""Ops whose result's size on an axis is set by the op itself (its arguments), not read
from one axis of its input: the trail ends there."""
_REDUCTIONS = frozenset(
    {"sum", "mean", "max", "min", "amax", "amin", "prod", "var", "std", "logsumexp", "norm"}
)
_ELEMENTWISE = frozenset({"+", "-", "*", "/", "//", "%", "**"})

Step = tuple[str, Expression]
"""A name (``k_``, ``self.W``) and the value assigned to it that changed the size."""
_KEPT, _MOVED, _SIZED = 0, 1, 2
"""What an expression did to the size followed: kept it, moved its axis, changed or set it."""
_Found = tuple[int, list[tuple[str, Expression, int]]]
"""What the expression itself did (:data:`_KEPT`, ...), and the assignments found further
back with what each did; None where the trail cannot be followed."""


def _module_instance(api: CheckerPluginInterface, e: Expression) -> Instance | None:
    lookup = getattr(api, "lookup_type_or_none", None)
    t = get_proper_type(lookup(e)) if lookup is not None else None
    return t if isinstance(t, Instance) and t.type.has_base(MODULE) else None


def _is_module(api: CheckerPluginInterface, e: Expression) -> bool:
    return _module_instance(api, e) is not None


def trail(api: CheckerPluginInterface, e: Expression, axis: int) -> list[Step]:
    """The assignments (of locals, or of fields of ``self`` assigned once in their class)
    whose values changed the size on ``axis`` of ``e``'s tensor, or moved that axis, on the
    way from where the size was set to ``e``, latest first; [] where none is found."""
    found = _follow(api, e, axis, 0)
    if found is None:
        return []
    seen: set[int] = set()
    steps = []
    moves = 0
    for name, value, did in found[1]:
        moves += did == _MOVED
        if id(value) not in seen and (did == _SIZED or moves == 1):
            seen.add(id(value))  # (an earlier move is undone or kept by the later one)
            steps.append((name, value))
    return steps


def _follow(api: CheckerPluginInterface, e: Expression, axis: int, depth: int) -> _Found | None:
    if depth > _DEPTH or axis < 0:
        return None
    if isinstance(e, NameExpr):
        value = reaching_definitions(api)(e) or loop_entry_definition(api, e)
        return _through_name(api, e.name, value, axis, depth)
    if isinstance(e, MemberExpr):
        if e.name in ("mT", "T"):
            return _through_matrix_transpose(api, e, axis, depth)
        if isinstance(e.expr, NameExpr) and e.expr.name == "self" and not _is_module(api, e):
            from dfdx_mypy_plugin._where import (  # (it imports this module)
                field_declared,
                field_value,
            )

            if field_declared(api, e):
                return (_KEPT, [])  # its declared type states the sizes meant
            return _through_name(api, f"self.{e.name}", field_value(api, e), axis, depth)
        return None
    if isinstance(e, OpExpr):
        return _through_op(api, e, axis, depth)
    if isinstance(e, IndexExpr):
        return _through_slice(api, e, axis, depth)
    if isinstance(e, CallExpr):
        return _through_call(api, e, axis, depth)
    return None


def _through_name(
    api: CheckerPluginInterface, name: str, value: Expression | None, axis: int, depth: int
) -> _Found | None:
    """A name's value: the assignment is a step where its value changed the size."""
    if value is None:
        return (_KEPT, [])  # an argument, a loop's variable: the size came in with it
    found = _follow(api, value, axis, depth + 1)
    if found is None:
        return None
    did, steps = found
    return (_KEPT, [(name, value, did), *steps] if did else steps)


def _through_matrix_transpose(
    api: CheckerPluginInterface, e: MemberExpr, axis: int, depth: int
) -> _Found | None:
    receiver = checked_shape(api, e.expr)
    if receiver is None or len(receiver) < 2 or (e.name == "T" and len(receiver) != 2):
        return None
    last = len(receiver) - 1
    moved = last - 1 if axis == last else last if axis == last - 1 else axis
    return _moved_from(api, e.expr, moved, _MOVED, depth)


def _moved_from(
    api: CheckerPluginInterface, source: Expression, axis: int, did: int, depth: int
) -> _Found | None:
    found = _follow(api, source, axis, depth + 1)
    if found is None:
        return (did, []) if did else None
    return (max(did, found[0]), found[1])


def _through_op(api: CheckerPluginInterface, e: OpExpr, axis: int, depth: int) -> _Found | None:
    out = checked_shape(api, e)
    if out is None or not 0 <= axis < len(out):
        return None
    if e.op == "@":
        return _through_matmul(api, e.left, e.right, out, axis, depth)
    if e.op not in _ELEMENTWISE:
        return None
    sides = []
    for side in (e.left, e.right):
        shape = checked_shape(api, side)
        if shape is None:
            if not _is_number(api, side):
                return None
            continue
        at = axis - (len(out) - len(shape))
        if 0 <= at < len(shape) and shape[at] == out[axis] and shape[at] != 1:
            sides.append((side, at))
    found = [f for side, at in sides for f in [_moved_from(api, side, at, _KEPT, depth)] if f]
    if not found:
        return None
    did = max(f[0] for f in found)  # either operand may be the one at fault
    return (did, [step for _, steps in found for step in steps])


def _through_matmul(
    api: CheckerPluginInterface,
    left: Expression,
    right: Expression,
    out: shapes.Shape,
    axis: int,
    depth: int,
) -> _Found | None:
    """A matmul's last axis is its right operand's, the one before it its left's."""
    a, b = checked_shape(api, left), checked_shape(api, right)
    if a is None or b is None or len(a) < 2 or len(b) < 2:
        return None
    if axis == len(out) - 1:
        return _moved_from(api, right, len(b) - 1, _KEPT, depth)
    if axis == len(out) - 2:
        return _moved_from(api, left, len(a) - 2, _KEPT, depth)
    return None


def _through_slice(
    api: CheckerPluginInterface, e: IndexExpr, axis: int, depth: int
) -> _Found | None:
    items = e.index.items if isinstance(e.index, TupleExpr) else [e.index]
    if all(isinstance(i, SliceExpr) for i in items):
        return _kept_from(api, e, e.base, axis, depth)
    out, before = checked_shape(api, e), checked_shape(api, e.base)
    if (
        out is None
        or before is None
        or not all(isinstance(i, SliceExpr) or _is_int(api, i) for i in items)
    ):
        return None
    # ``emissions[0]``, ``x[:, -1]``: an int index drops its axis, the axes after it move
    kept = [a for a, i in enumerate(items) if isinstance(i, SliceExpr)]
    kept += range(len(items), len(before))
    if len(kept) != len(out) or not 0 <= axis < len(out) or out[axis] != before[kept[axis]]:
        return None
    return _moved_from(api, e.base, kept[axis], _MOVED if kept[axis] != axis else _KEPT, depth)


def _is_int(api: CheckerPluginInterface, e: Expression) -> bool:
    lookup = getattr(api, "lookup_type_or_none", None)
    t = get_proper_type(lookup(e)) if lookup is not None else None
    if isinstance(t, LiteralType):
        t = t.fallback
    return isinstance(t, Instance) and t.type.fullname == "builtins.int"


def _kept_from(
    api: CheckerPluginInterface, e: Expression, source: Expression, axis: int, depth: int
) -> _Found | None:
    """``e``, an op of ``source`` that keeps its rank: its size on ``axis`` is ``source``'s,
    changed by the op where it differs. The trail goes on past an op whose size there is
    computed from its input's (a padding, a window: ``S+2``, ``S-2*dilation``, which the
    steps before it changed too), and ends at one that sets a size of its own (a layer's
    features or channels, ``32`` from ``16``)."""
    out, before = checked_shape(api, e), checked_shape(api, source)
    if out is None or before is None or len(out) != len(before) or not 0 <= axis < len(out):
        return None
    if before[axis] == out[axis]:
        return _moved_from(api, source, axis, _KEPT, depth)
    if not _computed_from(before[axis], out[axis]):
        return (_SIZED, [])
    return _moved_from(api, source, axis, _SIZED, depth)


def _layer_kept_from(
    api: CheckerPluginInterface, e: CallExpr, source: Expression, axis: int, depth: int
) -> _Found | None:
    """:func:`_kept_from` for a layer's call, which is not a step itself: where it sets the
    size (its features or channels, a user's module's output), the trail ends, and the
    layer's building line is where that is reported (:func:`dfdx_mypy_plugin._where.
    at_origins`); a size its window computed from its input's (a convolution's frames) was
    changed by the steps before it too, followed."""
    out, before = checked_shape(api, e), checked_shape(api, source)
    layer = _module_instance(api, e.callee)
    if out is None or before is None or len(out) != len(before) or not 0 <= axis < len(out):
        return (_KEPT, [])
    if layer is not None and axis in set_axes(layer, len(out)) - window_axes(layer, len(out)):
        return (_KEPT, [])
    if before[axis] == out[axis] or (layer is not None and axis in window_axes(layer, len(out))):
        return _moved_from(api, source, axis, _KEPT, depth)
    return (_KEPT, [])


def _computed_from(before: shapes.Dim, after: shapes.Dim) -> bool:
    """Whether the size ``after`` is written with the size ``before`` (``S-2*dilation+2`` with
    ``S``, ``(H+1)//2`` with ``H``)."""
    if not isinstance(before, str) or not isinstance(after, str):
        return False
    return re.search(rf"(?<![\w.]){re.escape(before)}(?![\w.])", after) is not None


_FACTORIES = frozenset(
    f"dfdx._creation.{name}" for name in ("zeros", "ones", "full", "empty", "randn", "rand")
)
_CREATIONS = frozenset({"new_zeros", "new_ones", "new_full", "new_empty"})
"""Methods of a tensor that create a tensor of the sizes given, one an axis."""


def _size_read(
    api: CheckerPluginInterface, e: CallExpr, axis: int
) -> list[tuple[str, Expression, int]]:
    """Where ``e``, a creation (``dx.zeros(b, n)``, ``x.new_zeros(b, n)``), was given the
    size on ``axis`` as a local name read from a tensor's shape a statement before (``b =
    x.shape[1]``, ``b, c, h, w = x.shape``), that statement, as a step that set the size: the
    axis read there may be the wrong one. (Not for a ``reshape``, whose sizes are usually all
    read so: the one put in the wrong place is the likely mistake, on the reshape's line.)"""
    out = checked_shape(api, e)
    callee = e.callee
    method = isinstance(callee, MemberExpr) and checked_shape(api, callee.expr) is not None
    if out is None or not 0 <= axis < len(out):
        return []
    if method and not (isinstance(callee, MemberExpr) and callee.name in _CREATIONS):
        return []
    if not method and not (isinstance(callee, RefExpr) and callee.fullname in _FACTORIES):
        return []
    given = [a for a, k in zip(e.args, e.arg_kinds, strict=True) if k == ARG_POS]
    if given and isinstance(given[0], TupleExpr | ListExpr):
        given = list(given[0].items)
    if len(given) < len(out) or not isinstance(given[axis], NameExpr):
        return []  # (a fill value may follow the sizes)
    name = given[axis]
    assert isinstance(name, NameExpr)
    value = reaching_definitions(api)(name)
    if value is None or value.line in (e.line, 0) or not _reads_axis(value):
        return []
    return [(name.name, value, _SIZED)]


def _reads_axis(value: Expression) -> bool:
    """Whether ``value`` reads the size of one axis of a tensor, by its index: ``x.shape[1]``,
    ``x.size(1)``, ``x.shape[-1] // 2``. (Not ``b, s, d = x.shape``: all axes unpacked in
    order, their names are seldom the mistake.)"""
    if isinstance(value, OpExpr):
        return _reads_axis(value.left) or _reads_axis(value.right)
    if isinstance(value, CallExpr) and isinstance(value.callee, MemberExpr):
        return value.callee.name == "size" and len(value.args) == 1
    return (
        isinstance(value, IndexExpr)
        and isinstance(value.base, MemberExpr)
        and value.base.name == "shape"
    )


def _through_call(api: CheckerPluginInterface, e: CallExpr, axis: int, depth: int) -> _Found | None:
    callee = e.callee
    name = callee.name if isinstance(callee, MemberExpr | NameExpr) else ""
    first = e.args[0] if e.args and e.arg_kinds[0] == ARG_POS else None
    if _is_module(api, callee):
        return _layer_kept_from(api, e, first, axis, depth) if first is not None else None
    if isinstance(callee, MemberExpr) and checked_shape(api, callee.expr) is not None:
        source: Expression | None = callee.expr  # a tensor's method: ``k.reshape(...)``
    elif isinstance(callee, RefExpr) and callee.fullname.startswith("dfdx."):
        source = first  # ``dx.pad(h, ...)``, ``dx.randn(...)``
    else:
        return None
    if name in ("matmul",) and source is not None and len(e.args) >= 1:
        out = checked_shape(api, e)
        method = isinstance(callee, MemberExpr) and source is callee.expr  # ``a.matmul(b)``
        right = e.args[0] if method else (e.args[1] if len(e.args) > 1 else None)
        if out is None or right is None:
            return None
        return _through_matmul(api, source, right, out, axis, depth)
    before = checked_shape(api, source) if source is not None else None
    if name in _SETS or source is None or before is None:
        return (_SIZED, _size_read(api, e, axis))  # the op sets the size: a creation, a reshape
    if name in _MOVES:
        moved = _moved(e, name, before, frozenset({axis}))
        if moved is None or len(moved) != 1:
            return None
        at = next(iter(moved))
        reordered = at != axis or name != "unsqueeze"  # (a permutation may be the wrong one)
        return _moved_from(api, source, at, _MOVED if reordered else _KEPT, depth)
    out = checked_shape(api, e)
    if out is None:
        return None
    if len(out) == len(before):
        return _kept_from(api, e, source, axis, depth)
    if name in _REDUCTIONS and len(out) == len(before) - 1:
        return (_SIZED, [])  # an axis reduced away: the axes after it moved
    return None


def grown_rank(api: CheckerPluginInterface, e: Expression) -> list[Step]:
    """Where ``e``'s tensor got more axes than meant by broadcasting: the assignment whose
    elementwise op met tensors of fewer axes than the result's (``y = rewards + gamma *
    next_q``), and the assignment of the operand that brought the extra axes (``next_q =
    dx.gather(q, 1, a.unsqueeze(1))``, a ``(B, 1)`` left unsqueezed), followed back from
    ``e`` through names and ops that keep the shape; [] where no such op is found."""
    for _ in range(_DEPTH):
        if isinstance(e, NameExpr):
            value = reaching_definitions(api)(e) or loop_entry_definition(api, e)
            if value is None:
                return []
            if isinstance(value, OpExpr):
                carriers = _rank_carriers(api, value)
                if carriers:
                    return [(e.name, value), *carriers]
            e = value
            continue
        kept = _shape_kept_from(api, e)
        if kept is None:
            return []
        e = kept
    return []


def _shape_kept_from(api: CheckerPluginInterface, e: Expression) -> Expression | None:
    """The tensor ``e`` keeps the shape of: a method's receiver (``y.detach()``), a dfdx
    function's first operand (``dx.relu(h)``); else None."""
    if not isinstance(e, CallExpr):
        return None
    callee = e.callee
    if isinstance(callee, MemberExpr) and checked_shape(api, callee.expr) is not None:
        source: Expression = callee.expr
    elif isinstance(callee, RefExpr) and callee.fullname.startswith("dfdx.") and e.args:
        source = e.args[0]
    else:
        return None
    out = checked_shape(api, e)
    return source if out is not None and out == checked_shape(api, source) else None


def _rank_carriers(api: CheckerPluginInterface, e: OpExpr, grown: bool = False) -> list[Step]:
    """In the elementwise op ``e``, where tensors of fewer axes than its result meet one that
    has them all (in ``e``, or, with ``grown``, in an op ``e`` is an operand of), the
    assignments of the local names that have them all (found inside nested ops too:
    ``rewards + gamma * next_v``)."""
    out = checked_shape(api, e)
    if out is None or e.op not in _ELEMENTWISE:
        return []
    sides = [(side, checked_shape(api, side)) for side in (e.left, e.right)]
    full = [side for side, shape in sides if shape is not None and len(shape) == len(out)]
    grown = grown or any(shape is not None and len(shape) < len(out) for _, shape in sides)
    found: list[Step] = []
    for side in full:
        if isinstance(side, OpExpr):
            found += _rank_carriers(api, side, grown)
        elif grown and isinstance(side, NameExpr):
            value = reaching_definitions(api)(side) or loop_entry_definition(api, side)
            if value is not None:
                found.append((side.name, value))
    return found
