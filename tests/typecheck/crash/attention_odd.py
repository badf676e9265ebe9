"""Attention calls the plugin does not read, or reads only in part: star-args, **kwargs,
non-literal and bool sizes, negative sizes, Any and unions as operands, a subclass, a module
of unknown type arguments, forward() and keywords. mypy's own answer stands; no crash."""

from typing import Any
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

x: Tensor[L[2], L[5], L[16], NoneTape] = dx.zeros(2, 5, 16)
anything: Any = x
maybe: Tensor[L[2], L[5], L[16], NoneTape] | None = None
union: Tensor[L[2], L[5], L[16], NoneTape] | Tensor[L[2], L[5], L[8], NoneTape] = x
kw: dict[str, Any] = {"embed_dim": 16, "num_heads": 4}
sizes = (16, 4)
n = int("16")

dx.nn.MultiHeadAttention(*sizes)
dx.nn.MultiHeadAttention(**kw)
dx.nn.MultiHeadAttention(n, 4)
dx.nn.MultiHeadAttention(16, n)
dx.nn.MultiHeadAttention(True, 2)
dx.nn.MultiHeadAttention(-16, 4)
dx.nn.MultiHeadAttention(16, -4)
dx.nn.MultiHeadAttention(16)  # too few arguments: mypy's error
dx.nn.MultiHeadAttention(16, 4, 0.0, True, 9)  # too many
dx.nn.TransformerEncoderLayer(*sizes)
dx.nn.TransformerEncoderLayer(d_model=n, nhead=3)
dx.nn.Transformer()
dx.nn.Transformer(16, 0)

mha = dx.nn.MultiHeadAttention(16, 4)
mha(anything)
mha(x, anything, None)
mha(maybe)
mha(union)
mha(*[x])
mha(**{"query": x})
mha()
mha(x, x, x, x)
mha.forward(anything)
mha(query=x, key=x, value=x, attn_mask=anything, is_causal=True)
unknown: dx.nn.MultiHeadAttention[Any, Any] = dx.nn.MultiHeadAttention(16, 4)
unknown(x)
unknown(dx.zeros(2, 3))


class Mine(dx.nn.MultiHeadAttention[L[16], L[4]]):
    pass


Mine(16, 4)(x)
dx.scaled_dot_product_attention(x, anything, x)
dx.scaled_dot_product_attention(x)
dx.scaled_dot_product_attention(*[x, x, x])
