"""Concatenations and stacks of a list held in a name, as PyTorch code builds them: an
Inception block's branches put in ``outputs`` first, a DenseNet block's features appended in
a loop, ``[x] + embs``, a comprehension, a pair stacked. The list is read where it was made,
so the result keeps every size that can be known: the sum of the branches' channels where
each branch is known, ``Dyn`` on the joined axis where the number of tensors is known only at
run time, and the other axes always."""

# rules: movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module, ModuleList, ReLU, Sequential

N = TypeVar("N", bound=int)
B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
C = TypeVar("C", bound=int)
C1 = TypeVar("C1", bound=int)
C3 = TypeVar("C3", bound=int)
CP = TypeVar("CP", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class InceptionBlock(Module, Generic[C, C1, C3, CP]):
    """Four branches of different widths, joined along the channels."""

    def __init__(self, in_channels: C, ch1x1: C1, ch3x3: C3, pool_proj: CP) -> None:
        super().__init__()
        self.branch1 = Conv2d(in_channels, ch1x1, 1, rng=rng)
        self.branch2 = Sequential(
            Conv2d(in_channels, ch3x3, 1, rng=rng),
            ReLU(),
            Conv2d(ch3x3, ch3x3, 3, padding=1, rng=rng),
        )
        self.branch3 = Conv2d(in_channels, ch3x3, 5, padding=2, rng=rng)
        self.branch4 = Conv2d(in_channels, pool_proj, 1, rng=rng)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, Expr[L["C1+2*C3+CP"]], H, W, T]:
        branch1 = self.branch1(x)
        branch2 = self.branch2(x)
        branch3 = self.branch3(x)
        branch4 = self.branch4(dx.max_pool2d(x, 3, stride=1, padding=1))
        outputs = [branch1, branch2, branch3, branch4]
        return dx.cat(outputs, axis=1)


class TorchvisionInception(Module):
    """The same with plain ``int`` widths, as torchvision declares them."""

    def __init__(self, in_channels: int, ch1x1: int, ch3x3: int, pool_proj: int) -> None:
        super().__init__()
        self.branch1 = Conv2d(in_channels, ch1x1, 1, rng=rng)
        self.branch2 = Conv2d(in_channels, ch3x3, 3, padding=1, rng=rng)
        self.branch4 = Conv2d(in_channels, pool_proj, 1, rng=rng)

    def _forward(self, x: Tensor[N, int, H, W, T]) -> list[Tensor[N, int, H, W, T]]:
        branch1 = self.branch1(x)
        branch2 = self.branch2(x)
        branch4 = self.branch4(dx.max_pool2d(x, 3, stride=1, padding=1))
        outputs = [branch1, branch2, branch4]
        return outputs

    def forward(self, x: Tensor[N, int, H, W, T]) -> Tensor[N, int, H, W, T]:
        branch1 = self.branch1(x)
        branch2 = self.branch2(x)
        outputs = [branch1, branch2]
        out = dx.cat(outputs, axis=1)
        assert_type(out, Tensor[N, Dyn, H, W, T])
        return out


class DenseLayer(Module, Generic[C]):
    def __init__(self, in_channels: int, growth: C) -> None:
        super().__init__()
        self.conv = Conv2d(in_channels, growth, 3, padding=1, rng=rng)

    def forward(self, x: Tensor[N, int, H, W, T]) -> Tensor[N, C, H, W, T]:
        return self.conv(x.relu())


class DenseBlock(Module, Generic[C]):
    """DenseNet: each layer takes every feature map before it, appended in a loop."""

    def __init__(self, layers: int, in_channels: int, growth: C) -> None:
        super().__init__()
        self.layers = ModuleList(
            [DenseLayer(in_channels + i * growth, growth) for i in range(layers)]
        )

    def forward(self, x: Tensor[N, int, H, W, T]) -> Tensor[N, Dyn, H, W, T]:
        features: list[Tensor[N, Dyn, H, W, T]] = [x]
        for layer in self.layers:
            new_features = layer(dx.cat(features, axis=1))
            features.append(new_features)
        joined = dx.cat(features, axis=1)
        assert_type(joined, Tensor[N, Dyn, H, W, T])
        return joined


class Prefixed(Module, Generic[D]):
    """A sequence with embeddings put before it: ``[x] + embs``, then heads viewed apart."""

    def __init__(self, width: D) -> None:
        super().__init__()
        self.proj = Linear(width, width, rng=rng)

    def forward(
        self, x: Tensor[B, S, D, T], embs: list[Tensor[B, L[1], D, T]]
    ) -> Tensor[B, Dyn, D, T]:
        b, _, d = x.shape
        feats = [x] + embs  # noqa: RUF005 (as PyTorch code writes it)
        h = dx.cat(feats, axis=1)
        assert_type(h, Tensor[B, Dyn, D, T])
        views = dx.cat(feats, axis=1).view(b, -1, d)
        assert_type(views, Tensor[B, Dyn, D, T])
        return self.proj(h)


class Heads(Module, Generic[D]):
    """Several projections of one input, stacked and joined from comprehensions."""

    def __init__(self, width: D, heads: int) -> None:
        super().__init__()
        self.heads = ModuleList([Linear(width, width, rng=rng) for _ in range(heads)])

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, Dyn, D, T]:
        projected = [head(x) for head in self.heads]
        wide = dx.cat(projected, axis=1)
        assert_type(wide, Tensor[B, Dyn, T])
        return dx.stack(projected, axis=1)


def pair_and_rows(a: Tensor[B, L[3], T], b: Tensor[B, L[4], T]) -> Tensor[B, L[14], T]:
    """A pair stacked (its length known: 2), rows appended one by one, then joined."""
    pair = [a, a]
    assert_type(dx.stack(pair, axis=0), Tensor[L[2], B, L[3], T])
    rows: list[Tensor[B, Dyn, T]] = []
    rows.append(a)
    rows.append(b)
    rows.append(dx.cat([a, b], axis=1))
    joined = dx.cat(rows, axis=1)
    assert_type(joined, Tensor[B, L[14], T])
    return joined


def branches(a: Tensor[B, L[3], T], b: Tensor[B, L[4], T], both: bool) -> Tensor[B, Dyn, T]:
    """A list bound in two branches, or extended by another list: read from its type (which
    tensors it holds depends on the path, or on the other list's length); extended by a
    display in its own block, it holds the display's tensors."""
    parts: list[Tensor[B, Dyn, T]]
    if both:
        parts = [a, b]
    else:
        parts = [a]
    joined = dx.cat(parts, axis=1)
    assert_type(joined, Tensor[B, Dyn, T])
    rows: list[Tensor[B, Dyn, T]] = [a]
    rows.extend([b])
    extended = dx.cat(rows, axis=1)
    assert_type(extended, Tensor[B, L[7], T])
    more: list[Tensor[B, Dyn, T]] = [a]
    more.extend(parts)
    assert_type(dx.cat(more, axis=1), Tensor[B, Dyn, T])
    return joined


def mixed_tapes(
    constant: Tensor[L[2], L[3], NoneTape], traced: Tensor[L[2], L[4], OwnedTape]
) -> Tensor[L[2], L[7], OwnedTape]:
    """A constant beside a traced tensor: mypy joins the list to ``list[object]``."""
    parts = [constant, traced]
    return dx.cat(parts, axis=1)


img = dx.randn(2, 4, 8, 8)
inception = InceptionBlock(4, 3, 2, 1)
assert_type(inception(img), Tensor[L[2], L[8], L[8], L[8], NoneTape])
assert inception(img).shape == (2, 8, 8, 8)
assert TorchvisionInception(4, 3, 2, 1)(img).shape == (2, 5, 8, 8)
assert DenseBlock(2, 4, 3)(img).shape == (2, 10, 8, 8)
seq = dx.randn(2, 5, 6)
assert Prefixed(6)(seq, [dx.randn(2, 1, 6), dx.randn(2, 1, 6)]).shape == (2, 7, 6)
assert Heads(6, 3)(dx.randn(2, 6)).shape == (2, 3, 6)
assert pair_and_rows(dx.randn(2, 3), dx.randn(2, 4)).shape == (2, 14)
assert branches(dx.randn(2, 3), dx.randn(2, 4), True).shape == (2, 7)
assert mixed_tapes(dx.randn(2, 3), dx.randn(2, 4).trace()).shape == (2, 7)
