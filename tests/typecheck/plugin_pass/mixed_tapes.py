"""Mixed tapes with the plugin: a traced target with a frozen encoder's memory, a traced query
with a constant key and value, a loss with an untraced target, concat/stack/where/slice_scatter/
clamp/linear of traced and untraced tensors. Each result is traced when any input is, with the
sizes the plugin computes; a function generic in the tape keeps its ``T``. Backward runs."""

# rules: attention, losses, movement, indexing, unary, linalg

from typing import Literal as L
from typing import TypeVar, assert_type

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)
q = dx.randn(2, 3, 8, rng=rng)
kv = dx.randn(2, 5, 8, rng=rng)
qt = q.trace()
kvt = kv.trace()

# scaled_dot_product_attention
assert_type(dx.scaled_dot_product_attention(q, kv, kv), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(dx.scaled_dot_product_attention(qt, kv, kv), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(dx.scaled_dot_product_attention(q, kvt, kv), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(dx.scaled_dot_product_attention(q, kv, kvt), Tensor[L[2], L[3], L[8], OwnedTape])

# MultiHeadAttention
mha = dx.nn.MultiHeadAttention(8, 2, rng=rng)
assert_type(mha(q, kv, kv), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(mha(qt, kv, kv), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(mha(q, kvt, kvt), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(mha(qt), Tensor[L[2], L[3], L[8], OwnedTape])

# a decoder over a frozen encoder's memory
encoder = dx.nn.TransformerEncoder(dx.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 1)
memory = encoder(kv)  # frozen: never traced
assert_type(memory, Tensor[L[2], L[5], L[8], NoneTape])
layer = dx.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, rng=rng)
assert_type(layer(qt, memory), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(layer(q, memory), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(layer(q, kvt), Tensor[L[2], L[3], L[8], OwnedTape])
decoder = dx.nn.TransformerDecoder(layer, 2)
out = decoder(qt, memory)
assert_type(out, Tensor[L[2], L[3], L[8], OwnedTape])
model = dx.nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, rng=rng)
assert_type(model(kv, qt), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(model(kvt, q), Tensor[L[2], L[3], L[8], OwnedTape])

# losses with an untraced target
target = dx.zeros(2, 3, 8)
assert_type(dx.losses.mse_loss(target, qt), Tensor[OwnedTape])
assert_type(dx.losses.mse_loss(target, q), Tensor[NoneTape])

# concat, stack, where, masked_fill, slice_scatter, clamp with tensor bounds
assert_type(dx.concat([q, qt], axis=1), Tensor[L[2], L[6], L[8], OwnedTape])
assert_type(dx.concat([q, kv], axis=1), Tensor[L[2], L[8], L[8], NoneTape])
assert_type(dx.stack([qt, q]), Tensor[L[2], L[2], L[3], L[8], OwnedTape])
mask = q > 0.0
assert_type(dx.where(mask, q, qt), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(dx.where(mask, q, 0.0), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(dx.masked_fill(qt, mask, 0.0), Tensor[L[2], L[3], L[8], OwnedTape])
cache = dx.zeros(2, 5, 8)
assert_type(
    dx.slice_scatter(cache, qt, axis=1, start=0, end=3), Tensor[L[2], L[5], L[8], OwnedTape]
)
assert_type(cache.slice_scatter(q, axis=1, start=2, end=5), Tensor[L[2], L[5], L[8], NoneTape])
assert_type(dx.clamp(q, min=qt), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(dx.clamp(q, min=target, max=1.0), Tensor[L[2], L[3], L[8], NoneTape])

# linear with traced weights and an untraced input, and the reverse
w = dx.randn(4, 8, rng=rng)
b = dx.zeros(4)
assert_type(dx.linear(q, w.trace(), b), Tensor[L[2], L[3], L[4], OwnedTape])
assert_type(dx.linear(qt, w, b), Tensor[L[2], L[3], L[4], OwnedTape])
assert_type(dx.linear(q, w, b.trace()), Tensor[L[2], L[3], L[4], OwnedTape])
assert_type(dx.linear(q, w, b), Tensor[L[2], L[3], L[4], NoneTape])


# a function generic in the tape keeps it, with a constant memory
def decode(x: Tensor[L[2], L[3], L[8], T]) -> Tensor[L[2], L[3], L[8], T]:
    return layer(x, memory) + dx.scaled_dot_product_attention(x, x, x)


assert_type(decode(q), Tensor[L[2], L[3], L[8], NoneTape])

# backward through the decoder reaches the traced target only
loss = dx.losses.mse_loss(decode(qt), target)
assert_type(loss, Tensor[OwnedTape])
grads = loss.backward()
assert grads[qt].shape == (2, 3, 8)
