"""Binary cross-entropy on probabilities with the plugin: a 0-d loss on the merged tape of a
discriminator's sigmoid output and its labels (a GAN step), by both names."""

# rules: losses

from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Sequential, Sigmoid

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

disc = Sequential(Linear(8, 1), Sigmoid())
real = disc(dx.randn(4, 8).trace())
assert_type(dx.losses.binary_cross_entropy(real, dx.ones_like(real)), Tensor[OwnedTape])
fake = disc(dx.randn(4, 8))
assert_type(dx.losses.binary_cross_entropy_loss(fake, dx.zeros_like(fake)), Tensor[NoneTape])


def step(probs: Tensor[B, T], labels: Tensor[B, NoneTape]) -> Tensor[T]:
    return dx.losses.binary_cross_entropy(probs, labels)


assert_type(step(dx.rand(5).trace(), dx.ones(5)), Tensor[OwnedTape])
