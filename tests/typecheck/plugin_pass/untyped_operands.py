"""Binary ops where one operand is typed ``Any``: a shortcut built only where a block needs
one, held in a field typed ``Module | None`` (its call is ``Any``), joined with the input into
one name (``identity``, a ``Tensor | Any``), then added to the main path; an adjacency passed
as ``Any`` through ``dx.add`` and ``.mul``. The result has the tensor operand's type, as mypy
without the plugin types an argument that an ``Any`` is assigned to (an ``Any`` in an
operator, ``x + a``, is ``Any`` to mypy before any plugin runs)."""

# rules: binary

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Linear, Module, Sequential

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
N = TypeVar("N", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class BasicBlock(Module, Generic[C]):
    def __init__(self, channels: C, project: bool) -> None:
        super().__init__()
        self.conv = Conv2d(channels, channels, 3, padding=1, rng=rng)
        self.bn = BatchNorm2d(channels)
        self.downsample: Module | None = None
        if project:
            self.downsample = Sequential(
                Conv2d(channels, channels, 1, rng=rng), BatchNorm2d(channels)
            )

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        out = self.bn(self.conv(x)).relu()
        identity = x
        if self.downsample is not None:
            identity = self.downsample(x)
        out = out + identity
        assert_type(out, Tensor[B, C, H, W, T])
        return out.relu()


class GraphConv(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.lin = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, N, D, T], adj: Any) -> Tensor[B, N, D, T]:
        h = dx.add(x, adj @ x)
        assert_type(h, Tensor[B, N, D, T])
        h = h.mul(adj.sum(axis=-1, keepdims=True))
        assert_type(h, Tensor[B, N, D, T])
        return self.lin(h)


block: BasicBlock[L[4]] = BasicBlock(4, project=True)
images: Tensor[L[2], L[4], L[5], L[5], NoneTape] = dx.randn(2, 4, 5, 5, rng=rng)
assert_type(block(images.trace()), Tensor[L[2], L[4], L[5], L[5], OwnedTape])
conv: GraphConv[L[3]] = GraphConv(3)
adjacency = dx.tensor((rng.random((2, 6, 6)) < 0.5).astype(np.float32))
nodes: Tensor[L[2], L[6], L[3], NoneTape] = dx.randn(2, 6, 3, rng=rng)
y = conv(nodes.trace(), adjacency)
assert_type(y, Tensor[L[2], L[6], L[3], OwnedTape])
grads = y.sum().backward()
assert y.shape == (2, 6, 3) and grads[conv.lin.weight].shape == (3, 3)
