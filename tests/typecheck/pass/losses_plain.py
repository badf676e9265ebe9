"""Losses under the plain signatures (no plugin): a 0-d tensor whose tape is OwnedTape when
either input is traced; labels of the logits' shape without the class axis are accepted."""

from typing import Literal as L
from typing import assert_type

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

pred: Tensor[L[4], L[3], NoneTape] = dx.randn(4, 3)
target: Tensor[L[4], L[3], NoneTape] = dx.randn(4, 3)
logits: Tensor[L[8], L[10], NoneTape] = dx.randn(8, 10)
probs: Tensor[L[8], L[10], NoneTape] = dx.softmax(dx.randn(8, 10), axis=-1)
labels: Tensor[L[8], NoneTape] = dx.tensor(np.arange(8))

assert_type(dx.losses.mse_loss(pred.trace(), target), Tensor[OwnedTape])
assert_type(dx.losses.mse_loss(pred, target), Tensor[NoneTape])
assert_type(dx.losses.mae_loss(pred, target.trace()), Tensor[OwnedTape])
assert_type(dx.losses.rmse_loss(pred.trace(), target.trace()), Tensor[OwnedTape])
assert_type(dx.losses.huber_loss(pred.trace(), target, delta=0.5), Tensor[OwnedTape])
assert_type(dx.losses.smooth_l1_loss(pred.trace(), target, beta=0.5), Tensor[OwnedTape])
bce = dx.losses.binary_cross_entropy_with_logits_loss(pred.trace(), target)
assert_type(bce, Tensor[OwnedTape])
ce_probs = dx.losses.cross_entropy_with_logits_loss(logits.trace(), probs)
assert_type(ce_probs, Tensor[OwnedTape])
ce_labels = dx.losses.cross_entropy_with_logits_loss(logits.trace(), labels)
assert_type(ce_labels, Tensor[OwnedTape])
assert_type(dx.losses.kl_div_with_logits_loss(logits.trace(), probs), Tensor[OwnedTape])
assert_type(dx.losses.cross_entropy_with_logits_loss(logits, labels), Tensor[NoneTape])

grads = ce_labels.backward()
assert_type(grads, dx.Gradients)
