"""A binary op with an operand typed ``Any`` has the other operand's type, so a mistake
made after it is still reported: the graph convolution's nodes transposed before its
linear layer, a block's output (its shortcut a ``Module | None`` field's call joined with
the input) given to a 1x1 head built for the input's channels. (The sum itself is not
checked against the input's member: the ``Any`` member, the projection, may be the path
that fits, as torchvision's strided shortcut does.)"""

# rules: binary

from typing import Any, Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Linear, Module, Sequential

B = TypeVar("B", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
N = TypeVar("N", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class GraphConv(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.lin = Linear(dim, dim)  # E: mypy[dfdx-shape "self.lin is built here; called at line 3"
        #     "6: Linear[D, D]: takes D features, got Tensor[B, D, N] (N != D)"]

    def forward(self, x: Tensor[B, N, D, T], adj: Any) -> Tensor[B, N, D, T]:
        h = dx.add(x, adj @ x)  # E: mypy[dfdx-shape "h is assigned here; used at line 36: Linear[D"
        #     ", D]: takes D features, got Tensor[B, D, N] (N != D)"]
        return self.lin(h.transpose(1, 2))  # E: mypy[dfdx-shape "Linear[D, D]: takes D features, g"
        #     "ot Tensor[B, D, N] (N != D)"]


class Block(Module, Generic[CI, CO]):
    def __init__(self, inplanes: CI, planes: CO, stride: int = 1) -> None:
        super().__init__()
        self.conv = Conv2d(inplanes, planes, 3, stride=stride, padding=1)
        self.bn = BatchNorm2d(planes)
        self.downsample: Module | None = None
        if stride != 1 or inplanes != planes:
            self.downsample = Sequential(
                Conv2d(inplanes, planes, 1, stride=stride), BatchNorm2d(planes)
            )
        self.head = Conv2d(inplanes, 1, 1)  # E: mypy[dfdx-shape "self.head is built here; called a"
        #     "t line 60: conv2d: input channels differ: input Tensor[B, CO, (H-1)//stride+1, (W-"
        #     "1)//stride+1], weight Tensor[1, CI, 1, 1]"]

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, L[1], int, int, T]:
        out = self.bn(self.conv(x))
        identity = x
        if self.downsample is not None:
            identity = self.downsample(x)
        out = out + identity
        return self.head(out.relu())  # E: mypy[dfdx-shape "conv2d: input channels differ: input Te"
        #     "nsor[B, CO, (H-1)//stride+1, (W-1)//stride+1], weight Tensor[1, CI, 1, 1]"]
