"""Positional encodings built without an annotation keep ``d_model`` in their type, so a call
keeps the input's feature size (an unannotated ``SinusoidalPositionalEncoding[Any]`` would
give ``Any``), as a transformer written from PyTorch's tutorials builds them."""

# rules: attention, nn

from typing import Final, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

D_MODEL: Final = 16

pe = dx.nn.SinusoidalPositionalEncoding(D_MODEL, max_len=64)
assert_type(pe, dx.nn.SinusoidalPositionalEncoding[L[16]])
learned = dx.nn.LearnedPositionalEmbedding(64, 2 * 8)
assert_type(learned, dx.nn.LearnedPositionalEmbedding[L[16]])

emb = dx.nn.Embedding(100, D_MODEL)
tokens = dx.zeros(2, 5, dtype=dx.int64)
x = pe(emb(tokens.trace()))
assert_type(x, Tensor[L[2], L[5], L[16], OwnedTape])
assert_type(learned(dx.randn(3, 16)), Tensor[L[3], L[16], NoneTape])
assert_type(pe.forward(dx.randn(7, 4, 16)), Tensor[L[7], L[4], L[16], NoneTape])
