"""One mistake does not hide the next: after an op the plugin reports, its result keeps the
best type known, so the lines after it are still checked and their own mistakes reported,
with no error that only follows from the first. A broadcast keeps the left operand's size at
the axis at fault (``h = h + emb`` keeps ``h``'s), a reshape the sizes it is given, a matmul
its outer sizes (a missing transpose: the product it was meant to be), a concatenation the
first tensor's sizes and the sum, a permute the axes it names."""

# rules: binary, movement, linalg, nn

from typing import Generic, TypeVar
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, GroupNorm, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
E = TypeVar("E", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class TimeBlock(Module, Generic[CI, CO, E]):
    """A diffusion model's block: the time embedding added to the features, then a norm; both
    built on the input width by mistake."""

    def __init__(self, ci: CI, co: CO, e: E) -> None:
        super().__init__()
        self.conv = Conv2d(ci, co, 3, padding=1, rng=rng)  # E: mypy[
        #     dfdx-shape "self.conv is built here; called at line 52: add: shapes do not broadcas"
        #     "t: Tensor[B, CO, H, W] and Tensor[B, CI, 1, 1] (axis -3: CO != CI)",
        #     dfdx-shape "self.conv is built here; its output reaches line 60: GroupNorm[CI]: tak"
        #     "es CI channels on axis 1, got Tensor[B, CO, H, W] (CO != CI)"]
        self.temb = Linear(e, ci, rng=rng)  # E: mypy[
        #     dfdx-shape "self.temb is built here; called at line 55: add: shapes do not broadcas"
        #     "t: Tensor[B, CO, H, W] and Tensor[B, CI, 1, 1] (axis -3: CO != CI)"]
        self.norm = GroupNorm(1, ci)  # E: mypy[
        #     dfdx-shape "self.norm is built here; called at line 60: GroupNorm[CI]: takes CI cha"
        #     "nnels on axis 1, got Tensor[B, CO, H, W] (CO != CI)"]

    def forward(self, x: Tensor[B, CI, H, W, T], emb: Tensor[B, E, T]) -> Tensor[B, CO, H, W, T]:
        h = self.conv(x)  # E: mypy[
        #     dfdx-shape "h is assigned here; used at line 55: add: shapes do not broadcast: Tens"
        #     "or[B, CO, H, W] and Tensor[B, CI, 1, 1] (axis -3: CO != CI)"]
        h = h + self.temb(emb)[:, :, None, None]  # E: mypy[
        #     dfdx-shape "add: shapes do not broadcast: Tensor[B, CO, H, W] and Tensor[B, CI, 1, "
        #     "1] (axis -3: CO != CI)",
        #     dfdx-shape "h is assigned here; used at line 60: GroupNorm[CI]: takes CI channels o"
        #     "n axis 1, got Tensor[B, CO, H, W] (CO != CI)"]
        h = self.norm(h)  # E: mypy[dfdx-shape "GroupNorm[CI]: takes CI channels on axis 1, got Ten"
        #     "sor[B, CO, H, W] (CO != CI)"]
        return h


class Up(Module, Generic[C]):
    """A skip concatenated at the wrong resolution, then a convolution on half the channels."""

    def __init__(self, c: C) -> None:
        super().__init__()
        self.conv = Conv2d(c, c, 3, padding=1, rng=rng)  # E: mypy[
        #     dfdx-shape "self.conv is built here; called at line 82: conv2d: input channels diff"
        #     "er: input Tensor[B, 2*C, 8, 8], weight Tensor[C, C, 3, 3]"]

    def forward(
        self, x: Tensor[B, C, L[8], L[8], T], skip: Tensor[B, C, L[16], L[16], T]
    ) -> Tensor[B, C, L[8], L[8], T]:
        h = dx.concat([x, skip], axis=1)  # E: mypy[
        #     dfdx-shape "concat: sizes differ on axis 2: Tensor[B, C, 8, 8] and Tensor[B, C, 16,"
        #     " 16] (8 != 16)",
        #     dfdx-shape "h is assigned here; used at line 82: conv2d: input channels differ: inp"
        #     "ut Tensor[B, 2*C, 8, 8], weight Tensor[C, C, 3, 3]"]
        return self.conv(h)  # E: mypy[dfdx-shape "conv2d: input channels differ: input Tensor[B, 2"
        #     "*C, 8, 8], weight Tensor[C, C, 3, 3]"]


def project(
    x: Tensor[L[2], L[6], L[8], T], w: Tensor[L[12], L[3], NoneTape]
) -> Tensor[L[2], L[4], L[3], T]:
    h = x.reshape(-1, 4, 10)  # E: mypy[
    #     dfdx-shape "reshape: cannot reshape Tensor[2, 6, 8] (96 elements) to Tensor[-1, 4, 10] "
    #     "(96 is not a multiple of 40)",
    #     dfdx-shape "h is assigned here; used at line 94: matmul: inner sizes differ: Tensor[Dyn"
    #     ", 4, 10] @ Tensor[12, 3] (10 != 12)"]
    return h @ w  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[Dyn, 4, 10] @ Tensor[12,"
    #     " 3] (10 != 12)"]


def scores(q: Tensor[B, S, D, T], k: Tensor[B, S, D, T], mask: Tensor[D, D, NoneTape]) -> None:
    w = q @ k  # E: mypy[
    #     dfdx-shape "matmul: inner sizes differ: Tensor[B, S, D] @ Tensor[B, S, D] (D != S)",
    #     dfdx-shape "w is assigned here; used at line 103: add: shapes do not broadcast: Tensor["
    #     "B, S, S] and Tensor[D, D] (axis -2: S != D)"]
    w = w + mask  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, S, S] and Tensor[D,"
    #     " D] (axis -2: S != D)"]
    w.softmax(axis=-1)


def channels_last(x: Tensor[B, C, H, W, T], bias: Tensor[C, NoneTape]) -> Tensor[B, H, W, C, T]:
    h = x.permute(0, 2, 3)  # E: mypy[
    #     dfdx-shape "permute: Tensor[B, C, H, W] has 4 axes, got 3: (0, 2, 3)",
    #     dfdx-shape "h is assigned here; used at line 113: add: shapes do not broadcast: Tensor["
    #     "B, H, W] and Tensor[C] (axis -1: W != C)"]
    return h + bias  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, H, W] and Tensor"
    #     "[C] (axis -1: W != C)"]
