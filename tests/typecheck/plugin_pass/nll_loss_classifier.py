"""A classifier trained on log-probabilities, as PyTorch code written with ``log_softmax`` in
``forward`` and ``F.nll_loss`` in the loop does (GAT, TCN): ``dx.losses.nll_loss`` takes
``Tensor[*B, C]`` log-probabilities (classes last) and int64 labels ``Tensor[*B]``, and gives
a 0-d loss on the log-probabilities' tape."""

# rules: losses, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
F = TypeVar("F", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Classifier(Module, Generic[F, K]):
    def __init__(self, features: F, classes: K) -> None:
        super().__init__()
        self.body = Sequential(Linear(features, 32), ReLU(), Linear(32, classes))

    def forward(self, x: Tensor[B, F, T]) -> Tensor[B, K, T]:
        return dx.log_softmax(self.body(x), axis=-1)


def sequence_loss(log_probs: Tensor[B, S, K, T], tags: Tensor[B, S, NoneTape]) -> Tensor[T]:
    return dx.losses.nll_loss(log_probs, tags, ignore_index=-1)


model: Classifier[L[12], L[5]] = Classifier(12, 5)
rng = np.random.default_rng(0)
x = dx.tensor(rng.standard_normal((8, 12)).astype(np.float32)).trace()
y = dx.tensor(rng.integers(0, 5, 8))
loss = dx.losses.nll_loss(model(x), y)
assert_type(loss, Tensor[OwnedTape])
loss.backward()

tags = dx.tensor(rng.integers(-1, 5, (2, 7)))
per_token = dx.log_softmax(dx.randn(2, 7, 5).trace(), axis=-1)
assert_type(sequence_loss(per_token, tags), Tensor[OwnedTape])
