"""A model written as a ``dx.nn.Module`` subclass: annotated ``Linear`` fields and a typed
``__call__`` (or a typed ``forward`` that ``__call__`` calls), so that ``model(x)`` is typed by
plain annotations in mypy and pyright alike; ``Module.__call__`` itself, which runs
``forward``, returns ``Any``. No plugin needed."""

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)
H = TypeVar("H", bound=int)


class Mlp(Module, Generic[H]):
    def __init__(self, fc1: Linear[L[16], H], fc2: Linear[H, L[4]]) -> None:
        super().__init__()
        self.fc1 = fc1
        self.fc2 = fc2
        self.drop = dx.nn.Dropout(0.1)

    def forward(self, x: Tensor[B, L[16], T]) -> Tensor[B, L[4], T]:
        h = self.drop(self.fc1(x).relu())
        return self.fc2(h)

    def __call__(self, x: Tensor[B, L[16], T]) -> Tensor[B, L[4], T]:
        return self.forward(x)


class Head(Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj: Linear[L[16], L[4]] = Linear(16, 4, rng=np.random.default_rng(0))
        self.norm: dx.nn.LayerNorm[L[4]] = dx.nn.LayerNorm(4)

    def __call__(self, x: Tensor[B, L[16], T]) -> Tensor[B, L[4], T]:
        return self.norm(self.proj(x)).tanh()

    forward = __call__


fc1: Linear[L[16], L[32]] = Linear(16, 32)
fc2: Linear[L[32], L[4]] = Linear(32, 4)
model = Mlp(fc1, fc2)
x: Tensor[L[8], L[16], NoneTape] = dx.randn(8, 16)
assert_type(model(x), Tensor[L[8], L[4], NoneTape])
out = model(x.trace())
assert_type(out, Tensor[L[8], L[4], OwnedTape])
grads = out.square().mean().backward()
assert_type(grads[model.fc1.weight], Tensor[L[32], L[16], NoneTape])

head = Head().eval()
seq: Tensor[L[2], L[8], L[16], NoneTape] = dx.randn(2, 8, 16)
assert_type(head.proj(seq), Tensor[L[2], L[8], L[4], NoneTape])
assert_type(head(x), Tensor[L[8], L[4], NoneTape])

names = [name for name, _ in model.named_parameters()]
assert names == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], names
assert model(x).shape == (8, 4)
