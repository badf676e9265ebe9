"""Mixed tapes do not hide size errors: a traced query with a constant key of the wrong feature
size, a decoder given a frozen memory of the wrong feature size, a slice_scatter of a traced
src that does not fit the slice of an untraced cache."""

# rules: attention, movement

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

q = dx.zeros(2, 3, 8).trace()
k6: Tensor[L[2], L[5], L[6], NoneTape] = dx.zeros(2, 5, 6)
v8: Tensor[L[2], L[5], L[8], NoneTape] = dx.zeros(2, 5, 8)
mem6: Tensor[L[2], L[5], L[6], NoneTape] = dx.zeros(2, 5, 6)

s1 = dx.scaled_dot_product_attention(q, k6, v8)  # E: mypy[dfdx-shape ""
#     "scaled_dot_product_attention: query and key feature sizes differ: "
#     "query Tensor[2, 3, 8], key Tensor[2, 5, 6] (8 != 6)"]
mha = dx.nn.MultiHeadAttention(8, 2)
m1 = mha(q, mem6, mem6)  # E: mypy[dfdx-shape "MultiHeadAttention[8, 2]: key takes 8 features, "
#     "got Tensor[2, 5, 6] (6 != 8)"]
layer = dx.nn.TransformerDecoderLayer(8, 2, 16)
d1 = layer(q, mem6)  # E: mypy[dfdx-shape "TransformerDecoderLayer[8]: memory takes 8 features, "
#     "got Tensor[2, 5, 6] (6 != 8)"]
cache = dx.zeros(2, 5, 8)
c1 = dx.slice_scatter(cache, q, axis=1, start=0, end=2)  # E: mypy[dfdx-shape "slice_scatter: "
#     "src Tensor[2, 3, 8] does not fit the slice 0:2 of axis 1 of Tensor[2, 5, 8] "
#     "(Tensor[2, 2, 8])"]
