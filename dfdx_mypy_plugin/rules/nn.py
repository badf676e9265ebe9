"""Modules of ``dx.nn``: sizes read into the type at construction, Sequential chains checked
where they are built, and shapes folded through the layers where a module is called. What
each layer does is read from the layer table, :data:`shapes.LAYERS` (``shapes/layers.py``),
which the runtime reads too; nothing here names a layer.

- ``Linear(784, 10)`` is ``Linear[Literal[784], Literal[10]]``: a layer's ``sizes`` in the
  table become its type parameters (``Flatten``'s axes too); a size that is not a literal
  stays ``Any`` (the plain signature's answer). A layer with ``window`` arguments (``Conv2d``,
  the pools) also records them in its last type parameter, a tuple of literal pairs (and
  ``groups``), so that its output sizes can be computed.
- ``Sequential(...)`` keeps its layers' types in a tuple (``Sequential[tuple[Linear[L[784],
  L[512]], ReLU, ...]]``, from the plain signature); the rule checks each layer's input size
  against the last layer before it that set that size (:func:`shapes.sequential_chain`, which
  the runtime's ``Sequential`` runs too).
- ``seq(x)`` folds ``x``'s shape through the layers with the table's output rules
  (:func:`shapes.output_shape`); a module the table does not describe (a user's module) is
  called as mypy would call it (its ``forward`` where it inherits ``Module.__call__``).
  ``lin(x)``, ``conv(x)``, ... get the runtime's messages.
- Where a mistake is reported (``docs/modules.md``): a layer in a field of ``self`` that does
  not fit where it is called, or whose result does not fit the declared type its value goes
  to, also on the line that built it (:mod:`dfdx_mypy_plugin._where`); a user's module called
  on a tensor of the wrong size, or built with sizes its declared type does not have, with a
  ``dfdx-shape`` error naming the size in place of mypy's; a ``Sequential``'s misfit on its two
  layers' lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mypy.argmap import map_actuals_to_formals
from mypy.checker import TypeChecker
from mypy.constraints import SUPERTYPE_OF, infer_constraints
from mypy.errorcodes import ARG_TYPE
from mypy.expandtype import expand_type
from mypy.maptype import map_instance_to_supertype
from mypy.nodes import (
    ARG_NAMED,
    ARG_POS,
    ARG_STAR,
    CallExpr,
    Context,
    Expression,
    IndexExpr,
    ListComprehension,
    ListExpr,
    MemberExpr,
    NameExpr,
    RefExpr,
    TempNode,
    TupleExpr,
    TypeInfo,
)
from mypy.plugin import CheckerPluginInterface
from mypy.subtypes import is_same_type, is_subtype
from mypy.typeops import make_simplified_union
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    LiteralType,
    NoneType,
    ProperType,
    TupleType,
    Type,
    TypeOfAny,
    TypeVarId,
    TypeVarType,
    UninhabitedType,
    UnionType,
    UnpackType,
    get_proper_type,
)

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._declared import item_destination
from dfdx_mypy_plugin._grown import grown, unknown_chain
from dfdx_mypy_plugin._instances import member_output, sequential_members
from dfdx_mypy_plugin._joined_values import held_equal
from dfdx_mypy_plugin._listed import listed_items
from dfdx_mypy_plugin._locals import checked_copy
from dfdx_mypy_plugin._origin import joined, keeps_shape, set_axes
from dfdx_mypy_plugin._script import in_script
from dfdx_mypy_plugin._types import (
    MODULE,
    NONE_TAPE,
    OWNED_TAPE,
    TENSOR,
    TensorType,
    Unknown,
    dim_of_type,
    dim_type,
    expr_form,
    expr_type,
    is_int_bound,
    is_tensor,
    literal_bool,
    literal_int,
    literal_str,
    merge_tapes,
    read_dim,
    read_tensor,
    scoped_typevar,
    size_of,
    tape_name,
    type_of,
)
from dfdx_mypy_plugin._value_faults import misarranged, reshapes_axes
from dfdx_mypy_plugin._where import (
    argument_value,
    at_argument,
    at_build,
    at_concatenation,
    at_origins,
    at_rank_made,
    at_strides,
    declared_after,
    destination,
    field_value,
)
from dfdx_mypy_plugin._window_parameters import in_scope as window_in_scope
from dfdx_mypy_plugin._window_parameters import window_parameter
from dfdx_mypy_plugin.codes import DFDX_SHAPE
from dfdx_mypy_plugin.rules import METHOD_RULES, Call, Rule, rule, size_definitions

SEQUENTIAL = "dfdx.nn._containers.Sequential"
RESIDUAL = "dfdx.nn._containers.Residual"


def _layer(t: Instance) -> shapes.Layer | None:
    return shapes.layer_of(t.type.fullname)


def _int_type(call: Call) -> Instance:
    return call.api.named_generic_type("builtins.int", [])


def _module(t: Type) -> Instance:
    p = get_proper_type(t)
    if isinstance(p, UnionType):
        return _shape_keeping_member(p)
    if not isinstance(p, Instance):
        raise Unknown
    return p


def _shape_keeping_member(union: UnionType) -> Instance:
    """A layer chosen by a conditional expression (``ReLU() if relu else Identity()`` in a
    ``Sequential``) where every choice is a layer of the table that keeps its input's shape:
    one that reads no size, so that the chain is checked only where every choice is; else
    Unknown (a choice between layers that change the shape)."""
    members = [get_proper_type(m) for m in union.items]
    layers = [m for m in members if isinstance(m, Instance)]
    specs = [_layer(m) for m in layers]
    if len(layers) != len(members) or any(s is None or not s.keeps_shape for s in specs):
        raise Unknown
    return next((m for m, s in zip(layers, specs, strict=True) if s and s.reads is None), layers[0])


def _size_arg(call: Call, name: str) -> shapes.Dim:
    """A size argument: a literal, folded arithmetic on known sizes (``16 * 4 * 4``, ``3 *
    config.n_embd``), a TypeVar's name or a product of them, or None."""
    return call.named_size(name)


def _known_value(call: Call, arg: shapes.Arg) -> object:
    """What the constructor rule can tell of an argument to check it
    (:func:`shapes.check_arguments`): an int, a bool, a pair of them; None if not known."""
    if not call.has(arg.name):
        return None
    t = call.arg(arg.name)
    b = literal_bool(t)
    if b is not None:
        return b
    word = literal_str(t)
    if word is not None:
        return word  # a convolution's ``padding="same"``; checked against the table's words
    p = get_proper_type(t)
    if (arg.pair or arg.many or arg.sides) and isinstance(p, TupleType):
        items = [
            literal_bool(i) if literal_bool(i) is not None else literal_int(i) for i in p.items
        ]
        return tuple(items) if all(i is not None for i in items) else None
    if not arg.pair and isinstance(p, TupleType):
        return _single_arg(call, arg)  # a 1-d layer's ``kernel_size=(3,)``
    n = _size_arg(call, arg.name)
    return n if isinstance(n, int) else None


def _check_arguments(call: Call, layer: shapes.Layer) -> None:
    values = {a.name: _known_value(call, a) for a in (*layer.sizes, *layer.window)}
    shapes.check_arguments(layer, {k: v for k, v in values.items() if v is not None})


def _constructor(call: Call) -> Type:
    """A layer's sizes (and window arguments) from the table put into its type."""
    default = _module(call.default)
    layer = _layer(default)
    if layer is None or len(default.args) != len(layer.sizes) + bool(layer.window):
        raise Unknown
    _check_arguments(call, layer)
    args: list[Type] = []
    for arg, old in zip(layer.sizes, default.args, strict=False):
        n = _size_arg(call, arg.name) if call.has(arg.name) else arg.default
        if isinstance(n, str):
            args.append(_symbolic(call, n, default.type, len(args)) or old)
        elif n is None:
            args.append(old)
        else:
            args.append(LiteralType(n, _int_type(call)))
    if layer.window:
        args.append(_window_type(call, layer.window) or default.args[-1])
    return _fit_declared(call, default.copy_modified(args=args))


def _expected(call: Call) -> Instance | None:
    """The declared type the call's value goes to, as mypy's type context holds it (a
    ``return``'s, an annotated target's), where it is an Instance."""
    if not isinstance(call.api, TypeChecker) or not isinstance(call.context, CallExpr):
        return None
    contexts = call.api.expr_checker.type_context
    expected = get_proper_type(contexts[-1]) if contexts else None
    return expected if isinstance(expected, Instance) else None


def _fit_declared(call: Call, built: Instance) -> Type:
    """``built``, a layer's type from its constructor's arguments, where it fits the declared
    type it is assigned to (``self.proj: Linear[E, E] = Linear(e, h)``); else that declared
    type, after a ``dfdx-shape`` error naming the size that differs, where mypy would report
    the assignment without it."""
    api = call.api
    expected = _expected(call)
    if (
        expected is None
        or not isinstance(call.context, CallExpr)  # (_expected checked it: for mypy)
        or expected.type is not built.type
        or len(expected.args) != len(built.args)
        or is_subtype(built, expected)
    ):
        return built
    declared_int = _declared_int(built, expected)
    if is_subtype(declared_int, expected):
        return declared_int
    misfits = [
        (i, g, w)
        for i, (g, w) in enumerate(zip(built.args, expected.args, strict=True))
        if not is_subtype(g, w)
    ]
    if not misfits or not all(
        _fixed_size(g, set()) and _fixed_size(w, set()) for _, g, w in misfits
    ):
        return built
    where = destination(api, call.context) or item_destination(api, call.context)
    if where is None:
        return built
    at, *sizes = misfits[0]
    g, w = (shapes.fmt_dim(read_dim(t, {})) for t in sizes)
    call.fail(
        f"{layer_name(built)} is built where {where} is {layer_name(expected)} ({g} != {w})",
        DFDX_SHAPE,
        at=_size_argument(call, built, at),
    )
    return expected


def _size_argument(call: Call, built: Instance, at: int) -> Context | None:
    """The argument that gave a layer its size at type parameter ``at`` (in a constructor
    call over several lines, the line to fix); None (the call) where not known."""
    layer = _layer(built)
    if layer is None or at >= len(layer.sizes):
        return None
    return call.named_exprs.get(layer.sizes[at].name)


def _declared_int(built: Instance, expected: Instance) -> Instance:
    """``built`` with each computed size that the declared type states as plain ``int``
    taken as ``int`` (``self.pred: Linear[DE, int] = Linear(d, patch_size**2 * c)``: the
    declared type is what the code says it knows), and each size written with a module's
    ``int`` argument taken as the declared size where it may be equal to it
    (``self.fc: Linear[D, F] = Linear(dim, hidden)``)."""
    args = [
        w if _declared_may_hold(g, w) else g for g, w in zip(built.args, expected.args, strict=True)
    ]
    return built.copy_modified(args=args)


def _declared_may_hold(got: Type, want: Type) -> bool:
    """Whether a computed size ``got`` may be the declared ``want``: where ``want`` is plain
    ``int``, where the code runs only for sizes that make them equal (``32*(H//32)`` of five
    stride-2 downs and as many ups where ``H`` is declared: :func:`shapes.fits_declared`),
    or where it is written with a module's ``int`` argument that may make it so."""
    form = expr_form(get_proper_type(got))
    if form is None:
        return False
    if _is_plain_int(get_proper_type(want)):
        return True
    try:
        if shapes.fits_declared(form, read_dim(want, {})):
            return True
    except Unknown:
        return False
    if not _names_an_int_argument(form):
        return False
    return shapes.same_layer_size(form, read_dim(want, {})) is not False


def _symbolic(call: Call, size: str, info: TypeInfo, i: int) -> Type | None:
    """A symbolic size passed as a size: an int-bound TypeVar (``Linear(features, 512)`` with
    ``features: F``) or a product (``Linear(C, 4 * C)``: ``Expr[L["4*C"]]``), where the
    class's own type parameter accepts it; else None (the plain answer stands)."""
    t = get_proper_type(dim_type(size, call.syms, _int_type(call), call.api))
    if size.isidentifier() and window_in_scope(call.api, size):
        t = get_proper_type(expr_type(size, call.api) or t)  # the module's ``hidden: int``
    if i >= len(info.defn.type_vars):
        return None
    param = info.defn.type_vars[i]
    if not isinstance(param, TypeVarType) or param.values:
        return None
    if isinstance(t, TypeVarType) and is_int_bound(t):
        return t if is_subtype(t.upper_bound, param.upper_bound) else None
    if expr_form(t) is not None:
        return t if is_subtype(t, param.upper_bound) else None
    return None


def _pair_arg(call: Call, arg: shapes.Arg) -> tuple[shapes.Dim, shapes.Dim] | None:
    """A window argument as two sizes: a literal int, a tuple of two, or absent (its default;
    None for a required argument or one that defaults to another). A size may be symbolic
    (``kernel_size=k`` with ``k: K``, ``padding=(k - 1) // 2``: :func:`_window_size`)."""
    if not call.has(arg.name):
        return None if arg.default is None else (arg.default, arg.default)
    t = get_proper_type(call.arg(arg.name))
    if isinstance(t, TupleType):
        items = _window_items(call, arg.name, t)
        if len(items) == 2 and items[0] is not None and items[1] is not None:
            return (items[0], items[1])
        return None
    n = _window_size(call, arg.name)
    return None if n is None else (n, n)


def _sides_arg(call: Call, arg: shapes.Arg) -> shapes.WindowValue:
    """A window argument that is one size for every side or a tuple of ``arg.sides`` (a
    padding layer's ``(left, right, top, bottom)``): each a literal or a symbolic size."""
    t = get_proper_type(call.arg(arg.name))
    if not isinstance(t, TupleType):
        return _window_size(call, arg.name)
    items = _window_items(call, arg.name, t)
    if len(items) != arg.sides or any(i is None for i in items):
        return None
    return tuple(items)


def _single_arg(call: Call, arg: shapes.Arg) -> shapes.Dim:
    """A window argument that is one size: a literal, a 1-tuple of one (a 1-d layer's
    ``kernel_size=(3,)``), a symbolic size (:func:`_window_size`), or absent (its default)."""
    if not call.has(arg.name):
        return arg.default
    t = get_proper_type(call.arg(arg.name))
    if isinstance(t, TupleType):
        return _window_items(call, arg.name, t)[0] if len(t.items) == 1 else None
    return _window_size(call, arg.name)


def _window_size(call: Call, name: str) -> shapes.Dim:
    """A window argument's size: an int, or a symbolic size of the module's size TypeVars
    (``kernel_size``, ``(kernel_size - 1) // 2``, ``(k - 1) * dilation``) in its canonical
    form; None where not known (a plain ``int``)."""
    n = _size_arg(call, name)
    return n if isinstance(n, int) or _scoped_size(call, n) else None


def _window_items(call: Call, name: str, t: TupleType) -> list[shapes.Dim]:
    """The entries of the tuple window argument ``name`` of type ``t``, each read as the
    argument is where it is one size (:func:`_window_size`): from its expression where the
    tuple is written out (``(k, embed_dim)``, ``(k // 2, 0)`` with a module's ``int``
    arguments), else from its type."""
    e = call.named_exprs.get(name)
    exprs = e.items if isinstance(e, TupleExpr) and len(e.items) == len(t.items) else None
    return [
        _window_item(call, item, exprs[i] if exprs is not None else None)
        for i, item in enumerate(t.items)
    ]


def _window_item(call: Call, t: Type, e: Expression | None = None) -> shapes.Dim:
    """An entry of a tuple window argument: a literal int, a size TypeVar (``(k, k)``), or,
    read from its expression ``e``, arithmetic on them and on the module's ``int`` window
    arguments (``(kernel_size - 1) // 2``)."""
    n = literal_int(t)
    if n is not None:
        return n
    d = call.read_size(t, e) if e is not None else dim_of_type(t, call.syms)
    return d if isinstance(d, int) or _scoped_size(call, d) else None


def _scoped_size(call: Call, d: shapes.Dim) -> bool:
    """Whether ``d`` is a symbolic size whose names are all size TypeVars in scope where it is
    read (a window recorded as ``Expr[L["(K-1)//2"]]`` in a module's field is read in its own
    class; outside it the names mean nothing, and the window is not known)."""
    if not isinstance(d, str):
        return False
    names = shapes.size_names(d)
    return bool(names) and all(_in_scope(call.api, n, call.syms) for n in names)


def _in_scope(api: CheckerPluginInterface, name: str, syms: dict[str, Type]) -> bool:
    """Whether a name of a symbolic size means a size where it is read: a size TypeVar in
    scope, or a window parameter of the enclosing class (``kernel_size: int``)."""
    return name in syms or scoped_typevar(api, name) is not None or window_in_scope(api, name)


def _many_arg(call: Call, arg: shapes.Arg) -> tuple[int, ...] | None:
    """A window argument that is a tuple of literal ints of any length (``(2, -1)``)."""
    if not call.has(arg.name):
        return None
    t = get_proper_type(call.arg(arg.name))
    if not isinstance(t, TupleType):
        return None
    items = [literal_int(i) for i in t.items]
    return tuple(i for i in items if i is not None) if None not in items else None


def _window_type(call: Call, window: tuple[shapes.Arg, ...]) -> Type | None:
    """The window arguments as a tuple type, in the table's order: a pair of sizes for a
    pair argument (``tuple[L[3], L[3]]``, ``tuple[K, K]``), a size for an int (Conv1d's
    ``kernel_size``, Conv2d's ``groups``), a literal word (``padding="same"``). A symbolic size
    is its TypeVar or an ``Expr`` (``Expr[L["(K-1)//2"]]``)."""
    int_type = _int_type(call)
    str_type = call.api.named_generic_type("builtins.str", [])
    tuple_type = call.api.named_generic_type("builtins.tuple", [int_type])

    def size(d: shapes.Dim) -> Type:
        if d is None:
            return int_type
        if isinstance(d, str) and window_in_scope(call.api, d):
            return expr_type(d, call.api) or int_type  # ``kernel_size: int``: its name
        return dim_type(d, call.syms, int_type, call.api)

    values: dict[str, shapes.WindowValue] = {}
    items: list[Type] = []
    for arg in window:
        value: shapes.WindowValue
        if arg.flag:  # a bool (a pool's ``ceil_mode``): a literal, or not known
            flag = literal_bool(call.arg(arg.name)) if call.has(arg.name) else bool(arg.default)
            if flag is None:
                return None
            values[arg.name] = flag
            items.append(LiteralType(flag, call.api.named_generic_type("builtins.bool", [])))
            continue
        word = literal_str(call.arg(arg.name)) if arg.words and call.has(arg.name) else None
        if word is not None:
            if word not in arg.words:
                return None
            values[arg.name] = word
            items.append(LiteralType(word, str_type))
            continue
        if arg.pair:
            value = _pair_arg(call, arg)
        elif arg.many:
            value = _many_arg(call, arg)
        elif arg.sides:
            value = _sides_arg(call, arg)
        else:
            value = _single_arg(call, arg)
        if value is None and arg.default_from is not None and not call.has(arg.name):
            value = values.get(arg.default_from)  # a pool's stride: its kernel
        # a ``groups`` that is not a literal (``groups=dim``) is recorded as ``int``: the
        # window's sizes do not depend on it
        if arg.name == "groups" and not isinstance(value, int):
            value = None
        elif value is None and arg.optional and not call.has(arg.name):
            values[arg.name] = None
            items.append(NoneType())  # absent (Upsample's ``size`` where scaled)
            continue
        elif value is None:
            return None
        values[arg.name] = value
        if isinstance(value, tuple):
            items.append(TupleType([size(i) for i in value], tuple_type))
        else:
            items.append(size(value))  # an int or a symbolic size (a word is recorded above)
    return TupleType(items, tuple_type)


def _read_window(
    layer: Instance, spec: shapes.Layer, api: CheckerPluginInterface | None = None
) -> shapes.Window | None:
    """The window arguments the constructor rule recorded, or None if it recorded none. A
    symbolic size is read where its names are the size TypeVars in scope (``api``'s)."""
    t = get_proper_type(layer.args[-1]) if layer.args else None
    if not isinstance(t, TupleType) or len(t.items) != len(spec.window):
        return None
    out: dict[str, shapes.WindowValue] = {}
    for arg, item in zip(spec.window, t.items, strict=True):
        p = get_proper_type(item)
        word = literal_str(p)
        if arg.optional and isinstance(p, NoneType):
            out[arg.name] = None  # absent
        elif arg.flag:
            flag = literal_bool(p)
            if flag is None:
                return None
            out[arg.name] = flag
        elif word is not None and word in arg.words:
            out[arg.name] = word
        elif isinstance(p, TupleType) and arg.many:
            items = [literal_int(i) for i in p.items]
            if None in items:
                return None
            out[arg.name] = tuple(i for i in items if i is not None)
        elif isinstance(p, TupleType) and arg.sides:
            sides = [_read_size(i, api) for i in p.items]
            if len(sides) != arg.sides or None in sides:
                return None
            out[arg.name] = tuple(sides)
        elif isinstance(p, TupleType) and arg.pair:
            a, b = (_read_size(i, api) for i in p.items) if len(p.items) == 2 else (None, None)
            if a is None or b is None:
                return None
            out[arg.name] = (a, b)
        elif not arg.pair and isinstance(p, Instance) and p.type.fullname == "builtins.int":
            if arg.name != "groups":
                return None
            out[arg.name] = None  # recorded, not known (``groups=dim``)
        else:
            n = literal_int(p) if arg.name == "groups" else _read_size(p, api)
            if n is None or arg.pair or arg.many:
                return None
            out[arg.name] = n
    return out


def _read_size(t: Type, api: CheckerPluginInterface | None) -> shapes.Dim:
    """A window size recorded in a layer's type: a literal int (at least 0), or a symbolic size
    whose names are size TypeVars in scope where it is read; else None."""
    n = literal_int(t)
    if n is not None:
        return n if n >= 0 else None
    d = dim_of_type(t, {})
    if not isinstance(d, str) or api is None:
        return None
    names = shapes.size_names(d)
    return d if names and all(_in_scope(api, n, {}) for n in names) else None


for _layer_spec in shapes.LAYERS:
    if _layer_spec.sizes or _layer_spec.window:
        rule(_layer_spec.name, functions=(_layer_spec.fullname,))(_constructor)


# ---- naming and reading modules ----------------------------------------------------------------


def _dims(
    layer: Instance, spec: shapes.Layer, syms: dict[str, Type] | None = None
) -> list[shapes.Dim]:
    """The sizes among a layer's type parameters (not Conv2d's window arguments); an axis
    (Flatten's) as its literal value, or None. A size that is a TypeVar (``Linear[CI, CO]``
    inside a generic module) is read as its name, and recorded in ``syms`` so that a result
    of that size keeps the TypeVar."""
    names: dict[str, Type] = {} if syms is None else syms
    return [
        literal_int(t) if arg.axis else read_dim(t, names)
        for arg, t in zip(spec.sizes, layer.args, strict=False)
    ]


def layer_name(layer: Instance) -> str:
    """``Linear[256, 10]``, ``ReLU``: a layer as its messages write it."""
    spec = _layer(layer)
    if spec is None:
        return layer.type.name
    try:
        return shapes.display_name(spec, _dims(layer, spec))
    except Unknown:
        return layer.type.name


def _layers(seq: Instance) -> list[Instance]:
    if not seq.args:
        raise Unknown
    items = get_proper_type(seq.args[0])
    if not isinstance(items, TupleType):
        raise Unknown
    return [_module(t) for t in items.items]


# ---- Sequential: the chain checked where it is built -------------------------------------------


def _chain_mismatch(layers: list[Instance]) -> shapes.ChainMismatch | None:
    """The runtime's chain rule (:func:`shapes.sequential_mismatch`) on the layers' types,
    with the ranks a user's module takes and gives (and a layer of the table that takes one
    rank) checked too."""
    return shapes.sequential_mismatch([_chain_link(layer) for layer in layers])


def _chain_link(layer: Instance, sizes: dict[str, shapes.Dim] | None = None) -> shapes.ChainLink:
    """``sizes``: a user module's sizes its type does not know (``int``), by TypeVar name, as
    its construction gives them (``ConvBN(dim * 2, n_mels)``)."""
    spec = _layer(layer)
    if spec is None:
        if layer.type.fullname == SEQUENTIAL:
            return _nested_link(layer)
        return _user_link(layer, sizes)
    try:
        dims = tuple(_dims(layer, spec))
    except Unknown:
        dims = (None,) * len(spec.sizes)
    keeps = spec.keeps_shape or spec.name in _RANK_KEEPING
    takes = None
    if len(spec.ranks) == 1:
        takes = (spec.ranks[0], f"a {spec.ranks[0]}-d input")
    return shapes.ChainLink(spec, dims, takes=takes, keeps_rank=keeps)


def _nested_link(seq: Instance) -> shapes.ChainLink:
    """A Sequential inside a Sequential (``Sequential(conv_bn(3, 16, 2), conv_bn(16, 32,
    1))``, each a ``Sequential`` of a helper) as one link: the size its first layer that
    reads one takes, and the size its last layer that sets one gives. ``ChainLink(None)``
    where its layers are not known, or a layer of it is not described (nothing is known
    after it); a chain of layers that keep the shape is a layer that keeps it."""
    try:
        links = [_chain_link(layer) for layer in _layers(seq)]
    except Unknown:
        return shapes.ChainLink(None)
    if any(link.layer is None for link in links):
        return shapes.ChainLink(None)
    described = [link.layer for link in links if link.layer is not None]
    readers = [link for link in links if link.layer is not None and link.layer.reads]
    givers = [link for link in links if link.layer is not None and link.layer.gives]
    first = readers[0] if readers else None
    if first is not None and any(
        link.layer is not None
        and (
            link.layer.gives
            or (first.layer is not None and first.layer.reads in link.layer.forgets)
        )
        for link in links[: links.index(first)]
    ):
        first = None  # it reads what an earlier layer of its own gives (or forgets)
    last = givers[-1] if givers else None
    reader = first.layer if first is not None else None
    giver = last.layer if last is not None else None
    shown = shapes.display_name(reader, first.sizes) if first is not None and reader else None
    more = ", ..." if len(links) > 1 else ""
    layer = shapes.Layer(
        name=f"Sequential({shown}{more})" if shown else "Sequential",
        module=seq.type.module_name,
        sizes=(shapes.Arg("takes", axis=True), shapes.Arg("gives", axis=True)),
        reads=reader.reads if reader is not None else None,
        gives=giver.gives if giver is not None else None,
        forgets=tuple(
            a
            for a in ("features", "channels")
            if a != (giver.gives if giver is not None else None)
            and any(a in spec.forgets or a == spec.gives for spec in described)
        ),
        ranks=reader.ranks if reader is not None else (),
    )
    takes = first.sizes[0] if first is not None else None
    gives = last.sizes[-1] if last is not None else None
    return shapes.ChainLink(layer, (takes, gives))


_FREE = "free"  # a size of forward's own (the batch, the rows): not set by the module


def _user_link(module: Instance, sizes: dict[str, shapes.Dim] | None = None) -> shapes.ChainLink:
    """A user's module in a Sequential as the chain check reads it, from its ``forward``: the
    size its first parameter takes and the size its result gives, with the module's sizes
    (``Fire[64, 16, 64, 64]``: ``Tensor[N, CI, H, W]`` to ``Tensor[N, E1+E3, H, W]`` takes
    64 channels, gives 128). Channels where axis 1 is the module's and the last axis is
    forward's own (a map's width), else features where the last axis is the module's; and
    the ranks it takes and gives. ``ChainLink(None)`` (nothing known after it) where none of
    these is known."""
    declared = _declared_forward(module)
    if declared is None or module.type.fullname.startswith("dfdx."):
        return shapes.ChainLink(None)
    values = _module_sizes(module)
    values.update({k: v for k, v in (sizes or {}).items() if values.get(k) is None})
    free = frozenset(tv.name for tv in declared.variables)
    tensors = [t for t in declared.arg_types[1:2] if is_tensor(t)]
    takes = _link_axis(tensors[0], free, values) if tensors else None
    gives = _link_axis(declared.ret_type, free, values) if is_tensor(declared.ret_type) else None
    takes_shape = _forward_shape(tensors[0], values, free) if tensors else None
    gives_shape = _forward_shape(declared.ret_type, values, free)
    if takes is None and gives is None and takes_shape is None and gives_shape is None:
        return shapes.ChainLink(None)
    reads, rank, take = takes if takes is not None else (None, 0, None)
    gives_axis, _, give = gives if gives is not None else (None, 0, None)
    name = _module_name(module)
    if sizes:  # the sizes as built, where the type does not know them
        shown = [shapes.fmt_dim(values.get(tv.name)) for tv in module.type.defn.type_vars]
        name = f"{module.type.name}[{', '.join(shown)}]"
    layer = shapes.Layer(
        name=name,
        module=module.type.module_name,
        sizes=(shapes.Arg("takes", axis=True), shapes.Arg("gives", axis=True)),
        reads=reads,
        gives=gives_axis,
        forgets=tuple(a for a in ("features", "channels") if a != gives_axis),
        ranks=(rank,) if reads is not None else (),
    )
    return shapes.ChainLink(
        layer,
        (take, give),
        takes=None if takes_shape is None else (len(takes_shape), shapes.fmt(takes_shape)),
        gives=None if gives_shape is None else (len(gives_shape), shapes.fmt(gives_shape)),
    )


def _forward_shape(
    t: Type | None, values: dict[str, shapes.Dim], free: frozenset[str]
) -> shapes.Shape | None:
    """The shape of the tensor type ``t`` as ``forward`` writes it, the module's sizes put
    in (``values``: ``Tensor[B, N, D]`` of a ``MixerBlock[64]`` is ``Tensor[B, N, 64]``), its
    own TypeVars (``free``) kept as names; None where its rank is not known."""
    p = get_proper_type(_tensor_part(t)) if t is not None else None
    if not isinstance(p, Instance) or any(isinstance(a, UnpackType) for a in p.args):
        return None
    named: dict[str, shapes.Dim] = {**{n: n for n in free}, **values}
    dims: list[shapes.Dim] = []
    for a in p.args[:-1]:
        try:
            d = read_dim(a, {})
        except Unknown:
            d = None
        dims.append(shapes.dim_substitute(d, named) if d is not None else None)
    return tuple(dims)


class RankMisfit(shapes.ShapeError):
    """A user's module given a tensor of another rank than its ``forward`` takes; ``best``,
    the shape of what it gives as far as known without that tensor's sizes (in a
    ``Sequential``, of what the layers after it give), and ``syms`` the types of the names
    in it."""

    def __init__(
        self,
        message: str,
        *,
        best: shapes.Shape | None = None,
        syms: dict[str, Type] | None = None,
    ) -> None:
        super().__init__(message, best=best)
        self.syms: dict[str, Type] = {} if syms is None else syms


def rank_misfit(
    module: Instance, index: int, x: shapes.Shape, syms: dict[str, Type]
) -> RankMisfit | None:
    """The error of ``module`` called with a tensor of shape ``x`` for the parameter
    ``index`` of its ``forward`` (0: the first after ``self``), where the ranks differ:
    ``MixerBlock[64]: x takes Tensor[B, N, 64], got Tensor[B, 64, 8, 8] (rank 4 != 3)``.
    Its ``best`` keeps the batch where ``forward`` takes and gives it on axis 0; ``syms``
    gets the types of the module's sizes it holds."""
    declared = _declared_forward(module)
    if declared is None or module.type.fullname.startswith("dfdx."):
        return None
    if not 0 <= index < len(declared.arg_types) - 1:
        return None
    values = _module_sizes(module, syms)
    free = frozenset(tv.name for tv in declared.variables)
    takes = _forward_shape(declared.arg_types[index + 1], values, free)
    if takes is None or len(takes) == len(x):
        return None
    name = declared.arg_names[index + 1] or f"argument {index + 1}"
    message = (
        f"{_module_name(module)}: {name} takes {shapes.fmt(takes)}, got {shapes.fmt(x)} "
        f"(rank {len(x)} != {len(takes)})"
    )
    gives = _forward_shape(declared.ret_type, values, free)
    if gives is None:
        return RankMisfit(message)
    best = tuple(
        x[0]
        if i == 0 and x and takes and d == takes[0]
        else None
        if isinstance(d, str) and set(re.findall(r"[A-Za-z_]\w*", d)) & free
        else d
        for i, d in enumerate(gives)
    )
    return RankMisfit(message, best=best, syms=syms)


def _link_axis(
    t: Type, free: frozenset[str], values: dict[str, shapes.Dim]
) -> tuple[shapes.SizeAxis, int, shapes.Dim] | None:
    """Which size of the tensor type ``t`` (as ``forward`` writes it) the module sets, with
    its value: ``("channels", rank, size)`` or ``("features", rank, size)``; None where
    neither is known (:func:`_user_link`)."""
    p = get_proper_type(t)
    if not isinstance(p, Instance) or any(isinstance(a, UnpackType) for a in p.args):
        return None
    dims: list[shapes.Dim] = []
    for a in p.args[:-1]:
        try:
            d = read_dim(a, {})
        except Unknown:
            d = None
        if isinstance(d, str) and set(re.findall(r"[A-Za-z_]\w*", d)) & free:
            dims.append(_FREE)
            continue
        dims.append(shapes.dim_substitute(d, values) if d is not None else None)
    rank = len(dims)
    if rank < 2:
        return None
    if rank >= 3 and dims[1] not in (None, _FREE) and dims[-1] == _FREE:
        return "channels", rank, dims[1]
    if dims[-1] not in (None, _FREE):
        return "features", rank, dims[-1]
    return None


def _report_chain(
    call: Call, mismatch: shapes.ChainMismatch, exprs: list[Expression | None]
) -> None:
    """A Sequential whose layers do not fit, reported on the lines of the two layers that
    meet (either may be the mistake; written over several lines, a Sequential has each layer
    on its own; ``exprs``: where each layer is given or was put in the list given), or
    where it is built when the layers are not given one by one."""
    places: list[Context] = [
        e
        for e in (exprs[i - 1] for i in (mismatch.index, mismatch.source) if i <= len(exprs))
        if e is not None
    ]
    if len(places) != 2:
        places = [call.context]
    for place in places:
        call.api.fail(mismatch.message, place, code=DFDX_SHAPE)


@rule("Sequential", functions=(SEQUENTIAL,))
def sequential(call: Call) -> Type:
    """The chain checked where it is built, from the arguments' types: the result's may be
    the context's (``return Sequential(...)`` in a function declared ``-> Sequential[Any]``).
    ``Sequential(*layers)`` of a list whose layers are known in order is the chain of those
    (:func:`_listed_layers`)."""
    result = _module(call.default)
    args = [get_proper_type(t) for t in call.operands]
    listed = _listed_layers(call)
    places = _starred_places(call)
    if isinstance(call.context, CallExpr):  # (a server checks a file again: the last reading)
        _LISTED.pop(_place_key(call.api, call.context), None)
    if listed is not None:
        layers, places = listed
        if isinstance(call.context, CallExpr):
            _LISTED[_place_key(call.api, call.context)] = (layers, places)
    elif args and all(isinstance(t, Instance) for t in args):
        layers = [_module(t) for t in args]
    else:
        layers = _layers(result)
    if not call.report:  # the function hook: it runs once, after the layers are typed
        for i, layer in enumerate(layers, 1):
            if not layer.type.has_base(MODULE):
                message = f"Sequential: layer {i} is a {layer.type.name}, not a dx.nn.Module"
                call.api.fail(message, call.context, code=ARG_TYPE)
                return result
        mismatch = _chain_mismatch(layers)
        if mismatch is not None:
            _report_chain(call, mismatch, places)
    return result


def _starred_places(call: Call) -> list[Expression | None]:
    """Where each layer is given: its argument, or for the layers of a ``*block(...)`` of a
    tuple (a helper's list, :mod:`dfdx_mypy_plugin._factories`), that argument."""
    context = call.context
    if not isinstance(context, CallExpr) or ARG_STAR not in context.arg_kinds:
        return list(call.operand_exprs)
    places: list[Expression | None] = []
    for arg, kind in zip(context.args, context.arg_kinds, strict=True):
        if kind != ARG_STAR:
            places.append(arg)
            continue
        lookup = getattr(call.api, "lookup_type_or_none", None)
        t = get_proper_type(lookup(arg)) if lookup is not None else None
        if not isinstance(t, TupleType):
            return list(call.operand_exprs)
        places.extend([arg] * len(t.items))
    return places if len(places) == len(call.operands) else list(call.operand_exprs)


def _listed_layers(call: Call) -> tuple[list[Instance], list[Expression | None]] | None:
    """The layers of ``Sequential(*layers)``, in order, and where each was put in the list,
    where ``layers`` is a local list whose every layer is known (built by a display,
    ``append``, ``extend`` and ``+=`` in the block that uses it: :func:`listed_items`);
    None otherwise (a layer appended in a loop or a branch: the chain is not known)."""
    context = call.context
    if not isinstance(context, CallExpr) or context.arg_kinds != [ARG_STAR]:
        return None
    star = context.args[0]
    if not isinstance(star, NameExpr):
        return None
    found = listed_items(call.api, star)
    if found is None or not found.types:
        return None
    layers = [get_proper_type(t) for t in found.types]
    if not all(isinstance(t, Instance) and t.type.has_base(MODULE) for t in layers):
        return None
    known = [t for t in layers if isinstance(t, Instance)]
    if found.unknown:
        return _rank_kept(known)
    return known, found.places


_RANK_KEEPING = frozenset(
    {"Linear", "Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d", "MaxPool2d"}
    | {"AvgPool2d", "AdaptiveAvgPool2d", "Upsample", "GroupNorm", "InstanceNorm2d"}
    | {"MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "GLU"}
)


def _rank_kept(layers: list[Instance]) -> tuple[list[Instance], list[Expression | None]] | None:
    """A list filled in a loop (``for i in range(num_layers): layers.append(Linear(w, w //
    2)); layers.append(ReLU())``): how many of each layer it holds is not known, but where
    every one keeps its input's rank (a layer of the table that keeps the shape, a linear
    layer, a convolution, a pool), so does the chain. Each layer once, its sizes and window
    unknown: the chain keeps the rank and every size no layer sets (the batch), the sizes
    the layers set are ``Dyn``, and no link is checked. None where a layer may change the
    rank (``Flatten``) or is not one of the table's."""
    anything = AnyType(TypeOfAny.special_form)
    kept: list[Instance] = []
    for layer in layers:
        spec = _layer(layer)
        if spec is None or not (spec.keeps_shape or spec.name in _RANK_KEEPING):
            return None
        kept.append(layer.copy_modified(args=[anything] * len(layer.args)))
    return kept, [None] * len(kept)


_LISTED: dict[tuple[str, int, int], tuple[list[Instance], list[Expression | None]]] = {}
"""The layers of each ``Sequential(*layers)`` read from its list (:func:`_listed_layers`),
and where each was put in it, by the file, line and column of the call."""


def _place_key(api: CheckerPluginInterface, e: Expression) -> tuple[str, int, int]:
    return (str(getattr(api, "path", "")), e.line, e.column)


def listed_sequential(
    api: CheckerPluginInterface, built: CallExpr
) -> tuple[list[Instance], list[Expression | None]] | None:
    """The layers of ``built``, a ``Sequential(*layers)`` call, and where each was put in
    the list, where its list was read (:func:`_listed_layers`, where it was checked)."""
    if built.arg_kinds != [ARG_STAR]:
        return None
    return _LISTED.get(_place_key(api, built))


def sequential_layer_exprs(
    api: CheckerPluginInterface, built: CallExpr
) -> list[Expression | None] | None:
    """Where each layer of the ``Sequential`` that ``built`` makes is given: its arguments,
    or where each was put in the list of ``Sequential(*layers)``; None where not known."""
    if built.args and all(k == ARG_POS for k in built.arg_kinds):
        return list(built.args)
    listed = listed_sequential(api, built)
    return listed[1] if listed is not None else None


# ---- calling a module: the input's shape folded through ----------------------------------------


def _fold(
    call: Call, layer: Instance, x: TensorType, built: Expression | None = None
) -> TensorType:
    """The shape of ``layer(x)``, checked with the runtime's rules; ``built``, the expression
    that built ``layer`` where it is a member of the Sequential called (a user's module is
    then typed per instance: ``_instances.member_output``)."""
    kind = layer.type.fullname
    repeated = _repeated_layer(layer) if kind == SEQUENTIAL else None
    if repeated is not None:
        # ``Sequential(*[Block(dim) for _ in range(depth)])``: any number of one module; where
        # it keeps its input's shape, so do they all
        y = _fold(call, repeated, x)
        if y.shape != x.shape:
            raise Unknown
        return y
    if kind == SEQUENTIAL:
        layers = _layers(layer)
        if _chain_mismatch(layers) is not None:
            raise Unknown  # reported once, where the Sequential is built
        # (outside a type check, the summary's stand-in for ``call`` has no api)
        checked = built is None and call.api is not None
        members = sequential_members(call.api, call.context) if checked else None
        for i, inner in enumerate(layers):
            member = members[i] if members is not None and len(members) == len(layers) else None
            try:
                x = _fold(call, inner, x, member)
            except RankMisfit as e:
                raise _folded_on(call, e, layers[i + 1 :], x) from None
        return x
    if kind == RESIDUAL:
        if not layer.args:
            raise Unknown
        inner = _module(layer.args[0])
        y = _fold(call, inner, x)
        shapes.residual(inner.type.name, x.shape, y.shape)
        return x
    spec = _layer(layer)
    if spec is None:
        misfit = rank_misfit(layer, 0, x.shape, dict(x.syms))
        if misfit is not None:
            raise misfit
        declared = _call_as_mypy_would(call, layer, x)
        if built is not None:
            syms = dict(x.syms)
            declared = member_output(call.api, layer, built, declared, x.shape, syms, call.report)
        return read_tensor(declared)
    window = _read_window(layer, spec, call.api) if spec.window else None
    syms = dict(x.syms)
    shape = shapes.output_shape(spec, x.shape, _dims(layer, spec, syms), window)
    if shape is None:
        raise Unknown
    return x if shape is x.shape else TensorType(shape, x.tape, syms)


def _repeated_layer(seq: Instance) -> Instance | None:
    """The one module of a ``Sequential`` of any number of them (``Sequential[tuple[Block[D],
    ...]]``, of ``Sequential(*[Block(dim) for _ in range(depth)])``); else None."""
    items = get_proper_type(seq.args[0]) if seq.args else None
    if not isinstance(items, Instance) or items.type.fullname != "builtins.tuple":
        return None
    member = get_proper_type(items.args[0]) if items.args else None
    if not isinstance(member, Instance) or member.type.fullname in (MODULE, SEQUENTIAL):
        return None
    return member if member.type.has_base(MODULE) else None


def _members(seq: Instance) -> list[Instance]:
    """The layers of ``seq`` (:func:`_layers`), or the one module it has any number of
    (:func:`_repeated_layer`): what its first layer is, what sizes its layers set."""
    repeated = _repeated_layer(seq)
    return [repeated] if repeated is not None else _layers(seq)


def _folded_on(call: Call, error: RankMisfit, rest: list[Instance], x: TensorType) -> RankMisfit:
    """``error``, of a user's module in a ``Sequential``, with the shape the layers after it
    give from what it gives (its ``best``) for ``best``: the chain's result as far as known."""
    if error.best is None:
        return error
    y = TensorType(error.best, x.tape, {**x.syms, **error.syms})
    try:
        for inner in rest:
            y = _fold(call, inner, y)
    except (shapes.ShapeError, Unknown):
        return RankMisfit(str(error))
    return RankMisfit(str(error), best=y.shape, syms=dict(y.syms))


def _call_as_mypy_would(call: Call, layer: Instance, x: TensorType) -> Type:
    """``layer(x)`` typed by mypy from the layer's own ``__call__`` (its ``forward`` where it
    inherits ``Module.__call__``, which returns ``Any``), errors dropped: the plugin's answer
    is only as good as the layer's signature."""
    method = "__call__"
    for base in layer.type.mro:
        if "__call__" in base.names:
            if base.fullname == MODULE:
                method = "forward"
            break
    checker = getattr(call.api, "expr_checker", None)
    msg = getattr(call.api, "msg", None)
    if checker is None or msg is None:
        raise Unknown
    arg = TempNode(call.result(x.shape, x.tape, x), context=call.context)
    # without the enclosing call's type context: inferred from it (``return seq(x)``), the
    # layer's type variables would take the declared result's sizes and miss a mismatch
    checker.type_context.append(None)
    try:
        with msg.filter_errors() as watcher:
            out, _ = checker.check_method_call_by_name(
                method, layer, [arg], [ARG_POS], call.context
            )
    finally:
        checker.type_context.pop()
    if watcher.has_new_errors() or not isinstance(out, Type):
        raise Unknown
    return out


def _called(fold: Callable[[Call, Instance, TensorType], TensorType]) -> Callable[[Call], Type]:
    def run(call: Call) -> Type:
        if not call.operands:
            raise Unknown
        layer = _with_built_window(call, _module(call.operands[0]))
        arg = get_proper_type(call.operands[1] if len(call.operands) > 1 else call.arg("x"))
        if isinstance(arg, UnionType):
            _fold_each(call, layer, fold, arg)
            raise Unknown
        try:
            x = read_tensor(arg)
            try:
                _joined_input(call, layer, x)
                y = fold(call, layer, x)
            except shapes.ShapeError as e:
                if call.report:
                    raise  # reported where the signature is checked
                if isinstance(e, RankMisfit) and e.best is not None:
                    # a user's module given another rank: what it gives, as declared
                    best = call.result(e.best, x.tape, TensorType(e.best, x.tape, e.syms), x)
                    return declared_after(call.api, call.context, best) or best
                after = declared_after(call.api, call.context, _after_error(call, layer, x, fold))
                if after is None:
                    raise
                return after
        except Unknown:  # an input of unknown rank: the sizes the layer sets are still known
            got = get_proper_type(call.default)
            if not isinstance(got, Instance):
                raise
            fitted = _fit_destination(call, layer, got, None)
            if fitted is got:
                raise
            return fitted
        return _fit_destination(call, layer, call.result(y.shape, y.tape, x, y), (x, y))

    return run


def _with_built_window(call: Call, layer: Instance) -> Instance:
    """:func:`as_built` for the layer a call calls (a local ``Sequential`` grown by
    ``add_module``: its chain not known)."""
    context = call.context
    if not isinstance(context, CallExpr):
        return layer
    if isinstance(context.callee, NameExpr) and layer.type.fullname == SEQUENTIAL:
        return unknown_chain(layer) if grown(call.api, context.callee) else layer
    if not isinstance(context.callee, MemberExpr):
        return layer
    return as_built(call.api, context.callee, layer)


def as_built(api: CheckerPluginInterface, callee: MemberExpr, layer: Instance) -> Instance:
    """``layer``, the type of the field ``callee``, with the window it was built with, where
    its type leaves the window out (a field declared ``Conv2d[CI, CO]``, or ``Conv2d[CI, CO,
    Any] | None`` and built in an ``if``: the window parameter is ``Any``) and it is a field
    of ``self`` built once in its class (:func:`field_value`, its ``None`` left out) whose
    value's type states one (``Conv2d(ci, co, kernel_size=1, stride=stride)``): the layer is
    that value, so its output's spatial sizes are known, not ``Dyn``. So too a ``Sequential``
    declared with its layers left ``Any`` (``self.downsample: Sequential[Any] | None =
    None``): its layers are the ones it was built with."""
    spec = _layer(layer)
    sequential = layer.type.fullname == SEQUENTIAL
    if sequential and grown(api, callee):
        return unknown_chain(layer)
    if not ((spec is not None and spec.window) or sequential) or not layer.args:
        return layer
    if not isinstance(get_proper_type(layer.args[-1]), AnyType) and not (
        sequential and _any_length(layer.args[-1])
    ):
        return layer
    t = _built_field_type(api, callee)
    if (
        t is None
        or t.type.fullname != layer.type.fullname
        or len(t.args) != len(layer.args)
        or not isinstance(get_proper_type(t.args[-1]), TupleType)
    ):
        return layer
    return layer.copy_modified(args=[*layer.args[:-1], t.args[-1]])


def _any_length(t: Type) -> bool:
    """Whether ``t`` is a tuple of any length (``tuple[Module, ...]``: the layers of
    ``Sequential(*layers)`` as mypy types them)."""
    p = get_proper_type(t)
    return isinstance(p, Instance) and p.type.fullname == "builtins.tuple"


def _built_field_type(api: CheckerPluginInterface, callee: MemberExpr) -> Instance | None:
    """The type of the value the field ``callee`` of ``self`` was built with, where it is
    built once in its class (:func:`field_value`); else None."""
    value = field_value(api, callee)
    built = checked_copy(api, value) if value is not None else None
    lookup = getattr(api, "lookup_type_or_none", None)
    t = get_proper_type(lookup(built)) if built is not None and lookup is not None else None
    if not isinstance(t, Instance):
        return None
    if t.type.fullname == SEQUENTIAL and isinstance(built, CallExpr) and lookup is not None:
        return _sequential_of(api, t, built, lookup)
    return t


def _sequential_of(
    api: CheckerPluginInterface,
    t: Instance,
    built: CallExpr,
    lookup: Callable[[Expression], Type | None],
) -> Instance | None:
    """The ``Sequential`` ``built`` makes, its layers' types read from its arguments: a field
    declared ``Sequential[Any]`` gives its value that type context, in which mypy types the
    layers ``Any``."""
    listed = listed_sequential(api, built)
    if listed is not None:
        items: list[Type | None] = list(listed[0])
    elif not built.args or any(k != ARG_POS for k in built.arg_kinds):
        return None
    else:
        items = [lookup(a) for a in built.args]
    if any(i is None or not isinstance(get_proper_type(i), Instance) for i in items):
        return None
    layers = [i for i in items if i is not None]
    anything = AnyType(TypeOfAny.special_form)
    named = getattr(api, "named_generic_type", None)
    if named is None:
        return None
    return t.copy_modified(args=[TupleType(layers, named("builtins.tuple", [anything]))])


def _joined_input(call: Call, layer: Instance, x: TensorType) -> None:
    """A layer of the table reading features or channels that are not known, made by a
    concatenation along that axis whose known parts (or one tensor of a list, taken twice)
    already exceed what the layer takes (``self.proj(dx.cat([x, context], axis=-1))`` with
    ``proj`` a ``Linear[D, D]``): :func:`shapes.joined_input`, and the concatenation's line."""
    spec = _layer(layer)
    context = call.context
    if spec is None or spec.reads is None or not spec.sizes or not isinstance(context, CallExpr):
        return
    if not context.args or context.arg_kinds[0] != ARG_POS:
        return
    rank = len(x.shape)
    axis = rank - 1 if spec.reads == "features" else 1
    if not 0 <= axis < rank or x.shape[axis] is not None:
        return
    found = joined(call.api, context.args[0], axis)
    if found is None or not (found.unknown or found.listed):
        return
    takes = _dims(layer, spec)[0]
    try:
        shapes.joined_input(
            layer_name(layer),
            x.shape,
            spec.reads,
            takes,
            found.least(),
            found.text(),
            found.call.line,
        )
    except shapes.ShapeError as e:
        for text, where in at_concatenation(call.api, context.args[0], found, context.line, str(e)):
            call.fail(text, DFDX_SHAPE, at=where)
        raise


def _after_error(
    call: Call,
    layer: Instance,
    x: TensorType,
    fold: Callable[[Call, Instance, TensorType], TensorType],
) -> Type | None:
    """The type of ``layer(x)`` after its error is reported, so that one mistake gives one
    error: the input's for a layer that keeps its shape (a norm on the wrong size); else the
    layer's output on the input with the size it reads (``Linear[D, K]`` on a ``Tensor[B,
    E]`` gives ``Tensor[B, K]``). None where that is not known either."""
    first = layer
    while first.type.fullname == SEQUENTIAL:
        inner = _members(first)
        if not inner:
            return None
        first = inner[0]
    if keeps_shape(layer):
        return call.result(x.shape, x.tape, x)
    spec = _layer(first)
    if spec is None or spec.reads is None or not spec.sizes or not x.shape:
        return None
    syms = dict(x.syms)
    takes = _dims(first, spec, syms)[0]
    axis = len(x.shape) - 1 if spec.reads == "features" else 1
    if takes is None or axis >= len(x.shape):
        return None
    repaired = TensorType((*x.shape[:axis], takes, *x.shape[axis + 1 :]), x.tape, syms)
    try:
        y = fold(call, layer, repaired)
    except (shapes.ShapeError, Unknown):
        return None
    if y.shape == repaired.shape:  # it keeps the shape too (a GroupNorm): the input's
        return call.result(x.shape, x.tape, x)
    return call.result(y.shape, y.tape, repaired, y)


def _fold_each(
    call: Call,
    layer: Instance,
    fold: Callable[[Call, Instance, TensorType], TensorType],
    union: UnionType,
) -> None:
    """``layer`` called on a union of tensors (a name that held tensors of two shapes): the
    ShapeError of the first member of known shape that the layer does not take (mypy, too,
    rejects a union a member of which does not fit)."""
    for item in union.items:
        try:
            fold(call, layer, read_tensor(item))
        except Unknown:
            continue


def _sets(layer: Instance) -> set[shapes.SizeAxis]:
    """The sizes (features, channels) that ``layer``, or a layer inside it, sets."""
    if layer.type.fullname == SEQUENTIAL:
        return {size for inner in _members(layer) for size in _sets(inner)}
    spec = _layer(layer)
    return {spec.gives} if spec is not None and spec.gives is not None else set()


def _misfits(
    layer: Instance,
    got: Instance,
    expected: Instance,
    shapes_in_out: tuple[TensorType, TensorType] | None,
) -> list[tuple[Type, Type]] | None:
    """The sizes of ``got`` (``layer``'s result) that do not fit ``expected``, as pairs of
    types; None where a size that does not fit is one the layer passed through from its
    input (known from ``shapes_in_out``, the input's and the result's shapes). Without the
    shapes (an input of unknown rank) only the sizes the layer sets are compared."""
    dims, want = got.args[:-1], expected.args[:-1]
    axes = {-1 if size == "features" else 1 for size in _sets(layer)}
    fixed = not any(isinstance(a, UnpackType) for a in (*dims, *want))
    if shapes_in_out is not None and fixed and len(dims) == len(want):
        x, y = shapes_in_out
        if len(x.shape) != len(y.shape):
            return None
        out = []
        for i, (g, w) in enumerate(zip(dims, want, strict=True)):
            if not is_subtype(g, w):
                if x.shape[i] == y.shape[i] and i not in {a % len(dims) for a in axes}:
                    return None  # passed through: the mistake is before the layer
                out.append((g, w))
        return out
    out = []
    for a in axes:
        head = slice(None, a + 1) if a >= 0 else slice(a, None)
        if len(dims) <= max(a, -a - 1) or len(want) <= max(a, -a - 1):
            continue
        if any(isinstance(t, UnpackType) for t in (*dims[head], *want[head])):
            continue
        if not is_subtype(dims[a], want[a]):
            out.append((dims[a], want[a]))
    return out


def _fit_destination(
    call: Call,
    layer: Instance,
    got: Instance,
    shapes_in_out: tuple[TensorType, TensorType] | None,
) -> Type:
    """``got``, the result of ``layer(x)``, where it fits the declared type its value goes
    to (``return self.proj(h)``, ``out: Tensor[...] = self.proj(h)``); else that declared
    type, after a ``dfdx-shape`` error at the call and where the layer was built, if the sizes
    that do not fit are sizes the layer set (the layer is then likely built wrong). mypy's own
    error would say the same in its words, without the size or the layer."""
    api = call.api
    expected = _expected(call)
    if (
        expected is None
        or not isinstance(call.context, CallExpr)  # (_expected checked it: for mypy)
        or expected.type.fullname != TENSOR
        or got.type.fullname != TENSOR
        or not got.args
        or not expected.args
        or is_subtype(got, expected)
    ):
        return got
    tape = get_proper_type(got.args[-1])  # a TypeVar where mypy has not inferred it yet
    if not isinstance(tape, TypeVarType) and not is_subtype(tape, expected.args[-1]):
        return got
    dims, wanted = got.args[:-1], expected.args[:-1]
    if len(dims) != len(wanted) and not any(isinstance(a, UnpackType) for a in (*dims, *wanted)):
        # a rank the layer passed through from its input: the input is the mistake, here
        where = destination(api, call.context)
        if where is None:
            return got
        try:
            gives, want_shape = (shapes.fmt(read_tensor(t).shape) for t in (got, expected))
        except Unknown:
            return got
        message = (
            f"{layer_name(layer)}: gives {gives}, {where} is {want_shape} "
            f"(rank {len(dims)} != {len(wanted)})"
        )
        call.fail(message, DFDX_SHAPE)
        for text, place in at_rank_made(api, call.context, message):
            call.fail(text, DFDX_SHAPE, at=place)
        return expected
    misfits = _misfits(layer, got, expected, shapes_in_out)
    if misfits and all(_declared_may_hold(g, w) for g, w in misfits):
        return expected  # sizes written with the module's ``int`` arguments may be these
    where = destination(api, call.context) if misfits else None
    if not misfits or where is None:
        return got
    try:
        want = shapes.fmt(read_tensor(expected).shape)
        g, w = (shapes.fmt_dim(read_dim(t, {})) for t in misfits[0])
    except Unknown:
        return got
    gives = shapes.fmt(shapes_in_out[1].shape) if shapes_in_out is not None else f"size {g}"
    message = f"{layer_name(layer)}: gives {gives}, {where} is {want} ({g} != {w})"
    call.fail(message, DFDX_SHAPE)
    for text, place in _built_at(call, layer, got, expected, shapes_in_out, message):
        call.fail(text, DFDX_SHAPE, at=place)
    return expected


def _built_at(
    call: Call,
    layer: Instance,
    got: Instance,
    expected: Instance,
    shapes_in_out: tuple[TensorType, TensorType] | None,
    message: str,
) -> list[tuple[str, Context]]:
    """Where a layer whose result does not fit its destination is built: for a
    ``Sequential``, its last layer that sets the sizes that do not fit; else the line that
    built the layer (:func:`at_build`)."""
    context = call.context
    dims, want = got.args[:-1], expected.args[:-1]
    pairs = enumerate(zip(dims, want, strict=False))
    bad = frozenset(i for i, (g, w) in pairs if not is_subtype(g, w))
    if shapes_in_out and isinstance(context, CallExpr):
        out = shapes_in_out[1].shape
        try:
            wanted = read_tensor(expected).shape
        except Unknown:
            wanted = ()
        strided: frozenset[int] = frozenset()
        places: list[tuple[str, Context]] = []
        if len(wanted) == len(out):
            sizes = {i: wanted[i] for i in bad if i >= 2}
            places, strided = at_strides(call.api, context, context, sizes, message, out)
        if strided and not bad - strided:
            return places  # a window before it whose stride made the size: not this layer
        if layer.type.fullname == SEQUENTIAL:
            places += at_origins(call.api, context, context, bad - strided, message, out)
            if places:
                return places
    rank = len(dims)
    built = at_build(call.api, call.context, message, gives=(bad, rank))
    return [] if built is None else [built]


def input_origins(
    api: CheckerPluginInterface, receiver: Type, context: Context, message: str
) -> list[tuple[str, Context]]:
    """Where ``message``, an error at the call ``context`` of the layer ``receiver`` on an
    input whose features or channels it does not take, is to be reported too: where the
    layers that set that size of the input are built (:func:`at_origins`)."""
    layer = get_proper_type(receiver)
    if not isinstance(context, CallExpr) or not isinstance(layer, Instance):
        return []
    if not context.args or context.arg_kinds[0] != ARG_POS:
        return []
    first = layer
    while first.type.fullname == SEQUENTIAL:
        inner = _members(first)
        if not inner:
            return []
        first = inner[0]
    spec = _layer(first)
    if spec is None or spec.reads is None or not spec.sizes:
        return []
    lookup = getattr(api, "lookup_type_or_none", None)
    t = lookup(context.args[0]) if lookup is not None else None
    if t is None:
        return []
    try:
        x = read_tensor(t)
    except Unknown:
        return []
    rank = len(x.shape)
    axis = rank - 1 if spec.reads == "features" else 1
    if not 0 <= axis < rank:
        return []
    takes = _dims(first, spec)[0]
    if shapes.same_layer_size(takes, x.shape[axis]) is not False:
        return []
    # a size it takes on another axis: the axes are in the wrong order, which the layers that
    # set them did not make; a product flattened into the size may still be computed wrong
    merged = takes in x.shape
    return at_origins(api, context, context.args[0], frozenset({axis}), message, merged=merged)


for _fullname in (SEQUENTIAL, *(spec.fullname for spec in shapes.LAYERS)):
    METHOD_RULES[f"{_fullname}.__call__"] = Rule(_fullname.rsplit(".", 1)[1], _called(_fold))


# ---- user modules: sizes from the constructor's arguments --------------------------------------


def user_module_constructor(call: Call) -> Type:
    """``Block(16, 32)`` for ``class Block(Module, Generic[CI, CO])`` whose ``__init__`` takes
    ``ci: CI, co: CO``: ``Block[Literal[16], Literal[32]]`` (``Block(16 + 8, 32)``:
    ``Block[Literal[24], Literal[32]]``, as a layer's). mypy infers ``Block[int, int]``
    (it widens a literal bound to a TypeVar); an int-bound class TypeVar given a literal int
    takes the literal instead, as a built-in layer's sizes do. Other type arguments stay
    mypy's."""
    result = _module(call.default)
    info = result.type
    init = info.get_method("__init__")
    sig = get_proper_type(init.type) if init is not None else None
    if not isinstance(sig, CallableType) or len(result.args) != len(info.defn.type_vars):
        raise Unknown
    positions = {tv.id: i for i, tv in enumerate(info.defn.type_vars)}
    args = list(result.args)
    changed = False
    for name, declared in zip(sig.arg_names[1:], sig.arg_types[1:], strict=True):
        tv = get_proper_type(declared)
        if name is None or not isinstance(tv, TypeVarType) or not is_int_bound(tv):
            continue
        i = positions.get(tv.id)
        if i is None or not call.has(name):
            continue
        # a literal, arithmetic on literals (``16 + 8``) or on the enclosing module's sizes
        # (``2 * g`` for ``g: G``: ``Expr[Literal["2*G"]]``), also through a local assigned
        # once (``inner = n_heads * d_head``: only a symbolic size); a variable declared
        # ``int`` stays so
        syms: dict[str, Type] = {}
        n = size_of(call.arg(name), call.named_exprs.get(name), type_of(call.api), syms)
        if n is None:
            through_local = call.named_size(name)
            if isinstance(through_local, str):
                n, syms = through_local, call.syms
        old = get_proper_type(args[i])
        if isinstance(old, LiteralType):
            continue  # an explicit Block[L[16], ...] or a literal already inferred
        if isinstance(n, int) and not isinstance(n, bool) and n >= 0:
            args[i] = LiteralType(n, _int_type(call))
        elif (
            isinstance(n, str)
            and not n.isidentifier()
            and not _names_an_int_argument(n)
            and _is_plain_int(old)
        ):
            size = dim_type(n, syms, _int_type(call), call.api)
            if isinstance(get_proper_type(size), AnyType):
                continue
            args[i] = size
        else:
            continue
        changed = True
    return result.copy_modified(args=args) if changed else call.default


def _names_an_int_argument(d: str) -> bool:
    """Whether a size is written with a module's ``int`` argument (``4*hidden``): a value the
    module is built with, not given on to another module's type (whose ``forward`` would then
    take only that size, where a ``D`` equal to it is as good)."""
    return any(n.islower() for n in shapes.size_names(d))


def _is_plain_int(t: ProperType) -> bool:
    """mypy's ``int`` for a size it could not name (not a TypeVar, an ``Expr`` or ``Any``
    given explicitly)."""
    return isinstance(t, Instance) and t.type.fullname == "builtins.int"


USER_MODULE = Rule("user module", user_module_constructor)
"""Run for the constructor of a ``Module`` subclass that is generic over int-bound TypeVars
and not a ``dx.nn`` layer (``_plugin.DfdxPlugin.get_function_hook`` finds it by class)."""


def is_sized_user_module(info: TypeInfo) -> bool:
    """A ``Module`` subclass outside ``dfdx`` whose class TypeVars include an int-bound one."""
    if not info.has_base(MODULE) or info.fullname.startswith("dfdx."):
        return False
    return any(isinstance(tv, TypeVarType) and is_int_bound(tv) for tv in info.defn.type_vars)


# ---- user modules: their arguments checked where they are called --------------------------------


def _fixed_size(t: Type, free: set[TypeVarId]) -> bool:
    """A size that is the same wherever the module is called: a literal, or a TypeVar of the
    module (or of the code that calls it), not one of ``forward``'s own (``free``)."""
    p = get_proper_type(t)
    if isinstance(p, TypeVarType):
        return p.id not in free and is_int_bound(p)
    return literal_int(p) is not None


def _fixed_or_computed(t: Type, free: set[TypeVarId], free_names: frozenset[str]) -> bool:
    """A fixed size (:func:`_fixed_size`), or one computed from fixed sizes: an
    ``Expr[Literal["DH*NH"]]`` that the module took from arithmetic on its maker's sizes
    (``Block(n_heads * d_head)``) and names none of ``forward``'s own TypeVars
    (``free_names``)."""
    form = expr_form(get_proper_type(t))
    if form is not None:
        return not set(re.findall(r"[A-Za-z_]\w*", form)) & free_names
    return _fixed_size(t, free)


def _has_fixed_size(
    formal: Type, free: set[TypeVarId], free_names: frozenset[str] = frozenset()
) -> bool:
    f = get_proper_type(formal)
    return (
        isinstance(f, Instance)
        and f.type.fullname == TENSOR
        and any(_fixed_or_computed(d, free, free_names) for d in f.args[:-1])
    )


def _size_misfit(
    formal: Type, actual: Type, free: set[TypeVarId], free_names: frozenset[str] = frozenset()
) -> tuple[Type, Type] | None:
    """The first size of the tensor ``actual`` that does not fit the fixed size of ``formal``
    at the same place, as (actual size, formal size); None if none is certain."""
    f, a = get_proper_type(formal), get_proper_type(actual)
    if not (
        isinstance(f, Instance)
        and isinstance(a, Instance)
        and f.type.fullname == TENSOR
        and a.type.fullname == TENSOR
        and len(f.args) == len(a.args)
    ):
        return None
    if any(isinstance(t, UnpackType) for t in (*f.args, *a.args)):
        return None
    for fd, ad in zip(f.args[:-1], a.args[:-1], strict=True):
        if not _fixed_or_computed(fd, free, free_names):
            continue
        if _fixed_size(ad, set()) and _fixed_size(fd, free) and not is_subtype(ad, fd):
            return ad, fd
        if _computed_size_differs(ad, fd):
            return ad, fd
    return None


def _computed_size_differs(actual: Type, formal: Type) -> bool:
    """An argument's size computed from TypeVars (``Expr[Literal["H*W"]]``) that is another
    size than the module's (``D``): :func:`shapes.same_layer_size`, which takes ``NH*(D//NH)``
    to be ``D``."""
    form_a, form_f = expr_form(get_proper_type(actual)), expr_form(get_proper_type(formal))
    if form_a is None and form_f is None:
        return False
    try:
        a = form_a if form_a is not None else read_dim(actual, {})
        f = form_f if form_f is not None else read_dim(formal, {})
        return shapes.same_layer_size(a, f) is False
    except Unknown:
        return False


def _binding_misfit(
    formal: Type, actual: Type, free: set[TypeVarId], bound: dict[TypeVarId, Type]
) -> tuple[Type, Type] | None:
    """The first size of the tensor ``actual`` that binds one of ``forward``'s own TypeVars
    (``free``) to another fixed size than an earlier argument (or an earlier axis) did, as
    (this size, the earlier one): ``forward(x: Tensor[B, S, D], mask: Tensor[S, S])`` given a
    target ``Tensor[B, ST, D]`` and a mask built for the source, ``Tensor[SS, SS]``. mypy
    reports it as ``Cannot infer value of type parameter``, naming neither size. ``bound``
    collects the first binding of each TypeVar."""
    if any(isinstance(t, UnpackType) for t in (*_args(formal), *_args(actual))):
        return None
    if len(_args(formal)) != len(_args(actual)):
        return None
    for c in infer_constraints(formal, actual, SUPERTYPE_OF):
        if c.type_var not in free or not _fixed_size(c.target, set()):
            continue
        first = bound.setdefault(c.type_var, c.target)
        if not is_same_type(first, c.target):
            return c.target, first
    return None


def _listed_tensors(
    api: CheckerPluginInterface,
    context: CallExpr,
    forward: CallableType,
    formal_of: list[list[int]],
) -> dict[int, Type]:
    """The types of the arguments given to a parameter typed as a list of tensors
    (``sparse: list[Tensor[B, D, T]]``) where the argument is a list of tensors on one tape
    (:func:`tapes_joined` joins its tape with the other arguments')."""
    out: dict[int, Type] = {}
    for i, actuals in enumerate(formal_of):
        if len(actuals) != 1 or context.arg_kinds[actuals[0]] not in (ARG_POS, ARG_NAMED):
            continue
        formal = get_proper_type(forward.arg_types[i])
        if not (isinstance(formal, Instance) and formal.type.fullname in _LISTS):
            continue
        argument = context.args[actuals[0]]
        if not isinstance(argument, RefExpr | ListExpr | ListComprehension):
            continue
        actual = api.get_expression_type(argument)
        if _tape_of(actual) is not None:
            out[i] = actual
    return out


def _args(t: Type) -> list[Type]:
    p = get_proper_type(t)
    return list(p.args) if isinstance(p, Instance) else []


def _module_name(module: Instance) -> str:
    """``RMSNorm[F]``, ``Up[32, 16]``: a user's module with its sizes."""
    try:
        sizes = [shapes.fmt_dim(read_dim(a, {})) for a in module.args]
    except Unknown:
        return module.type.name
    return f"{module.type.name}[{', '.join(sizes)}]" if sizes else module.type.name


def forward_checked(
    api: CheckerPluginInterface, module: Instance, forward: CallableType, context: Context
) -> tuple[CallableType, bool]:
    """``forward``, the signature of ``module(...)``, with each tensor argument that certainly
    does not fit (a size that differs from a literal or a TypeVar of the module's, where the
    ranks agree) reported as a ``dfdx-shape`` error at the call and where the module was
    built, and then taking anything (its result a tensor of unknown rank): mypy would report
    the same argument without naming the size. ``RMSNorm[F]`` called on a ``Tensor[B, S, D]``
    where it takes ``Tensor[B, S, F]`` is built with the wrong size or called on the wrong
    tensor: both lines are shown. The flag: whether an argument was reported so."""
    if not isinstance(context, CallExpr):
        return forward, False
    formal_of = map_actuals_to_formals(
        context.arg_kinds,
        context.arg_names,
        forward.arg_kinds,
        forward.arg_names,
        lambda i: AnyType(TypeOfAny.special_form),  # a star argument is not checked
    )
    tensor_args: dict[int, tuple[Expression, Type]] = {}
    for i, actuals in enumerate(formal_of):
        if len(actuals) != 1 or context.arg_kinds[actuals[0]] not in (ARG_POS, ARG_NAMED):
            continue
        if _tensor_part(forward.arg_types[i]) is None:
            continue  # its argument is not typed here (a list or a lambda needs its context)
        argument = context.args[actuals[0]]
        tensor_args[i] = (argument, api.get_expression_type(argument))
    forward = tapes_joined(
        forward,
        {
            **_listed_tensors(api, context, forward, formal_of),
            **{i: actual for i, (_, actual) in tensor_args.items()},
        },
    )
    free = {tv.id for tv in forward.variables}
    free_names = frozenset(tv.name for tv in forward.variables)
    written = list(forward.arg_types)
    forward = _argument_sizes_evaluated(
        api, module, forward, {i: actual for i, (_, actual) in tensor_args.items()}, free
    )
    loosened = list(forward.arg_types)
    actual_types: dict[int, Type] = {}
    misfits: list[Type] = []
    bound: dict[TypeVarId, Type] = {}  # forward's own size TypeVars, as the arguments bind them
    for i, (argument, actual) in tensor_args.items():
        formal, as_written = _tensor_part(forward.arg_types[i]), _tensor_part(written[i])
        if formal is None or as_written is None or isinstance(get_proper_type(actual), NoneType):
            continue  # ``None`` for an optional tensor
        ranked = _rank_misfit_at_call(module, i, formal, actual)
        if ranked is not None:
            api.fail(str(ranked[0]), context, code=DFDX_SHAPE)
            actual_types[i] = ranked[1]
            loosened[i] = AnyType(TypeOfAny.special_form)
            continue
        joined = _fitting_members(formal, actual, free, free_names)
        if joined is not None:
            actual = joined
            loosened[i] = AnyType(TypeOfAny.special_form)
        actual_types[i] = actual
        misfit = (
            _size_misfit(as_written, actual, free, free_names)
            if _has_fixed_size(as_written, free, free_names)
            else None
        )
        # a size of the module's own is as likely built wrong as passed wrong (the line that
        # built it is shown); two arguments that disagree on a size of forward's own are the
        # caller's mistake: the line that assigned the later one is shown, as where a size
        # forward computes from its own (``H//2`` of an ``x`` with ``H`` rows) does not fit
        blame_module = misfit is not None
        if misfit is None and formal is not as_written:
            misfit = _size_misfit(formal, actual, free, free_names)
        if misfit is None:
            misfit = _binding_misfit(formal, actual, free, bound)
        if misfit is None:
            if (_computed(actual) or _unsized(actual)) and not is_subtype(actual, formal):
                # a computed size that may be the module's (``(H//P)*(W//P)`` patches, a
                # strided window's, where it takes ``P``), or a size only known to be an
                # ``int`` (``x: Tensor[B, int, int, int]`` given to a block built for 3
                # channels): accepted, as by a layer
                loosened[i] = AnyType(TypeOfAny.special_form)
            continue
        got, takes = misfit
        misfits.append(takes)
        name = forward.arg_names[i] or f"argument {i + 1}"
        try:
            wanted, given = read_tensor(expand_type(formal, bound)).shape, read_tensor(actual).shape
            wants, gets = shapes.fmt(wanted), shapes.fmt(given)
            sizes = f"{shapes.fmt_dim(read_dim(got, {}))} != {shapes.fmt_dim(read_dim(takes, {}))}"
        except Unknown:
            continue
        message = f"{_module_name(module)}: {name} takes {wants}, got {gets} ({sizes})"
        api.fail(message, context, code=DFDX_SHAPE)
        # a value with the sizes wanted in another order, or one axis fewer, was made wrong
        # where it was assigned (a transpose left out), not by the module: that line is
        # shown, not the module's building line; so too, beside it, a value made by an op
        # that flattens, views or drops axes which has the size wanted on another axis
        arranged = misarranged(wanted, given)
        on_other_axis = read_dim(takes, {}) in given  # the size it takes, on another axis
        built = (
            at_build(api, context, message, moved=on_other_axis)
            if blame_module and not arranged
            else None
        )
        if built is not None:
            api.fail(built[0], built[1], code=DFDX_SHAPE)
        # a module whose build line is not known (one of a ModuleList's, in a loop): the line
        # that assigned the argument is shown, as for a misfit of forward's own sizes
        moved = reshapes_axes(argument_value(api, argument)) and on_other_axis
        made = built is None or arranged or moved or in_script(api)  # (both lines: _script)
        for used, where in at_argument(api, context, argument, message) if made else []:
            api.fail(used, where, code=DFDX_SHAPE)
        fault = read_dim(got, {})
        for used, where in _argument_origins(api, context, argument, wanted, given, message, fault):
            api.fail(used, where, code=DFDX_SHAPE)
        loosened[i] = AnyType(TypeOfAny.special_form)
    forward = _computed_sizes_evaluated(api, module, forward, actual_types, free)
    if loosened == forward.arg_types:
        return _sizes_solved(forward, actual_types, free), bool(misfits)
    # The result is the one forward declares, its own TypeVars solved from the arguments
    # (the batch size, the tape) where they are not the misfit, so that the rest of the
    # function is checked against what the module gives (mypy's answer after an arg-type);
    # a size it shares with the misfit (a norm's features) is not known: which of the two
    # is wrong cannot be told, and a guess would report what follows on innocent lines.
    solved = _solve(forward, actual_types, free)
    checked = forward.copy_modified(
        arg_types=[expand_type(t, solved) for t in loosened],
        ret_type=_forget(expand_type(forward.ret_type, solved), misfits),
        variables=[],
    )
    return checked, bool(misfits)


def _rank_misfit_at_call(
    module: Instance, i: int, formal: Type, actual: Type
) -> tuple[RankMisfit, Type] | None:
    """The error of a user's module called with a tensor of another rank than its parameter
    ``i`` takes (:func:`rank_misfit`: mypy alone reports an ``arg-type`` naming neither the
    module nor the sizes), and the type its TypeVars are then solved from: the parameter's,
    taking the argument's tape, and its batch where both have one first."""
    f, a = get_proper_type(formal), get_proper_type(actual)
    if not (is_tensor(f) and is_tensor(a)) or not isinstance(f, Instance):
        return None
    if not isinstance(a, Instance) or any(isinstance(t, UnpackType) for t in (*f.args, *a.args)):
        return None
    if len(f.args) == len(a.args):
        return None
    try:
        given = read_tensor(a).shape
    except Unknown:
        return None
    misfit = rank_misfit(module, i, given, {})
    if misfit is None:
        return None
    anything = AnyType(TypeOfAny.special_form)
    sizes: list[Type] = [anything] * (len(f.args) - 1)
    if sizes and len(a.args) > 1:
        sizes[0] = a.args[0]
    return misfit, f.copy_modified(args=[*sizes, a.args[-1]])


def forward_sizes_evaluated(
    api: CheckerPluginInterface,
    module: Instance,
    forward: CallableType,
    args: list[list[Expression]],
) -> CallableType:
    """``forward``, called with ``args`` (grouped by parameter) where the call is not one the
    user wrote (a layer of a ``Sequential`` the plugin folds): its computed sizes worked out
    with the module's and the arguments' (:func:`_computed_sizes_evaluated`), nothing
    reported (a misfit is reported where the chain is)."""
    actual_types: dict[int, Type] = {}
    for i, exprs in enumerate(args[: len(forward.arg_types)]):
        if len(exprs) == 1 and _tensor_part(forward.arg_types[i]) is not None:
            actual_types[i] = api.get_expression_type(exprs[0])
    free = {tv.id for tv in forward.variables}
    forward = _argument_sizes_evaluated(api, module, forward, actual_types, free)
    return _computed_sizes_evaluated(api, module, forward, actual_types, free)


def _tensor_part(t: Type) -> Type | None:
    """``t`` where it is a tensor, the tensor of an optional one (``Tensor[...] | None``),
    else None."""
    p = get_proper_type(t)
    if isinstance(p, UnionType):
        tensors = [m for m in p.items if is_tensor(m)]
        rest = [m for m in p.items if not is_tensor(m)]
        none = all(isinstance(get_proper_type(m), NoneType) for m in rest)
        return tensors[0] if len(tensors) == 1 and none else None
    return t if is_tensor(t) else None


def _argument_sizes_evaluated(
    api: CheckerPluginInterface,
    module: Instance,
    forward: CallableType,
    actual_types: dict[int, Type],
    free: set[TypeVarId],
) -> CallableType:
    """``forward`` with each computed size its tensor arguments (plain or optional) declare
    (``skip: Tensor[B, L[3], Expr[L["H//2"]], Expr[L["W//2"]]] | None``) worked out with
    the call's sizes, as :func:`_computed_sizes_evaluated` works out its result's: ``H``
    bound by ``x`` gives the skip's rows. mypy cannot solve a TypeVar written inside an
    ``Expr`` and would reject every tensor given there (a false ``arg-type``); a size whose
    names are not all known at the call is ``Any``."""
    declared = _declared_forward(module)
    if declared is None:
        return forward
    offset = len(declared.arg_types) - len(forward.arg_types)
    if offset not in (0, 1):
        return forward
    values = _module_sizes(module)
    solved = _solve(forward, actual_types, free)
    syms: dict[str, Type] = {}
    for v in forward.variables:
        if _is_size(v):
            values[v.name] = _size_value(solved.get(v.id), syms)
    arg_types = [
        _with_sizes(declared.arg_types[i + offset], t, values, syms, api)
        if i in actual_types
        else t
        for i, t in enumerate(forward.arg_types)
    ]
    if all(a is b for a, b in zip(arg_types, forward.arg_types, strict=True)):
        return forward
    return forward.copy_modified(arg_types=arg_types)


def _argument_origins(
    api: CheckerPluginInterface,
    context: CallExpr,
    argument: Expression,
    wanted: shapes.Shape,
    given: shapes.Shape,
    message: str,
    fault: shapes.Dim,
) -> list[tuple[str, Context]]:
    """Where the layers that set the sizes of ``argument`` (a user's module's input, of shape
    ``given``) that differ from ``wanted`` are built (:func:`at_origins`: a 1x1 convolution
    of the wrong width a few lines before the module that takes another). Not for a size
    wanted that ``given`` has on another axis, or given that is wanted on another: the axes
    are in the wrong order there. Only the axes of ``fault``, the size the message names
    (the others may be sizes ``forward`` takes as its own TypeVars: any fits there)."""
    if len(wanted) != len(given):
        return []
    bad = frozenset(
        i
        for i, (w, g) in enumerate(zip(wanted, given, strict=True))
        if shapes.same_layer_size(w, g) is False
        and w not in given
        and g not in wanted
        and g == fault  # the size the message names: others may be forward's own TypeVars
    )
    return at_origins(api, context, argument, bad, message) if bad else []


def _fitting_members(
    formal: Type, actual: Type, free: set[TypeVarId], free_names: frozenset[str]
) -> Type | None:
    """The members of a union argument (a value joined from branches: ``x if self.proj is
    None else self.proj(x)``) that fit ``forward``'s sizes, where each other member may be
    one of them under the branches' conditions (:func:`_joined_values.held_equal`); else
    None (every member fits, or one that does not is reported)."""
    p = get_proper_type(actual)
    if not isinstance(p, UnionType) or not _has_fixed_size(formal, free, free_names):
        return None
    fits = [m for m in p.items if _size_misfit(formal, m, free, free_names) is None]
    if not fits or len(fits) == len(p.items):
        return None
    try:
        fitting = [read_tensor(m).shape for m in fits]
        for m in p.items:
            if m not in fits and not any(held_equal(read_tensor(m).shape, f) for f in fitting):
                return None
    except Unknown:
        return None
    return make_simplified_union(fits)


def _computed(t: Type) -> bool:
    """Whether ``t`` is a tensor with a size the plugin computed (an ``Expr``), or a union
    with one (a name rebound in a loop)."""
    p = get_proper_type(t)
    if isinstance(p, UnionType):
        return any(_computed(item) for item in p.items)
    return (
        isinstance(p, Instance)
        and p.type.fullname == TENSOR
        and any(expr_form(get_proper_type(a)) is not None for a in p.args[:-1])
    )


def _unsized(t: Type) -> bool:
    """Whether ``t`` is a tensor with a size typed plain ``int``, or a union with one: a size
    the runtime checks, which a layer takes whatever it wants (a ``Dyn`` size, ``Any``, is
    taken by mypy already)."""
    p = get_proper_type(t)
    if isinstance(p, UnionType):
        return any(_unsized(item) for item in p.items)
    if not (isinstance(p, Instance) and p.type.fullname == TENSOR):
        return False
    for a in p.args[:-1]:
        q = get_proper_type(a)
        if isinstance(q, Instance) and q.type.fullname == "builtins.int":
            return True
    return False


def _is_tape_var(v: object) -> bool:
    """A tape TypeVar: ``T = TypeVar("T", NoneTape, OwnedTape)``."""
    if not isinstance(v, TypeVarType):
        return False
    return {tape_name(get_proper_type(c)) for c in v.values} == {NONE_TAPE, OWNED_TAPE}


def _tape_of(t: Type) -> ProperType | None:
    """The tape of a tensor, or of the tensors of a list of them (``list[Tensor[B, D, T]]``,
    a ``Sequence``: a user's ``forward`` that stacks a list of embeddings beside its input)."""
    p = get_proper_type(t)
    if isinstance(p, Instance) and p.type.fullname == TENSOR and p.args:
        return get_proper_type(p.args[-1])
    if isinstance(p, Instance) and p.type.fullname in _LISTS and len(p.args) == 1:
        item = get_proper_type(p.args[0])
        if isinstance(item, Instance) and item.type.fullname == TENSOR and item.args:
            return get_proper_type(item.args[-1])
    return None


_LISTS = frozenset(
    {"builtins.list", "typing.Sequence", "typing.Iterable", "collections.abc.Sequence"}
)
"""Containers whose tensors a tape TypeVar of ``forward`` may type (:func:`_tape_of`)."""


def tapes_joined(forward: CallableType, actual_types: dict[int, Type]) -> CallableType:
    """``forward`` with each of its own tape TypeVars that its tensor arguments bind to
    different tapes solved as a built-in op joins them: each of those arguments keeps its own
    tape, and the rest of the signature (the result) takes the join, ``OwnedTape`` if one is
    traced. ``forward(self, q: Tensor[B, N, D, T], k: Tensor[B, M, D, T])`` given a module's
    own (untraced) seeds and a traced input gives a traced result; mypy would reject it
    (``Cannot infer value of type parameter``, or the untraced argument as an ``arg-type``).
    Two different tape TypeVars of the caller have no join: left to mypy."""
    for tv in forward.variables:
        if not _is_tape_var(tv):
            continue
        tapes: dict[int, ProperType] = {}
        for i, actual in actual_types.items():
            formal_tape, tape = _tape_of(forward.arg_types[i]), _tape_of(actual)
            if isinstance(formal_tape, TypeVarType) and formal_tape.id == tv.id and tape:
                tapes[i] = tape
        kinds = list(tapes.values())
        if all(is_same_type(t, kinds[0]) for t in kinds):
            continue
        joined = merge_tapes(kinds)
        if isinstance(joined, AnyType) or any(isinstance(t, AnyType) for t in kinds):
            continue
        forward = forward.copy_modified(
            arg_types=[
                expand_type(t, {tv.id: tapes.get(i, joined)})
                for i, t in enumerate(forward.arg_types)
            ],
            ret_type=expand_type(forward.ret_type, {tv.id: joined}),
            variables=[v for v in forward.variables if v.id != tv.id],
        )
    return forward


def _computed_sizes_evaluated(
    api: CheckerPluginInterface,
    module: Instance,
    forward: CallableType,
    actual_types: dict[int, Type],
    free: set[TypeVarId],
) -> CallableType:
    """``forward`` with each computed size its result declares (``-> Tensor[N,
    Expr[L["CI+G"]], Expr[L["H//2"]], ...]``) worked out with the call's sizes: the module's
    own (``Dense[L[8], L[4]]``: ``CI+G`` is ``12``) and those its tensor arguments bind
    (``H`` of a ``Tensor[..., S, S]`` gives ``S//2``). mypy substitutes a TypeVar where it
    stands alone, not inside the text of an ``Expr``, which then kept the callee's names
    (a false error, and a name that means nothing, or something else, at the call). A size
    whose names are not all known here is ``Any``."""
    declared = _declared_forward(module)
    if declared is None:
        return forward
    values = _module_sizes(module)
    solved = _solve(forward, actual_types, free)
    syms: dict[str, Type] = {}
    for v in forward.variables:
        if _is_size(v):
            values[v.name] = _size_value(solved.get(v.id), syms)
    ret = _with_sizes(declared.ret_type, forward.ret_type, values, syms, api)
    return forward if ret is forward.ret_type else forward.copy_modified(ret_type=ret)


def _declared_forward(module: Instance) -> CallableType | None:
    """``forward`` as its class declares it, in its own names (not the receiver's sizes: an
    ``Expr`` there came from the caller, ``CausalConv1d[R, 2*G]``, and is the caller's)."""
    info = module.type.get_containing_type_info("forward")
    node = info.get("forward") if info is not None else None
    t = get_proper_type(getattr(node.node, "type", None)) if node is not None else None
    return t if isinstance(t, CallableType) else None


def _module_sizes(module: Instance, syms: dict[str, Type] | None = None) -> dict[str, shapes.Dim]:
    """The sizes of ``module``'s class TypeVars, by the names its ``forward`` uses (``syms``
    gets the types of those that are names)."""
    info = module.type.get_containing_type_info("forward") or module.type
    owner = map_instance_to_supertype(module, info)
    syms = {} if syms is None else syms
    return {
        tv.name: _size_value(arg, syms)
        for tv, arg in zip(info.defn.type_vars, owner.args, strict=False)
        if isinstance(tv, TypeVarType)
    }


def _size_value(t: Type | None, syms: dict[str, Type]) -> shapes.Dim:
    if t is None:
        return None
    try:
        return read_dim(t, syms)
    except Unknown:
        return None


def _with_sizes(
    declared: Type,
    t: Type,
    values: dict[str, shapes.Dim],
    syms: dict[str, Type],
    api: CheckerPluginInterface,
) -> Type:
    """``t`` (a tensor, or a tuple of them) with each size that ``declared`` (the same type
    as written in the signature) writes as an ``Expr`` worked out from ``values``; ``t``
    itself where it has none."""
    d, p = get_proper_type(declared), get_proper_type(t)
    if isinstance(d, UnionType) and isinstance(p, UnionType) and len(d.items) == len(p.items):
        members = [
            _with_sizes(a, b, values, syms, api) for a, b in zip(d.items, p.items, strict=True)
        ]
        if all(a is b for a, b in zip(members, p.items, strict=True)):
            return t
        return UnionType(members, p.line, p.column)
    if isinstance(d, TupleType) and isinstance(p, TupleType) and len(d.items) == len(p.items):
        items = [
            _with_sizes(a, b, values, syms, api) for a, b in zip(d.items, p.items, strict=True)
        ]
        changed = any(a is not b for a, b in zip(items, p.items, strict=True))
        return p.copy_modified(items=items) if changed else t
    if not (
        isinstance(p, Instance)
        and p.type.fullname == TENSOR
        and isinstance(d, Instance)
        and d.type.fullname == TENSOR
        and len(d.args) == len(p.args)
        and not any(isinstance(a, UnpackType) for a in d.args)
    ):
        return t
    forms = [expr_form(get_proper_type(a)) for a in d.args[:-1]]
    if all(f is None for f in forms):
        return t
    int_type = api.named_generic_type("builtins.int", [])
    dims: list[Type] = []
    for form, a in zip(forms, p.args[:-1], strict=True):
        if form is None:
            dims.append(a)
            continue
        size = shapes.dim_substitute(form, values)
        dims.append(dim_type(size, syms, int_type, api))
    return p.copy_modified(args=[*dims, p.args[-1]])


def _sizes_solved(
    forward: CallableType, actual_types: dict[int, Type], free: set[TypeVarId]
) -> CallableType:
    """``forward`` with each of its own size TypeVars that the tensor arguments bind to one
    size replaced by that size. mypy would first solve them from the type context (a
    generation loop's ``logits, past = model(next_token, past)`` after ``logits, past =
    model(prompt)``: the prompt's length, from ``logits``' type), and then reject the
    argument that binds them otherwise."""
    solved = {
        tv: t
        for tv, t in _solve(forward, actual_types, free).items()
        if not isinstance(get_proper_type(t), AnyType)
    }
    sizes = {v.id: solved[v.id] for v in forward.variables if v.id in solved and _is_size(v)}
    if not sizes:
        return forward
    return forward.copy_modified(
        arg_types=[expand_type(t, sizes) for t in forward.arg_types],
        ret_type=expand_type(forward.ret_type, sizes),
        variables=[v for v in forward.variables if v.id not in sizes],
    )


def _is_size(v: object) -> bool:
    return isinstance(v, TypeVarType) and is_int_bound(v)


def _forget(t: Type, sizes: list[Type]) -> Type:
    """``t`` (a tensor, or a tuple of them) with each of ``sizes`` replaced by ``Any``."""
    p = get_proper_type(t)
    if isinstance(p, Instance) and p.type.fullname == TENSOR and p.args:
        anything = AnyType(TypeOfAny.special_form)
        dims = [anything if any(is_same_type(a, s) for s in sizes) else a for a in p.args[:-1]]
        return p.copy_modified(args=[*dims, p.args[-1]])
    if isinstance(p, TupleType):
        return p.copy_modified(items=[_forget(item, sizes) for item in p.items])
    return t


def _solve(
    forward: CallableType, actual_types: dict[int, Type], free: set[TypeVarId]
) -> dict[TypeVarId, Type]:
    """Each of ``forward``'s own TypeVars as the one type its arguments bind it to; ``Any``
    where they bind it to none, or to two that differ (the misfit)."""
    found: dict[TypeVarId, list[Type]] = {}
    for i, actual in actual_types.items():
        for c in infer_constraints(forward.arg_types[i], actual, SUPERTYPE_OF):
            if c.type_var in free:
                found.setdefault(c.type_var, []).append(c.target)
    anything = AnyType(TypeOfAny.special_form)
    out: dict[TypeVarId, Type] = {}
    for tv in forward.variables:
        targets = found.get(tv.id, [])
        one = targets[0] if targets and all(is_same_type(t, targets[0]) for t in targets) else None
        out[tv.id] = (
            one
            if one is not None and not isinstance(get_proper_type(one), UninhabitedType)
            else anything
        )
    return out


def checked_constructor(
    api: CheckerPluginInterface,
    sig: CallableType,
    args: list[list[Expression]],
    context: Context,
) -> CallableType:
    """The constructor of a user's module assigned to a declared type (``self.norm:
    RMSNorm[D] = RMSNorm(hidden_dim)``): a size argument bound to a class TypeVar that certainly
    differs from the declared type's size is a ``dfdx-shape`` error naming it, and the argument
    then takes anything (mypy would report the argument without naming the declared type)."""
    contexts = getattr(api, "expr_checker", None)
    expected = get_proper_type(contexts.type_context[-1]) if contexts is not None else None
    ret = get_proper_type(sig.ret_type)
    if not (
        isinstance(context, CallExpr)
        and isinstance(expected, Instance)
        and isinstance(ret, Instance)
        and expected.type is ret.type
        and len(expected.args) == len(ret.type.defn.type_vars)
    ):
        return sig
    where = destination(api, context) or item_destination(api, context)
    positions = {tv.id: i for i, tv in enumerate(ret.type.defn.type_vars)}
    loosened = list(sig.arg_types)
    for i, (formal, actuals) in enumerate(zip(sig.arg_types, args, strict=True)):
        tv = get_proper_type(formal)
        if not isinstance(tv, TypeVarType) or tv.id not in positions or len(actuals) != 1:
            continue
        want = expected.args[positions[tv.id]]
        got = api.get_expression_type(actuals[0])
        n = literal_int(got)
        folded = False
        if n is None:  # arithmetic on literals (``16 + 8``): mypy's type is ``int``
            syms: dict[str, Type] = {}
            value = size_of(
                got,
                actuals[0],
                type_of(api),
                syms,
                size_definitions(api),
                lambda e: window_parameter(api, e),
            )
            n, folded = (value, True) if isinstance(value, int) else (None, False)
            if isinstance(value, str) and (not value.isidentifier() or window_in_scope(api, value)):
                # arithmetic on the enclosing module's sizes (``2 * g``): its ``Expr``
                size = dim_type(value, syms, api.named_generic_type("builtins.int", []), api)
                if not isinstance(get_proper_type(size), AnyType):
                    got, folded = size, True
        if n is not None:
            got = LiteralType(n, api.named_generic_type("builtins.int", []))
        if folded and is_subtype(got, want):
            # the literal that user_module_constructor gave the type: mypy would check the
            # argument's ``int`` against it
            loosened[i] = api.named_generic_type("builtins.int", [])
            continue
        if (
            where is None
            or not (_fixed_size(got, set()) and _fixed_size(want, set()))
            or is_subtype(got, want)
        ):
            continue
        g, w = shapes.fmt_dim(read_dim(got, {})), shapes.fmt_dim(read_dim(want, {}))
        name = sig.arg_names[i] or f"argument {i + 1}"
        api.fail(
            f"{ret.type.name}: {name} is {g}, {where} is {_module_name(expected)} ({g} != {w})",
            actuals[0],  # the argument's line, in a call over several lines
            code=DFDX_SHAPE,
        )
        loosened[i] = AnyType(TypeOfAny.special_form)
    return sig if loosened == sig.arg_types else sig.copy_modified(arg_types=loosened)


# ---- Sequential[i]: the layer's own type --------------------------------------------------------


def sequential_item(call: Call) -> Type:
    """``seq[1]`` with a literal index is the type of that layer (the plain signature says
    ``Module``); an index out of range is the runtime's ``IndexError``, left to it."""
    context = call.context
    if isinstance(context, IndexExpr) and grown(call.api, context.base):
        raise Unknown  # ``add_module`` appended layers its type does not hold
    layers = _layers(_module(call.operands[0]))
    i = literal_int(call.operands[1]) if len(call.operands) > 1 else None
    if i is None:
        i = literal_int(call.arg("i"))
    if i is None or not -len(layers) <= i < len(layers):
        raise Unknown
    return layers[i]


METHOD_RULES[f"{SEQUENTIAL}.__getitem__"] = Rule("Sequential[i]", sequential_item)


# ---- where a Sequential's misfit is reported ---------------------------------------------------


def _truncates(window: shapes.Window, x: shapes.Shape) -> bool:
    """Whether a strided window leaves rows or columns of ``x`` unread (PyTorch floors
    ``(n + 2p - d(k - 1) - 1) / s``): a sign that the size it was given is not the one its
    window was chosen for. A transposed convolution reads every input."""
    if "output_padding" in window or len(x) < 2:
        return False
    pairs = [window.get(a, (1, 1)) for a in ("kernel_size", "stride", "padding", "dilation")]
    if not all(isinstance(v, tuple) for v in pairs):
        return False
    for axis, n in enumerate(x[-2:]):
        k, s, p, d = (v[axis] for v in pairs if isinstance(v, tuple))
        if not all(isinstance(v, int) for v in (n, k, s, p, d)):
            continue  # a symbolic window: its sizes are followed, not guessed
        assert isinstance(n, int) and isinstance(k, int) and isinstance(s, int)
        assert isinstance(p, int) and isinstance(d, int)
        if s > 1 and (n + 2 * p - d * (k - 1) - 1) % s:
            return True
    return False


def sequential_places(seq: Instance, x: TensorType | None, axes: frozenset[int]) -> list[int]:
    """The layers of ``seq`` where its result's ``axes`` do not fit what its value goes to:
    the last layer that sets them; for spatial sizes, where a strided window leaves part of
    its input unread, that layer and the one before it that set the size it was given
    (a convolution without its stride two layers before the end gives no other sign)."""
    layers = _layers(seq)
    rank = len(x.shape) if x is not None else None
    setters = [i for i, layer in enumerate(layers) if rank and axes & set_axes(layer, rank)]
    if not setters:
        return []
    if x is None or not any(a >= 2 for a in axes):
        return setters[-1:]
    shape = x.shape
    spatial: list[int] = []
    for i, layer in enumerate(layers):
        spec = _layer(layer)
        if spec is None:
            if keeps_shape(layer):
                continue
            break
        window = _read_window(layer, spec) if spec.window else None
        if window is not None and spec.output is not None:
            if _truncates(window, shape) and spatial:
                return [spatial[-1], i]
            spatial.append(i)
        try:
            out = shapes.output_shape(spec, shape, _dims(layer, spec), window)
        except shapes.ShapeError:
            break
        if out is None:
            break
        shape = out
    return setters[-1:]
