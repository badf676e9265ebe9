"""Layers built by helper functions, as MobileNet, VGG, PyTorch-GAN and ResNet ports write
them, each right: a ``conv_bn`` returning a ``Sequential``, a depthwise convolution returned
as a ``Conv2d``, a discriminator block returned as a list and spliced several times into one
``Sequential`` (or into a list display first), VGG's ``make_layers`` looping over a
configuration list, a helper's list added to a list with ``+=`` before
``Sequential(*layers)``, and a ``_make_layer`` method. Each call is typed as the layers its
helper builds for the call's arguments, so the models' outputs keep their sizes (the
helpers' return types are spelled as ``--strict`` and pyright accept them:
``Sequential[Any]``, ``Conv2d[Any, Any, Any]``, ``list[Module]``)."""

# rules: nn

from typing import Any, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    BatchNorm2d,
    Conv2d,
    Flatten,
    InstanceNorm2d,
    LeakyReLU,
    Linear,
    MaxPool2d,
    Module,
    ReLU,
    Sequential,
    ZeroPad2d,
)

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def conv_bn(inp: int, oup: int, stride: int) -> Sequential[Any]:
    return Sequential(Conv2d(inp, oup, 3, stride, 1, bias=False), BatchNorm2d(oup), ReLU())


def conv_1x1_bn(inp: int, oup: int) -> Sequential[Any]:
    return Sequential(Conv2d(inp, oup, 1, 1, 0, bias=False), BatchNorm2d(oup), ReLU())


def depthwise_conv(
    i: int, o: int, k: int, stride: int = 1, padding: int = 0
) -> Conv2d[Any, Any, Any]:
    return Conv2d(i, o, k, stride, padding, groups=i)


class MobileStem(Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = conv_bn(3, 16, 2)
        self.body = Sequential(
            conv_bn(16, 32, 2),
            depthwise_conv(32, 32, 3, padding=1),
            conv_1x1_bn(32, 64),
        )
        self.head = Linear(64, 10)

    def forward(self, x: Tensor[B, L[3], L[32], L[32], T]) -> Tensor[B, L[10], T]:
        h = self.stem(x)
        assert_type(h, Tensor[B, L[16], L[16], L[16], T])
        h = self.body(h)
        assert_type(h, Tensor[B, L[64], L[8], L[8], T])
        return self.head(h.mean(axis=(2, 3)))


def discriminator_block(in_filters: int, out_filters: int, normalize: bool = True) -> list[Module]:
    layers: list[Module] = [Conv2d(in_filters, out_filters, 4, 2, 1)]
    if normalize:
        layers.append(InstanceNorm2d(out_filters))
    layers.append(LeakyReLU(0.2))
    return layers


class PatchDiscriminator(Module):
    def __init__(self, in_channels: int = 3) -> None:
        super().__init__()
        self.model = Sequential(
            *discriminator_block(in_channels * 2, 64, normalize=False),
            *discriminator_block(64, 128),
            *discriminator_block(128, 256),
            ZeroPad2d((1, 0, 1, 0)),
            Conv2d(256, 1, 4, padding=1, bias=False),
        )

    def forward(
        self, img_a: Tensor[B, L[3], L[32], L[32], T], img_b: Tensor[B, L[3], L[32], L[32], T]
    ) -> Tensor[B, L[1], L[4], L[4], T]:
        pair = dx.cat([img_a, img_b], axis=1)
        validity = self.model(pair)
        assert_type(validity, Tensor[B, L[1], L[4], L[4], T])
        return validity


class ListedDiscriminator(Module):
    """The blocks spliced into a list first, then into the ``Sequential``: one unpack in the
    call, the form plain mypy accepts too."""

    def __init__(self) -> None:
        super().__init__()
        layers = [*discriminator_block(6, 64, normalize=False), *discriminator_block(64, 128)]
        self.model = Sequential(*layers)

    def forward(self, x: Tensor[B, L[6], L[32], L[32], T]) -> Tensor[B, L[128], L[8], L[8], T]:
        y = self.model(x)
        assert_type(y, Tensor[B, L[128], L[8], L[8], T])
        return y


CFG: list[int | str] = [16, "M", 32, "M", 64, 64, "M"]


def make_layers(cfg: list[int | str], batch_norm: bool = False) -> list[Module]:
    layers: list[Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers += [MaxPool2d(kernel_size=2, stride=2)]
        else:
            assert isinstance(v, int)
            conv2d = Conv2d(in_channels, v, kernel_size=3, padding=1)
            if batch_norm:
                layers += [conv2d, BatchNorm2d(v), ReLU()]
            else:
                layers += [conv2d, ReLU()]
            in_channels = v
    return layers


class TinyVGG(Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = Sequential(*make_layers(CFG, batch_norm=True))
        self.classifier = Sequential(Flatten(), Linear(64 * 4 * 4, 10))

    def forward(self, x: Tensor[B, L[3], L[32], L[32], T]) -> Tensor[B, L[10], T]:
        h = self.features(x)
        assert_type(h, Tensor[B, L[64], L[4], L[4], T])
        return self.classifier(h)


class Encoder(Module):
    def __init__(self) -> None:
        super().__init__()
        layers: list[Module] = [conv_bn(3, 16, 1)]
        layers += discriminator_block(16, 32)
        layers.append(conv_1x1_bn(32, 48))
        self.net = Sequential(*layers)

    def forward(self, x: Tensor[B, L[3], L[16], L[16], T]) -> Tensor[B, L[48], L[8], L[8], T]:
        y = self.net(x)
        assert_type(y, Tensor[B, L[48], L[8], L[8], T])
        return y


class Stages(Module):
    """A ``_make_layer`` method: its first convolution reads ``self.in_planes`` (an ``int``
    field, whose size no checker knows), the others the sizes it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.in_planes = 16
        self.layer1 = self._make_layer(32, 2, stride=2)
        self.layer2 = self._make_layer(64, 2, stride=2)

    def _make_layer(self, planes: int, blocks: int, stride: int = 1) -> Sequential[Any]:
        layers: list[Module] = [Conv2d(self.in_planes, planes, 3, stride, 1), ReLU()]
        self.in_planes = planes
        for _ in range(1, blocks):
            layers.append(Conv2d(planes, planes, 3, 1, 1))
            layers.append(ReLU())
        return Sequential(*layers)

    def forward(self, x: Tensor[B, L[16], L[32], L[32], T]) -> Tensor[B, L[64], L[8], L[8], T]:
        y = self.layer2(self.layer1(x))
        assert_type(y, Tensor[B, L[64], L[8], L[8], T])
        return y


rng = np.random.default_rng(0)
images = dx.tensor(rng.standard_normal((2, 3, 32, 32)).astype(np.float32))
assert MobileStem()(images).shape == (2, 10)
assert PatchDiscriminator()(images, images).shape == (2, 1, 4, 4)
assert ListedDiscriminator()(dx.cat([images, images], axis=1)).shape == (2, 128, 8, 8)
assert TinyVGG()(images).shape == (2, 10)
assert Encoder()(dx.tensor(rng.standard_normal((2, 3, 16, 16)).astype(np.float32))).shape == (
    2,
    48,
    8,
    8,
)
assert Stages()(dx.tensor(rng.standard_normal((2, 16, 32, 32)).astype(np.float32))).shape == (
    2,
    64,
    8,
    8,
)
