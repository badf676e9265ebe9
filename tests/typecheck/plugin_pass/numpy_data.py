"""A training script on data made with NumPy: ``dx.tensor`` of an array made with sizes
written out (literals, ints bound once in ``main`` or at the top of the file) has those sizes,
through ``astype``, ``reshape``, slices, arithmetic and a name bound once or rebound before
its use; a model built in ``main`` takes it and a loss pairs the output with targets made
the same way. Data whose sizes are not written (an index by an array, a size drawn at run
time) keeps what NumPy's types say: no size is guessed."""

# rules: creation

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Embedding, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
C = TypeVar("C", bound=int)
K = TypeVar("K", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

SEQ_LEN = 12
VOCAB = 50


class Classifier(Module, Generic[C, K]):
    def __init__(self, in_channels: C, num_classes: K, width: int = 8) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_channels, width, 3, padding=1)
        self.conv2 = Conv2d(width, width * 2, 3, stride=2, padding=1)
        self.head = Linear(width * 2, num_classes)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, K, T]:
        h = dx.relu(self.conv1(x))
        h = dx.relu(self.conv2(h))
        return self.head(h.mean(axis=(2, 3)))


class Tagger(Module):
    """Sizes written in ``__init__``: a vocabulary of 50, 5 tags."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = Embedding(50, 16)
        self.out = Linear(16, 5)

    def forward(self, ids: Tensor[B, S, T]) -> Tensor[B, S, int, T]:
        return self.out(self.embed(ids))


def train_classifier() -> None:
    rng = np.random.default_rng(0)
    batch, channels = 4, 3
    model = Classifier(3, 10)
    images = dx.tensor(rng.standard_normal((batch, channels, 16, 16)).astype(np.float32))
    assert_type(images, Tensor[L[4], L[3], L[16], L[16], NoneTape])
    labels = dx.tensor(rng.integers(0, 10, size=batch))
    assert_type(labels, Tensor[L[4], NoneTape])
    opt = dx.optim.Adam(model, lr=1e-3)
    for _ in range(2):
        logits = model(images.trace())
        assert_type(logits, Tensor[L[4], L[10], OwnedTape])
        loss = dx.losses.cross_entropy(logits, labels)
        opt.update(model, loss.backward())
    for _ in range(2):  # a batch drawn on each pass, through a name rebound in the loop
        raw = rng.standard_normal((batch, channels, 8, 8)) * 0.5
        x = dx.tensor(raw.astype(np.float32))
        assert_type(x, Tensor[L[4], L[3], L[8], L[8], NoneTape])
        assert_type(model(x), Tensor[L[4], L[10], NoneTape])


def train_tagger() -> None:
    rng = np.random.default_rng(1)
    tokens = rng.integers(0, VOCAB, (2, SEQ_LEN + 1))
    inputs = dx.tensor(tokens[:, :-1])
    assert_type(inputs, Tensor[L[2], L[12], NoneTape])
    tags = dx.tensor(rng.integers(0, 5, (2, SEQ_LEN)))
    assert_type(tags, Tensor[L[2], L[12], NoneTape])
    tagger = Tagger()
    scores = tagger(inputs.trace())
    assert_type(scores, Tensor[L[2], L[12], L[5], OwnedTape])
    flat = scores.reshape(-1, 5)
    loss = dx.losses.cross_entropy(flat, tags.reshape(-1))
    assert_type(loss, Tensor[OwnedTape])
    loss.backward()


def shaped_arrays() -> None:
    rng = np.random.default_rng(2)
    t = np.arange(40)
    series = np.sin(t / 4.0) + 0.1 * rng.standard_normal(40)
    windows = dx.tensor(series.reshape(8, -1).astype(np.float32))
    assert_type(windows, Tensor[L[8], L[5], NoneTape])
    mask = dx.tensor(rng.random((2, SEQ_LEN)) > 0.5)
    assert_type(mask, Tensor[L[2], L[12], NoneTape])
    flipped = dx.tensor(np.random.randn(3, 5).T.copy())
    assert_type(flipped, Tensor[L[5], L[3], NoneTape])
    pairs = dx.tensor(np.stack([np.zeros(4), np.ones(4)], axis=1))
    assert_type(pairs, Tensor[L[4], L[2], NoneTape])
    grid = dx.tensor(np.zeros((3, 4), dtype=np.float32)[None, :, 1:])
    assert_type(grid, Tensor[L[1], L[3], L[3], NoneTape])
    noise = dx.tensor(np.random.normal(0.0, 1.0, size=(6,)))
    assert_type(noise, Tensor[L[6], NoneTape])
    steps = dx.tensor(np.linspace(0.0, 1.0, 7))
    assert_type(steps, Tensor[L[7], NoneTape])


def unknown_sizes() -> None:
    rng = np.random.default_rng(3)
    tokens = rng.integers(0, VOCAB, (4, 6))
    picked = dx.tensor(tokens[rng.permutation(4)])  # an index by an array: not read
    assert_type(picked, Tensor[*tuple[Dyn, ...], NoneTape])
    n = int(rng.integers(2, 5))  # a size drawn at run time
    drawn = dx.tensor(np.zeros((n, 3)))
    assert_type(drawn, Tensor[Dyn, Dyn, NoneTape])  # the rank NumPy's type states
    rows = tokens.reshape(2, 12)
    rows.shape = (3, 8)  # changed in place: the sizes it was made with are not its sizes
    assert_type(dx.tensor(rows), Tensor[*tuple[Dyn, ...], NoneTape])


def main() -> None:
    train_classifier()
    train_tagger()
    shaped_arrays()
    unknown_sizes()


if __name__ == "__main__":
    main()
