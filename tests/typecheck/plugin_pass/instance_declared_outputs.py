"""A block whose ``forward`` the per-instance evaluation does not follow (a position
embedding over ``dx.arange``) stands for the tensor it declares, with the sizes this instance
binds (a construction argument typed with a size TypeVar, an axis of its argument), a size it
does not bind unknown: the evaluation of the caller goes on after it, and nothing is
reported on correct code (docs/modules.md, "Blocks typed per instance")."""

# rules: nn, binary

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Embedding, LayerNorm, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
C = TypeVar("C", bound=int)
D = TypeVar("D", bound=int)
V = TypeVar("V", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class TokenAndPosition(Module, Generic[V, D]):
    def __init__(self, vocab: V, dim: D, max_len: int) -> None:
        super().__init__()
        self.tokens = Embedding(vocab, dim)
        self.positions = Embedding(max_len, dim)

    def forward(self, ids: Tensor[B, S, NoneTape]) -> Tensor[B, S, D, NoneTape]:
        where = dx.arange(ids.shape[1])
        return self.tokens(ids) + self.positions(where)


class Pooler(Module):
    """Declares a width it cannot name: the caller's layer after it is not checked on it."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dense = Linear(dim, dim)

    def forward(self, x: Tensor[B, S, Dyn, T]) -> Tensor[B, Dyn, T]:
        first = x[:, 0]
        return self.dense(first.reshape(first.shape[0], -1)).tanh()


class FeedForward(Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.up = Linear(dim, hidden)
        self.down = Linear(hidden, dim)
        self.norm = LayerNorm(dim)

    def forward(self, x: Tensor[B, S, Dyn, T]) -> Tensor[B, S, Dyn, T]:
        return self.norm(x + self.down(self.up(x).relu()))


class SentenceClassifier(Module, Generic[V, D]):
    def __init__(self, vocab: V, dim: D, ffn_dim: int, n_classes: int) -> None:
        super().__init__()
        self.embed = TokenAndPosition(vocab, dim, 128)
        self.ffn = FeedForward(dim, ffn_dim)
        self.pool = Pooler(dim)
        self.head = Linear(dim, n_classes)

    def forward(self, ids: Tensor[B, S, NoneTape]) -> Tensor[B, int, OwnedTape]:
        h = self.ffn(self.embed(ids).trace())
        return self.head(self.pool(h))


class PreActBottleneck(Module, Generic[C]):
    """ResNet v2: each convolution after a batch norm and a ReLU."""

    def __init__(self, channels: C, mid: int) -> None:
        super().__init__()
        self.bn1 = BatchNorm2d(channels)
        self.reduce = Conv2d(channels, mid, 1)
        self.bn2 = BatchNorm2d(mid)
        self.expand = Conv2d(mid, channels, 1)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        y = self.reduce(self.bn1(x).relu())
        return x + self.expand(self.bn2(y).relu())


class Backbone(Module, Generic[C]):
    def __init__(self, width: C) -> None:
        super().__init__()
        self.stem = Conv2d(3, width, 3, padding=1)
        self.block = PreActBottleneck(width, width // 4)
        self.head = Linear(width, 10)

    def forward(self, images: Tensor[B, int, H, W, T]) -> Tensor[B, int, T]:
        h = self.block(self.stem(images))
        return self.head(h.mean(axis=(2, 3)))


def main() -> None:
    ids = dx.tensor(np.random.randint(0, 100, (2, 10)))
    model = SentenceClassifier(100, 32, 64, 4)
    logits = model(ids)
    assert_type(logits, Tensor[L[2], L[4], OwnedTape])
    print(logits.shape)
    backbone = Backbone(16)
    scores = backbone(dx.randn(2, 3, 8, 8))
    assert_type(scores, Tensor[L[2], L[10], NoneTape])
    print(scores.shape)


if __name__ == "__main__":
    main()
