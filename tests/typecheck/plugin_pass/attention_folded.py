"""Attention modules built from sizes written as arithmetic (a ``Final`` constant, a frozen
config's ``Literal`` attributes) keep them in their type, so the calls are checked; creation
folds the same arithmetic, and ``arange`` of a folded size is exact."""

# rules: attention, creation

from dataclasses import dataclass
from typing import Final, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

N: Final = 4


@dataclass(frozen=True)
class Config:
    n_embd: L[16] = 16
    n_head: L[4] = 4


cfg = Config()
mha = dx.nn.MultiHeadAttention(3 * N, N)
assert_type(mha, dx.nn.MultiHeadAttention[L[12], L[4]])
wide = dx.nn.MultiHeadAttention(cfg.n_embd * 2, cfg.n_head)
assert_type(wide, dx.nn.MultiHeadAttention[L[32], L[4]])

x = dx.randn(2, 5, 3 * N)
assert_type(mha(x), Tensor[L[2], L[5], L[12], NoneTape])
y = dx.randn(2, 5, 2 * cfg.n_embd)
assert_type(wide(y), Tensor[L[2], L[5], L[32], NoneTape])

layer = dx.nn.TransformerEncoderLayer(cfg.n_embd, cfg.n_head, 2 * cfg.n_embd, 0.0)
src = dx.randn(2, 7, cfg.n_embd)
assert_type(layer(src), Tensor[L[2], L[7], L[16], NoneTape])

positions = dx.arange(N * 2)
assert_type(positions, Tensor[L[8], NoneTape])
empty = dx.zeros(0, N)
assert_type(empty, Tensor[L[0], L[4], NoneTape])
