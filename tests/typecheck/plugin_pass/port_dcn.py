"""A Deep & Cross Network v2 (Wang et al. 2021) with DLRM-style dot interactions, ported from
the usual PyTorch recommender code: one embedding table per sparse field in a ``ModuleList``,
the dense features through a bottom MLP, the fields stacked and their pairwise dot products
taken with ``einsum`` and masked to the upper triangle, a stack of cross layers
``x0 * (W x + b) + x`` over the concatenated features, a deep tower built in a loop as a
``Sequential``, an optional stacked (not parallel) structure chosen by a flag, and a click
logit; ids and dense features come from NumPy."""

# rules: nn

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Embedding, Linear, Module, ModuleList, ReLU, Sequential

B = TypeVar("B", bound=int)
F = TypeVar("F", bound=int)  # dense features
D = TypeVar("D", bound=int)  # the embedding width
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class CrossLayer(Module, Generic[D]):
    """x0 * (W x + b) + x, the DCN-v2 cross."""

    def __init__(self, dim: D) -> None:
        super().__init__()
        self.linear = Linear(dim, dim, rng=rng)

    def forward(self, x0: Tensor[B, D, T], x: Tensor[B, D, T]) -> Tensor[B, D, T]:
        return x0 * self.linear(x) + x


def mlp(in_dim: int, hidden: list[int]) -> Sequential[Any]:
    layers: list[Module] = []
    for h in hidden:
        layers.append(Linear(in_dim, h, rng=rng))
        layers.append(ReLU())
        in_dim = h
    return Sequential(*layers)


class DCN(Module, Generic[F, D]):
    def __init__(
        self,
        num_dense: F,
        vocab_sizes: list[int],
        embed_dim: D,
        num_cross: int = 2,
        deep: list[int] = [16, 8],  # noqa: B006
        stacked: bool = True,
    ) -> None:
        super().__init__()
        self.num_fields = len(vocab_sizes)
        self.embeddings = ModuleList([Embedding(v, embed_dim, rng=rng) for v in vocab_sizes])
        self.bottom = Sequential(Linear(num_dense, embed_dim, rng=rng), ReLU())
        n = self.num_fields + 1
        self.num_pairs = n * (n - 1) // 2
        rows, cols = np.triu_indices(n, k=1)
        self.rows = rows
        self.cols = cols
        in_dim = embed_dim * n + self.num_pairs
        self.cross = ModuleList([CrossLayer(in_dim) for _ in range(num_cross)])
        self.stacked = stacked
        self.deep = mlp(in_dim, deep)
        head_in = deep[-1] if stacked else in_dim + deep[-1]
        self.head = Linear(head_in, 1, rng=rng)

    def forward(self, dense: Tensor[B, F, T], sparse: Tensor[B, int, NoneTape]) -> Tensor[B, T]:
        B_ = dense.shape[0]
        d = self.bottom(dense)
        fields = [d]
        for i, emb in enumerate(self.embeddings):
            fields.append(emb(sparse[:, i]))
        z = dx.stack(fields, axis=1)  # (B, n, D)
        dots = dx.einsum("bnd,bmd->bnm", z, z)
        pairs = dots.view(B_, -1)
        index = dx.tensor(self.rows * z.shape[1] + self.cols)
        pairs = dx.index_select(pairs, 1, index)
        x0 = dx.cat([z.view(B_, -1), pairs], axis=1)
        x = x0
        for layer in self.cross:
            x = layer(x0, x)
        if self.stacked:
            h = self.deep(x)
        else:
            h = dx.cat([x, self.deep(x0)], axis=1)
        logit = self.head(h)
        return logit.view(B_)


vocab = [10, 7, 5]
model: DCN[L[4], L[6]] = DCN(4, vocab, 6)
side: DCN[L[4], L[6]] = DCN(4, vocab, 6, stacked=False)
dense_np = rng.standard_normal((8, 4)).astype(np.float32)
ids_np = np.stack([rng.integers(0, v, 8) for v in vocab], axis=1)
dense: Tensor[L[8], L[4], NoneTape] = dx.tensor(dense_np).view(8, 4)
ids: Tensor[L[8], int, NoneTape] = dx.tensor(ids_np)
logits = model(dense.trace(), ids)
assert_type(logits, Tensor[L[8], OwnedTape])
assert_type(side(dense, ids), Tensor[L[8], NoneTape])
clicks = dx.tensor(rng.integers(0, 2, 8).astype(np.float32)).view(8)
loss = dx.losses.binary_cross_entropy_with_logits_loss(logits, clicks)
grads = loss.backward()
assert logits.shape == (8,)
assert grads[model.head.weight].shape == (1, 8)
