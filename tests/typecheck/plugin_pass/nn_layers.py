"""Every layer of the layer table (``dfdx_mypy_plugin/shapes/layers.py``) built and called:
its sizes and window arguments become type parameters, and its output shape is the one the
table's rule computes (``tests/test_coverage.py`` checks that each layer is named here)."""

# rules: nn

from typing import Literal as L
from typing import assert_type

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    GELU,
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    ConvTranspose2d,
    Dropout,
    Embedding,
    Flatten,
    LayerNorm,
    Linear,
    MaxPool2d,
    ReLU,
    Residual,
    Sequential,
    Sigmoid,
    SiLU,
    Softmax,
    Tanh,
    Upsample,
)

rng = np.random.default_rng(0)
x = dx.randn(2, 3, 8, 8, rng=rng).trace()
v = dx.randn(4, 6, rng=rng)

assert_type(ReLU()(x), Tensor[L[2], L[3], L[8], L[8], OwnedTape])
assert_type(GELU()(x), Tensor[L[2], L[3], L[8], L[8], OwnedTape])
assert_type(Sigmoid()(x), Tensor[L[2], L[3], L[8], L[8], OwnedTape])
assert_type(Tanh()(x), Tensor[L[2], L[3], L[8], L[8], OwnedTape])
assert_type(SiLU()(x), Tensor[L[2], L[3], L[8], L[8], OwnedTape])
assert_type(Softmax(axis=1)(x), Tensor[L[2], L[3], L[8], L[8], OwnedTape])
assert_type(Dropout(0.5)(x), Tensor[L[2], L[3], L[8], L[8], OwnedTape])

assert_type(Linear(6, 5)(v), Tensor[L[4], L[5], NoneTape])
assert_type(LayerNorm(6)(v), Tensor[L[4], L[6], NoneTape])
assert_type(BatchNorm1d(6)(v), Tensor[L[4], L[6], NoneTape])
assert_type(BatchNorm1d(3)(dx.randn(2, 3, 7)), Tensor[L[2], L[3], L[7], NoneTape])
assert_type(BatchNorm2d(3)(x), Tensor[L[2], L[3], L[8], L[8], OwnedTape])
indices = dx.zeros(2, 3, dtype=dx.int64)
assert_type(Embedding(10, 4)(indices), Tensor[L[2], L[3], L[4], NoneTape])

conv = Conv2d(3, 6, (3, 1), stride=2, padding=(1, 0), groups=3)
assert_type(conv, Conv2d[L[3], L[6], tuple[tuple[L[3], L[1]], tuple[L[2], L[2]],
    tuple[L[1], L[0]], tuple[L[1], L[1]], L[3]]])  # fmt: skip
assert_type(conv(x), Tensor[L[2], L[6], L[4], L[4], OwnedTape])
assert_type(Conv2d(3, 4, 3)(x), Tensor[L[2], L[4], L[6], L[6], OwnedTape])
assert_type(MaxPool2d(2)(x), Tensor[L[2], L[3], L[4], L[4], OwnedTape])
assert_type(AvgPool2d(3, stride=2, padding=1)(x), Tensor[L[2], L[3], L[4], L[4], OwnedTape])
assert_type(Flatten()(x), Tensor[L[2], L[192], OwnedTape])
assert_type(Flatten(0, 1)(x), Tensor[L[6], L[8], L[8], OwnedTape])
assert_type(Residual(Linear(6, 6))(v), Tensor[L[4], L[6], NoneTape])
assert_type(ConvTranspose2d(3, 4, 2, stride=2)(x), Tensor[L[2], L[4], L[16], L[16], OwnedTape])
assert_type(
    ConvTranspose2d(3, 6, 3, padding=1, groups=3)(x), Tensor[L[2], L[6], L[8], L[8], OwnedTape]
)
assert_type(AdaptiveAvgPool2d((2, 3))(x), Tensor[L[2], L[3], L[2], L[3], OwnedTape])
assert_type(Upsample(2)(x), Tensor[L[2], L[3], L[16], L[16], OwnedTape])
assert_type(Upsample((1, 2), mode="bilinear")(x), Tensor[L[2], L[3], L[8], L[16], OwnedTape])

# a BatchNorm1d after a Linear reads its features (docs/nn.md); after a Conv2d, channels
mlp = Sequential(Linear(6, 4), BatchNorm1d(4), ReLU(), Linear(4, 2))
assert_type(mlp(v), Tensor[L[4], L[2], NoneTape])
cnn = Sequential(Conv2d(3, 4, 3), BatchNorm2d(4), MaxPool2d(2), Flatten(), Linear(36, 2))
assert_type(cnn(x), Tensor[L[2], L[2], OwnedTape])
unet_like = Sequential(
    Conv2d(3, 4, 3, padding=1), MaxPool2d(2), ConvTranspose2d(4, 2, 2, stride=2), SiLU(),
    Upsample(2), AdaptiveAvgPool2d(1), Flatten(), Linear(2, 5),
)  # fmt: skip
assert_type(unet_like(x), Tensor[L[2], L[5], OwnedTape])
