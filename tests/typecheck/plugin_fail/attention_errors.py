"""Attention that cannot fit: a num_heads (nhead) that does not divide embed_dim (d_model)
where the module is built; a query, key or value whose last size is not embed_dim where it
is called (self-attention, cross-attention, a symbolic batch); key and value of different
lengths; a transformer layer, stack or Transformer given a sequence of the wrong feature
size; scaled_dot_product_attention with query and key of different feature sizes (keys split
into heads with the head count and head size swapped: reported where q and k are split too,
not where v is)."""

# rules: attention

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

# where the module is built
m1 = dx.nn.MultiHeadAttention(64, 6)  # E: mypy[dfdx-shape "MultiHeadAttention: num_heads 6 does "
#     "not divide embed_dim 64 (64 % 6 = 4)"]
m2 = dx.nn.MultiHeadAttention(16, 0)  # E: mypy[dfdx-shape "MultiHeadAttention: num_heads must be "
#     "at least 1, got 0"]
m3 = dx.nn.MultiHeadAttention(embed_dim=10, num_heads=4)  # E: mypy[dfdx-shape ""
#     "MultiHeadAttention: num_heads 4 does not divide embed_dim 10 (10 % 4 = 2)"]
e1 = dx.nn.TransformerEncoderLayer(64, 5)  # E: mypy[dfdx-shape "TransformerEncoderLayer: nhead 5 "
#     "does not divide d_model 64 (64 % 5 = 4)"]
d1 = dx.nn.TransformerDecoderLayer(12, 8)  # E: mypy[dfdx-shape "TransformerDecoderLayer: nhead 8 "
#     "does not divide d_model 12 (12 % 8 = 4)"]
t1 = dx.nn.Transformer(d_model=30, nhead=4)  # E: mypy[dfdx-shape "Transformer: nhead 4 does not "
#     "divide d_model 30 (30 % 4 = 2)"]

# where it is called
mha = dx.nn.MultiHeadAttention(16, 4)
x: Tensor[L[2], L[5], L[16], NoneTape] = dx.zeros(2, 5, 16)
w: Tensor[L[2], L[5], L[8], NoneTape] = dx.zeros(2, 5, 8)
mem: Tensor[L[2], L[7], L[16], NoneTape] = dx.zeros(2, 7, 16)
short: Tensor[L[2], L[6], L[16], NoneTape] = dx.zeros(2, 6, 16)

c1 = mha(w)  # E: mypy[dfdx-shape "MultiHeadAttention[16, 4]: query takes 16 features, got "
#     "Tensor[2, 5, 8] (8 != 16)"]
c2 = mha(x, w)  # E: mypy[dfdx-shape "MultiHeadAttention[16, 4]: key takes 16 features, got "
#     "Tensor[2, 5, 8] (8 != 16)"]
c3 = mha(x, mem, w)  # E: mypy[dfdx-shape "MultiHeadAttention[16, 4]: value takes 16 features, "
#     "got Tensor[2, 5, 8] (8 != 16)"]
c4 = mha(x, mem, short)  # E: mypy[dfdx-shape "MultiHeadAttention[16, 4]: key and value lengths "
#     "differ: key Tensor[2, 7, 16], value Tensor[2, 6, 16] (7 != 6)"]
c5 = mha.forward(w.trace())  # E: mypy[dfdx-shape "MultiHeadAttention[16, 4]: query takes 16 "
#     "features, got Tensor[2, 5, 8] (8 != 16)"]


def attend(h: Tensor[B, L[5], L[8], T]) -> None:
    mha(h)  # E: mypy[dfdx-shape "MultiHeadAttention[16, 4]: query takes 16 features, got "
    #     "Tensor[B, 5, 8] (8 != 16)"]


q = dx.zeros(2, 4, 5, 16)
k = dx.zeros(2, 4, 7, 8)
s1 = dx.scaled_dot_product_attention(q, k, k)  # E: mypy[dfdx-shape ""
#     "scaled_dot_product_attention: query and key feature sizes differ: query Tensor[2, 4, 5, "
#     "16], key Tensor[2, 4, 7, 8] (16 != 8)"]

H = TypeVar("H", bound=int)
D = TypeVar("D", bound=int)


def swapped_heads(x: Tensor[B, L[5], D, T], n_heads: H) -> None:
    b, s, c = x.shape
    q = x.view(b, s, n_heads, c // n_heads).transpose(1, 2)  # E: mypy[dfdx-shape ""
    #     "q is assigned here; used at line 79: "
    #     "scaled_dot_product_attention: query and key feature sizes differ: query Tensor[B, H, "
    #     "5, D//H], key Tensor[B, D//H, 5, H] (D//H != H)"]
    k = x.view(b, s, c // n_heads, n_heads).transpose(1, 2)  # E: mypy[dfdx-shape ""
    #     "k is assigned here; used at line 79: "
    #     "scaled_dot_product_attention: query and key feature sizes differ: query Tensor[B, H, "
    #     "5, D//H], key Tensor[B, D//H, 5, H] (D//H != H)"]
    v = x.view(b, s, n_heads, c // n_heads).transpose(1, 2)
    dx.scaled_dot_product_attention(q, k, v)  # E: mypy[dfdx-shape ""
    #     "scaled_dot_product_attention: query and key feature sizes differ: query Tensor[B, H, "
    #     "5, D//H], key Tensor[B, D//H, 5, H] (D//H != H)"]


# transformer layers, stacks and the Transformer where they are called
enc = dx.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32)
l1 = enc(w)  # E: mypy[dfdx-shape "TransformerEncoderLayer[16]: src takes 16 features, got "
#     "Tensor[2, 5, 8] (8 != 16)"]
stack = dx.nn.TransformerEncoder(enc, 2)
l2 = stack(w.trace())  # E: mypy[dfdx-shape "TransformerEncoderLayer[16]: src takes 16 features, "
#     "got Tensor[2, 5, 8] (8 != 16)"]
dec = dx.nn.TransformerDecoderLayer(16, 4, dim_feedforward=32)
l3 = dec(x, w)  # E: mypy[dfdx-shape "TransformerDecoderLayer[16]: memory takes 16 features, got "
#     "Tensor[2, 5, 8] (8 != 16)"]
model = dx.nn.Transformer(16, 4, 1, 1, 32)
l4 = model(x, w)  # E: mypy[dfdx-shape "Transformer[16]: tgt takes 16 features, got Tensor[2, 5, "
#     "8] (8 != 16)"]
wide = dx.nn.MultiHeadAttention(True, 4)  # E: mypy[dfdx-shape
#     "MultiHeadAttention: embed_dim must be an int, got True"]
heads = dx.nn.MultiHeadAttention(16, num_heads=True)  # E: mypy[dfdx-shape
#     "MultiHeadAttention: num_heads must be an int, got True"]
