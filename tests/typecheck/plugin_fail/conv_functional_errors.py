"""Functional convolutions in user modules that cannot run: a masked kernel built for other
input channels, per-sample kernels run as one grouped convolution with the wrong number of
groups, a depthwise kernel whose groups do not divide the channels, a bias of another size."""

# rules: conv

from typing import Generic, TypeVar
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Module

B = TypeVar("B", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class MaskedConv(Module, Generic[CI, CO]):
    def __init__(self, ci: CI, co: CO) -> None:
        super().__init__()
        self.weight: Tensor[CO, CI, L[3], L[3], OwnedTape] = dx.randn(co, ci, 3, 3).trace()
        self.mask: Tensor[L[1], L[1], L[3], L[3], NoneTape] = dx.ones(1, 1, 3, 3)

    def forward(self, x: Tensor[B, CO, H, W, T]) -> Tensor[B, CO, H, W, OwnedTape]:
        # the input's channels are the outputs' (CO), the kernel takes CI
        return dx.conv2d(x, self.weight * self.mask, padding=1)  # E: mypy[dfdx-shape "conv2d: "
        #     "input channels differ: input Tensor[B, CO, H, W], weight Tensor[CO, CI, 3, 3]"]


class ModulatedConv(Module, Generic[CI, CO]):
    def __init__(self, ci: CI, co: CO) -> None:
        super().__init__()
        self.weight: Tensor[CO, CI, L[3], L[3], OwnedTape] = dx.randn(co, ci, 3, 3).trace()

    def forward(self, x: Tensor[B, CI, H, W, T], scale: Tensor[B, CI, T]) -> None:
        b, ci, h, w = x.shape
        co = self.weight.shape[0]
        per_sample = self.weight.unsqueeze(0) * scale.reshape(b, 1, ci, 1, 1)
        kernels = per_sample.reshape(b * co, ci, 3, 3)  # E: mypy[dfdx-shape "kernels is assigned "
        #     "here; used at line 52: conv2d: input channels differ: input Tensor[1, B*CI, H, W], "
        #     "weight Tensor[B*CO, CI, 3, 3] (B*CI != CI per group * groups CI)"]
        flat = x.reshape(1, b * ci, h, w)  # E: mypy[dfdx-shape "flat is assigned here; used at "
        #     "line 52: conv2d: input channels differ: input Tensor[1, B*CI, H, W], weight "
        #     "Tensor[B*CO, CI, 3, 3] (B*CI != CI per group * groups CI)"]
        # one group per sample is groups=b; groups=ci is a kernel per channel
        dx.conv2d(flat, kernels, padding=1, groups=ci)  # E: mypy[dfdx-shape "conv2d: input "
        #     "channels differ: input Tensor[1, B*CI, H, W], weight Tensor[B*CO, CI, 3, 3] "
        #     "(B*CI != CI per group * groups CI)"]


rng = np.random.default_rng(0)
images: Tensor[L[2], L[6], L[8], L[8], NoneTape] = dx.tensor(
    rng.standard_normal((2, 6, 8, 8)).astype(np.float32)
)
blur: Tensor[L[6], L[1], L[3], L[3], NoneTape] = dx.ones(6, 1, 3, 3)
for scale in (1.0, 0.5):
    dx.conv2d(images * scale, blur, groups=4)  # E: mypy[dfdx-shape "conv2d: groups 4 does not "
    #     "divide the 6 output channels (input Tensor[2, 6, 8, 8], weight Tensor[6, 1, 3, 3])"]
    dx.conv2d(images, blur, dx.zeros(5), groups=6)  # E: mypy[dfdx-shape "conv2d: bias must be "
    #     "Tensor[6] (one per output channel), got Tensor[5]"]
