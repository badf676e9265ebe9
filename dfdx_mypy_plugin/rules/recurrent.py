"""Recurrent layers (``RNN``, ``LSTM``, ``GRU``): their sizes and layout put into their type
where they are built, their input and initial states checked and their results' sizes computed
where they are called.

``LSTM(32, 64, num_layers=2, bidirectional=True)`` becomes ``LSTM[Literal[32], Literal[64],
tuple[Literal[2], Literal[True], Literal[False]]]`` (``input_size``, ``hidden_size``, then
``num_layers``, ``bidirectional``, ``batch_first``); a size read from a module's argument or
TypeVar is kept as that name (``LSTM[Expr[L["embed"]], Expr[L["hidden"]], ...]``), an argument
that is not known (``bidirectional=bidirectional``) is ``int`` or ``bool`` in the tuple, and
the sizes that depend on it are then ``Dyn``. ``lstm(x)`` is ``(output, (h_n, c_n))`` with
``output`` ``(L, N, directions * hidden_size)`` (``(N, L, ...)`` batch first) and the states
``(num_layers * directions, N, hidden_size)`` (:func:`shapes.recurrent`, the runtime's check).

The cells (``LSTMCell``, ``GRUCell``: one step) are typed ``LSTMCell[Literal[32], Literal[64]]``
(``input_size``, ``hidden_size``) where built; ``cell(x, (h, c))`` is ``(h, c)``, each ``(N,
hidden_size)`` for ``x`` ``(N, input_size)`` (``(hidden_size,)`` unbatched), the input's
features and the given states checked (:func:`shapes.recurrent_cell`).
"""

from __future__ import annotations

from mypy.nodes import CallExpr, MemberExpr
from mypy.types import (
    AnyType,
    Instance,
    LiteralType,
    NoneType,
    ProperType,
    TupleType,
    Type,
    TypeOfAny,
    get_proper_type,
)

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import (
    TENSOR,
    TensorType,
    Unknown,
    dim_type,
    expr_type,
    literal_bool,
    merge_tapes,
    read_dim,
    read_tensor,
    tensor_type,
)
from dfdx_mypy_plugin._window_parameters import in_scope as window_in_scope
from dfdx_mypy_plugin.rules import FUNCTION_RULES, METHOD_RULES, Call, Rule, _in_scope
from dfdx_mypy_plugin.rules.nn import _built_field_type, _fit_declared, _int_type, _symbolic

_R = "dfdx.nn.recurrent"
RECURRENT = {f"{_R}.{name}": name for name in ("RNN", "LSTM", "GRU")}
"""The recurrent layers by fully qualified name."""

_SIZES = ("input_size", "hidden_size", "num_layers")
_SWITCHES = ("bidirectional", "batch_first")


def _size(call: Call, name: str) -> shapes.Dim:
    """A size argument as the plugin folds it; ``num_layers`` is 1 where left out."""
    if not call.has(name):
        return 1 if name == "num_layers" else None
    if literal_bool(call.arg(name)) is not None:
        return None  # a bool is the runtime's ValueError, read as no size here
    return call.named_size(name)


def _switch(call: Call, name: str) -> bool | None:
    """``bidirectional=`` or ``batch_first=``: False where left out, None where not a literal."""
    return literal_bool(call.arg(name)) if call.has(name) else False


def _size_type(call: Call, d: shapes.Dim) -> Type:
    """A size in the layer's type: a literal, a size TypeVar, a size of the module's ``int``
    arguments (``Expr[L["num_layers"]]``), else ``int``."""
    int_type = _int_type(call)
    if isinstance(d, int):
        return LiteralType(d, int_type)
    if d is None:
        return int_type
    t = get_proper_type(dim_type(d, call.syms, int_type, call.api))
    if d.isidentifier() and window_in_scope(call.api, d):
        t = get_proper_type(expr_type(d, call.api) or t)
    return int_type if isinstance(t, AnyType) else t


def _switch_type(call: Call, b: bool | None) -> Type:
    bool_type = call.api.named_generic_type("builtins.bool", [])
    return bool_type if b is None else LiteralType(b, bool_type)


def _new(call: Call) -> Type:
    default = get_proper_type(call.default)
    if not isinstance(default, Instance) or len(default.args) != 3:
        raise Unknown  # a subclass: its type parameters may mean something else
    sizes = [_size(call, name) for name in _SIZES]
    for name, d in zip(_SIZES, sizes, strict=True):
        if isinstance(d, int) and d < 1:
            raise shapes.ShapeError(f"{call.op}: {name} must be an int > 0, got {d}")
    args: list[Type] = []
    for i, (d, old) in enumerate(zip(sizes[:2], default.args, strict=False)):
        if isinstance(d, int):
            args.append(LiteralType(d, _int_type(call)))
        elif isinstance(d, str):
            args.append(_symbolic(call, d, default.type, i) or old)
        else:
            args.append(old)
    layout = [
        _size_type(call, sizes[2]),
        *(_switch_type(call, _switch(call, n)) for n in _SWITCHES),
    ]
    anything = AnyType(TypeOfAny.special_form)
    fallback = call.api.named_generic_type("builtins.tuple", [anything])
    built = default.copy_modified(args=[*args, TupleType(layout, fallback)])
    return _fit_declared(call, built)


def _as_built(call: Call, module: Instance) -> Instance:
    """``module``, or the value its field was built with where its type leaves a size or the
    layout out (a field declared ``LSTM`` or ``LSTM[L[32], L[64]]``)."""
    context = call.context
    if not any(isinstance(get_proper_type(a), AnyType) for a in module.args):
        return module
    if not isinstance(context, CallExpr) or not isinstance(context.callee, MemberExpr):
        return module
    built = _built_field_type(call.api, context.callee)
    if built is None or built.type is not module.type or len(built.args) != 3:
        return module
    args = [
        b if isinstance(get_proper_type(a), AnyType) else a
        for a, b in zip(module.args, built.args, strict=True)
    ]
    return module.copy_modified(args=args)


def _layout(call: Call, module: Instance) -> tuple[shapes.Dim, bool | None, bool | None]:
    """``num_layers``, ``bidirectional`` and ``batch_first`` from the layer's type."""
    hyper = get_proper_type(module.args[2])
    if not isinstance(hyper, TupleType) or len(hyper.items) != 3:
        return None, None, None
    layers = _read_size(hyper.items[0], call)
    return layers, literal_bool(hyper.items[1]), literal_bool(hyper.items[2])


def _read_size(t: Type, call: Call) -> shapes.Dim:
    try:
        return call.in_scope(read_dim(t, call.syms))
    except Unknown:
        return None


def _state(t: Type | None) -> TensorType | None:
    """An initial state: a tensor, or None where it is absent, ``None`` or not known."""
    if t is None or isinstance(get_proper_type(t), NoneType):
        return None
    try:
        return read_tensor(t)
    except Unknown:  # (not a tensor of known rank: the runtime checks it)
        return None


def _states(call: Call, lstm: bool) -> list[TensorType | None]:
    """The initial states given as ``hx``: ``(h_0, c_0)`` for an LSTM, ``h_0`` otherwise."""
    if not call.has("hx"):
        return []
    hx = get_proper_type(call.arg("hx"))
    if isinstance(hx, NoneType):
        return []
    if lstm:
        return [_state(i) for i in hx.items] if isinstance(hx, TupleType) else []
    return [_state(hx)]


def _template(default: ProperType) -> Instance:
    """A ``Tensor`` Instance of the plain result to build the results on."""
    while isinstance(default, TupleType) and default.items:
        default = get_proper_type(default.items[0])
    if isinstance(default, Instance) and default.type.fullname == TENSOR:
        return default
    raise Unknown


def _call(call: Call) -> Type:
    if not call.operands:
        raise Unknown
    module = get_proper_type(call.operands[0])
    if not isinstance(module, Instance) or module.type.fullname not in RECURRENT:
        raise Unknown
    if len(module.args) != 3 or not call.has("x"):
        raise Unknown
    x = _in_scope(read_tensor(call.arg("x")), call.api)
    module = _as_built(call, module)
    syms = dict(x.syms)
    syms.update(call.syms)
    input_size = _read_size(module.args[0], call)
    hidden = _read_size(module.args[1], call)
    layers, bidirectional, batch_first = _layout(call, module)
    lstm = module.type.name == "LSTM"
    given = _states(call, lstm)
    for s in given:
        if s is not None:
            syms.update(s.syms)
    name = module.type.name
    out, state = shapes.recurrent(
        name,
        x.shape,
        input_size,
        hidden,
        layers,
        bidirectional,
        batch_first,
        [None if s is None else s.shape for s in given],
    )
    tape = merge_tapes([x.tape, *(s.tape for s in given if s is not None)])
    default = get_proper_type(call.default)
    template = _template(default)
    int_type = _int_type(call)
    output = tensor_type(template, out, tape, syms, int_type, call.api)
    h_n = tensor_type(template, state, tape, syms, int_type, call.api)
    if not isinstance(default, TupleType) or len(default.items) != 2:
        raise Unknown
    finals = get_proper_type(default.items[1])
    if lstm:
        if not isinstance(finals, TupleType) or len(finals.items) != 2:
            raise Unknown
        states: Type = finals.copy_modified(items=[h_n, h_n])
    else:
        states = h_n
    return default.copy_modified(items=[output, states])


for _fullname, _name in RECURRENT.items():
    FUNCTION_RULES[_fullname] = Rule(_name, _new)
    for _method in ("__call__", "forward"):
        METHOD_RULES[f"{_fullname}.{_method}"] = Rule(_name, _call)


# ---- cells -------------------------------------------------------------------------------------

CELLS = {f"{_R}.{name}": name for name in ("LSTMCell", "GRUCell")}
"""The one-step cells by fully qualified name."""


def _new_cell(call: Call) -> Type:
    """``LSTMCell(input_size, hidden_size)``: the two sizes in its type."""
    default = get_proper_type(call.default)
    if not isinstance(default, Instance) or len(default.args) != 2:
        raise Unknown  # a subclass: its type parameters may mean something else
    args: list[Type] = []
    for i, (name, old) in enumerate(zip(_SIZES[:2], default.args, strict=True)):
        d = _size(call, name)
        if isinstance(d, int) and d < 1:
            raise shapes.ShapeError(f"{call.op}: {name} must be an int > 0, got {d}")
        if isinstance(d, int):
            args.append(LiteralType(d, _int_type(call)))
        elif isinstance(d, str):
            args.append(_symbolic(call, d, default.type, i) or old)
        else:
            args.append(old)
    return _fit_declared(call, default.copy_modified(args=args))


def _built_cell(call: Call, module: Instance) -> Instance:
    """``module``, or the value its field was built with where its type leaves a size out (a
    field declared ``GRUCell``), as :func:`_as_built`."""
    context = call.context
    if not any(isinstance(get_proper_type(a), AnyType) for a in module.args):
        return module
    if not isinstance(context, CallExpr) or not isinstance(context.callee, MemberExpr):
        return module
    built = _built_field_type(call.api, context.callee)
    if built is None or built.type is not module.type or len(built.args) != 2:
        return module
    args = [
        b if isinstance(get_proper_type(a), AnyType) else a
        for a, b in zip(module.args, built.args, strict=True)
    ]
    return module.copy_modified(args=args)


def _cell_call(call: Call) -> Type:
    if not call.operands:
        raise Unknown
    module = get_proper_type(call.operands[0])
    if not isinstance(module, Instance) or module.type.fullname not in CELLS:
        raise Unknown
    if len(module.args) != 2 or not call.has("x"):
        raise Unknown
    x = _in_scope(read_tensor(call.arg("x")), call.api)
    module = _built_cell(call, module)
    lstm = module.type.name == "LSTMCell"
    given = _states(call, lstm)
    syms = dict(x.syms)
    syms.update(call.syms)
    for s in given:
        if s is not None:
            syms.update(s.syms)
    shape = shapes.recurrent_cell(
        module.type.name,
        x.shape,
        _read_size(module.args[0], call),
        _read_size(module.args[1], call),
        [None if s is None else s.shape for s in given],
    )
    tape = merge_tapes([x.tape, *(s.tape for s in given if s is not None)])
    default = get_proper_type(call.default)
    state = tensor_type(_template(default), shape, tape, syms, _int_type(call), call.api)
    if not lstm:
        return state
    if not isinstance(default, TupleType) or len(default.items) != 2:
        raise Unknown
    return default.copy_modified(items=[state, state])


for _fullname, _name in CELLS.items():
    FUNCTION_RULES[_fullname] = Rule(_name, _new_cell)
    for _method in ("__call__", "forward"):
        METHOD_RULES[f"{_fullname}.{_method}"] = Rule(_name, _cell_call)
