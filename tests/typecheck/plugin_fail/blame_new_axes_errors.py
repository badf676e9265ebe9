"""An operand that inserts axes into a layer's result (a diffusion model's time embedding
``self.temb_proj(emb)[:, :, None, None]`` added to a feature map) whose layer sets the axis that
does not broadcast: the error is also reported where that layer was built, as for a layer's
result used directly (the convolution on the other side is reported too: either may be the
wrong one). Axes inserted between the layer's (``[:, None, None, :]``) are not blamed on the
layer: its axis may be in the wrong place rather than of the wrong size."""

# rules: binary, nn

from typing import Generic, TypeVar

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module

B = TypeVar("B", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
E = TypeVar("E", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Block(Module, Generic[CI, CO, E]):
    def __init__(self, ci: CI, co: CO, e: E) -> None:
        super().__init__()
        self.conv = Conv2d(ci, co, 3, padding=1)  # E: mypy[dfdx-shape "self.conv is built here; ca"
        #     "lled at line 36: add: shapes do not broadcast: Tensor[B, CO, H, W] and Tensor[B, CI"
        #     ", 1, 1] (axis -3: CO != CI)"]
        self.proj = Linear(e, ci)  # E: mypy[dfdx-shape "self.proj is built here; called at line 38"
        #     ": add: shapes do not broadcast: Tensor[B, CO, H, W] and Tensor[B, CI, 1, 1] (axis -"
        #     "3: CO != CI)"]
        self.scale = Linear(e, co)

    def forward(self, x: Tensor[B, CI, H, W, T], emb: Tensor[B, E, T]) -> None:
        h = self.conv(x)  # E: mypy[dfdx-shape "h is assigned here; used at line 38: add: shapes do"
        #     " not broadcast: Tensor[B, CO, H, W] and Tensor[B, CI, 1, 1] (axis -3: CO != CI)"]
        h + self.proj(emb)[:, :, None, None]  # E: mypy[dfdx-shape "add: shapes do not broadcast: T"
        #     "ensor[B, CO, H, W] and Tensor[B, CI, 1, 1] (axis -3: CO != CI)"]
        g = self.conv(x)  # E: mypy[dfdx-shape "g is assigned here; used at line 42: mul: shapes do"
        #     " not broadcast: Tensor[B, CO, H, W] and Tensor[B, 1, 1, CO] (axis -1: W != CO)"]
        g * self.scale(emb)[:, None, None, :]  # E: mypy[dfdx-shape "mul: shapes do not broadcast: "
        #     "Tensor[B, CO, H, W] and Tensor[B, 1, 1, CO] (axis -1: W != CO)"]
