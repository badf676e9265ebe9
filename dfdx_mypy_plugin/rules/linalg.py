"""Matrix products: ``matmul``, ``linear``, the fused ``relu_feed_forward`` and ``einsum``."""

from __future__ import annotations

from mypy.nodes import CallExpr, Expression, MemberExpr, OpExpr, StrExpr
from mypy.types import Instance, LiteralType, NoneType, Type, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._origin import Joined, joined
from dfdx_mypy_plugin._types import (
    TENSOR,
    TensorType,
    Unknown,
    merge_tapes,
    read_known_axes,
    read_tensor,
)
from dfdx_mypy_plugin._where import at_concatenation
from dfdx_mypy_plugin.codes import DFDX_SHAPE
from dfdx_mypy_plugin.rules import Call, rule


@rule(
    "matmul",
    methods=("__matmul__", "matmul"),
    functions=("dfdx.ops.linalg.matmul",),
)
def matmul(call: Call) -> Type:
    try:
        a, b = call.tensor(0), call.tensor(1)
    except Unknown:
        _inner_sizes_of_unknown_rank(call)
        raise
    tape = merge_tapes([a.tape, b.tape])
    try:
        shape = shapes.matmul(a.shape, b.shape)
    except shapes.ShapeError as e:
        _blame_concatenations(call, a.shape, b.shape, str(e))
        raise call.recover(e, tape, a, b) from None
    try:
        _joined_inner(call, a.shape, b.shape)
    except shapes.ShapeError as e:
        raise call.recover(e, tape, a, b) from None
    return call.result(shape, tape, a, b)


def _operand_exprs(call: Call) -> list[Expression | None]:
    """The expressions of a matmul's two operands (``q @ k.mT``, ``q.matmul(k)``)."""
    c = call.context
    if isinstance(c, OpExpr):
        return [c.left, c.right]
    exprs = list(call.operand_exprs)
    if exprs and exprs[0] is None and isinstance(c, CallExpr) and isinstance(c.callee, MemberExpr):
        exprs[0] = c.callee.expr
    return exprs


def _one_type(call: Call, e: Expression | None) -> bool:
    """Whether ``e`` was typed one tensor type (not a union of several, as a name rebound in
    a branch is after it: each of its members is checked, in every combination with the
    other operand's, some of which no run takes)."""
    lookup = getattr(call.api, "lookup_type_or_none", None)
    t = lookup(e) if lookup is not None and e is not None else None
    p = get_proper_type(t) if t is not None else None
    return isinstance(p, Instance) and p.type.fullname == TENSOR


def _contracted(call: Call, a: shapes.Shape, b: shapes.Shape) -> list[tuple[int, Expression]]:
    """The contracted axis of each operand of at least 2 axes, with its expression."""
    exprs = _operand_exprs(call)
    axes = (len(a) - 1 if len(a) >= 1 else None, len(b) - 2 if len(b) >= 2 else None)
    return [
        (axis, e)
        for axis, e in zip(axes, [*exprs, None, None][:2], strict=True)
        if axis is not None and e is not None
    ]


def _report_concatenation(call: Call, e: Expression, found: Joined, message: str) -> None:
    """The line of ``found``, the concatenation that made the contracted axis of the operand
    ``e`` (:func:`at_concatenation`)."""
    for text, where in at_concatenation(call.api, e, found, call.context.line, message):
        call.fail(text, DFDX_SHAPE, at=where)


def _blame_concatenations(call: Call, a: shapes.Shape, b: shapes.Shape, message: str) -> None:
    """Where inner sizes differ (``message``), the line of each concatenation along an
    operand's contracted axis (keys joined with a cache on the head size: ``HS`` against
    ``2*HS``), found back through axis moves and the name's last binding."""
    if not message.startswith("matmul: inner sizes differ"):
        return
    for axis, e in _contracted(call, a, b):
        found = joined(call.api, e, axis)
        if found is not None:
            _report_concatenation(call, e, found, message)


def _joined_inner(call: Call, a: shapes.Shape, b: shapes.Shape) -> None:
    """Inner sizes of which one is unknown, made by a concatenation along that axis whose
    other parts already add up to the known one (keys concatenated with a cache on the head
    size: ``E//NH`` against ``E//NH`` plus the cache's): :func:`shapes.joined_inner`, and the
    line of the concatenation too."""
    if len(a) < 1 or len(b) < 2:
        return
    axes = (len(a) - 1, len(b) - 2)
    inner = (a[-1], b[-2])
    exprs = _operand_exprs(call)
    for side in (0, 1):
        other = inner[1 - side]
        e = exprs[side] if side < len(exprs) else None
        known_side = exprs[1 - side] if 1 - side < len(exprs) else None
        if inner[side] is not None or other is None or e is None:
            continue
        if not _one_type(call, known_side):
            continue  # a member of a union: its size may hold on another path only
        found = joined(call.api, e, axes[side])
        if found is None or not (found.unknown or found.listed):
            continue
        try:
            shapes.joined_inner(a, b, side, found.least(), found.text(), found.call.line)
        except shapes.ShapeError as error:
            _report_concatenation(call, e, found, str(error))
            raise


def _inner_sizes_of_unknown_rank(call: Call) -> None:
    """``a @ b`` where an operand has axes of unknown number before its known last ones
    (``Tensor[*tuple[Dyn, ...], E]``: a scalar of unknown rank times ``Tensor[B, E]``): the
    inner sizes are still known where each operand's are (the left's last axis, the right's
    second to last, or its only one), and checked as :func:`shapes.matmul` checks them."""
    if len(call.operands) < 2:
        return
    known_a, known_b = read_known_axes(call.operands[0]), read_known_axes(call.operands[1])
    if known_a is None or known_b is None:
        return
    (a, a_open), (b, b_open) = known_a, known_b
    if not a or not b or (b_open and len(b) < 2):
        return
    shapes.matmul_inner(_written(a, a_open), _written(b, b_open), a[-1], b[-min(len(b), 2)])


def _written(shape: shapes.Shape, opened: bool) -> str:
    """``Tensor[..., E]`` for a tensor with axes of unknown number before ``E``."""
    written = shapes.fmt(shape)
    return written.replace("Tensor[", "Tensor[..., ", 1) if opened and shape else written


def _optional(call: Call, i: int, name: str) -> TensorType | None:
    """Operand ``i`` (positional-only) or argument ``name``; None where absent or ``None``."""
    t = call.operands[i] if i < len(call.operands) else call.named.get(name)
    if t is None or isinstance(get_proper_type(t), NoneType):
        return None
    return read_tensor(t)


@rule("linear", functions=("dfdx.ops.linalg.linear",))
def linear(call: Call) -> Type:
    x, w = call.tensor(0), call.tensor(1)
    b = _optional(call, 2, "bias")
    tensors = [x, w] if b is None else [x, w, b]
    tape = merge_tapes([t.tape for t in tensors])
    try:
        shape = shapes.linear_operands(call.op, x.shape, w.shape, None if b is None else b.shape)
    except shapes.ShapeError as e:
        raise call.recover(e, tape, *tensors) from None
    return call.result(shape, tape, *tensors)


@rule("relu_feed_forward", functions=("dfdx.ops.linalg.relu_feed_forward",))
def relu_feed_forward(call: Call) -> Type:
    x, w1, w2 = call.tensor(0), call.tensor(1), call.tensor(3)
    b1, b2 = _optional(call, 2, "bias1"), _optional(call, 4, "bias2")
    shape = shapes.feed_forward(
        call.op,
        x.shape,
        w1.shape,
        None if b1 is None else b1.shape,
        w2.shape,
        None if b2 is None else b2.shape,
    )
    tensors = [t for t in (x, w1, b1, w2, b2) if t is not None]
    return call.result(shape, merge_tapes([t.tape for t in tensors]), *tensors)


@rule("einsum", functions=("dfdx.ops.linalg.einsum",))
def einsum(call: Call) -> Type:
    """The result's sizes from the subscripts (a string literal): each output letter's size
    in the operands; a letter of two different sizes is reported, naming both operands."""
    subscripts = _literal_str(call.operands[0] if call.operands else None, call.operand_exprs)
    if subscripts is None:
        raise Unknown
    tensors = [call.tensor(i) for i in range(1, len(call.operands))]
    tape = merge_tapes([t.tape for t in tensors])
    try:
        shape = shapes.einsum(subscripts, [t.shape for t in tensors])
    except shapes.ShapeError as e:
        raise call.recover(e, tape, *tensors) from None
    return call.result(shape, tape, *tensors)


def _literal_str(t: Type | None, exprs: list[Expression | None]) -> str | None:
    """The value of a string argument written as a literal (or typed as one), else None."""
    e = exprs[0] if exprs else None
    if isinstance(e, StrExpr):
        return e.value
    p = get_proper_type(t) if t is not None else None
    if isinstance(p, Instance) and p.last_known_value is not None:
        p = p.last_known_value
    if isinstance(p, LiteralType) and isinstance(p.value, str):
        return p.value
    return None
