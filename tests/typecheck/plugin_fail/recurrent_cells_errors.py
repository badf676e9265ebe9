"""One-step cells that cannot fit: an input whose features are not the cell's
``input_size`` (reported at the call and where the cell is built), a state sized for another
layer, a state of a whole LSTM layer ``(num_layers, N, H)`` given to a cell, a state passed
to an ``LSTMCell`` without its cell state and a ``hidden_size`` of 0."""

# rules: recurrent

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)

bad = dx.nn.GRUCell(16, 0)  # E: mypy[dfdx-shape "GRUCell: hidden_size must be an int > 0, got 0"]


class Decoder(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = dx.nn.Embedding(100, 48)
        self.cell = dx.nn.LSTMCell(32, 64)  # E: mypy[dfdx-shape "self.cell is built here; called "
        #     "at line 35: LSTMCell: expected an input (N, input_size) or (input_size,) with "
        #     "input_size 32, got Tensor[B, 48]"]
        self.out = dx.nn.Linear(64, 100)

    def forward(
        self, tokens: Tensor[B, S, NoneTape], h: Tensor[B, L[64], OwnedTape]
    ) -> Tensor[B, L[100], OwnedTape]:
        c = dx.zeros_like(h)
        emb = self.embed(tokens).trace()
        for t in range(tokens.shape[1]):
            h, c = self.cell(emb[:, t], (h, c))  # E: mypy[dfdx-shape "LSTMCell: expected an "
            #     "input (N, input_size) or (input_size,) with input_size 32, got Tensor[B, 48]"]
        return self.out(h)


class Tagger(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = dx.nn.GRU(20, 32)
        self.cell = dx.nn.GRUCell(20, 64)  # E: mypy[dfdx-shape "self.cell is built here; called "
        #     "at line 50: GRUCell: expected a state Tensor[B, 64] (N, hidden_size) for the input "
        #     "Tensor[B, 20], got Tensor[1, B, 32]"]

    def forward(self, x: Tensor[S, B, L[20], OwnedTape]) -> Tensor[B, L[64], OwnedTape]:
        _, h_n = self.encoder(x)
        return self.cell(x[-1], h_n)  # E: mypy[dfdx-shape "GRUCell: expected a state Tensor[B, "
        #     "64] (N, hidden_size) for the input Tensor[B, 20], got Tensor[1, B, 32]"]


def step(x: Tensor[B, L[8], OwnedTape], h: Tensor[B, L[16], OwnedTape]) -> None:
    cell = dx.nn.GRUCell(8, 32)  # E: mypy[
    #     dfdx-shape "cell is built here; called at line 58: GRUCell: expected a state Tensor[B, "
    #     "32] (N, hidden_size) for the input Tensor[B, 8], got Tensor[B, 16]"]
    cell(x, h)  # E: mypy[dfdx-shape "GRUCell: expected a state Tensor[B, 32] (N, hidden_size) "
    #     "for the input Tensor[B, 8], got Tensor[B, 16]"]
    dx.nn.LSTMCell(8, 16)(x, h)  # E: mypy[arg-type]
