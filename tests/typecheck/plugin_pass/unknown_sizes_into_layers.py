"""A user's module whose ``forward`` declares sizes it cannot name as ``int`` (Swin's patch
merging gives ``2*C`` features from ``Tensor[B, N, C]``): its result goes into layers of
literal sizes, which take an ``int`` size as unknown (mypy without the plugin types the
layers ``Any``)."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import LayerNorm, Linear, Module

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class PairMerging(Module, Generic[C]):
    """Each pair of neighbouring tokens concatenated and mapped to 2C features."""

    def __init__(self, dim: C) -> None:
        super().__init__()
        self.reduction = Linear(2 * dim, 2 * dim, bias=False)

    def forward(self, x: Tensor[B, N, C, T]) -> Tensor[B, int, int, T]:
        b, n, c = x.shape
        pairs = x.reshape(b, n // 2, 2 * c)
        return self.reduction(pairs)


class Stage(Module):
    def __init__(self) -> None:
        super().__init__()
        self.merge: PairMerging[L[8]] = PairMerging(8)
        self.norm = LayerNorm(16)
        self.head = Linear(16, 4)

    def forward(self, x: Tensor[B, L[6], L[8], T]) -> Tensor[B, L[4], T]:
        merged = self.merge(x)
        merged = self.norm(merged)
        return self.head(merged.mean(axis=1))


stage = Stage()
tokens: Tensor[L[2], L[6], L[8], NoneTape] = dx.randn(2, 6, 8)
assert_type(stage(tokens), Tensor[L[2], L[4], NoneTape])
assert stage(tokens).shape == (2, 4)
