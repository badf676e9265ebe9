"""Lists of tensors built in a loop whose iterations are counted: the concatenation's joined
axis is exact. Branches of a ``ModuleList`` built from ``range(4)`` appended in a ``for``
loop or made by a comprehension, pyramid pooling branches over ``zip`` of two such lists after
the input the list starts with, a graph readout of every layer's output (a name rebound in
the loop to the same type each time), a ``range(3)`` loop and a stack of a comprehension.
A value whose type changes on each pass (pooled again) keeps the joined axis ``Dyn``, as does
a loop over a list whose length the code does not state. Run."""

# rules: movement, nn

from typing import Any, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, OwnedTape, Tensor

B = TypeVar("B", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)

rng = np.random.default_rng(0)


class Branches(dx.nn.Module):
    """Four parallel convolutions, their outputs joined on the channels and fused."""

    def __init__(self) -> None:
        super().__init__()
        self.branches = dx.nn.ModuleList(
            [dx.nn.Conv2d(16, 8, 3, padding=1, rng=rng) for _ in range(4)]
        )
        self.fuse = dx.nn.Conv2d(32, 16, 1, rng=rng)

    def forward(self, x: Tensor[B, L[16], H, W, OwnedTape]) -> Tensor[B, L[16], H, W, OwnedTape]:
        feats = []
        for branch in self.branches:
            feats.append(branch(x))
        y = dx.cat(feats, axis=1)
        assert_type(y, Tensor[B, L[32], H, W, OwnedTape])
        z = dx.cat([branch(x) for branch in self.branches], axis=1)
        assert_type(z, Tensor[B, L[32], H, W, OwnedTape])
        return self.fuse(y + z)


class PyramidPooling(dx.nn.Module):
    """PSPNet's module: the input, then each pooled, projected and upsampled branch."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.pools = dx.nn.ModuleList([dx.nn.AdaptiveAvgPool2d(s) for s in (1, 2, 3, 6)])
        self.convs = dx.nn.ModuleList([dx.nn.Conv2d(64, 16, 1, rng=rng) for _ in range(4)])
        self.project = dx.nn.Conv2d(128, channels, 1, rng=rng)

    def forward(self, x: Tensor[B, L[64], H, W, OwnedTape]) -> Tensor[B, Any, H, W, OwnedTape]:
        size = (x.shape[2], x.shape[3])
        outs = [x]
        for pool, conv in zip(self.pools, self.convs, strict=True):
            outs.append(dx.interpolate(conv(pool(x)), size=size, mode="bilinear"))
        joined = dx.cat(outs, axis=1)
        assert_type(joined, Tensor[B, L[128], H, W, OwnedTape])
        return self.project(joined)


class JumpingKnowledge(dx.nn.Module):
    """A graph network's readout: every layer's node features, joined."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = dx.nn.ModuleList([dx.nn.Linear(32, 32, rng=rng) for _ in range(3)])
        self.head = dx.nn.Linear(96, 2, rng=rng)

    def forward(self, x: Tensor[B, L[32], OwnedTape]) -> Tensor[B, L[2], OwnedTape]:
        hs = []
        h = x
        for layer in self.layers:
            h = dx.relu(layer(h))
            hs.append(h)
        repeated = []
        for _ in range(3):
            repeated.append(x * 2.0)
        assert_type(dx.cat(repeated, axis=1), Tensor[B, L[96], OwnedTape])
        stacked = dx.stack([layer(x) for layer in self.layers], axis=0)
        assert_type(stacked, Tensor[L[3], B, L[32], OwnedTape])
        return self.head(dx.cat(hs, axis=-1))


class Pyramid(dx.nn.Module):
    """Features pooled again on each pass: each has its own size, so the list is not one
    tensor type repeated."""

    def __init__(self, levels: list[int]) -> None:
        super().__init__()
        self.pool = dx.nn.MaxPool2d(2)
        self.heads = dx.nn.ModuleList([dx.nn.Conv2d(8, 8, 1, rng=rng) for _ in levels])

    def forward(self, x: Tensor[B, L[8], L[16], L[16], OwnedTape]) -> Tensor[B, Dyn, OwnedTape]:
        pooled: list[Tensor[B, L[8], Dyn, Dyn, OwnedTape]] = []
        for _ in range(3):
            x = self.pool(x)
            pooled.append(x)
        flat = dx.cat([p.flatten(1) for p in pooled], axis=1)
        heads = dx.cat([head(x).flatten(1) for head in self.heads], axis=1)
        assert_type(heads, Tensor[B, Any, OwnedTape])
        return dx.cat([flat, heads], axis=1)


branches = Branches()
assert branches(dx.randn(2, 16, 5, 5, rng=rng).trace()).shape == (2, 16, 5, 5)
psp = PyramidPooling(8)
assert psp(dx.randn(2, 64, 6, 6, rng=rng).trace()).shape == (2, 8, 6, 6)
jk = JumpingKnowledge()
out = jk(dx.randn(4, 32, rng=rng).trace())
assert_type(out, Tensor[L[4], L[2], OwnedTape])
pyramid = Pyramid([1, 2])
assert pyramid(dx.randn(2, 8, 16, 16, rng=rng).trace()).shape == (2, 8 * (64 + 16 + 4) + 2 * 8 * 4)
