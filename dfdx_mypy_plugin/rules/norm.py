"""Normalisation: ``layer_norm`` and ``rms_norm`` over the last axis keep their input's shape;
``weight`` and ``bias`` must have one entry per feature of that axis (``normalized_shape``,
when it is a literal int or 1-tuple, must be that size too). ``group_norm`` keeps the shape of
its input ``(N, C, *)``: a literal ``num_groups`` must divide ``C``, and ``weight`` and ``bias``
have one entry per channel."""

from __future__ import annotations

from mypy.types import NoneType, TupleType, Type, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import TensorType, literal_int, merge_tapes, read_tensor
from dfdx_mypy_plugin.rules import Call, rule


def _normalized_size(call: Call, x: shapes.Shape) -> shapes.Dim:
    """The literal ``normalized_shape``; otherwise the last size of ``x`` (``Dyn`` if none)."""
    if len(call.operands) > 1:
        t = get_proper_type(call.operands[1])
        n = literal_int(t.items[0]) if isinstance(t, TupleType) and len(t.items) == 1 else None
        if n is None and not isinstance(t, TupleType):
            folded = call.size(1)  # ``layer_norm(x, 2 * C)``: folded as any size argument
            n = folded if isinstance(folded, int) else None
        if n is not None:
            return n
    return x[-1] if x else None


def _params(call: Call, names: tuple[str, ...]) -> list[tuple[str, TensorType]]:
    """The tensors given for the parameters ``names`` (not None), by name."""
    params: list[tuple[str, TensorType]] = []
    for name in names:
        if call.has(name) and not isinstance(get_proper_type(call.arg(name)), NoneType):
            params.append((name, read_tensor(call.arg(name))))
    return params


def _result(
    call: Call, x: TensorType, shape: shapes.Shape, params: list[tuple[str, TensorType]]
) -> Type:
    tensors = [x, *(t for _, t in params)]
    return call.result(shape, merge_tapes([t.tape for t in tensors]), *tensors)


@rule("layer_norm", functions=("dfdx.ops.norm.layer_norm",))
def layer_norm(call: Call) -> Type:
    x = call.tensor(0)
    params = _params(call, ("weight", "bias"))
    size = _normalized_size(call, x.shape)
    shape = shapes.layer_norm(call.op, x.shape, size, [(n, t.shape) for n, t in params])
    return _result(call, x, shape, params)


@rule("rms_norm", functions=("dfdx.ops.norm.rms_norm",))
def rms_norm(call: Call) -> Type:
    x = call.tensor(0)
    params = _params(call, ("weight",))
    size = _normalized_size(call, x.shape)
    shape = shapes.rms_norm(call.op, x.shape, size, [(n, t.shape) for n, t in params])
    return _result(call, x, shape, params)


@rule("group_norm", functions=("dfdx.ops.norm.group_norm",))
def group_norm(call: Call) -> Type:
    x = call.tensor(0)
    params = _params(call, ("weight", "bias"))
    folded = call.size(1) if len(call.operands) > 1 else None
    groups = folded if isinstance(folded, int) and folded > 0 else None  # else the runtime's
    shape = shapes.group_norm(call.op, x.shape, groups, [(n, t.shape) for n, t in params])
    return _result(call, x, shape, params)
