"""Where, in a layer's construction call written over several lines, the size at fault is
given: a per-instance report (:mod:`dfdx_mypy_plugin._instances`) that blames the layer goes
on the line of its input width where the layer does not take what it is given, and on its
output width where that width does not fit the next layer (the line a user edits, as
:mod:`dfdx_mypy_plugin._blamed_arguments` does for the checks of types)."""

from __future__ import annotations

from typing import Literal

from mypy.nodes import CallExpr, Context, RefExpr, TypeInfo
from mypy.types import Instance

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._blamed_arguments import constructor_arguments

Role = Literal["reads", "gives"]


def size_argument(built: Context, role: Role, axis: int | None = None, rank: int = 0) -> Context:
    """The argument of ``built`` (a call of a layer of the table) that sets the size the
    layer reads (its first size: ``in_channels``) or gives (its last: ``out_channels``);
    for ``gives`` with ``axis`` (of an output of ``rank`` axes), only where that axis is
    the one the layer gives. ``built`` itself where no such argument is found."""
    if not (isinstance(built, CallExpr) and isinstance(built.callee, RefExpr)):
        return built
    info = built.callee.node
    spec = shapes.layer_of(info.fullname) if isinstance(info, TypeInfo) else None
    if spec is None or not spec.sizes or not isinstance(info, TypeInfo):
        return built
    which = spec.reads if role == "reads" else spec.gives
    if which is None:
        return built
    if axis is not None:
        given = rank - 1 if which == "features" else 1
        if axis % max(rank, 1) != given:
            return built
    arg = spec.sizes[0] if role == "reads" else spec.sizes[-1]
    found = constructor_arguments(Instance(info, []), built).get(arg.name)
    return found if found is not None and found.line > 0 else built
