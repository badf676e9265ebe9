"""The frames of a stride-2 convolution meet a positional table (``(F+1)//2`` against
``CTX``: the table's length is what the input is cut to), through activations, a permute and
names reused for each step, then a loop that rebinds the name: no error, and the sum has the
table's length."""

# rules: binary, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, LayerNorm, Module

B = TypeVar("B", bound=int)
F = TypeVar("F", bound=int)
C = TypeVar("C", bound=int)
CTX = TypeVar("CTX", bound=int)
E = TypeVar("E", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class AudioStem(Module, Generic[C, CTX, E]):
    positional_embedding: Tensor[CTX, E, NoneTape]

    def __init__(self, n_mels: C, n_ctx: CTX, n_state: E) -> None:
        super().__init__()
        self.conv1 = Conv1d(n_mels, n_state, kernel_size=3, padding=1, rng=rng)
        self.conv2 = Conv1d(n_state, n_state, kernel_size=3, stride=2, padding=1, rng=rng)
        self.register_buffer("positional_embedding", dx.zeros(n_ctx, n_state))
        self.ln = LayerNorm(n_state)

    def forward(self, x: Tensor[B, C, F, T]) -> Tensor[B, CTX, E, T]:
        h = dx.gelu(self.conv1(x))
        h = dx.gelu(self.conv2(h))
        h = h.permute(0, 2, 1)
        h = h + self.positional_embedding
        assert_type(h, Tensor[B, CTX, E, T])
        for _ in range(2):
            h = self.ln(h)
        return h


stem: AudioStem[L[8], L[6], L[16]] = AudioStem(8, 6, 16)
mel: Tensor[L[2], L[8], L[12], NoneTape] = dx.randn(2, 8, 12, rng=rng)
out = stem(mel)
assert_type(out, Tensor[L[2], L[6], L[16], NoneTape])
assert out.shape == (2, 6, 16)
