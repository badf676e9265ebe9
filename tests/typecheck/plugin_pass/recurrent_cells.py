"""One-step cells as decoders use them: ``LSTMCell`` and ``GRUCell`` typed with their sizes
where built, stepped in a loop over a sequence with the state carried (``h, c = cell(x_t, (h,
c))``), from zeros (``hx`` left out) or from an encoder's state, batched and unbatched."""

# rules: recurrent

from typing import Literal as L
from typing import TypeVar, assert_type

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Decoder(dx.nn.Module):
    """An LSTM decoder fed its own embedded outputs, one step at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = dx.nn.Embedding(100, 32)
        self.cell = dx.nn.LSTMCell(32, 64)
        self.out = dx.nn.Linear(64, 100)

    def forward(
        self, tokens: Tensor[B, S, NoneTape], h: Tensor[B, L[64], OwnedTape]
    ) -> Tensor[B, S, L[100], OwnedTape]:
        c = dx.zeros_like(h)
        steps = []
        emb = self.embed(tokens).trace()
        for t in range(tokens.shape[1]):
            h, c = self.cell(emb[:, t], (h, c))
            steps.append(self.out(h))
        return dx.stack(steps, axis=1)


class CharModel(dx.nn.Module):
    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.cell = dx.nn.GRUCell(vocab, 128)
        self.head = dx.nn.Linear(128, vocab)

    def forward(self, x: Tensor[S, B, int, T]) -> Tensor[B, int, T]:
        h = self.cell(x[0])
        assert_type(h, Tensor[B, L[128], T])
        for t in range(1, x.shape[0]):
            h = self.cell(x[t], h)
        return self.head(h)


def one_step(x: Tensor[B, L[10], T], h: Tensor[B, L[20], T]) -> Tensor[B, L[20], T]:
    return dx.nn.GRUCell(10, 20)(x, h)


lstm = dx.nn.LSTMCell(8, 16)
assert_type(lstm, dx.nn.LSTMCell[L[8], L[16]])
batch: Tensor[L[4], L[8], NoneTape] = dx.tensor(
    np.random.default_rng(0).standard_normal((4, 8)).astype(np.float32)
)
x = batch.trace()
h1, c1 = lstm(x)
assert_type(h1, Tensor[L[4], L[16], OwnedTape])
h2, c2 = lstm(x, (h1, c1))
assert_type(c2, Tensor[L[4], L[16], OwnedTape])

alone = dx.nn.GRUCell(8, 16)(dx.randn(8))
assert_type(alone, Tensor[L[16], NoneTape])
logits = Decoder()(dx.zeros(2, 5, dtype=dx.int64), dx.zeros(2, 64).trace())
assert_type(logits, Tensor[L[2], L[5], L[100], OwnedTape])
assert_type(CharModel(30)(dx.randn(6, 2, 30)), Tensor[L[2], int, NoneTape])
assert_type(one_step(dx.randn(3, 10), dx.randn(3, 20)), Tensor[L[3], L[20], NoneTape])
