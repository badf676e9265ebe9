"""An EfficientNet (Tan and Le 2019; torchvision's ``efficientnet.py``: SqueezeExcitation,
MBConv, EfficientNet) ported line by line: MBConv blocks with a 1x1 expansion convolution, a
3x3 depthwise convolution (groups equal to its channels), squeeze-and-excitation (global
average pool, two 1x1 convolutions, a sigmoid gate that scales the channels), a 1x1
projection, and the residual connection where the block keeps the shape; a stem and a
classifier head. Built with literal sizes and run on a tiny image batch."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    AdaptiveAvgPool2d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Linear,
    Module,
    Sequential,
    Sigmoid,
    SiLU,
)

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)  # input_channels
S = TypeVar("S", bound=int)  # squeeze_channels
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
K = TypeVar("K", bound=int)  # num_classes
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class SqueezeExcitation(Module, Generic[C, S]):
    """Channel attention: the pooled channels squeezed to S and expanded back to a gate."""

    def __init__(self, input_channels: C, squeeze_channels: S) -> None:
        super().__init__()
        self.avgpool = AdaptiveAvgPool2d(1)
        self.fc1 = Conv2d(input_channels, squeeze_channels, 1, rng=rng)
        # bug: the excitation convolution gives squeeze_channels, not input_channels
        self.fc2 = Conv2d(squeeze_channels, squeeze_channels, 1, rng=rng)  # E: mypy[dfdx-shape "se"
        #     "lf.fc2 is built here; its output reaches line 61: Sigmoid: gives Tensor[N, S, 1, 1],"
        #     " the return type is Tensor[N, C, 1, 1] (S != C)"]
        self.activation = SiLU()
        self.scale_activation = Sigmoid()

    def _scale(self, input: Tensor[N, C, H, W, T]) -> Tensor[N, C, L[1], L[1], T]:
        scale = self.avgpool(input)
        scale = self.fc1(scale)
        scale = self.activation(scale)
        scale = self.fc2(scale)
        return self.scale_activation(scale)  # E: mypy[dfdx-shape "Sigmoid: gives Tensor[N, S, 1, 1"
        #     "], the return type is Tensor[N, C, 1, 1] (S != C)", arg-type]

    def forward(self, input: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        scale = self._scale(input)
        return scale * input


class MBConv(Module, Generic[CI, CO]):
    """Inverted residual block: expand, depthwise, squeeze-and-excite, project."""

    def __init__(
        self, input_channels: CI, out_channels: CO, expand_ratio: int, stride: int
    ) -> None:
        super().__init__()
        self.use_res_connect = stride == 1 and input_channels == out_channels

        expanded_channels = input_channels * expand_ratio
        squeeze_channels = max(1, input_channels // 4)
        # expand
        self.expand = Sequential(
            Conv2d(input_channels, expanded_channels, 1, bias=False, rng=rng),
            BatchNorm2d(expanded_channels),
            SiLU(),
        )
        # depthwise
        self.depthwise = Sequential(
            Conv2d(
                expanded_channels,
                expanded_channels,
                3,
                stride=stride,
                padding=1,
                groups=expanded_channels,
                bias=False,
                rng=rng,
            ),
            BatchNorm2d(expanded_channels),
            SiLU(),
        )
        # squeeze and excitation
        self.se = SqueezeExcitation(expanded_channels, squeeze_channels)
        # project
        self.project = Sequential(
            Conv2d(  # E: mypy[dfdx-shape "Sequential: layer 2 (BatchNorm2d[CI]) takes CI channels,"
                #     " layer 1 gives CO"]
                expanded_channels,
                out_channels,
                1,
                bias=False,
                rng=rng,
            ),
            # bug: the projection's batch norm built for the block's input channels
            BatchNorm2d(input_channels),  # E: mypy[dfdx-shape "Sequential: layer 2 (BatchNorm2d[CI"
            #     "]) takes CI channels, layer 1 gives CO"]
        )

    def forward(self, input: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, int, int, T]:
        result = self.expand(input)
        result = self.depthwise(result)
        result = self.se(result)
        result = self.project(result)
        if self.use_res_connect:
            result = result + input
        return result  # E: mypy[return-value]


class EfficientNet(Module, Generic[K]):
    """Stem (stride 2), four MBConv blocks, a 1x1 head convolution, pooling, the classifier."""

    def __init__(self, num_classes: K, dropout: float = 0.2) -> None:
        super().__init__()
        self.stem = Sequential(
            Conv2d(3, 8, 3, stride=2, padding=1, bias=False, rng=rng), BatchNorm2d(8), SiLU()
        )
        self.block1 = MBConv(8, 8, expand_ratio=1, stride=1)
        self.block2 = MBConv(8, 16, expand_ratio=4, stride=2)
        self.block3 = MBConv(16, 16, expand_ratio=4, stride=1)
        self.block4 = MBConv(16, 24, expand_ratio=4, stride=1)
        lastconv_output_channels = 4 * 24
        self.head = Sequential(
            Conv2d(24, lastconv_output_channels, 1, bias=False, rng=rng),
            BatchNorm2d(lastconv_output_channels),
            SiLU(),
        )
        self.avgpool = AdaptiveAvgPool2d(1)
        self.classifier = Sequential(
            Dropout(p=dropout),
            # bug: the classifier built for the last block's 24 channels, not the head's 4 * 24
            Linear(24, num_classes, rng=rng),  # E: mypy[dfdx-shape "layer 2 of self.classifier is "
            #     "built here; called at line 165: Linear[24, K]: takes 24 features, got Tensor[N, "
            #     "96] (96 != 24)"]
        )

    def forward(self, x: Tensor[N, L[3], H, W, T]) -> Tensor[N, K, T]:
        x1 = self.stem(x)
        x1 = self.block1(x1)
        x2 = self.block2(x1)
        x2 = self.block3(x2)
        x2 = self.block4(x2)
        x2 = self.head(x2)
        pooled = self.avgpool(x2)
        flat = pooled.flatten(1)  # E: mypy[dfdx-shape "flat is assigned here; used at line 165: Li"
        #     "near[24, K]: takes 24 features, got Tensor[N, 96] (96 != 24)"]
        return self.classifier(flat)  # E: mypy[dfdx-shape "Linear[24, K]: takes 24 features, got T"
        #     "ensor[N, 96] (96 != 24)"]


model: EfficientNet[L[10]] = EfficientNet(10)
model.eval()
assert_type(EfficientNet(10), EfficientNet[L[10]])
images: Tensor[L[2], L[3], L[16], L[16], NoneTape] = dx.randn(2, 3, 16, 16, rng=rng)
logits = model(images.trace())
assert_type(logits, Tensor[L[2], L[10], OwnedTape])
grads = logits.logsumexp(axis=-1).mean().backward()
assert grads[model.block2.se.fc1.weight].shape == (2, 32, 1, 1)

block: MBConv[L[16], L[16]] = MBConv(16, 16, expand_ratio=4, stride=1)
features: Tensor[L[2], L[16], L[4], L[4], NoneTape] = dx.randn(2, 16, 4, 4, rng=rng)
assert block(features).shape == (2, 16, 4, 4)
se: SqueezeExcitation[L[16], L[4]] = SqueezeExcitation(16, 4)
gated = se(features)
assert_type(gated, Tensor[L[2], L[16], L[4], L[4], NoneTape])
