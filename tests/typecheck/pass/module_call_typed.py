"""``Module.__call__`` is typed from the subclass's ``forward`` in mypy and pyright without
the plugin: a user's module needs no ``def __call__`` of its own, ``__call__ = forward``
still works, and a call with the wrong tensor is an error (see the failing twin,
``fail/module_call_wrong_input.py``). A generic module's literal sizes come from an annotation
here (the plugin reads them from the constructor's arguments)."""

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Head(Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj: Linear[L[16], L[4]] = Linear(16, 4)

    def forward(self, x: Tensor[B, L[16], T]) -> Tensor[B, L[4], T]:
        return self.proj(x)


class Block(Module, Generic[CI, CO]):
    def __init__(self, ci: CI, co: CO) -> None:
        super().__init__()
        self.lin: Linear[CI, CO] = Linear(ci, co)

    def forward(self, x: Tensor[B, CI, T]) -> Tensor[B, CO, T]:
        return self.lin(x)


class Aliased(Module):
    def forward(self, x: Tensor[B, L[16], T]) -> Tensor[B, L[16], T]:
        return x

    __call__ = forward


x: Tensor[L[2], L[16], NoneTape] = dx.zeros(2, 16)
assert_type(Head()(x), Tensor[L[2], L[4], NoneTape])
assert_type(Head()(x.trace()), Tensor[L[2], L[4], OwnedTape])
block: Block[L[16], L[8]] = Block(16, 8)
assert_type(block(x), Tensor[L[2], L[8], NoneTape])
assert_type(Aliased()(x), Tensor[L[2], L[16], NoneTape])
assert Head()(x).shape == (2, 4)
assert block(x).shape == (2, 8)
assert Module.__call__(block, x).shape == (2, 8)  # read from the class, as wrappers do
