"""The transformer modules' masks checked against their sequences' lengths where the call is
made, in the layout the module was built with (``batch_first=``, True where left out): an
attention mask is (L, S) or (batch * nhead, L, S), a key padding mask (batch, S). The messages
are the runtime's (tests/test_transformer.py). A layer whose layout is not known (annotated
without it) is not checked here: tests/typecheck/plugin_pass/transformer_masks.py."""

# rules: attention

import dfdx as dx

enc = dx.nn.TransformerEncoderLayer(16, 4, 32, 0.0)
seq_first = dx.nn.TransformerEncoderLayer(16, 4, 32, 0.0, batch_first=False)
x = dx.zeros(2, 5, 16)

a = enc(x, src_mask=dx.zeros(5, 4))  # E: mypy[dfdx-shape "TransformerEncoderLayer[16]: src_mask "
#     "must be Tensor[5, 5] or Tensor[batch * nhead, 5, 5], got Tensor[5, 4]"]
b = enc(x, src_key_padding_mask=dx.zeros(5, 2) > 0.0)  # E: mypy[dfdx-shape ""
#     "TransformerEncoderLayer[16]: src_key_padding_mask must be Tensor[2, 5] (batch, S), "
#     "got Tensor[5, 2]"]
c = seq_first(x, src_mask=dx.zeros(5, 5))  # E: mypy[dfdx-shape "TransformerEncoderLayer[16]: "
#     "src_mask must be Tensor[2, 2] or Tensor[batch * nhead, 2, 2], got Tensor[5, 5]"]
stack = dx.nn.TransformerEncoder(enc, 2)
d = stack(x, mask=dx.zeros(4, 4))  # E: mypy[dfdx-shape "TransformerEncoderLayer[16]: src_mask "
#     "must be Tensor[5, 5] or Tensor[batch * nhead, 5, 5], got Tensor[4, 4]"]

dec = dx.nn.TransformerDecoderLayer(16, 4, 32, 0.0)
memory = dx.zeros(2, 7, 16)
tgt = dx.zeros(2, 3, 16)
e = dec(tgt, memory, memory_mask=dx.zeros(7, 3))  # E: mypy[dfdx-shape ""
#     "TransformerDecoderLayer[16]: memory_mask must be Tensor[3, 7] or "
#     "Tensor[batch * nhead, 3, 7], got Tensor[7, 3]"]
# a 3-d mask's first axis (batch * nhead) is the runtime's check: the type does not hold nhead
f = dec(tgt, memory, tgt_mask=dx.zeros(2, 3, 3))

model = dx.nn.Transformer(16, 4, 1, 1, 32, 0.0)
pad = dx.zeros(2, 3) > 0.0
g = model(memory, tgt, memory_key_padding_mask=pad)  # E: mypy[dfdx-shape "Transformer[16]: "
#     "memory_key_padding_mask must be Tensor[2, 7] (batch, S), got Tensor[2, 3]"]
