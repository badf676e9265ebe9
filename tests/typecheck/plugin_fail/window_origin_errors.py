"""A size set by a layer's window (a convolution's or a pool's output length, from its kernel,
stride and padding) that does not fit where it is used later is also reported where that
layer is built, found back through activations, permutes and a name's last assignment: a
convolution built without its stride, whose frames meet a positional table; a pool where
none belongs, whose map meets a skip of the full resolution. The other operand's size goes
on after the error, so the function's return is no second error. (A window's size that
meets one of its map's own sizes is not blamed: an axis is in the wrong place, see
blame_new_axes_errors.py.)"""

# rules: binary, nn

from typing import Generic, TypeVar

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, LayerNorm, MaxPool2d, Module

B = TypeVar("B", bound=int)
F = TypeVar("F", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CTX = TypeVar("CTX", bound=int)
E = TypeVar("E", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class AudioStem(Module, Generic[C, CTX, E]):
    positional_embedding: Tensor[CTX, E, NoneTape]

    def __init__(self, n_mels: C, n_ctx: CTX, n_state: E) -> None:
        super().__init__()
        self.conv1 = Conv1d(n_mels, n_state, kernel_size=3, padding=1, rng=rng)
        self.conv2 = Conv1d(n_state, n_state, kernel_size=3, padding=1, rng=rng)  # E: mypy[
        #     dfdx-shape "self.conv2 is built here; its output reaches line 49: add: shapes do not"
        #     " broadcast: Tensor[B, F, E] and Tensor[CTX, E] (axis -2: F != CTX)"]
        self.register_buffer("positional_embedding", dx.zeros(n_ctx, n_state))
        self.ln = LayerNorm(n_state)

    def forward(self, x: Tensor[B, C, F, T]) -> Tensor[B, CTX, E, T]:
        h = dx.gelu(self.conv1(x))
        h = dx.gelu(self.conv2(h))
        h = h.permute(0, 2, 1)  # E: mypy[dfdx-shape "h is assigned here; used at line 49: add: sha"
        #     "pes do not broadcast: Tensor[B, F, E] and Tensor[CTX, E] (axis -2: F != CTX)"]
        h = h + self.positional_embedding  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tens"
        #     "or[B, F, E] and Tensor[CTX, E] (axis -2: F != CTX)"]
        for _ in range(2):
            h = self.ln(h)
        return h


class Down(Module, Generic[C]):
    def __init__(self, c: C) -> None:
        super().__init__()
        self.pool = MaxPool2d(2)  # E: mypy[dfdx-shape "self.pool is built here; its output reaches"
        #     " line 69: add: shapes do not broadcast: Tensor[B, C, H//2, W//2] and Tensor[B, C, H"
        #     ", W] (axis -2: H//2 != H)"]

    def forward(
        self, x: Tensor[B, C, H, W, T], skip: Tensor[B, C, H, W, T]
    ) -> Tensor[B, C, H, W, T]:
        h = self.pool(x)  # E: mypy[dfdx-shape "h is assigned here; used at line 69: add: shapes do"
        #     " not broadcast: Tensor[B, C, H//2, W//2] and Tensor[B, C, H, W] (axis -2: H//2 != H"
        #     ")"]
        return h + skip  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, C, H//2, W//"
        #     "2] and Tensor[B, C, H, W] (axis -2: H//2 != H)"]
