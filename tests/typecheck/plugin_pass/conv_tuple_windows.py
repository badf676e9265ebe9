"""Convolutions whose kernel, stride or padding is a tuple holding a module's ``int``
arguments or size TypeVars: a TextCNN's ``Conv2d(1, n_filters, (k, embed_dim))`` over the
embedded sentence (its width folds to 1, its height is ``S-k+1``), a ``(k, 1)`` kernel with
``padding=(k // 2, 0)`` that keeps the length, a ``stride=(stride, 1)`` that halves only the
height, and the same with TypeVars. Each axis is computed as a single size would be. Built
with literal sizes (odd kernels) and run."""

# rules: nn

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Expr, OwnedTape, Tensor

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
E = TypeVar("E", bound=int)
K = TypeVar("K", bound=int)

rng = np.random.default_rng(0)


class TextCNN(dx.nn.Module):
    """Kim's sentence classifier, one kernel height: the kernel spans the embedding."""

    def __init__(self, vocab: int, embed_dim: int, n_filters: int, k: int, classes: int) -> None:
        super().__init__()
        self.embedding = dx.nn.Embedding(vocab, embed_dim, rng=rng)
        self.conv = dx.nn.Conv2d(1, n_filters, (k, embed_dim), rng=rng)
        self.fc = dx.nn.Linear(n_filters, classes, rng=rng)

    def forward(self, tokens: Tensor[B, S, OwnedTape]) -> Tensor[B, Any, OwnedTape]:
        e = self.embedding(tokens).unsqueeze(1)  # (B, 1, S, embed_dim)
        c = dx.relu(self.conv(e))
        assert_type(c, Tensor[B, Any, Expr[L["S-k+1"]], L[1], OwnedTape])
        pooled = c.squeeze(3).max(axis=2)  # (B, n_filters)
        return self.fc(pooled)


class Column(dx.nn.Module):
    """A ``(k, 1)`` kernel padded to keep the length, then one strided along it only."""

    def __init__(self, k: int, stride: int) -> None:
        super().__init__()
        self.same = dx.nn.Conv2d(4, 4, (k, 1), padding=(k // 2, 0), rng=rng)
        self.down = dx.nn.Conv2d(4, 8, (3, 1), stride=(stride, 1), padding=(1, 0), rng=rng)

    def forward(
        self, x: Tensor[B, L[4], S, L[6], OwnedTape]
    ) -> Tensor[B, L[8], Any, L[6], OwnedTape]:
        y = x + self.same(x)
        assert_type(y, Tensor[B, L[4], S, L[6], OwnedTape])
        z = self.down(y)
        assert_type(z, Tensor[B, L[8], Expr[L["(S-1)//stride+1"]], L[6], OwnedTape])
        return z


class GenericKernel(dx.nn.Module, Generic[E, K]):
    """The kernel's sizes as the module's TypeVars: ``(k, embed_dim)`` and ``(3, 1)``."""

    def __init__(self, embed_dim: E, k: K) -> None:
        super().__init__()
        self.conv = dx.nn.Conv2d(1, 8, (k, embed_dim), rng=rng)
        self.tall = dx.nn.Conv2d(1, 8, (3, 1), padding=(1, 0), rng=rng)

    def forward(self, x: Tensor[B, L[1], S, E, OwnedTape]) -> Tensor[B, L[8], Any, OwnedTape]:
        c = self.conv(x)
        assert_type(c, Tensor[B, L[8], Expr[L["-K+S+1"]], L[1], OwnedTape])
        t = self.tall(x)
        assert_type(t, Tensor[B, L[8], S, E, OwnedTape])
        return c.squeeze(3)


model = TextCNN(50, 6, 4, 3, 2)
tokens: Tensor[L[2], L[7], OwnedTape] = dx.tensor(rng.integers(0, 50, (2, 7))).trace()
assert model(tokens).shape == (2, 2)
column = Column(5, 2)
assert column(dx.randn(2, 4, 9, 6, rng=rng).trace()).shape == (2, 8, 5, 6)
generic: GenericKernel[L[6], L[3]] = GenericKernel(6, 3)
assert generic(dx.randn(2, 1, 7, 6, rng=rng).trace()).shape == (2, 8, 5)
