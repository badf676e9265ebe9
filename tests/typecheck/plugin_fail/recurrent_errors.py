"""Recurrent layers that cannot fit: an input whose features are not ``input_size`` (reported
at the call and where the layer is built), an input laid out batch first for a layer that is
not, a ``hidden_size`` of 0, an initial state of the wrong shape (the batch, the layer count
of a bidirectional stack), and a head built for one direction after a bidirectional LSTM."""

# rules: recurrent

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import OwnedTape, Tensor

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)

bad = dx.nn.LSTM(16, 0)  # E: mypy[dfdx-shape "LSTM: hidden_size must be an int > 0, got 0"]


class Classifier(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = dx.nn.LSTM(32, 64, batch_first=True)  # E: mypy[dfdx-shape "self.lstm is "
        #     "built here; called at line 29: LSTM: expected an input (N, L, input_size) with "
        #     "input_size 32, got Tensor[B, S, 40]"]
        self.fc = dx.nn.Linear(64, 10)

    def forward(self, x: Tensor[B, S, L[40], OwnedTape]) -> Tensor[B, L[10], OwnedTape]:
        out, _ = self.lstm(x)  # E: mypy[dfdx-shape "LSTM: expected an input (N, L, input_size) "
        #     "with input_size 32, got Tensor[B, S, 40]"]
        return self.fc(out[:, -1, :])


class BiEncoder(dx.nn.Module):
    def __init__(self, hidden: int, classes: int) -> None:
        super().__init__()
        self.rnn = dx.nn.LSTM(128, hidden, num_layers=2, bidirectional=True)
        self.fc = dx.nn.Linear(hidden, classes)  # E: mypy[dfdx-shape "self.fc is built here; "
        #     "called at line 44: Linear[hidden, classes]: takes hidden features, got Tensor[S, B, "
        #     "2*hidden] (2*hidden != hidden)"]

    def forward(self, x: Tensor[S, B, L[128], OwnedTape]) -> Tensor[S, B, int, OwnedTape]:
        out, (_h, _c) = self.rnn(x)
        return self.fc(out)  # E: mypy[dfdx-shape "Linear[hidden, classes]: takes hidden "
        #     "features, got Tensor[S, B, 2*hidden] (2*hidden != hidden)"]


class Tagger(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.gru = dx.nn.GRU(50, 32, 2, bidirectional=True)  # E: mypy[dfdx-shape "self.gru is "
        #     "built here; called at line 60: GRU: expected an initial state Tensor[4, B, 32] "
        #     "(num_layers * directions, N, hidden_size), got Tensor[2, B, 32]"]

    def forward(self, x: Tensor[S, B, L[50], OwnedTape]) -> Tensor[S, B, L[64], OwnedTape]:
        b = x.shape[1]
        h0 = dx.zeros(2, b, 32)  # E: mypy[dfdx-shape "h0 is assigned here; used at line 60: GRU: "
        #     "expected an initial state Tensor[4, B, 32] (num_layers * directions, N, "
        #     "hidden_size), got Tensor[2, B, 32]"]
        out, _ = self.gru(x, h0)  # E: mypy[dfdx-shape "GRU: expected an initial state Tensor[4, "
        #     "B, 32] (num_layers * directions, N, hidden_size), got Tensor[2, B, 32]"]
        return out


seq: Tensor[L[7], L[3], L[10], OwnedTape] = dx.randn(7, 3, 10).trace()
rnn = dx.nn.RNN(10, 20)
h_wrong = dx.zeros(1, 7, 20)  # the batch is axis 1 of the sequence: 3
y, hy = rnn(seq, h_wrong)  # E: mypy[dfdx-shape "RNN: expected an initial state Tensor[1, 3, "
#     "20] (num_layers * directions, N, hidden_size), got Tensor[1, 7, 20]"]
lstm = dx.nn.LSTM(3, 20)
z, _ = lstm(seq)  # E: mypy[dfdx-shape "LSTM: expected an input (L, N, input_size) with "
#     "input_size 3, got Tensor[7, 3, 10]"]
