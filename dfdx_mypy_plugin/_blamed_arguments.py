"""Which argument of a layer's constructor call made a size that does not fit.

A layer built over several lines (``Conv2d(\\n    ch,\\n    ch,\\n    1,\\n)``) is mistaken on
the line of one argument, the one a user edits to fix it: the output width where the layer's
features or channels do not fit (``out_channels``), the input width where the layer does not
take what it is given (``in_channels``), the stride where a stride that differs would have
given the size wanted (a stride forgotten: the lines of the call, its kernel and its padding,
beside which it is left out).
:func:`fault_arguments` finds those arguments in the call, so that an error blamed on the
layer's construction is reported on their lines (the call's own line where they are on it).
"""

from __future__ import annotations

from typing import Literal

from mypy.nodes import ARG_NAMED, ARG_POS, CallExpr, Context, Decorator, Expression, FuncDef
from mypy.types import CallableType, Instance, TypeVarType, UnpackType, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import TENSOR

Role = Literal["reads", "gives"]


def constructor_arguments(layer: Instance, built: CallExpr) -> dict[str, Expression]:
    """The arguments of ``built``, a call of ``layer``'s class, by the names of the
    constructor's parameters (positional ones mapped in order); {} where a star argument
    makes the mapping unknown."""
    node = _init(layer)
    return arguments_by_name(node.arg_names[1:], built) if node is not None else {}  # past self


def arguments_by_name(formals: list[str | None], call: CallExpr) -> dict[str, Expression]:
    """The arguments of ``call`` by the names ``formals`` give its parameters (positional ones
    mapped in order; a positional-only parameter, named None, is left out); {} where a star
    argument makes the mapping unknown."""
    found: dict[str, Expression] = {}
    for i, (arg, kind, name) in enumerate(
        zip(call.args, call.arg_kinds, call.arg_names, strict=True)
    ):
        if kind == ARG_POS:
            formal = formals[i] if i < len(formals) else None
            if formal is not None:
                found[formal] = arg
        elif kind == ARG_NAMED and name is not None:
            found[name] = arg
        else:
            return {}
    return found


def _init(layer: Instance) -> FuncDef | None:
    init = layer.type.get("__init__")
    node = init.node if init is not None else None
    if isinstance(node, Decorator):
        node = node.func
    return node if isinstance(node, FuncDef) else None


def class_size_of(layer: Instance, method: str, axis: int, returned: bool) -> str | None:
    """The name of the size TypeVar of ``layer``'s class (``CO`` of ``Block[CI, CO]``) that
    its ``method`` (``forward``) declares on ``axis`` of the tensor it returns (or of its
    first argument); None where that size is not one of the class's."""
    found = layer.type.get_method(method)
    sig = get_proper_type(found.type) if found is not None else None
    if not isinstance(sig, CallableType):
        return None
    if not returned and len(sig.arg_types) < 2:
        return None
    t = get_proper_type(sig.ret_type if returned else sig.arg_types[1])
    if not isinstance(t, Instance) or t.type.fullname != TENSOR:
        return None
    if not 0 <= axis < len(t.args) - 1 or any(isinstance(a, UnpackType) for a in t.args):
        return None
    dim = get_proper_type(t.args[axis])
    names = {tv.name for tv in layer.type.defn.type_vars}
    return dim.name if isinstance(dim, TypeVarType) and dim.name in names else None


def class_size_argument(layer: Instance, built: CallExpr, name: str) -> Expression | None:
    """The argument of ``built`` (a call of a user's module class) for the constructor
    parameter annotated with the class's size TypeVar ``name`` (``co: CO``), where exactly
    one is."""
    init = _init(layer)
    sig = get_proper_type(init.type) if init is not None else None
    if init is None or not isinstance(sig, CallableType):
        return None
    params = [
        n
        for n, t in zip(sig.arg_names[1:], sig.arg_types[1:], strict=True)
        if _is_size(get_proper_type(t), name)
    ]
    if len(params) != 1 or params[0] is None:
        return None
    return constructor_arguments(layer, built).get(params[0])


def _is_size(t: object, name: str) -> bool:
    return isinstance(t, TypeVarType) and t.name == name


def _size_argument(layer: Instance, built: CallExpr, role: Role) -> Expression | None:
    """The argument of ``built`` that gives ``layer`` the size it reads (its first size) or
    gives (its last): ``in_features``, ``out_channels``."""
    spec = shapes.layer_of(layer.type.fullname)
    if spec is None or not spec.sizes or (spec.reads if role == "reads" else spec.gives) is None:
        return None
    arg = spec.sizes[0] if role == "reads" else spec.sizes[-1]
    return constructor_arguments(layer, built).get(arg.name)


def _gives_axis(layer: Instance, rank: int) -> int | None:
    spec = shapes.layer_of(layer.type.fullname)
    if spec is None or spec.gives is None:
        return None
    return rank - 1 if spec.gives == "features" else 1


def _one_a_line(places: list[Expression], built: CallExpr) -> list[Context]:
    """``places`` with one per line, the call itself for the call's own line."""
    out: list[Context] = []
    lines: set[int] = set()
    for place in places:
        line = place.line if place.line > 0 else built.line
        if line in lines:
            continue
        lines.add(line)
        out.append(built if line == built.line else place)
    return out


def fault_arguments(
    layer: Instance, built: CallExpr, axes: frozenset[int], rank: int
) -> list[Context]:
    """Where, in ``built`` (the call that built ``layer``), the arguments that set ``axes``
    of its output (of ``rank`` axes) are: the output width's for its features or channels
    (for a user's module, the argument annotated with the size its ``forward`` returns);
    ``[built]`` where none is found (or all are on its first line)."""
    places: list[Expression] = []
    if _gives_axis(layer, rank) in axes:
        width = _size_argument(layer, built, "gives")
        if width is not None:
            places.append(width)
    if shapes.layer_of(layer.type.fullname) is None:
        for axis in sorted(axes):
            name = class_size_of(layer, "forward", axis, returned=True)
            arg = class_size_argument(layer, built, name) if name is not None else None
            if arg is not None:
                places.append(arg)
    return _one_a_line(places, built) or [built]


def stride_arguments(layer: Instance, built: CallExpr) -> list[Context]:
    """Where, in ``built``, a stride at fault is: its stride argument; where it is left
    out, the call itself and its kernel and padding arguments, beside which it goes (one
    place a line)."""
    return stride_places(constructor_arguments(layer, built), built)


def stride_places(args: dict[str, Expression], built: CallExpr) -> list[Context]:
    """:func:`stride_arguments` from ``built``'s arguments by name (a layer's constructor's
    or a function's: ``dx.conv2d(x, w, padding=1)``)."""
    if "stride" in args:
        return _one_a_line([args["stride"]], built)
    beside = [args[name] for name in ("kernel_size", "padding") if name in args]
    return _one_a_line([built, *beside], built)


def read_argument(layer: Instance, built: CallExpr) -> Context:
    """Where, in ``built``, the argument that sets the size ``layer`` reads (its input's
    features or channels) is; ``built`` where it is not found or on the call's own line."""
    width = _size_argument(layer, built, "reads")
    if width is None or width.line <= 0 or width.line == built.line:
        return built
    return width
