"""A size that does not fit where it is used is also reported where it was made: followed
back from the consumer (a layer's or a user's module's input, a concatenation, a sum, the
return type) through names, layer calls and shape-keeping steps (activations, norms) to the
layer that made it, on the line of its constructor's argument at fault (the output width; the
stride, where a stride 1 or 2 in place of its own gives the size wanted; where the stride is
left out, the lines of the call, its kernel and its padding). A shape-keeping step between is
not blamed, nor a window that two operands share."""

# rules: nn, movement, binary

from typing import Generic, TypeVar
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
    """Nearest-code lookup of ``EMB``-wide vectors (the distances elided)."""

    def __init__(self, num_codes: int, dim: EMB) -> None:
        super().__init__()
        self.codebook = Embedding(num_codes, dim)

    def forward(self, z: Tensor[B, EMB, H, W, T]) -> Tensor[B, EMB, H, W, T]:
        return z


class VQEncoder(Module, Generic[C, HID, EMB]):
    """The pre-quantization 1x1 convolution built with the hidden width, not ``emb_dim``."""

    def __init__(self, in_ch: C, hidden: HID, emb_dim: EMB, num_codes: int) -> None:
        super().__init__()
        self.conv_a = Conv2d(in_ch, hidden, 3, padding=1)
        self.conv_b = Conv2d(hidden, hidden, 3, padding=1)
        self.pre_quant = Conv2d(
            hidden,
            hidden,  # E: mypy[dfdx-shape "self.pre_quant is built here; its output reaches line 75"
            #     ": Quantizer[EMB]: z takes Tensor[B, EMB, H, W], got Tensor[B, HID, H, W] (HID !="
            #     " EMB)"]
            1,
        )
        self.norm = BatchNorm2d(hidden)
        self.quant = Quantizer(num_codes, emb_dim)  # E: mypy[dfdx-shape "self.quant is built here;"
        #     " called at line 75: Quantizer[EMB]: z takes Tensor[B, EMB, H, W], got Tensor[B, HID,"
        #     " H, W] (HID != EMB)"]

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, EMB, H, W, T]:
        h = self.conv_a(x).relu()
        h = self.conv_b(h).relu()
        z = self.pre_quant(h)
        z = self.norm(z)
        q = self.quant(z)  # E: mypy[dfdx-shape "Quantizer[EMB]: z takes Tensor[B, EMB, H, W], got "
        #     "Tensor[B, HID, H, W] (HID != EMB)"]
        return q


class VQHead(Module, Generic[HID, EMB]):
    """The same mistake with the projection a ``Linear`` on tokens, through a LayerNorm."""

    def __init__(self, hidden: HID, emb_dim: EMB, num_codes: int) -> None:
        super().__init__()
        self.proj = Linear(hidden, hidden, bias=False)  # E: mypy[dfdx-shape "self.proj is built he"
        #     "re; its output reaches line 96: Quantizer[EMB]: z takes Tensor[B, EMB, H, W], got Te"
        #     "nsor[B, HID, S, 1] (HID != EMB)"]
        self.norm = LayerNorm(hidden)
        self.quant = Quantizer(num_codes, emb_dim)  # E: mypy[dfdx-shape "self.quant is built here;"
        #     " called at line 96: Quantizer[EMB]: z takes Tensor[B, EMB, H, W], got Tensor[B, HID,"
        #     " S, 1] (HID != EMB)"]

    def forward(self, tokens: Tensor[B, S, HID, T]) -> Tensor[B, EMB, S, L[1], T]:
        z = self.norm(self.proj(tokens)).gelu()
        grid = z.transpose(1, 2).unsqueeze(3)
        return self.quant(grid)  # E: mypy[dfdx-shape "Quantizer[EMB]: z takes Tensor[B, EMB, H, W]"
        #     ", got Tensor[B, HID, S, 1] (HID != EMB)"]


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
    """The pre-quantization projection a user's block built with the hidden width, then a
    residual block that keeps it (not blamed)."""

    def __init__(self, in_ch: C, hidden: HID, emb_dim: EMB, num_codes: int) -> None:
        super().__init__()
        self.block = ConvBlock(in_ch, hidden)
        self.pre_quant = ConvBlock(
            hidden,
            hidden,  # E: mypy[dfdx-shape "self.pre_quant is built here; its output reaches line 14"
            #     "3: Quantizer[EMB]: z takes Tensor[B, EMB, H, W], got Tensor[B, HID, H, W] (HID !"
            #     "= EMB)"]
        )
        self.res = Residual(hidden)
        self.quant = Quantizer(num_codes, emb_dim)  # E: mypy[dfdx-shape "self.quant is built here;"
        #     " called at line 143: Quantizer[EMB]: z takes Tensor[B, EMB, H, W], got Tensor[B, HID"
        #     ", H, W] (HID != EMB)"]

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, EMB, H, W, T]:
        z = self.res(self.pre_quant(self.block(x)))
        return self.quant(z)  # E: mypy[dfdx-shape "Quantizer[EMB]: z takes Tensor[B, EMB, H, W], g"
        #     "ot Tensor[B, HID, H, W] (HID != EMB)"]


class Decoder(Module, Generic[Z, C]):
    """Transposed convolutions doubling 8 to 64, the middle one without its stride: the
    return is where the sizes meet, the middle layer where the mistake is (not the last)."""

    def __init__(self, z_ch: Z, out_ch: C, base: int) -> None:
        super().__init__()
        self.up1 = ConvTranspose2d(z_ch, base * 4, 4, stride=2, padding=1)
        self.bn1 = BatchNorm2d(base * 4)
        self.up2 = ConvTranspose2d(  # E: mypy[dfdx-shape "self.up2 is built here with stride=1 (st"
            #     "ride=2 gives the size wanted); its output reaches line 174: tanh: gives Tensor[B"
            #     ", C, 34, 34], the return type is Tensor[B, C, 64, 64] (34 != 64)"]
            base * 4,
            base * 2,
            kernel_size=4,  # E: mypy[dfdx-shape "self.up2 is built here with stride=1 (stride=2 gi"
            #     "ves the size wanted); its output reaches line 174: tanh: gives Tensor[B, C, 34, "
            #     "34], the return type is Tensor[B, C, 64, 64] (34 != 64)"]
            padding=1,  # E: mypy[dfdx-shape "self.up2 is built here with stride=1 (stride=2 gives "
            #     "the size wanted); its output reaches line 174: tanh: gives Tensor[B, C, 34, 34],"
            #     " the return type is Tensor[B, C, 64, 64] (34 != 64)"]
        )
        self.bn2 = BatchNorm2d(base * 2)
        self.up3 = ConvTranspose2d(base * 2, out_ch, 4, stride=2, padding=1)

    def forward(self, z: Tensor[B, Z, L[8], L[8], T]) -> Tensor[B, C, L[64], L[64], T]:
        h = self.bn1(self.up1(z)).relu()
        h = self.bn2(self.up2(h)).relu()
        h = self.up3(h)
        return h.tanh()  # E: mypy[dfdx-shape "tanh: gives Tensor[B, C, 34, 34], the return type is"
        #     " Tensor[B, C, 64, 64] (34 != 64)"]


class Upsampler(Module, Generic[C]):
    """Two doubling transposed convolutions, the first one's stride written as 1."""

    def __init__(self, ch: C) -> None:
        super().__init__()
        self.first = ConvTranspose2d(ch, ch, 4, stride=1, padding=1)  # E: mypy[dfdx-shape
        #     "self.first is built here with stride=1 (stride=2 gives the size wanted); its output "
        #     "reaches line 192: ConvTranspose2d[C, C]: gives Tensor[B, C, 10, 10], the return type"
        #     " is Tensor[B, C, 16, 16] (10 != 16)"]
        self.second = ConvTranspose2d(ch, ch, 4, stride=2, padding=1)

    def forward(self, x: Tensor[B, C, L[4], L[4], T]) -> Tensor[B, C, L[16], L[16], T]:
        y = self.first(x)
        y = dx.relu(y)
        return self.second(y)  # E: mypy[dfdx-shape "ConvTranspose2d[C, C]: gives Tensor[B, C, 10, "
        #     "10], the return type is Tensor[B, C, 16, 16] (10 != 16)"]


class TwoScale(Module, Generic[C]):
    """A downsampling convolution built with stride 1 whose map meets the pooled one in a
    concatenation a few lines later; the stem both read is not blamed."""

    def __init__(self, ch: C) -> None:
        super().__init__()
        self.stem = Conv2d(ch, ch, 3, padding=1)
        self.down = Conv2d(
            ch, ch, 3,
            stride=1, padding=1,  # E: mypy[dfdx-shape "self.down is built here with stride=1 (str"
            #     "ide=2 gives the size wanted); its output reaches line 224: concat: sizes differ"
            #     " on axis 2: Tensor[B, C, H, W] and Tensor[B, C, H//2, W//2] (H != H//2)"]
        )  # fmt: skip
        # (the stride search blames the line a user edits: the stride=1 beside which the
        # call is written, not the call's first line; one message where the stride names
        # what to change, not also "is built here": one mistake, one place, as a port
        # with a convolution built over several lines is measured on the line that holds
        # its mistake)
        self.pool = MaxPool2d(2)  # E: mypy[dfdx-shape "self.pool is built here; its output reaches"
        #     " line 224: concat: sizes differ on axis 2: Tensor[B, C, H, W] and Tensor[B, C, H//2,"
        #     " W//2] (H != H//2)"]
        self.fuse = Conv2d(ch * 2, ch, 1)

    def forward(self, x: Tensor[B, C, H, W, T]) -> None:
        h = self.stem(x).relu()
        d = self.down(h)
        d = d.relu()
        p = self.pool(h)
        both = dx.cat([d, p], axis=1)  # E: mypy[dfdx-shape "concat: sizes differ on axis 2: Tensor"
        #     "[B, C, H, W] and Tensor[B, C, H//2, W//2] (H != H//2)"]
        self.fuse(both)


class ShortcutBlock(Module, Generic[C]):
    """A residual block whose shortcut is built without the main path's stride."""

    def __init__(self, ch: C) -> None:
        super().__init__()
        self.conv1 = Conv2d(ch, ch, 3, stride=2, padding=1)  # E: mypy[dfdx-shape "self.conv1 is bu"
        #     "ilt here with stride=2 (stride=1 gives the size wanted); its output reaches line 260"
        #     ": add: shapes do not broadcast: Tensor[B, C, (H+1)//2, (W+1)//2] and Tensor[B, C, H,"
        #     " W] (axis -2: (H+1)//2 != H)"]
        self.bn1 = BatchNorm2d(ch)
        self.conv2 = Conv2d(ch, ch, 3, padding=1)
        self.skip = Conv2d(  # E: mypy[dfdx-shape "self.skip is built here with stride=1 (stride=2 "
            #     "gives the size wanted); its output reaches line 260: add: shapes do not broadcas"
            #     "t: Tensor[B, C, (H+1)//2, (W+1)//2] and Tensor[B, C, H, W] (axis -2: (H+1)//2 !="
            #     " H)"]
            ch,
            ch,
            kernel_size=1,  # E: mypy[dfdx-shape "self.skip is built here with stride=1 (stride=2 g"
            #     "ives the size wanted); its output reaches line 260: add: shapes do not broadcast"
            #     ": Tensor[B, C, (H+1)//2, (W+1)//2] and Tensor[B, C, H, W] (axis -2: (H+1)//2 != "
            #     "H)"]
        )

    def forward(self, x: Tensor[B, C, H, W, T]) -> None:
        out = self.bn1(self.conv1(x)).relu()
        out = self.conv2(out)  # E: mypy[dfdx-shape "out is assigned here; used at line 260: add: s"
        #     "hapes do not broadcast: Tensor[B, C, (H+1)//2, (W+1)//2] and Tensor[B, C, H, W] (axi"
        #     "s -2: (H+1)//2 != H)"]
        res = self.skip(x)  # E: mypy[dfdx-shape "res is assigned here; used at line 260: add: shap"
        #     "es do not broadcast: Tensor[B, C, (H+1)//2, (W+1)//2] and Tensor[B, C, H, W] (axis -"
        #     "2: (H+1)//2 != H)"]
        (out + res).relu()  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, C, (H+1)/"
        #     "/2, (W+1)//2] and Tensor[B, C, H, W] (axis -2: (H+1)//2 != H)"]


class MLP(Module, Generic[I, HID, O]):
    """Three layers in a chain, the middle one built with the input's width."""

    def __init__(self, d_in: I, hidden: HID, d_out: O) -> None:
        super().__init__()
        self.fc1 = Linear(d_in, hidden)
        self.fc2 = Linear(
            hidden,
            d_in,  # E: mypy[dfdx-shape "self.fc2 is built here; its output reaches line 282: Linea"
            #     "r[HID, O]: takes HID features, got Tensor[B, I] (I != HID)"]
        )
        self.fc3 = Linear(hidden, d_out)  # E: mypy[dfdx-shape "self.fc3 is built here; called at l"
        #     "ine 282: Linear[HID, O]: takes HID features, got Tensor[B, I] (I != HID)"]

    def forward(self, x: Tensor[B, I, T]) -> Tensor[B, O, T]:
        h = self.fc1(x).relu()
        h = self.fc2(h).relu()  # E: mypy[dfdx-shape "h is assigned here; used at line 282: Linear["
        #     "HID, O]: takes HID features, got Tensor[B, I] (I != HID)"]
        return self.fc3(h)  # E: mypy[dfdx-shape "Linear[HID, O]: takes HID features, got Tensor[B,"
        #     " I] (I != HID)"]


class ConvChain(Module, Generic[C, HID]):
    """Three convolutions, the middle one giving ``C`` channels where the norm after it
    takes ``HID``: the norm's line and the middle layer's output width are shown."""

    def __init__(self, ch: C, hidden: HID) -> None:
        super().__init__()
        self.c1 = Conv2d(ch, hidden, 3, padding=1)
        self.c2 = Conv2d(hidden, ch, 3, padding=1)  # E: mypy[dfdx-shape "self.c2 is built here; it"
        #     "s output reaches line 311: BatchNorm2d[HID]: takes HID channels on axis 1, got Tenso"
        #     "r[B, C, H, W] (C != HID)", dfdx-shape "self.c2 is built here; its output reaches lin"
        #     "e 311: conv2d: input channels differ: input Tensor[B, C, H, W], weight Tensor[C, HID"
        #     ", 1, 1]"]
        self.bn = BatchNorm2d(hidden)  # E: mypy[dfdx-shape "self.bn is built here; called at line "
        #     "311: BatchNorm2d[HID]: takes HID channels on axis 1, got Tensor[B, C, H, W] (C != HI"
        #     "D)"]
        self.c3 = Conv2d(hidden, ch, 1)  # E: mypy[dfdx-shape "self.c3 is built here; called at lin"
        #     "e 311: conv2d: input channels differ: input Tensor[B, C, H, W], weight Tensor[C, HID"
        #     ", 1, 1]"]

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        h = dx.relu(self.c1(x))
        h = dx.relu(self.c2(h))  # E: mypy[dfdx-shape "h is assigned here; used at line 311: BatchN"
        #     "orm2d[HID]: takes HID channels on axis 1, got Tensor[B, C, H, W] (C != HID)",
        #     dfdx-shape "h is assigned here; used at line 311: conv2d: input channels differ: inpu"
        #     "t Tensor[B, C, H, W], weight Tensor[C, HID, 1, 1]"]
        return self.c3(self.bn(h))  # E: mypy[dfdx-shape "conv2d: input channels differ: input Tens"
        #     "or[B, C, H, W], weight Tensor[C, HID, 1, 1]", dfdx-shape "BatchNorm2d[HID]: takes HI"
        #     "D channels on axis 1, got Tensor[B, C, H, W] (C != HID)"]
