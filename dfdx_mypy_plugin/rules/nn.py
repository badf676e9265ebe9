"""Modules of ``dx.nn``: sizes read into the type at construction, Sequential chains checked
where they are built, and shapes folded through the layers where a module is called.

- ``Linear(784, 10)`` is ``Linear[Literal[784], Literal[10]]`` (likewise ``Conv2d``'s channels,
  ``LayerNorm``/``BatchNorm``'s features, ``Embedding``'s sizes, ``Flatten``'s axes); a size
  that is not a literal stays ``Any`` (the plain signature's answer). ``Conv2d`` and the pools
  also record their window arguments (kernel, stride, padding, dilation, groups) as a tuple
  of literal pairs in their last type parameter, so that their output sizes can be computed.
- ``Sequential(...)`` keeps its layers' types in a tuple (``Sequential[tuple[Linear[L[784],
  L[512]], ReLU, ...]]``, from the plain signature); the rule checks each layer's input size
  against the last layer before it that set that size (:func:`shapes.sequential_chain`, which
  the runtime's ``Sequential`` runs too).
- ``seq(x)`` folds ``x``'s shape through the layers with the runtime's shape rules; a layer the
  rule does not know (a user's module) is called as mypy would call it (its ``forward`` where
  it inherits ``Module.__call__``). ``lin(x)``, ``conv(x)``, ... get the runtime's messages.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from mypy.errorcodes import ARG_TYPE
from mypy.nodes import ARG_POS, Expression, IntExpr, OpExpr, TempNode, TypeInfo, UnaryExpr
from mypy.subtypes import is_subtype
from mypy.types import Instance, LiteralType, TupleType, Type, TypeVarType, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import (
    TensorType,
    Unknown,
    is_int_bound,
    literal_int,
    read_dim,
    read_tensor,
)
from dfdx_mypy_plugin.codes import DFDX_SHAPE
from dfdx_mypy_plugin.rules import METHOD_RULES, Call, Rule, rule

_NN = "dfdx.nn"
LINEAR = f"{_NN}._linear.Linear"
CONV2D = f"{_NN}._layers.Conv2d"
LAYER_NORM = f"{_NN}._layers.LayerNorm"
BATCH_NORM_1D = f"{_NN}._layers.BatchNorm1d"
BATCH_NORM_2D = f"{_NN}._layers.BatchNorm2d"
EMBEDDING = f"{_NN}._layers.Embedding"
FLATTEN = f"{_NN}._layers.Flatten"
SEQUENTIAL = f"{_NN}._containers.Sequential"
MODULE = f"{_NN}._module.Module"
RESIDUAL = f"{_NN}._containers.Residual"
SAME_SHAPE = frozenset(
    f"{_NN}._layers.{name}" for name in ("ReLU", "GELU", "Sigmoid", "Tanh", "Softmax", "Dropout")
)
POOLS = frozenset({f"{_NN}._layers.MaxPool2d", f"{_NN}._layers.AvgPool2d"})

SIZES: dict[str, tuple[tuple[str, int | None], ...]] = {
    LINEAR: (("in_features", None), ("out_features", None)),
    CONV2D: (("in_channels", None), ("out_channels", None)),
    LAYER_NORM: (("normalized_shape", None),),
    BATCH_NORM_1D: (("num_features", None),),
    BATCH_NORM_2D: (("num_features", None),),
    EMBEDDING: (("num_embeddings", None), ("embedding_dim", None)),
    FLATTEN: (("start_axis", 1), ("end_axis", -1)),
}
"""Each module's type parameters: the constructor argument behind each, and its default."""


def _int_type(call: Call) -> Instance:
    return call.api.named_generic_type("builtins.int", [])


def _module(t: Type) -> Instance:
    p = get_proper_type(t)
    if not isinstance(p, Instance):
        raise Unknown
    return p


def _constant(e: Expression | None) -> int | None:
    """The value of an int expression built from literals (``8 * 14 * 14``), else None."""
    if isinstance(e, IntExpr):
        return e.value
    if isinstance(e, UnaryExpr) and e.op == "-":
        v = _constant(e.expr)
        return None if v is None else -v
    if isinstance(e, OpExpr) and e.op in _ARITHMETIC:
        a, b = _constant(e.left), _constant(e.right)
        if a is None or b is None or (e.op == "//" and b == 0):
            return None
        return _ARITHMETIC[e.op](a, b)
    return None


_ARITHMETIC: dict[str, Callable[[int, int], int]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "//": operator.floordiv,
}


def _size_arg(call: Call, name: str) -> int | None:
    n = literal_int(call.arg(name))
    return n if n is not None else _constant(call.named_exprs.get(name))


def _constructor(call: Call) -> Type:
    default = _module(call.default)
    kind = default.type.fullname
    params = SIZES.get(kind, ())
    hyper = HYPER.get(kind)
    if len(default.args) != len(params) + (hyper is not None):
        raise Unknown
    args: list[Type] = []
    for (name, fallback), old in zip(params, default.args, strict=False):
        n = _size_arg(call, name) if call.has(name) else fallback
        if n is None:
            args.append(_symbolic(call, name, default.type, len(args)) or old)
        elif n < 0 and kind != FLATTEN:
            args.append(old)
        else:
            args.append(LiteralType(n, _int_type(call)))
    if hyper is not None:
        args.append(_hyper_type(call, hyper) or default.args[-1])
    return default.copy_modified(args=args)


def _symbolic(call: Call, name: str, info: TypeInfo, i: int) -> Type | None:
    """An int-bound TypeVar passed as a size (``Linear(features, 512)`` with ``features: F``),
    where the class's own type parameter accepts it; else None (the plain answer stands)."""
    if not call.has(name):
        return None
    t = get_proper_type(call.arg(name))
    if not isinstance(t, TypeVarType) or not is_int_bound(t) or i >= len(info.defn.type_vars):
        return None
    param = info.defn.type_vars[i]
    if not isinstance(param, TypeVarType) or param.values:
        return None
    return t if is_subtype(t.upper_bound, param.upper_bound) else None


HYPER: dict[str, tuple[tuple[str, int | None], ...]] = {
    CONV2D: (("kernel_size", None), ("stride", 1), ("padding", 0), ("dilation", 1)),
    **{pool: (("kernel_size", None), ("stride", None), ("padding", 0)) for pool in POOLS},
}
"""Conv2d's and the pools' window arguments, kept in their last type parameter as a tuple of
literal pairs (Conv2d's ends with ``groups``): ``tuple[tuple[L[3], L[3]], ...]``."""


def _pair_arg(call: Call, name: str, fallback: int | None) -> tuple[int, int] | None:
    """A window argument as two ints: a literal int, a tuple of two, or absent (``fallback``;
    None for a required argument or the pools' stride, which defaults to the kernel)."""
    if not call.has(name):
        return None if fallback is None else (fallback, fallback)
    t = get_proper_type(call.arg(name))
    if isinstance(t, TupleType):
        items = [literal_int(i) for i in t.items]
        if len(items) == 2 and items[0] is not None and items[1] is not None:
            return (items[0], items[1])
        return None
    n = _size_arg(call, name)
    return None if n is None else (n, n)


def _hyper_type(call: Call, hyper: tuple[tuple[str, int | None], ...]) -> Type | None:
    int_type = _int_type(call)
    pairs: list[tuple[int, int]] = []
    for name, fallback in hyper:
        pair = _pair_arg(call, name, fallback)
        if pair is None and name == "stride" and pairs and not call.has("stride"):
            pair = pairs[0]  # a pool's stride defaults to its kernel
        if pair is None:
            return None
        pairs.append(pair)
    tuple_type = call.api.named_generic_type("builtins.tuple", [int_type])
    items: list[Type] = [
        TupleType([LiteralType(a, int_type), LiteralType(b, int_type)], tuple_type)
        for a, b in pairs
    ]
    if call.default is not None and _module(call.default).type.fullname == CONV2D:
        groups = _size_arg(call, "groups") if call.has("groups") else 1
        if groups is None:
            return None
        items.append(LiteralType(groups, int_type))
    return TupleType(items, tuple_type)


def _read_hyper(layer: Instance) -> list[tuple[int, ...] | int] | None:
    """The window arguments the constructor rule recorded, or None if it recorded none."""
    t = get_proper_type(layer.args[-1]) if layer.args else None
    if not isinstance(t, TupleType):
        return None
    out: list[tuple[int, ...] | int] = []
    for item in t.items:
        p = get_proper_type(item)
        if isinstance(p, TupleType):
            values = [literal_int(i) for i in p.items]
            if any(v is None for v in values):
                return None
            out.append(tuple(v for v in values if v is not None))
        else:
            n = literal_int(p)
            if n is None:
                return None
            out.append(n)
    return out


for _fullname in (*SIZES, *POOLS):
    rule(_fullname.rsplit(".", 1)[1], functions=(_fullname,))(_constructor)


# ---- naming and reading modules ----------------------------------------------------------------


def _dims(layer: Instance) -> list[shapes.Dim]:
    """The sizes among a layer's type parameters (not Conv2d's window arguments)."""
    n = len(SIZES.get(layer.type.fullname, ()))
    return [read_dim(a, {}) for a in layer.args[:n]]


def layer_name(layer: Instance) -> str:
    """``Linear[256, 10]``, ``ReLU``: a layer as its messages write it."""
    short = layer.type.name
    if layer.type.fullname not in SIZES or layer.type.fullname == FLATTEN:
        return short
    try:
        dims = _dims(layer)
    except Unknown:
        return short
    return f"{short}[{', '.join(shapes.fmt_dim(d) for d in dims)}]"


def _layers(seq: Instance) -> list[Instance]:
    if not seq.args:
        raise Unknown
    items = get_proper_type(seq.args[0])
    if not isinstance(items, TupleType):
        raise Unknown
    return [_module(t) for t in items.items]


# ---- Sequential: the chain checked where it is built -------------------------------------------

KNOWN = frozenset({*SIZES, *SAME_SHAPE, *POOLS, SEQUENTIAL, RESIDUAL})


def _check_chain(layers: list[Instance]) -> None:
    """The runtime's chain rule (:func:`shapes.sequential_chain`) on the layers' types."""
    chain: list[tuple[str, str, list[shapes.Dim]]] = []
    for layer in layers:
        kind = layer.type.name if layer.type.fullname in KNOWN else "?"
        try:
            dims = _dims(layer)
        except Unknown:
            dims = [None] * len(SIZES.get(layer.type.fullname, ()))
        chain.append((kind, layer_name(layer), dims))
    shapes.sequential_chain(chain)


@rule("Sequential", functions=(SEQUENTIAL,))
def sequential(call: Call) -> Type:
    result = _module(call.default)
    layers = _layers(result)
    if not call.report:  # the function hook: it runs once, after the layers are typed
        for i, layer in enumerate(layers, 1):
            if not layer.type.has_base(MODULE):
                message = f"Sequential: layer {i} is a {layer.type.name}, not a dx.nn.Module"
                call.api.fail(message, call.context, code=ARG_TYPE)
                return result
        try:
            _check_chain(layers)
        except shapes.ShapeError as e:
            call.api.fail(str(e), call.context, code=DFDX_SHAPE)
    return result


# ---- calling a module: the input's shape folded through ----------------------------------------


def _fold(call: Call, layer: Instance, x: TensorType) -> TensorType:
    """The shape of ``layer(x)``, checked with the runtime's rules."""
    kind = layer.type.fullname
    shape = x.shape
    if kind in SAME_SHAPE:
        return x
    if kind == SEQUENTIAL:
        layers = _layers(layer)
        try:
            _check_chain(layers)
        except shapes.ShapeError:
            raise Unknown from None  # reported once, where the Sequential is built
        for inner in layers:
            x = _fold(call, inner, x)
        return x
    if kind == RESIDUAL:
        if not layer.args:
            raise Unknown
        inner = _module(layer.args[0])
        y = _fold(call, inner, x)
        shapes.residual(inner.type.name, shape, y.shape)
        return x
    if kind in POOLS:
        hyper = _read_hyper(layer)
        if hyper is None:
            shapes.channels(layer.type.name, shape, (4,), None)
            return TensorType((shape[0], shape[1], None, None), x.tape, x.syms)
        k, s, p = (h for h in hyper if isinstance(h, tuple))
        op = "max_pool2d" if layer.type.name == "MaxPool2d" else "avg_pool2d"
        return TensorType(shapes.pool(op, shape, k, s, p), x.tape, x.syms)
    if kind == FLATTEN:
        start, end = (literal_int(a) for a in layer.args)
        if start is None or end is None:
            raise Unknown
        return TensorType(shapes.flatten(shape, start, end), x.tape, x.syms)
    if kind in SIZES:
        dims = _dims(layer)
        name = layer_name(layer)
        if kind == LINEAR:
            return TensorType(shapes.linear(shape, dims[0], dims[1]), x.tape, x.syms)
        if kind == LAYER_NORM:
            shapes.features(name, shape, dims[0])
            return x
        if kind == BATCH_NORM_1D:
            shapes.channels(name, shape, (2, 3), dims[0])
            return x
        if kind == BATCH_NORM_2D:
            shapes.channels(name, shape, (4,), dims[0])
            return x
        if kind == EMBEDDING:
            return TensorType((*shape, dims[1]), x.tape, x.syms)
        if kind == CONV2D:
            hyper = _read_hyper(layer)
            if hyper is None or not isinstance(hyper[-1], int):
                shapes.channels(name, shape, (4,), dims[0])
                return TensorType((shape[0], dims[1], None, None), x.tape, x.syms)
            k, s, p, d = (h for h in hyper[:4] if isinstance(h, tuple))
            groups = hyper[-1]
            per_group = dims[0] // groups if isinstance(dims[0], int) and groups else None
            w = (dims[1], per_group, *k)
            return TensorType(shapes.conv("conv2d", shape, w, s, p, d, groups), x.tape, x.syms)
    return read_tensor(_call_as_mypy_would(call, layer, x))


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
    with msg.filter_errors() as watcher:
        out, _ = checker.check_method_call_by_name(method, layer, [arg], [ARG_POS], call.context)
    if watcher.has_new_errors() or not isinstance(out, Type):
        raise Unknown
    return out


def _called(fold: Callable[[Call, Instance, TensorType], TensorType]) -> Callable[[Call], Type]:
    def run(call: Call) -> Type:
        if not call.operands:
            raise Unknown
        layer = _module(call.operands[0])
        x = call.tensor(1) if len(call.operands) > 1 else read_tensor(call.arg("x"))
        y = fold(call, layer, x)
        return call.result(y.shape, y.tape, x, y)

    return run


_CALLED = (SEQUENTIAL, RESIDUAL, LINEAR, CONV2D, LAYER_NORM, BATCH_NORM_1D, BATCH_NORM_2D)
for _fullname in (*_CALLED, EMBEDDING, FLATTEN, *POOLS):
    METHOD_RULES[f"{_fullname}.__call__"] = Rule(_fullname.rsplit(".", 1)[1], _called(_fold))
