"""Which layer set a size that does not fit, found back from the value where it does not.

A size that does not fit where it is used (``self.head(flat)``, ``return patches``) was very
often set by a layer built wrong a few lines before: a convolution without its stride whose
output is flattened, a patch embedding of the wrong width whose output is flattened and
transposed. :func:`origins` follows the value back through the expressions that made it (a
local's last assignment before its use, shape-keeping ops such as activations and norms, and
``flatten``/``transpose``/``permute``/``unsqueeze``, which move the axes) to the call of the
layer that set the size, so that the error is also reported where that layer is built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mypy.nodes import (
    ARG_POS,
    AssignmentStmt,
    BreakStmt,
    CallExpr,
    ClassDef,
    ConditionalExpr,
    ContinueStmt,
    Decorator,
    Expression,
    ForStmt,
    FuncDef,
    FuncItem,
    IfStmt,
    IndexExpr,
    IntExpr,
    ListExpr,
    MatchStmt,
    MemberExpr,
    NameExpr,
    OperatorAssignmentStmt,
    OpExpr,
    RaiseStmt,
    RefExpr,
    ReturnStmt,
    SliceExpr,
    StarExpr,
    Statement,
    TryStmt,
    TupleExpr,
    UnaryExpr,
    WhileStmt,
    WithStmt,
)
from mypy.plugin import CheckerPluginInterface
from mypy.subtypes import is_same_type
from mypy.types import (
    CallableType,
    Instance,
    LiteralType,
    TupleType,
    UnionType,
    UnpackType,
    get_proper_type,
)

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._blamed_arguments import class_size_of
from dfdx_mypy_plugin._identity_layers import built_member
from dfdx_mypy_plugin._locals import (
    ANYTHING,
    _binds,
    _last_binding,
    _statement_of,
    blocks,
    checked_copy,
    count_bindings,
    reaching_definitions,
    target_names,
    unpacked_binding,
)
from dfdx_mypy_plugin._types import (
    MODULE,
    TENSOR,
    Unknown,
    checked_shape,
    dim_of_type,
    read_dim,
    read_tensor,
)

SEQUENTIAL = "dfdx.nn._containers.Sequential"
_MOVES = ("flatten", "transpose", "permute", "swapaxes", "unsqueeze")
_DEPTH = 24
_SPATIAL = frozenset({"kernel_size", "output_size", "scale_factor", "padding"})
"""The window arguments from which a layer computes its output's spatial sizes (a GroupNorm's
``num_groups`` is none; a padding layer's ``padding`` is one)."""


@dataclass(frozen=True)
class Origin:
    """A layer's call whose output set ``axes`` (its output's axes, from 0)."""

    call: CallExpr
    layer: Instance
    axes: frozenset[int]
    rank: int
    merged: bool
    """Whether the sizes were merged into one on the way (``flatten``): the size that does
    not fit is then a product, computed by hand where it is used, as likely wrong as the
    layer's."""


def _instance(api: CheckerPluginInterface, e: Expression) -> Instance | None:
    lookup = getattr(api, "lookup_type_or_none", None)
    t = lookup(e) if lookup is not None else None
    p = get_proper_type(t) if t is not None else None
    if isinstance(p, UnionType) and isinstance(e, MemberExpr):
        p = built_member(p)  # ``self.shortcut = Sequential()``, then the projection
    if not isinstance(p, Instance):
        return None
    if isinstance(e, MemberExpr) and p.type.has_base(MODULE):
        from dfdx_mypy_plugin.rules.nn import as_built  # (it imports this module)

        return as_built(api, e, p)  # a field declared ``Conv2d[CI, CO, Any] | None``
    return p


def set_axes(layer: Instance, rank: int) -> set[int]:
    """The axes of ``layer``'s output (of ``rank`` axes) whose sizes it sets: its features or
    channels (its last size argument), and the spatial axes of a layer with a window."""
    if layer.type.fullname == SEQUENTIAL:
        items = get_proper_type(layer.args[0]) if layer.args else None
        inner = [get_proper_type(t) for t in items.items] if isinstance(items, TupleType) else []
        return {a for t in inner if isinstance(t, Instance) for a in set_axes(t, rank)}
    spec = shapes.layer_of(layer.type.fullname)
    if spec is None:
        return set()
    axes = set()
    if spec.gives == "features":
        axes.add(rank - 1)
    elif spec.gives == "channels" and rank > 1:
        axes.add(1)
    return axes | window_axes(layer, rank)


def layer_output_size(layer: Instance, rank: int, axis: int) -> shapes.Dim:
    """The size ``layer``'s type states for ``axis`` of its output (of ``rank`` axes), where
    that is the features or channels it gives (``Conv2d[..., Expr[L["n_levels"]], ...]``:
    ``"n_levels"``), for a ``Sequential`` its last layer that gives a size's; else None."""
    if layer.type.fullname == SEQUENTIAL:
        items = get_proper_type(layer.args[0]) if layer.args else None
        inner = [get_proper_type(t) for t in items.items] if isinstance(items, TupleType) else []
        for t in reversed(inner):
            spec = shapes.layer_of(t.type.fullname) if isinstance(t, Instance) else None
            if spec is not None and spec.gives is not None and isinstance(t, Instance):
                return layer_output_size(t, rank, axis)
            if not (isinstance(t, Instance) and keeps_shape(t)):
                return None  # a layer that changes the shape otherwise (a pool, a user's)
        return None
    spec = shapes.layer_of(layer.type.fullname)
    if spec is None or spec.gives is None or not spec.sizes or len(layer.args) < len(spec.sizes):
        return None
    at = rank - 1 if spec.gives == "features" else 1 if spec.gives == "channels" else None
    if at != axis:
        return None
    return dim_of_type(layer.args[len(spec.sizes) - 1], {})


def _set_here(
    api: CheckerPluginInterface, e: CallExpr, layer: Instance, out: shapes.Shape
) -> set[int]:
    """:func:`set_axes` of the call ``e`` of ``layer``, less the spatial axes whose size its
    window kept (a 1x1 convolution, a same-padded one): the size was set before it."""
    axes = set_axes(layer, len(out))
    kept = window_axes(layer, len(out))
    before = checked_shape(api, e.args[0]) if kept and len(e.args) == 1 else None
    if before is None or len(before) != len(out):
        return axes
    return axes - {a for a in kept if before[a] is not None and before[a] == out[a]}


def _not_its_width(layer: Instance, out: shapes.Shape) -> set[int]:
    """The axis of ``out`` that ``layer`` gives its width (features, channels) to, where the
    size there is not that width: a result typed after an error at the call (a misfit input's
    sizes kept), which the layer did not make."""
    spec = shapes.layer_of(layer.type.fullname)
    if spec is None or spec.gives is None or not spec.sizes or len(layer.args) < len(spec.sizes):
        return set()
    axis = len(out) - 1 if spec.gives == "features" else 1
    if not 0 <= axis < len(out):
        return set()
    try:
        width = read_dim(layer.args[len(spec.sizes) - 1], {})
    except Unknown:
        return set()
    return {axis} if shapes.same_dim(width, out[axis]) is False else set()


def _changed(api: CheckerPluginInterface, origin: Origin) -> bool:
    """Whether the layer of ``origin`` changed the sizes it is found for (not a window that
    kept them, found only because no layer before it set them)."""
    out = checked_shape(api, origin.call)
    return out is None or bool(origin.axes & _set_here(api, origin.call, origin.layer, out))


def window_axes(layer: Instance, rank: int) -> set[int]:
    """The axes of ``layer``'s output (of ``rank`` axes) whose sizes its window sets (a
    convolution's or a pool's spatial axes; a ``Sequential``'s layers' too)."""
    if layer.type.fullname == SEQUENTIAL:
        items = get_proper_type(layer.args[0]) if layer.args else None
        inner = [get_proper_type(t) for t in items.items] if isinstance(items, TupleType) else []
        return {a for t in inner if isinstance(t, Instance) for a in window_axes(t, rank)}
    spec = shapes.layer_of(layer.type.fullname)
    if spec is None or not any(arg.name in _SPATIAL for arg in spec.window):
        return set()
    return set(range(2, rank))


def keeps_shape(layer: Instance) -> bool:
    """Whether ``layer`` keeps its input's shape: a layer of the table that does, or a
    module whose ``forward`` returns the type it takes, over a TypeVarTuple (a user's
    activation: ``def forward(self, x: Tensor[*S, T]) -> Tensor[*S, T]``)."""
    spec = shapes.layer_of(layer.type.fullname)
    if spec is not None:
        return spec.keeps_shape
    method = layer.type.get_method("forward")
    sig = get_proper_type(method.type) if method is not None else None
    if not isinstance(sig, CallableType) or len(sig.arg_types) < 2:
        return False
    takes, gives = get_proper_type(sig.arg_types[1]), get_proper_type(sig.ret_type)
    return (
        isinstance(takes, Instance)
        and takes.type.fullname == TENSOR
        and len(takes.args) == 2
        and isinstance(takes.args[0], UnpackType)
        and is_same_type(takes, gives)
    )


def _int(e: Expression) -> int | None:
    if isinstance(e, IntExpr):
        return e.value
    if isinstance(e, UnaryExpr) and e.op == "-" and isinstance(e.expr, IntExpr):
        return -e.expr.value
    return None


def _ints(call: CallExpr, names: tuple[str, ...], defaults: tuple[int, ...]) -> list[int] | None:
    """The int arguments of a method call, by position or by name, with their defaults."""
    values: list[int | None] = list(defaults)
    for i, (arg, kind, name) in enumerate(
        zip(call.args, call.arg_kinds, call.arg_names, strict=True)
    ):
        if kind == ARG_POS and i < len(values):
            values[i] = _int(arg)
        elif name in names:
            values[names.index(name)] = _int(arg)
        else:
            return None
    return None if any(v is None for v in values) else [v for v in values if v is not None]


def _flattens_after_first(call: CallExpr, receiver: shapes.Shape, out: shapes.Shape) -> bool:
    """Whether ``call`` is ``x.view(n, -1)`` or ``x.reshape(n, -1)`` keeping ``x``'s first
    size and merging the rest (``h.view(h.shape[0], -1)`` before a classifier), as
    ``x.flatten(1)`` does."""
    name = call.callee.name if isinstance(call.callee, MemberExpr) else None
    return (
        name in ("view", "reshape")
        and len(call.args) == 2
        and call.arg_kinds == [ARG_POS, ARG_POS]
        and _int(call.args[1]) == -1
        and len(receiver) > 2
        and len(out) == 2
        and receiver[0] is not None
        and receiver[0] == out[0]
    )


def _flattened(
    receiver: shapes.Shape, axes: frozenset[int], start: int, end: int
) -> frozenset[int]:
    """The receiver's axes that ``axes`` of ``receiver.flatten(start, end)`` come from: the
    merged size's are those merged but the ones of size 1 (a global pool's): a product is
    wrong by one of its factors that are not 1."""
    span = end - start
    merged = {a for a in range(start, end + 1) if receiver[a] != 1}
    out: set[int] = set()
    for a in axes:
        out |= merged if a == start else {a if a < start else a + span}
    return frozenset(out)


def _moved(
    call: CallExpr, name: str, receiver: shapes.Shape, axes: frozenset[int]
) -> frozenset[int] | None:
    """The receiver's axes that ``axes`` of ``receiver.<name>(...)`` come from, or None
    (``flatten``: :func:`_flattened`)."""
    rank_in = len(receiver)
    if name == "flatten":
        args = _ints(call, ("start_axis", "end_axis"), (0, -1))
        if args is None or not rank_in:
            return None
        start, end = (a % rank_in for a in args)
        return _flattened(receiver, axes, start, end)
    if name in ("transpose", "swapaxes"):
        args = _ints(call, ("axis0", "axis1"), (0, 0)) if len(call.args) == 2 else None
        if args is None or not rank_in:
            return None
        a0, a1 = (a % rank_in for a in args)
        return frozenset(a1 if a == a0 else a0 if a == a1 else a for a in axes)
    if name == "unsqueeze":
        args = _ints(call, ("axis",), (0,)) if len(call.args) == 1 else None
        if args is None:
            return None
        new = args[0] % (rank_in + 1)
        return frozenset(a if a < new else a - 1 for a in axes if a != new)
    if name == "permute":
        dims = [_int(a) for a in call.args]
        known = [d for d in dims if d is not None]
        if len(known) != rank_in or call.arg_kinds != [ARG_POS] * rank_in:
            return None
        return frozenset(known[a] % rank_in for a in axes)
    return None


def last_assignment(api: CheckerPluginInterface, name: NameExpr) -> Expression | None:
    """The value of the last top-level ``name = value`` statement of the function before the
    line that uses ``name``, where every binding of the name in it is such a statement
    (``h = conv1(x)``, then ``h = conv2(h)``, then ``h.flatten(1)``), or of the last one
    before the use in its block (:func:`reaching_definitions`: ``h = h + pos`` before ``for
    block in self.blocks: h = block(h)``); else None."""
    value = reaching_definitions(api)(name)
    if value is not None:
        return value
    scope = getattr(api, "scope", None)
    function = scope.current_function() if scope is not None else None
    if not isinstance(function, FuncItem):
        return None
    body = function.body.body
    count: dict[str, int] = {}
    count_bindings(body, count)
    assignments = [
        s
        for s in body
        if isinstance(s, AssignmentStmt)
        and len(s.lvalues) == 1
        and isinstance(s.lvalues[0], NameExpr)
        and s.lvalues[0].name == name.name
    ]
    if count.get(ANYTHING) or count.get(name.name) != len(assignments):
        return None
    before = [s for s in assignments if (s.end_line or s.line) < name.line]
    return checked_copy(api, before[-1].rvalue) if before else None


def origins(
    api: CheckerPluginInterface,
    e: Expression,
    axes: frozenset[int],
    depth: int = 0,
    merged: bool = False,
) -> list[Origin]:
    """The layers' calls that set ``axes`` of ``e``'s value (its axes, from 0); [] where the
    value cannot be followed back to one."""
    if depth > _DEPTH or not axes:
        return []
    if isinstance(e, NameExpr):
        value = last_assignment(api, e)
        if value is None:
            piece = split_source(api, e)
            if piece is not None and axes <= {piece[1]}:
                # a part of the layer's size: not the layer's own. (On another axis, a size
                # that does not fit is the split's: a gate split along the wrong axis.)
                return origins(api, piece[0], axes, depth + 1, True)
            return _one_of(api, branch_values(api, e), axes, depth, merged)
        return origins(api, value, axes, depth + 1, merged)
    if isinstance(e, IndexExpr):
        out = checked_shape(api, e)
        return origins_of_slice(api, e, out, axes, depth, merged) if out is not None else []
    if isinstance(e, ConditionalExpr):
        return _one_branch(api, e, axes, depth, merged)
    if isinstance(e, OpExpr):
        return _scaled(api, e, axes, depth, merged)
    if not isinstance(e, CallExpr):
        return []
    out = checked_shape(api, e)
    if out is None:
        out = _built_member_output(api, e)
    return origins_of_call(api, e, out, axes, depth, merged) if out is not None else []


_SPLITS = ("chunk", "split")


def split_source(api: CheckerPluginInterface, e: NameExpr) -> tuple[Expression, int] | None:
    """The tensor that ``e`` is a piece of, and the axis split, where ``e`` was unpacked from
    a ``chunk`` or a ``split`` of it (``scale, shift = self.style(w).chunk(2, axis=1)``):
    each piece has its rank, its sizes on the other axes, and on the split axis a part of its
    size there, so a layer that set that tensor's size there set the piece's."""
    unpacked = unpacked_binding(api, e)
    if unpacked is None or not isinstance(unpacked[0], CallExpr):
        return None
    call = unpacked[0]
    callee = call.callee
    if not isinstance(callee, MemberExpr | NameExpr) or callee.name not in _SPLITS:
        return None
    if isinstance(callee, MemberExpr) and checked_shape(api, callee.expr) is not None:
        source: Expression = callee.expr  # ``h.chunk(2, axis=1)``
    elif isinstance(callee, RefExpr) and callee.fullname.startswith("dfdx.") and call.args:
        source = call.args[0]  # ``dx.chunk(h, 2, axis=1)``
    else:
        return None
    whole, piece = checked_shape(api, source), checked_shape(api, e)
    if whole is None or piece is None or len(whole) != len(piece):
        return None
    method = source is not call.args[0] if call.args else True
    given = dict(zip(call.arg_names, call.args, strict=True)).get("axis")
    positional = [a for a, k in zip(call.args, call.arg_kinds, strict=True) if k == ARG_POS]
    if given is None and len(positional) > (1 if method else 2):
        given = positional[1 if method else 2]
    axis = _int(given) if given is not None else 0
    if axis is None or not -len(whole) <= axis < len(whole):
        return None
    return source, axis % len(whole)


def origins_of_op(
    api: CheckerPluginInterface, e: OpExpr, out: shapes.Shape, axes: frozenset[int]
) -> list[Origin]:
    """:func:`origins` of the arithmetic op ``e`` being checked, whose value has the shape
    ``out``."""
    return _scaled(api, e, axes, 0, False, out)


def _scaled(
    api: CheckerPluginInterface,
    e: OpExpr,
    axes: frozenset[int],
    depth: int,
    merged: bool,
    out: shapes.Shape | None = None,
) -> list[Origin]:
    """:func:`origins` of an arithmetic op of one tensor and a number (``self.body(x) *
    self.res_scale``): the tensor's, whose sizes it keeps; of two tensors (``h + noise``),
    those of the one operand with the result's sizes on ``axes`` that leads back to layers
    (the other broadcasts there, or was made by a creation); [] where both lead to other
    layers, which agree on the size."""
    if e.op not in ("+", "-", "*", "/", "//", "**"):
        return []
    shapes_ = [checked_shape(api, side) for side in (e.left, e.right)]
    tensors = [side for side, shape in zip((e.left, e.right), shapes_, strict=True) if shape]
    if not tensors or not all(
        s is not None or _is_number(api, side)
        for side, s in zip((e.left, e.right), shapes_, strict=True)
    ):
        return []
    out = out or checked_shape(api, e)  # (an op being checked has no type yet)
    if out is None:
        return []
    if len(tensors) == 1:
        if out != checked_shape(api, tensors[0]):
            return []
        return origins(api, tensors[0], axes, depth + 1, merged)
    found: list[list[Origin]] = []
    for side, shape in zip((e.left, e.right), shapes_, strict=True):
        assert shape is not None
        moved = frozenset(a - (len(out) - len(shape)) for a in axes)
        if all(0 <= a < len(shape) for a in moved) and all(
            shape[a - (len(out) - len(shape))] == out[a] for a in axes
        ):
            found.append(origins(api, side, moved, depth + 1, merged))
    leads = [f for f in found if f]
    if len(leads) == 2 and {id(o.call) for o in leads[0]} != {id(o.call) for o in leads[1]}:
        return []  # two layers that agree (``self.w1(x) * self.w3(x)``): neither is the odd one
    return leads[0] if leads else []


def _is_number(api: CheckerPluginInterface, e: Expression) -> bool:
    """Whether ``e`` is typed a Python number (``0.5``, ``self.res_scale``, ``float(d)``)."""
    lookup = getattr(api, "lookup_type_or_none", None)
    t = get_proper_type(lookup(e)) if lookup is not None else None
    if isinstance(t, LiteralType):
        t = t.fallback
    return isinstance(t, Instance) and t.type.fullname in ("builtins.int", "builtins.float")


def _built_member_output(api: CheckerPluginInterface, e: CallExpr) -> shapes.Shape | None:
    """The shape of ``self.shortcut(x)``'s value where the field holds an identity or a
    projection (:func:`built_member`): of the union mypy gives, the member that is not
    ``x`` given back."""
    lookup = getattr(api, "lookup_type_or_none", None)
    if lookup is None or len(e.args) != 1 or not isinstance(e.callee, MemberExpr):
        return None
    callee, value = lookup(e.callee), get_proper_type(lookup(e))
    if callee is None or built_member(callee) is None or not isinstance(value, UnionType):
        return None
    given = checked_shape(api, e.args[0])
    found = []
    for member in value.items:
        try:
            shape = read_tensor(member).shape
        except (Unknown, ValueError):
            return None
        if shape != given:
            found.append(shape)
    return found[0] if len(found) == 1 else None


def _one_branch(
    api: CheckerPluginInterface,
    e: ConditionalExpr,
    axes: frozenset[int],
    depth: int,
    merged: bool,
) -> list[Origin]:
    """:func:`origins` of ``x if self.proj is None else self.proj(x)``."""
    return _one_of(api, [e.if_expr, e.else_expr], axes, depth, merged)


def _one_of(
    api: CheckerPluginInterface,
    values: list[Expression],
    axes: frozenset[int],
    depth: int,
    merged: bool,
) -> list[Origin]:
    """:func:`origins` of a value that is one of ``values`` (the branches of a conditional
    expression, a name bound in the branches of an ``if``): the layers of the one value that
    leads back to a layer (the other is the input, kept: an identity shortcut); [] where
    several do, since only one of them may have made the size at fault."""
    found = [origins(api, v, axes, depth + 1, merged) for v in values]
    leads = [f for f in found if f]
    return leads[0] if len(leads) == 1 else []


def branch_values(api: CheckerPluginInterface, name: NameExpr) -> list[Expression]:
    """The values ``name`` may hold where it is used, where the statement that last bound it
    before the use, in the same block, is an ``if`` whose branches bind it with ``name =
    value`` (``residual = self.downsample(x)`` / ``else: residual = x``), or leave it to the
    ``name = value`` before the ``if`` (``identity = x``, then ``if self.pool is not None:
    identity = self.pool(x)``); a branch that ends in a ``return`` or a ``raise`` does not
    reach the use. [] where the name is bound otherwise."""
    scope = getattr(api, "scope", None)
    function = scope.current_function() if scope is not None else None
    if not isinstance(function, FuncItem):
        return []
    found = _statement_of(function.body.body, name.line, name.column)
    if found is None:
        return []
    block, index = found
    for i in range(index - 1, -1, -1):
        stmt = block[i]
        if not _binds(stmt, name.name):
            continue
        return _if_values(api, stmt, block[:i], name.name) if isinstance(stmt, IfStmt) else []
    return []


def _if_values(
    api: CheckerPluginInterface, stmt: IfStmt, before: list[Statement], name: str
) -> list[Expression]:
    out: list[Expression] = []
    for branch in [*stmt.body, stmt.else_body]:
        body = branch.body if branch is not None else []
        if body and isinstance(body[-1], ReturnStmt | RaiseStmt):
            continue
        here = [s for s in body if _binds(s, name)]
        if here and isinstance(here[-1], IfStmt):
            values = _if_values(api, here[-1], body[: body.index(here[-1])], name)
        else:
            value = _last_binding(api, body if here else before, name)
            values = [value] if value is not None else []
        if not values:
            return []
        out += values
    return out


def origins_of_slice(
    api: CheckerPluginInterface,
    e: IndexExpr,
    out: shapes.Shape,
    axes: frozenset[int],
    depth: int = 0,
    merged: bool = False,
) -> list[Origin]:
    """:func:`origins` of ``x[:, :, :-p]``, slices only (the rank kept): the layers that set
    those axes of ``x`` (a causal convolution's padding, trimmed: the two set the size
    together, and the padding is where it is computed)."""
    items = e.index.items if isinstance(e.index, TupleExpr) else [e.index]
    if not all(isinstance(i, SliceExpr) for i in items):
        return []
    before = checked_shape(api, e.base)
    if before is None or len(before) != len(out):
        return []
    return origins(api, e.base, axes, depth + 1, merged)


def origins_of_call(
    api: CheckerPluginInterface,
    e: CallExpr,
    out: shapes.Shape,
    axes: frozenset[int],
    depth: int = 0,
    merged: bool = False,
) -> list[Origin]:
    """:func:`origins` of the call ``e`` whose value has the shape ``out`` (a call being
    checked has no type yet)."""
    if any(not 0 <= a < len(out) for a in axes):
        return []  # a name whose type is not its last value's (name reuse off)
    callee = _instance(api, e.callee)
    if callee is not None and callee.type.has_base(MODULE):
        here = Origin(e, callee, axes, len(out), merged)
        if axes & _not_its_width(callee, out):
            return []  # its result typed after an error at the call, reported there
        if axes & _set_here(api, e, callee, out):
            return [here]
        if axes & set_axes(callee, len(out)):
            # a window that kept the size (a 1x1 convolution): a layer before it that set the
            # size, else this one (a convolution without its stride, which should change it)
            earlier = origins(api, e.args[0], axes, depth + 1, merged) if e.args else []
            return [o for o in earlier if _changed(api, o)] or [here]
        fullname = callee.type.fullname
        known = fullname == SEQUENTIAL or shapes.layer_of(fullname) is not None
        if not known and not keeps_shape(callee):
            return _user_module(api, e, callee, out, axes, depth, merged)
        if len(e.args) != 1 or e.arg_kinds[0] != ARG_POS:
            return []
        source, before = e.args[0], checked_shape(api, e.args[0])
    else:
        receiver = checked_shape(api, e.callee.expr) if isinstance(e.callee, MemberExpr) else None
        if isinstance(e.callee, MemberExpr) and receiver is not None:
            if _flattens_after_first(e, receiver, out):  # ``h.view(h.shape[0], -1)``
                flat = _flattened(receiver, axes, 1, len(receiver) - 1)
                return origins(api, e.callee.expr, flat, depth + 1, True)
            if e.callee.name in _MOVES:  # the axes move: no size is set
                moved = _moved(e, e.callee.name, receiver, axes)
                if moved is None:
                    return []
                merged = merged or (e.callee.name == "flatten" and len(receiver) > len(out))
                return origins(api, e.callee.expr, moved, depth + 1, merged)
            source, before = e.callee.expr, receiver
        elif e.args and e.arg_kinds[0] == ARG_POS:
            source, before = e.args[0], checked_shape(api, e.args[0])
        else:
            return []
    if before is None or len(before) != len(out) or any(before[a] != out[a] for a in axes):
        return []  # an op that sets these sizes itself, or not a tensor's op
    return origins(api, source, axes, depth + 1, merged)


def _user_module(
    api: CheckerPluginInterface,
    e: CallExpr,
    module: Instance,
    out: shapes.Shape,
    axes: frozenset[int],
    depth: int,
    merged: bool,
) -> list[Origin]:
    """:func:`origins` of a user's module's call: what it does to the sizes is its own, but
    a size its ``forward`` returns that is one of its class's (``CO`` of ``Block[CI, CO]``)
    was set by the argument it was built with; where its first argument has that size on the
    same axis (``Residual[D]`` takes and gives ``D``), the size is its input's, followed
    back."""
    returned = [class_size_of(module, "forward", a, returned=True) for a in axes]
    if not all(returned):
        return []
    taken = [class_size_of(module, "forward", a, returned=False) for a in axes]
    if taken != returned:
        return [Origin(e, module, axes, len(out), merged)]
    if not e.args or e.arg_kinds[0] != ARG_POS:
        return []
    before = checked_shape(api, e.args[0])
    if before is None or len(before) != len(out) or any(before[a] != out[a] for a in axes):
        return []
    return origins(api, e.args[0], axes, depth + 1, merged)


_CONCATS = frozenset({"dfdx.ops.movement.cat", "dfdx.ops.movement.concat"})


@dataclass(frozen=True)
class Joined:
    """A concatenation along ``axis``: ``known``, the sum of its parts' sizes there that are
    known, and ``unknown``, how many parts have a size there that is not
    (``dx.cat([past_key, k], axis=-1)`` with a cache typed ``Dyn``: one); for a list of
    tensors of a length known only at run time (``dx.cat(levels, axis=1)``), ``known`` is
    one tensor's size and ``listed`` is True."""

    call: CallExpr
    axis: int
    known: shapes.Dim
    unknown: int
    listed: bool = False

    def least(self) -> shapes.Dim:
        """The smallest size the concatenation can have along ``axis``: a part is not
        empty, and a list holds two tensors or more (concatenating an empty tensor, or one
        tensor alone, is the identity, which nobody writes a concatenation for)."""
        if self.listed:
            return shapes.dim_mul(2, self.known)
        return shapes.dim_add(self.known, self.unknown)

    def text(self) -> str:
        """The concatenated size as the messages write it (``E//NH + Dyn``)."""
        k = shapes.fmt_dim(self.known)
        if self.listed:
            return f"{k} per tensor of a list"
        return f"{k} + Dyn" if self.unknown == 1 else f"{k} + {self.unknown} Dyn"


def joined(api: CheckerPluginInterface, e: Expression, axis: int, depth: int = 0) -> Joined | None:
    """The concatenation along ``axis`` that made that axis of ``e``'s value, found back
    through axis moves (``k.transpose(-2, -1)``, ``k.mT``) and a local name's last binding
    before its use (:func:`last_binding`), or None."""
    if depth > _DEPTH:
        return None
    if isinstance(e, NameExpr):
        value = last_binding(api, e)
        return joined(api, value, axis, depth + 1) if value is not None else None
    if isinstance(e, MemberExpr) and e.name in ("mT", "T"):
        receiver = _rank_of(api, e.expr)
        if receiver is None or len(receiver) < 2 or (e.name == "T" and len(receiver) != 2):
            return None
        last = len(receiver) - 1
        swapped = last - 1 if axis == last else last if axis == last - 1 else axis
        return joined(api, e.expr, swapped, depth + 1)
    if not isinstance(e, CallExpr):
        return None
    if isinstance(e.callee, MemberExpr) and e.callee.name in _MOVES:
        receiver = _rank_of(api, e.callee.expr)
        moved = _moved(e, e.callee.name, receiver, frozenset({axis})) if receiver else None
        if moved is None or len(moved) != 1:
            return None
        return joined(api, e.callee.expr, next(iter(moved)), depth + 1)
    return _concatenation(api, e, axis)


def _rank_of(api: CheckerPluginInterface, e: Expression) -> shapes.Shape | None:
    """``e``'s shape, or where it is a union of tensors of one rank (a name rebound in a
    branch), that many unknown sizes: what moving its axes needs."""
    shape = checked_shape(api, e)
    if shape is not None:
        return shape
    lookup = getattr(api, "lookup_type_or_none", None)
    t = get_proper_type(lookup(e)) if lookup is not None else None
    if not isinstance(t, UnionType):
        return None
    ranks = set()
    for member in t.items:
        try:
            ranks.add(len(read_tensor(member).shape))
        except Unknown:
            return None
    return (None,) * ranks.pop() if len(ranks) == 1 else None


def _concatenation(api: CheckerPluginInterface, e: CallExpr, axis: int) -> Joined | None:
    """``e`` as a concatenation of a list or tuple display along ``axis`` (:class:`Joined`)."""
    callee = e.callee
    if not (isinstance(callee, MemberExpr | NameExpr) and callee.fullname in _CONCATS):
        return None
    out = checked_shape(api, e)
    parts = e.args[0] if e.args and e.arg_kinds[0] == ARG_POS else None
    if out is None or parts is None:
        return None
    along: int | None = 0
    for arg, kind, name in zip(e.args[1:], e.arg_kinds[1:], e.arg_names[1:], strict=True):
        if kind == ARG_POS or name == "axis":
            along = _int(arg)
    if along is None or not -len(out) <= along < len(out) or along % len(out) != axis:
        return None
    if not isinstance(parts, ListExpr | TupleExpr):
        each = _list_item(api, parts)
        if each is None or len(each) != len(out) or each[axis] is None:
            return None
        return Joined(e, axis, each[axis], 0, listed=True)
    known: shapes.Dim = 0
    unknown = 0
    for item in parts.items:
        shape = checked_shape(api, item) if not isinstance(item, StarExpr) else None
        if shape is None or len(shape) != len(out):
            return None
        if shape[axis] is None:
            unknown += 1
        else:
            known = shapes.dim_add(known, shape[axis])
    return Joined(e, axis, known, unknown) if known is not None else None


def _list_item(api: CheckerPluginInterface, e: Expression) -> shapes.Shape | None:
    """The shape of the tensors of ``e``, a list of them (a name, a comprehension)."""
    lookup = getattr(api, "lookup_type_or_none", None)
    t = get_proper_type(lookup(e)) if lookup is not None else None
    if not (isinstance(t, Instance) and t.type.fullname == "builtins.list" and len(t.args) == 1):
        return None
    try:
        return read_tensor(t.args[0]).shape
    except Unknown:
        return None


def last_binding(
    api: CheckerPluginInterface, name: NameExpr, extended: bool = False
) -> Expression | None:
    """The value of the statement that binds ``name`` last before its use, in the order the
    function is written, at any depth of its blocks (``k = dx.cat([past_key, k], axis=2)``
    under ``if layer_past is not None:``), where it is a ``name = value`` statement: the
    name's value at the use on a path through that statement. None where that statement
    binds it otherwise, or the function binds names this does not follow. With
    ``extended`` (a list's binding), ``name += items`` extends the list it holds: not a
    binding."""
    scope = getattr(api, "scope", None)
    function = scope.current_function() if scope is not None else None
    if not isinstance(function, FuncItem):
        return None
    count: dict[str, int] = {}
    count_bindings(function.body.body, count)
    if count.get(ANYTHING):
        return None
    body = function.body.body
    last: Statement | None = None
    for stmt in _in_order(body):
        if stmt.line >= name.line:
            break
        if extended and isinstance(stmt, OperatorAssignmentStmt) and stmt.op == "+":
            continue
        if _binds_here(stmt, name.name) and (stmt.end_line or stmt.line) < name.line:
            last = stmt
    if (
        isinstance(last, AssignmentStmt)
        and len(last.lvalues) == 1
        and isinstance(last.lvalues[0], NameExpr)
        and last.lvalues[0].name == name.name
        and _falls_through_to(body, last, name)
    ):
        return checked_copy(api, last.rvalue)
    return None


_JUMPS = (ReturnStmt, RaiseStmt, BreakStmt, ContinueStmt)


def _ancestry(
    body: list[Statement], found: Callable[[Statement], bool]
) -> list[tuple[list[Statement], int]] | None:
    """The blocks from ``body`` down to the statement ``found`` accepts, with the index in
    each of the statement holding it (not inside nested functions and classes)."""
    for i, stmt in enumerate(body):
        if found(stmt):
            return [(body, i)]
        if isinstance(stmt, FuncDef | Decorator | ClassDef):
            continue
        for block in blocks(stmt):
            inner = _ancestry(block.body, found)
            if inner is not None:
                return [(body, i), *inner]
    return None


def _falls_through_to(body: list[Statement], binding: Statement, use: NameExpr) -> bool:
    """Whether a run may go from ``binding`` to ``use`` without leaving the function: not
    where the use is in another branch of an ``if`` (or ``try``) than the binding, nor where
    a ``return``, ``raise``, ``break`` or ``continue`` follows the binding in a block the use
    is not in."""
    to_binding = _ancestry(body, lambda s: s is binding)
    to_use = _ancestry(body, lambda s: _contains(s, use.line, use.column) and not blocks(s))
    if to_binding is None or to_use is None:
        return False
    depth = 0
    while depth < min(len(to_binding), len(to_use)):
        (b_block, b_at), (u_block, u_at) = to_binding[depth], to_use[depth]
        if b_block is not u_block:
            return False  # another branch of the statement holding both
        if b_at != u_at:
            break
        depth += 1
    else:
        return False
    for block, at in to_binding[depth + 1 :]:
        if any(isinstance(s, _JUMPS) for s in block[at + 1 :]):
            return False
    return True


def _contains(stmt: Statement, line: int, column: int) -> bool:
    start = (stmt.line, stmt.column)
    end = (stmt.end_line or stmt.line, stmt.end_column if stmt.end_column is not None else 1 << 30)
    return start <= (line, column) <= end


def _in_order(body: list[Statement]) -> list[Statement]:
    """The statements of ``body`` and of its nested blocks, as written (not those of nested
    functions and classes, which are other scopes)."""
    out: list[Statement] = []
    for stmt in body:
        out.append(stmt)
        if not isinstance(stmt, FuncDef | Decorator | ClassDef):
            for block in blocks(stmt):
                out += _in_order(block.body)
    return out


def _binds_here(stmt: Statement, name: str) -> bool:
    """Whether ``stmt`` itself binds ``name`` (a compound statement's own targets: a loop's
    index, a ``with``'s names; not those of its blocks)."""
    if isinstance(stmt, ForStmt):
        targets: list[Expression | None] = [stmt.index]
    elif isinstance(stmt, WithStmt):
        targets = list(stmt.target)
    elif isinstance(stmt, TryStmt):
        targets = list(stmt.vars)
    elif isinstance(stmt, IfStmt | WhileStmt | MatchStmt):
        return False
    else:
        count: dict[str, int] = {}
        count_bindings([stmt], count)
        return bool(count.get(name))
    return any(t is not None and name in target_names(t) for t in targets)
