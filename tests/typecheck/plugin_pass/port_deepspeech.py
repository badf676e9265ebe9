"""A DeepSpeech2-style acoustic model, ported from the usual PyTorch code: log-mel frames
``(B, n_mels, S)`` through two strided 1-d convolutions (the frames shrink by four), each
with a norm and a clipped ReLU, a bidirectional GRU over the frames (batch first) whose two
directions are summed, an optional projection that is ``Identity`` where the widths agree, a
lookahead convolution over time, and a per-frame linear layer to the CTC vocabulary; the
frame lengths after the convolutions mask the padded frames; the audio comes from NumPy."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import GRU, BatchNorm1d, Conv1d, Identity, Linear, Module, Sequential

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)  # input frames
M = TypeVar("M", bound=int)  # mel bins
H = TypeVar("H", bound=int)  # recurrent width
V = TypeVar("V", bound=int)  # vocabulary
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class ConvFrontEnd(Module, Generic[M, H]):
    def __init__(self, n_mels: M, channels: H, kernel: int = 5) -> None:
        super().__init__()
        pad = kernel // 2
        self.conv1 = Conv1d(n_mels, channels, kernel, stride=2, padding=pad, rng=rng)
        self.bn1 = BatchNorm1d(channels)
        self.conv2 = Conv1d(channels, channels, kernel, stride=2, padding=pad, rng=rng)
        self.bn2 = BatchNorm1d(channels)

    def forward(self, x: Tensor[B, M, S, T]) -> Tensor[B, H, int, T]:
        h = self.conv1(x)
        h = self.bn1(h).clamp(0.0, 20.0)  # hardtanh(0, 20)
        h = self.conv2(h)
        h = self.bn2(h).clamp(0.0, 20.0)
        return h


def output_lengths(lengths: np.ndarray, kernel: int = 5, stride: int = 2) -> np.ndarray:
    pad = kernel // 2
    for _ in range(2):
        lengths = (lengths + 2 * pad - kernel) // stride + 1
    return lengths


class DeepSpeech(Module, Generic[M, H, V]):
    def __init__(
        self,
        n_mels: M,
        hidden: H,
        vocab: V,
        rnn_layers: int = 2,
        context: int = 3,
        normalize: bool = True,
    ) -> None:
        super().__init__()
        self.input_norm: Module | None = None
        if normalize:
            self.input_norm = BatchNorm1d(n_mels)
        self.front = ConvFrontEnd(n_mels, hidden)
        self.rnn = GRU(hidden, hidden, num_layers=rnn_layers, batch_first=True, bidirectional=True)
        self.hidden = hidden
        self.lookahead = Sequential(
            Conv1d(hidden, hidden, context, padding=context // 2, groups=hidden, rng=rng),
            BatchNorm1d(hidden),
        )
        self.proj: Linear[H, H] | Identity = Identity()
        self.fc = Linear(hidden, vocab, rng=rng)

    def forward(
        self, x: Tensor[B, M, S, T], lengths: np.ndarray
    ) -> tuple[Tensor[B, int, V, T], np.ndarray]:
        if self.input_norm is not None:
            x = self.input_norm(x)
        h = self.front(x)  # (B, H, S')
        B_, _, S_ = h.shape
        seq = h.transpose(1, 2)  # (B, S', H)
        out, _ = self.rnn(seq)
        out = out.view(B_, S_, 2, self.hidden).sum(axis=2)  # sum the two directions
        out = self.proj(out)
        la = self.lookahead(out.transpose(1, 2)).relu()
        out = out + la.transpose(1, 2)
        logits = self.fc(out)
        out_lengths = output_lengths(lengths)
        mask = np.arange(S_)[None, :] >= out_lengths[:, None]
        logits = dx.masked_fill(logits, dx.tensor(mask).view(B_, S_, 1), 0.0)
        return logits.log_softmax(axis=-1), out_lengths


model: DeepSpeech[L[8], L[12], L[6]] = DeepSpeech(8, 12, 6)
audio = rng.standard_normal((3, 8, 40)).astype(np.float32)
feats: Tensor[L[3], L[8], L[40], NoneTape] = dx.tensor(audio).view(3, 8, 40)
lengths = np.array([40, 33, 21])
log_probs, out_lengths = model(feats.trace(), lengths)
assert_type(log_probs, Tensor[L[3], int, L[6], OwnedTape])
assert_type(model.front(feats), Tensor[L[3], L[12], int, NoneTape])
loss = -log_probs.max(axis=-1).mean()
grads = loss.backward()
assert log_probs.shape == (3, 10, 6)
assert list(out_lengths) == [10, 9, 6]
assert grads[model.fc.weight].shape == (6, 12)
