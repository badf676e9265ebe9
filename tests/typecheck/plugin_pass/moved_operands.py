"""Attention scores from heads split in method chains written over several lines (as ruff
formats them), with the keys' axes moved where they are used (``k.transpose(-2, -1)``,
``k.mT``)."""

# rules: nn, linalg, movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
NH = TypeVar("NH", bound=int)
HS = TypeVar("HS", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Scores(Module, Generic[D, NH, HS]):
    def __init__(self, d_model: D, n_heads: NH, head_size: HS) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.head_size = head_size
        self.query_projection = Linear(d_model, n_heads * head_size, bias=False)
        self.key_projection = Linear(d_model, n_heads * head_size, bias=False)

    def forward(self, hidden_states: Tensor[B, S, D, T]) -> Tensor[B, NH, S, S, T]:
        batch_size, seq_length, _ = hidden_states.shape
        queries = (
            self.query_projection(hidden_states)
            .view(batch_size, seq_length, self.n_heads, self.head_size)
            .transpose(1, 2)
        )
        keys = (
            self.key_projection(hidden_states)
            .view(batch_size, seq_length, self.n_heads, self.head_size)
            .transpose(1, 2)
        )
        scores = queries @ keys.transpose(-2, -1)
        assert_type(scores, Tensor[B, NH, S, S, T])
        return queries @ keys.mT


scores: Scores[L[8], L[2], L[3]] = Scores(8, 2, 3)
x: Tensor[L[2], L[5], L[8], NoneTape] = dx.randn(2, 5, 8)
assert scores(x).shape == (2, 2, 5, 5)
