"""A RetinaNet head (Lin et al. 2017) over a small feature pyramid, ported from the usual
PyTorch code: lateral 1x1 convolutions and a top-down path upsampled and summed, an optional
extra level taken by a strided convolution where a flag asks for it, a classification and a
box subnet each a ``Sequential`` of 3x3 convolutions built in a loop, shared over the levels,
their maps reshaped ``(B, A*K, H, W)`` to ``(B, H*W*A, K)`` and concatenated over the levels,
anchors made in NumPy per level, and the boxes decoded against them; the classification bias
starts at the focal loss prior."""

# rules: nn

import math
from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Module, ModuleList, ReLU, Sequential, Upsample

B = TypeVar("B", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)  # the pyramid's width
KC = TypeVar("KC", bound=int)  # classes
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


def make_anchors(
    h: int, w: int, stride: int, sizes: list[float], ratios: list[float]
) -> Tensor[int, L[4], NoneTape]:
    """(h*w*A, 4) anchors as (cx, cy, w, h), A = len(sizes) * len(ratios)."""
    ys, xs = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    centers = np.stack([(xs + 0.5) * stride, (ys + 0.5) * stride], axis=-1).reshape(-1, 1, 2)
    shapes = [(s * math.sqrt(r), s / math.sqrt(r)) for s in sizes for r in ratios]
    wh = np.array(shapes, dtype=np.float32)[None, :, :].repeat(centers.shape[0], axis=0)
    boxes = np.concatenate([centers.repeat(len(shapes), axis=1), wh], axis=-1)
    return dx.tensor(boxes.astype(np.float32)).view(-1, 4)


class FPN(Module, Generic[C]):
    def __init__(self, in_channels: list[int], out_channels: C, extra_level: bool) -> None:
        super().__init__()
        self.lateral = ModuleList([Conv2d(c, out_channels, 1, rng=rng) for c in in_channels])
        self.smooth = ModuleList(
            [Conv2d(out_channels, out_channels, 3, padding=1, rng=rng) for _ in in_channels]
        )
        self.up = Upsample(scale_factor=2)
        self.extra: Conv2d[C, C, Any] | None = None
        if extra_level:
            self.extra = Conv2d(out_channels, out_channels, 3, stride=2, padding=1, rng=rng)

    def forward(self, feats: list[Tensor[B, Any, Any, Any, T]]) -> list[Tensor[B, C, Any, Any, T]]:
        laterals = [lat(f) for lat, f in zip(self.lateral, feats, strict=True)]
        outs = [laterals[-1]]
        for lat in reversed(laterals[:-1]):
            top = self.up(outs[0])
            outs.insert(0, lat + top)
        outs = [smooth(o) for smooth, o in zip(self.smooth, outs, strict=True)]
        if self.extra is not None:
            outs.append(self.extra(outs[-1]))
        return outs


class RetinaHead(Module, Generic[C, KC]):
    def __init__(self, channels: C, num_classes: KC, num_anchors: int, num_convs: int = 2) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.num_anchors = num_anchors
        cls_layers: list[Module] = []
        box_layers: list[Module] = []
        for _ in range(num_convs):
            cls_layers += [Conv2d(channels, channels, 3, padding=1, rng=rng), ReLU()]
            box_layers += [Conv2d(channels, channels, 3, padding=1, rng=rng), ReLU()]
        self.cls_tower = Sequential(*cls_layers)
        self.box_tower = Sequential(*box_layers)
        self.cls_logits = Conv2d(channels, num_anchors * num_classes, 3, padding=1, rng=rng)
        self.bbox_pred = Conv2d(channels, num_anchors * 4, 3, padding=1, rng=rng)
        prior = 0.01
        bias = -math.log((1 - prior) / prior)
        self.cls_logits.bias = dx.full((num_anchors * num_classes,), bias)

    def forward(
        self, feats: list[Tensor[B, C, Any, Any, T]]
    ) -> tuple[Tensor[B, int, KC, T], Tensor[B, int, L[4], T]]:
        logits = []
        deltas = []
        for f in feats:
            B_, _, H_, W_ = f.shape
            cls = self.cls_logits(self.cls_tower(f))
            cls = cls.view(B_, self.num_anchors, self.num_classes, H_, W_)
            cls = cls.permute(0, 3, 4, 1, 2).reshape(B_, -1, self.num_classes)
            logits.append(cls)
            box = self.bbox_pred(self.box_tower(f))
            box = box.view(B_, self.num_anchors, 4, H_, W_).permute(0, 3, 4, 1, 2)
            deltas.append(box.reshape(B_, -1, 4))
        return dx.cat(logits, axis=1), dx.cat(deltas, axis=1)


def decode(
    deltas: Tensor[B, int, L[4], T], anchors: Tensor[int, L[4], NoneTape]
) -> Tensor[B, int, L[4], T]:
    """(dx, dy, dw, dh) against (cx, cy, w, h) anchors, as Faster R-CNN's coder."""
    centers = deltas[..., :2] * anchors[:, 2:] + anchors[:, :2]
    sizes = deltas[..., 2:].exp() * anchors[:, 2:]
    return dx.cat([centers - 0.5 * sizes, centers + 0.5 * sizes], axis=-1)


fpn: FPN[L[8]] = FPN([4, 6, 10], 8, extra_level=True)
head: RetinaHead[L[8], L[3]] = RetinaHead(8, 3, num_anchors=2)
c3: Tensor[L[2], L[4], L[16], L[16], NoneTape] = dx.randn(2, 4, 16, 16, rng=rng)
c4: Tensor[L[2], L[6], L[8], L[8], NoneTape] = dx.randn(2, 6, 8, 8, rng=rng)
c5: Tensor[L[2], L[10], L[4], L[4], NoneTape] = dx.randn(2, 10, 4, 4, rng=rng)
levels = fpn([c3.trace(), c4.trace(), c5.trace()])
logits, deltas = head(levels)
assert_type(logits, Tensor[L[2], int, L[3], OwnedTape])
strides = [4, 8, 16, 32]
anchors = dx.cat(
    [
        make_anchors(f.shape[2], f.shape[3], s, sizes=[8.0], ratios=[0.5, 2.0])
        for f, s in zip(levels, strides, strict=True)
    ],
    axis=0,
)
boxes = decode(deltas, anchors)
assert_type(boxes, Tensor[L[2], int, L[4], OwnedTape])
num_anchors = 2 * (16 * 16 + 8 * 8 + 4 * 4 + 2 * 2)
assert logits.shape == (2, num_anchors, 3) and boxes.shape == (2, num_anchors, 4)
loss = logits.sigmoid().mean() + boxes.square().mean()
grads = loss.backward()
assert grads[head.cls_logits.weight].shape == (6, 8, 3, 3)
