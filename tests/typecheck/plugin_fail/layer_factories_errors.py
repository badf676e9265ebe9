"""Mistakes in the sizes given to helpers that build layers, reported where they are made:
a ``conv_bn`` given the wrong input width inside a ``Sequential`` (on the lines of the two
helper calls that meet), a stem built for the wrong number of channels (where it is called
and where it is built), a discriminator block spliced with ``*`` whose input width does not
follow the block before it (on both blocks' lines), a helper whose norm is built on the
wrong width (on the helper's own lines), and a ``_make_layer`` stage given the wrong width
after another (where each stage is built, and where they meet)."""

# rules: nn

from typing import Any, TypeVar
from typing import Literal as L

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, InstanceNorm2d, LeakyReLU, Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def conv_bn(inp: int, oup: int, stride: int) -> Sequential[Any]:
    return Sequential(Conv2d(inp, oup, 3, stride, 1, bias=False), BatchNorm2d(oup), ReLU())


def conv_dw(inp: int, oup: int, stride: int) -> Sequential[Any]:
    return Sequential(
        Conv2d(inp, inp, 3, stride, 1, groups=inp),  # E: mypy[dfdx-shape "Sequential: layer 2 (B"
        #     "atchNorm2d[64]) takes 64 channels, layer 1 gives 32"]
        BatchNorm2d(oup),  # E: mypy[dfdx-shape "Sequential: layer 2 (BatchNorm2d[64]) takes 64 c"
        #     "hannels, layer 1 gives 32"]
        ReLU(),
        Conv2d(inp, oup, 1, 1, 0, bias=False),
        BatchNorm2d(oup),
        ReLU(),
    )


class MobileNet(Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = conv_bn(1, 16, 2)  # E: mypy[dfdx-shape "layer 1 of self.stem is built here; "
        #     "called at line 54: conv2d: input channels differ: input Tensor[B, 3, 32, 32], weig"
        #     "ht Tensor[16, 1, 3, 3] (3 != 1 per group * groups 1)"]
        self.features = Sequential(
            conv_bn(16, 32, 2),  # E: mypy[dfdx-shape "Sequential: layer 2 (Sequential(Conv2d[24,"
            #     " 64], ...)) takes 24 channels, layer 1 gives 32"]
            conv_bn(24, 64, 1),  # E: mypy[dfdx-shape "Sequential: layer 2 (Sequential(Conv2d[24,"
            #     " 64], ...)) takes 24 channels, layer 1 gives 32"]
        )
        self.dw = conv_dw(32, 64, 1)
        self.head = Linear(64, 10)

    def forward(self, x: Tensor[B, L[3], L[32], L[32], T]) -> Tensor[B, L[10], T]:
        h = self.stem(x)  # E: mypy[dfdx-shape "conv2d: input channels differ: input Tensor[B, 3,"
        #     " 32, 32], weight Tensor[16, 1, 3, 3] (3 != 1 per group * groups 1)"]
        return self.head(self.features(h).mean(axis=(2, 3)))


def discriminator_block(in_f: int, out_f: int, normalize: bool = True) -> list[Module]:
    layers: list[Module] = [Conv2d(in_f, out_f, 4, 2, 1)]
    if normalize:
        layers.append(InstanceNorm2d(out_f))
    layers.append(LeakyReLU(0.2))
    return layers


class Discriminator(Module):
    def __init__(self) -> None:
        super().__init__()
        self.model = Sequential(
            *discriminator_block(6, 64, normalize=False),
            *discriminator_block(64, 128),  # E: mypy[dfdx-shape "Sequential: layer 6 (Conv2d[256"
            #     ", 256]) takes 256 channels, layer 3 gives 128"]
            *discriminator_block(256, 256),  # E: mypy[dfdx-shape "Sequential: layer 6 (Conv2d[25"
            #     "6, 256]) takes 256 channels, layer 3 gives 128"]
            Conv2d(256, 1, 4, padding=1),
        )

    def forward(self, x: Tensor[B, L[6], L[64], L[64], T]) -> Tensor[B, L[1], L[7], L[7], T]:
        return self.model(x)


class Stages(Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer1 = self._make_layer(16, 32, 2)  # E: mypy[dfdx-shape "layer 3 of self.layer1 i"
        #     "s built here; its output reaches line 101: conv2d: input channels differ: input Te"
        #     "nsor[B, 32, 16, 16], weight Tensor[64, 48, 3, 3] (32 != 48 per group * groups 1)"]
        self.layer2 = self._make_layer(48, 64, 2)  # E: mypy[dfdx-shape "layer 1 of self.layer2 i"
        #     "s built here; called at line 101: conv2d: input channels differ: input Tensor[B, 3"
        #     "2, 16, 16], weight Tensor[64, 48, 3, 3] (32 != 48 per group * groups 1)"]

    def _make_layer(self, inplanes: int, planes: int, blocks: int) -> Sequential[Any]:
        layers: list[Module] = [Conv2d(inplanes, planes, 3, 2, 1), ReLU()]
        for _ in range(1, blocks):
            layers.append(Conv2d(planes, planes, 3, 1, 1))
            layers.append(ReLU())
        return Sequential(*layers)

    def forward(self, x: Tensor[B, L[16], L[32], L[32], T]) -> Tensor[B, L[64], L[8], L[8], T]:
        return self.layer2(self.layer1(x))  # E: mypy[dfdx-shape "conv2d: input channels differ: "
        #     "input Tensor[B, 32, 16, 16], weight Tensor[64, 48, 3, 3] (32 != 48 per group * gro"
        #     "ups 1)"]
