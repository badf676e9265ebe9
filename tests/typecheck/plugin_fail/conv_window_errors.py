"""Windows whose kernel, padding and dilation are a generic module's own sizes, written
wrong: a padding that grows the length (a causal padding, never trimmed), a causal padding
that forgets the dilation, a dilated convolution padded for dilation 1. Each is reported where
the size meets what it should be, where the layer is built, and where its padding is computed
(as a name); a size that only a size of 1 would fix is a mistake, as a generic module does not
rely on a kernel or a dilation of 1. Without a layer (the functional ``conv1d``), mypy's own
error stands."""

# rules: conv, nn, indexing

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
C = TypeVar("C", bound=int)
K = TypeVar("K", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class DepthwiseConv(Module, Generic[C, K]):
    def __init__(self, channels: C, kernel_size: K) -> None:
        super().__init__()
        # a causal padding, never trimmed
        padding = kernel_size - 1  # E: mypy[dfdx-shape "padding is assigned here; it is the paddi"
        #     "ng of self.conv, whose output reaches line 44: relu: gives Tensor[B, C, K+S-1], th"
        #     "e return type is Tensor[B, C, S] (K+S-1 != S)"]
        self.conv = Conv1d(  # E: mypy[dfdx-shape "self.conv is built here; its output reaches"
            #     " line 44: relu: gives Tensor[B, C, K+S-1], the return type is Tensor[B, C, S] ("
            #     "K+S-1 != S)"]
            channels,
            channels,
            kernel_size,
            padding=padding,
            groups=channels,
        )

    def forward(self, x: Tensor[B, C, S, T]) -> Tensor[B, C, S, T]:
        h = self.conv(x)
        return h.relu()  # E: mypy[dfdx-shape "relu: gives Tensor[B, C, K+S-1], the return type i"
        #     "s Tensor[B, C, S] (K+S-1 != S)"]


class CausalConv1d(Module, Generic[C, K, D]):
    def __init__(self, channels: C, kernel_size: K, dilation: D) -> None:
        super().__init__()
        # the dilation forgotten
        self.pad = kernel_size - 1  # E: mypy[dfdx-shape "self.pad is assigned here; it is the pa"
        #     "dding of self.conv, whose output reaches line 67: index: gives Tensor[B, C, -D*K+D+"
        #     "K+S-1], the return type is Tensor[B, C, S] (-D*K+D+K+S-1 != S)"]
        self.conv = Conv1d(  # E: mypy[dfdx-shape "self.conv is built here; its output reaches"
            #     " line 67: index: gives Tensor[B, C, -D*K+D+K+S-1], the return type is Tensor[B,"
            #     " C, S] (-D*K+D+K+S-1 != S)"]
            channels,
            channels,
            kernel_size,
            padding=self.pad,
            dilation=dilation,
        )

    def forward(self, x: Tensor[B, C, S, T]) -> Tensor[B, C, S, T]:
        out = self.conv(x)
        return out[:, :, : -self.pad]  # E: mypy[dfdx-shape "index: gives Tensor[B, C, -D*K+D+K+"
        #     "S-1], the return type is Tensor[B, C, S] (-D*K+D+K+S-1 != S)"]


def causal(x: Tensor[B, C, S, T], w: Tensor[C, C, K, NoneTape], k: K) -> Tensor[B, C, S, T]:
    return dx.conv1d(x, w, padding=k - 1)  # E: mypy[dfdx-shape "conv1d: gives Tensor[B, C, K+S-"
    #     "1], the return type is Tensor[B, C, S] (K+S-1 != S)"]


class DilatedResidual(Module, Generic[C, D]):
    def __init__(self, channels: C, dilation: D) -> None:
        super().__init__()
        # padded for a dilation of 1: padding=dilation keeps the length
        self.conv = Conv1d(channels, channels, 3, padding=1, dilation=dilation)  # E: mypy[
        #     dfdx-shape "self.conv is built here; its output reaches line 85: add: shapes do not b"
        #     "roadcast: Tensor[B, C, S] and Tensor[B, C, -2*D+S+2] (axis -1: S != -2*D+S+2)"]

    def forward(self, x: Tensor[B, C, S, T]) -> Tensor[B, C, S, T]:
        return x + self.conv(x).relu()  # E: mypy[dfdx-shape "add: shapes do not broadcast: Ten"
        #     "sor[B, C, S] and Tensor[B, C, -2*D+S+2] (axis -1: S != -2*D+S+2)"]


class Chomp(Module, Generic[C]):
    """The kernel size and dilation as plain ``int`` arguments: sizes of their own."""

    def __init__(self, channels: C, kernel_size: int, dilation: int) -> None:
        super().__init__()
        self.chomp = (kernel_size - 1) * dilation
        self.conv = Conv1d(  # E: mypy[dfdx-shape "self.conv is built here; called at line 107: C"
            #     "onv1d[C, C]: gives Tensor[B, C, dilation*kernel_size+S-dilation], the return typ"
            #     "e is Tensor[B, C, S] (dilation*kernel_size+S-dilation != S)"]
            channels,
            channels,
            kernel_size,
            padding=self.chomp,
            dilation=dilation,
        )

    def forward(self, x: Tensor[B, C, S, T]) -> Tensor[B, C, S, T]:
        # the padding not trimmed off the end
        return self.conv(x)  # E: mypy[dfdx-shape "Conv1d[C, C]: gives Tensor[B, C, dilation*kernel"
        #     "_size+S-dilation], the return type is Tensor[B, C, S] (dilation*kernel_size+S-dilat"
        #     "ion != S)"]
