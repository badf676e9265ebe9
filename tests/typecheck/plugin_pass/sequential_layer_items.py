"""Layers read back from a ``Sequential`` by a literal index, as PyTorch code does: a
classifier's last ``Linear`` initialised to zero (``self.head[2].weight``), a decoder's output
layer's gradient read after ``backward()``, the stem's convolution looked up for its
``out_channels``. The ``Sequential``'s type holds its layers, so ``seq[2]`` is that layer
for every checker (pyright runs no plugin): its fields and sizes are there, where the item
was a bare ``Module`` (``Cannot access attribute "weight" for class "Module"``). An index
known only at run time (or past the layers the type holds) is a ``Module``."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
D = TypeVar("D", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class Classifier(Module, Generic[CI, D, K]):
    """A conv stem and an MLP head, both ``Sequential``; the head's last layer starts at 0."""

    def __init__(self, in_chans: CI, dim: D, num_classes: K) -> None:
        super().__init__()
        self.stem = Sequential(
            Conv2d(in_chans, dim, 3, padding=1, rng=rng), BatchNorm2d(dim), ReLU()
        )
        self.head = Sequential(Linear(dim, dim, rng=rng), ReLU(), Linear(dim, num_classes))
        dx.nn.init.zeros_(self.head[2].weight)
        self.width = self.stem[0].out_channels

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, K, T]:
        h = self.stem(x).mean(axis=(2, 3))
        return self.head(h)


model: Classifier[L[3], L[8], L[5]] = Classifier(3, 8, 5)
out_layer = model.head[2]
assert_type(out_layer, Linear[L[8], L[5]])
assert_type(out_layer.weight, Tensor[L[5], L[8], NoneTape])
assert_type(model.head[0], Linear[L[8], L[8]])
assert_type(model.stem[1], BatchNorm2d[L[8]])


def layer_at(i: int) -> Module:
    return model.head[i]  # an index known only at run time: any of the layers


images: Tensor[L[2], L[3], L[6], L[6], NoneTape] = dx.randn(2, 3, 6, 6, rng=rng)
labels = dx.tensor(np.array([1, 4]))
logits = model(images.trace())
assert_type(logits, Tensor[L[2], L[5], OwnedTape])
loss = dx.losses.cross_entropy_with_logits_loss(logits, labels)
grads = loss.backward()
print(model.width, type(layer_at(1)).__name__, grads[out_layer.weight].shape)
