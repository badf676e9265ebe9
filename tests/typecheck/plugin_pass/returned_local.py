"""A local name reused for each step (``values = self.table(ids)``, then ``values =
values.permute(2, 0, 1).unsqueeze(0)``) and returned: its last value fits the return type."""

# rules: nn, movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, Tensor
from dfdx.nn import Embedding, Module

Q = TypeVar("Q", bound=int)
K = TypeVar("K", bound=int)
NH = TypeVar("NH", bound=int)


class RelativeBias(Module, Generic[NH]):
    """A learned bias per head for each bucket of relative positions (T5's)."""

    def __init__(self, buckets: int, heads: NH) -> None:
        super().__init__()
        self.table = Embedding(buckets, heads)

    def forward(self, buckets: Tensor[Q, K, NoneTape]) -> Tensor[L[1], NH, Q, K, NoneTape]:
        values = self.table(buckets)  # (q, k, heads)
        values = values.permute(2, 0, 1).unsqueeze(0)  # (1, heads, q, k)
        return values


bias: RelativeBias[L[2]] = RelativeBias(8, 2)
ids: Tensor[L[3], L[4], NoneTape] = dx.tensor(np.arange(12).reshape(3, 4) % 8)
out = bias(ids)
assert_type(out, Tensor[L[1], L[2], L[3], L[4], NoneTape])
assert out.shape == (1, 2, 3, 4)
