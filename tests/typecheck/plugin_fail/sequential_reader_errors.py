"""A ``Sequential`` held in a field and called on an input that its first layer reading the
input does not take: reported at the call and on the line of that layer, past the layers
before it that read nothing (dropout, an activation), where the layers are written one a
line; a layer that reads the input first (a norm) is that layer."""

# rules: nn

from typing import Generic, TypeVar
from typing import Literal as L

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
            Linear(24, num_classes),  # E: mypy[dfdx-shape "layer 3 of self.head is built here; c"
            #     "alled at line 37: Linear[24, K]: takes 24 features, got Tensor[B, 96] (96 != 2"
            #     "4)"]
        )
        self.normed = Sequential(
            BatchNorm1d(24),  # E: mypy[dfdx-shape "layer 1 of self.normed is built here; called "
            #     "at line 39: BatchNorm1d[24]: takes 24 channels on axis 1, got Tensor[B, 96] (9"
            #     "6 != 24)"]
            Linear(24, num_classes),
        )

    def forward(self, x: Tensor[B, L[96], T]) -> tuple[Tensor[B, K, T], Tensor[B, K, T]]:
        a = self.head(x)  # E: mypy[dfdx-shape "Linear[24, K]: takes 24 features, got Tensor[B, 96"
        #     "] (96 != 24)"]
        b = self.normed(x)  # E: mypy[dfdx-shape "BatchNorm1d[24]: takes 24 channels on axis 1, got"
        #     " Tensor[B, 96] (96 != 24)"]
        return a, b
