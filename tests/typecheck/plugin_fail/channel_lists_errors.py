"""The mistakes of locuslab's TCN found where the network is written as
``plugin_pass/channel_lists.py`` writes it: a level whose trim ignores the dilation
(``kernel_size - 1``, Chomp1d's ``x[:, :, :-chomp]``: the output keeps
``(dilation-1)*(kernel_size-1)`` extra steps, equal to the input's only for a dilation of 1;
blamed on the convolution and its padding, either of which may be the mistake), and a head on
the last channel instead of the last time step (``y[:, -1, :]`` has ``S`` features where the
head takes ``CH``)."""

# rules: binary, indexing, nn

from typing import Any, Generic, TypeVar

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, Linear, Module, ModuleList

N = TypeVar("N", bound=int)
S = TypeVar("S", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
CH = TypeVar("CH", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class ChompedLevel(Module, Generic[CI, CO]):
    def __init__(self, ci: CI, co: CO, kernel_size: int, dilation: int) -> None:
        super().__init__()
        self.pad = (kernel_size - 1) * dilation
        self.trim = kernel_size - 1
        self.conv = Conv1d(ci, co, kernel_size, 1, self.pad, dilation)  # E: mypy[dfdx-shape "self."
        #     "conv is built here; its output reaches line 45: add: shapes do not broadcast: Tensor"
        #     "[N, CO, dilation*kernel_size+S-dilation-kernel_size+1] and Tensor[N, CO, S] (axis -1"
        #     ": dilation*kernel_size+S-dilation-kernel_size+1 != S)"]
        self.down = Conv1d(ci, co, 1)  # E: mypy[dfdx-shape "self.down is built here; its output re"
        #     "aches line 45: add: shapes do not broadcast: Tensor[N, CO, dilation*kernel_size+S-di"
        #     "lation-kernel_size+1] and Tensor[N, CO, S] (axis -1: dilation*kernel_size+S-dilation"
        #     "-kernel_size+1 != S)"]

    def forward(self, x: Tensor[N, CI, S, T]) -> Tensor[N, CO, int, T]:
        out = self.conv(x)
        out = out[:, :, : -self.trim]  # E: mypy[dfdx-shape "out is assigned here; used at line 45:"
        #     " add: shapes do not broadcast: Tensor[N, CO, dilation*kernel_size+S-dilation-kernel_"
        #     "size+1] and Tensor[N, CO, S] (axis -1: dilation*kernel_size+S-dilation-kernel_size+1"
        #     " != S)"]
        return (out + self.down(x)).relu()  # E: mypy[dfdx-shape "add: shapes do not broadcast: Ten"
        #     "sor[N, CO, dilation*kernel_size+S-dilation-kernel_size+1] and Tensor[N, CO, S] (axis"
        #     " -1: dilation*kernel_size+S-dilation-kernel_size+1 != S)"]


class Level(Module, Generic[CI, CO]):
    def __init__(self, n_in: CI, n_out: CO, kernel_size: int, dilation: int) -> None:
        super().__init__()
        self.pad = (kernel_size - 1) * dilation
        self.conv = Conv1d(n_in, n_out, kernel_size, 1, self.pad, dilation)
        self.down = Conv1d(n_in, n_out, 1)

    def forward(self, x: Tensor[N, CI, S, T]) -> Tensor[N, CO, S, T]:
        out = self.conv(x)
        out = out[:, :, : out.shape[2] - self.pad]
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
        self.head = Linear(out_channels, n_classes)  # E: mypy[dfdx-shape "self.head is built here;"
        #     " called at line 83: Linear[CH, K]: takes CH features, got Tensor[N, S] (S != CH)"]

    def forward(self, x: Tensor[N, CI, S, T]) -> Tensor[N, K, T]:
        h: Tensor[N, Any, S, T] = x
        for level in self.levels:
            h = level(h)
        y = self.last(h)
        return self.head(y[:, -1, :]).log_softmax(axis=1)  # E: mypy[dfdx-shape "Linear[CH, K]: tak"
        #     "es CH features, got Tensor[N, S] (S != CH)"]
