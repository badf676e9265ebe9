"""Mixed tapes: every op, method and layer with more than one tensor input takes any mix of
untraced (``NoneTape``) and traced (``OwnedTape``) inputs, and its result is traced when any
input is (a frozen encoder's memory, an untraced target, a constant key)."""

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    MultiHeadAttention,
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
)

T = TypeVar("T", NoneTape, OwnedTape)

q: Tensor[L[2], L[3], L[8], NoneTape] = dx.randn(2, 3, 8)
kv: Tensor[L[2], L[5], L[8], NoneTape] = dx.randn(2, 5, 8)
qt = q.trace()
kvt = kv.trace()

# scaled_dot_product_attention: a traced query with a constant key/value, and the reverse
assert_type(dx.scaled_dot_product_attention(q, kv, kv), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(dx.scaled_dot_product_attention(qt, kv, kv), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(dx.scaled_dot_product_attention(q, kvt, kv), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(dx.scaled_dot_product_attention(q, kv, kvt), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(dx.scaled_dot_product_attention(qt, kvt, kvt), Tensor[L[2], L[3], L[8], OwnedTape])

# MultiHeadAttention: a traced query attending an untraced memory
mha: MultiHeadAttention[L[8], L[2]] = MultiHeadAttention(8, 2)
assert_type(mha(q, kv, kv), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(mha(q), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(mha(qt), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(mha(qt, kv, kv), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(mha(q, kvt, kvt), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(mha(q, kv, kvt), Tensor[L[2], L[3], L[8], OwnedTape])

# the decoder: a traced target with a frozen encoder's memory
layer: TransformerDecoderLayer[L[8]] = TransformerDecoderLayer(8, 2, 16, dropout=0.0)
assert_type(layer(q, kv), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(layer(qt, kv), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(layer(q, kvt), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(layer(qt, kvt), Tensor[L[2], L[3], L[8], OwnedTape])
decoder: TransformerDecoder[L[8]] = TransformerDecoder(layer, 2)
assert_type(decoder(q, kv), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(decoder(qt, kv), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(decoder(q, kvt), Tensor[L[2], L[3], L[8], OwnedTape])
model: Transformer[L[8]] = Transformer(8, 2, 1, 1, 16, dropout=0.0)
assert_type(model(kv, q), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(model(kvt, q), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(model(kv, qt), Tensor[L[2], L[3], L[8], OwnedTape])

# losses with an untraced target
target: Tensor[L[2], L[3], L[8], NoneTape] = dx.zeros(2, 3, 8)
assert_type(dx.losses.mse_loss(qt, target), Tensor[OwnedTape])
assert_type(dx.losses.mse_loss(q, target), Tensor[NoneTape])
assert_type(dx.losses.huber_loss(target, qt), Tensor[OwnedTape])

# where, masked_fill, slice_scatter, clamp with tensor bounds
mask: Tensor[L[2], L[3], L[8], NoneTape] = q > 0.0
assert_type(dx.where(mask, qt, q), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(dx.where(mask, q, qt), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(dx.where(mask, q, q), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(dx.masked_fill(qt, mask, 0.0), Tensor[L[2], L[3], L[8], OwnedTape])
cache: Tensor[L[2], L[5], L[8], NoneTape] = dx.zeros(2, 5, 8)
assert_type(
    dx.slice_scatter(cache, qt, axis=1, start=0, end=3), Tensor[L[2], L[5], L[8], OwnedTape]
)
assert_type(dx.slice_scatter(cache, q, axis=1, start=0, end=3), Tensor[L[2], L[5], L[8], NoneTape])
assert_type(dx.slice_scatter(kvt, q, axis=1, start=0, end=3), Tensor[L[2], L[5], L[8], OwnedTape])
assert_type(dx.clamp(q, min=target, max=1.0), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(dx.clamp(q, min=qt), Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(dx.clamp(qt, min=target), Tensor[L[2], L[3], L[8], OwnedTape])

# linear: an untraced input through traced weights, and the reverse
w: Tensor[L[4], L[8], NoneTape] = dx.randn(4, 8)
bias: Tensor[L[4], NoneTape] = dx.zeros(4)
assert_type(dx.linear(q, w, bias), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.linear(qt, w, bias), Tensor[L[2], L[3], L[4], OwnedTape])
assert_type(dx.linear(q, w.trace(), bias), Tensor[L[2], L[3], L[4], OwnedTape])
assert_type(dx.linear(q, w, bias.trace()), Tensor[L[2], L[3], L[4], OwnedTape])
assert_type(dx.linear(q, w.trace(), bias.trace()), Tensor[L[2], L[3], L[4], OwnedTape])
assert_type(dx.linear(qt, w, bias.trace()), Tensor[L[2], L[3], L[4], OwnedTape])


# a function generic in the tape keeps it: attention to a constant memory, a constant bias
def attend_memory(x: Tensor[L[2], L[3], L[8], T]) -> Tensor[L[2], L[3], L[8], T]:
    y = dx.scaled_dot_product_attention(x, kv, kv)
    z = dx.slice_scatter(cache, x, axis=1, start=0, end=3)
    assert_type(z, Tensor[L[2], L[5], L[8], T])
    return layer(y, kv) + mha(x, kv, kv) + dx.where(mask, x, q)


assert_type(attend_memory(q), Tensor[L[2], L[3], L[8], NoneTape])
assert_type(attend_memory(qt), Tensor[L[2], L[3], L[8], OwnedTape])
