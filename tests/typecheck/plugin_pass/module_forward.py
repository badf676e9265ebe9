"""A model written as a class that defines only ``forward``: with the plugin, ``model(x)`` is
typed by that ``forward`` (plain ``Module.__call__`` takes and returns ``Any``)."""

# rules: nn

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Head(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = dx.nn.Linear(16, 4)

    def forward(self, x: Tensor[B, L[16], T]) -> Tensor[B, L[4], T]:
        return self.proj(x).tanh()


class Model(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = dx.nn.Linear(8, 16)
        self.head = Head()

    def forward(self, x: Tensor[B, L[8], T]) -> Tensor[B, L[4], T]:
        return self.head(self.body(x).relu())


x: Tensor[L[32], L[8], NoneTape] = dx.randn(32, 8)
model = Model()
assert_type(model(x), Tensor[L[32], L[4], NoneTape])
assert_type(model(x.trace()), Tensor[L[32], L[4], OwnedTape])
loss = model(x.trace()).square().mean()
grads = loss.backward()
assert_type(grads[model.head.proj.weight], Tensor[L[4], L[16], NoneTape])
