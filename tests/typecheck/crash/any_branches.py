"""A call of a variadic signature (``Tensor[*S, T]``) in one branch of a conditional expression
whose other branch is ``Any``: mypy 2.4 checks the call again with the union of both branches
as its context and crashes inferring ``*S`` from it. The plugin calms such a context. No crash."""

from typing import Any, Generic, TypeVar, reveal_type

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import LayerNorm, Linear, Module, ReLU

S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def scaled(x: Tensor[S, D, T]) -> Tensor[S, D, T]:
    return x * 2.0


class Block(Module, Generic[D]):
    def __init__(self, d: D, norm: bool) -> None:
        super().__init__()
        self.lin = Linear(d, d)
        self.ln = LayerNorm(d) if norm else None

    def forward(self, x: Tensor[S, D, T]) -> Tensor[S, D, T]:
        return self.lin(x)


def branches(o: Any, flag: bool, block: Block[int]) -> None:
    ln = LayerNorm(4)
    a = ln(o) if flag else o
    b = o if flag else ReLU()(o)
    c = dx.relu(o) if flag else o
    d = o.relu() if flag else o
    e = scaled(o) if flag else o
    f = block(o) if flag else o
    g = block.ln(o) if block.ln is not None else o
    h = dx.tensor(np.zeros((2, 4), np.float32)) if flag else o
    reveal_type((a, b, c, d, e, f, g, h))
