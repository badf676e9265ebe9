"""A head split by ``reshape(b, s, nh, -1)`` in a generic attention module: the ``-1`` is the
input's size over the others, names cancelled (``B*S*E`` over ``B*S*NH`` is ``E//NH``, a head's
size; ``4`` for a literal width of 16 in 4 heads), and merging the heads back gives ``E``
again (``NH*(E//NH)``: a tensor's element count divides exactly)."""

# rules: movement, linalg

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
E = TypeVar("E", bound=int)
NH = TypeVar("NH", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class Attention(Module, Generic[E, NH]):
    def __init__(self, n_state: E, n_head: NH) -> None:
        super().__init__()
        self.n_head = n_head
        self.query = Linear(n_state, n_state, rng=rng)
        self.key = Linear(n_state, n_state, rng=rng)
        self.value = Linear(n_state, n_state, rng=rng)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, S, E, T]:
        b, s, _ = x.shape
        q = self.query(x).reshape(b, s, self.n_head, -1).permute(0, 2, 1, 3)
        assert_type(q, Tensor[B, NH, S, Expr[L["E//NH"]], T])
        k = self.key(x).reshape(b, s, self.n_head, -1).permute(0, 2, 3, 1)
        v = self.value(x).reshape(b, s, self.n_head, -1).permute(0, 2, 1, 3)
        w = (q @ k).softmax(axis=-1)
        assert_type(w, Tensor[B, NH, S, S, T])
        return (w @ v).permute(0, 2, 1, 3).flatten(2)


def split_heads(x: Tensor[B, S, L[16], T]) -> Tensor[B, S, L[4], L[4], T]:
    b, s, _ = x.shape
    heads = x.reshape(b, s, 4, -1)
    assert_type(heads, Tensor[B, S, L[4], L[4], T])
    return heads


attention: Attention[L[16], L[4]] = Attention(16, 4)
tokens: Tensor[L[2], L[5], L[16], NoneTape] = dx.randn(2, 5, 16, rng=rng)
out = attention(tokens)
assert_type(out, Tensor[L[2], L[5], L[16], NoneTape])
assert out.shape == (2, 5, 16)
assert split_heads(tokens).shape == (2, 5, 4, 4)
