# pyright: reportOverlappingOverload=false
"""Transformer layers with PyTorch's arguments and state_dict keys: ``TransformerEncoderLayer``,
``TransformerDecoderLayer``, ``TransformerEncoder``, ``TransformerDecoder`` and ``Transformer``.

Sequences are ``(B, S, d_model)`` (``batch_first=True``, the default here; PyTorch's default is
``False``). ``batch_first=False`` takes and returns ``(S, B, d_model)`` as PyTorch does. Masks
have ``nn.MultiheadAttention``'s meaning (a bool mask is True where attention is not allowed,
a float mask is added); ``is_causal=True`` builds the causal mask itself (in PyTorch it is
only a hint that the mask given is causal).

``TransformerEncoder(layer, num_layers)`` copies ``layer`` ``num_layers`` times, as PyTorch
does: every copy starts from the same weights (each with parameters of its own).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Generic, Literal, TypeVar, cast, overload

from numpy.random import Generator
from typing_extensions import TypeVar as DefaultTypeVar

from dfdx import _autodiff, _fused, _inference
from dfdx._backend import Array, xp
from dfdx._dtypes import canonical, float32
from dfdx._tensor import NoneTape, OwnedTape, Tensor
from dfdx._typing import AnyTensor, B, Dyn, L, Sk, T
from dfdx.nn._init import xavier_uniform
from dfdx.nn._layers import Dropout, LayerNorm
from dfdx.nn._linear import Linear
from dfdx.nn._module import Module
from dfdx.nn.attention import MultiHeadAttention
from dfdx.ops import linalg, movement, unary
from dfdx_mypy_plugin import shapes

_M = TypeVar("_M", bound=Module)
# A layer's own sizes (its class's type parameters) default to ``Any``, so that an annotation
# without them (``-> Conv2d``, ``self.fc: Linear``) is no ``type-arg`` error under ``--strict``,
# as a bare ``Sequential`` is none. The ops' signatures keep dfdx._typing's, which have no default
# (an unsolved one would be ``Any`` and make overloads ambiguous).
D = DefaultTypeVar("D", bound=int, default=Any)
F = DefaultTypeVar("F", bound=bool, default=bool, covariant=True)
"""A transformer module's layout: ``Literal[True]`` where it was built batch first (the
default), ``Literal[False]`` where not, ``bool`` where that is not known. Only the plugin
fills it in (from ``batch_first=``), to check masks against the sequences' lengths; an
annotation that leaves it out (``TransformerEncoderLayer[L[64]]``) takes any layout."""

Activation = Literal["relu", "gelu"] | Callable[[Any], Any]


def _activation(name: Activation) -> Callable[[Any], Any]:
    if name == "relu":
        return unary.relu
    if name == "gelu":
        return unary.gelu
    if callable(name):
        return name
    raise ValueError(f"activation should be 'relu', 'gelu' or a callable, got {name!r}")


def _batch_first(x: Any, batch_first: bool) -> Any:
    """``(S, B, D)`` to ``(B, S, D)`` (and back: the swap is its own inverse)."""
    return x if batch_first else movement.transpose(x, 0, 1)


def _check_masks(name: str, batch_first: bool, sequences: dict[str, Any], **masks: Any) -> None:
    """The masks given (not None) against the sequences' lengths, as the plugin checks them
    (:func:`dfdx_mypy_plugin.shapes.transformer_masks`)."""
    given = {k: tuple(m.shape) for k, m in masks.items() if isinstance(m, Tensor)}
    if given:
        lengths = {k: tuple(x.shape) for k, x in sequences.items()}
        shapes.transformer_masks(name, batch_first, lengths, given)


def _clone(module: _M) -> _M:
    """A deep copy whose tensors are new tensors (fresh ids: a gradient belongs to one);
    random generators stay shared, so that copies draw different dropout masks."""
    memo: dict[int, Any] = {}
    for m in module.modules():
        for v in vars(m).values():
            if isinstance(v, Generator):
                memo[id(v)] = v
    out = copy.deepcopy(module, memo)
    for _, t, _ in out._named_tensors():
        t._id = _autodiff.new_id()
        t._tape = None
    return out


class _TransformerLayer(Module, Generic[D, F]):
    """What the encoder and decoder layers share: self-attention, the feed-forward block, the
    layer norms and dropouts around them (built in PyTorch's order, which is the order of
    their state_dict keys), and a residual connection with its norm before or after."""

    self_attn: MultiHeadAttention[D, Any]
    linear1: Linear[D, Any]
    linear2: Linear[Any, D]
    norm1: LayerNorm[D]
    norm2: LayerNorm[D]
    dropout1: Dropout
    dropout2: Dropout

    def _build(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int,
        dropout: float,
        activation: Activation,
        layer_norm_eps: float,
        batch_first: bool,
        norm_first: bool,
        rng: Generator | None,
        dtype: Any,
        cross_attention: bool,
    ) -> None:
        shapes.attention_heads(type(self).__name__, d_model, nhead, ("d_model", "nhead"))
        # The decoder's own parts (cross-attention, a third norm and dropout) are set by name:
        # the encoder has no such attributes.
        self.self_attn = MultiHeadAttention(d_model, nhead, dropout, rng=rng, dtype=dtype)
        if cross_attention:
            mha = MultiHeadAttention(d_model, nhead, dropout, rng=rng, dtype=dtype)
            setattr(self, "multihead_attn", mha)  # noqa: B010
        self.linear1 = Linear(d_model, dim_feedforward, rng=rng, dtype=dtype)
        self.dropout = Dropout(dropout, rng=rng)
        self.linear2 = Linear(dim_feedforward, d_model, rng=rng, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, layer_norm_eps, dtype=dtype)
        self.norm2 = LayerNorm(d_model, layer_norm_eps, dtype=dtype)
        if cross_attention:
            setattr(self, "norm3", LayerNorm(d_model, layer_norm_eps, dtype=dtype))  # noqa: B010
        self.dropout1 = Dropout(dropout, rng=rng)
        self.dropout2 = Dropout(dropout, rng=rng)
        if cross_attention:
            setattr(self, "dropout3", Dropout(dropout, rng=rng))  # noqa: B010
        self.activation = _activation(activation)
        self.batch_first = batch_first
        self.d_model = d_model

    @property
    def _name(self) -> str:
        return f"{type(self).__name__}[{self.d_model}]"

    def _residual(self, x: Any, norm: LayerNorm[D], block: Callable[[Any], Any]) -> Any:
        """``x + block(norm(x))`` with ``norm_first``, else ``norm(x + block(x))``."""
        if self.norm_first:
            return x + block(norm(x))
        return norm(x + block(x))

    def _sa_block(self, x: Any, mask: Any, padding: Any, is_causal: bool) -> Any:
        y = self.self_attn(x, key_padding_mask=padding, attn_mask=mask, is_causal=is_causal)
        return self.dropout1(y)

    def _ff_block(self, x: Any, dropout: Dropout) -> Any:
        """``dropout(linear2(dropout(activation(linear1(x)))))``: the op
        :func:`dfdx.ops.linalg.relu_feed_forward` for ReLU where the inner dropout does nothing,
        :func:`dfdx.ops.linalg.plain_gelu_feed_forward` for exact GELU on a plain input
        (inference), else composed from the layers."""
        inert = not self.training or self.dropout.p == 0
        w1, w2 = self.linear1, self.linear2
        y = None
        if self.activation is unary.relu and inert:
            y = linalg.relu_feed_forward(x, w1.weight, w1.bias, w2.weight, w2.bias)
        elif self.activation is unary.gelu and inert:  # inference only: None if traced
            y = linalg.plain_gelu_feed_forward(x, w1.weight, w1.bias, w2.weight, w2.bias)
        if y is None:
            y = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return dropout(y)


class TransformerEncoderLayer(_TransformerLayer[D, F]):
    """Self-attention and a feed-forward block, each with a residual connection and layer
    norm (after, or before with ``norm_first=True``): ``Tensor[B, S, D]`` to
    ``Tensor[B, S, D]``, ``D`` being ``d_model``. PyTorch's ``nn.TransformerEncoderLayer``."""

    def __init__(
        self: TransformerEncoderLayer[Any],
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = True,
        norm_first: bool = False,
        *,
        rng: Generator | None = None,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        self._build(
            d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
            batch_first, norm_first, rng, dtype, cross_attention=False,
        )  # fmt: skip

    def __call__(
        self,
        src: Tensor[B, Sk, D, T],
        src_mask: AnyTensor | None = None,
        src_key_padding_mask: AnyTensor | None = None,
        is_causal: bool = False,
    ) -> Tensor[B, Sk, D, T]:
        """``src`` ``(B, S, D)``; ``src_mask`` ``(S, S)`` or ``(B * nhead, S, S)``,
        ``src_key_padding_mask`` ``(B, S)`` (True at padding)."""
        shapes.transformer_inputs(self._name, self.d_model, [("src", src.shape)])
        _check_masks(
            self._name, self.batch_first, {"src": src},
            src_mask=src_mask, src_key_padding_mask=src_key_padding_mask,
        )  # fmt: skip
        x: Any = _batch_first(src, self.batch_first)
        plain = self._plain_encoder(x, src_mask, src_key_padding_mask, is_causal)
        if plain is not None:
            return cast("Tensor[B, Sk, D, T]", _batch_first(plain, self.batch_first))
        x = self._residual(
            x, self.norm1, lambda y: self._sa_block(y, src_mask, src_key_padding_mask, is_causal)
        )
        x = self._residual(x, self.norm2, lambda y: self._ff_block(y, self.dropout2))
        return cast("Tensor[B, Sk, D, T]", _batch_first(x, self.batch_first))

    forward = __call__

    def _inert(self) -> bool:
        """Whether no dropout of the encoder layer changes anything (eval mode, or p = 0)."""
        for d in (self.dropout, self.dropout1, self.dropout2):
            if d.training and d.p > 0:
                return False
        return not (self.self_attn.training and self.self_attn.dropout > 0)

    def _plain_encoder(
        self, x: AnyTensor, mask: Any, padding: Any, is_causal: bool
    ) -> AnyTensor | None:
        """The encoder layer's forward on arrays, for a plain ``(B, S, D)`` input (untraced,
        not derived from parameters) with untraced parameters and inert dropouts, where no
        gradient can be asked for: the same products and compiled kernels as the ops the
        layer is composed of (so the same values), without an op call, a shape rule or a
        tensor per step (~40 of them per layer), and each
        projection's bias added with its residual in one pass. None where that does not
        apply (Numba absent, a float64 GELU, a custom activation, masks that fail their
        checks): then the layer composes its ops."""
        if x._tape is not None or x._origin is not None or not _fused.enabled():
            return None  # a training step pays for this line only
        attn = self.self_attn
        gelu = self.activation is unary.gelu
        a = x._data
        params = [
            t
            for m in (attn, attn.out_proj, self.linear1, self.linear2, self.norm1, self.norm2)
            for t in vars(m).values()
            if isinstance(t, Tensor)
        ]
        if (
            a.dtype not in (xp.float32, xp.float64)
            or not a.size
            or (gelu and a.dtype != xp.float32)
            or (self.activation is not unary.relu and not gelu)
            or any(p._tape is not None or p._data.dtype != a.dtype for p in params)
            or not self._inert()
        ):
            return None
        nb, nl, ne = a.shape
        try:
            keep, add = attn._masks(a, nb, nl, nl, padding, mask, is_causal)
        except (TypeError, ValueError):  # reported by the general path, in its own words
            return None
        rows = xp.ascontiguousarray(a.reshape(nb * nl, ne))

        def norm(n: LayerNorm[Any], h: Array) -> Array:
            w = None if n.weight is None else n.weight._data
            b = None if n.bias is None else n.bias._data
            y = _inference.layer_norm(h, w, b, n.eps)
            assert y is not None  # a float array with rows, and Numba
            return y

        def ff(h: Array) -> Array:
            w1, w2 = self.linear1, self.linear2
            b1 = None if w1.bias is None else w1.bias._data
            hidden = linalg.times_transposed(h, w1.weight._data, None)
            fused = _fused.relu_feed_forward()
            if gelu:
                _inference.gelu_float32(hidden, b1, out=hidden)
            elif b1 is not None and fused is not None:  # as relu_feed_forward
                fused[0](hidden, b1)
            else:
                xp.maximum(hidden, 0, out=hidden)
            return linalg.times_transposed(hidden, w2.weight._data, None)

        out_bias = None if attn.out_proj.bias is None else attn.out_proj.bias._data
        b2 = None if self.linear2.bias is None else self.linear2.bias._data
        if self.norm_first:
            y = attn._plain_self_attention(norm(self.norm1, rows).reshape(a.shape), keep, add)
            if y is None:
                return None
            h = _inference.add_residual(y, out_bias, rows)
            out = _inference.add_residual(ff(norm(self.norm2, h)), b2, h)
        else:
            y = attn._plain_self_attention(a, keep, add)
            if y is None:
                return None
            h = norm(self.norm1, _inference.add_residual(y, out_bias, rows))
            out = norm(self.norm2, _inference.add_residual(ff(h), b2, h))
        return x._new(out.reshape(nb, nl, ne), None)


class TransformerDecoderLayer(_TransformerLayer[D, F]):
    """Self-attention over the target, attention to the encoder's output (``memory``) and a
    feed-forward block, each with a residual connection and layer norm: ``tgt``
    ``Tensor[B, L, D]`` and ``memory`` ``Tensor[B, S, D]`` give ``Tensor[B, L, D]``.
    PyTorch's ``nn.TransformerDecoderLayer``."""

    multihead_attn: MultiHeadAttention[D, Any]
    norm3: LayerNorm[D]
    dropout3: Dropout

    def __init__(
        self: TransformerDecoderLayer[Any],
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = True,
        norm_first: bool = False,
        *,
        rng: Generator | None = None,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        self._build(
            d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
            batch_first, norm_first, rng, dtype, cross_attention=True,
        )  # fmt: skip

    # Tapes, as binary ops have them: the result is traced if any input is (a traced target
    # with a frozen encoder's memory). The first two overloads keep a generic caller's ``T``.
    @overload
    def __call__(
        self,
        tgt: Tensor[B, L, D, T],
        memory: Tensor[B, Sk, D, T] | Tensor[B, Sk, D, NoneTape],
        tgt_mask: AnyTensor | None = None,
        memory_mask: AnyTensor | None = None,
        tgt_key_padding_mask: AnyTensor | None = None,
        memory_key_padding_mask: AnyTensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor[B, L, D, T]: ...
    @overload
    def __call__(
        self,
        tgt: Tensor[B, L, D, NoneTape],
        memory: Tensor[B, Sk, D, T],
        tgt_mask: AnyTensor | None = None,
        memory_mask: AnyTensor | None = None,
        tgt_key_padding_mask: AnyTensor | None = None,
        memory_key_padding_mask: AnyTensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor[B, L, D, T]: ...
    @overload
    def __call__(
        self,
        tgt: Tensor[B, L, D, Any],
        memory: Tensor[B, Sk, D, Any],
        tgt_mask: AnyTensor | None = None,
        memory_mask: AnyTensor | None = None,
        tgt_key_padding_mask: AnyTensor | None = None,
        memory_key_padding_mask: AnyTensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor[B, L, D, OwnedTape]: ...
    def __call__(
        self,
        tgt: Any,
        memory: Any,
        tgt_mask: AnyTensor | None = None,
        memory_mask: AnyTensor | None = None,
        tgt_key_padding_mask: AnyTensor | None = None,
        memory_key_padding_mask: AnyTensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Any:
        """``tgt`` ``(B, L, D)``, ``memory`` ``(B, S, D)``; ``tgt_mask`` ``(L, L)``,
        ``memory_mask`` ``(L, S)``, padding masks ``(B, L)`` and ``(B, S)``."""
        inputs = [("tgt", tgt.shape), ("memory", memory.shape)]
        shapes.transformer_inputs(self._name, self.d_model, inputs)
        _check_masks(
            self._name, self.batch_first, {"tgt": tgt, "memory": memory},
            tgt_mask=tgt_mask, memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
        )  # fmt: skip
        x: Any = _batch_first(tgt, self.batch_first)
        mem: Any = _batch_first(memory, self.batch_first)
        x = self._residual(
            x,
            self.norm1,
            lambda y: self._sa_block(y, tgt_mask, tgt_key_padding_mask, tgt_is_causal),
        )
        x = self._residual(
            x,
            self.norm2,
            lambda y: self._mha_block(
                y, mem, memory_mask, memory_key_padding_mask, memory_is_causal
            ),
        )
        x = self._residual(x, self.norm3, lambda y: self._ff_block(y, self.dropout3))
        return _batch_first(x, self.batch_first)

    forward = __call__

    def _mha_block(self, x: Any, mem: Any, mask: Any, padding: Any, is_causal: bool) -> Any:
        y = self.multihead_attn(
            x, mem, mem, key_padding_mask=padding, attn_mask=mask, is_causal=is_causal
        )
        return self.dropout2(y)


def _copies(owner: str, layer: _M, kind: type[_M], num_layers: int) -> list[_M]:
    """``num_layers`` independent copies of ``layer`` (same initial weights), checked."""
    if not isinstance(layer, kind):
        raise TypeError(f"{owner}: expected a {kind.__name__}, got {type(layer).__name__}")
    if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 1:
        raise ValueError(f"{owner}: num_layers must be an int >= 1, got {num_layers!r}")
    return [_clone(layer) for _ in range(num_layers)]


class TransformerEncoder(Module, Generic[D, F]):
    """``num_layers`` copies of ``encoder_layer`` applied in turn, then ``norm`` if given:
    ``Tensor[B, S, D]`` to ``Tensor[B, S, D]``. Keys ``layers.0.self_attn.in_proj_weight``,
    ..., ``norm.weight``, as PyTorch's ``nn.TransformerEncoder`` (``layers`` is a list of
    modules, named as a ``ModuleList``)."""

    norm: LayerNorm[D] | None

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer[D, F],
        num_layers: int,
        norm: LayerNorm[D] | None = None,
    ) -> None:
        super().__init__()
        self.layers = _copies(
            "TransformerEncoder", encoder_layer, TransformerEncoderLayer, num_layers
        )
        self.num_layers = num_layers
        self.norm = norm

    def __call__(
        self,
        src: Tensor[B, Sk, D, T],
        mask: AnyTensor | None = None,
        src_key_padding_mask: AnyTensor | None = None,
        is_causal: bool = False,
    ) -> Tensor[B, Sk, D, T]:
        x: Any = src
        for layer in self.layers:
            x = layer(x, mask, src_key_padding_mask, is_causal)
        if self.norm is not None:
            x = self.norm(x)
        return cast("Tensor[B, Sk, D, T]", x)

    forward = __call__


class TransformerDecoder(Module, Generic[D, F]):
    """``num_layers`` copies of ``decoder_layer`` applied in turn to the target (each
    attending to ``memory``), then ``norm`` if given: PyTorch's ``nn.TransformerDecoder``."""

    norm: LayerNorm[D] | None

    def __init__(
        self,
        decoder_layer: TransformerDecoderLayer[D, F],
        num_layers: int,
        norm: LayerNorm[D] | None = None,
    ) -> None:
        super().__init__()
        self.layers = _copies(
            "TransformerDecoder", decoder_layer, TransformerDecoderLayer, num_layers
        )
        self.num_layers = num_layers
        self.norm = norm

    # Tapes, as binary ops have them: the result is traced if any input is (a traced target
    # with a frozen encoder's memory). The first two overloads keep a generic caller's ``T``.
    @overload
    def __call__(
        self,
        tgt: Tensor[B, L, D, T],
        memory: Tensor[B, Sk, D, T] | Tensor[B, Sk, D, NoneTape],
        tgt_mask: AnyTensor | None = None,
        memory_mask: AnyTensor | None = None,
        tgt_key_padding_mask: AnyTensor | None = None,
        memory_key_padding_mask: AnyTensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor[B, L, D, T]: ...
    @overload
    def __call__(
        self,
        tgt: Tensor[B, L, D, NoneTape],
        memory: Tensor[B, Sk, D, T],
        tgt_mask: AnyTensor | None = None,
        memory_mask: AnyTensor | None = None,
        tgt_key_padding_mask: AnyTensor | None = None,
        memory_key_padding_mask: AnyTensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor[B, L, D, T]: ...
    @overload
    def __call__(
        self,
        tgt: Tensor[B, L, D, Any],
        memory: Tensor[B, Sk, D, Any],
        tgt_mask: AnyTensor | None = None,
        memory_mask: AnyTensor | None = None,
        tgt_key_padding_mask: AnyTensor | None = None,
        memory_key_padding_mask: AnyTensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor[B, L, D, OwnedTape]: ...
    def __call__(
        self,
        tgt: Any,
        memory: Any,
        tgt_mask: AnyTensor | None = None,
        memory_mask: AnyTensor | None = None,
        tgt_key_padding_mask: AnyTensor | None = None,
        memory_key_padding_mask: AnyTensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Any:
        x: Any = tgt
        for layer in self.layers:
            x = layer(
                x,
                memory,
                tgt_mask,
                memory_mask,
                tgt_key_padding_mask,
                memory_key_padding_mask,
                tgt_is_causal,
                memory_is_causal,
            )
        if self.norm is not None:
            x = self.norm(x)
        return x

    forward = __call__


class Transformer(Module, Generic[D, F]):
    """An encoder and a decoder (PyTorch's ``nn.Transformer``): ``src`` ``Tensor[B, S, D]``
    and ``tgt`` ``Tensor[B, L, D]`` give ``Tensor[B, L, D]``. Each stack ends with a layer
    norm; every weight matrix is re-initialised with Xavier-uniform, as PyTorch's is."""

    encoder: TransformerEncoder[D, F]
    decoder: TransformerDecoder[D, F]

    def __init__(
        self: Transformer[Any],
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = True,
        norm_first: bool = False,
        *,
        rng: Generator | None = None,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        shapes.attention_heads("Transformer", d_model, nhead, ("d_model", "nhead"))
        args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps)
        enc = TransformerEncoderLayer(
            *args, batch_first=batch_first, norm_first=norm_first, rng=rng, dtype=dtype
        )
        dec = TransformerDecoderLayer(
            *args, batch_first=batch_first, norm_first=norm_first, rng=rng, dtype=dtype
        )
        enc_norm: LayerNorm[Any] = LayerNorm(d_model, layer_norm_eps, dtype=dtype)
        dec_norm: LayerNorm[Any] = LayerNorm(d_model, layer_norm_eps, dtype=dtype)
        self.encoder = TransformerEncoder(enc, num_encoder_layers, enc_norm)
        self.decoder = TransformerDecoder(dec, num_decoder_layers, dec_norm)
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first
        dt = canonical(dtype)
        for _, p in self.named_parameters():
            if p.ndim > 1:
                p._data = xavier_uniform((p.shape[0], p.shape[1]), dt, rng)

    # Tapes, as binary ops have them: the result is traced if any input is (a traced target
    # with a frozen encoder's memory). The first two overloads keep a generic caller's ``T``.
    @overload
    def __call__(
        self,
        src: Tensor[B, Sk, D, T],
        tgt: Tensor[B, L, D, T] | Tensor[B, L, D, NoneTape],
        src_mask: AnyTensor | None = None,
        tgt_mask: AnyTensor | None = None,
        memory_mask: AnyTensor | None = None,
        src_key_padding_mask: AnyTensor | None = None,
        tgt_key_padding_mask: AnyTensor | None = None,
        memory_key_padding_mask: AnyTensor | None = None,
        src_is_causal: bool = False,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor[B, L, D, T]: ...
    @overload
    def __call__(
        self,
        src: Tensor[B, Sk, D, NoneTape],
        tgt: Tensor[B, L, D, T],
        src_mask: AnyTensor | None = None,
        tgt_mask: AnyTensor | None = None,
        memory_mask: AnyTensor | None = None,
        src_key_padding_mask: AnyTensor | None = None,
        tgt_key_padding_mask: AnyTensor | None = None,
        memory_key_padding_mask: AnyTensor | None = None,
        src_is_causal: bool = False,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor[B, L, D, T]: ...
    @overload
    def __call__(
        self,
        src: Tensor[B, Sk, D, Any],
        tgt: Tensor[B, L, D, Any],
        src_mask: AnyTensor | None = None,
        tgt_mask: AnyTensor | None = None,
        memory_mask: AnyTensor | None = None,
        src_key_padding_mask: AnyTensor | None = None,
        tgt_key_padding_mask: AnyTensor | None = None,
        memory_key_padding_mask: AnyTensor | None = None,
        src_is_causal: bool = False,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor[B, L, D, OwnedTape]: ...
    def __call__(
        self,
        src: Any,
        tgt: Any,
        src_mask: AnyTensor | None = None,
        tgt_mask: AnyTensor | None = None,
        memory_mask: AnyTensor | None = None,
        src_key_padding_mask: AnyTensor | None = None,
        tgt_key_padding_mask: AnyTensor | None = None,
        memory_key_padding_mask: AnyTensor | None = None,
        src_is_causal: bool = False,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Any:
        inputs = [("src", src.shape), ("tgt", tgt.shape)]
        name = f"Transformer[{self.d_model}]"
        shapes.transformer_inputs(name, self.d_model, inputs)
        _check_masks(
            name, self.batch_first, {"src": src, "tgt": tgt, "memory": src},
            src_mask=src_mask, tgt_mask=tgt_mask, memory_mask=memory_mask,
            src_key_padding_mask=src_key_padding_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
        )  # fmt: skip
        memory = self.encoder(src, src_mask, src_key_padding_mask, src_is_causal)
        return self.decoder(
            tgt,
            memory,
            tgt_mask,
            memory_mask,
            tgt_key_padding_mask,
            memory_key_padding_mask,
            tgt_is_causal,
            memory_is_causal,
        )

    forward = __call__

    @staticmethod
    def generate_square_subsequent_mask(
        sz: int, dtype: Any = float32
    ) -> Tensor[Dyn, Dyn, NoneTape]:
        """A float ``(sz, sz)`` mask: ``-inf`` above the diagonal, 0 elsewhere (PyTorch's)."""
        dt = canonical(dtype)
        upper = xp.triu(xp.ones((sz, sz), dtype=bool), 1)
        return Tensor(xp.where(upper, xp.asarray(-xp.inf, dt), xp.asarray(0, dt)))
