"""What a user's block returns where its ``forward`` cannot be evaluated for an instance
(docs/modules.md, "Blocks typed per instance"): the shape its ``forward`` declares, each size
TypeVar given the value this instance binds it to (a construction argument typed with it, or
an axis of an argument tensor), a size it does not bind unknown. The caller's evaluation goes
on with it instead of giving up on everything after the call."""

from __future__ import annotations

from mypy.types import CallableType, Instance, UnpackType, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import TENSOR, Unknown, read_dim


def declared_output(forward: CallableType, values: dict[str, shapes.Dim]) -> shapes.Shape | None:
    """The shape ``forward``'s return type declares, with its size names replaced by
    ``values`` (a name without one is unknown: None); None where it returns no tensor or one
    of unknown rank (``Tensor[*Shape, T]``)."""
    ret = get_proper_type(forward.ret_type)
    if not isinstance(ret, Instance) or ret.type.fullname != TENSOR or not ret.args:
        return None
    dims: list[shapes.Dim] = []
    for a in ret.args[:-1]:
        if isinstance(get_proper_type(a), UnpackType):
            return None
        try:
            d = read_dim(a, {})
        except Unknown:
            d = None
        dims.append(shapes.dim_substitute(d, values) if isinstance(d, str) else d)
    return tuple(dims)
