"""Recurrent layers typed by their sizes: ``LSTM(8, 16, num_layers=2, bidirectional=True,
batch_first=True)`` is ``LSTM[L[8], L[16], tuple[L[2], L[True], L[True]]]``, its output
``(N, L, 2 * 16)`` and its states ``(2 * 2, N, 16)``; without ``batch_first`` the output is
``(L, N, ...)``. The idioms of PyTorch ports keep the batch axis: ``out, _ = self.lstm(x)``,
``out, (h, c) = self.lstm(x, (h0, c0))``, ``h_n[-1]``, ``out[:, -1, :]``, a ``Linear(2 *
hidden, n)`` head on a bidirectional encoder, sizes from the module's ``int`` arguments or
its TypeVars, ``bidirectional`` not known (its sizes then ``Dyn``). Forward and backward run."""

# rules: recurrent

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
F = TypeVar("F", bound=int)
Hd = TypeVar("Hd", bound=int)

rng = np.random.default_rng(0)
lstm = dx.nn.LSTM(8, 16, num_layers=2, bidirectional=True, batch_first=True, rng=rng)
assert_type(lstm, dx.nn.LSTM[L[8], L[16], tuple[L[2], L[True], L[True]]])
x: Tensor[L[3], L[5], L[8], NoneTape] = dx.randn(3, 5, 8, rng=rng)
out, (h, c) = lstm(x.trace())
assert_type(out, Tensor[L[3], L[5], L[32], OwnedTape])
assert_type(h, Tensor[L[4], L[3], L[16], OwnedTape])
assert_type(c, Tensor[L[4], L[3], L[16], OwnedTape])
assert_type(h[-1], Tensor[L[3], L[16], OwnedTape])
assert_type(out[:, -1, :], Tensor[L[3], L[32], OwnedTape])

gru = dx.nn.GRU(8, 12, rng=rng)  # (L, N, input_size)
assert_type(gru, dx.nn.GRU[L[8], L[12], tuple[L[1], L[False], L[False]]])
seq: Tensor[L[5], L[3], L[8], NoneTape] = dx.randn(5, 3, 8, rng=rng)
h0: Tensor[L[1], L[3], L[12], NoneTape] = dx.zeros(1, 3, 12)
g_out, g_h = gru(seq, h0)
assert_type(g_out, Tensor[L[5], L[3], L[12], NoneTape])
assert_type(g_h, Tensor[L[1], L[3], L[12], NoneTape])

rnn = dx.nn.RNN(8, 6, 3, "relu", rng=rng)  # num_layers and nonlinearity by position
r_out, r_h = rnn(seq)
assert_type(r_out, Tensor[L[5], L[3], L[6], NoneTape])
assert_type(r_h, Tensor[L[3], L[3], L[6], NoneTape])


class Tagger(dx.nn.Module):
    """A BiLSTM tagger: embedding, a 2-layer bidirectional LSTM, a linear head per token."""

    def __init__(self, vocab: int, embed_dim: int, hidden: int, tags: int) -> None:
        super().__init__()
        self.embedding = dx.nn.Embedding(vocab, embed_dim, rng=rng)
        self.lstm = dx.nn.LSTM(
            embed_dim, hidden, num_layers=2, batch_first=True, bidirectional=True, rng=rng
        )
        self.fc = dx.nn.Linear(2 * hidden, tags, rng=rng)

    def forward(self, tokens: Tensor[B, S, OwnedTape]) -> Tensor[B, S, Any, OwnedTape]:
        e = self.embedding(tokens)
        out, _ = self.lstm(e)
        return self.fc(out)


class SpeechClassifier(dx.nn.Module, Generic[F, Hd]):
    """A GRU over ``(L, N, F)`` frames; the last layer's final state feeds the head."""

    def __init__(self, features: F, hidden: Hd, classes: int) -> None:
        super().__init__()
        self.gru = dx.nn.GRU(features, hidden, num_layers=2, dropout=0.1, rng=rng)
        self.head = dx.nn.Linear(hidden, classes, rng=rng)

    def forward(self, frames: Tensor[S, B, F, OwnedTape]) -> Tensor[B, Any, OwnedTape]:
        out, h_n = self.gru(frames)
        assert_type(out, Tensor[S, B, Hd, OwnedTape])
        assert_type(h_n, Tensor[L[2], B, Hd, OwnedTape])
        return self.head(h_n[-1])


class Encoder(dx.nn.Module):
    """An LSTM given its initial states, built from the module's own sizes; whether it is
    bidirectional is an argument, so its output's features are not known."""

    def __init__(self, hidden: int, layers: int, bidirectional: bool) -> None:
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.lstm = dx.nn.LSTM(4, hidden, layers, batch_first=True, bidirectional=bidirectional)
        directions = 2 if bidirectional else 1
        self.fc = dx.nn.Linear(hidden * directions, 3)

    def forward(self, x: Tensor[B, S, L[4], OwnedTape]) -> Tensor[B, L[3], OwnedTape]:
        directions = 2 if self.lstm.bidirectional else 1
        h0 = dx.zeros(self.layers * directions, x.shape[0], self.hidden)
        c0 = dx.zeros(self.layers * directions, x.shape[0], self.hidden)
        out, (_h, _c) = self.lstm(x, (h0, c0))
        last = out[:, -1, :]
        return self.fc(last)


class CRNN(dx.nn.Module):
    """A convolution over the image, its columns as the sequence of a BiLSTM (fields declared
    without sizes or layout: the layer they are built with is read), a head per column."""

    def __init__(self, classes: int) -> None:
        super().__init__()
        self.conv = dx.nn.Conv2d(1, 8, 3, padding=1, rng=rng)
        self.pool = dx.nn.MaxPool2d((4, 1))
        self.rnn: dx.nn.LSTM = dx.nn.LSTM(8, 6, bidirectional=True, rng=rng)
        self.gru: dx.nn.GRU[L[12], L[5]] = dx.nn.GRU(12, 5, batch_first=True, rng=rng)
        self.fc = dx.nn.Linear(5, classes, rng=rng)

    def forward(self, x: Tensor[B, L[1], L[4], L[9], OwnedTape]) -> Tensor[B, L[9], Any, OwnedTape]:
        x = self.pool(self.conv(x))
        seq = x.squeeze(2).permute(2, 0, 1)
        assert_type(seq, Tensor[L[9], B, L[8], OwnedTape])
        out, _ = self.rnn(seq)
        assert_type(out, Tensor[L[9], B, L[12], OwnedTape])
        y, h = self.gru(out.permute(1, 0, 2))
        assert_type(y, Tensor[B, L[9], L[5], OwnedTape])
        assert_type(h, Tensor[L[1], B, L[5], OwnedTape])
        return self.fc(y)


tagger = Tagger(20, 8, 6, 5)
tokens: Tensor[L[2], L[7], OwnedTape] = dx.tensor(rng.integers(0, 20, (2, 7))).trace()
tags = tagger(tokens)
assert_type(tags, Tensor[L[2], L[7], Any, OwnedTape])
assert tags.shape == (2, 7, 5)

speech: SpeechClassifier[L[8], L[10]] = SpeechClassifier(8, 10, 4)
frames: Tensor[L[5], L[3], L[8], OwnedTape] = dx.randn(5, 3, 8, rng=rng).trace()
logits = speech(frames)
assert logits.shape == (3, 4)
grads = logits.sum().backward()
assert grads[speech.gru.weight_hh_l0].shape == (30, 10)

crnn = CRNN(7)
assert crnn(dx.randn(2, 1, 4, 9, rng=rng).trace()).shape == (2, 9, 7)

encoder = Encoder(6, 2, True)
y = encoder(dx.randn(2, 5, 4, rng=rng).trace())
assert_type(y, Tensor[L[2], L[3], OwnedTape])
