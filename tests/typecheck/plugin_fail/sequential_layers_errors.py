"""Strides forgotten (or given where they should not be) inside a ``Sequential`` and in
functional convolutions and pools, and layers that do not fit in a ``Sequential(*layers)`` of
a list built in ``__init__``. The stride search (docs/modules.md) follows the size that does
not fit back through the layers of the Sequential (and through ``dx.conv2d``/``dx.max_pool2d``
calls), and blames the one window whose stride, changed, gives the size wanted: on its line
(its kernel's and padding's lines, beside which the stride is left out, where the layer is
built over several lines), not on the last window, which only carries the error along."""

# rules: nn, conv

from typing import Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import Expr, NoneTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Linear, MaxPool2d, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)


class OneLine(Module):
    def __init__(self) -> None:
        super().__init__()
        self.f = Sequential(
            Conv2d(3, 8, 4, 2, 1), ReLU(), Conv2d(8, 16, 4, 1, 1), Conv2d(16, 32, 4, 2, 1)
        )

    def forward(
        self, x: Tensor[B, L[3], L[32], L[32], NoneTape]
    ) -> Tensor[B, L[32], L[8], L[8], NoneTape]:
        return self.f(x)


class Spread(Module, Generic[C]):
    def __init__(self, ch: C) -> None:
        super().__init__()
        self.down = Sequential(
            Conv2d(ch, 16, 3, stride=2, padding=1),
            BatchNorm2d(16),
            ReLU(),
            Conv2d(
                16,
                32,
                kernel_size=3,
                padding=1,
            ),
            ReLU(),
            Conv2d(32, 64, 3, stride=2, padding=1),
        )

    def forward(
        self, x: Tensor[B, C, H, W, NoneTape]
    ) -> Tensor[B, L[64], Expr[L["H//8"]], Expr[L["W//8"]], NoneTape]:
        return self.down(x)


class ListedEncoder(Module):
    def __init__(self) -> None:
        super().__init__()
        layers: list[Module] = [Conv2d(3, 8, 3, stride=2, padding=1), ReLU()]
        layers.append(Conv2d(8, 16, 3, padding=1))
        layers.append(ReLU())
        layers.append(Conv2d(16, 32, 3, stride=2, padding=1))
        self.features = Sequential(*layers)

    def forward(
        self, x: Tensor[B, L[3], L[32], L[32], NoneTape]
    ) -> Tensor[B, L[32], L[4], L[4], NoneTape]:
        return self.features(x)


class ListedMlp(Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        layers: list[Module] = [Linear(784, 256), ReLU()]
        layers += [Linear(128, 10)]
        self.net = Sequential(*layers)


def features(
    x: Tensor[B, L[3], L[32], L[32], NoneTape], w: Tensor[L[8], L[3], L[3], L[3], NoneTape]
) -> Tensor[B, L[8], L[8], L[8], NoneTape]:
    h = dx.conv2d(
        x,
        w,
        padding=1,
    )
    h = dx.relu(h)
    h = dx.max_pool2d(h, 2)
    return h


def pooled(x: Tensor[B, L[8], L[32], L[32], NoneTape]) -> Tensor[B, L[8], L[8], L[8], NoneTape]:
    h = dx.max_pool2d(x, 3, stride=1, padding=1)
    h = dx.avg_pool2d(h, 2)
    return h
