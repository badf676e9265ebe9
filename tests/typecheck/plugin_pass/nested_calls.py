"""Layers, activations, norms and ops called inside one another, PyTorch-style
(``self.conv2(dx.relu(self.bn2(h)))``), type exactly as the same calls split into statements
of their own: at any depth, in generic modules (class size TypeVars, sizes computed from
them) and with literal sizes, with names reused or not, inside an operator, a concatenation,
a comprehension. Each nested value is stated once with its split twin beside it."""

# rules: nn, conv, movement, binary, reduce

from typing import Generic, TypeVar, TypeVarTuple, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    BatchNorm2d,
    Conv1d,
    Conv2d,
    ConvTranspose1d,
    Dropout,
    GroupNorm,
    LayerNorm,
    Linear,
    MaxPool2d,
    Module,
    ModuleList,
)

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)
G = TypeVar("G", bound=int)
D = TypeVar("D", bound=int)
F = TypeVar("F", bound=int)
S = TypeVar("S", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)
Dims = TypeVarTuple("Dims")

rng = np.random.default_rng(0)


def act(x: Tensor[*Dims, T]) -> Tensor[*Dims, T]:
    """A user's activation, generic over the rank."""
    return dx.relu(x)


def same_size(x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
    """A user's function of a feature map that keeps its shape."""
    return x * 0.5


class Bottleneck(Module, Generic[C]):
    """DenseNet-BC's bottleneck without the concatenation: BN-ReLU-1x1 conv to 4C channels,
    BN-ReLU-3x3 conv back to C; the 1x1 convolution keeps H and W."""

    def __init__(self, c: C) -> None:
        super().__init__()
        self.bn1 = BatchNorm2d(c)
        self.conv1 = Conv2d(c, 4 * c, 1, bias=False, rng=rng)
        self.bn2 = BatchNorm2d(4 * c)
        self.conv2 = Conv2d(4 * c, c, 3, padding=1, bias=False, rng=rng)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        o1 = self.conv1(dx.relu(self.bn1(x)))
        assert_type(o1, Tensor[N, Expr[L["4*C"]], H, W, T])
        out = self.conv2(dx.relu(self.bn2(o1)))
        assert_type(out, Tensor[N, C, H, W, T])
        return out

    def split(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        a = self.bn1(x)
        b = dx.relu(a)
        o1 = self.conv1(b)
        c = self.bn2(o1)
        d = dx.relu(c)
        out = self.conv2(d)
        assert_type(out, Tensor[N, C, H, W, T])
        return out

    def reused(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        out = self.conv1(dx.relu(self.bn1(x)))
        out = self.conv2(dx.relu(self.bn2(out)))
        assert_type(out, Tensor[N, C, H, W, T])
        return out

    def one_line(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        return self.conv2(dx.relu(self.bn2(self.conv1(dx.relu(self.bn1(x))))))

    def helpers(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        o1 = same_size(self.conv1(act(self.bn1(x))))
        assert_type(o1, Tensor[N, Expr[L["4*C"]], H, W, T])
        return act(self.conv2(same_size(act(o1))))

    def pre_activation(self, x: Tensor[N, C, H, W, T], pre: bool) -> Tensor[N, C, H, W, T]:
        o1 = self.conv1(x)
        out = self.conv2(dx.relu(self.bn2(o1)) if pre else o1)
        assert_type(out, Tensor[N, C, H, W, T])
        return out

    def methods(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        out = self.conv2(self.bn2(self.conv1(self.bn1(x).relu())).relu())
        assert_type(out, Tensor[N, C, H, W, T])
        return out


class DenseLayer(Module, Generic[C, G]):
    """DenseNet's layer: the new features concatenated after the old ones."""

    def __init__(self, c: C, growth: G) -> None:
        super().__init__()
        self.bn = BatchNorm2d(c)
        self.conv = Conv2d(c, growth, 3, padding=1, bias=False, rng=rng)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, Expr[L["C+G"]], H, W, T]:
        out = dx.cat([x, self.conv(dx.relu(self.bn(x)))], axis=1)
        assert_type(out, Tensor[N, Expr[L["C+G"]], H, W, T])
        return out


class Transition(Module, Generic[C, G]):
    """DenseNet's transition: BN-ReLU-1x1 conv, then a 2x2 average pool, in one line."""

    def __init__(self, c: C, out: G) -> None:
        super().__init__()
        self.bn = BatchNorm2d(c)
        self.conv = Conv2d(c, out, 1, bias=False, rng=rng)

    def forward(
        self, x: Tensor[N, C, H, W, T]
    ) -> Tensor[N, G, Expr[L["H//2"]], Expr[L["W//2"]], T]:
        out = dx.avg_pool2d(self.conv(dx.relu(self.bn(x))), 2)
        assert_type(out, Tensor[N, G, Expr[L["H//2"]], Expr[L["W//2"]], T])
        return out


class Residual(Module, Generic[C]):
    """A residual block whose right operand nests three calls deep."""

    def __init__(self, c: C) -> None:
        super().__init__()
        self.conv1 = Conv2d(c, 2 * c, 1, rng=rng)
        self.conv2 = Conv2d(2 * c, c, 3, padding=1, rng=rng)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        x = x + self.conv2(dx.relu(self.conv1(x)))
        assert_type(x, Tensor[N, C, H, W, T])
        x = dx.relu(x + self.conv2(dx.relu(self.conv1(dx.relu(x)))))
        assert_type(x, Tensor[N, C, H, W, T])
        return x


class FeedForward(Module, Generic[D, F]):
    """A transformer's pre-norm feed-forward block, one expression four calls deep."""

    def __init__(self, d: D, f: F) -> None:
        super().__init__()
        self.norm = LayerNorm(d)
        self.fc1 = Linear(d, f, rng=rng)
        self.fc2 = Linear(f, d, rng=rng)
        self.drop = Dropout(0.1)

    def forward(self, x: Tensor[N, S, D, T]) -> Tensor[N, S, D, T]:
        h = self.fc2(self.drop(dx.gelu(self.fc1(self.norm(x)))))
        assert_type(h, Tensor[N, S, D, T])
        return x + self.drop(h)


class Mixer(Module, Generic[D]):
    """Norms, attention-style products and 1-d convolutions, nested in ops with rules of
    their own (softmax's axis, transpose, matmul, a reduction)."""

    def __init__(self, d: D) -> None:
        super().__init__()
        self.norm = LayerNorm(d)
        self.proj = Linear(d, 2 * d, rng=rng)
        self.back = Linear(2 * d, d, rng=rng)
        self.gn = GroupNorm(2, d)
        self.conv = Conv1d(d, d, 3, padding=1, rng=rng)

    def forward(self, x: Tensor[N, S, D, T]) -> Tensor[N, S, D, T]:
        p = dx.softmax(self.proj(self.norm(x)), axis=-1)
        assert_type(p, Tensor[N, S, Expr[L["2*D"]], T])
        scores = dx.relu(self.proj(x)) @ dx.relu(self.proj(x)).transpose(1, 2)
        assert_type(scores, Tensor[N, S, S, T])
        mixed = self.conv(dx.relu(self.gn(x.transpose(1, 2)))).transpose(1, 2)
        assert_type(mixed, Tensor[N, S, D, T])
        pooled = self.back(self.proj(x).relu()).sum(axis=1)
        assert_type(pooled, Tensor[N, D, T])
        return self.norm(mixed + self.back(dx.dropout(dx.gelu(p), 0.1)))


class Heads(Module, Generic[D, F]):
    """GAT-style heads: a name reused after a comprehension that reads it."""

    def __init__(self, d: D, f: F) -> None:
        super().__init__()
        self.heads = ModuleList([Linear(d, f, rng=rng) for _ in range(2)])
        self.out = Linear(f, f, rng=rng)

    def forward(self, nodes: Tensor[N, D, T]) -> Tensor[N, F, T]:
        x = dx.relu(nodes)
        x = dx.stack([head(x) for head in self.heads], axis=0).mean(axis=0)
        assert_type(x, Tensor[N, F, T])
        x = self.out(dx.relu(x))
        return x


class Stem(Module):
    """Literal sizes: conv, norm, ReLU and a pool in one expression."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = Conv2d(3, 8, 3, padding=1, rng=rng)
        self.bn = BatchNorm2d(8)
        self.pool = MaxPool2d(2)
        self.block: Bottleneck[L[8]] = Bottleneck(8)

    def forward(self, x: Tensor[L[2], L[3], L[8], L[8], T]) -> Tensor[L[2], L[8], L[4], L[4], T]:
        h = dx.max_pool2d(dx.relu(self.bn(self.conv(x))), 2)
        assert_type(h, Tensor[L[2], L[8], L[4], L[4], T])
        assert_type(self.pool(act(self.conv(x))), Tensor[L[2], L[8], L[4], L[4], T])
        return self.block(dx.relu(h))


images = dx.randn(2, 3, 8, 8)
stem = Stem()
y = stem(images)
assert_type(y, Tensor[L[2], L[8], L[4], L[4], NoneTape])
conv = Conv2d(8, 32, 1, rng=rng)
assert_type(conv(dx.relu(y)), Tensor[L[2], L[32], L[4], L[4], NoneTape])

bottleneck: Bottleneck[L[8]] = Bottleneck(8)
traced = y.trace()
assert_type(bottleneck(traced), Tensor[L[2], L[8], L[4], L[4], OwnedTape])
assert_type(bottleneck.split(y), Tensor[L[2], L[8], L[4], L[4], NoneTape])
assert_type(bottleneck.reused(y), Tensor[L[2], L[8], L[4], L[4], NoneTape])
assert_type(bottleneck.one_line(y), Tensor[L[2], L[8], L[4], L[4], NoneTape])
assert_type(bottleneck.helpers(y), Tensor[L[2], L[8], L[4], L[4], NoneTape])
assert_type(bottleneck.pre_activation(y, True), Tensor[L[2], L[8], L[4], L[4], NoneTape])
assert_type(bottleneck.methods(y), Tensor[L[2], L[8], L[4], L[4], NoneTape])

dense: DenseLayer[L[8], L[4]] = DenseLayer(8, 4)
grown = dense(y)
assert grown.shape == (2, 12, 4, 4)
transition: Transition[L[8], L[6]] = Transition(8, 6)
pooled = transition(y)
assert pooled.shape == (2, 6, 2, 2)
residual: Residual[L[8]] = Residual(8)
assert_type(residual(y), Tensor[L[2], L[8], L[4], L[4], NoneTape])

tokens = dx.randn(2, 5, 16)
feed_forward: FeedForward[L[16], L[32]] = FeedForward(16, 32)
assert_type(feed_forward(tokens), Tensor[L[2], L[5], L[16], NoneTape])
mixer: Mixer[L[16]] = Mixer(16)
assert_type(mixer(tokens), Tensor[L[2], L[5], L[16], NoneTape])
heads: Heads[L[16], L[4]] = Heads(16, 4)
assert_type(heads(dx.randn(7, 16)), Tensor[L[7], L[4], NoneTape])

up = ConvTranspose1d(8, 4, 2, stride=2, rng=rng)
assert_type(up(dx.relu(dx.randn(2, 8, 7))), Tensor[L[2], L[4], L[14], NoneTape])
