"""Sequentials as ports write them, each right: a conv stack whose layers are given inline
(on one line, and one a line with an argument a line), a ``Sequential(*layers)`` of a list
built by a display, ``append``, ``extend`` and ``+=`` in ``__init__`` (typed as the chain of its
layers when they are known in order), one of a list built in a loop and one grown by
``add_module`` (their chains unknown: no size is claimed after them), and functional
convolutions and pools in a row. The stride search that blames a window without its stride
(docs/modules.md) finds nothing to blame here."""

# rules: nn, conv

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Linear, MaxPool2d, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)


class Stem(Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = Sequential(Conv2d(3, 8, 3, stride=2, padding=1), ReLU(), MaxPool2d(2))

    def forward(
        self, x: Tensor[B, L[3], L[16], L[16], NoneTape]
    ) -> Tensor[B, L[8], L[4], L[4], NoneTape]:
        return self.features(x)


class Downsampler(Module, Generic[C]):
    def __init__(self, ch: C) -> None:
        super().__init__()
        self.down = Sequential(
            Conv2d(ch, 8, 4, 2, 1),
            BatchNorm2d(8),
            ReLU(),
            Conv2d(
                8,
                16,
                kernel_size=4,
                stride=2,
                padding=1,
            ),
            ReLU(),
        )

    def forward(
        self, x: Tensor[B, C, L[16], L[16], NoneTape]
    ) -> Tensor[B, L[16], L[4], L[4], NoneTape]:
        return self.down(x)


class ListedEncoder(Module):
    def __init__(self) -> None:
        super().__init__()
        layers: list[Module] = [Conv2d(3, 8, 3, stride=2, padding=1), ReLU()]
        layers.append(Conv2d(8, 16, 3, stride=2, padding=1))
        layers.append(ReLU())
        layers += [Conv2d(16, 32, 3, stride=2, padding=1)]
        layers.extend([BatchNorm2d(32), ReLU()])
        self.features = Sequential(*layers)

    def forward(
        self, x: Tensor[B, L[3], L[16], L[16], NoneTape]
    ) -> Tensor[B, L[32], L[2], L[2], NoneTape]:
        h = self.features(x)
        assert_type(h, Tensor[B, L[32], L[2], L[2], NoneTape])
        return h


class ListedMlp(Module):
    def __init__(self) -> None:
        super().__init__()
        layers: list[Module] = [Linear(12, 24), ReLU()]
        layers.append(Linear(24, 6))
        self.net = Sequential(*layers)

    def forward(self, x: Tensor[B, L[12], NoneTape]) -> Tensor[B, L[6], NoneTape]:
        y = self.net(x)
        assert_type(y, Tensor[B, L[6], NoneTape])
        return y


class LoopedMlp(Module):
    """Layers appended in a loop: how many is known only at run time, so its own ``forward``
    declares ``Dyn``; an instance built with a known depth is typed by running the loop."""

    def __init__(self, depth: int) -> None:
        super().__init__()
        layers: list[Module] = []
        for _ in range(depth):
            layers.append(Linear(12, 12))
            layers.append(ReLU())
        self.net = Sequential(*layers)

    def forward(self, x: Tensor[B, L[12], NoneTape]) -> Tensor[Dyn, Dyn, NoneTape]:
        return self.net(x)


class GrownHead(Module):
    """A Sequential grown by ``add_module`` after it is built: its type holds the layers it
    was built with, not the head appended, so its calls are not typed from them (``Dyn``
    sizes, as plain mypy's), never as the two-layer chain."""

    def __init__(self) -> None:
        super().__init__()
        self.net = Sequential(Linear(12, 24), ReLU())
        self.net.add_module("head", Linear(24, 6))

    def forward(self, x: Tensor[B, L[12], NoneTape]) -> Tensor[B, L[6], NoneTape]:
        y = self.net(x)
        assert_type(y, Tensor[*tuple[Dyn, ...], NoneTape])
        return y


def grown_locally(x: Tensor[B, L[12], NoneTape]) -> Tensor[B, L[6], NoneTape]:
    seq = Sequential(Linear(12, 24), ReLU())
    seq.add_module("head", Linear(24, 6))
    assert_type(seq[-1], Module)
    return seq(x)


def pooled_features(
    x: Tensor[B, L[3], L[16], L[16], NoneTape], w: Tensor[L[8], L[3], L[3], L[3], NoneTape]
) -> Tensor[B, L[8], L[4], L[4], NoneTape]:
    h = dx.conv2d(x, w, stride=2, padding=1)
    h = dx.relu(h)
    h = dx.max_pool2d(h, 2)
    return h


def pooled_again(
    x: Tensor[B, L[8], L[16], L[16], NoneTape],
) -> Tensor[B, L[8], L[4], L[4], NoneTape]:
    h = dx.avg_pool2d(x, 3, stride=2, padding=1)
    return dx.max_pool2d(h, kernel_size=2, stride=2)


rng = np.random.default_rng(0)
image: Tensor[L[2], L[3], L[16], L[16], NoneTape] = dx.tensor(
    rng.standard_normal((2, 3, 16, 16), np.float32)
)
assert_type(Stem()(image), Tensor[L[2], L[8], L[4], L[4], NoneTape])

assert_type(Downsampler[L[3]](3)(image), Tensor[L[2], L[16], L[4], L[4], NoneTape])
assert_type(ListedEncoder()(image), Tensor[L[2], L[32], L[2], L[2], NoneTape])
rows: Tensor[L[5], L[12], NoneTape] = dx.tensor(rng.standard_normal((5, 12), np.float32))
assert_type(ListedMlp()(rows), Tensor[L[5], L[6], NoneTape])
assert_type(LoopedMlp(2)(rows), Tensor[L[5], L[12], NoneTape])
assert_type(GrownHead()(rows), Tensor[L[5], L[6], NoneTape])
assert_type(grown_locally(rows), Tensor[L[5], L[6], NoneTape])
weight: Tensor[L[8], L[3], L[3], L[3], NoneTape] = dx.tensor(
    rng.standard_normal((8, 3, 3, 3), np.float32)
)
assert_type(pooled_features(image, weight), Tensor[L[2], L[8], L[4], L[4], NoneTape])
maps: Tensor[L[2], L[8], L[16], L[16], NoneTape] = dx.tensor(
    rng.standard_normal((2, 8, 16, 16), np.float32)
)
assert_type(pooled_again(maps), Tensor[L[2], L[8], L[4], L[4], NoneTape])
