"""Movement and shape: reshape, flatten, permute, transpose, unsqueeze, squeeze,
broadcast_to (and ``expand``, its PyTorch name), repeat, repeat_interleave, concat and stack.

Axes passed as int arguments must be literals for an exact result (an axis that is not one
leaves mypy's default, ``Any``). Sizes (reshape, broadcast_to) are read as the creation
functions read them: literals, folded arithmetic, TypeVars and products of them (``x.reshape(B *
T, C)``, ``x.reshape(-1, C)`` giving ``Tensor[Expr[L["B*T"]], C]``); an unknown size becomes
``Dyn``. concat and stack read the items of a tuple or list literal (or of a
variable whose type is a tuple of tensors).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable

from mypy.nodes import (
    ARG_POS,
    CallExpr,
    Expression,
    ListComprehension,
    ListExpr,
    MemberExpr,
    NameExpr,
    StarExpr,
    TupleExpr,
)
from mypy.typeops import make_simplified_union
from mypy.types import (
    AnyType,
    Instance,
    NoneType,
    ProperType,
    TupleType,
    Type,
    TypeOfAny,
    UnionType,
    get_proper_type,
)

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._listed import comprehension_items, listed_items
from dfdx_mypy_plugin._locals import reaching_definitions, unpacked_into
from dfdx_mypy_plugin._origin import last_assignment, layer_output_size, origins
from dfdx_mypy_plugin._tables import table_places
from dfdx_mypy_plugin._types import (
    TENSOR,
    TensorType,
    Unknown,
    literal_bool,
    literal_int,
    literal_str,
    merge_tapes,
    read_tensor,
    size_of,
    tensor_type,
    type_of,
)
from dfdx_mypy_plugin._value_faults import moves_axes
from dfdx_mypy_plugin._where import (
    at_origins,
    at_unequal_windows,
    at_windows,
    declared,
    returned_as,
)
from dfdx_mypy_plugin.codes import DFDX_SHAPE
from dfdx_mypy_plugin.rules import Call, rule
from dfdx_mypy_plugin.rules.binary import _in_branch
from dfdx_mypy_plugin.rules.reduce import read_axis


def _axis(call: Call, t: Type, what: str = "axis") -> int:
    """An axis argument (or another int, named ``what`` as the runtime names it: ``"axes"``,
    ``"chunks"``): a literal int, or Unknown; a bool is the runtime's TypeError."""
    b = literal_bool(t)
    if b is not None:
        raise shapes.ShapeError(shapes.not_an_int(call.op, shapes.ints_wanted(what), b))
    n = literal_int(t)
    if n is None:
        raise Unknown
    return n


def _named_axis(call: Call, name: str, default: int, what: str = "axis") -> int:
    return _axis(call, call.arg(name), what) if call.has(name) else default


def _sizes(call: Call) -> list[shapes.Dim] | None:
    """The ``*dims`` sizes after the tensor, separate or as one tuple (``x.reshape(y.shape)``:
    :meth:`Call.size_items`), read as :meth:`Call.size`; a bool is the runtime's error. None
    where their number is known only at run time (a ``tuple[int, ...]``)."""
    items = call.size_items(1)
    if items is None:
        return None
    for t, _ in items:
        b = literal_bool(t)
        if b is not None:
            raise shapes.ShapeError(shapes.not_an_int(call.op, shapes.SIZES, b))
    return [call.read_size(t, e) for t, e in items]


def _unknown_count(call: Call) -> Type:
    """A movement to as many sizes as a sequence of unknown length holds: a tensor of unknown
    rank on the input's tape."""
    p = get_proper_type(call.operands[0])
    if not (isinstance(p, Instance) and p.type.fullname == TENSOR and p.args):
        raise Unknown
    return call.of_unknown_rank(p.args[-1])


def _movement(name: str) -> tuple[str, ...]:
    return (f"dfdx.ops.movement.{name}",)


@rule("reshape", methods=("reshape",), functions=_movement("reshape"))
def reshape(call: Call) -> Type:
    sizes = _sizes(call)
    if sizes is None:
        return _unknown_count(call)
    tape = call.unknown_rank_tape()
    if tape is not None:  # the input's sizes are unknown, not the result's rank
        if any(isinstance(d, int) and d < -1 for d in sizes) or sizes.count(-1) > 1:
            raise Unknown  # reported at run time
        return call.result(tuple(None if d == -1 else d for d in sizes), tape)
    x = call.tensor(0)
    try:
        shape = shapes.reshape(x.shape, sizes)
    except shapes.ShapeError as e:
        if shapes.names_exchanged_in(x.shape, sizes):
            _at_reduced_input(call, str(e))
        else:
            _at_layers(call, x.shape, sizes, e)
        raise call.recover(e, x.tape, x) from None
    known = _layer_set_sizes(call, x.shape)
    if known != x.shape:
        try:
            shapes.reshape(known, sizes)
        except shapes.ShapeError as e:
            _at_layers(call, known, sizes, e)
            raise call.recover(e, x.tape, x) from None
    return call.result(shape, x.tape, x)


def _layer_set_sizes(call: Call, shape: shapes.Shape) -> shapes.Shape:
    """``shape`` with each unknown size that a layer set from its module's ``int`` argument
    (``Conv2d(hidden, n_levels, 1)``'s output channels: a tensor's type holds no such name
    alone, its layer's type does) read from that layer's type, where the value is followed
    back to it (:func:`dfdx_mypy_plugin._origin.origins`): what the element count of a
    reshape of that value is checked with."""
    e = _first(call)
    if e is None or None not in shape:
        return shape
    out = list(shape)
    for axis, d in enumerate(shape):
        if d is None:
            given = _given_size(call, e, len(shape), axis)
            found = origins(call.api, e, frozenset({axis})) if given is None else []
            # (a size merged or split on the way is not the layer's own)
            sizes = {layer_output_size(o.layer, o.rank, axis) for o in found if not o.merged}
            if given is not None:
                out[axis] = given
            elif len(sizes) == 1:
                out[axis] = call.in_scope(sizes.pop())
    return tuple(out)


_GIVES_SIZES = ("view", "reshape", "expand", "broadcast_to")


def _given_size(call: Call, e: Expression, rank: int, axis: int) -> shapes.Dim:
    """The size a ``view``/``reshape``/``expand`` that made ``e``'s value (a name's last
    assignment) was given for ``axis`` (``k.reshape(b, s, self.n_kv_heads, 1, hd)``:
    ``n_kv_heads``, a size its type holds as unknown), where it is written with the module's
    ``int`` arguments; else None."""
    for _ in range(8):
        if not isinstance(e, NameExpr):
            break
        value = last_assignment(call.api, e)
        if value is None:
            return None
        e = value
    if not (
        isinstance(e, CallExpr)
        and isinstance(e.callee, MemberExpr)
        and e.callee.name in _GIVES_SIZES
        and len(e.args) == rank
        and all(k == ARG_POS for k in e.arg_kinds)
    ):
        return None
    arg = e.args[axis]
    get = type_of(call.api)
    size = size_of(get(arg), arg, get, call.syms, call.definitions(), call.symbol)
    return size if isinstance(size, str) and shapes.argument_names(size) else None


def _at_reduced_input(call: Call, message: str) -> None:
    """Report ``message`` (a reshape's count with one size in place of another) where the
    input, a local name, was made by an op that moves, drops or reduces axes (``eot =
    text.argmax(axis=0)``, the batch reduced where the sequence was meant, then ``eot.reshape(b,
    1, 1)``): the size left is the wrong one, made there."""
    e = _first(call)
    if not isinstance(e, NameExpr):
        return
    value = reaching_definitions(call.api)(e)
    if value is not None and 0 < value.line != call.context.line and moves_axes(value):
        used = f"{e.name} is assigned here; used at line {call.context.line}: {message}"
        call.fail(used, DFDX_SHAPE, at=value)


def _at_layers(
    call: Call, shape: shapes.Shape, sizes: list[shapes.Dim], error: shapes.ShapeError
) -> None:
    """Report ``error`` (a reshape's) where the layers that set its input's sizes are built,
    too, for the sizes that are not among those the reshape is given or that are written with
    the module's ``int`` arguments: the layer built for the wrong count (``Linear(dim, dim *
    2)`` viewed as three parts) is as likely the mistake as the reshape."""
    e = _first(call)
    axes = frozenset(
        i
        for i, d in enumerate(shape)
        if d is not None and (d not in sizes or shapes.argument_names(d))
    )
    if e is None or not axes:
        return
    for text, place in at_origins(call.api, call.context, e, axes, str(error)):
        call.fail(text, DFDX_SHAPE, at=place)


@rule("flatten", methods=("flatten",), functions=_movement("flatten"))
def flatten(call: Call) -> Type:
    x = call.tensor(0)
    start = _named_axis(call, "start_axis", 0, "axes")
    end = _named_axis(call, "end_axis", -1, "axes")
    return call.result(shapes.flatten(x.shape, start, end), x.tape, x)


@rule("permute", methods=("permute",), functions=_movement("permute"))
def permute(call: Call) -> Type:
    tape = call.unknown_rank_tape()
    if tape is not None:  # which axes move is known only with the rank
        return call.of_unknown_rank(tape)
    x = call.tensor(0)
    axes = [_axis(call, t, "axes") for t in call.operands[1:]]
    try:
        shape, _order = shapes.permute(x.shape, axes)
    except shapes.ShapeError as e:
        raise call.recover(e, x.tape, x) from None
    return call.result(shape, x.tape, x)


@rule("transpose", methods=("transpose", "swapaxes"), functions=_movement("transpose"))
def transpose(call: Call) -> Type:
    tape = call.unknown_rank_tape()
    if tape is not None:  # the plain signature's overload claims a rank (1 and 2: 3 or more)
        return call.of_unknown_rank(tape)
    x = call.tensor(0)
    if len(call.operands) != 3:
        raise Unknown
    a, b = (_axis(call, t, "axes") for t in call.operands[1:])
    return call.result(shapes.transpose(x.shape, a, b), x.tape, x)


@rule("unsqueeze", methods=("unsqueeze",), functions=_movement("unsqueeze"))
def unsqueeze(call: Call) -> Type:
    x = call.tensor(0)
    return call.result(shapes.unsqueeze(x.shape, _axis(call, call.arg("axis"))), x.tape, x)


@rule("squeeze", methods=("squeeze",), functions=_movement("squeeze"))
def squeeze(call: Call) -> Type:
    x = call.tensor(0)
    axis = read_axis(call, "axes must be ints", item=True)  # the runtime's words for a bool
    if axis is None and not all(isinstance(d, int) for d in x.shape):
        raise Unknown  # which axes have size 1 is known only at run time
    return call.result(shapes.squeeze(x.shape, axis), x.tape, x)


@rule("broadcast_to", methods=("broadcast_to", "expand"), functions=_movement("broadcast_to"))
def broadcast_to(call: Call) -> Type:
    sizes = _sizes(call)
    if sizes is None:
        return _unknown_count(call)
    x = call.tensor(0)
    try:
        shape = shapes.broadcast_to_sizes(x.shape, sizes)
    except shapes.ShapeError as e:
        axis = _not_broadcast(x.shape, sizes)
        if axis is not None:
            for text, place in table_places(call.api, _first(call), axis, call.context, str(e)):
                call.fail(text, DFDX_SHAPE, at=place)
        raise call.recover(e, x.tape, x) from None
    return call.result(shape, x.tape, x)


@rule("repeat", methods=("repeat",), functions=_movement("repeat"))
def repeat(call: Call) -> Type:
    counts = _sizes(call)
    if counts is None:
        return _unknown_count(call)
    x = call.tensor(0)
    return call.result(shapes.repeat(x.shape, counts), x.tape, x)


@rule("repeat_interleave", methods=("repeat_interleave",), functions=_movement("repeat_interleave"))
def repeat_interleave(call: Call) -> Type:
    """``axis`` times ``repeats`` (a literal, a folded or a symbolic size); ``axis=None``
    (the default) flattens. A ``repeats`` that is not an int is mypy's argument error."""
    x = call.tensor(0)
    if call.has("repeats"):
        repeats = call.named_size("repeats")
    elif len(call.operands) > 1:
        repeats = call.size(1)
    else:
        raise Unknown
    axis: int | None = None
    if call.has("axis") and not isinstance(get_proper_type(call.arg("axis")), NoneType):
        axis = _axis(call, call.arg("axis"))
    return call.result(shapes.repeat_interleave(x.shape, repeats, axis), x.tape, x)


def _first(call: Call) -> Expression | None:
    """The expression of the tensor operand: the receiver of a method, else the first
    argument."""
    if call.operand_exprs and call.operand_exprs[0] is not None:
        return call.operand_exprs[0]
    c = call.context
    return c.callee.expr if isinstance(c, CallExpr) and isinstance(c.callee, MemberExpr) else None


def _not_broadcast(shape: shapes.Shape, sizes: list[shapes.Dim]) -> int | None:
    """The first axis of ``shape`` (negative) whose size cannot go to its target in
    ``sizes``."""
    for i in range(1, min(len(shape), len(sizes)) + 1):
        s, t = shape[-i], sizes[-i]
        if t != -1 and s != 1 and shapes.same_dim(s, t) is False:
            return -i
    return None


def _items(call: Call) -> tuple[list[Type], bool, list[Expression | None]]:
    """The types of the tensors in ``concat``/``stack``'s first argument, and whether their
    number is unknown: a list variable (``dx.cat(levels, axis=1)``, built by ``append`` in a
    loop) or a starred list in a display (``[prompt, *new_tokens]``) gives its element type
    once; a list held in a name is read where it was made (:mod:`_listed`), with the place
    where each tensor was put in it (None where not known)."""
    if not call.operands:
        raise Unknown
    t = get_proper_type(call.operands[0])
    if isinstance(t, TupleType):
        return list(t.items), False, []
    e = call.operand_exprs[0]
    if isinstance(e, ListExpr | TupleExpr):
        types: list[Type] = []
        unknown = False
        for item in e.items:
            if not isinstance(item, StarExpr):
                types.append(call.api.get_expression_type(item))
                continue
            starred = get_proper_type(call.api.get_expression_type(item.expr))
            if isinstance(starred, TupleType):
                types.extend(starred.items)
            else:
                types.append(_element(starred))
                unknown = True
        return types, unknown, []
    if isinstance(e, NameExpr):
        listed = listed_items(call.api, e)
        if listed is not None and listed.types:
            return listed.types, listed.unknown, listed.places
    if isinstance(e, ListComprehension):
        listed = comprehension_items(call.api, e)
        if listed is not None and listed.types:
            return listed.types, listed.unknown, listed.places
    return [_element(t)], True, []


def _element(t: ProperType) -> Type:
    """The element type of a list (or another sequence, a ``tuple[T, ...]``) of tensors."""
    if isinstance(t, Instance) and t.type.fullname in _SEQUENCES and len(t.args) == 1:
        return t.args[0]
    raise Unknown


_SEQUENCES = frozenset(
    {"builtins.list", "builtins.tuple", "typing.Sequence", "collections.abc.Sequence"}
)
"""A sequence of tensors of unknown length: also a tuple of any length (``x.split(s, 2)``)."""


def _joined(call: Call, join: Callable[[list[shapes.Shape], int], shapes.Shape]) -> Type:
    types, unknown, places = _items(call)
    choices = [_members(t) for t in types]
    if any(len(c) > 1 for c in choices):
        return _joined_members(call, join, choices, unknown)
    try:
        return _joined_items(call, join, types, unknown)
    except shapes.ShapeError as e:
        _blame_odd_member(call, types, places, str(e))
        raise


def _blame_odd_member(
    call: Call, types: list[Type], places: list[Expression | None], message: str
) -> None:
    """Where the tensors of a list held in a name do not fit together, the error is reported
    also where the odd ones were put in the list (the line that assigned a name of the
    display, ``branch3 = self.branch3(x)``, or an ``append``'s argument): those whose sizes
    on the other axes than the joined one differ from those most of the list's tensors
    share. Where no sizes are shared by more tensors than any others, no tensor is odd."""
    if not places or len(places) != len(types):
        return
    try:
        axis = _named_axis(call, "axis", 0)
        shapes_ = [read_tensor(t).shape for t in types]
        if len({len(s) for s in shapes_}) != 1:
            return
        i = shapes.normalize_axis(call.op, shapes_[0], axis) if call.op == "concat" else None
    except (Unknown, shapes.ShapeError):
        return
    others = [tuple(d for j, d in enumerate(s) if j != i) for s in shapes_]
    # one vote per place: an append in a counted loop (or a comprehension's element) puts
    # one tensor per iteration, all made by one line
    voters: dict[int, tuple[object, ...]] = {}
    for k, (other, place) in enumerate(zip(others, places, strict=True)):
        voters[id(place) if place is not None else -1 - k] = other
    votes = list(voters.values())
    counts = {o: votes.count(o) for o in votes}
    most = max(counts.values())
    if list(counts.values()).count(most) != 1:
        # a tie: the line that puts a tensor in the list on each pass of a loop is the odd one
        # (a branch appended in the loop, against the input the list starts with)
        looped = {id(p) for p in places if p is not None and places.count(p) > 1}
        kept = {o for o, p in zip(others, places, strict=True) if id(p) not in looped}
        if not looped or len(kept) != 1:
            return
        counts = {o: (most if o in kept else 0) for o in votes}
    definition = reaching_definitions(call.api)
    line = call.context.line
    blamed: set[int] = set()
    for other, place in zip(others, places, strict=True):
        if counts[other] == most or place is None or id(place) in blamed:
            continue
        blamed.add(id(place))
        if isinstance(place, NameExpr):
            value = definition(place)
            if value is not None and 0 < value.line != line:
                call.fail(
                    f"{place.name} is assigned here; used at line {line}: {message}",
                    DFDX_SHAPE,
                    at=value,
                )
        elif 0 < place.line != line:
            call.fail(f"put in the list here; used at line {line}: {message}", DFDX_SHAPE, at=place)


_MAX_COMBINATIONS = 16


def _members(t: Type) -> list[Type]:
    """The tensor types a union item stands for (a name rebound in a loop or a branch), or
    the item alone."""
    p = get_proper_type(t)
    if isinstance(p, UnionType):
        items = [get_proper_type(i) for i in p.items]
        if all(isinstance(i, Instance) and i.type.fullname == TENSOR for i in items):
            return list(p.items)
    return [t]


def _joined_members(
    call: Call,
    join: Callable[[list[shapes.Shape], int], shapes.Shape],
    choices: list[list[Type]],
    unknown: bool,
) -> Type:
    """A concatenation or stack of tensors some of which are unions (``dx.cat([input_pts,
    h])`` with ``h`` rebound in a loop): the union of the results for each combination of
    members, where each is typed without an error (else left to mypy)."""
    combinations = list(itertools.product(*choices))
    if len(combinations) > _MAX_COMBINATIONS:
        raise Unknown
    results: list[Type] = []
    for types in combinations:
        trial = dataclasses.replace(call, report=False, failures=None, syms=dict(call.syms))
        try:
            results.append(_joined_items(trial, join, list(types), unknown))
        except shapes.ShapeError:
            raise Unknown from None
        except Unknown:  # a member of unknown rank
            results.append(trial.unknown_shape())
    return make_simplified_union(results)


def _joined_items(
    call: Call,
    join: Callable[[list[shapes.Shape], int], shapes.Shape],
    types: list[Type],
    unknown: bool,
) -> Type:
    tensors = [read_tensor(t) for t in types]
    axis = _named_axis(call, "axis", 0)
    try:
        shape = join([t.shape for t in tensors], axis)
    except shapes.ShapeError as e:
        relaxed = _strides_held_equal(call, [t.shape for t in tensors], axis)
        if join is shapes.concat and relaxed is not None:
            return _result(call, types[0], join(relaxed, axis), tensors)
        if e.best is not None:
            call.recovered = _result(call, types[0], e.best, tensors)
        if join is shapes.concat and not unknown:
            _blame_windows(call, [t.shape for t in tensors], axis, str(e))
            _blame_axis(call, [t.shape for t in tensors], axis, str(e))
        raise
    if unknown:  # as many more as there are: the size along ``axis`` is not known
        i = shapes.normalize_axis(call.op, shape, axis)
        if join is shapes.concat and len(types) == 1:
            _list_joined(call, types[0], tensors[0].shape, i)
        shape = (*shape[:i], None, *shape[i + 1 :])
    return _result(call, types[0], shape, tensors)


def _strides_held_equal(
    call: Call, parts: list[shapes.Shape], axis: int
) -> list[shapes.Shape] | None:
    """In a branch of an ``if`` (:func:`rules.binary._in_branch`), maps that differ only where
    one is strided by a module's ``int`` argument and the other is not (``H`` and
    ``(H-1)//stride+1``: Res2Net's ``if self.stype == "normal"`` branch, taken only where
    ``stride`` is 1): the maps with those sizes unknown, as an op on two such maps in a
    branch is; None where they differ otherwise."""
    if len(parts) < 2 or not parts[0] or not _in_branch(call):
        return None
    rank = len(parts[0])
    if any(len(p) != rank for p in parts) or not -rank <= axis < rank:
        return None
    apart: set[int] = set()
    for i in range(rank):
        if i == axis % rank:
            continue
        for p in parts[1:]:
            if shapes.same_layer_size(parts[0][i], p[i]) is False:
                if not shapes.grows_apart(parts[0][i], p[i]):
                    return None
                apart.add(i)
    if not apart:
        return None
    return [tuple(None if i in apart else d for i, d in enumerate(p)) for p in parts]


def _blame_axis(call: Call, parts: list[shapes.Shape], axis: int, message: str) -> None:
    """Where the tensors of a concatenation differ on one axis only, and joining them there
    would fit (their sizes on ``axis`` agree), the ``axis=`` argument is the likely mistake
    (``dx.cat([a, b], axis=-1)`` for channels): the error is also reported on its line, when
    the call is written over several lines."""
    given = call.named_exprs.get("axis")
    if given is None or given.line == call.context.line or len(parts) < 2 or not parts[0]:
        return
    rank = len(parts[0])
    if any(len(p) != rank for p in parts) or not -rank <= axis < rank:
        return
    at = axis % rank
    apart = {
        i
        for i in range(rank)
        for p in parts[1:]
        if i != at and shapes.same_layer_size(parts[0][i], p[i]) is not True
    }
    if len(apart) != 1:
        return
    (other,) = apart
    if any(shapes.same_layer_size(parts[0][at], p[at]) is not True for p in parts[1:]):
        return
    call.fail(
        f"axis={axis} given here; joined on axis {other} they fit: {message}", DFDX_SHAPE, at=given
    )


def _blame_windows(call: Call, parts: list[shapes.Shape], axis: int, message: str) -> None:
    """Where the tensors of a concatenation's display differ on another axis than ``axis``
    (a skip at another resolution), the error is also reported where each tensor's size
    there was set by a layer's window: on the line of the window whose stride, changed,
    would make its tensor's size the one the others agree on
    (:func:`dfdx_mypy_plugin._where.at_unequal_windows`), else where each layer whose
    window set it is built (a downsampling convolution built with stride 1:
    :func:`at_windows`)."""
    display = call.operand_exprs[0] if call.operand_exprs else None
    if not parts or not isinstance(display, ListExpr | TupleExpr):
        return
    if len(display.items) != len(parts):
        return
    rank = len(parts[0])
    if any(len(p) != rank for p in parts) or not -rank <= axis < rank:
        return
    at = axis % rank
    bad = frozenset(
        i
        for i in range(rank)
        if i != at and any(shapes.same_layer_size(parts[0][i], p[i]) is False for p in parts[1:])
    )
    if not bad:
        return
    items: list[Expression | None] = [
        None if isinstance(item, StarExpr) else item for item in display.items
    ]
    strided = at_unequal_windows(call.api, call.context, items, parts, message, at)
    for i, item in enumerate(display.items):
        places = strided.get(i) or at_windows(call.api, call.context, item, bad, message)
        for text, place in places:
            call.fail(text, DFDX_SHAPE, at=place)


def _list_joined(call: Call, item: Type, shape: shapes.Shape, axis: int) -> None:
    """A list of tensors of unknown length (``dx.cat(all_cls, axis=2)``) concatenated where
    its value goes to a declared type (a ``return``, an annotated name) whose size on
    ``axis`` no two or more of the tensors can make: :func:`shapes.list_concat`. The value
    then has the declared type (mypy accepts ``Dyn`` there)."""
    if not isinstance(call.context, Expression):
        return
    target = returned_as(call.api, call.context) or declared(call.api, call.context)
    if target is None or target[0].type.fullname != TENSOR:
        return
    expected, where = target
    try:
        want = read_tensor(expected).shape
    except Unknown:
        return
    try:
        shapes.list_concat(shape, axis, want, where)
    except shapes.ShapeError:
        call.recovered = expected
        raise


def _result(call: Call, first: Type, shape: shapes.Shape, tensors: list[TensorType]) -> Type:
    template = get_proper_type(first)
    if not isinstance(template, Instance) or template.type.fullname != TENSOR:
        raise Unknown
    syms: dict[str, Type] = {}
    for t in tensors:
        syms.update(t.syms)
    tapes: list[ProperType] = [t.tape for t in tensors]
    int_type = call.api.named_generic_type("builtins.int", [])
    return tensor_type(template, shape, merge_tapes(tapes), syms, int_type, call.api)


@rule("concat", functions=_movement("concat"))
def concat(call: Call) -> Type:
    return _joined(call, shapes.concat)


@rule("stack", functions=_movement("stack"))
def stack(call: Call) -> Type:
    return _joined(call, shapes.stack)


# ---- PyTorch's names: the same rules ----------------------------------------------------------

rule("reshape", methods=("view",), functions=_movement("view"))(reshape)
rule("concat", functions=_movement("cat"))(concat)


# ---- split, chunk, slice_scatter ---------------------------------------------------------------


def _pieces(call: Call, x: TensorType, sizes: list[shapes.Dim] | None, axis: int) -> Type:
    """The tuple of ``x``'s pieces along ``axis``, one tensor type per size; where their
    number is known only at run time, a tuple of any length of tensors with ``x``'s other
    sizes (``tuple[Tensor[B, Dyn, 3*E, T], ...]``)."""
    if sizes is None:
        (piece,) = shapes.pieces(x.shape, axis, [None])
        return call.api.named_generic_type("builtins.tuple", [call.result(piece, x.tape, x)])
    items: list[Type] = [
        call.result(shape, x.tape, x) for shape in shapes.pieces(x.shape, axis, sizes)
    ]
    fallback = call.api.named_generic_type("builtins.tuple", [AnyType(TypeOfAny.special_form)])
    return TupleType(items, fallback)


def _literal_ints(t: Type) -> int | list[int]:
    """A literal int, or a tuple or list literal of them (the sizes of ``split``)."""
    n = literal_int(t)
    if n is not None:
        return n
    p = get_proper_type(t)
    if isinstance(p, TupleType):
        items = [literal_int(i) for i in p.items]
        if all(i is not None for i in items):
            return [i for i in items if i is not None]
    raise Unknown


def _runtime_int(t: Type) -> bool:
    """Whether ``t`` is ``int`` with no literal value: a split size or a number of chunks
    known only at run time (an ``int`` argument of a module, ``dim // num_heads``), whose
    pieces keep the tensor's rank and other sizes."""
    p = get_proper_type(t)
    return isinstance(p, Instance) and p.type.fullname == "builtins.int" and literal_int(p) is None


def _runtime_ints(t: Type) -> bool:
    """:func:`_runtime_int`, or a list or tuple of any length of such ints (split sizes)."""
    p = get_proper_type(t)
    if isinstance(p, Instance) and p.type.fullname in ("builtins.list", "builtins.tuple"):
        return len(p.args) == 1 and _runtime_int(p.args[0])
    return _runtime_int(p)


def _no_bool_size(call: Call, e: Expression | None) -> None:
    """``split``'s size (or a size in its list or tuple) that is a bool: the runtime's
    TypeError."""
    if not call.has("split_size_or_sections"):
        return
    t = get_proper_type(call.arg("split_size_or_sections"))
    b = literal_bool(t)
    if b is not None:
        raise shapes.ShapeError(shapes.not_an_int(call.op, shapes.ints_wanted("the split size"), b))
    types = (
        [call.api.get_expression_type(item) for item in e.items]
        if isinstance(e, ListExpr)
        else list(t.items)
        if isinstance(t, TupleType)
        else []
    )
    for item in types:
        b = literal_bool(item)
        if b is not None:
            raise shapes.ShapeError(shapes.not_an_int(call.op, shapes.ints_wanted("sizes"), b))


@rule("split", methods=("split",), functions=_movement("split"))
def split(call: Call) -> Type:
    x = call.tensor(0)
    axis = _named_axis(call, "axis", 0)
    e = call.named_exprs.get("split_size_or_sections")
    _no_bool_size(call, e)
    sizes: int | str | list[int] | list[shapes.Dim]
    symbolic = (
        call.named_size("split_size_or_sections") if call.has("split_size_or_sections") else None
    )
    if isinstance(symbolic, str):  # ``qkv.split(n_embd, axis=2)`` with ``n_embd: C``
        sizes = symbolic
    elif isinstance(e, ListExpr):  # a list literal's type is list[int]: read its items
        sizes = _listed_sizes(call, e)
    elif _runtime_ints(call.arg("split_size_or_sections")):
        return _pieces(call, x, None, axis)  # ``split(self.head_dim, 2)``: sizes of run time
    else:
        sizes = _literal_ints(call.arg("split_size_or_sections"))
    cut = shapes.split_sizes(call.op, x.shape, sizes, axis)
    if cut is None and isinstance(sizes, str):
        _unpacked_split(call, x, sizes, axis)
    if cut is not None and isinstance(sizes, int | str):
        _unpacked_pieces(call, x, len(cut), sizes, axis)
    return _pieces(call, x, cut, axis)


def _unpacked_pieces(call: Call, x: TensorType, count: int, size: int | str, axis: int) -> None:
    """A split into ``count`` pieces of ``size`` unpacked into another number of names (``q,
    k, v = h.split(d, axis=2)`` of a ``Tensor[B, S, 2*D]``: the layer that made ``h`` built
    for two pieces, not three): an error at the split, in place of mypy's ``Need more than 2
    values to unpack``, and where the layer that made the axis is built; the pieces are then
    of a number not known."""
    names = unpacked_into(call.api, call.context) if isinstance(call.context, Expression) else None
    if names is None or names == count:
        return
    ax = axis % len(x.shape) if x.shape else axis
    message = (
        f"{call.op}: axis {ax} of {shapes.fmt(x.shape)} ({shapes.fmt_dim(x.shape[ax])}) cut into"
        f" pieces of {shapes.fmt_dim(size)} gives {count}, unpacked into {names} names"
    )
    e = _first(call)
    if e is not None:  # the layer that made the axis: built for another number of pieces
        for text, place in at_origins(call.api, call.context, e, frozenset({ax}), message):
            call.fail(text, DFDX_SHAPE, at=place)
    call.recovered = _pieces(call, x, None, axis)
    raise shapes.ShapeError(message)


def _listed_sizes(call: Call, e: ListExpr) -> list[int] | list[shapes.Dim]:
    """The sizes of a list literal given to ``split``: literal ints, or sizes read as
    everywhere (``[self.input_ch, self.input_ch_views]`` with fields of size TypeVars);
    ``Unknown`` where one is not known."""
    items = [literal_int(call.api.get_expression_type(item)) for item in e.items]
    ints = [n for n in items if n is not None]
    if len(ints) == len(items):
        return ints
    sizes = [
        size_of(
            call.api.get_expression_type(item),
            item,
            type_of(call.api),
            call.syms,
            call.definitions(),
            call.symbol,
        )
        for item in e.items
    ]
    if any(d is None for d in sizes):
        raise Unknown
    return sizes


def _unpacked_split(call: Call, x: TensorType, size: str, axis: int) -> None:
    """A split into pieces of a symbolic size whose number is not known, unpacked into names
    (``q, k, v = qkv.split(self.n_embd, axis=1)`` on a ``Tensor[B, S, 3*E]``):
    :func:`shapes.unpacked_split`; the pieces keep their other sizes after the error."""
    names = unpacked_into(call.api, call.context) if isinstance(call.context, Expression) else None
    if names is None:
        return
    try:
        shapes.unpacked_split(call.op, x.shape, size, axis, names)
    except shapes.ShapeError:
        call.recovered = _pieces(call, x, None, axis)
        raise


@rule("chunk", methods=("chunk",), functions=_movement("chunk"))
def chunk(call: Call) -> Type:
    x = call.tensor(0)
    axis = _named_axis(call, "axis", 0)
    if _runtime_int(call.arg("chunks")):
        return _pieces(call, x, None, axis)  # ``chunk(self.num_heads, -1)``: a run time number
    chunks = _axis(call, call.arg("chunks"), "chunks")
    return _pieces(call, x, shapes.chunk_sizes(x.shape, chunks, axis), axis)


def _bound(call: Call, name: str, default: int | None) -> int | None:
    if not call.has(name):
        return default
    t = get_proper_type(call.arg(name))
    if isinstance(t, NoneType):
        return None
    b = literal_bool(t)
    if b is not None:
        wanted = shapes.ints_wanted("start, end and step")
        raise shapes.ShapeError(shapes.not_an_int(call.op, wanted, b))
    n = literal_int(t)
    if n is None:
        raise Unknown
    return n


@rule("slice_scatter", methods=("slice_scatter",), functions=_movement("slice_scatter"))
def slice_scatter(call: Call) -> Type:
    x = call.tensor(0)
    src = read_tensor(call.arg("src"))
    axis = _named_axis(call, "axis", 0)
    index = slice(_bound(call, "start", None), _bound(call, "end", None), _bound(call, "step", 1))
    shape = shapes.slice_scatter(x.shape, src.shape, axis, index)
    return call.result(shape, merge_tapes([x.tape, src.tape]), x, src)


# ---- padding, pixel shuffling, flipping --------------------------------------------------------


def _listed(call: Call, name: str) -> list[shapes.Dim]:
    """A tuple or list argument's items read as sizes (literals, folded arithmetic, a size
    TypeVar, a module's ``int`` window argument); Unknown where it is neither."""
    e = call.named_exprs.get(name)
    t = get_proper_type(call.arg(name))
    get = type_of(call.api)
    if isinstance(e, TupleExpr | ListExpr):
        exprs: list[Expression] = list(e.items)
        types = [get(i) for i in exprs]
    elif isinstance(t, TupleType):
        exprs, types = [], list(t.items)
    else:
        raise Unknown
    out: list[shapes.Dim] = []
    for i, item in enumerate(types):
        if literal_bool(item) is not None:
            raise Unknown  # the runtime's TypeError
        expr = exprs[i] if i < len(exprs) else None
        out.append(size_of(item, expr, get, call.syms, call.definitions(), call.symbol))
    return out


@rule("pad", functions=_movement("pad"))
def pad(call: Call) -> Type:
    x = call.tensor(0)
    widths = _listed(call, "pad")
    mode = literal_str(call.arg("mode")) if call.has("mode") else "constant"
    if mode is None:
        raise Unknown
    return call.result(shapes.pad(call.op, x.shape, widths, mode), x.tape, x)


def _shuffle(call: Call, name: str, shape_rule: Callable[..., shapes.Shape]) -> Type:
    x = call.tensor(0)
    if literal_bool(call.arg(name)) is not None:
        raise Unknown  # the runtime's TypeError
    factor = call.named_size(name)
    if isinstance(factor, int) and factor < 1:
        raise Unknown  # the runtime's ValueError
    return call.result(shape_rule(call.op, x.shape, factor), x.tape, x)


@rule("pixel_shuffle", functions=_movement("pixel_shuffle"))
def pixel_shuffle(call: Call) -> Type:
    return _shuffle(call, "upscale_factor", shapes.pixel_shuffle)


@rule("pixel_unshuffle", functions=_movement("pixel_unshuffle"))
def pixel_unshuffle(call: Call) -> Type:
    return _shuffle(call, "downscale_factor", shapes.pixel_unshuffle)


@rule("flip", functions=_movement("flip"))
def flip(call: Call) -> Type:
    x = call.tensor(0)
    t = get_proper_type(call.arg("axes"))
    items = t.items if isinstance(t, TupleType) else [t]
    axes = [_axis(call, item, "axes") for item in items]
    return call.result(shapes.flip(x.shape, axes), x.tape, x)
