"""Mistakes with 1-d pools, gated linear units and repeat_interleave, each reported on its
line: a 1-d pool given an image, a padding over half the kernel, a gate over an odd number of
channels (in a module's forward and in a Sequential), a pooled length assumed without the
stride, a negative repeat count and an axis the tensor lacks."""

# rules: conv, reduce, movement, nn

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class GatedBlock(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = dx.nn.Conv1d(16, 31, 3, padding=1)
        self.glu = dx.nn.GLU(axis=1)  # E: mypy[dfdx-shape "self.glu is built here; called at "
        #     "line 30: GLU: axis 1 of Tensor[B, 31, 40] has odd size 31; glu halves it (a gate "
        #     "for each value)"]

    def forward(self, x: Tensor[B, L[16], L[40], T]) -> Tensor[B, L[16], L[40], T]:
        h = self.conv(x)  # E: mypy[dfdx-shape "h is assigned here; used at line 30: GLU: axis 1 "
        #     "of Tensor[B, 31, 40] has odd size 31; glu halves it (a gate for each value)"]
        return self.glu(h)  # E: mypy[dfdx-shape "GLU: axis 1 of Tensor[B, 31, 40] has odd size "
        #     "31; glu halves it (a gate for each value)"]


class Frames(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pool = dx.nn.MaxPool1d(3, stride=2)  # E: mypy[dfdx-shape "self.pool is built here; "
        #     "called at line 42: MaxPool1d: gives Tensor[B, 8, 24], the return type is Tensor[B, "
        #     "8, 16] (24 != 16)"]

    def forward(self, x: Tensor[B, L[8], L[50], T]) -> Tensor[B, L[8], L[16], T]:
        return self.pool(x)  # E: mypy[dfdx-shape "MaxPool1d: gives Tensor[B, 8, 24], the return "
        #     "type is Tensor[B, 8, 16] (24 != 16)"]


def image_pool(x: Tensor[B, L[3], L[32], L[32], T]) -> None:
    dx.max_pool1d(x, 2)  # E: mypy[dfdx-shape "max_pool1d: expected a 3-d input (N, C, L), got "
    #     "Tensor[B, 3, 32, 32]"]
    dx.nn.AdaptiveAvgPool1d(4)(x)  # E: mypy[dfdx-shape "adaptive_avg_pool1d: expected a 3-d "
    #     "input (N, C, L), got Tensor[B, 3, 32, 32]"]


def wide_padding(x: Tensor[B, L[8], L[50], T]) -> None:
    dx.avg_pool1d(x, 2, padding=2)  # E: mypy[dfdx-shape "avg_pool1d: padding 2 is more than half "
    #     "the kernel size 2"]


def odd_gate(x: Tensor[B, S, L[63], T]) -> None:
    dx.glu(x)  # E: mypy[dfdx-shape "glu: axis -1 of Tensor[B, S, 63] has odd size 63; glu halves "
    #     "it (a gate for each value)"]


gated = dx.nn.Sequential(dx.nn.Linear(8, 15), dx.nn.GLU())
gated(dx.randn(4, 8))  # E: mypy[dfdx-shape "GLU: axis -1 of Tensor[4, 15] has odd size 15; glu "
#     "halves it (a gate for each value)"]


def repeated(x: Tensor[B, S, L[8], T]) -> None:
    x.repeat_interleave(-1, axis=1)  # E: mypy[dfdx-shape "repeat_interleave: repeats must be >= "
    #     "0, got -1"]
    dx.repeat_interleave(x, 2, axis=3)  # E: mypy[dfdx-shape "repeat_interleave: axis 3 is out of "
    #     "range for Tensor[B, S, 8]"]
