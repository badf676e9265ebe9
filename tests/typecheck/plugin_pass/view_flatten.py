"""The correct versions of ``plugin_fail/view_flatten_errors.py``: a Nature-DQN-style network
whose convolutions' output is flattened the way PyTorch code writes it, ``h.view(h.shape[0],
-1)`` or ``h.reshape(h.shape[0], -1)``, before the first ``Linear``; the widths fit, and the
flattened feature count is exact."""

# rules: nn, movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

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
            Conv2d(32, 64, 4, stride=2),
            ReLU(),
        )
        self.head = Linear(64 * 9 * 9, actions)

    def forward(self, x: Tensor[B, L[4], L[84], L[84], T]) -> Tensor[B, A, T]:
        h = self.features(x)
        h = h.view(h.shape[0], -1)
        return self.head(h)


class QNetFields(Module, Generic[A]):
    def __init__(self, actions: A) -> None:
        super().__init__()
        self.conv1 = Conv2d(4, 16, 8, stride=4)
        self.conv2 = Conv2d(16, 32, 4, stride=2)
        self.fc = Linear(32 * 9 * 9, 256)
        self.out = Linear(256, actions)

    def forward(self, x: Tensor[B, L[4], L[84], L[84], T]) -> Tensor[B, A, T]:
        h = dx.relu(self.conv1(x))
        h = dx.relu(self.conv2(h))
        h = dx.relu(self.fc(h.reshape(h.shape[0], -1)))
        return self.out(h)


frames: Tensor[L[2], L[4], L[84], L[84], NoneTape] = dx.tensor(
    np.random.default_rng(0).standard_normal((2, 4, 84, 84)).astype(np.float32)
)
net: QNet[L[6]] = QNet(6)
q = net(frames)
assert_type(q, Tensor[L[2], L[6], NoneTape])
net2: QNetFields[L[6]] = QNetFields(6)
q2 = net2(frames.trace())
assert_type(q2, Tensor[L[2], L[6], OwnedTape])
flat = frames.view(frames.shape[0], -1)
assert q.numpy().shape == (2, 6) and q2.numpy().shape == (2, 6) and flat.numpy().shape == (2, 28224)
