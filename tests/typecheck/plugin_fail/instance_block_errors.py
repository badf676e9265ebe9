"""Mistakes that show only with a block's instance values (docs/modules.md, "Blocks typed per
instance"): inside the block's ``forward`` (reported there, naming the instance, and at the one
construction argument at fault) and after it, where the block's declared sizes were unknown."""

# rules: nn, movement, binary

from typing import Generic, TypeVar
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, LayerNorm, Linear, Module, Sequential

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class BasicConv2d(Module, Generic[CI, CO]):
    def __init__(
        self, in_channels: CI, out_channels: CO, kernel_size: int, stride: int = 1, padding: int = 0
    ) -> None:
        super().__init__()
        self.conv = Conv2d(
            in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=False
        )
        self.bn = BatchNorm2d(out_channels)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, Dyn, Dyn, T]:
        return self.bn(self.conv(x)).relu()


class Inception(Module):
    def __init__(self) -> None:
        super().__init__()
        self.b1 = BasicConv2d(16, 8, kernel_size=1)
        self.b3 = BasicConv2d(16, 8, kernel_size=3)  # padding=1 forgotten
        self.head = Linear(16 * 8 * 8, 10)

    def forward(self, x: Tensor[B, L[16], L[8], L[8], T]) -> Tensor[B, L[10], T]:
        y = dx.cat([self.b1(x), self.b3(x)], axis=1)  # E: mypy[
        #     dfdx-shape "concat: sizes differ on axis 2: Tensor[B, 8, 8, 8] and "
        #     "Tensor[B, 8, 6, 6] (8 != 6)"]
        return self.head(y.flatten(1))


class Classifier(Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = BasicConv2d(3, 32, 3, stride=2, padding=1)
        self.fc = Linear(32 * 8 * 8, 10)  # E: mypy[
        #     dfdx-shape "self.fc is built here; called at line 69: Linear[2048, 10]: "
        #     "takes 2048 features, got Tensor[B, 512] (512 != 2048)"]

    def forward(self, x: Tensor[B, L[3], L[8], L[8], T]) -> Tensor[B, L[10], T]:
        h = self.stem(x).flatten(1)  # E: mypy[
        #     dfdx-shape "h is assigned here; used at line 69: Linear[2048, 10]: takes"
        #     " 2048 features, got Tensor[B, 512] (512 != 2048)"]
        return self.fc(h)  # E: mypy[
        #     dfdx-shape "Linear[2048, 10]: takes 2048 features, got Tensor[B, 512] "
        #     "(512 != 2048)"]


class Residual(Module):
    """A residual block whose conv changes the channels: the sum fits only where the block is
    built with as many channels out as in."""

    def __init__(self, in_ch: int, out_ch: int, padding: int = 1) -> None:
        super().__init__()
        self.conv = Conv2d(in_ch, out_ch, 3, padding=padding)

    def forward(self, x: Tensor[B, Dyn, H, W, T]) -> Tensor[B, Dyn, H, W, T]:
        return x + self.conv(x)  # E: mypy[
        #     dfdx-shape "add: shapes do not broadcast: Tensor[B, 16, 8, 8] and "
        #     "Tensor[B, 32, 8, 8] (axis -3: 16 != 32) (in Residual(16, 32)" " built at line 97)",
        #     dfdx-shape "add: shapes do not broadcast: Tensor[B, Dyn, 8, 8] and "
        #     "Tensor[B, 16, 6, 6] (axis -2: 8 != 6) (in Residual(16, 16, "
        #     "padding=0) built at line 101)",
        #     dfdx-shape "add: shapes do not broadcast: Tensor[B, 16, 8, 8] and "
        #     "Tensor[B, 24, 8, 8] (axis -3: 16 != 24) (in Residual(16, 24)" " built at line 146)"]


class Net(Module):
    def __init__(self) -> None:
        super().__init__()
        self.ok = Residual(16, 16)
        self.wide = Residual(16, 32)  # E: mypy[
        #     dfdx-shape "out_ch is given here; used at line 83: add: shapes do not "
        #     "broadcast: Tensor[B, 16, 8, 8] and Tensor[B, 32, 8, 8] (axis"
        #     " -3: 16 != 32) (in Residual(16, 32) built at line 97)"]
        self.valid = Residual(16, 16, padding=0)  # E: mypy[
        #     dfdx-shape "padding is given here; used at line 83: add: shapes do not "
        #     "broadcast: Tensor[B, Dyn, 8, 8] and Tensor[B, 16, 6, 6] "
        #     "(axis -2: 8 != 6) (in Residual(16, 16, padding=0) built at " "line 101)"]

    def forward(self, x: Tensor[B, L[16], L[8], L[8], T]) -> Tensor[B, Dyn, L[8], L[8], T]:
        return self.valid(self.wide(self.ok(x)))


class MixFFN(Module, Generic[D]):
    def __init__(self, dim: D, ratio: int) -> None:
        super().__init__()
        hidden = dim * ratio
        self.norm = LayerNorm(dim)
        self.fc1 = Linear(dim, hidden)  # E: mypy[
        #     dfdx-shape "self.fc1 is built here; its output reaches line 126: Linear[128, 32]: t"
        #     "akes 128 features, got Tensor[B, N, 64] (64 != 128) (in MixFFN(32, ratio=2) built"
        #     " at line 135)"]
        self.fc2 = Linear(dim * 4, dim)  # E: mypy[
        #     dfdx-shape "self.fc2 is built here; called at line 126: Linear[128, 32]: "
        #     "takes 128 features, got Tensor[B, N, 64] (64 != 128) (in MixFFN(32, ratio=2) built"
        #     " at line 135)"]

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        h = self.fc1(self.norm(x)).gelu()
        return x + self.fc2(h)  # E: mypy[
        #     dfdx-shape "Linear[128, 32]: takes 128 features, got Tensor[B, N, 64] "
        #     "(64 != 128) (in MixFFN(32, ratio=2) built at line 135)"]


class Mixer(Module):
    def __init__(self) -> None:
        super().__init__()
        self.ffn = MixFFN(32, ratio=4)
        self.narrow = MixFFN(32, ratio=2)

    def forward(self, x: Tensor[B, N, L[32], T]) -> Tensor[B, N, L[32], T]:
        return self.narrow(self.ffn(x))


class Tower(Module):
    def __init__(self) -> None:
        super().__init__()
        self.blocks = Sequential(
            Residual(16, 16),
            Residual(16, 24),  # E: mypy[
            #     dfdx-shape "out_ch is given here; used at line 83: add: shapes do not "
            #     "broadcast: Tensor[B, 16, 8, 8] and Tensor[B, 24, 8, 8] (axis"
            #     " -3: 16 != 24) (in Residual(16, 24) built at line 146)"]
        )

    def forward(self, x: Tensor[B, L[16], L[8], L[8], T]) -> Tensor[B, Dyn, L[8], L[8], T]:
        return self.blocks(x)
