"""Masks of the right shapes for the transformer modules, batch first (the default) and not:
the plugin reads the layout from ``batch_first=`` into the module's type
(``TransformerEncoderLayer[L[16], L[False]]``) and checks masks in it; where the layout is not
known (an annotation that leaves it out, a ``batch_first`` that is not a literal), masks are not
checked by the plugin (the runtime does)."""

# rules: attention

from typing import Literal as L
from typing import assert_type

import dfdx as dx
from dfdx import NoneTape, Tensor

enc = dx.nn.TransformerEncoderLayer(16, 4, 32, 0.0)
assert_type(enc, dx.nn.TransformerEncoderLayer[L[16], L[True]])
seq_first = dx.nn.TransformerEncoderLayer(16, 4, 32, 0.0, batch_first=False)
assert_type(seq_first, dx.nn.TransformerEncoderLayer[L[16], L[False]])

x = dx.randn(2, 5, 16)
causal = dx.nn.causal_mask(5)
pad = dx.zeros(2, 5) > 0.0
y = enc(x, src_mask=causal, src_key_padding_mask=pad)
assert_type(y, Tensor[L[2], L[5], L[16], NoneTape])
per_head = dx.zeros(2 * 4, 5, 5)
assert_type(enc(x, src_mask=per_head), Tensor[L[2], L[5], L[16], NoneTape])

# sequence first: (S, B, E) = (5, 2, 16); masks keep PyTorch's meaning, (S, S) and (B, S)
xs = dx.randn(5, 2, 16)
ys = seq_first(xs, src_mask=causal, src_key_padding_mask=pad)
assert_type(ys, Tensor[L[5], L[2], L[16], NoneTape])

stack = dx.nn.TransformerEncoder(seq_first, 2)
assert_type(stack, dx.nn.TransformerEncoder[L[16], L[False]])
assert_type(stack(xs, mask=causal), Tensor[L[5], L[2], L[16], NoneTape])

dec = dx.nn.TransformerDecoderLayer(16, 4, 32, 0.0)
memory = dx.randn(2, 7, 16)
tgt = dx.randn(2, 3, 16)
out = dec(
    tgt,
    memory,
    tgt_mask=dx.nn.causal_mask(3),
    memory_mask=dx.zeros(3, 7),
    tgt_key_padding_mask=dx.zeros(2, 3) > 0.0,
    memory_key_padding_mask=dx.zeros(2, 7) > 0.0,
)
assert_type(out, Tensor[L[2], L[3], L[16], NoneTape])

model = dx.nn.Transformer(16, 4, 1, 1, 32, 0.0)
assert_type(model, dx.nn.Transformer[L[16], L[True]])
z = model(memory, tgt, tgt_mask=dx.nn.causal_mask(3), src_key_padding_mask=dx.zeros(2, 7) > 0.0)
assert_type(z, Tensor[L[2], L[3], L[16], NoneTape])

# an annotation without the layout takes either one
any_layout: dx.nn.TransformerEncoderLayer[L[16]] = seq_first
assert_type(any_layout(xs, src_mask=causal), Tensor[L[5], L[2], L[16], NoneTape])
