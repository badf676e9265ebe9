"""A list of untraced tensors given with a traced one to a user's module that types both with
one tape TypeVar does not hide a size mistake: embedding tables built for the dense input's
width where the interaction takes the bottom MLP's, given by name or as a comprehension; and
the joined result is traced, so a variable declared untraced rejects it."""

# rules: nn

from typing import Generic, TypeVar
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Embedding, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
D = TypeVar("D", bound=int)
DI = TypeVar("DI", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class PairwiseDots(Module):
    def forward(self, dense: Tensor[B, D, T], sparse: list[Tensor[B, D, T]]) -> Tensor[B, int, T]:
        feats = dx.stack([dense, *sparse], axis=1)
        return (feats @ feats.transpose(1, 2)).flatten(1)


class Recommender(Module, Generic[DI, D]):
    def __init__(self, num_dense: DI, dim: D, vocabs: list[int]) -> None:
        super().__init__()
        self.bottom = Linear(num_dense, dim)
        self.tables = ModuleList([Embedding(v, num_dense) for v in vocabs])
        self.dots = PairwiseDots()

    def forward(self, dense: Tensor[B, DI, T], ids: Tensor[B, int, NoneTape]) -> Tensor[B, int, T]:
        x = self.bottom(dense).relu()
        looked_up = [table(ids[:, k]) for k, table in enumerate(self.tables)]
        return self.dots(x, looked_up)  # E: mypy[arg-type "has incompatible type "
        #     "\"list[Tensor[B, DI, NoneTape]]\"; expected \"list[Tensor[B, D, NoneTape]]\""]

    def scores(self, dense: Tensor[B, DI, T], ids: Tensor[B, int, NoneTape]) -> Tensor[B, int, T]:
        x = self.bottom(dense).relu()
        return self.dots(x, [table(ids[:, k]) for k, table in enumerate(self.tables)])  # E: mypy[
        #     misc "List comprehension has incompatible type List[Tensor[B, DI, NoneTape]]; expec"
        #     "ted List[Tensor[B, D, NoneTape]]"]


dots = PairwiseDots()
dense = dx.randn(4, 3)
tables = ModuleList([Embedding(10, 3), Embedding(7, 3)])
ids = dx.tensor(np.array([1, 2, 3, 4])).ensure_shape(4)
looked_up = [table(ids) for table in tables]
z: Tensor[L[4], int, NoneTape] = dots(dense.trace(), looked_up)  # E: mypy[assignment]
