"""Binary cross-entropy on probabilities against labels of another shape: a discriminator's
``(B, 1)`` output against ``(B,)`` labels (PyTorch warns and broadcasts; dfdx needs one
shape), and labels for another batch."""

# rules: losses

import dfdx as dx
from dfdx.nn import Linear, Sequential, Sigmoid

disc = Sequential(Linear(8, 1), Sigmoid())
probs = disc(dx.randn(4, 8))
r1 = dx.losses.binary_cross_entropy(probs, dx.ones(4))  # E: mypy[dfdx-shape
#     "binary_cross_entropy_loss: shapes differ: Tensor[4, 1] and Tensor[4]"]
r2 = dx.losses.binary_cross_entropy_loss(probs, dx.zeros(5, 1))  # E: mypy[dfdx-shape
#     "binary_cross_entropy_loss: shapes differ: Tensor[4, 1] and Tensor[5, 1]"]
