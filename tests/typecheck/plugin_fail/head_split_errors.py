"""A generic attention's scores taken without the keys' transpose (``q @ k`` for ``q @ k.mT``):
reported, where the heads are split by ``reshape(b, s, nh, -1)`` too, since a module does not
rely on its sequence length being its head size (two size parameters are two sizes, as for a
layer). The scores are then typed as they were meant to be (``Tensor[B, NH, S, S]``), so the
values' product that follows is no second error."""

# rules: movement, linalg

from typing import Generic, TypeVar

import numpy as np

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
E = TypeVar("E", bound=int)
NH = TypeVar("NH", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


def scores(q: Tensor[B, S, D, T], k: Tensor[B, S, D, T], v: Tensor[B, S, D, T]) -> None:
    w = q @ k  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, S, D] @ Tensor[B, S, D] "
    #     "(D != S)"]
    w = w.softmax(axis=-1)
    w @ v


class Attention(Module, Generic[E, NH]):
    def __init__(self, n_state: E, n_head: NH) -> None:
        super().__init__()
        self.n_head = n_head
        self.query = Linear(n_state, n_state, rng=rng)
        self.key = Linear(n_state, n_state, rng=rng)
        self.value = Linear(n_state, n_state, rng=rng)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, S, E, T]:
        b, s, _ = x.shape
        q = self.query(x).reshape(b, s, self.n_head, -1).permute(0, 2, 1, 3)  # E: mypy[dfdx-shape
        #     "q is assigned here; used at line 50: matmul: inner sizes differ: Tensor[B, NH, S, E"
        #     "//NH] @ Tensor[B, NH, S, E//NH] (E//NH != S)"]
        k = self.key(x).reshape(b, s, self.n_head, -1).permute(0, 2, 1, 3)  # E: mypy[dfdx-shape
        #     "k is assigned here; used at line 50: matmul: inner sizes differ: Tensor[B, NH, S, E"
        #     "//NH] @ Tensor[B, NH, S, E//NH] (E//NH != S)"]
        v = self.value(x).reshape(b, s, self.n_head, -1).permute(0, 2, 1, 3)
        w = (q @ k).softmax(axis=-1)  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, N"
        #     "H, S, E//NH] @ Tensor[B, NH, S, E//NH] (E//NH != S)"]
        return (w @ v).permute(0, 2, 1, 3).flatten(2)
