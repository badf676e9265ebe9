"""A ``Sequential`` held in a field whose first layers read nothing (dropout, an activation)
and whose first reading layer takes the input it is called on: typed through its layers."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm1d, Dropout, Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Classifier(Module, Generic[K]):
    def __init__(self, num_classes: K) -> None:
        super().__init__()
        self.head = Sequential(
            Dropout(0.2),
            ReLU(),
            Linear(96, num_classes),
        )
        self.normed = Sequential(
            BatchNorm1d(96),
            Linear(96, num_classes),
        )

    def forward(self, x: Tensor[B, L[96], T]) -> tuple[Tensor[B, K, T], Tensor[B, K, T]]:
        a = self.head(x)
        assert_type(a, Tensor[B, K, T])
        b = self.normed(x)
        return a, b


model: Classifier[L[5]] = Classifier(5)
features: Tensor[L[4], L[96], NoneTape] = dx.randn(4, 96)
a, b = model(features)
assert a.shape == (4, 5) and b.shape == (4, 5)
