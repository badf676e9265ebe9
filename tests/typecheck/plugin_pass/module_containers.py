"""Containers of modules of different sizes or classes, written as PyTorch code writes them:
a StyleGAN-like generator whose ``ModuleList`` of styled convolutions halves its channels
from one member to the next, with a ``ToRGB`` per resolution taking the image of the
resolution before as an optional skip (``Tensor[B, 3, H//2, W//2] | None``); a UNet encoder
built by appending blocks in a loop over a channel list; a ``ModuleDict`` of heads; a
``Sequential`` of mixed modules. mypy joins two members of one class whose sizes differ to
``object`` (``Value of type variable "M" of "ModuleList" cannot be "object"``); with the
plugin the list holds their common class with the differing sizes ``Any``, and a member read
with a literal index or key keeps its own sizes."""

# rules: containers, nn

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    Conv2d,
    Linear,
    MaxPool2d,
    Module,
    ModuleDict,
    ModuleList,
    ReLU,
    Sequential,
    Upsample,
)

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class StyledConv(Module, Generic[CI, CO]):
    def __init__(self, in_channel: CI, out_channel: CO, kernel_size: int = 3) -> None:
        super().__init__()
        self.conv = Conv2d(in_channel, out_channel, kernel_size, padding=kernel_size // 2, rng=rng)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, H, W, T]:
        return dx.leaky_relu(self.conv(x), 0.2)


class ToRGB(Module, Generic[CI]):
    def __init__(self, in_channel: CI) -> None:
        super().__init__()
        self.conv = Conv2d(in_channel, 3, 1, rng=rng)
        self.upsample = Upsample(scale_factor=2)

    def forward(
        self,
        x: Tensor[B, CI, H, W, T],
        skip: Tensor[B, L[3], Expr[L["H//2"]], Expr[L["W//2"]], T] | None = None,
    ) -> Tensor[B, L[3], H, W, T]:
        out = self.conv(x)
        if skip is not None:
            out = out + self.upsample(skip)
        return out


class Generator(Module, Generic[C]):
    """Three resolutions, the channels halving at each (``C``, ``C//2``, ``C//4``)."""

    def __init__(self, channel: C) -> None:
        super().__init__()
        self.conv1 = StyledConv(channel, channel)
        self.to_rgb1 = ToRGB(channel)
        self.convs = ModuleList(
            [
                StyledConv(channel, channel // 2),
                StyledConv(channel // 2, channel // 4),
            ]
        )
        self.to_rgbs = ModuleList([ToRGB(channel // 2), ToRGB(channel // 4)])
        self.upsample = Upsample(scale_factor=2)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, L[3], Any, Any, T]:
        out = self.conv1(x)
        skip = self.to_rgb1(out)
        assert_type(skip, Tensor[B, L[3], H, W, T])
        h: Tensor[B, Any, Any, Any, T] = out  # (for pyright: the members differ)
        first = self.convs[0](h)  # a literal index: the member's own sizes
        assert_type(first, Tensor[B, Expr[L["C//2"]], Any, Any, T])
        image: Tensor[B, L[3], Any, Any, T] = skip
        for conv, to_rgb in zip(self.convs, self.to_rgbs, strict=True):
            h = conv(self.upsample(h))
            image = to_rgb(h, image)
        return image


gen: Generator[L[16]] = Generator(16)
assert_type(gen.convs, ModuleList[StyledConv[Any, Any]])
assert_type(gen.convs[1], StyledConv[Any, Any])  # outside the class: the element type
z: Tensor[L[2], L[16], L[4], L[4], NoneTape] = dx.randn(2, 16, 4, 4, rng=rng)
assert gen(z).shape == (2, 3, 16, 16)

# literal sizes in a script: each member keeps its own
rgb = ToRGB(8)
low = dx.randn(2, 3, 4, 4, rng=rng)
feats = dx.randn(2, 8, 8, 8, rng=rng)
assert_type(rgb(feats, low), Tensor[L[2], L[3], L[8], L[8], NoneTape])
assert_type(rgb(feats), Tensor[L[2], L[3], L[8], L[8], NoneTape])
assert_type(rgb(feats, None), Tensor[L[2], L[3], L[8], L[8], NoneTape])
assert rgb(feats, low).shape == (2, 3, 8, 8)

convs = ModuleList([StyledConv(8, 16), StyledConv(16, 32), StyledConv(32, 32, kernel_size=1)])
assert_type(convs, ModuleList[StyledConv[Any, Any]])
assert_type(convs[0], StyledConv[L[8], L[16]])
y = convs[1](convs[0](feats))
assert_type(y, Tensor[L[2], L[32], L[8], L[8], NoneTape])
assert y.shape == (2, 32, 8, 8)
hidden: Tensor[L[2], Any, L[8], L[8], NoneTape] = feats
for conv in convs:
    hidden = conv(hidden)
assert hidden.shape == (2, 32, 8, 8)


class Tower(Module, Generic[C]):
    """A comprehension over a conditional: mypy makes the members a union, whose call a
    value that changes through the loop fits in no order; with the plugin the list holds
    their common class, the sizes that differ ``Any``."""

    def __init__(self, channel: C, depth: int) -> None:
        super().__init__()
        self.blocks = ModuleList(
            [
                StyledConv(channel, channel) if i < depth - 1 else StyledConv(channel, channel // 2)
                for i in range(depth)
            ]
        )

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, Any, H, W, T]:
        h: Tensor[B, Any, H, W, T] = x
        for block in self.blocks:
            h = block(h)
        return h


tower: Tower[L[8]] = Tower(8, 3)
assert_type(tower.blocks, ModuleList[StyledConv[L[8], Any]])
assert tower(dx.randn(2, 8, 4, 4, rng=rng)).shape == (2, 4, 4, 4)


class DoubleConv(Module, Generic[CI, CO]):
    def __init__(self, in_ch: CI, out_ch: CO) -> None:
        super().__init__()
        self.net = Sequential(
            Conv2d(in_ch, out_ch, 3, padding=1, rng=rng),
            ReLU(),
            Conv2d(out_ch, out_ch, 3, padding=1, rng=rng),
            ReLU(),
        )

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, H, W, T]:
        return self.net(x)


class Encoder(Module, Generic[CI]):
    """Blocks appended in a loop over a channel list: the list holds ``Module``s, as mypy
    and pyright both say, and each block's output is of sizes no type states."""

    def __init__(self, in_ch: CI, channels: list[int]) -> None:
        super().__init__()
        self.downs = ModuleList()
        self.pool = MaxPool2d(2)
        prev: int = in_ch
        for ch in channels:
            self.downs.append(DoubleConv(prev, ch))
            prev = ch

    def forward(self, x: Tensor[B, CI, H, W, T]) -> list[Tensor[B, Any, Any, Any, T]]:
        skips: list[Tensor[B, Any, Any, Any, T]] = []
        h: Tensor[B, Any, Any, Any, T] = x
        for down in self.downs:
            h = down(h)
            skips.append(h)
            h = self.pool(h)
        return skips


enc: Encoder[L[3]] = Encoder(3, [8, 16, 32])  # the annotation is for pyright
assert_type(enc.downs, ModuleList[Module])
image_in: Tensor[L[2], L[3], L[16], L[16], NoneTape] = dx.randn(2, 3, 16, 16, rng=rng)
assert [s.shape for s in enc(image_in)] == [(2, 8, 16, 16), (2, 16, 8, 8), (2, 32, 4, 4)]


class MultiHead(Module, Generic[C, K]):
    """Heads by name, of different widths and classes."""

    def __init__(self, dim: C, n_classes: K) -> None:
        super().__init__()
        self.heads = ModuleDict(
            {
                "cls": Linear(dim, n_classes, rng=rng),
                "box": Linear(dim, 4, rng=rng),
                "score": Linear(dim, 1, rng=rng),
            }
        )

    def forward(
        self, x: Tensor[B, C, T]
    ) -> tuple[Tensor[B, K, T], Tensor[B, L[4], T], Tensor[B, L[1], T]]:
        logits = self.heads["cls"](x)
        assert_type(logits, Tensor[B, K, T])
        return logits, self.heads["box"](x), self.heads["score"](x)


mh: MultiHead[L[16], L[10]] = MultiHead(16, 10)
assert_type(mh.heads, ModuleDict[Linear[L[16], Any]])
pooled: Tensor[L[5], L[16], NoneTape] = dx.randn(5, 16, rng=rng)
logits, box, score = mh(pooled)
assert_type(box, Tensor[L[5], L[4], NoneTape])
assert (logits.shape, box.shape, score.shape) == ((5, 10), (5, 4), (5, 1))
assert_type(mh(pooled.trace())[0], Tensor[L[5], L[10], OwnedTape])

# members of different classes join to their common base, Module, as in mypy without the
# plugin; a literal index still gives the member
mixed = ModuleList([StyledConv(8, 8), ToRGB(8)])
assert_type(mixed, ModuleList[Module])
assert_type(mixed[1], ToRGB[L[8]])
assert_type(mixed[1](feats), Tensor[L[2], L[3], L[8], L[8], NoneTape])
stages = ModuleList([Sequential(StyledConv(8, 8), ToRGB(8)), Sequential(ToRGB(8))])
assert_type(stages[0](feats), Tensor[L[2], L[3], L[8], L[8], NoneTape])
