"""A residual block that chooses its shortcut in ``__init__`` by assigning the field again, as
kuangliu's pytorch-cifar and most ResNet/PreAct/SE ports write it: ``self.shortcut =
Sequential()``, then the projection where the stride or the width changes, or the projection
first and an empty ``Sequential()`` in the ``else`` (ShuffleNetV2's ``branch1``). With the
plugin, the field holds either (mypy alone types it by its first assignment: the other one is
"too many" or "too few arguments"), and the sum in ``forward`` is checked against the
projection; where the identity is taken, the condition holds the sizes equal. The annotated
spellings plain mypy needs (``Sequential[Any]``, ``Module``) are checked the same way."""

# rules: binary, nn

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Identity, Linear, Module, ReLU, Sequential

N = TypeVar("N", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class BasicBlock(Module, Generic[CI, CO]):
    expansion = 1

    def __init__(self, in_planes: CI, planes: CO, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = BatchNorm2d(planes)
        self.conv2 = Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = BatchNorm2d(planes)

        self.shortcut = Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = Sequential(
                Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False),
                BatchNorm2d(planes),
            )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        out = dx.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + self.shortcut(x)
        out = dx.relu(out)
        return out

    __call__ = forward


class DownBranch(Module, Generic[CI, CO]):
    """ShuffleNetV2's first branch: a depthwise downsampling where the stride is 2, nothing
    (an empty ``Sequential``) where it is 1."""

    def __init__(self, inp: CI, oup: CO, stride: int) -> None:
        super().__init__()
        if stride > 1:
            self.branch1 = Sequential(
                Conv2d(inp, inp, 3, stride=stride, padding=1, groups=inp, bias=False),
                BatchNorm2d(inp),
                Conv2d(inp, oup, 1, bias=False),
                BatchNorm2d(oup),
                ReLU(),
            )
        else:
            self.branch1 = Sequential()
        self.branch2 = Sequential(
            Conv2d(inp, oup, 3, stride=stride, padding=1, bias=False),
            BatchNorm2d(oup),
            ReLU(),
        )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        return self.branch1(x) + self.branch2(x)

    __call__ = forward


class IdentityShortcut(Module, Generic[CI, CO]):
    def __init__(self, in_planes: CI, planes: CO, stride: int = 1) -> None:
        super().__init__()
        self.conv = Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn = BatchNorm2d(planes)
        if stride == 1 and in_planes == planes:
            self.shortcut = Identity()
        else:
            self.shortcut = dx.nn.Sequential(
                Conv2d(in_planes, planes, 1, stride=stride, bias=False), BatchNorm2d(planes)
            )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        out = self.bn(self.conv(x))
        out += self.shortcut(x)
        return dx.relu(out)

    __call__ = forward


class AnnotatedShortcut(Module, Generic[CI, CO]):
    """The spellings plain mypy accepts: the field declared ``Sequential[Any]`` or ``Module``."""

    def __init__(self, in_planes: CI, planes: CO, stride: int = 1) -> None:
        super().__init__()
        self.conv = Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn = BatchNorm2d(planes)
        self.shortcut: Sequential[Any] = Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = Sequential(
                Conv2d(in_planes, planes, 1, stride=stride, bias=False), BatchNorm2d(planes)
            )
        self.skip: Module = Identity()
        if stride != 1 or in_planes != planes:
            self.skip = Sequential(
                Conv2d(in_planes, planes, 1, stride=stride, bias=False), BatchNorm2d(planes)
            )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Any, Any, T]:
        out = self.bn(self.conv(x))
        return dx.relu(out + self.shortcut(x) + self.skip(x))

    __call__ = forward


down: BasicBlock[L[4], L[8]] = BasicBlock(4, 8, stride=2)
same: BasicBlock[L[8], L[8]] = BasicBlock(8, 8)
branch: DownBranch[L[8], L[8]] = DownBranch(8, 8, 2)
shortcut: IdentityShortcut[L[8], L[16]] = IdentityShortcut(8, 16, 2)
annotated: AnnotatedShortcut[L[16], L[16]] = AnnotatedShortcut(16, 16)
head = Linear(16, 10)
images = dx.tensor(np.random.default_rng(0).standard_normal((2, 4, 8, 8)).astype(np.float32))
x: Tensor[Dyn, L[4], Dyn, Dyn, NoneTape] = images
features = annotated(shortcut(branch(same(down(x)))))
assert_type(features, Tensor[Dyn, L[16], Any, Any, NoneTape])
logits = head(features.mean(axis=(2, 3)))
assert logits.shape == (2, 10)
