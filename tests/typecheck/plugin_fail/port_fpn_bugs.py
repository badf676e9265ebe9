"""port_fpn.py with three shape bugs, each after a ``# bug:`` comment."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Module, ReLU, Sequential

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
C3 = TypeVar("C3", bound=int)
C4 = TypeVar("C4", bound=int)
C5 = TypeVar("C5", bound=int)
F = TypeVar("F", bound=int)  # the pyramid's channels
A = TypeVar("A", bound=int)  # anchors per location
K = TypeVar("K", bound=int)  # classes
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class Backbone(Module, Generic[CI]):
    """Strides 8, 16 and 32: the maps C3, C4 and C5."""

    def __init__(self, in_channels: CI) -> None:
        super().__init__()
        self.stem = Sequential(
            Conv2d(in_channels, 8, 3, stride=2, padding=1, rng=rng), ReLU()
        )  # 1/2
        self.layer1 = Sequential(Conv2d(8, 8, 3, stride=2, padding=1, rng=rng), ReLU())  # 1/4
        self.layer2 = Sequential(Conv2d(8, 16, 3, stride=2, padding=1, rng=rng), ReLU())  # 1/8
        self.layer3 = Sequential(Conv2d(16, 24, 3, stride=2, padding=1, rng=rng), ReLU())
        self.layer4 = Sequential(Conv2d(24, 32, 3, stride=2, padding=1, rng=rng), ReLU())

    def forward(
        self, x: Tensor[N, CI, H, W, T]
    ) -> tuple[
        Tensor[N, L[16], Dyn, Dyn, T], Tensor[N, L[24], Dyn, Dyn, T], Tensor[N, L[32], Dyn, Dyn, T]
    ]:
        x = self.stem(x)
        x = self.layer1(x)
        c3 = self.layer2(x)
        c4 = self.layer3(c3)
        c5 = self.layer4(c4)
        return c3, c4, c5


class FPN(Module, Generic[C3, C4, C5, F]):
    def __init__(self, c3: C3, c4: C4, c5: C5, out_channels: F) -> None:
        super().__init__()
        self.lateral3 = Conv2d(c3, out_channels, 1, rng=rng)
        # bug: the C4 lateral built for C5's channels (copied from the line below)
        self.lateral4 = Conv2d(c5, out_channels, 1, rng=rng)  # E: mypy[dfdx-shape "self.lateral4 i"
        #     "s built here; called at line 75: conv2d: input channels differ: input Tensor[N, C4, "
        #     "Dyn, Dyn], weight Tensor[F, C5, 1, 1]"]
        self.lateral5 = Conv2d(c5, out_channels, 1, rng=rng)
        self.output3 = Conv2d(out_channels, out_channels, 3, padding=1, rng=rng)
        self.output4 = Conv2d(out_channels, out_channels, 3, padding=1, rng=rng)
        self.output5 = Conv2d(out_channels, out_channels, 3, padding=1, rng=rng)

    def forward(
        self,
        c3: Tensor[N, C3, Dyn, Dyn, T],
        c4: Tensor[N, C4, Dyn, Dyn, T],
        c5: Tensor[N, C5, Dyn, Dyn, T],
    ) -> list[Tensor[N, F, Dyn, Dyn, T]]:
        p5 = self.lateral5(c5)
        p4 = self.lateral4(c4) + dx.upsample2d(p5, 2)  # F.interpolate(scale_factor=2)  # E: mypy[
        #     dfdx-shape "conv2d: input channels differ: input Tensor[N, C4, Dyn, Dyn], weight Tens"
        #     "or[F, C5, 1, 1]"]
        # bug: the top-down path to C3 taken from P5, two levels up
        p3 = self.lateral3(c3) + dx.upsample2d(p5, 2)
        return [self.output3(p3), self.output4(p4), self.output5(p5)]


class Head(Module, Generic[F, A, K]):
    """Shared by every level: class logits and box offsets for each anchor."""

    def __init__(self, in_channels: F, num_anchors: A, num_classes: K) -> None:
        super().__init__()
        self.conv = Conv2d(in_channels, in_channels, 3, padding=1, rng=rng)
        self.cls_logits = Conv2d(in_channels, num_anchors * num_classes, 3, padding=1, rng=rng)
        self.bbox_pred = Conv2d(in_channels, num_anchors * 4, 3, padding=1, rng=rng)
        self.num_classes = num_classes

    def forward(
        self, x: Tensor[N, F, H, W, T]
    ) -> tuple[Tensor[N, Dyn, K, T], Tensor[N, Dyn, L[4], T]]:
        n, _, h, w = x.shape
        t = self.conv(x).relu()
        cls = self.cls_logits(t)  # (N, A*K, H, W)
        cls = cls.view(n, -1, self.num_classes, h, w).permute(0, 3, 4, 1, 2)
        cls = cls.reshape(n, -1, self.num_classes)  # (N, H*W*A, K)
        box = self.bbox_pred(t)  # (N, A*4, H, W)
        box = box.view(n, -1, 4, h, w).permute(0, 3, 4, 1, 2)
        box = box.reshape(n, -1, 4)  # (N, H*W*A, 4)
        return cls, box


class Detector(Module, Generic[CI, A, K]):
    def __init__(self, in_channels: CI, num_anchors: A, num_classes: K) -> None:
        super().__init__()
        self.backbone = Backbone(in_channels)
        # the annotations are for pyright
        self.fpn: FPN[L[16], L[24], L[32], L[16]] = FPN(16, 24, 32, 16)
        self.head: Head[L[16], A, K] = Head(16, num_anchors, num_classes)

    def forward(
        self, images: Tensor[N, CI, H, W, T]
    ) -> tuple[Tensor[N, Dyn, K, T], Tensor[N, Dyn, L[4], T]]:
        c3, c4, c5 = self.backbone(images)
        features = self.fpn(c3, c4, c5)
        all_cls = []
        all_box = []
        for feature in features:
            cls, box = self.head(feature)
            all_cls.append(cls)
            all_box.append(box)
        # bug: the levels' class logits concatenated on the class axis
        return dx.cat(all_cls, axis=2), dx.cat(all_box, axis=1)  # E: mypy[dfdx-shape "concat: a l"
        #     "ist of Tensor[N, Dyn, K] joined on axis 2 has K there per tensor, the return type i"
        #     "s Tensor[N, Dyn, K] (K: a list of one tensor)"]


model: Detector[L[3], L[2], L[5]] = Detector(3, 2, 5)
assert_type(Detector(3, 2, 5), Detector[L[3], L[2], L[5]])
images: Tensor[L[2], L[3], L[64], L[64], NoneTape] = dx.randn(2, 3, 64, 64, rng=rng)
cls_out, box_out = model(images.trace())
assert_type(cls_out, Tensor[L[2], Dyn, L[5], OwnedTape])
# 8x8 + 4x4 + 2x2 locations, two anchors each
assert cls_out.shape == (2, 168, 5) and box_out.shape == (2, 168, 4)
grads = (cls_out.square().mean() + box_out.square().mean()).backward()
assert grads[model.head.cls_logits.weight].shape == (10, 16, 3, 3)
assert grads[model.fpn.lateral5.weight].shape == (16, 32, 1, 1)
