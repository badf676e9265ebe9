"""Attention masks that fit: MultiHeadAttention's attn_mask as (L, S) or (batch * num_heads,
L, S), bool or float, its key_padding_mask (batch, S), with a symbolic batch too;
scaled_dot_product_attention's attn_mask broadcast to the logits (*B, L, S). The calls run."""

# rules: attention

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

mha = dx.nn.MultiHeadAttention(8, 2)
q = dx.zeros(2, 3, 8)
kv = dx.zeros(2, 5, 8)
future = dx.zeros(3, 5) > 0.0
per_head = dx.zeros(4, 3, 5)
padding = dx.zeros(2, 5) > 0.0

assert_type(mha(q, kv, kv, attn_mask=future), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(mha(q, kv, kv, attn_mask=per_head), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(mha(q, kv, kv, key_padding_mask=padding), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(mha(q, key_padding_mask=dx.zeros(2, 3) > 0.0), Tensor[L[2], L[3], L[8], NoneTape])
y = mha(q.trace(), kv, kv, key_padding_mask=padding, attn_mask=future)
assert_type(y, Tensor[L[2], L[3], L[8], OwnedTape])

assert_type(
    dx.scaled_dot_product_attention(q, kv, kv, attn_mask=future), Tensor[L[2], L[3], L[8], NoneTape]
)
assert_type(
    dx.scaled_dot_product_attention(q, kv, kv, dx.zeros(2, 1, 5)),
    Tensor[L[2], L[3], L[8], NoneTape],
)


def attend(
    x: Tensor[B, L[3], L[8], T],
    memory: Tensor[B, L[5], L[8], NoneTape],
    pad: Tensor[B, L[5], NoneTape],
) -> Tensor[B, L[3], L[8], T]:
    """A batch of any size: its padding mask is (B, S)."""
    return mha(x, memory, memory, key_padding_mask=pad, attn_mask=future)


assert_type(attend(q, kv, padding), Tensor[L[2], L[3], L[8], NoneTape])
