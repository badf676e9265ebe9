"""Mistakes in modules whose sizes are plain ``int`` arguments, found because each argument
given to a layer as a size is read as a size named after it: a projection shortcut built
without the block's ``stride: int`` (its ``H`` against the main path's ``(H-1)//stride+1``:
equal only for a stride of 1), a norm built for ``planes`` instead of ``planes * expansion``, a
feed-forward's second layer built for ``hidden`` features, not the first's ``hidden * ratio``
(equal only for a ratio of 1), a pixel predictor whose width forgets the patch's square
(``C*patch_size`` against ``C*patch_size*patch_size``)."""

# rules: binary, nn, movement

from typing import Generic, TypeVar

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
C = TypeVar("C", bound=int)
D = TypeVar("D", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
P = TypeVar("P", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Bottleneck(Module, Generic[CI, P]):
    def __init__(self, inplanes: CI, planes: P, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(inplanes, planes, 1, bias=False)
        self.conv2 = Conv2d(planes, planes, 3, stride, 1)  # E: mypy[dfdx-shape "self.conv2 is bui"
        #     "lt here with stride=stride (stride=1 gives the size wanted); its output reaches lin"
        #     "e 53: add: shapes do not broadcast: Tensor[B, 4*P, (H-1)//stride+1, (W-1)//stride+1"
        #     "] and Tensor[B, 4*P, H, W] (axis -2: (H-1)//stride+1 != H)"]
        self.conv3 = Conv2d(planes, planes * 4, 1, bias=False)
        self.relu = ReLU()
        self.downsample = Sequential(
            Conv2d(inplanes, planes * 4, 1, bias=False),  # E: mypy[dfdx-shape "layer 1 of self.dow"
            #     "nsample is built here; its output reaches line 53: add: shapes do not broadcast:"
            #     " Tensor[B, 4*P, (H-1)//stride+1, (W-1)//stride+1] and Tensor[B, 4*P, H, W] (axis"
            #     " -2: (H-1)//stride+1 != H)"]
            BatchNorm2d(planes * 4),
        )

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, int, int, int, T]:
        identity = self.downsample(x)  # E: mypy[dfdx-shape "identity is assigned here; used at lin"
        #     "e 53: add: shapes do not broadcast: Tensor[B, 4*P, (H-1)//stride+1, (W-1)//stride+1]"
        #     " and Tensor[B, 4*P, H, W] (axis -2: (H-1)//stride+1 != H)"]
        out = self.relu(self.conv2(self.relu(self.conv1(x))))
        out = self.conv3(out)  # E: mypy[dfdx-shape "out is assigned here; used at line 53: add: sh"
        #     "apes do not broadcast: Tensor[B, 4*P, (H-1)//stride+1, (W-1)//stride+1] and Tensor[B"
        #     ", 4*P, H, W] (axis -2: (H-1)//stride+1 != H)"]
        return self.relu(out + identity)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tenso"
        #     "r[B, 4*P, (H-1)//stride+1, (W-1)//stride+1] and Tensor[B, 4*P, H, W] (axis -2: (H-1)"
        #     "//stride+1 != H)"]


class Expanded(Module, Generic[CI]):
    def __init__(self, inplanes: CI, planes: int, expansion: int) -> None:
        super().__init__()
        self.conv = Conv2d(inplanes, planes * expansion, 1)  # E: mypy[dfdx-shape "self.conv is bu"
        #     "ilt here; its output reaches line 69: BatchNorm2d[planes]: takes planes channels on"
        #     " axis 1, got Tensor[B, expansion*planes, H, W] (expansion*planes != planes)"]
        self.bn = BatchNorm2d(planes)  # E: mypy[dfdx-shape "self.bn is built here; called at line"
        #     " 69: BatchNorm2d[planes]: takes planes channels on axis 1, got Tensor[B, expansion*"
        #     "planes, H, W] (expansion*planes != planes)"]

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, int, H, W, T]:
        return self.bn(self.conv(x))  # E: mypy[dfdx-shape "BatchNorm2d[planes]: takes planes chann"
        #     "els on axis 1, got Tensor[B, expansion*planes, H, W] (expansion*planes != planes)"]


class FeedForward(Module, Generic[D]):
    def __init__(self, dim: D, hidden: int, ratio: int = 4) -> None:
        super().__init__()
        self.fc1 = Linear(dim, hidden * ratio)  # E: mypy[dfdx-shape "self.fc1 is built here; its "
        #     "output reaches line 84: Linear[hidden, D]: takes hidden features, got Tensor[B, S, "
        #     "hidden*ratio] (hidden*ratio != hidden)"]
        self.fc2 = Linear(hidden, dim)  # E: mypy[dfdx-shape "self.fc2 is built here; called at li"
        #     "ne 84: Linear[hidden, D]: takes hidden features, got Tensor[B, S, hidden*ratio] (hi"
        #     "dden*ratio != hidden)"]

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        return self.fc2(self.fc1(x).gelu())  # E: mypy[dfdx-shape "Linear[hidden, D]: takes hidden "
        #     "features, got Tensor[B, S, hidden*ratio] (hidden*ratio != hidden)"]


class MaskedPatches(Module, Generic[C, D]):
    def __init__(self, in_chans: C, dim: D, patch_size: int) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.proj = Conv2d(in_chans, dim, kernel_size=patch_size, stride=patch_size)
        self.pred = Linear(dim, patch_size * in_chans)  # E: mypy[dfdx-shape "self.pred is built h"
        #     "ere; called at line 108: sub: shapes do not broadcast: Tensor[B, (H//patch_size)*(W"
        #     "//patch_size), C*patch_size] and Tensor[B, (H//patch_size)*(W//patch_size), C*patch"
        #     "_size*patch_size] (axis -1: C*patch_size != C*patch_size*patch_size)"]

    def forward(self, imgs: Tensor[B, C, H, W, T]) -> Tensor[T]:
        p = self.patch_size
        b, c, h, w = imgs.shape
        target = imgs.reshape(b, c, h // p, p, w // p, p).permute(0, 2, 4, 3, 5, 1)
        n = (h // p) * (w // p)
        target = target.reshape(b, n, p * p * c)  # E: mypy[dfdx-shape "target is assigned here; u"
        #     "sed at line 112: sub: shapes do not broadcast: Tensor[B, (H//patch_size)*(W//patch_"
        #     "size), C*patch_size] and Tensor[B, (H//patch_size)*(W//patch_size), C*patch_size*pa"
        #     "tch_size] (axis -1: C*patch_size != C*patch_size*patch_size)"]
        tokens = self.proj(imgs).flatten(2).transpose(1, 2)
        pred = self.pred(tokens)  # E: mypy[dfdx-shape "pred is assigned here; used at line 112: s"
        #     "ub: shapes do not broadcast: Tensor[B, (H//patch_size)*(W//patch_size), C*patch_siz"
        #     "e] and Tensor[B, (H//patch_size)*(W//patch_size), C*patch_size*patch_size] (axis -1"
        #     ": C*patch_size != C*patch_size*patch_size)"]
        return ((pred - target) ** 2).mean()  # E: mypy[dfdx-shape "sub: shapes do not broadcast: T"
        #     "ensor[B, (H//patch_size)*(W//patch_size), C*patch_size] and Tensor[B, (H//patch_size"
        #     ")*(W//patch_size), C*patch_size*patch_size] (axis -1: C*patch_size != C*patch_size*p"
        #     "atch_size)"]
