"""End to end: a 3-layer MLP trained with Adam and cross-entropy on scikit-learn's bundled
digits (8 x 8 images, 10 classes) reaches >= 95% accuracy on held-out images."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits

import dfdx as dx


def test_mlp_learns_digits() -> None:
    digits = load_digits()
    x_all = (digits.data / 16.0).astype(np.float32)  # (1797, 64), pixels in [0, 1]
    y_all = digits.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(x_all))
    test, train = order[:360], order[360:]

    rng = np.random.default_rng(1)
    model = dx.nn.Sequential(
        dx.nn.Linear(64, 128, rng=rng),
        dx.nn.ReLU(),
        dx.nn.Linear(128, 64, rng=rng),
        dx.nn.ReLU(),
        dx.nn.Linear(64, 10, rng=rng),
    )
    opt = dx.optim.Adam(model, lr=3e-3)
    losses = []
    for _epoch in range(12):
        for batch in np.array_split(rng.permutation(train), len(train) // 32):
            x = dx.tensor(x_all[batch]).trace()
            loss = dx.losses.cross_entropy_with_logits_loss(model(x), dx.tensor(y_all[batch]))
            opt.update(model, loss.backward())
            losses.append(loss.item())

    assert np.mean(losses[-20:]) < 0.25 * np.mean(losses[:20])
    logits = model(dx.tensor(x_all[test]))
    accuracy = float(np.mean(logits.numpy().argmax(axis=-1) == y_all[test]))
    assert accuracy >= 0.95, accuracy
