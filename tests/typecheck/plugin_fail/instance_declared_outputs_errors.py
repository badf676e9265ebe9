"""A block whose ``forward`` the per-instance evaluation does not follow (token and position
embeddings summed over ``dx.arange``) stands for the tensor it declares, with the sizes of
this instance: the mistakes after it in the caller's ``forward`` are still found. A layer
built from the construction argument that makes a mistake is reported where it is built, as
well as where that argument is given (docs/modules.md, "Blocks typed per instance")."""

# rules: nn, binary

from typing import Generic, TypeVar

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


class FeedForward(Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.up = Linear(dim, hidden)
        self.down = Linear(hidden, dim)
        # dim was meant
        self.norm = LayerNorm(hidden)  # E: mypy[
        #     dfdx-shape "self.norm is built here; called at line 50: LayerNorm[64]: takes 64 fea"
        #     "tures, got Tensor[2, 10, 32] (32 != 64) (in FeedForward(dim, ffn_dim) b"
        #     "uilt at line 59)"]

    def forward(self, x: Tensor[B, S, Dyn, T]) -> Tensor[B, S, Dyn, T]:
        return self.norm(x + self.down(self.up(x).relu()))  # E: mypy[
        #     dfdx-shape "LayerNorm[64]: takes 64 features, got Tensor[2, 10, 32] (32 != 64) (in "
        #     "FeedForward(dim, ffn_dim) built at line 59)"]


class SentenceClassifier(Module, Generic[V, D]):
    def __init__(self, vocab: V, dim: D, ffn_dim: int, n_classes: int) -> None:
        super().__init__()
        self.embed = TokenAndPosition(vocab, dim, 128)
        self.ffn = FeedForward(dim, ffn_dim)
        self.head = Linear(dim, n_classes)

    def forward(self, ids: Tensor[B, S, NoneTape]) -> Tensor[B, int, OwnedTape]:
        h = self.ffn(self.embed(ids).trace())
        return self.head(h.mean(axis=1))


class PreActBottleneck(Module, Generic[C]):
    """ResNet v2: each convolution after a batch norm and a ReLU."""

    def __init__(self, channels: C, mid: int) -> None:
        super().__init__()
        # channels was meant
        self.bn1 = BatchNorm2d(mid)  # E: mypy[
        #     dfdx-shape "self.bn1 is built here; called at line 82: BatchNorm2d[C//4]: takes C//"
        #     "4 channels on axis 1, got Tensor[B, C, H, W] (C != C//4) (in PreActBott"
        #     "leneck(width, ...) built at line 92)"]
        self.reduce = Conv2d(channels, mid, 1)
        self.bn2 = BatchNorm2d(mid)
        self.expand = Conv2d(mid, channels, 1)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        y = self.reduce(self.bn1(x).relu())  # E: mypy[
        #     dfdx-shape "BatchNorm2d[C//4]: takes C//4 channels on axis 1, got Tensor[B, C, H, W"
        #     "] (C != C//4) (in PreActBottleneck(width, ...) built at line 92)"]
        return x + self.expand(self.bn2(y).relu())


class Backbone(Module, Generic[C]):
    def __init__(self, width: C) -> None:
        super().__init__()
        self.stem = Conv2d(3, width, 3, padding=1)
        self.block = PreActBottleneck(width, width // 4)  # E: mypy[
        #     dfdx-shape "mid is given here; used at line 82: BatchNorm2d[C//4]: takes C//4 chann"
        #     "els on axis 1, got Tensor[B, C, H, W] (C != C//4) (in PreActBottleneck("
        #     "width, ...) built at line 92)"]

    def forward(self, images: Tensor[B, int, H, W, T]) -> Tensor[B, C, H, W, T]:
        return self.block(self.stem(images))


def main() -> None:
    ids = dx.tensor(np.random.randint(0, 100, (2, 10)))
    model = SentenceClassifier(100, 32, 64, 4)
    print(model(ids).shape)
    backbone = Backbone(16)
    print(backbone(dx.randn(2, 3, 8, 8)).shape)
