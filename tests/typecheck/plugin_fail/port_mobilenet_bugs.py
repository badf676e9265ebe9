"""Three shape bugs injected into the MobileNetV2 port (plugin_pass/port_mobilenet.py): the batch
norm after the linear projection on the expanded width; a stride-2 block built for the wrong
input channels; the classifier of the wrong width. Each is reported where the plugin finds it."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Dropout, Linear, Module, Sequential

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)
CI = TypeVar("CI", bound=int)  # inp
CO = TypeVar("CO", bound=int)  # oup
X = TypeVar("X", bound=int)  # expand_ratio
K = TypeVar("K", bound=int)  # num_classes
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class ReLU6(Module):
    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        return x.clamp(0.0, 6.0)


class InvertedResidual(Module, Generic[C, X]):
    """Stride 1 and as many channels out as in: the block adds its input."""

    def __init__(self, inp: C, expand_ratio: X) -> None:
        super().__init__()
        hidden_dim = inp * expand_ratio
        self.conv = Sequential(
            # pw
            Conv2d(inp, hidden_dim, 1, 1, 0, bias=False, rng=rng),
            BatchNorm2d(hidden_dim),
            ReLU6(),
            # dw
            Conv2d(hidden_dim, hidden_dim, 3, 1, 1, groups=hidden_dim, bias=False, rng=rng),
            BatchNorm2d(hidden_dim),
            ReLU6(),
            # pw-linear
            Conv2d(hidden_dim, inp, 1, 1, 0, bias=False, rng=rng),  # E: mypy[dfdx-shape
            #     "Sequential: layer 8 (BatchNorm2d[C*X]) takes C*X channels, layer 7 gives C"]
            # bug: the norm after the projection on the expanded width
            BatchNorm2d(hidden_dim),  # E: mypy[dfdx-shape "Sequential: layer 8 (BatchNorm2d[C*X])"
            #     " takes C*X channels, layer 7 gives C"]
        )

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        return x + self.conv(x)


class DownInvertedResidual(Module, Generic[CI, CO, X]):
    """Stride 2: no residual."""

    def __init__(self, inp: CI, oup: CO, expand_ratio: X) -> None:
        super().__init__()
        hidden_dim = inp * expand_ratio
        self.conv = Sequential(
            Conv2d(inp, hidden_dim, 1, 1, 0, bias=False, rng=rng),
            BatchNorm2d(hidden_dim),
            ReLU6(),
            Conv2d(hidden_dim, hidden_dim, 3, 2, 1, groups=hidden_dim, bias=False, rng=rng),
            BatchNorm2d(hidden_dim),
            ReLU6(),
            Conv2d(hidden_dim, oup, 1, 1, 0, bias=False, rng=rng),
            BatchNorm2d(oup),
        )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, int, int, T]:
        return self.conv(x)


class MobileNetV2(Module, Generic[K]):
    """MobileNetV2 at width 1/8 with one block per setting row: (t, c, n, s) = (1, 2, 1, 1),
    (6, 3, 1, 2), (6, 4, 2, 2)."""

    def __init__(self, num_classes: K) -> None:
        super().__init__()
        input_channel = 4
        last_channel = 16
        self.stem = Sequential(
            Conv2d(3, input_channel, 3, 2, 1, bias=False, rng=rng),
            BatchNorm2d(input_channel),
            ReLU6(),
        )
        self.block1 = InvertedResidual(4, 1)
        self.block2 = DownInvertedResidual(4, 6, 6)  # E: mypy[dfdx-shape "self.block2 is built he"
        #     "re; its output reaches line 118: DownInvertedResidual[4, 8, 6]: x takes Tensor[N, 4"
        #     ", H, W], got Tensor[N, 6, Dyn, Dyn] (6 != 4)"]
        # bug: a stride-2 block built for the wrong input channels
        self.block3 = DownInvertedResidual(4, 8, 6)  # E: mypy[dfdx-shape "self.block3 is built he"
        #     "re; called at line 118: DownInvertedResidual[4, 8, 6]: x takes Tensor[N, 4, H, W], "
        #     "got Tensor[N, 6, Dyn, Dyn] (6 != 4)"]
        self.block4 = InvertedResidual(8, 6)
        self.last = Sequential(
            Conv2d(8, last_channel, 1, 1, 0, bias=False, rng=rng),
            BatchNorm2d(last_channel),
            ReLU6(),
        )
        # bug: the classifier of the wrong width
        self.classifier = Sequential(Dropout(0.2), Linear(8, num_classes, rng=rng))  # E: mypy[
        #     dfdx-shape "layer 2 of self.classifier is built here; called at line 126: Linear[8, "
        #     "K]: takes 8 features, got Tensor[N, 16] (16 != 8)"]

    def forward(self, x: Tensor[N, L[3], H, W, T]) -> Tensor[N, K, T]:
        x1 = self.stem(x)
        x1 = self.block1(x1)
        x2 = self.block2(x1)
        x3 = self.block3(x2)  # E: mypy[dfdx-shape "DownInvertedResidual[4, 8, 6]: x takes Tensor["
        #     "N, 4, H, W], got Tensor[N, 6, Dyn, Dyn] (6 != 4)"]
        x3 = self.block4(x3)
        x4 = self.last(x3)
        # Cannot use "squeeze" as batch-size can be 1
        pooled = dx.adaptive_avg_pool2d(x4, (1, 1)).reshape(x4.shape[0], -1)  # E: mypy[
        #     dfdx-shape "pooled is assigned here; used at line 126: Linear[8, K]: takes 8 feature"
        #     "s, got Tensor[N, 16] (16 != 8)"]
        return self.classifier(pooled)  # E: mypy[dfdx-shape "Linear[8, K]: takes 8 features, got "
        #     "Tensor[N, 16] (16 != 8)"]


model: MobileNetV2[L[10]] = MobileNetV2(10)
assert_type(MobileNetV2(10), MobileNetV2[L[10]])
images: Tensor[L[2], L[3], L[16], L[16], NoneTape] = dx.randn(2, 3, 16, 16, rng=rng)
logits = model(images.trace())
assert_type(logits, Tensor[L[2], L[10], OwnedTape])
assert logits.shape == (2, 10)
grads = logits.logsumexp(axis=-1).mean().backward()
assert all(grads[p].shape == p.shape for p in model.parameters())

block: InvertedResidual[L[8], L[6]] = InvertedResidual(8, 6)
assert_type(InvertedResidual(8, 6), InvertedResidual[L[8], L[6]])
features: Tensor[L[2], L[8], L[4], L[4], NoneTape] = dx.randn(2, 8, 4, 4, rng=rng)
out = block(features)
assert_type(out, Tensor[L[2], L[8], L[4], L[4], NoneTape])
assert out.shape == (2, 8, 4, 4)
