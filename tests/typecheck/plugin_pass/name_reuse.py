"""Names reused PyTorch-style, clean under the recommended set-up (``allow_redefinition_new``
and ``local_partial_types`` in mypy_plugin.ini, as in examples/mypy.ini): a conv stack that
rebinds ``h``; a layer's call, a user's function and a method chain rebinding it; a sampling
loop that grows a tensor with concat; logits traced and then not; data from NumPy that enters
the typed world with ``ensure_shape``."""

# rules: nn, conv, movement, checks

from typing import Literal as L
from typing import assert_type

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor


class ConvNet(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = dx.nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = dx.nn.Conv2d(8, 16, 3, padding=1)
        self.head = dx.nn.Linear(16 * 7 * 7, 10)

    def forward(
        self, x: Tensor[L[4], L[1], L[28], L[28], OwnedTape]
    ) -> Tensor[L[4], L[10], OwnedTape]:
        h = self.conv1(x).relu()
        h = dx.max_pool2d(h, 2)
        assert_type(h, Tensor[L[4], L[8], L[14], L[14], OwnedTape])
        h = self.conv2(h).relu()
        h = dx.max_pool2d(h, 2)
        h = h.flatten(1)
        assert_type(h, Tensor[L[4], L[784], OwnedTape])
        return self.head(h)


def sample(steps: int) -> Tensor[L[1], Dyn, NoneTape]:
    """A sequence grown one token at a time: its length is known only at run time."""
    seq = dx.zeros(1, 1).ensure_shape(1, None)
    for _ in range(steps):
        nxt = dx.ones(1, 1)
        seq = dx.concat([seq, nxt], axis=1)
    return seq


def logits_of(x: Tensor[L[4], L[784], NoneTape], w: Tensor[L[784], L[10], NoneTape]) -> None:
    logits = x.trace() @ w
    assert_type(logits, Tensor[L[4], L[10], OwnedTape])
    logits = x @ w  # the same name, untraced (for evaluation)
    assert_type(logits, Tensor[L[4], L[10], NoneTape])


fc1 = dx.nn.Linear(784, 32)


def features(x: Tensor[L[4], L[784], NoneTape]) -> Tensor[L[4], L[32], NoneTape]:
    h = x
    h = fc1(h)  # a layer's call
    h = h * 2.0 + 1.0
    return h


def pipeline(x: Tensor[L[4], L[784], NoneTape]) -> Tensor[L[4], L[16], NoneTape]:
    h = x
    h = features(h)  # a function of the user's
    h = h.reshape(4, 2, 16).sum(axis=1)  # a method chain
    return h


images = dx.tensor(np.zeros((4, 1, 28, 28), dtype=np.float32))
images = images.ensure_shape(4, 1, 28, 28)
assert_type(images, Tensor[L[4], L[1], L[28], L[28], NoneTape])
net = ConvNet()
out = net(images.trace())
assert_type(out, Tensor[L[4], L[10], OwnedTape])
assert sample(3).shape == (1, 4)
logits_of(dx.zeros(4, 784), dx.zeros(784, 10))
assert_type(pipeline(dx.zeros(4, 784)), Tensor[L[4], L[16], NoneTape])
