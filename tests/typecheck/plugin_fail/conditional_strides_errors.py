"""Strides lost where a block builds a layer only where it needs it, or builds it with the
wrong stride: a projection shortcut declared ``Conv2d[CI, CO, Any] | None`` and built in an
``if`` with ``stride=1`` (or without its stride) while the main path has ``stride=stride``,
one added inside ``if self.shortcut is not None`` where it is built for ``stride != 1 or
...``, one built in a conditional expression, a ``Sequential[Any] | None`` downsample
without its stride, a pool of stride 1 for a strided shortcut, a main path that forgets the
stride its shortcut has, transposed convolutions without their stride or their
``output_padding``, and a ``Sequential`` downsampling built with stride 1 whose output is
concatenated with a map of half the resolution. Each is reported at the sum (or the
concatenation, or the return) and where the layer is built, on the line of its ``stride``
argument where the call is written over several lines."""

# rules: binary, nn, movement

from typing import Any, Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    ConvTranspose2d,
    Module,
    ReLU,
    Sequential,
)

N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class WideBasic(Module, Generic[CI, CO]):
    def __init__(self, ci: CI, co: CO, stride: int) -> None:
        super().__init__()
        self.bn1 = BatchNorm2d(ci)
        self.conv1 = Conv2d(
            ci,
            co,
            3,
            stride=stride,  # E: mypy[dfdx-shape "self.conv1 is built here with stride=stride (stri"
            #     "de=1 gives the size wanted); its output reaches line 82: add: shapes do not broa"
            #     "dcast: Tensor[N, CO, H, W] and Tensor[N, CO, (H-1)//stride+1, (W-1)//stride+1] ("
            #     "axis -2: H != (H-1)//stride+1)"]
            padding=1,
            bias=False,
        )
        self.bn2 = BatchNorm2d(co)
        self.conv2 = Conv2d(co, co, 3, stride=1, padding=1, bias=False)
        self.shortcut: Conv2d[CI, CO, Any] | None = None
        if ci != co:
            self.shortcut = Conv2d(  # E: mypy[dfdx-shape "self.shortcut is built here; its output "
                #     "reaches line 82: add: shapes do not broadcast: Tensor[N, CO, H, W] and Tenso"
                #     "r[N, CO, (H-1)//stride+1, (W-1)//stride+1] (axis -2: H != (H-1)//stride+1)"]
                ci,
                co,
                kernel_size=1,
                stride=1,  # E: mypy[dfdx-shape "the stride of self.shortcut is given here; its out"
                #     "put reaches line 82: add: shapes do not broadcast: Tensor[N, CO, H, W] and T"
                #     "ensor[N, CO, (H-1)//stride+1, (W-1)//stride+1] (axis -2: H != (H-1)//stride+"
                #     "1)"]
                padding=0,
                bias=False,
            )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        o = dx.relu(self.bn1(x))  # E: mypy[dfdx-shape "o is assigned here; used at line 82: add: s"
        #     "hapes do not broadcast: Tensor[N, CO, H, W] and Tensor[N, CO, (H-1)//stride+1, (W-1)"
        #     "//stride+1] (axis -2: H != (H-1)//stride+1)"]
        out = self.conv1(o)
        out = self.conv2(dx.relu(self.bn2(out)))  # E: mypy[dfdx-shape "out is assigned here; used "
        #     "at line 82: add: shapes do not broadcast: Tensor[N, CO, H, W] and Tensor[N, CO, (H-1"
        #     ")//stride+1, (W-1)//stride+1] (axis -2: H != (H-1)//stride+1)"]
        if self.shortcut is None:
            return x + out
        return self.shortcut(o) + out  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[N"
        #     ", CO, H, W] and Tensor[N, CO, (H-1)//stride+1, (W-1)//stride+1] (axis -2: H != (H-1)"
        #     "//stride+1)"]


class NoStride(Module, Generic[CI, CO]):
    def __init__(self, ci: CI, co: CO, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(ci, co, 3, stride=stride, padding=1, bias=False)
        self.conv2 = Conv2d(co, co, 3, padding=1, bias=False)
        self.shortcut: Conv2d[CI, CO, Any] | None = None
        if stride != 1 or ci != co:
            self.shortcut = Conv2d(ci, co, kernel_size=1, bias=False)  # E: mypy[dfdx-shape
            #     "self.shortcut is built here; its output reaches line 102: add: shapes do not bro"
            #     "adcast: Tensor[N, CO, (H-1)//stride+1, (W-1)//stride+1] and Tensor[N, CO, H, W] "
            #     "(axis -2: (H-1)//stride+1 != H)"]

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        out = self.conv2(dx.relu(self.conv1(x)))
        if self.shortcut is not None:
            out = out + self.shortcut(x)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tenso"
            #     "r[N, CO, (H-1)//stride+1, (W-1)//stride+1] and Tensor[N, CO, H, W] (axis -2: (H-"
            #     "1)//stride+1 != H)"]
        return dx.relu(out)


class ProjectedWhenNeeded(Module, Generic[CI, CO]):
    def __init__(self, ci: CI, co: CO, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(
            ci,
            co,
            3,
            stride=stride,  # E: mypy[dfdx-shape "self.conv1 is built here with stride=stride (stri"
            #     "de=1 gives the size wanted); its output reaches line 138: add: shapes do not bro"
            #     "adcast: Tensor[N, CO, (H-1)//stride+1, (W-1)//stride+1] and Tensor[N, CO, H, W] "
            #     "(axis -2: (H-1)//stride+1 != H)"]
            padding=1,
            bias=False,
        )
        self.conv2 = Conv2d(co, co, 3, padding=1, bias=False)
        self.proj = (
            Conv2d(ci, co, 1, bias=False)  # E: mypy[dfdx-shape "self.proj is built here; its outpu"
            #     "t reaches line 138: add: shapes do not broadcast: Tensor[N, CO, (H-1)//stride+1,"
            #     " (W-1)//stride+1] and Tensor[N, CO, H, W] (axis -2: (H-1)//stride+1 != H)"]
            if stride != 1 or ci != co
            else None
        )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        out = self.conv2(dx.relu(self.conv1(x)))  # E: mypy[dfdx-shape "out is assigned here; used "
        #     "at line 138: add: shapes do not broadcast: Tensor[N, CO, (H-1)//stride+1, (W-1)//str"
        #     "ide+1] and Tensor[N, CO, H, W] (axis -2: (H-1)//stride+1 != H)"]
        residual = x if self.proj is None else self.proj(x)  # E: mypy[dfdx-shape "residual is assi"
        #     "gned here; used at line 138: add: shapes do not broadcast: Tensor[N, CO, (H-1)//stri"
        #     "de+1, (W-1)//stride+1] and Tensor[N, CO, H, W] (axis -2: (H-1)//stride+1 != H)"]
        return dx.relu(out + residual)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor["
        #     "N, CO, (H-1)//stride+1, (W-1)//stride+1] and Tensor[N, CO, H, W] (axis -2: (H-1)//st"
        #     "ride+1 != H)"]


class JoinedUnstridedMain(Module, Generic[CI, CO]):
    def __init__(self, ci: CI, co: CO, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(ci, co, 3, padding=1, bias=False)  # E: mypy[dfdx-shape "self.conv1 is "
        #     "built here; its output reaches line 163: add: shapes do not broadcast: Tensor[N, CO,"
        #     " H, W] and Tensor[N, CO, (H-1)//stride+1, (W-1)//stride+1] (axis -2: H != (H-1)//str"
        #     "ide+1)"]
        self.proj = (
            Conv2d(ci, co, 1, stride=stride, bias=False)  # E: mypy[dfdx-shape "self.proj is built "
            #     "here; its output reaches line 163: add: shapes do not broadcast: Tensor[N, CO, H"
            #     ", W] and Tensor[N, CO, (H-1)//stride+1, (W-1)//stride+1] (axis -2: H != (H-1)//s"
            #     "tride+1)"]
            if stride != 1 or ci != co
            else None
        )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        residual = x if self.proj is None else self.proj(x)  # E: mypy[dfdx-shape "residual is assi"
        #     "gned here; used at line 163: add: shapes do not broadcast: Tensor[N, CO, H, W] and T"
        #     "ensor[N, CO, (H-1)//stride+1, (W-1)//stride+1] (axis -2: H != (H-1)//stride+1)"]
        return dx.relu(self.conv1(x) + residual)  # E: mypy[dfdx-shape "add: shapes do not broadcas"
        #     "t: Tensor[N, CO, H, W] and Tensor[N, CO, (H-1)//stride+1, (W-1)//stride+1] (axis -2:"
        #     " H != (H-1)//stride+1)"]


class Downsampled(Module, Generic[CI, CO]):
    def __init__(self, ci: CI, co: CO, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(ci, co, 3, stride, 1, bias=False)  # E: mypy[dfdx-shape "self.conv1 is "
        #     "built here with stride=stride (stride=1 gives the size wanted); its output reaches l"
        #     "ine 195: add: shapes do not broadcast: Tensor[N, CO, (H-1)//stride+1, (W-1)//stride+"
        #     "1] and Tensor[N, CO, H, W] (axis -2: (H-1)//stride+1 != H)"]
        self.bn1 = BatchNorm2d(co)
        self.relu = ReLU()
        self.downsample: Sequential[Any] | None = None
        if stride != 1 or ci != co:
            self.downsample = Sequential(
                Conv2d(ci, co, 1, bias=False),  # E: mypy[dfdx-shape "layer 1 of self.downsample is"
                #     " built here; its output reaches line 195: add: shapes do not broadcast: Tens"
                #     "or[N, CO, (H-1)//stride+1, (W-1)//stride+1] and Tensor[N, CO, H, W] (axis -2"
                #     ": (H-1)//stride+1 != H)"]
                BatchNorm2d(co),
            )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        out = self.relu(self.bn1(self.conv1(x)))  # E: mypy[dfdx-shape "out is assigned here; used "
        #     "at line 195: add: shapes do not broadcast: Tensor[N, CO, (H-1)//stride+1, (W-1)//str"
        #     "ide+1] and Tensor[N, CO, H, W] (axis -2: (H-1)//stride+1 != H)"]
        if self.downsample is not None:
            identity = self.downsample(x)
        else:
            identity = x
        return self.relu(out + identity)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tenso"
        #     "r[N, CO, (H-1)//stride+1, (W-1)//stride+1] and Tensor[N, CO, H, W] (axis -2: (H-1)//"
        #     "stride+1 != H)"]


class PooledShortcut(Module, Generic[C]):
    def __init__(self, channels: C, stride: int = 1) -> None:
        super().__init__()
        self.conv = Conv2d(  # E: mypy[dfdx-shape "self.conv is built here; its output reaches line"
            #     " 237: add: shapes do not broadcast: Tensor[N, C, (H-1)//stride+1, (W-1)//stride+"
            #     "1] and Tensor[N, C, H-stride+1, W-stride+1] (axis -2: (H-1)//stride+1 != H-strid"
            #     "e+1)"]
            channels,
            channels,
            3,
            stride=stride,  # E: mypy[dfdx-shape "the stride of self.conv is given here; its output"
            #     " reaches line 237: add: shapes do not broadcast: Tensor[N, C, (H-1)//stride+1, ("
            #     "W-1)//stride+1] and Tensor[N, C, H-stride+1, W-stride+1] (axis -2: (H-1)//stride"
            #     "+1 != H-stride+1)"]
            padding=1,
            bias=False,
        )
        self.pool: AvgPool2d[Any] | None = None
        if stride > 1:
            self.pool = AvgPool2d(  # E: mypy[dfdx-shape "self.pool is built here; its output reach"
                #     "es line 237: add: shapes do not broadcast: Tensor[N, C, (H-1)//stride+1, (W-"
                #     "1)//stride+1] and Tensor[N, C, H-stride+1, W-stride+1] (axis -2: (H-1)//stri"
                #     "de+1 != H-stride+1)"]
                kernel_size=stride,
                stride=1,  # E: mypy[dfdx-shape "the stride of self.pool is given here; its output "
                #     "reaches line 237: add: shapes do not broadcast: Tensor[N, C, (H-1)//stride+1"
                #     ", (W-1)//stride+1] and Tensor[N, C, H-stride+1, W-stride+1] (axis -2: (H-1)/"
                #     "/stride+1 != H-stride+1)"]
            )

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, Any, Any, T]:
        out = self.conv(x)  # E: mypy[dfdx-shape "out is assigned here; used at line 237: add: shap"
        #     "es do not broadcast: Tensor[N, C, (H-1)//stride+1, (W-1)//stride+1] and Tensor[N, C,"
        #     " H-stride+1, W-stride+1] (axis -2: (H-1)//stride+1 != H-stride+1)"]
        identity = x
        if self.pool is not None:
            identity = self.pool(x)
        return out + identity  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[N, C, (H-"
        #     "1)//stride+1, (W-1)//stride+1] and Tensor[N, C, H-stride+1, W-stride+1] (axis -2: (H"
        #     "-1)//stride+1 != H-stride+1)"]


class UnstridedMain(Module, Generic[CI, CO]):
    def __init__(self, in_ch: CI, out_ch: CO, stride: int = 2) -> None:
        super().__init__()
        self.conv = Conv2d(in_ch, out_ch, 3, padding=1)  # E: mypy[dfdx-shape "self.conv is built h"
        #     "ere; its output reaches line 254: add: shapes do not broadcast: Tensor[N, CO, H, W] "
        #     "and Tensor[N, CO, (H-1)//stride+1, (W-1)//stride+1] (axis -2: H != (H-1)//stride+1)"]
        self.skip = Conv2d(in_ch, out_ch, 1, stride=stride)  # E: mypy[dfdx-shape "self.skip is bui"
        #     "lt here with stride=stride (stride=1 gives the size wanted); its output reaches line"
        #     " 254: add: shapes do not broadcast: Tensor[N, CO, H, W] and Tensor[N, CO, (H-1)//str"
        #     "ide+1, (W-1)//stride+1] (axis -2: H != (H-1)//stride+1)"]

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        return self.conv(x) + self.skip(x)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Ten"
        #     "sor[N, CO, H, W] and Tensor[N, CO, (H-1)//stride+1, (W-1)//stride+1] (axis -2: H != "
        #     "(H-1)//stride+1)"]


class Up(Module, Generic[CI, CO]):
    def __init__(self, in_ch: CI, out_ch: CO) -> None:
        super().__init__()
        self.up = ConvTranspose2d(  # E: mypy[dfdx-shape "self.up is built here with stride=1 (stri"
            #     "de=2 gives the size wanted); its output reaches line 276: add: shapes do not bro"
            #     "adcast: Tensor[N, CO, H//2+1, W//2+1] and Tensor[N, CO, H, W] (axis -2: H//2+1 !"
            #     "= H)"]
            in_ch,
            out_ch,
            kernel_size=2,  # E: mypy[dfdx-shape "self.up is built here with stride=1 (stride=2 giv"
            #     "es the size wanted); its output reaches line 276: add: shapes do not broadcast: "
            #     "Tensor[N, CO, H//2+1, W//2+1] and Tensor[N, CO, H, W] (axis -2: H//2+1 != H)"]
        )

    def forward(
        self, x: Tensor[N, CI, Expr[L["H//2"]], Expr[L["W//2"]], T], skip: Tensor[N, CO, H, W, T]
    ) -> Tensor[N, CO, H, W, T]:
        return self.up(x) + skip  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[N, CO,"
        #     " H//2+1, W//2+1] and Tensor[N, CO, H, W] (axis -2: H//2+1 != H)"]


class Decoder(Module, Generic[C]):
    def __init__(self, ch: C) -> None:
        super().__init__()
        self.up = ConvTranspose2d(ch, ch, 3, stride=2, padding=1)  # E: mypy[dfdx-shape "self.up is"
        #     " built here; called at line 288: ConvTranspose2d[C, C]: gives Tensor[N, C, 2*H-1, 2*"
        #     "W-1], the return type is Tensor[N, C, 2*H, 2*W] (2*H-1 != 2*H)"]

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, Expr[L["2*H"]], Expr[L["2*W"]], T]:
        return self.up(x)  # E: mypy[dfdx-shape "ConvTranspose2d[C, C]: gives Tensor[N, C, 2*H-1, 2"
        #     "*W-1], the return type is Tensor[N, C, 2*H, 2*W] (2*H-1 != 2*H)"]


class Pyramid(Module, Generic[C]):
    def __init__(self, ch: C) -> None:
        super().__init__()
        self.down = Sequential(
            Conv2d(ch, ch, 3, stride=1, padding=1),  # E: mypy[dfdx-shape "layer 1 of self.down is"
            #     " built here with stride=1 (stride=2 gives the size wanted); its output reaches "
            #     "line 308: concat: sizes differ on axis 2: Tensor[N, C, H, W] and Tensor[N, C, H"
            #     "//2, W//2] (H != H//2)"]
            BatchNorm2d(ch),
            ReLU(),
        )

    def forward(
        self, x: Tensor[N, C, H, W, T], low: Tensor[N, C, Expr[L["H//2"]], Expr[L["W//2"]], T]
    ) -> Tensor[N, Any, Any, Any, T]:
        d = self.down(x)
        return dx.cat([d, low], axis=1)  # E: mypy[dfdx-shape "concat: sizes differ on axis 2: Tens"
        #     "or[N, C, H, W] and Tensor[N, C, H//2, W//2] (H != H//2)"]
