"""Losses whose prediction and target do not fit: different shapes for the regression
losses and binary cross-entropy; targets that are neither probabilities of the logits' shape
nor labels of their shape without the class axis for cross-entropy; KL needs probabilities."""

# rules: losses

from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, Tensor
from dfdx import losses as ls

pred = dx.randn(4, 3).trace()
wide = dx.randn(4, 5)
logits = dx.randn(8, 10).trace()
labels: Tensor[L[8], NoneTape] = dx.tensor(np.arange(8))
few: Tensor[L[5], NoneTape] = dx.tensor(np.arange(5))

m = ls.mse_loss(pred, wide)  # E: mypy[dfdx-shape "mse_loss: shapes differ: Tensor[4, 3] and "
#                                                 "Tensor[4, 5]"]
a = ls.mae_loss(pred, dx.randn(3))  # E: mypy[dfdx-shape "mae_loss: shapes differ: "
#                                                        "Tensor[4, 3] and Tensor[3]"]
h = ls.huber_loss(pred, wide, delta=2.0)  # E: mypy[dfdx-shape "huber_loss: shapes differ: "
#                                                              "Tensor[4, 3] and Tensor[4, 5]"]
c1 = ls.cross_entropy_with_logits_loss(logits, few)  # E: mypy[dfdx-shape
#   "cross_entropy_with_logits_loss: targets Tensor[5] do not fit logits Tensor[8, 10]: "
#   "expected class probabilities Tensor[8, 10] or integer labels Tensor[8]"]
c2 = ls.cross_entropy_with_logits_loss(logits, dx.randn(8, 5))  # E: mypy[dfdx-shape
#   "cross_entropy_with_logits_loss: targets Tensor[8, 5] do not fit logits Tensor[8, 10]: "
#   "expected class probabilities Tensor[8, 10] or integer labels Tensor[8]"]
k = ls.kl_div_with_logits_loss(logits, labels)  # E: mypy[dfdx-shape
#   "kl_div_with_logits_loss: targets Tensor[8] do not fit logits Tensor[8, 10]: "
#   "expected class probabilities Tensor[8, 10]"]
b = ls.binary_cross_entropy_with_logits_loss(pred, wide)  # E: mypy[dfdx-shape
#   "binary_cross_entropy_with_logits_loss: shapes differ: Tensor[4, 3] and Tensor[4, 5]"]
