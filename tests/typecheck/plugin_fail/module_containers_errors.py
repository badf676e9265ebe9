"""Mistakes inside containers of modules of different sizes are still reported: a member
read with a literal index or key is checked with its own sizes, and a skip connection given
at the wrong resolution to a ``forward`` that takes it at half its input's."""

# rules: containers, nn

from typing import Any, Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module, ModuleDict, ModuleList, Upsample

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class StyledConv(Module, Generic[CI, CO]):
    def __init__(self, in_channel: CI, out_channel: CO) -> None:
        super().__init__()
        self.conv = Conv2d(in_channel, out_channel, 3, padding=1)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, H, W, T]:
        return dx.leaky_relu(self.conv(x), 0.2)


class ToRGB(Module, Generic[CI]):
    def __init__(self, in_channel: CI) -> None:
        super().__init__()
        self.conv = Conv2d(in_channel, 3, 1)
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
    def __init__(self, channel: C) -> None:
        super().__init__()
        self.convs = ModuleList(
            [
                StyledConv(channel, channel // 2),  # E: mypy[dfdx-shape "self.convs[0] is built he"
                #     "re; its output reaches line 69: StyledConv[C, C//4]: x takes Tensor[B, C, H,"
                #     " W], got Tensor[B, C//2, 2*H, 2*W] (C//2 != C)"]
                StyledConv(channel, channel // 4),  # E: mypy[dfdx-shape "self.convs[1] is built he"
                #     "re; called at line 69: StyledConv[C, C//4]: x takes Tensor[B, C, H, W], got "
                #     "Tensor[B, C//2, 2*H, 2*W] (C//2 != C)"]
            ]
        )
        self.to_rgbs = ModuleList([ToRGB(channel // 2), ToRGB(channel // 4)])
        self.upsample = Upsample(scale_factor=2)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, L[3], Any, Any, T]:
        h = self.convs[0](x)
        image = self.to_rgbs[0](h)
        h = self.convs[1](self.upsample(h))  # E: mypy[dfdx-shape "StyledConv[C, C//4]: x takes Ten"
        #     "sor[B, C, H, W], got Tensor[B, C//2, 2*H, 2*W] (C//2 != C)"]
        return self.to_rgbs[1](h, image)


class Heads(Module, Generic[C, K]):
    def __init__(self, dim: C, n_classes: K) -> None:
        super().__init__()
        self.heads = ModuleDict(
            {
                "cls": Linear(dim, n_classes),
                "box": Linear(dim // 2, 4),  # E: mypy[dfdx-shape "self.heads['box'] is built here;"
                #     " called at line 87: Linear[C//2, 4]: takes C//2 features, got Tensor[B, C] ("
                #     "C != C//2)"]
            }
        )

    def forward(self, x: Tensor[B, C, T]) -> Tensor[B, L[4], T]:
        return self.heads["box"](x)  # E: mypy[dfdx-shape "Linear[C//2, 4]: takes C//2 features, go"
        #     "t Tensor[B, C] (C != C//2)"]


rgb = ToRGB(8)
feats = dx.randn(2, 8, 8, 8)
same = dx.randn(2, 3, 8, 8)
image = rgb(feats, same)  # E: mypy[dfdx-shape "ToRGB[8]: skip takes Tensor[2, 3, 4, 4], got Tensor"
#     "[2, 3, 8, 8] (8 != 4)"]
convs = ModuleList([StyledConv(8, 16), StyledConv(32, 32)])  # E: mypy[dfdx-shape "convs[0] is buil"
#     "t here; its output reaches line 100: StyledConv[32, 32]: x takes Tensor[B, 32, H, W], got Te"
#     "nsor[2, 16, 8, 8] (16 != 32)", dfdx-shape "convs[1] is built here; called at line 100: Style"
#     "dConv[32, 32]: x takes Tensor[B, 32, H, W], got Tensor[2, 16, 8, 8] (16 != 32)"]
y = convs[1](convs[0](feats))  # E: mypy[dfdx-shape "StyledConv[32, 32]: x takes Tensor[B, 32, H, W"
#     "], got Tensor[2, 16, 8, 8] (16 != 32)"]
