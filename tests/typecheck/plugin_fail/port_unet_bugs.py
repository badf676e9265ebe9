"""Three shape bugs injected into the unet port (plugin_pass/port_unet.py): skip at the wrong
resolution; out conv of wrong width; double conv norm on wrong channels. Each is reported where
the plugin finds it."""

# rules: nn

from typing import Generic, TypeVar

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, ConvTranspose2d, Module, ReLU, Sequential

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
CM = TypeVar("CM", bound=int)  # mid channels
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class DoubleConv(Module, Generic[CI, CM, CO]):
    """(convolution => [BN] => ReLU) * 2"""

    def __init__(self, in_channels: CI, mid_channels: CM, out_channels: CO) -> None:
        super().__init__()
        self.double_conv = Sequential(
            Conv2d(in_channels, mid_channels, 3, padding=1, bias=False, rng=rng),  # E: mypy[
            #     dfdx-shape "Sequential: layer 2 (BatchNorm2d[CO]) takes CO channels, layer 1 gi"
            #     "ves CM"]
            # bug: double conv norm on wrong channels
            BatchNorm2d(out_channels),  # E: mypy[dfdx-shape "Sequential: layer 2 (BatchNorm2d[CO])"
            #     " takes CO channels, layer 1 gives CM"]
            ReLU(),
            Conv2d(mid_channels, out_channels, 3, padding=1, bias=False, rng=rng),
            BatchNorm2d(out_channels),
            ReLU(),
        )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, H, W, T]:
        return self.double_conv(x)


class Down(Module, Generic[CI, CO]):
    """Downscaling with maxpool then double conv"""

    def __init__(self, in_channels: CI, out_channels: CO) -> None:
        super().__init__()
        self.conv = DoubleConv(in_channels, out_channels, out_channels)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, int, int, T]:
        pooled = dx.max_pool2d(x, 2)
        return self.conv(pooled)


class Up(Module, Generic[CI, CO]):
    """Upscaling (transposed convolution, half the channels) then double conv over the
    upscaled input concatenated with the skip connection."""

    def __init__(self, in_channels: CI, out_channels: CO) -> None:
        super().__init__()
        self.up = ConvTranspose2d(in_channels, out_channels, 2, stride=2, rng=rng)
        self.conv = DoubleConv(2 * out_channels, out_channels, out_channels)

    def forward(
        self, x1: Tensor[N, CI, int, int, T], x2: Tensor[N, CO, H, W, T]
    ) -> Tensor[N, CO, H, W, T]:
        up = self.up(x1)
        x = dx.cat([x2, up], axis=1)
        return self.conv(x)


class UNet(Module, Generic[CI, CO]):
    def __init__(self, n_channels: CI, n_classes: CO) -> None:
        super().__init__()
        self.inc = DoubleConv(n_channels, 8, 8)  # E: mypy[dfdx-shape "self.inc is built here; its"
        #     " output reaches line 100: Up[32, 16]: x2 takes Tensor[N, 16, H, W], got Tensor[N, 8"
        #     ", H, W] (8 != 16)"]
        self.down1 = Down(8, 16)
        self.down2 = Down(16, 32)
        self.up1 = Up(32, 16)  # E: mypy[dfdx-shape "self.up1 is built here; called at line 100: U"
        #     "p[32, 16]: x2 takes Tensor[N, 16, H, W], got Tensor[N, 8, H, W] (8 != 16)"]
        self.up2 = Up(16, 8)  # E: mypy[dfdx-shape "self.up2 is built here; its output reaches lin"
        #     "e 105: conv2d: input channels differ: input Tensor[N, 8, H, W], weight Tensor[CO, 1"
        #     "6, 1, 1] (8 != 16 per group * groups 1)"]
        # bug: out conv of wrong width
        self.outc = Conv2d(16, n_classes, 1, rng=rng)  # E: mypy[dfdx-shape "self.outc is built he"
        #     "re; called at line 105: conv2d: input channels differ: input Tensor[N, 8, H, W], we"
        #     "ight Tensor[CO, 16, 1, 1] (8 != 16 per group * groups 1)"]

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, H, W, T]:
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        # bug: skip at the wrong resolution
        y2 = self.up1(x3, x1)  # E: mypy[dfdx-shape "Up[32, 16]: x2 takes Tensor[N, 16, H, W], got "
        #     "Tensor[N, 8, H, W] (8 != 16)"]
        y1 = self.up2(y2, x1)  # E: mypy[dfdx-shape "y1 is assigned here; used at line 105: conv2d"
        #     ": input channels differ: input Tensor[N, 8, H, W], weight Tensor[CO, 16, 1, 1] (8 !"
        #     "= 16 per group * groups 1)"]
        logits = self.outc(y1)  # E: mypy[dfdx-shape "conv2d: input channels differ: input Tensor["
        #     "N, 8, H, W], weight Tensor[CO, 16, 1, 1] (8 != 16 per group * groups 1)"]
        return dx.ensure_shape(logits, x.shape[0], self.outc.out_channels, *x.shape[2:])
