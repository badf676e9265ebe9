"""``dx.nn`` under the plugin: sizes passed to constructors become type parameters, a
``Sequential`` keeps its layers' types and folds the input's shape through them, and the tape
of the input carries through. pyright (no plugin) sees ``Any`` sizes here and must accept the
program all the same."""

# rules: nn

from typing import Literal as L
from typing import TypeVar, assert_type

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    BatchNorm2d,
    Conv2d,
    Embedding,
    Flatten,
    LayerNorm,
    Linear,
    MaxPool2d,
    ReLU,
    Residual,
    Sequential,
    Tanh,
)

B = TypeVar("B", bound=int)

lin = Linear(784, 10)
assert_type(lin, Linear[L[784], L[10]])
assert_type(LayerNorm(64), LayerNorm[L[64]])
assert_type(Flatten(), Flatten[L[1], L[-1]])
assert_type(Linear(8 * 14 * 14, 10), Linear[L[1568], L[10]])  # int arithmetic is folded

x = dx.randn(32, 784)
assert_type(lin(x), Tensor[L[32], L[10], NoneTape])
assert_type(lin(x.trace()), Tensor[L[32], L[10], OwnedTape])

first = Linear(784, 512)
mlp = Sequential(first, ReLU(), Linear(512, 10))
assert_type(mlp, Sequential[tuple[Linear[L[784], L[512]], ReLU, Linear[L[512], L[10]]]])
logits = mlp(x.trace())
assert_type(logits, Tensor[L[32], L[10], OwnedTape])
grads = logits.logsumexp(axis=-1).mean().backward()
assert_type(grads[first.weight], Tensor[L[512], L[784], NoneTape])


def classify(net: Sequential[tuple[Linear[L[784], L[512]], ReLU, Linear[L[512], L[10]]]],
             batch: Tensor[B, L[784], OwnedTape]) -> Tensor[B, L[10], OwnedTape]:  # fmt: skip
    return net(batch)


assert_type(classify(mlp, x.trace()), Tensor[L[32], L[10], OwnedTape])

cnn = Sequential(
    Conv2d(1, 8, 3, padding=1),
    BatchNorm2d(8),
    ReLU(),
    MaxPool2d(2),
    Flatten(),
    Linear(8 * 14 * 14, 10),
)
images = dx.randn(4, 1, 28, 28, rng=np.random.default_rng(0))
assert_type(cnn(images), Tensor[L[4], L[10], NoneTape])
# Conv2d and the pools keep their window arguments in their last type parameter
conv = Conv2d(1, 8, 3, stride=2, padding=1)
assert_type(conv(images), Tensor[L[4], L[8], L[14], L[14], NoneTape])
assert_type(MaxPool2d(2)(conv(images)), Tensor[L[4], L[8], L[7], L[7], NoneTape])
assert_type(Conv2d(8, 4, (3, 1))(conv(images)), Tensor[L[4], L[4], L[12], L[14], NoneTape])

block = Residual(Sequential(Linear(64, 64), Tanh()))
h = dx.randn(5, 7, 64)
assert_type(block(h), Tensor[L[5], L[7], L[64], NoneTape])
assert_type(LayerNorm(64)(h), Tensor[L[5], L[7], L[64], NoneTape])

emb = Embedding(100, 16)
tokens = dx.zeros(2, 5, dtype=dx.int64)
assert_type(emb(tokens), Tensor[L[2], L[5], L[16], NoneTape])
