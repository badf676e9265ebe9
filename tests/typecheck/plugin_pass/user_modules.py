"""A user's module generic over its sizes is typed as the built-in layers are: the
constructor's arguments bound to its class TypeVars give literal type arguments
(``Block(16, 32)`` is ``Block[L[16], L[32]]``), a ``Linear[CI, CO]`` field called on a
``Tensor[B, CI]`` keeps ``CO`` (what mypy knows without the plugin), ``Sequential[i]`` with a
literal index is that layer, and a ``ModuleList`` of blocks keeps their types."""

# rules: nn, norm

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module, ModuleList, ReLU, Sequential

B = TypeVar("B", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class Block(Module, Generic[CI, CO]):
    def __init__(self, in_features: CI, out_features: CO) -> None:
        super().__init__()
        self.lin = Linear(in_features, out_features, rng=rng)
        self.weight: Tensor[CO, NoneTape] = dx.ones(out_features)

    def forward(self, x: Tensor[B, CI, T]) -> Tensor[B, CO, T]:
        h = self.lin(x)
        assert_type(h, Tensor[B, CO, T])  # the layer's TypeVar sizes are kept
        return dx.layer_norm(h, self.weight.shape, self.weight)


assert_type(Block(16, 32), Block[L[16], L[32]])
assert_type(Block(16, 32).lin, Linear[L[16], L[32]])
block: Block[L[16], L[32]] = Block(16, 32)
x: Tensor[L[4], L[16], NoneTape] = dx.randn(4, 16, rng=rng)
assert_type(block(x), Tensor[L[4], L[32], NoneTape])
assert_type(block(x.trace()), Tensor[L[4], L[32], OwnedTape])
assert block(x).shape == (4, 32)

width: int = 8
assert_type(Block(16, width), Block[L[16], int])  # a size that is not a literal stays int

seq = Sequential(Linear(16, 8, rng=rng), ReLU(), Block(8, 4))
assert_type(seq[0], Linear[L[16], L[8]])
assert_type(seq[-1], Block[L[8], L[4]])
assert_type(seq(x), Tensor[L[4], L[4], NoneTape])
any_index: int = 1
assert_type(seq[any_index], Module)

assert_type(ModuleList([Block(16, 16) for _ in range(2)]), ModuleList[Block[L[16], L[16]]])
# pyright infers ModuleList[Block[int, int]] unless told:
stack: ModuleList[Block[L[16], L[16]]] = ModuleList([Block(16, 16) for _ in range(2)])
h: Tensor[L[4], L[16], NoneTape] = x
for layer in stack:
    h = layer(h)
assert h.shape == (4, 16)


class Aliased(Module, Generic[CO]):
    """``__call__ = forward``: the call is typed from ``forward`` in every checker."""

    def __init__(self, out_features: CO) -> None:
        super().__init__()
        self.lin = Linear(16, out_features, rng=rng)

    def forward(self, x: Tensor[B, L[16], T]) -> Tensor[B, CO, T]:
        return self.lin(x)

    __call__ = forward


aliased: Aliased[L[3]] = Aliased(3)
assert_type(aliased(x), Tensor[L[4], L[3], NoneTape])
untyped: Any = block
assert untyped(x).shape == (4, 32)
