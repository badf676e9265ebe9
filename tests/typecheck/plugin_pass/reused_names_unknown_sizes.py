"""A name reused for tensors whose unknown (``Dyn``) sizes sit on different axes: a patch
convolution's output flattened and permuted into a sequence, a class token put in front, a
loop of blocks, the token picked and projected; a helper that rebinds its argument; data from
NumPy. mypy's name reuse alone reads such a name as every earlier value that overlaps the new
one (``Tensor[B, D, D] | Tensor[B, Dyn, D]`` after ``Tensor[B, D, Dyn]``), so each layer,
``return`` and module call met values the code never made; with the plugin each line reads
the value last assigned, and branches and loops join as unions of real values (a helper
function beside a module class too)."""

# rules: nn, movement, creation

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, LayerNorm, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
E = TypeVar("E", bound=int)
P = TypeVar("P", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Block(Module, Generic[D]):
    def __init__(self, width: D) -> None:
        super().__init__()
        self.norm = LayerNorm(width)
        self.fc = Linear(width, width)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        return x + self.fc(self.norm(x)).relu()


def tokens(x: Tensor[B, D, Dyn, Dyn, T]) -> Tensor[B, Dyn, D, T]:
    """The grid flattened into a sequence (pyright holds an argument to its annotation: a
    new name takes the new shapes)."""
    h = x.flatten(2)
    h = h.permute(0, 2, 1)
    return h


class Encoder(Module, Generic[P, D, E]):
    def __init__(self, patch: P, width: D, out: E, depth: int) -> None:
        super().__init__()
        self.patchify = Conv2d(3, width, patch, stride=patch)
        self.cls = dx.randn(width) * width**-0.5
        self.blocks = ModuleList([Block(width) for _ in range(depth)])
        self.proj = dx.randn(width, out)

    def forward(self, x: Tensor[B, L[3], Dyn, Dyn, T], pool: bool) -> Tensor[B, E, T]:
        h = self.patchify(x)
        assert_type(h, Tensor[B, D, Dyn, Dyn, T])
        h = h.reshape(h.shape[0], h.shape[1], -1)
        assert_type(h, Tensor[B, D, Dyn, T])
        h = h.permute(0, 2, 1)
        assert_type(h, Tensor[B, Dyn, D, T])
        b, _, d = h.shape
        cls = self.cls + dx.zeros(b, 1, d)
        h = dx.cat([cls, h], axis=1)
        assert_type(h, Tensor[B, Dyn, D, T])
        for block in self.blocks:
            h = block(h)
        assert_type(h, Tensor[B, Dyn, D, T])
        if pool:
            h = h.mean(axis=1, keepdims=True)
        h = h[:, 0]
        assert_type(h, Tensor[B, D, T])
        return h @ self.proj


model: Encoder[L[4], L[8], L[5]] = Encoder(4, 8, 5, depth=2)
images = dx.tensor(np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32))
batch = images.ensure_shape(2, 3, None, None)
out = model(batch.trace(), pool=False)
assert_type(out, Tensor[L[2], L[5], OwnedTape])
assert_type(tokens(dx.randn(2, 8, 3, 3)).shape[2], L[8])
scale = dx.tensor(np.array(np.log(1 / 0.07), dtype=np.float32))
assert_type(scale, Tensor[NoneTape])
logits = scale.exp() * out @ out.T
assert_type(logits, Tensor[L[2], L[2], OwnedTape])
assert logits.shape == (2, 2)
assert tokens(dx.randn(2, 8, 3, 3)).shape == (2, 9, 8)
