"""Attention modules: ``MultiHeadAttention``'s heads where it is built, its query, key and
value where it is called; the heads of the transformer layers where they are built, and their
sequences' feature sizes where they are called; ``scaled_dot_product_attention``'s operands.

``MultiHeadAttention(64, 8)`` becomes ``MultiHeadAttention[Literal[64], Literal[8]]`` (and
``TransformerEncoderLayer(64, 8)`` a ``TransformerEncoderLayer[Literal[64]]``), so a call
knows ``embed_dim``; a size that is not a literal stays as the plain signature has it.
Constructors and ``__call__`` of modules are keyed by the class's fully qualified name
(mypy's function hook for a class call, its method hook for ``module(...)``).
"""

from __future__ import annotations

from mypy.types import Instance, LiteralType, NoneType, Type, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import (
    TensorType,
    Unknown,
    dim_type,
    literal_bool,
    merge_tapes,
    read_dim,
    read_tensor,
)
from dfdx_mypy_plugin.rules import FUNCTION_RULES, METHOD_RULES, Call, Rule, rule

MHA = "dfdx.nn.attention.MultiHeadAttention"
LAYERS = {
    "dfdx.nn.transformer.TransformerEncoderLayer": "TransformerEncoderLayer",
    "dfdx.nn.transformer.TransformerDecoderLayer": "TransformerDecoderLayer",
    "dfdx.nn.transformer.Transformer": "Transformer",
}


def _size(call: Call, name: str) -> shapes.Dim:
    """A size argument as the plugin folds it (``3 * cfg.n_embd``, a ``Final`` constant, a
    size from ``.shape``): an int, a TypeVar's name, or None (unknown, or absent)."""
    if not call.has(name) or literal_bool(call.arg(name)) is not None:
        return None
    return call.named_size(name)


def _module_type(call: Call, sizes: list[shapes.Dim]) -> Type:
    """mypy's constructor result with the known sizes put in its first type arguments (the
    others, a transformer layer's layout, stay as the signature gives them)."""
    default = get_proper_type(call.default)
    if not isinstance(default, Instance) or len(default.args) < len(sizes):
        raise Unknown
    int_type = call.api.named_generic_type("builtins.int", [])
    args = [
        dim_type(n, call.syms, int_type) if n is not None else a
        for n, a in zip(sizes, default.args, strict=False)
    ]
    return default.copy_modified(args=[*args, *default.args[len(sizes) :]])


def _mha_new(call: Call) -> Type:
    for name in ("embed_dim", "num_heads"):  # a bool is the runtime's TypeError
        b = literal_bool(call.arg(name)) if call.has(name) else None
        if b is not None:
            wanted = f"{name} must be an int"
            raise shapes.ShapeError(shapes.not_an_int("MultiHeadAttention", wanted, b))
    e, h = _size(call, "embed_dim"), _size(call, "num_heads")
    shapes.attention_heads("MultiHeadAttention", e, h)
    return _module_type(call, [e, h])


def _layer_new(call: Call) -> Type:
    e = _size(call, "d_model")
    h = _size(call, "nhead")
    shapes.attention_heads(call.op, e, h, ("d_model", "nhead"))
    layer = get_proper_type(_module_type(call, [e]))
    if not isinstance(layer, Instance) or len(layer.args) != 2:
        return layer
    # the layout, from ``batch_first=`` (True where it is left out); a value that is not a
    # literal leaves the signature's ``bool``
    first = literal_bool(call.arg("batch_first")) if call.has("batch_first") else True
    if first is None:
        return layer
    layout = LiteralType(first, call.api.named_generic_type("builtins.bool", []))
    return layer.copy_modified(args=[layer.args[0], layout])


def _tensor_arg(call: Call, name: str) -> TensorType | None:
    """A tensor argument; None where it is absent or ``None``."""
    if not call.has(name) or isinstance(get_proper_type(call.arg(name)), NoneType):
        return None
    return read_tensor(call.arg(name))


def _mask_shape(call: Call, name: str) -> shapes.Shape | None:
    """A mask argument's shape; None where it is absent, ``None`` or not a known tensor."""
    try:
        t = _tensor_arg(call, name)
    except Unknown:
        return None
    return None if t is None else t.shape


def _mha_call(call: Call) -> Type:
    if not call.operands:
        raise Unknown
    module = get_proper_type(call.operands[0])
    if not isinstance(module, Instance) or module.type.fullname != MHA or len(module.args) != 2:
        raise Unknown  # a subclass: its own type arguments may mean something else
    syms: dict[str, Type] = {}
    e = read_dim(module.args[0], syms)
    h = read_dim(module.args[1], syms)
    q = _tensor_arg(call, "query")
    if q is None:
        raise Unknown
    k = _tensor_arg(call, "key")
    k = q if k is None else k
    v = _tensor_arg(call, "value")
    v = k if v is None else v
    name = f"MultiHeadAttention[{shapes.fmt_dim(e)}, {shapes.fmt_dim(h)}]"
    shape = shapes.attention_inputs(name, e, q.shape, k.shape, v.shape)
    if len(q.shape) == 3 and len(k.shape) == 3:
        shapes.attention_masks(
            name, q.shape[0], h, q.shape[1], k.shape[1],
            _mask_shape(call, "attn_mask"), _mask_shape(call, "key_padding_mask"),
        )  # fmt: skip
    tape = merge_tapes([q.tape, k.tape, v.tape])
    return call.result(shape, tape, q, k, v, TensorType((), tape, syms))


@rule(
    "scaled_dot_product_attention",
    functions=("dfdx.ops.attention.scaled_dot_product_attention",),
)
def sdpa(call: Call) -> Type:
    if len(call.operands) != 3:
        raise Unknown
    q, k, v = call.tensor(0), call.tensor(1), call.tensor(2)
    shape = shapes.sdpa(call.op, q.shape, k.shape, v.shape)
    mask = _mask_shape(call, "attn_mask")
    if mask is not None and k.shape:  # broadcast to the logits (*B, L, S), as at run time
        shapes.mask_broadcast(call.op, mask, (*shape[:-1], k.shape[-2]))
    return call.result(shape, merge_tapes([q.tape, k.tape, v.tape]), q, k, v)


_T = "dfdx.nn.transformer"
CALLS: dict[str, tuple[str, tuple[str, ...], int]] = {
    f"{_T}.TransformerEncoderLayer": ("TransformerEncoderLayer", ("src",), 0),
    f"{_T}.TransformerEncoder": ("TransformerEncoderLayer", ("src",), 0),
    f"{_T}.TransformerDecoderLayer": ("TransformerDecoderLayer", ("tgt", "memory"), 0),
    f"{_T}.TransformerDecoder": ("TransformerDecoderLayer", ("tgt", "memory"), 0),
    f"{_T}.Transformer": ("Transformer", ("src", "tgt"), 1),
}
"""A transformer module's call: the name its runtime check uses (a stack's first layer checks
its input), the sequences it takes, and the one whose shape the result has."""

_MASK_NAMES = {"mask": "src_mask"}
"""``TransformerEncoder``'s ``mask`` is its layers' ``src_mask`` (their check names it so)."""


def _layer_call(call: Call) -> Type:
    if not call.operands:
        raise Unknown
    module = get_proper_type(call.operands[0])
    if not isinstance(module, Instance) or module.type.fullname not in CALLS:
        raise Unknown
    if len(module.args) != 2:
        raise Unknown
    kind, names, out = CALLS[module.type.fullname]
    syms: dict[str, Type] = {}
    d = read_dim(module.args[0], syms)
    tensors: list[TensorType] = []
    for n in names:
        t = _tensor_arg(call, n)
        if t is None:
            raise Unknown
        tensors.append(t)
    name = f"{kind}[{shapes.fmt_dim(d)}]"
    shapes.transformer_inputs(name, d, [(n, t.shape) for n, t in zip(names, tensors, strict=True)])
    batch_first = literal_bool(module.args[1])
    if batch_first is not None:  # the layout is known: the masks' sizes are
        sequences = {n: t.shape for n, t in zip(names, tensors, strict=True)}
        if "memory" not in sequences:
            sequences["memory"] = sequences["src"]  # Transformer: the encoder keeps src's shape
        masks = {}
        for arg in (*shapes.TRANSFORMER_MASKS, *_MASK_NAMES):
            mask = _mask_shape(call, arg)
            if mask is not None:
                masks[_MASK_NAMES.get(arg, arg)] = mask
        shapes.transformer_masks(name, batch_first, sequences, masks)
    tape = merge_tapes([t.tape for t in tensors])
    return call.result(tensors[out].shape, tape, *tensors, TensorType((), tape, syms))


_P = "dfdx.nn.positional"
POSITIONAL = {
    f"{_P}.SinusoidalPositionalEncoding": "SinusoidalPositionalEncoding",
    f"{_P}.LearnedPositionalEmbedding": "LearnedPositionalEmbedding",
}
"""The positional encodings: ``d_model`` goes into the type where they are built, so that a
call keeps the input's feature size (an unannotated module would bind ``D`` to ``Any``)."""


def _positional_new(call: Call) -> Type:
    d = _size(call, "d_model")
    if isinstance(d, int) and d <= 0:
        raise shapes.ShapeError(f"{call.op}: d_model must be an int > 0, got {d}")
    return _module_type(call, [d])


def _sinusoidal_call(call: Call) -> Type:
    """``pe(x)``: ``x`` ``(..., sequence, d_model)``, kept (its length against ``max_len`` is
    the runtime's check: the type does not hold ``max_len``)."""
    if not call.operands:
        raise Unknown
    module = get_proper_type(call.operands[0])
    if (
        not isinstance(module, Instance)
        or module.type.fullname != f"{_P}.SinusoidalPositionalEncoding"
    ):
        raise Unknown
    syms: dict[str, Type] = {}
    d = read_dim(module.args[0], syms)
    x = _tensor_arg(call, "x")
    if x is None:
        raise Unknown
    shapes.positional_input(f"SinusoidalPositionalEncoding[{shapes.fmt_dim(d)}]", x.shape, d)
    return call.result(x.shape, x.tape, x, TensorType((), x.tape, syms))


for _fullname, _op in POSITIONAL.items():
    FUNCTION_RULES[_fullname] = Rule(_op, _positional_new)
for _method in ("__call__", "forward"):
    METHOD_RULES[f"{_P}.SinusoidalPositionalEncoding.{_method}"] = Rule(
        "SinusoidalPositionalEncoding", _sinusoidal_call
    )
FUNCTION_RULES[MHA] = Rule("MultiHeadAttention", _mha_new)
for _fullname, (_kind, _names, _out) in CALLS.items():
    for _method in ("__call__", "forward"):
        METHOD_RULES[f"{_fullname}.{_method}"] = Rule(_kind, _layer_call)
for _method in ("__call__", "forward"):
    METHOD_RULES[f"{MHA}.{_method}"] = Rule("MultiHeadAttention", _mha_call)
for _fullname, _op in LAYERS.items():
    FUNCTION_RULES[_fullname] = Rule(_op, _layer_new)
