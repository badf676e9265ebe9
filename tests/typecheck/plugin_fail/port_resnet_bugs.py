"""Three shape bugs injected into the resnet port (plugin_pass/port_resnet.py): projection with
wrong channels; fc of wrong width; bn after conv1 on the input channels. Each is reported where
the plugin finds it."""

# rules: nn

from typing import Generic, TypeVar
from typing import Literal as L

import numpy as np

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Linear, Module, Sequential

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)  # in_planes
CO = TypeVar("CO", bound=int)  # planes
K = TypeVar("K", bound=int)  # num_classes
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class BasicBlock(Module, Generic[CO]):
    """Two 3x3 convolutions with an identity shortcut: the shape is kept."""

    def __init__(self, planes: CO) -> None:
        super().__init__()
        self.conv1 = Conv2d(planes, planes, 3, padding=1, bias=False, rng=rng)
        self.bn1 = BatchNorm2d(planes)
        self.conv2 = Conv2d(planes, planes, 3, padding=1, bias=False, rng=rng)
        self.bn2 = BatchNorm2d(planes)

    def forward(self, x: Tensor[N, CO, H, W, T]) -> Tensor[N, CO, H, W, T]:
        identity = x
        out = self.bn1(self.conv1(x)).relu()
        out = self.bn2(self.conv2(out))
        out = out + identity
        return out.relu()


class DownBlock(Module, Generic[CI, CO]):
    """A basic block that halves the resolution and changes the channel count: its shortcut
    is a projection (1x1 convolution, stride 2, then batch norm)."""

    def __init__(self, in_planes: CI, planes: CO) -> None:
        super().__init__()
        self.conv1 = Conv2d(
            in_planes,
            planes,  # E: mypy[dfdx-shape "self.conv1 is built here; its output reaches line 77: B"
            #     "atchNorm2d[CI]: takes CI channels on axis 1, got Tensor[N, CO, (H+1)//2, (W+1)/"
            #     "/2] (CO != CI)"]
            3,
            stride=2,
            padding=1,
            bias=False,
            rng=rng,
        )
        # bug: bn after conv1 on the input channels
        self.bn1 = BatchNorm2d(in_planes)  # E: mypy[dfdx-shape "self.bn1 is built here; called at"
        #     " line 77: BatchNorm2d[CI]: takes CI channels on axis 1, got Tensor[N, CO, (H+1)//2,"
        #     " (W+1)//2] (CO != CI)"]
        self.conv2 = Conv2d(planes, planes, 3, padding=1, bias=False, rng=rng)
        self.bn2 = BatchNorm2d(planes)
        self.downsample = Sequential(
            # bug: projection with wrong channels
            Conv2d(in_planes, in_planes, 1, stride=2, bias=False, rng=rng),  # E: mypy[dfdx-shape
            #     "Sequential: layer 2 (BatchNorm2d[CO]) takes CO channels, layer 1 gives CI"]
            BatchNorm2d(planes),  # E: mypy[dfdx-shape "Sequential: layer 2 (BatchNorm2d[CO]) takes"
            #     " CO channels, layer 1 gives CI"]
        )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, int, int, T]:
        identity = self.downsample(x)
        out = self.bn1(self.conv1(x)).relu()  # E: mypy[dfdx-shape "BatchNorm2d[CI]: takes CI chann"
        #     "els on axis 1, got Tensor[N, CO, (H+1)//2, (W+1)//2] (CO != CI)"]
        out = self.bn2(self.conv2(out))
        out = out + identity
        return out.relu()


class ResNet(Module, Generic[K]):
    """ResNet with one block per stage (widths 8, 16, 32), for 3-channel images."""

    def __init__(self, num_classes: K) -> None:
        super().__init__()
        self.conv1 = Conv2d(3, 8, 3, padding=1, bias=False, rng=rng)
        self.bn1 = BatchNorm2d(8)
        self.layer1 = BasicBlock(8)
        self.layer2 = DownBlock(8, 16)
        self.layer3 = DownBlock(16, 32)  # E: mypy[dfdx-shape "self.layer3 is built here; its outp"
        #     "ut reaches line 108: Linear[16, K]: takes 16 features, got Tensor[N, 32] (32 != 16)"]
        self.avgpool = AdaptiveAvgPool2d(1)
        # bug: fc of wrong width
        self.fc = Linear(16, num_classes, rng=rng)  # E: mypy[dfdx-shape "self.fc is built here; c"
        #     "alled at line 108: Linear[16, K]: takes 16 features, got Tensor[N, 32] (32 != 16)"]

    def forward(self, x: Tensor[N, L[3], H, W, T]) -> Tensor[N, K, T]:
        x1 = self.bn1(self.conv1(x)).relu()
        x1 = self.layer1(x1)
        x2 = self.layer2(x1)
        x3 = self.layer3(x2)
        pooled = self.avgpool(x3)
        flat = pooled.flatten(1)  # E: mypy[dfdx-shape "flat is assigned here; used at line 108: L"
        #     "inear[16, K]: takes 16 features, got Tensor[N, 32] (32 != 16)"]
        return self.fc(flat)  # E: mypy[dfdx-shape "Linear[16, K]: takes 16 features, got Tensor[N,"
        #     " 32] (32 != 16)"]
