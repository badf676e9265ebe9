"""Losses with the plugin: every loss gives a 0-d tensor on the merged tape of its inputs;
targets of the prediction's shape, integer labels of the logits' shape without the class
axis for cross-entropy, symbolic batch sizes, and Dyn sizes checked at run time."""

# rules: losses

from typing import Literal as L
from typing import TypeVar, assert_type

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)

pred = dx.randn(4, 3)
target = dx.randn(4, 3)
p = pred.trace()

assert_type(dx.losses.mse_loss(p, target), Tensor[OwnedTape])
assert_type(dx.losses.mae_loss(pred, target), Tensor[NoneTape])
assert_type(dx.losses.rmse_loss(pred, target.trace()), Tensor[OwnedTape])
assert_type(dx.losses.huber_loss(p, target, delta=0.5), Tensor[OwnedTape])
assert_type(dx.losses.smooth_l1_loss(p, target, beta=2.0), Tensor[OwnedTape])
assert_type(dx.losses.binary_cross_entropy_with_logits_loss(p, target), Tensor[OwnedTape])

logits = dx.randn(8, 10).trace()
probs = dx.softmax(dx.randn(8, 10), axis=-1)
labels: Tensor[L[8], NoneTape] = dx.tensor(np.arange(8) % 10)
assert_type(dx.losses.cross_entropy_with_logits_loss(logits, probs), Tensor[OwnedTape])
assert_type(dx.losses.cross_entropy_with_logits_loss(logits, labels), Tensor[OwnedTape])
assert_type(dx.losses.kl_div_with_logits_loss(logits, probs), Tensor[OwnedTape])


def batch_loss(x: Tensor[B, L[10], OwnedTape], y: Tensor[B, NoneTape]) -> Tensor[OwnedTape]:
    return dx.losses.cross_entropy_with_logits_loss(x, y)


def dyn_loss(x: Tensor[Dyn, Dyn, OwnedTape], y: Tensor[Dyn, Dyn, NoneTape]) -> Tensor[OwnedTape]:
    return dx.losses.mse_loss(x, y)


assert_type(batch_loss(logits, labels), Tensor[OwnedTape])
assert_type(dyn_loss(p, target), Tensor[OwnedTape])

loss = dx.losses.cross_entropy_with_logits_loss(dx.randn(8, 10).trace(), labels)
assert_type(loss.backward(), dx.Gradients)
