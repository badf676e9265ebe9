"""A shortcut chosen in ``__init__`` by assigning the field again (``self.shortcut =
Sequential()``, then the projection), built wrong: without its stride, or of the wrong width.
The field holds the identity or the projection; the sum in ``forward`` fits neither, and the
projection's layer that set the size is reported where it is built."""

# rules: binary, nn

from typing import Any, Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Identity, Module, Sequential

N = TypeVar("N", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class NoStride(Module, Generic[CI, CO]):
    def __init__(self, in_planes: CI, planes: CO, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)  # E: mypy[
        #     dfdx-shape "self.conv1 is built here with stride=stride (stride=1 gives the size want"
        #     "ed); its output reaches line 41: add: shapes do not broadcast: Tensor[N, CO, (H-1)//"
        #     "stride+1, (W-1)//stride+1] and Tensor[N, CO, H, W] (axis -2: (H-1)//stride+1 != H)"]
        self.bn1 = BatchNorm2d(planes)
        self.shortcut = Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = Sequential(
                Conv2d(in_planes, planes, kernel_size=1, bias=False),  # E: mypy[
                #     dfdx-shape "layer 1 of self.shortcut is built here; its output reaches line 4"
                #     "1: add: shapes do not broadcast: Tensor[N, CO, (H-1)//stride+1, (W-1)//strid"
                #     "e+1] and Tensor[N, CO, H, W] (axis -2: (H-1)//stride+1 != H)"]
                BatchNorm2d(planes),
            )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        out = self.bn1(self.conv1(x)) + self.shortcut(x)  # E: mypy[dfdx-shape "add: shapes do not "
        #     "broadcast: Tensor[N, CO, (H-1)//stride+1, (W-1)//stride+1] and Tensor[N, CO, H, W] ("
        #     "axis -2: (H-1)//stride+1 != H)"]
        return dx.relu(out)

    __call__ = forward


class WrongWidth(Module, Generic[CI, CO]):
    def __init__(self, in_planes: CI, planes: CO, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)  # E: mypy[
        #     dfdx-shape "self.conv1 is built here; called at line 70: add: shapes do not broadcast"
        #     ": Tensor[N, CO, (H-1)//stride+1, (W-1)//stride+1] and Tensor[N, CI, (H-1)//stride+1,"
        #     " (W-1)//stride+1] (axis -3: CO != CI)"]
        self.bn1 = BatchNorm2d(planes)
        if stride == 1 and in_planes == planes:
            self.shortcut = Identity()
        else:
            self.shortcut = Sequential(
                Conv2d(in_planes, in_planes, 1, stride=stride, bias=False),  # E: mypy[
                #     dfdx-shape "layer 1 of self.shortcut is built here; its output reaches line 7"
                #     "0: add: shapes do not broadcast: Tensor[N, CO, (H-1)//stride+1, (W-1)//strid"
                #     "e+1] and Tensor[N, CI, (H-1)//stride+1, (W-1)//stride+1] (axis -3: CO != CI)"
                #     ""]
                BatchNorm2d(in_planes),
            )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        return dx.relu(self.bn1(self.conv1(x)) + self.shortcut(x))  # E: mypy[dfdx-shape "add: shap"
        #     "es do not broadcast: Tensor[N, CO, (H-1)//stride+1, (W-1)//stride+1] and Tensor[N, C"
        #     "I, (H-1)//stride+1, (W-1)//stride+1] (axis -3: CO != CI)"]

    __call__ = forward
