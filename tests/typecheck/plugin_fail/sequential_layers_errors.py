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
        self.f = Sequential(Conv2d(3, 8, 4, 2, 1), Conv2d(8, 8, 4, 1, 1), MaxPool2d(2))  # E: mypy[
        #     dfdx-shape "layer 2 of self.f is built here with stride=1 (stride=2 gives the size w"
        #     "anted); its output reaches line 35: Sequential: gives Tensor[B, 8, 7, 7], the retur"
        #     "n type is Tensor[B, 8, 4, 4] (7 != 4)"]

    def forward(
        self, x: Tensor[B, L[3], L[32], L[32], NoneTape]
    ) -> Tensor[B, L[8], L[4], L[4], NoneTape]:
        return self.f(x)  # E: mypy[dfdx-shape "Sequential: gives Tensor[B, 8, 7, 7], the return t"
        #     "ype is Tensor[B, 8, 4, 4] (7 != 4)"]


class Spread(Module, Generic[C]):
    def __init__(self, ch: C) -> None:
        super().__init__()
        self.down = Sequential(
            Conv2d(ch, 16, 3, stride=2, padding=1),
            BatchNorm2d(16),
            ReLU(),
            Conv2d(  # E: mypy[dfdx-shape "layer 4 of self.down is built here with stride=1 (strid"
                #     "e=2 gives the size wanted); its output reaches line 68: Sequential: gives T"
                #     "ensor[B, 64, (H+3)//4, (W+3)//4], the return type is Tensor[B, 64, H//8, W/"
                #     "/8] ((H+3)//4 != H//8)"]
                16,
                32,
                kernel_size=3,  # E: mypy[dfdx-shape "layer 4 of self.down is built here with stri"
                #     "de=1 (stride=2 gives the size wanted); its output reaches line 68: Sequenti"
                #     "al: gives Tensor[B, 64, (H+3)//4, (W+3)//4], the return type is Tensor[B, 6"
                #     "4, H//8, W//8] ((H+3)//4 != H//8)"]
                padding=1,  # E: mypy[dfdx-shape "layer 4 of self.down is built here with stride=1"
                #     " (stride=2 gives the size wanted); its output reaches line 68: Sequential: "
                #     "gives Tensor[B, 64, (H+3)//4, (W+3)//4], the return type is Tensor[B, 64, H"
                #     "//8, W//8] ((H+3)//4 != H//8)"]
            ),
            ReLU(),
            Conv2d(32, 64, 3, stride=2, padding=1),
        )

    def forward(
        self, x: Tensor[B, C, H, W, NoneTape]
    ) -> Tensor[B, L[64], Expr[L["H//8"]], Expr[L["W//8"]], NoneTape]:
        return self.down(x)  # E: mypy[dfdx-shape "Sequential: gives Tensor[B, 64, (H+3)//4, (W+3)"
        #     "//4], the return type is Tensor[B, 64, H//8, W//8] ((H+3)//4 != H//8)"]


class ListedEncoder(Module):
    def __init__(self) -> None:
        super().__init__()
        layers: list[Module] = [Conv2d(3, 8, 3, stride=2, padding=1), ReLU()]
        layers.append(Conv2d(8, 16, 3, padding=1))  # E: mypy[dfdx-shape "layer 3 of self.features"
        #     " is built here with stride=1 (stride=2 gives the size wanted); its output reaches l"
        #     "ine 87: Sequential: gives Tensor[B, 32, 8, 8], the return type is Tensor[B, 32, 4, "
        #     "4] (8 != 4)"]
        layers.append(ReLU())
        layers.append(Conv2d(16, 32, 3, stride=2, padding=1))
        self.features = Sequential(*layers)

    def forward(
        self, x: Tensor[B, L[3], L[32], L[32], NoneTape]
    ) -> Tensor[B, L[32], L[4], L[4], NoneTape]:
        return self.features(x)  # E: mypy[dfdx-shape "Sequential: gives Tensor[B, 32, 8, 8], the "
        #     "return type is Tensor[B, 32, 4, 4] (8 != 4)"]


class ListedMlp(Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        layers: list[Module] = [Linear(784, 256), ReLU()]  # E: mypy[dfdx-shape "Sequential: layer"
        #     " 3 (Linear[128, 10]) takes 128 features, layer 1 gives 256"]
        layers += [Linear(128, 10)]  # E: mypy[dfdx-shape "Sequential: layer 3 (Linear[128, 10]) t"
        #     "akes 128 features, layer 1 gives 256"]
        self.net = Sequential(*layers)


def features(
    x: Tensor[B, L[3], L[32], L[32], NoneTape], w: Tensor[L[8], L[3], L[3], L[3], NoneTape]
) -> Tensor[B, L[8], L[8], L[8], NoneTape]:
    h = dx.conv2d(  # E: mypy[dfdx-shape "conv2d is called here with stride=1 (stride=2 gives the "
        #     "size wanted); its output reaches line 114: max_pool2d: gives Tensor[B, 8, 16, 16], "
        #     "the return type is Tensor[B, 8, 8, 8] (16 != 8)"]
        x,
        w,
        padding=1,  # E: mypy[dfdx-shape "conv2d is called here with stride=1 (stride=2 gives the "
        #     "size wanted); its output reaches line 114: max_pool2d: gives Tensor[B, 8, 16, 16], "
        #     "the return type is Tensor[B, 8, 8, 8] (16 != 8)"]
    )
    h = dx.relu(h)
    h = dx.max_pool2d(h, 2)  # E: mypy[dfdx-shape "max_pool2d: gives Tensor[B, 8, 16, 16], the ret"
    #     "urn type is Tensor[B, 8, 8, 8] (16 != 8)"]
    return h


def pooled(x: Tensor[B, L[8], L[32], L[32], NoneTape]) -> Tensor[B, L[8], L[8], L[8], NoneTape]:
    h = dx.max_pool2d(x, 3, stride=1, padding=1)  # E: mypy[dfdx-shape "max_pool2d is called here "
    #     "with stride=1 (stride=2 gives the size wanted); its output reaches line 123: avg_pool2d"
    #     ": gives Tensor[B, 8, 16, 16], the return type is Tensor[B, 8, 8, 8] (16 != 8)"]
    h = dx.avg_pool2d(h, 2)  # E: mypy[dfdx-shape "avg_pool2d: gives Tensor[B, 8, 16, 16], the ret"
    #     "urn type is Tensor[B, 8, 8, 8] (16 != 8)"]
    return h
