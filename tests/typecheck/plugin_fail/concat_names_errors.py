"""A concatenation whose other axes hold two different size parameters of a module: a dense
layer's new ``G`` channels joined to its input's ``CI`` without ``axis=1`` (along the batch
axis), reported on the ``cat``'s line; a generic module does not rely on two of its sizes
being equal, as for a broadcast."""

# rules: movement

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Module

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
G = TypeVar("G", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class DenseLayer(Module, Generic[CI, G]):
    def __init__(self, ci: CI, g: G) -> None:
        super().__init__()
        self.conv = Conv2d(ci, g, 3, padding=1)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CI, H, W, T]:
        out = self.conv(x)
        grown = dx.cat([out, x])  # E: mypy[dfdx-shape "concat: sizes differ on axis 1: Tensor[N, "
        #     "G, H, W] and Tensor[N, CI, H, W] (G != CI)", dfdx-shape "grown is assigned here; use"
        #     "d at line 33: index: gives Tensor[2*N, CI, H, W], the return type is Tensor[N, CI, H"
        #     ", W] (2*N != N)"]
        return grown[:, : x.shape[1]]  # E: mypy[dfdx-shape "index: gives Tensor[2*N, CI, H, W], t"
        #     "he return type is Tensor[N, CI, H, W] (2*N != N)"]
