"""A value joined from the branches of an ``if`` passed to the user's generic function, whose
result is returned where the declared type has the block's own channels: the split path
(``x.chunk(2)`` kept, the other half projected: ``(CI+1)//2+CO//2`` channels) is right only
where the input's channels are the output's, which the branch's condition (the stride) holds
but the checker does not read; the strided path gives ``CO``. Where one path fits the declared
type and the others differ from it only in sizes the code may make equal, the call's value is
the declared type."""

# rules: movement, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Module, ReLU, Sequential

N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def scale_channels(x: Tensor[N, C, H, W, T], factor: float) -> Tensor[N, C, H, W, T]:
    return x * factor


class SplitBlock(Module, Generic[CI, CO]):
    def __init__(self, cin: CI, cout: CO, stride: int) -> None:
        super().__init__()
        self.stride = stride
        half = cout // 2
        self.proj = Conv2d(cin // 2, half, 1)
        self.down = Conv2d(cin, cout, 3, stride=2, padding=1)
        self.bn = BatchNorm2d(cout)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Dyn, Dyn, T]:
        if self.stride == 1:
            keep, rest = x.chunk(2, axis=1)
            out = dx.cat([keep, self.proj(rest)], axis=1)
        else:
            out = self.down(x)
        return scale_channels(out, 0.5)

    def normalized(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Dyn, Dyn, T]:
        if self.stride > 1:
            y = self.bn(self.down(x))
        else:
            a, b = x.chunk(2, axis=1)
            y = dx.cat([self.proj(a), b], axis=1)
        scaled: Tensor[N, CO, Dyn, Dyn, T] = scale_channels(y, 2.0)
        return scaled


class ShuffleUnit(Module, Generic[CI, CO]):
    """The strided path joins a branch built only where the stride is above 1 (an empty
    ``Sequential`` otherwise, which would keep ``CI`` channels: a path the stride rules out)."""

    def __init__(self, cin: CI, cout: CO, stride: int) -> None:
        super().__init__()
        self.stride = stride
        if stride > 1:
            self.side = Sequential(Conv2d(cin, cout // 2, 3, stride=2, padding=1), ReLU())
        else:
            self.side = Sequential()
        self.main = Conv2d(cin, cout // 2, 3, stride=stride, padding=1)
        self.half = Conv2d(cin // 2, cout // 2, 3, padding=1)

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, Dyn, Dyn, T]:
        if self.stride > 1:
            out = dx.cat([self.side(x), self.main(x)], axis=1)
        else:
            kept, rest = x.chunk(2, axis=1)
            out = dx.cat([kept, self.half(rest)], axis=1)
        return scale_channels(out, 1.0)


same: SplitBlock[L[16], L[16]] = SplitBlock(16, 16, 1)
down: SplitBlock[L[16], L[32]] = SplitBlock(16, 32, 2)
x = dx.randn(2, 16, 8, 8).trace()
assert_type(same(x), Tensor[L[2], L[16], L[8], L[8], OwnedTape])
y = down.normalized(x)
assert_type(y, Tensor[L[2], L[32], Dyn, Dyn, OwnedTape])
assert same(x).shape == (2, 16, 8, 8) and y.shape == (2, 32, 4, 4)
unit: ShuffleUnit[L[16], L[32]] = ShuffleUnit(16, 32, 2)
assert_type(unit(x), Tensor[L[2], L[32], L[4], L[4], OwnedTape])
assert unit(x).shape == (2, 32, 4, 4)
flat: ShuffleUnit[L[16], L[16]] = ShuffleUnit(16, 16, 1)
assert flat(x).shape == (2, 16, 8, 8)
