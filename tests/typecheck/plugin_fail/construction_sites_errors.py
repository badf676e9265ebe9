"""Mistakes made where a block's layers are built, found where their tensors meet in
``forward`` and shown on the construction line too (docs/modules.md, "Where a mistake is
reported"): a bottleneck block typed per instance (built with ``int`` sizes, its ``forward``
declared with ``Dyn``) whose layers are built right for every instance, a feed-forward block
given a flattened feature map, and a stack of residual blocks in a ``ModuleList`` built by a
comprehension and chained in a loop. The mistakes: the 3x3 convolution without its
padding (the sum with the shortcut fails), the feed-forward's second layer built for the
model width, not the hidden one, a block built for 32 channels after a stem that gives 16, a
residual stack built for twice the encoder's width, the attention's projection built for two
parts where it is split in three."""

# rules: nn, binary, movement

from typing import Generic, TypeVar
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, LayerNorm, Linear, Module, ModuleList, Sequential

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class Bottleneck(Module):
    """ResNet's bottleneck: 1x1 down to ``mid``, 3x3, 1x1 up to ``out_ch``, a projection."""

    def __init__(self, in_ch: int, mid: int, out_ch: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_ch, mid, 1, bias=False, rng=rng)
        self.bn1 = BatchNorm2d(mid)
        self.conv2 = Conv2d(mid, mid, 3, stride=stride, bias=False, rng=rng)  # E: mypy[
        #     dfdx-shape "self.conv2 is built here; its output reaches line 56: add: shapes do no"
        #     "t broadcast: Tensor[B, 32, H-2, W-2] and Tensor[B, 32, H, W] (axis -2: "
        #     "H-2 != H) (in Bottleneck(16, 8, 32) built at line 86)"]
        self.bn2 = BatchNorm2d(mid)
        self.conv3 = Conv2d(mid, out_ch, 1, bias=False, rng=rng)
        self.bn3 = BatchNorm2d(out_ch)
        self.shortcut = Sequential(
            Conv2d(in_ch, out_ch, 1, stride=stride, bias=False, rng=rng),
            BatchNorm2d(out_ch),
        )

    def forward(self, x: Tensor[B, Dyn, H, W, T]) -> Tensor[B, Dyn, Dyn, Dyn, T]:
        out = self.bn1(self.conv1(x)).relu()
        out = self.bn2(self.conv2(out)).relu()
        out = self.bn3(self.conv3(out))
        return (out + self.shortcut(x)).relu()  # E: mypy[
        #     dfdx-shape "add: shapes do not broadcast: Tensor[B, 32, H-2, W-2] and Tensor[B, 32,"
        #     " H, W] (axis -2: H-2 != H) (in Bottleneck(16, 8, 32) built at line 86)"]


class FeedForward(Module):
    """A token MLP whose widths are ``int`` arguments."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.fc1 = Linear(dim, hidden, rng=rng)  # E: mypy[
        #     dfdx-shape "self.fc1 is built here; its output reaches line 77: Linear[64, 64]: tak"
        #     "es 64 features, got Tensor[B, Dyn, 128] (128 != 64) (in FeedForward(64,"
        #     " 128) built at line 88)"]
        self.fc2 = Linear(dim, dim, rng=rng)  # E: mypy[
        #     dfdx-shape "self.fc2 is built here; called at line 77: Linear[64, 64]: takes 64 fea"
        #     "tures, got Tensor[B, Dyn, 128] (128 != 64) (in FeedForward(64, 128) bui"
        #     "lt at line 88)"]

    def forward(self, x: Tensor[B, N, Dyn, T]) -> Tensor[B, N, Dyn, T]:
        return x + self.fc2(self.fc1(self.norm(x)).gelu())  # E: mypy[
        #     dfdx-shape "Linear[64, 64]: takes 64 features, got Tensor[B, Dyn, 128] (128 != 64) "
        #     "(in FeedForward(64, 128) built at line 88)"]


class Net(Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = Conv2d(3, 16, 3, padding=1, rng=rng)
        self.block1 = Bottleneck(16, 8, 32)
        self.block2 = Bottleneck(32, 16, 64, stride=2)
        self.ffn = FeedForward(64, 128)
        self.head = Linear(64, 10, rng=rng)

    def forward(self, x: Tensor[B, L[3], H, W, T]) -> Tensor[B, L[10], T]:
        h = self.block2(self.block1(self.stem(x)))
        tokens = h.flatten(2).transpose(1, 2)
        tokens = self.ffn(tokens)
        return self.head(tokens.mean(axis=1))


class ConvBN(Module):
    """A convolution, a batch norm and a ReLU, built with ``int`` sizes."""

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1) -> None:
        super().__init__()
        self.conv = Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=False, rng=rng)
        self.bn = BatchNorm2d(out_ch)

    def forward(self, x: Tensor[B, Dyn, H, W, T]) -> Tensor[B, Dyn, Dyn, Dyn, T]:
        return self.bn(self.conv(x)).relu()  # E: mypy[
        #     dfdx-shape "conv2d: input channels differ: input Tensor[B, 16, H, W], weight Tensor"
        #     "[64, 32, 3, 3] (16 != 32 per group * groups 1) (in ConvBN(32, 64, strid"
        #     "e=2) built at line 119)"]


class Stage(Module):
    """A stem and one strided block, which takes the stem's 16 channels."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = Conv2d(3, 16, 3, padding=1, rng=rng)
        self.block = ConvBN(32, 64, stride=2)  # E: mypy[
        #     dfdx-shape "in_ch is given here; used at line 107: conv2d: input channels differ: i"
        #     "nput Tensor[B, 16, H, W], weight Tensor[64, 32, 3, 3] (16 != 32 per gro"
        #     "up * groups 1) (in ConvBN(32, 64, stride=2) built at line 119)"]

    def forward(self, x: Tensor[B, L[3], H, W, T]) -> Tensor[B, Dyn, Dyn, Dyn, T]:
        return self.block(self.stem(x))


class Residual(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.fc1 = Linear(dim, dim * 4, rng=rng)
        self.fc2 = Linear(dim * 4, dim, rng=rng)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        return x + self.fc2(self.fc1(self.norm(x)).gelu())


class SelfAttention(Module, Generic[D]):
    """One projection for queries, keys and values, split into three."""

    def __init__(self, dim: D, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = Linear(dim, dim * 2, rng=rng)  # E: mypy[
        #     dfdx-shape "self.qkv is built here; its output reaches line 153: split: axis 2 of T"
        #     "ensor[B, N, 2*D] (2*D) cut into pieces of D gives 2, unpacked into 3 na"
        #     "mes"]
        self.proj = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        b, n, d = x.shape
        q, k, v = self.qkv(x).split(d, axis=2)  # E: mypy[
        #     dfdx-shape "split: axis 2 of Tensor[B, N, 2*D] (2*D) cut into pieces of D gives 2, "
        #     "unpacked into 3 names"]
        q = q.reshape(b, n, self.heads, d // self.heads).transpose(1, 2)
        k = k.reshape(b, n, self.heads, d // self.heads).transpose(1, 2)
        v = v.reshape(b, n, self.heads, d // self.heads).transpose(1, 2)
        weights = (q @ k.transpose(-2, -1)).softmax(axis=-1)
        return self.proj((weights @ v).transpose(1, 2).reshape(b, n, d))


class Encoder(Module, Generic[D]):
    def __init__(self, dim: D, depth: int) -> None:
        super().__init__()
        self.blocks = ModuleList([Residual(dim * 2) for _ in range(depth)])  # E: mypy[
        #     dfdx-shape "block is built here; called at line 173: Residual[2*D]: x takes Tensor["
        #     "B, N, 2*D], got Tensor[B, N, D] (D != 2*D)"]
        self.norm = LayerNorm(dim)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        for block in self.blocks:
            x = block(x)  # E: mypy[
            #     dfdx-shape "Residual[2*D]: x takes Tensor[B, N, 2*D], got Tensor[B, N, D] (D !="
            #     " 2*D)"]
        return self.norm(x)


net = Net()
logits = net(dx.randn(2, 3, 8, 8, rng=rng))
encoder = Encoder(16, 2)
y = encoder(dx.randn(2, 5, 16, rng=rng))
attended = SelfAttention(16, 4)(y)
