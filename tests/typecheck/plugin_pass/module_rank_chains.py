"""User modules of token and map ranks chained in ``Sequential``s, as vision models with a
convolutional stem and transformer stages write them: the stem's maps flattened into tokens
before the token blocks, turned back into maps before the convolutional blocks. Each
``Sequential``'s members take the rank the one before gives; a ``Sequential`` of any number
of one block (``Sequential(*[Block(dim) for _ in range(depth)])``) gives what the block
gives."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, LayerNorm, Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
D = TypeVar("D", bound=int)
C = TypeVar("C", bound=int)
K = TypeVar("K", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class TokenBlock(Module, Generic[D]):
    """A pre-norm MLP over the features of each token."""

    def __init__(self, dim: D) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.fc = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        return x + self.fc(self.norm(x)).gelu()


class ConvBlock(Module, Generic[C]):
    """A 3x3 convolution, a batch norm and a ReLU, keeping the map's size."""

    def __init__(self, ch: C) -> None:
        super().__init__()
        self.conv = Conv2d(ch, ch, 3, padding=1, rng=rng)
        self.bn = BatchNorm2d(ch)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        return self.bn(self.conv(x)).relu()


class Pool(Module, Generic[C]):
    """Mean over the map: a vector per image."""

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, T]:
        return x.mean(axis=(2, 3))


class Hybrid(Module, Generic[C, D, K]):
    def __init__(self, in_ch: C, dim: D, classes: K, depth: int) -> None:
        super().__init__()
        self.stem = Sequential(Conv2d(in_ch, dim, 4, stride=4, rng=rng), ReLU(), ConvBlock(dim))
        self.tokens = Sequential(*[TokenBlock(dim) for _ in range(depth)])
        self.mixer = Sequential(TokenBlock(dim), Linear(dim, dim, rng=rng), TokenBlock(dim))
        self.maps = Sequential(ConvBlock(dim), ConvBlock(dim), Pool[D]())
        self.block = TokenBlock(dim)
        self.head = Linear(dim, classes, rng=rng)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, K, T]:
        h = self.stem(x)
        b, c, gh, gw = h.shape
        t = self.tokens(h.flatten(2).transpose(1, 2))
        t = self.block(self.mixer(t))
        assert_type(t, Tensor[B, Expr[L["(H//4)*(W//4)"]], D, T])
        m = t.transpose(1, 2).reshape(b, c, gh, gw)
        pooled = self.maps(m)
        assert_type(pooled, Tensor[B, D, T])
        return self.head(pooled)


model: Hybrid[L[3], L[8], L[5]] = Hybrid(3, 8, 5, depth=2)
image: Tensor[L[2], L[3], L[16], L[16], NoneTape] = dx.randn(2, 3, 16, 16, rng=rng)
logits = model(image)
assert_type(logits, Tensor[L[2], L[5], NoneTape])
assert logits.shape == (2, 5)

tokens = Sequential(*[TokenBlock(8) for _ in range(3)])
seq: Tensor[L[2], L[16], L[8], NoneTape] = dx.randn(2, 16, 8, rng=rng)
assert_type(tokens(seq), Tensor[L[2], L[16], L[8], NoneTape])
maps = Sequential(ConvBlock(8), ConvBlock(8), Pool[L[8]]())
grid: Tensor[L[2], L[8], L[4], L[4], NoneTape] = dx.randn(2, 8, 4, 4, rng=rng)
assert_type(maps(grid), Tensor[L[2], L[8], NoneTape])
flat = Sequential(ConvBlock(8), Pool[L[8]](), Linear(8, 4, rng=rng))
assert_type(flat(grid), Tensor[L[2], L[4], NoneTape])
