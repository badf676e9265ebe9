"""Attention masks of the wrong shape, where the call is made: MultiHeadAttention's attn_mask
must be (L, S) or (batch * num_heads, L, S) and its key_padding_mask (batch, S);
scaled_dot_product_attention's attn_mask must broadcast to the logits (*B, L, S). The
messages are the runtime's (tests/test_attention.py)."""

# rules: attention

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

mha = dx.nn.MultiHeadAttention(8, 2)
q: Tensor[L[2], L[3], L[8], NoneTape] = dx.zeros(2, 3, 8)
kv: Tensor[L[2], L[5], L[8], NoneTape] = dx.zeros(2, 5, 8)
m34 = dx.zeros(3, 4) > 0.0
m35 = dx.zeros(3, 5) > 0.0
pad24 = dx.zeros(2, 4) > 0.0
heads = dx.zeros(3, 3, 5)

a1 = mha(q, kv, kv, attn_mask=m34)  # E: mypy[dfdx-shape "MultiHeadAttention[8, 2]: attn_mask "
#     "must be Tensor[3, 5] or Tensor[4, 3, 5] (batch * num_heads, L, S), got Tensor[3, 4]"]
a2 = mha(q, kv, kv, attn_mask=heads)  # E: mypy[dfdx-shape ""
#     "MultiHeadAttention[8, 2]: attn_mask must be Tensor[3, 5] or Tensor[4, 3, 5] "
#     "(batch * num_heads, L, S), got Tensor[3, 3, 5]"]
a3 = mha(q, kv, kv, key_padding_mask=pad24)  # E: mypy[dfdx-shape "MultiHeadAttention[8, 2]: "
#     "key_padding_mask must be Tensor[2, 5] (batch, S), got Tensor[2, 4]"]
a4 = mha(q, key_padding_mask=dx.zeros(2, 5) > 0.0)  # E: mypy[dfdx-shape ""
#     "MultiHeadAttention[8, 2]: key_padding_mask must be Tensor[2, 3] (batch, S), "
#     "got Tensor[2, 5]"]
s1 = dx.scaled_dot_product_attention(q, kv, kv, attn_mask=m34)  # E: mypy[dfdx-shape ""
#     "scaled_dot_product_attention: mask Tensor[3, 4] does not broadcast to Tensor[2, 3, 5] "
#     "(axis -1: 4 != 5)"]
