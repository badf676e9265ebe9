"""A depthwise convolution (``groups`` a TypeVar) with the wrong padding: its spatial sizes
are known, so a result that does not fit the return type is reported (at the call and where
the layer is built)."""

# rules: nn

from typing import Generic, TypeVar

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Module

N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Block(Module, Generic[C]):
    def __init__(self, dim: C) -> None:
        super().__init__()
        self.dwconv = Conv2d(dim, dim, kernel_size=7, padding=1, groups=dim)  # E: mypy[dfdx-shape
        #     "self.dwconv is built here; called at line 27: Conv2d[C, C]: gives Tensor[N, C, H-4"
        #     ", W-4], the return type is Tensor[N, C, H, W] (H-4 != H)"]

    def forward(self, x: Tensor[N, C, H, W, T]) -> Tensor[N, C, H, W, T]:
        return self.dwconv(x)  # E: mypy[dfdx-shape "Conv2d[C, C]: gives Tensor[N, C, H-4, W-4], t"
        #     "he return type is Tensor[N, C, H, W] (H-4 != H)"]
