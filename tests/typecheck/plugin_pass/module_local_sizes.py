"""A size computed from the enclosing module's TypeVars, held in a local and given to a user's
module (``inner = n_heads * d_head; Block(inner)``, also inside ``ModuleList([... for _ in
range(depth)])``), keeps its symbolic size (``Block[Expr[L["DH*NH"]]]``), so the blocks are
checked where they are called; the tokens of the right width pass, in a loop that rebinds
them."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import LayerNorm, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
D = TypeVar("D", bound=int)
NH = TypeVar("NH", bound=int)
DH = TypeVar("DH", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Block(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.fc = Linear(dim, dim)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        return x + self.fc(self.norm(x))


class Stack(Module, Generic[NH, DH]):
    def __init__(self, n_heads: NH, d_head: DH, depth: int) -> None:
        super().__init__()
        inner = n_heads * d_head
        self.proj_in = Linear(d_head, inner)
        self.first = Block(inner)
        self.blocks = ModuleList([Block(inner) for _ in range(depth)])
        self.proj_out = Linear(inner, d_head)

    def forward(self, x: Tensor[B, N, DH, T]) -> Tensor[B, N, DH, T]:
        h = self.proj_in(x)
        h = self.first(h)
        for block in self.blocks:
            h = block(h)
        return self.proj_out(h)


stack = Stack(2, 4, depth=2)
y = stack(dx.randn(3, 5, 4).trace())
assert_type(y, Tensor[L[3], L[5], L[4], OwnedTape])
y.square().mean().backward()
