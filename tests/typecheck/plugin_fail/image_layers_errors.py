"""Mistakes with the layers of image models: a reflection padding as wide as the size it pads,
a padding of an odd number of sizes, a residual block padded by 2 for a 3x3 convolution (its
output 2 larger than its input), a pixel shuffle of channels that are not a multiple of
``r*r``, an unshuffle of an odd height, slopes or an instance norm for other channels, a pool
with ``ceil_mode`` added to (or concatenated with) one without, an axis out of range for
``flip``, and a negative ``tril_indices`` size."""

# rules: movement, nn, conv, unary, creation, binary

from typing import Any, Generic, TypeVar
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    Conv2d,
    InstanceNorm2d,
    MaxPool2d,
    Module,
    PixelShuffle,
    PReLU,
    ReflectionPad2d,
    ZeroPad2d,
)

N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)
img: Tensor[L[2], L[3], L[8], L[8], NoneTape] = dx.randn(2, 3, 8, 8)

# ---- padding
p1 = dx.pad(img, (8, 0), mode="reflect")  # E: mypy[dfdx-shape "pad: reflect padding 8 must be smal"
#     "ler than the size 8 at axis 3 of Tensor[2, 3, 8, 8]"]
p2 = dx.pad(img, (1, 2, 3))  # E: mypy[dfdx-shape "pad: pad must have an even number of sizes, got "
#     "3"]
p3 = ReflectionPad2d(8)(img)  # E: mypy[dfdx-shape "ReflectionPad2d: reflect padding 8 must be smal"
#     "ler than the size 8 at axis 3 of Tensor[2, 3, 8, 8]"]
wide = (1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
p4 = dx.pad(img, wide)  # E: mypy[dfdx-shape "pad: pad of 10 sizes pads 5 axes, more than the 4 of "
#     "Tensor[2, 3, 8, 8]"]


class ResnetBlock(Module, Generic[C]):
    """Padded twice: by a reflection padding and by the convolution's own ``padding=1``, so
    that its output is 2 larger than its input."""

    def __init__(self, dim: C) -> None:
        super().__init__()
        self.pad = ReflectionPad2d(1)  # E: mypy[dfdx-shape "self.pad is built here; its output rea"
        #     "ches line 65: add: shapes do not broadcast: Tensor[N, C, H, W] and Tensor[N, C, H+2,"
        #     " W+2] (axis -2: H != H+2)"]
        self.conv = Conv2d(dim, dim, kernel_size=3, padding=1, rng=rng)
        self.norm = InstanceNorm2d(dim)

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        h = self.norm(self.conv(self.pad(x)))  # E: mypy[dfdx-shape "h is assigned here; used at li"
        #     "ne 65: add: shapes do not broadcast: Tensor[N, C, H, W] and Tensor[N, C, H+2, W+2] ("
        #     "axis -2: H != H+2)"]
        return x + h  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[N, C, H, W] and Te"
        #     "nsor[N, C, H+2, W+2] (axis -2: H != H+2)"]


# ---- pixel shuffling
s1 = PixelShuffle(2)(img)  # E: mypy[dfdx-shape "PixelShuffle: channels 3 of Tensor[2, 3, 8, 8] are"
#     " not a multiple of upscale_factor**2 (2**2 = 4)"]
x8 = dx.zeros(1, 8, 4, 4)
s2 = dx.pixel_shuffle(x8, 3)  # E: mypy[dfdx-shape "pixel_shuffle: channels 8 of Tensor[1, 8, 4, 4]"
#     " are not a multiple of upscale_factor**2 (3**2 = 9)"]
x5 = dx.zeros(1, 2, 5, 4)
s3 = dx.pixel_unshuffle(x5, 2)  # E: mypy[dfdx-shape "pixel_unshuffle: size 5 at axis 2 of Tensor[1"
#     ", 2, 5, 4] is not a multiple of downscale_factor 2"]

# ---- slopes and instance norm for other channels
a1 = PReLU(4)(img)  # E: mypy[dfdx-shape "PReLU[4]: 4 slopes for 3 channels on axis 1 of Tensor[2, "
#     "3, 8, 8] (3 != 4)"]
slopes = dx.full((2,), 0.25)
a2 = dx.prelu(img, slopes)  # E: mypy[dfdx-shape "prelu: 2 slopes for 3 channels on axis 1 of Tenso"
#     "r[2, 3, 8, 8] (3 != 2)"]
a3 = InstanceNorm2d(4)(img)  # E: mypy[dfdx-shape "InstanceNorm2d[4]: takes 4 channels on axis 1, g"
#     "ot Tensor[2, 3, 8, 8] (3 != 4)"]

# ---- ceil_mode rounds up: 4 windows where the floor gives 3
c1 = MaxPool2d(3, stride=2, ceil_mode=True)(img)
c2 = dx.max_pool2d(img, 3, stride=2)
c3 = c1 + c2  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[2, 3, 4, 4] and Tensor[2, "
#     "3, 3, 3] (axis -2: 4 != 3)"]

# ---- flip and tril_indices
f1 = dx.flip(img, (0, 4))  # E: mypy[dfdx-shape "flip: axis 4 is out of range for Tensor[2, 3, 8, 8"
#     "]"]
f2 = dx.flip(img, (1, -3))  # E: mypy[dfdx-shape "flip: axes (1, -3) name an axis twice for Tensor["
#     "2, 3, 8, 8]"]
t1 = dx.tril_indices(-1, 3)  # E: mypy[dfdx-shape "tril_indices: row and col must be at least 0, go"
#     "t -1 and 3"]
z1 = ZeroPad2d(-1)  # E: mypy[dfdx-shape "ZeroPad2d: padding must be an int >= 0 or a tuple of 4 of"
#     " them, got -1"]


class Branches(Module, Generic[C]):
    """GoogLeNet's pools: one branch rounds up, the other down, and their maps are joined."""

    def __init__(self, ch: C) -> None:
        super().__init__()
        self.pool_a = MaxPool2d(3, stride=2, ceil_mode=True)  # E: mypy[dfdx-shape "self.pool_a is "
        #     "built here; its output reaches line 120: concat: sizes differ on axis 2: Tensor[N, C"
        #     ", 4, 4] and Tensor[N, C, 3, 3] (4 != 3)"]
        self.pool_b = MaxPool2d(3, stride=2)  # E: mypy[dfdx-shape "self.pool_b is built here; its "
        #     "output reaches line 120: concat: sizes differ on axis 2: Tensor[N, C, 4, 4] and Tens"
        #     "or[N, C, 3, 3] (4 != 3)"]

    def forward(self, x: Tensor[N, C, L[8], L[8], T]) -> Tensor[N, Any, L[4], L[4], T]:
        a = self.pool_a(x)
        b = self.pool_b(x)
        return dx.cat([a, b], axis=1)  # E: mypy[dfdx-shape "concat: sizes differ on axis 2: Tensor"
        #     "[N, C, 4, 4] and Tensor[N, C, 3, 3] (4 != 3)"]
