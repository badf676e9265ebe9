"""A Linear after MaxPool2d and Flatten sized for the wrong count: the pool's stride defaults
to its kernel, so ``Tensor[4, 1, 8, 8]`` becomes 4x6x6 after the conv, 4x3x3 after the pool,
36 features after Flatten, and ``Linear(250, 10)`` rejects it with the runtime's message."""

# rules: nn

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential

T = TypeVar("T", NoneTape, OwnedTape)

net = Sequential(Conv2d(1, 4, 3), ReLU(), MaxPool2d(2), Flatten(), Linear(250, 10))


def run(x: Tensor[L[4], L[1], L[8], L[8], T]) -> None:
    net(x)  # E: mypy[dfdx-shape
    #    "Linear[250, 10]: takes 250 features, got Tensor[4, 36] (36 != 250)"]


y = net(dx.zeros(4, 1, 8, 8))  # E: mypy[dfdx-shape
#    "Linear[250, 10]: takes 250 features, got Tensor[4, 36] (36 != 250)"]
