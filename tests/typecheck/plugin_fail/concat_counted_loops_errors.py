"""Lists built in counted loops whose concatenation does not fit: a fusion convolution built
for three branches where the ``ModuleList`` holds four, a readout head built for two layers'
features where three are joined (a comprehension), and pyramid pooling branches appended
without being upsampled back to the input's size (reported at the ``append`` too)."""

# rules: movement, nn

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import OwnedTape, Tensor

B = TypeVar("B", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)


class Branches(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.branches = dx.nn.ModuleList([dx.nn.Conv2d(16, 8, 3, padding=1) for _ in range(4)])
        self.fuse = dx.nn.Conv2d(24, 16, 1)  # E: mypy[dfdx-shape "self.fuse is built here; called "
        #     "at line 34: conv2d: input channels differ: input Tensor[B, 32, H, W], weight "
        #     "Tensor[16, 24, 1, 1] (32 != 24 per group * groups 1)"]

    def forward(self, x: Tensor[B, L[16], H, W, OwnedTape]) -> Tensor[B, L[16], H, W, OwnedTape]:
        feats = []
        for branch in self.branches:
            feats.append(branch(x))
        y = dx.cat(feats, axis=1)  # E: mypy[dfdx-shape "y is assigned here; used at line 34: "
        #     "conv2d: input channels differ: input Tensor[B, 32, H, W], weight Tensor[16, 24, "
        #     "1, 1] (32 != 24 per group * groups 1)"]
        return self.fuse(y)  # E: mypy[dfdx-shape "conv2d: input channels differ: input Tensor[B, "
        #     "32, H, W], weight Tensor[16, 24, 1, 1] (32 != 24 per group * groups 1)"]


class Readout(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = dx.nn.ModuleList([dx.nn.Linear(32, 32) for _ in range(3)])
        self.head = dx.nn.Linear(64, 2)  # E: mypy[dfdx-shape "self.head is built here; called at "
        #     "line 47: Linear[64, 2]: takes 64 features, got Tensor[B, 96] (96 != 64)"]

    def forward(self, x: Tensor[B, L[32], OwnedTape]) -> Tensor[B, L[2], OwnedTape]:
        hs = [layer(x) for layer in self.layers]
        return self.head(dx.cat(hs, axis=-1))  # E: mypy[dfdx-shape "Linear[64, 2]: takes 64 "
        #     "features, got Tensor[B, 96] (96 != 64)"]


class PyramidPooling(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pools = dx.nn.ModuleList([dx.nn.AdaptiveAvgPool2d(1) for _ in range(4)])
        self.convs = dx.nn.ModuleList([dx.nn.Conv2d(64, 16, 1) for _ in range(4)])

    def forward(self, x: Tensor[B, L[64], H, W, OwnedTape]) -> Tensor[B, L[128], H, W, OwnedTape]:
        outs = [x]  # E: mypy[dfdx-shape "outs is assigned here; used at line 64: concat: sizes "
        #     "differ on axis 2: Tensor[B, 64, H, W] and Tensor[B, 16, 1, 1] (H != 1)"]
        for pool, conv in zip(self.pools, self.convs, strict=True):
            outs.append(conv(pool(x)))  # E: mypy[dfdx-shape "put in the list here; used at line "
            #     "64: concat: sizes differ on axis 2: Tensor[B, 64, H, W] and Tensor[B, 16, 1, "
            #     "1] (H != 1)"]
        return dx.cat(outs, axis=1)  # E: mypy[dfdx-shape "concat: sizes differ on axis 2: "
        #     "Tensor[B, 64, H, W] and Tensor[B, 16, 1, 1] (H != 1)"]
