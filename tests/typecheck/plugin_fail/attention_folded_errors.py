"""Attention's head count checked where sizes are written as arithmetic on known sizes (a
``Final`` constant, a config's ``Literal`` attribute): ``MultiHeadAttention(3 * N + 1, N)`` is
folded to 13 and 4 like any other size argument."""

# rules: attention

from dataclasses import dataclass
from typing import Final
from typing import Literal as L

import dfdx as dx

N: Final = 4


@dataclass(frozen=True)
class Config:
    n_embd: L[16] = 16
    n_head: L[4] = 4


cfg = Config()
m = dx.nn.MultiHeadAttention(3 * N + 1, N)  # E: mypy[dfdx-shape "MultiHeadAttention: num_heads "
#                                      "4 does not divide embed_dim 13 (13 % 4 = 1)"]
e = dx.nn.TransformerEncoderLayer(2 * cfg.n_embd, cfg.n_head + 1)  # E: mypy[dfdx-shape ""
#     "TransformerEncoderLayer: nhead 5 does not divide d_model 32 (32 % 5 = 2)"]
d = dx.nn.TransformerDecoderLayer(cfg.n_embd, cfg.n_head - 4)  # E: mypy[dfdx-shape ""
#     "TransformerDecoderLayer: nhead must be at least 1, got 0"]
