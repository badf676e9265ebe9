"""Layers annotated without their sizes, as PyTorch ports write them (``def depthwise(...) ->
nn.Conv2d``, ``self.head: nn.Linear``): a layer's size parameters default to ``Any``, so
``--strict`` reports no missing type argument, and the layer takes any input, as a bare
``Sequential`` does."""

from typing import Any, assert_type

import dfdx as dx
from dfdx.nn import (
    BatchNorm2d,
    Conv2d,
    Embedding,
    LayerNorm,
    Linear,
    Module,
    MultiHeadAttention,
)


def depthwise(channels: int, stride: int) -> Conv2d:
    return Conv2d(channels, channels, 3, stride=stride, padding=1, groups=channels, bias=False)


def classifier(features: int, classes: int) -> Linear:
    return Linear(features, classes)


class TinyNet(Module):
    head: Linear
    norm: LayerNorm

    def __init__(self, vocab: int, dim: int) -> None:
        super().__init__()
        self.embed: Embedding = Embedding(vocab, dim)
        self.attn: MultiHeadAttention = MultiHeadAttention(dim, 2)
        self.conv = depthwise(dim, 1)
        self.bn: BatchNorm2d = BatchNorm2d(dim)
        self.norm = LayerNorm(dim)
        self.head = classifier(dim, 3)


net = TinyNet(10, 8)
assert_type(net.head, Linear[Any, Any])
assert_type(net.embed, Embedding[Any, Any])
assert_type(net.bn, BatchNorm2d[Any])
tokens = net.embed(dx.tensor([[1, 2, 3]]))
mixed = net.norm(net.attn(tokens))
image = net.bn(net.conv(dx.randn(1, 8, 4, 4)))
print(net.head(mixed).shape, image.shape)
