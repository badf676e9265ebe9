"""A user's module whose ``forward`` types a tensor and a list of tensors with one tape
TypeVar, called with a traced input beside a list of untraced ones: embeddings looked up with
untraced ids (DLRM's sparse features, stacked with the dense features' bottom-MLP output for
the pairwise interaction), memory banks read from a module's own tables. The tape is solved
as a built-in op joins tapes (``dx.stack``, ``dx.cat`` of a traced and an untraced tensor give
a traced result): the list keeps its tape, the result is ``OwnedTape`` where one is traced. An
untraced input beside them gives an untraced result."""

# rules: nn, movement, linalg

from collections.abc import Sequence
from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Embedding, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
M = TypeVar("M", bound=int)
D = TypeVar("D", bound=int)
DI = TypeVar("DI", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class PairwiseDots(Module):
    """Dot products of every pair of the feature vectors, dense first."""

    def forward(self, dense: Tensor[B, D, T], sparse: list[Tensor[B, D, T]]) -> Tensor[B, int, T]:
        feats = dx.stack([dense, *sparse], axis=1)
        z = feats @ feats.transpose(1, 2)
        return z.flatten(1)


class Recommender(Module, Generic[DI, D]):
    def __init__(self, num_dense: DI, dim: D, vocabs: list[int]) -> None:
        super().__init__()
        self.bottom = Linear(num_dense, dim)
        self.tables = ModuleList([Embedding(v, dim) for v in vocabs])
        self.dots = PairwiseDots()
        self.top = Linear((len(vocabs) + 1) ** 2, 1)

    def forward(self, dense: Tensor[B, DI, T], ids: Tensor[B, int, NoneTape]) -> Tensor[B, T]:
        x = self.bottom(dense).relu()
        looked_up = [table(ids[:, k]) for k, table in enumerate(self.tables)]
        z = self.dots(x, looked_up)
        return self.top(z).squeeze(1)


class MemoryReader(Module, Generic[D]):
    """Queries read each memory bank in turn (keys and values alike)."""

    def __init__(self, dim: D) -> None:
        super().__init__()
        self.proj = Linear(dim, dim)

    def forward(
        self, x: Tensor[B, S, D, T], banks: Sequence[Tensor[B, M, D, T]]
    ) -> Tensor[B, S, D, T]:
        out = self.proj(x)
        for bank in banks:
            attn = (out @ bank.transpose(1, 2)).softmax(axis=-1)
            out = out + attn @ bank
        return out


class Memorizer(Module, Generic[D]):
    def __init__(self, dim: D, slots: int, banks: int) -> None:
        super().__init__()
        self.banks = ModuleList([Embedding(slots, dim) for _ in range(banks)])
        self.reader = MemoryReader(dim)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        b = x.shape[0]
        return self.reader(
            x, [bank.weight.unsqueeze(0).broadcast_to(b, -1, -1) for bank in self.banks]
        )


def main() -> None:
    rng = np.random.default_rng(0)
    model = Recommender(5, 4, [10, 7, 12])
    dense = dx.randn(6, 5)
    ids = dx.tensor(np.stack([rng.integers(0, v, 6) for v in (10, 7, 12)], axis=1))
    ids = ids.ensure_shape(6, 3)
    logits = model(dense.trace(), ids)
    assert_type(logits, Tensor[L[6], OwnedTape])
    assert logits.shape == (6,)
    grads = logits.sum().backward()
    assert grads[model.bottom.weight].shape == (4, 5)
    inference = model(dense, ids)
    assert_type(inference, Tensor[L[6], NoneTape])

    memorizer = Memorizer(8, 3, 2)
    x = dx.randn(2, 5, 8)
    y = memorizer(x.trace())
    assert_type(y, Tensor[L[2], L[5], L[8], OwnedTape])
    assert y.shape == (2, 5, 8)
    y.sum().backward()


main()
