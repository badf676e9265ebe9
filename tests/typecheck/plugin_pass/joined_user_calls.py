"""A value joined from the branches of an ``if`` passed to the user's own generic function, as
ShuffleNetV2's block does: ``out`` is the concatenation of the kept half and the processed
half where the stride is 1, of two downsampled branches otherwise (``Tensor[N, (CI+1)//2+CO//2,
H, W] | Tensor[N, 2*(CO//2), H2, W2]``), and then goes through ``channel_shuffle(x:
Tensor[N, C, H, W, T], groups: int) -> Tensor[N, C, H, W, T]``. mypy alone cannot solve ``C``
for the union (``Cannot infer value of type parameter``); the plugin takes the call once per
path, as it takes an op, and the result is the union of what each path gives."""

# rules: movement, nn

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Linear, Module, ReLU, Sequential

N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def channel_shuffle(x: Tensor[N, C, H, W, T], groups: int) -> Tensor[N, C, H, W, T]:
    batch, channels, height, width = x.shape
    x = x.reshape(batch, groups, channels // groups, height, width).transpose(1, 2)
    return x.reshape(batch, channels, height, width)


class Shuffle(Module):
    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        return channel_shuffle(x, self.groups)

    __call__ = forward


class InvertedResidual(Module, Generic[CI, CO]):
    def __init__(self, inp: CI, oup: CO, stride: int) -> None:
        super().__init__()
        self.stride = stride
        branch_features = oup // 2
        self.branch1 = Sequential(
            Conv2d(inp, inp, 3, stride=stride, padding=1, groups=inp, bias=False),
            BatchNorm2d(inp),
            Conv2d(inp, branch_features, 1, bias=False),
            BatchNorm2d(branch_features),
            ReLU(),
        )
        self.branch2 = Sequential(
            Conv2d(inp if stride > 1 else branch_features, branch_features, 1, bias=False),
            BatchNorm2d(branch_features),
            ReLU(),
            Conv2d(branch_features, branch_features, 3, stride=stride, padding=1, bias=False),
            BatchNorm2d(branch_features),
            Conv2d(branch_features, branch_features, 1, bias=False),
            BatchNorm2d(branch_features),
            ReLU(),
        )
        self.shuffle = Shuffle(2)

    def mix(self, x: Tensor[N, C, H, W, T], groups: int) -> Tensor[N, C, H, W, T]:
        return self.shuffle(channel_shuffle(x, groups))

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, Any, Any, Any, T]:
        if self.stride == 1:
            x1, x2 = x.chunk(2, axis=1)
            out = dx.cat([x1, self.branch2(x2)], axis=1)
        else:
            out = dx.cat([self.branch1(x), self.branch2(x)], axis=1)
        shuffled = channel_shuffle(out, 2)
        return self.mix(shuffled, 2)

    __call__ = forward


down: InvertedResidual[L[16], L[32]] = InvertedResidual(16, 32, 2)
same: InvertedResidual[L[32], L[32]] = InvertedResidual(32, 32, 1)
head = Linear(32, 10)
images = dx.tensor(np.random.default_rng(0).standard_normal((2, 16, 8, 8)).astype(np.float32))
x: Tensor[Dyn, L[16], Dyn, Dyn, NoneTape] = images
features = same(down(x))
assert_type(features, Tensor[Dyn, L[32], Any, Any, NoneTape])
shuffled = channel_shuffle(features, 4)
assert_type(shuffled, Tensor[Dyn, L[32], Any, Any, NoneTape])
logits = head(features.mean(axis=(2, 3)))
assert logits.shape == (2, 10)
