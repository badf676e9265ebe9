"""A small CNN without nn modules: conv2d, relu, max_pool2d, flatten and a matmul with a
weight, forward and backward. The plugin infers the whole shape chain from the annotated
parameters; the function bodies carry no annotation."""

# rules: conv, linalg, movement

from typing import Literal as L
from typing import TypeVar, assert_type

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)
conv_w = (dx.randn(8, 1, 3, 3, rng=rng) * 0.3).trace()
conv_b = dx.zeros(8).trace()
fc_w = (dx.randn(8 * 14 * 14, 10, rng=rng) * 0.02).trace()


def forward(
    x: Tensor[B, L[1], L[28], L[28], T],
    cw: Tensor[L[8], L[1], L[3], L[3], OwnedTape],
    cb: Tensor[L[8], OwnedTape],
    fw: Tensor[L[1568], L[10], OwnedTape],
) -> Tensor[B, L[10], OwnedTape]:
    h = dx.conv2d(x, cw, bias=cb, padding=1).relu()
    p = dx.max_pool2d(h, 2)
    logits = p.flatten(1) @ fw
    assert_type(h, Tensor[B, L[8], L[28], L[28], OwnedTape])
    assert_type(p, Tensor[B, L[8], L[14], L[14], OwnedTape])
    return logits


def loss_of(
    x: Tensor[B, L[1], L[28], L[28], NoneTape], y: Tensor[B, NoneTape]
) -> Tensor[OwnedTape]:
    logits = forward(x, conv_w, conv_b, fc_w)
    picked = logits.log_softmax(axis=-1) * dx.one_hot(y, 10)
    return -picked.sum(axis=1).mean()


images = dx.randn(4, 1, 28, 28, rng=rng)
labels = dx.tensor(np.array([3, 1, 4, 1]), dtype=dx.int64).ensure_shape(4)
out = forward(images, conv_w, conv_b, fc_w)
assert_type(out, Tensor[L[4], L[10], OwnedTape])
loss = loss_of(images, labels)
assert_type(loss, Tensor[OwnedTape])
grads = loss.backward()
assert grads[conv_w].shape == (8, 1, 3, 3)
assert grads[fc_w].shape == (1568, 10)
assert np.isfinite(loss.item())
