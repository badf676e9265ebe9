"""A temporal convolutional network built the way locuslab's TCN is: levels of dilated causal
convolutions built in a loop over a ``channels: list[int]``, the dilation doubling per level
(``2**i``, an int the plugin does not follow), each level trimming its padding. A level is a
generic module of its own (``Level[CI, CO]``, ``kernel_size: int`` and ``dilation: int`` read
as sizes): its padding and its trim are checked inside it, whatever the loop gives it. The loop's
levels have sizes no type states, so the network's last width is its own argument (``CH``,
``out_channels``) and the head is built on it, not on ``channels[-1]``: the head then takes the
network's output on its channel axis."""

# rules: binary, indexing, nn

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, Linear, Module, ModuleList

N = TypeVar("N", bound=int)
S = TypeVar("S", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
CH = TypeVar("CH", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Level(Module, Generic[CI, CO]):
    def __init__(self, n_in: CI, n_out: CO, kernel_size: int, dilation: int) -> None:
        super().__init__()
        self.pad = (kernel_size - 1) * dilation
        self.conv = Conv1d(n_in, n_out, kernel_size, padding=self.pad, dilation=dilation)
        self.down = Conv1d(n_in, n_out, 1)

    def forward(self, x: Tensor[N, CI, S, T]) -> Tensor[N, CO, S, T]:
        out = self.conv(x)
        assert_type(out, Tensor[N, CO, Expr[L["dilation*kernel_size+S-dilation"]], T])
        out = out[:, :, : out.shape[2] - self.pad]  # the padding trimmed: causal
        assert_type(out, Tensor[N, CO, S, T])
        return (out + self.down(x)).relu()


class TemporalConvNet(Module, Generic[CI, CH, K]):
    def __init__(
        self, n_in: CI, channels: list[int], out_channels: CH, n_classes: K, kernel_size: int = 2
    ) -> None:
        super().__init__()
        levels: list[Level[Any, Any]] = []
        in_c: int = n_in
        for i, c in enumerate(channels):
            levels.append(Level(in_c, c, kernel_size, dilation=2**i))
            in_c = c
        self.levels = ModuleList(levels)
        self.last = Level(in_c, out_channels, kernel_size, dilation=2 ** len(channels))
        self.head = Linear(out_channels, n_classes)

    def forward(self, x: Tensor[N, CI, S, T]) -> Tensor[N, K, T]:
        h: Tensor[N, Any, S, T] = x
        for level in self.levels:
            h = level(h)
        y = self.last(h)
        assert_type(y, Tensor[N, CH, S, T])
        return self.head(y[:, :, -1]).log_softmax(axis=1)


net: TemporalConvNet[L[2], L[6], L[3]] = TemporalConvNet(2, [4, 5], 6, 3, kernel_size=3)
assert net(dx.randn(2, 2, 9)).shape == (2, 3)
