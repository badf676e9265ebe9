"""Residual sums whose branch has sizes the plain signatures do not follow (a
``Sequential``'s result is a tensor of unknown rank without the plugin), with the input on
the left, as PyTorch code writes them: MobileNetV2's inverted residual adds its input only
where ``stride == 1 and inp == oup`` and returns the branch's ``CO`` channels; a
feed-forward block sums into a new name and hands it to a ``Linear``. Without the plugin
the sum is of unknown rank, as it is with the branch on the left (pyright took the input's
sizes, ``CI`` channels, and rejected the return). With the plugin the input's sizes go on."""

# rules: binary, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import GELU, BatchNorm2d, Conv2d, LayerNorm, Linear, Module, ReLU6, Sequential

N = TypeVar("N", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class InvertedResidual(Module, Generic[CI, CO]):
    def __init__(self, inp: CI, oup: CO, stride: int, expand_ratio: int) -> None:
        super().__init__()
        hidden = inp * expand_ratio
        self.use_res_connect = stride == 1 and inp == oup
        self.conv = Sequential(
            Conv2d(inp, hidden, 1, bias=False, rng=rng),
            BatchNorm2d(hidden),
            ReLU6(),
            Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False, rng=rng),
            BatchNorm2d(hidden),
            ReLU6(),
            Conv2d(hidden, oup, 1, bias=False, rng=rng),
            BatchNorm2d(oup),
        )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Dyn, Dyn, T]:
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


class FeedForward(Module, Generic[D]):
    def __init__(self, dim: D, hidden: int) -> None:
        super().__init__()
        self.net = Sequential(LayerNorm(dim), Linear(dim, hidden, rng=rng), GELU())
        self.back = Sequential(Linear(hidden, dim, rng=rng))
        self.out: Linear[D, D] = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[N, S, D, T]) -> Tensor[N, S, D, T]:
        h = x + self.back(self.net(x))
        scaled = 0.5 * h
        return self.out(scaled)


block: InvertedResidual[L[8], L[8]] = InvertedResidual(8, 8, 1, 4)
images: Tensor[L[2], L[8], L[5], L[5], NoneTape] = dx.randn(2, 8, 5, 5, rng=rng)
y = block(images)
assert_type(y, Tensor[L[2], L[8], L[5], L[5], NoneTape])
down: InvertedResidual[L[8], L[16]] = InvertedResidual(8, 16, 2, 4)
assert_type(down(images), Tensor[L[2], L[16], L[3], L[3], NoneTape])

ff: FeedForward[L[6]] = FeedForward(6, 12)
tokens: Tensor[L[2], L[3], L[6], NoneTape] = dx.randn(2, 3, 6, rng=rng)
out = ff(tokens.trace())
assert_type(out, Tensor[L[2], L[3], L[6], OwnedTape])
print(y.shape, out.shape)
