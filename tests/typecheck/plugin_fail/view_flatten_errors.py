"""A convolution built without its stride, whose output is flattened the way PyTorch code
writes it (``h.view(h.shape[0], -1)``, ``h.reshape(h.shape[0], -1)``, as ``flatten(1)``)
before a ``Linear`` that takes the strided width: reported at the ``Linear`` and on the line
of the convolution whose sizes were flattened into it (inside a ``Sequential`` or a field)."""

# rules: nn, movement

from typing import Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
A = TypeVar("A", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class QNet(Module, Generic[A]):
    def __init__(self, actions: A) -> None:
        super().__init__()
        self.features = Sequential(
            Conv2d(4, 32, 8, stride=4),
            ReLU(),
            Conv2d(32, 64, 4, stride=1),  # E: mypy[dfdx-shape "layer 3 of self.features is built h"
            #     "ere; its output reaches line 39: Linear[5184, A]: takes 5184 features, got Tenso"
            #     "r[B, 18496] (18496 != 5184)"]
            ReLU(),
        )
        self.head = Linear(64 * 9 * 9, actions)  # E: mypy[dfdx-shape "self.head is built here; cal"
        #     "led at line 39: Linear[5184, A]: takes 5184 features, got Tensor[B, 18496] (18496 !="
        #     " 5184)"]

    def forward(self, x: Tensor[B, L[4], L[84], L[84], T]) -> Tensor[B, A, T]:
        h = self.features(x)
        h = h.view(h.shape[0], -1)  # E: mypy[dfdx-shape "h is assigned here; used at line 39: Line"
        #     "ar[5184, A]: takes 5184 features, got Tensor[B, 18496] (18496 != 5184)"]
        return self.head(h)  # E: mypy[dfdx-shape "Linear[5184, A]: takes 5184 features, got Tensor"
        #     "[B, 18496] (18496 != 5184)"]


class QNetFields(Module, Generic[A]):
    def __init__(self, actions: A) -> None:
        super().__init__()
        self.conv1 = Conv2d(4, 16, 8, stride=4)
        self.conv2 = Conv2d(16, 32, 4, stride=1)  # E: mypy[dfdx-shape "self.conv2 is built here; i"
        #     "ts output reaches line 57: Linear[2592, 256]: takes 2592 features, got Tensor[B, 924"
        #     "8] (9248 != 2592)"]
        self.fc = Linear(32 * 9 * 9, 256)  # E: mypy[dfdx-shape "self.fc is built here; called at l"
        #     "ine 57: Linear[2592, 256]: takes 2592 features, got Tensor[B, 9248] (9248 != 2592)"]
        self.out = Linear(256, actions)

    def forward(self, x: Tensor[B, L[4], L[84], L[84], T]) -> Tensor[B, A, T]:
        h = dx.relu(self.conv1(x))
        h = dx.relu(self.conv2(h))
        h = dx.relu(self.fc(h.reshape(h.shape[0], -1)))  # E: mypy[dfdx-shape "Linear[2592, 256]: t"
        #     "akes 2592 features, got Tensor[B, 9248] (9248 != 2592)"]
        return self.out(h)
