"""The layers ports of public models reach for beyond the first set (nn_layers.py): Identity,
the activations LeakyReLU, ReLU6, Hardswish, Mish and ELU (any shape to the same shape;
``inplace=`` accepted),
Conv1d and ConvTranspose1d (their output lengths computed from the window arguments they
record), GroupNorm (its
channels checked, ``num_groups`` recorded) and RMSNorm (its features checked), alone and in a
Sequential."""

# rules: nn

from typing import Literal as L
from typing import assert_type

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    ELU,
    Conv1d,
    ConvTranspose1d,
    Flatten,
    GroupNorm,
    Hardswish,
    Identity,
    LeakyReLU,
    Linear,
    Mish,
    ReLU6,
    RMSNorm,
    Sequential,
    Unflatten,
)

rng = np.random.default_rng(0)
x = dx.randn(2, 3, 8, 8, rng=rng).trace()
s = dx.randn(2, 4, 9, rng=rng)
v = dx.randn(4, 6, rng=rng)

assert_type(Identity()(x), Tensor[L[2], L[3], L[8], L[8], OwnedTape])
assert_type(Identity(54, unused_argument=0.1)(v), Tensor[L[4], L[6], NoneTape])
assert_type(LeakyReLU()(x), Tensor[L[2], L[3], L[8], L[8], OwnedTape])
assert_type(LeakyReLU(0.2)(v), Tensor[L[4], L[6], NoneTape])
assert_type(ReLU6()(x), Tensor[L[2], L[3], L[8], L[8], OwnedTape])
assert_type(Hardswish()(x), Tensor[L[2], L[3], L[8], L[8], OwnedTape])
assert_type(Mish()(v), Tensor[L[4], L[6], NoneTape])
assert_type(ELU(alpha=0.5)(v), Tensor[L[4], L[6], NoneTape])
# PyTorch's inplace flag is accepted (and changes nothing: the result is a new tensor)
assert_type(LeakyReLU(0.2, inplace=True)(x), Tensor[L[2], L[3], L[8], L[8], OwnedTape])
assert_type(ELU(0.5, True)(v), Tensor[L[4], L[6], NoneTape])

# Conv1d: L_out = (L + 2 padding - dilation (k - 1) - 1) // stride + 1
conv = Conv1d(4, 6, 3, stride=2, padding=1, groups=2)
assert_type(conv, Conv1d[L[4], L[6], tuple[L[3], L[2], L[1], L[1], L[2]]])
assert_type(conv(s), Tensor[L[2], L[6], L[5], NoneTape])
assert_type(Conv1d(4, 8, 3)(s), Tensor[L[2], L[8], L[7], NoneTape])
assert_type(Conv1d(4, 8, 2, dilation=3)(s.trace()), Tensor[L[2], L[8], L[6], OwnedTape])
assert_type(Conv1d(4, 8, (3,), padding=(1,))(s), Tensor[L[2], L[8], L[9], NoneTape])

# ConvTranspose1d: L_out = (L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1
up = ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
assert_type(up(s), Tensor[L[2], L[6], L[18], NoneTape])
assert_type(ConvTranspose1d(4, 2, 2, stride=2)(s.trace()), Tensor[L[2], L[2], L[18], OwnedTape])

# GroupNorm reads the channels on axis 1 of an input of any rank from 2; RMSNorm the features
assert_type(GroupNorm(3, 3)(x), Tensor[L[2], L[3], L[8], L[8], OwnedTape])
assert_type(GroupNorm(2, 4, affine=False)(s), Tensor[L[2], L[4], L[9], NoneTape])
assert_type(GroupNorm(2, 6)(v), Tensor[L[4], L[6], NoneTape])
assert_type(RMSNorm(6)(v), Tensor[L[4], L[6], NoneTape])
assert_type(RMSNorm(9, eps=1e-6)(s), Tensor[L[2], L[4], L[9], NoneTape])

# Unflatten splits an axis (one size may be -1); the axis and sizes are recorded in its type
assert_type(Unflatten(1, (2, 3))(v), Tensor[L[4], L[2], L[3], NoneTape])
assert_type(Unflatten(-1, (2, -1))(x), Tensor[L[2], L[3], L[8], L[2], L[4], OwnedTape])
decoder = Sequential(Linear(6, 32), Unflatten(1, (4, 8)), Conv1d(4, 3, 3, padding=1))
assert_type(decoder(v), Tensor[L[4], L[3], L[8], NoneTape])

# a 1-d convolutional stack, as a keyword-spotting or audio model writes it
audio = Sequential(
    Conv1d(4, 8, 3, padding=1), GroupNorm(2, 8), Mish(), Conv1d(8, 8, 3, stride=2),
    LeakyReLU(0.1), Flatten(), Linear(32, 5), RMSNorm(5), Identity(),
)  # fmt: skip
assert_type(audio(s), Tensor[L[2], L[5], NoneTape])
