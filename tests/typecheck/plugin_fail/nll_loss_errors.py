"""``dx.losses.nll_loss`` given labels that do not fit the log-probabilities: labels of the
wrong length (a batch of 8 against 6 labels), and one-hot targets where int labels of the
log-probabilities' shape without the class axis are wanted."""

# rules: losses, nn

from typing import Generic, TypeVar
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
F = TypeVar("F", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Head(Module, Generic[F, K]):
    def __init__(self, features: F, classes: K) -> None:
        super().__init__()
        self.fc = Linear(features, classes)

    def forward(self, x: Tensor[B, F, T]) -> Tensor[B, K, T]:
        return dx.log_softmax(self.fc(x), axis=-1)


def step(head: Head[L[12], L[5]]) -> None:
    log_probs = head(dx.randn(8, 12).trace())  # E: mypy[dfdx-shape "log_probs is assigned here; us"
    #     "ed at line 40: nll_loss: targets Tensor[6] do not fit logits Tensor[8, 5]: expected inte"
    #     "ger labels Tensor[8]", dfdx-shape "log_probs is assigned here; used at line 45: nll_loss"
    #     ": targets Tensor[8, 5] do not fit logits Tensor[8, 5]: expected integer labels Tensor[8]"
    #     ""]
    labels = dx.tensor(np.array([0, 1, 2, 3, 4, 0]))  # E: mypy[dfdx-shape "labels is assigned here"
    #     "; used at line 40: nll_loss: targets Tensor[6] do not fit logits Tensor[8, 5]: expected "
    #     "integer labels Tensor[8]"]
    dx.losses.nll_loss(log_probs, labels).backward()  # E: mypy[dfdx-shape "nll_loss: targets Tenso"
    #     "r[6] do not fit logits Tensor[8, 5]: expected integer labels Tensor[8]"]
    onehot = dx.one_hot(dx.tensor(np.array([0, 1, 2, 3, 4, 0, 1, 2])), 5)  # E: mypy[dfdx-shape "on"
    #     "ehot is assigned here; used at line 45: nll_loss: targets Tensor[8, 5] do not fit logits"
    #     " Tensor[8, 5]: expected integer labels Tensor[8]"]
    dx.losses.nll_loss(log_probs, onehot).backward()  # E: mypy[dfdx-shape "nll_loss: targets Tenso"
    #     "r[8, 5] do not fit logits Tensor[8, 5]: expected integer labels Tensor[8]"]
