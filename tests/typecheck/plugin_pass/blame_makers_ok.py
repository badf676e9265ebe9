"""The correct versions of ``plugin_fail/blame_makers_errors.py``: a pre-quantization
projection of the codebook's width (a convolution, a ``Linear`` on tokens), a transposed-conv
decoder whose every layer doubles, a downsampling convolution of stride 2 concatenated with a
pooled map, a residual block whose shortcut has the main path's stride, chains of layers whose
widths follow. Nothing is reported where every size fits, and each result's type is exact."""

# rules: nn, movement, binary

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    BatchNorm2d,
    Conv2d,
    ConvTranspose2d,
    Embedding,
    LayerNorm,
    Linear,
    MaxPool2d,
    Module,
)

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
S = TypeVar("S", bound=int)
HID = TypeVar("HID", bound=int)
EMB = TypeVar("EMB", bound=int)
I = TypeVar("I", bound=int)
O = TypeVar("O", bound=int)
Z = TypeVar("Z", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Quantizer(Module, Generic[EMB]):
    def __init__(self, num_codes: int, dim: EMB) -> None:
        super().__init__()
        self.codebook = Embedding(num_codes, dim)

    def forward(self, z: Tensor[B, EMB, H, W, T]) -> Tensor[B, EMB, H, W, T]:
        return z


class VQEncoder(Module, Generic[C, HID, EMB]):
    def __init__(self, in_ch: C, hidden: HID, emb_dim: EMB, num_codes: int) -> None:
        super().__init__()
        self.conv_a = Conv2d(in_ch, hidden, 3, padding=1)
        self.conv_b = Conv2d(hidden, hidden, 3, padding=1)
        self.pre_quant = Conv2d(
            hidden,
            emb_dim,
            1,
        )
        self.norm = BatchNorm2d(emb_dim)
        self.quant = Quantizer(num_codes, emb_dim)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, EMB, H, W, T]:
        h = self.conv_a(x).relu()
        h = self.conv_b(h).relu()
        z = self.pre_quant(h)
        z = self.norm(z)
        q = self.quant(z)
        return q


class VQHead(Module, Generic[HID, EMB]):
    def __init__(self, hidden: HID, emb_dim: EMB, num_codes: int) -> None:
        super().__init__()
        self.proj = Linear(hidden, emb_dim, bias=False)
        self.norm = LayerNorm(emb_dim)
        self.quant = Quantizer(num_codes, emb_dim)

    def forward(self, tokens: Tensor[B, S, HID, T]) -> Tensor[B, EMB, S, L[1], T]:
        z = self.norm(self.proj(tokens)).gelu()
        grid = z.transpose(1, 2).unsqueeze(3)
        return self.quant(grid)


class ConvBlock(Module, Generic[C, HID]):
    """A user's block whose output has the class's second size (``HID``)."""

    def __init__(self, ci: C, co: HID) -> None:
        super().__init__()
        self.conv = Conv2d(ci, co, 3, padding=1)
        self.bn = BatchNorm2d(co)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, HID, H, W, T]:
        return self.bn(self.conv(x)).relu()


class Residual(Module, Generic[C]):
    """Takes and gives ``C`` channels: a size through it is its input's."""

    def __init__(self, ch: C) -> None:
        super().__init__()
        self.conv = Conv2d(ch, ch, 3, padding=1)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        return x + self.conv(x)


class BlockEncoder(Module, Generic[C, HID, EMB]):
    """The pre-quantization projection a user's block of the codebook's width."""

    def __init__(self, in_ch: C, hidden: HID, emb_dim: EMB, num_codes: int) -> None:
        super().__init__()
        self.block = ConvBlock(in_ch, hidden)
        self.pre_quant = ConvBlock(
            hidden,
            emb_dim,
        )
        self.res = Residual(emb_dim)
        self.quant = Quantizer(num_codes, emb_dim)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, EMB, H, W, T]:
        z = self.res(self.pre_quant(self.block(x)))
        return self.quant(z)


class Decoder(Module, Generic[Z, C]):
    def __init__(self, z_ch: Z, out_ch: C, base: int) -> None:
        super().__init__()
        self.up1 = ConvTranspose2d(z_ch, base * 4, 4, stride=2, padding=1)
        self.bn1 = BatchNorm2d(base * 4)
        self.up2 = ConvTranspose2d(
            base * 4,
            base * 2,
            kernel_size=4,
            stride=2,
            padding=1,
        )
        self.bn2 = BatchNorm2d(base * 2)
        self.up3 = ConvTranspose2d(base * 2, out_ch, 4, stride=2, padding=1)

    def forward(self, z: Tensor[B, Z, L[2], L[2], T]) -> Tensor[B, C, L[16], L[16], T]:
        h = self.bn1(self.up1(z)).relu()
        h = self.bn2(self.up2(h)).relu()
        h = self.up3(h)
        return h.tanh()


class Upsampler(Module, Generic[C]):
    def __init__(self, ch: C) -> None:
        super().__init__()
        self.first = ConvTranspose2d(ch, ch, 4, stride=2, padding=1)
        self.second = ConvTranspose2d(ch, ch, 4, stride=2, padding=1)

    def forward(self, x: Tensor[B, C, L[4], L[4], T]) -> Tensor[B, C, L[16], L[16], T]:
        y = self.first(x)
        y = dx.relu(y)
        return self.second(y)


class TwoScale(Module, Generic[C]):
    def __init__(self, ch: C) -> None:
        super().__init__()
        self.stem = Conv2d(ch, ch, 3, padding=1)
        self.down = Conv2d(
            ch, ch, 3,
            stride=2, padding=1,
        )  # fmt: skip
        self.pool = MaxPool2d(2)
        self.fuse = Conv2d(ch * 2, ch, 1)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, Any, Any, T]:
        h = self.stem(x).relu()
        d = self.down(h)
        d = d.relu()
        p = self.pool(h)
        both = dx.cat([d, p], axis=1)
        return self.fuse(both)


class ShortcutBlock(Module, Generic[C]):
    def __init__(self, ch: C) -> None:
        super().__init__()
        self.conv1 = Conv2d(ch, ch, 3, stride=2, padding=1)
        self.bn1 = BatchNorm2d(ch)
        self.conv2 = Conv2d(ch, ch, 3, padding=1)
        self.skip = Conv2d(
            ch,
            ch,
            kernel_size=1,
            stride=2,
        )

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, Any, Any, T]:
        out = self.bn1(self.conv1(x)).relu()
        out = self.conv2(out)
        res = self.skip(x)
        return (out + res).relu()


class MLP(Module, Generic[I, HID, O]):
    def __init__(self, d_in: I, hidden: HID, d_out: O) -> None:
        super().__init__()
        self.fc1 = Linear(d_in, hidden)
        self.fc2 = Linear(
            hidden,
            hidden,
        )
        self.fc3 = Linear(hidden, d_out)

    def forward(self, x: Tensor[B, I, T]) -> Tensor[B, O, T]:
        h = self.fc1(x).relu()
        h = self.fc2(h).relu()
        return self.fc3(h)


class ConvChain(Module, Generic[C, HID]):
    def __init__(self, ch: C, hidden: HID) -> None:
        super().__init__()
        self.c1 = Conv2d(ch, hidden, 3, padding=1)
        self.c2 = Conv2d(hidden, hidden, 3, padding=1)
        self.bn = BatchNorm2d(hidden)
        self.c3 = Conv2d(hidden, ch, 1)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        h = dx.relu(self.c1(x))
        h = dx.relu(self.c2(h))
        return self.c3(self.bn(h))


images = dx.randn(2, 3, 8, 8)
encoder: VQEncoder[L[3], L[8], L[4]] = VQEncoder(3, 8, 4, 16)
assert_type(encoder(images), Tensor[L[2], L[4], L[8], L[8], NoneTape])
head: VQHead[L[8], L[4]] = VQHead(8, 4, 16)
assert_type(head(dx.randn(2, 5, 8)), Tensor[L[2], L[4], L[5], L[1], NoneTape])
block_encoder: BlockEncoder[L[3], L[8], L[4]] = BlockEncoder(3, 8, 4, 16)
assert_type(block_encoder(images), Tensor[L[2], L[4], L[8], L[8], NoneTape])
decoder: Decoder[L[4], L[3]] = Decoder(4, 3, 2)
assert_type(decoder(dx.randn(2, 4, 2, 2)), Tensor[L[2], L[3], L[16], L[16], NoneTape])
upsampler: Upsampler[L[3]] = Upsampler(3)
assert_type(upsampler(dx.randn(2, 3, 4, 4)), Tensor[L[2], L[3], L[16], L[16], NoneTape])
two_scale: TwoScale[L[3]] = TwoScale(3)
fused = two_scale(images)
assert_type(fused, Tensor[L[2], L[3], L[4], L[4], NoneTape])
block: ShortcutBlock[L[3]] = ShortcutBlock(3)
assert_type(block(images), Tensor[L[2], L[3], L[4], L[4], NoneTape])
mlp: MLP[L[4], L[8], L[2]] = MLP(4, 8, 2)
assert_type(mlp(dx.randn(5, 4)), Tensor[L[5], L[2], NoneTape])
chain: ConvChain[L[3], L[6]] = ConvChain(3, 6)
assert_type(chain(images), Tensor[L[2], L[3], L[8], L[8], NoneTape])
assert fused.shape == (2, 3, 4, 4) and block(images).shape == (2, 3, 4, 4)
