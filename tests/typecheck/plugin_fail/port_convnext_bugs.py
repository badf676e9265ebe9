"""Three shape bugs injected into the ConvNeXt port (plugin_pass/port_convnext.py): the second
pointwise layer back to the expanded width; the permute back to channels-first with the spatial
axes swapped; a downsampling layer's norm on the output width. Each is reported where the plugin
finds it."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, LayerNorm, Linear, Module, Sequential

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)  # dim
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
K = TypeVar("K", bound=int)  # num_classes
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class LayerNorm2d(Module, Generic[C]):
    """LayerNorm over the channels of a (N, C, H, W) tensor ("channels_first")."""

    def __init__(self, normalized_shape: C, eps: float = 1e-6) -> None:
        super().__init__()
        self.norm = LayerNorm(normalized_shape, eps=eps)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        h = x.permute(0, 2, 3, 1)
        h = self.norm(h)
        return h.permute(0, 3, 1, 2)


class Block(Module, Generic[C]):
    """ConvNeXt block: DwConv -> Permute to (N, H, W, C); LayerNorm; Linear -> GELU -> Linear;
    layer scale; Permute back."""

    def __init__(self, dim: C, layer_scale_init_value: float = 1e-6) -> None:
        super().__init__()
        self.dwconv = Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, rng=rng)
        self.norm = LayerNorm(dim, eps=1e-6)
        self.pwconv1 = Linear(dim, 4 * dim, rng=rng)  # pointwise/1x1 convs, as linear layers
        # bug: the second pointwise layer back to the expanded width
        self.pwconv2 = Linear(4 * dim, 4 * dim, rng=rng)  # E: mypy[dfdx-shape "self.pwconv2 is bui"
        #     "lt here; called at line 65: mul: shapes do not broadcast: Tensor[C] and Tensor[N, H"
        #     ", W, 4*C] (axis -1: C != 4*C)"]
        self.gamma = layer_scale_init_value * dx.ones(dim)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        input = x  # E: mypy[dfdx-shape "input is assigned here; used at line 73: add: shapes do no"
        #     "t broadcast: Tensor[N, C, H, W] and Tensor[N, C, W, H] (axis -2: H != W)"]
        h = self.dwconv(x)
        h = h.permute(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)
        h = self.norm(h)
        h = self.pwconv1(h)
        h = h.gelu()
        h = self.pwconv2(h)  # E: mypy[dfdx-shape "h is assigned here; used at line 67: mul: shapes"
        #     " do not broadcast: Tensor[C] and Tensor[N, H, W, 4*C] (axis -1: C != 4*C)"]
        h = self.gamma * h  # E: mypy[dfdx-shape "mul: shapes do not broadcast: Tensor[C] and Tenso"
        #     "r[N, H, W, 4*C] (axis -1: C != 4*C)"]
        # bug: the permute back with the spatial axes swapped
        h = h.permute(0, 3, 2, 1)  # (N, H, W, C) -> (N, C, H, W)  # E: mypy[dfdx-shape "h is assig"
        #     "ned here; used at line 73: add: shapes do not broadcast: Tensor[N, C, H, W] and Ten"
        #     "sor[N, C, W, H] (axis -2: H != W)"]
        x = input + h  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[N, C, H, W] and T"
        #     "ensor[N, C, W, H] (axis -2: H != W)"]
        return x


class Downsample(Module, Generic[CI, CO]):
    def __init__(self, in_dim: CI, out_dim: CO) -> None:
        super().__init__()
        # bug: a downsampling layer's norm on the output width
        self.norm = LayerNorm2d(out_dim, eps=1e-6)  # E: mypy[dfdx-shape "self.norm is built here; "
        #     "called at line 88: LayerNorm2d[CO]: x takes Tensor[N, CO, H, W], got Tensor[N, CI, "
        #     "H, W] (CI != CO)"]
        self.conv = Conv2d(in_dim, out_dim, kernel_size=2, stride=2, rng=rng)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, int, int, T]:
        return self.conv(self.norm(x))  # E: mypy[dfdx-shape "LayerNorm2d[CO]: x takes Tensor[N, CO"
        #     ", H, W], got Tensor[N, CI, H, W] (CI != CO)"]


class ConvNeXt(Module, Generic[K]):
    """ConvNeXt with one block per stage (dims 8, 16, 32) for 3-channel images."""

    def __init__(self, num_classes: K) -> None:
        super().__init__()
        self.stem = Sequential(
            Conv2d(3, 8, kernel_size=4, stride=4, rng=rng), LayerNorm2d(8, eps=1e-6)
        )
        self.stage1 = Block(8)
        self.down2 = Downsample(8, 16)
        self.stage2 = Block(16)
        self.down3 = Downsample(16, 32)
        self.stage3 = Block(32)
        self.norm = LayerNorm(32, eps=1e-6)  # final norm layer
        self.head = Linear(32, num_classes, rng=rng)

    def forward_features(self, x: Tensor[N, L[3], H, W, T]) -> Tensor[N, L[32], T]:
        x1 = self.stage1(self.stem(x))
        x2 = self.stage2(self.down2(x1))
        x3 = self.stage3(self.down3(x2))
        return self.norm(x3.mean(axis=(-2, -1)))  # global average pooling, (N, C, H, W) -> (N, C)

    def forward(self, x: Tensor[N, L[3], H, W, T]) -> Tensor[N, K, T]:
        features = self.forward_features(x)
        return self.head(features)


model: ConvNeXt[L[10]] = ConvNeXt(10)
assert_type(ConvNeXt(10), ConvNeXt[L[10]])
images: Tensor[L[2], L[3], L[16], L[16], NoneTape] = dx.randn(2, 3, 16, 16, rng=rng)
logits = model(images.trace())
assert_type(logits, Tensor[L[2], L[10], OwnedTape])
assert logits.shape == (2, 10)
grads = logits.logsumexp(axis=-1).mean().backward()
assert grads[model.stage2.pwconv1.weight].shape == (64, 16)

block: Block[L[8]] = Block(8)
assert_type(Block(8), Block[L[8]])
features: Tensor[L[2], L[8], L[4], L[4], NoneTape] = dx.randn(2, 8, 4, 4, rng=rng)
out = block(features)
assert_type(out, Tensor[L[2], L[8], L[4], L[4], NoneTape])
assert out.shape == (2, 8, 4, 4)
