"""Correct code along the paths a size that does not fit is followed back on
(plugin_fail/origin_errors.py): a patch embedding flattened and transposed into a returned
local, a name rebound through convolutions and flattened into a head, a Sequential whose
windows leave part of their input unread (a ResNet stem) and one whose result goes through an
activation to the return, and a model fed by another model."""

# rules: nn, movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    BatchNorm2d,
    Conv2d,
    ConvTranspose2d,
    Linear,
    MaxPool2d,
    Module,
    ReLU,
    Sequential,
)

N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
E = TypeVar("E", bound=int)
F = TypeVar("F", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Tokens(Module, Generic[C, E]):
    def __init__(self, channels: C, width: E) -> None:
        super().__init__()
        self.patch = Conv2d(channels, width, 4, stride=4)

    def forward(self, x: Tensor[N, C, L[8], L[8], T]) -> Tensor[N, L[4], E, T]:
        h = self.patch(x).relu()
        tokens = h.flatten(2).transpose(1, 2)
        return tokens


class Critic(Module, Generic[C, F]):
    def __init__(self, channels: C, features: F) -> None:
        super().__init__()
        self.conv1 = Conv2d(channels, features, 3, stride=2, padding=1)
        self.conv2 = Conv2d(features, features, 3, stride=2, padding=1)
        self.norm = BatchNorm2d(features)
        self.head = Linear(features * 2 * 2, 1)

    def forward(self, x: Tensor[N, C, L[8], L[8], T]) -> Tensor[N, L[1], T]:
        h = self.conv1(x).relu()
        h = self.norm(self.conv2(h)).relu()
        flat = h.flatten(1)
        return self.head(flat)


class Upscaler(Module, Generic[C]):
    def __init__(self, channels: C) -> None:
        super().__init__()
        self.main = Sequential(
            ConvTranspose2d(channels, 16, 2, 1, 0),
            ReLU(),
            ConvTranspose2d(16, 8, 4, 2, 1),
            ReLU(),
            ConvTranspose2d(8, 3, 4, 2, 1),
        )

    def forward(self, z: Tensor[N, C, L[1], L[1], T]) -> Tensor[N, L[3], L[8], L[8], T]:
        return self.main(z).tanh()


class Stem(Module, Generic[C]):
    """A ResNet stem: its 7x7 convolution and its pool each leave a row unread."""

    def __init__(self, channels: C) -> None:
        super().__init__()
        self.main = Sequential(
            Conv2d(channels, 8, 7, stride=2, padding=3),
            BatchNorm2d(8),
            ReLU(),
            MaxPool2d(3, stride=2, padding=1),
        )

    def forward(self, x: Tensor[N, C, L[32], L[32], T]) -> Tensor[N, L[8], L[8], L[8], T]:
        return self.main(x)


tokens: Tokens[L[3], L[16]] = Tokens(3, 16)
critic: Critic[L[3], L[4]] = Critic(3, 4)
up: Upscaler[L[4]] = Upscaler(4)
stem: Stem[L[3]] = Stem(3)
images = up(dx.randn(2, 4, 1, 1))
assert_type(images, Tensor[L[2], L[3], L[8], L[8], NoneTape])
assert_type(tokens(images), Tensor[L[2], L[4], L[16], NoneTape])
assert_type(critic(images), Tensor[L[2], L[1], NoneTape])
assert_type(stem(dx.randn(2, 3, 32, 32)), Tensor[L[2], L[8], L[8], L[8], NoneTape])

body = Linear(4, 16)
head = Linear(16, 10)
logits = head(body(dx.randn(2, 4)))
assert_type(logits, Tensor[L[2], L[10], NoneTape])
assert logits.shape == (2, 10) and critic(images).shape == (2, 1)
