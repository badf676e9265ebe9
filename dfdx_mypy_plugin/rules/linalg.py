"""Matrix products: ``matmul``, ``linear`` and the fused ``relu_feed_forward``."""

from __future__ import annotations

from mypy.types import NoneType, Type, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import (
    TensorType,
    Unknown,
    merge_tapes,
    read_known_axes,
    read_tensor,
)
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
        raise call.recover(e, tape, a, b) from None
    return call.result(shape, tape, a, b)


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
