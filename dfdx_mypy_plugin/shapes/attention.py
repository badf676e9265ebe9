"""Attention and transformer layers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dfdx_mypy_plugin.shapes._core import (
    Dim,
    Shape,
    ShapeError,
    agree,
    dim_mul,
    fmt,
    fmt_dim,
    same_layer_size,
)
from dfdx_mypy_plugin.shapes.binary import broadcast
from dfdx_mypy_plugin.shapes.nn import features


def attention_heads(
    name: str, embed_dim: Dim, num_heads: Dim, names: tuple[str, str] = ("embed_dim", "num_heads")
) -> None:
    """``num_heads`` is at least 1 and divides ``embed_dim``: each head reads
    ``embed_dim // num_heads`` features. ``names`` are the arguments as the module spells
    them (``("d_model", "nhead")`` for the transformer layers)."""
    e_name, h_name = names
    if isinstance(num_heads, int) and num_heads < 1:
        raise ShapeError(f"{name}: {h_name} must be at least 1, got {num_heads}")
    if isinstance(embed_dim, int) and embed_dim < 1:
        raise ShapeError(f"{name}: {e_name} must be at least 1, got {embed_dim}")
    if isinstance(embed_dim, int) and isinstance(num_heads, int) and embed_dim % num_heads:
        raise ShapeError(
            f"{name}: {h_name} {num_heads} does not divide {e_name} {embed_dim} "
            f"({embed_dim} % {num_heads} = {embed_dim % num_heads})"
        )


def attention_inputs(name: str, embed_dim: Dim, query: Shape, key: Shape, value: Shape) -> Shape:
    """Multi-head attention (batch first): query ``(B, L, E)``, key and value ``(B, S, E)``
    with ``E`` the module's ``embed_dim``; the result is ``(B, L, E)``."""
    for what, x in (("query", query), ("key", key), ("value", value)):
        if len(x) != 3:
            raise ShapeError(
                f"{name}: {what} must be 3-d (batch, sequence, embed_dim), got {fmt(x)}"
            )
        if same_layer_size(x[-1], embed_dim) is False:
            raise ShapeError(
                f"{name}: {what} takes {fmt_dim(embed_dim)} features, got {fmt(x)} "
                f"({fmt_dim(x[-1])} != {fmt_dim(embed_dim)})"
            )
    if same_layer_size(query[0], key[0]) is False or same_layer_size(key[0], value[0]) is False:
        raise ShapeError(
            f"{name}: batch sizes differ: query {fmt(query)}, key {fmt(key)}, value {fmt(value)}"
        )
    if same_layer_size(key[1], value[1]) is False:
        raise ShapeError(
            f"{name}: key and value lengths differ: key {fmt(key)}, value {fmt(value)} "
            f"({fmt_dim(key[1])} != {fmt_dim(value[1])})"
        )
    return (agree(agree(query[0], key[0]), value[0]), query[1], agree(query[2], embed_dim))


def sdpa(op: str, query: Shape, key: Shape, value: Shape) -> Shape:
    """``softmax(query @ key^T) @ value`` over the last two axes: query ``(*B, L, D)``, key
    ``(*B, S, D)``, value ``(*B, S, Dv)``, the batch axes broadcast; the result is
    ``(*B, L, Dv)``. Two different size names are two sizes, as for ``q @ k.mT``
    (:func:`same_layer_size`): keys split into heads with the head count and head size
    swapped do not pass."""
    for what, x in (("query", query), ("key", key), ("value", value)):
        if len(x) < 2:
            raise ShapeError(
                f"{op}: {what} needs at least 2 axes (..., sequence, features), got {fmt(x)}"
            )
    if same_layer_size(query[-1], key[-1]) is False:
        raise ShapeError(
            f"{op}: query and key feature sizes differ: query {fmt(query)}, key {fmt(key)} "
            f"({fmt_dim(query[-1])} != {fmt_dim(key[-1])})"
        )
    if same_layer_size(key[-2], value[-2]) is False:
        raise ShapeError(
            f"{op}: key and value lengths differ: key {fmt(key)}, value {fmt(value)} "
            f"({fmt_dim(key[-2])} != {fmt_dim(value[-2])})"
        )
    _batch_axes(op, ("query", query), ("key", key))
    _batch_axes(op, ("key", key), ("value", value))
    batch = broadcast(op, broadcast(op, query[:-2], key[:-2]), value[:-2])
    return (*batch, query[-2], value[-1])


def _batch_axes(op: str, a: tuple[str, Shape], b: tuple[str, Shape]) -> None:
    """Two operands' batch axes broadcast, read with their whole shapes (a head count of one,
    ``heads`` in ``Tensor[B, heads, N, D//heads]``, meets the other's sequence ``N`` where
    it was not transposed: :func:`binary.broadcast`); the message names both."""
    (name_a, x), (name_b, y) = a, b
    try:
        broadcast(op, x[:-2], y[:-2], whole=(x, y))
    except ShapeError as e:
        detail = str(e).rpartition(" (")[2]
        raise ShapeError(
            f"{op}: {name_a} and {name_b} batch axes do not broadcast: {name_a} {fmt(x)}, "
            f"{name_b} {fmt(y)} ({detail}"
        ) from None


def transformer_inputs(name: str, d_model: Dim, inputs: Sequence[tuple[str, Shape]]) -> None:
    """The sequences given to a transformer layer ``name`` (``src``, ``tgt``, ``memory``):
    3-d, ``d_model`` features on the last axis."""
    for what, x in inputs:
        if len(x) != 3:
            raise ShapeError(f"{name}: {what} must be 3-d (batch, sequence, d_model), got {fmt(x)}")
        if same_layer_size(x[-1], d_model) is False:
            raise ShapeError(
                f"{name}: {what} takes {fmt_dim(d_model)} features, got {fmt(x)} "
                f"({fmt_dim(x[-1])} != {fmt_dim(d_model)})"
            )


def _fits(shape: Shape, expected: Shape) -> bool:
    """``shape`` is ``expected``, or may be (an unknown size on either side)."""
    return len(shape) == len(expected) and all(
        same_layer_size(a, b) is not False for a, b in zip(shape, expected, strict=True)
    )


def attention_masks(
    name: str,
    batch: Dim,
    heads: Dim,
    target: Dim,
    source: Dim,
    attn_mask: Shape | None,
    key_padding_mask: Shape | None,
    names: tuple[str, str] = ("attn_mask", "key_padding_mask"),
) -> None:
    """``MultiHeadAttention``'s masks (and the transformer layers'): an attention mask is
    ``(L, S)`` or ``(batch * num_heads, L, S)``, a key padding mask ``(batch, S)``. ``names``
    are the arguments as the caller spells them (``("memory_mask", ...)``)."""
    mask_name, padding_name = names
    if attn_mask is not None:
        flat = (target, source)
        per_head = (dim_mul(batch, heads), target, source)
        if not (_fits(attn_mask, flat) or _fits(attn_mask, per_head)):
            raise ShapeError(
                f"{name}: {mask_name} must be {fmt(flat)} or {fmt(per_head)} "
                f"(batch * num_heads, L, S), got {fmt(attn_mask)}"
            )
    if key_padding_mask is not None and not _fits(key_padding_mask, (batch, source)):
        raise ShapeError(
            f"{name}: {padding_name} must be {fmt((batch, source))} (batch, S), "
            f"got {fmt(key_padding_mask)}"
        )


TRANSFORMER_MASKS: dict[str, tuple[str, str | None]] = {
    "src_mask": ("src", "src"),
    "tgt_mask": ("tgt", "tgt"),
    "memory_mask": ("tgt", "memory"),
    "src_key_padding_mask": ("src", None),
    "tgt_key_padding_mask": ("tgt", None),
    "memory_key_padding_mask": ("memory", None),
}
"""A transformer module's masks: the sequences whose lengths an attention mask is (target,
source), or the sequence whose (batch, length) a key padding mask is (None)."""


def _batch_and_length(x: Shape, batch_first: bool) -> tuple[Dim, Dim]:
    return (x[0], x[1]) if batch_first else (x[1], x[0])


def transformer_masks(
    name: str, batch_first: bool, sequences: Mapping[str, Shape], masks: Mapping[str, Shape]
) -> None:
    """The masks given to a transformer module ``name`` (keys of :data:`TRANSFORMER_MASKS`)
    against its sequences (``src``, ``tgt``, ``memory``; 3-d, batch first or not): an attention
    mask is ``(L, S)`` or ``(batch * nhead, L, S)``, a key padding mask ``(batch, S)``. The
    per-head count of a 3-d mask is the attention's own check (``MultiHeadAttention``'s)."""
    for what, mask in masks.items():
        target_name, source_name = TRANSFORMER_MASKS[what]
        target = sequences.get(target_name)
        source = sequences.get(source_name or target_name)
        if target is None or source is None or len(target) != 3 or len(source) != 3:
            continue
        batch, length = _batch_and_length(target, batch_first)
        if source_name is None:
            if not _fits(mask, (batch, length)):
                raise ShapeError(
                    f"{name}: {what} must be {fmt((batch, length))} (batch, S), got {fmt(mask)}"
                )
            continue
        flat = (length, _batch_and_length(source, batch_first)[1])
        if not (_fits(mask, flat) or (len(mask) == 3 and _fits(mask[1:], flat))):
            per_head = ", ".join(fmt_dim(d) for d in flat)
            raise ShapeError(
                f"{name}: {what} must be {fmt(flat)} or Tensor[batch * nhead, {per_head}], "
                f"got {fmt(mask)}"
            )


def positional_input(name: str, x: Shape, d_model: Dim) -> None:
    """A positional encoding's input: ``(..., sequence, d_model)``."""
    features(name, x, d_model)
    if len(x) < 2:
        raise ShapeError(f"{name}: needs (..., sequence, {fmt_dim(d_model)}), got {fmt(x)}")
