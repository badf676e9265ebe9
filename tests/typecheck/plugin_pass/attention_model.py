"""A typed transformer block: MultiHeadAttention built from literal sizes is typed with them
(``MultiHeadAttention[L[16], L[4]]``), so a call maps ``Tensor[B, S, 16, T]`` to
``Tensor[B, S, 16, T]``, for self- and cross-attention, traced or not. The encoder layer and
the positional encodings keep the shape; scaled_dot_product_attention gives
``(*B, L, Dv)``. Forward and backward run."""

# rules: attention

from typing import Literal as L
from typing import TypeVar, assert_type

import numpy as np

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)
mha = dx.nn.MultiHeadAttention(16, 4, rng=rng)
assert_type(mha, dx.nn.MultiHeadAttention[L[16], L[4]])
layer = dx.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0, rng=rng)
assert_type(layer, dx.nn.TransformerEncoderLayer[L[16], L[True]])

x: Tensor[L[2], L[5], L[16], NoneTape] = dx.randn(2, 5, 16, rng=rng)
memory: Tensor[L[2], L[7], L[16], NoneTape] = dx.randn(2, 7, 16, rng=rng)

y = mha(x)
assert_type(y, Tensor[L[2], L[5], L[16], NoneTape])
c = mha(x.trace(), memory.trace(), is_causal=True)
assert_type(c, Tensor[L[2], L[5], L[16], OwnedTape])
pad = dx.tensor(np.array([[False] * 7, [False] * 5 + [True] * 2]))
c2 = mha(x, memory, memory, key_padding_mask=pad)
assert_type(c2, Tensor[L[2], L[5], L[16], NoneTape])


class Block(dx.nn.Module):
    """Positional encoding, self-attention with a residual, then an encoder layer."""

    def __init__(self) -> None:
        super().__init__()
        self.pos: dx.nn.SinusoidalPositionalEncoding[L[16]] = dx.nn.SinusoidalPositionalEncoding(
            16, max_len=32
        )
        self.attn: dx.nn.MultiHeadAttention[L[16], L[4]] = dx.nn.MultiHeadAttention(16, 4)
        self.layer: dx.nn.TransformerEncoderLayer[L[16]] = dx.nn.TransformerEncoderLayer(
            16, 4, dim_feedforward=32, dropout=0.0
        )

    def forward(self, x: Tensor[B, S, L[16], T]) -> Tensor[B, S, L[16], T]:
        h = self.pos(x)
        h = h + self.attn(h, is_causal=True)
        return self.layer(h)


block = Block()
out = block.forward(x.trace())
assert_type(out, Tensor[L[2], L[5], L[16], OwnedTape])
grads = out.square().mean().backward()
assert grads[block.attn.in_proj_weight].shape == (48, 16)

q = dx.randn(2, 4, 5, 8, rng=rng)
k = dx.randn(2, 4, 7, 8, rng=rng)
v = dx.randn(2, 4, 7, 3, rng=rng)
a = dx.scaled_dot_product_attention(q, k, v)
assert_type(a, Tensor[L[2], L[4], L[5], L[3], NoneTape])
assert np.isfinite(a.numpy()).all()

H = TypeVar("H", bound=int)
D = TypeVar("D", bound=int)


def heads(x: Tensor[B, S, D, T], n_heads: H) -> Tensor[B, H, S, Expr[L["D//H"]], T]:
    """Queries, keys and values split into heads alike: the sizes agree as expressions."""
    b, s, c = x.shape
    q = x.view(b, s, n_heads, c // n_heads).transpose(1, 2)
    k = x.view(b, s, n_heads, c // n_heads).transpose(1, 2)
    return dx.scaled_dot_product_attention(q, k, k)


assert heads(x, 4).shape == (2, 4, 5, 4)
