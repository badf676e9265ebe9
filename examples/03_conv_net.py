"""A small convolutional network on the same digits as 02_mnist_classifier.py.

    python examples/03_conv_net.py                  # 8x8 digits bundled with scikit-learn
    python examples/03_conv_net.py --mnist DIR      # the 28x28 MNIST IDX files in DIR

Two 3x3 convolutions, each followed by ReLU and a 2x2 max pool, then a linear layer. The
first half shows the ops as functions on typed tensors (``dx.conv2d``, ``dx.max_pool2d``,
``flatten``); the model itself is a ``dx.nn.Sequential`` of ``Conv2d``, ``MaxPool2d``,
``Flatten`` and ``Linear``, whose state_dict keys are those of the same ``torch.nn.Sequential``.
``DFDX_EXAMPLES_QUICK=1`` runs a few steps only.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, TypeVar, assert_type
from typing import Literal as L

import numpy as np
from _data import QUICK, Split, load_digits, load_mnist, small_matrices_one_thread
from tqdm import tqdm

import dfdx as dx
from dfdx import Dyn, NoneTape, Tensor

F = TypeVar("F", bound=int)

DESCRIPTION = "A small CNN trained on handwritten digits (8x8 by default, MNIST with --mnist)."


def shapes_by_hand() -> None:
    """The CNN's shapes, op by op, on a batch of 8x8 images: what mypy with the plugin infers."""
    x = dx.zeros(4, 1, 8, 8)
    w1 = dx.randn(16, 1, 3, 3)
    h = dx.conv2d(x, w1, padding=1).relu()  # Tensor[L[4], L[16], L[8], L[8], NoneTape]
    assert_type(h, Tensor[L[4], L[16], L[8], L[8], NoneTape])
    p = dx.max_pool2d(h, 2)  # Tensor[L[4], L[16], L[4], L[4], NoneTape]
    assert_type(p, Tensor[L[4], L[16], L[4], L[4], NoneTape])
    f = p.flatten(1)  # Tensor[L[4], L[256], NoneTape]
    assert_type(f, Tensor[L[4], L[256], NoneTape])
    # The plugin folds a batch through a Sequential's layers, convolutions included:
    small = dx.nn.Sequential(
        dx.nn.Conv2d(1, 16, 3, padding=1),
        dx.nn.ReLU(),
        dx.nn.MaxPool2d(2),
        dx.nn.Flatten(),
        dx.nn.Linear(256, 10),
    )
    logits = small(x)  # Tensor[L[4], L[10], NoneTape]
    assert_type(logits, Tensor[L[4], L[10], NoneTape])
    print("conv2d", h.shape, "max_pool2d", p.shape, "flatten", f.shape, "logits", logits.shape)


def as_images(data: Split[F]) -> Tensor[Dyn, L[1], Dyn, Dyn, NoneTape]:
    """The flat images of ``data`` as ``(N, 1, side, side)``."""
    images: Tensor[Dyn, L[1], Dyn, Dyn, NoneTape] = data.images.reshape(
        len(data), 1, data.side, data.side
    )
    return images


def cnn(side: int) -> dx.nn.Sequential[Any]:
    """Conv(1->16) ReLU MaxPool Conv(16->32) ReLU MaxPool Flatten Linear(32*(side/4)^2 -> 10)."""
    model = dx.nn.Sequential(
        dx.nn.Conv2d(1, 16, 3, padding=1),
        dx.nn.ReLU(),
        dx.nn.MaxPool2d(2),
        dx.nn.Conv2d(16, 32, 3, padding=1),
        dx.nn.ReLU(),
        dx.nn.MaxPool2d(2),
        dx.nn.Flatten(),
        dx.nn.Linear(32 * (side // 4) ** 2, 10),
    )
    return model


def accuracy(
    model: dx.nn.Module, images: Tensor[Dyn, L[1], Dyn, Dyn, NoneTape], labels: Split[F]
) -> float:
    predicted = model(images).argmax(axis=-1).numpy()
    return float((predicted == labels.labels.numpy()).mean())


def train(
    train_set: Split[F], test_set: Split[F], epochs: int, batch_size: int, out: Path
) -> float:
    model = cnn(train_set.side)
    opt = dx.optim.Adam(model, lr=2e-3)
    images = as_images(train_set)
    rng = np.random.default_rng(0)
    steps = len(train_set) // batch_size
    if QUICK:
        epochs, steps = 1, 2
    print(
        f"{len(train_set)} training images of {train_set.side}x{train_set.side}, "
        f"{model.num_parameters()} params"
    )
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(train_set))
        total = 0.0
        bar = tqdm(range(steps), desc=f"epoch {epoch}/{epochs}", unit="batch", leave=False)
        for step in bar:
            idx = dx.tensor(order[step * batch_size : (step + 1) * batch_size]).ensure_shape(None)
            x = images.index_select(0, idx)  # Tensor[Dyn, L[1], Dyn, Dyn, NoneTape]
            y = train_set.labels.index_select(0, idx)
            loss = dx.losses.cross_entropy_with_logits_loss(model(x.trace()), y)
            opt.update(model, loss.backward())
            total += loss.item()
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
        bar.close()
        print(f"epoch {epoch}: mean loss {total / steps:.4f}")
    acc = accuracy(model, as_images(test_set), test_set)
    elapsed = time.perf_counter() - start
    print(f"test accuracy: {acc:.2%} ({len(test_set)} images, trained in {elapsed:.1f} s)")
    model.save(out)
    print(f"model saved to {out} (keys {', '.join(k for k, _ in model.named_parameters())})")
    return acc


def main() -> None:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--mnist", metavar="DIR", help="folder of the MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=None, help="default: 15 digits, 2 MNIST")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--out", type=Path, default=Path("mnist_cnn.npz"))
    args = parser.parse_args()
    small_matrices_one_thread()
    dx.manual_seed(0)
    shapes_by_hand()
    if args.mnist:
        train_m, test_m = load_mnist(args.mnist)
        train(train_m, test_m, args.epochs or 2, args.batch_size, args.out)
    else:
        train_d, test_d = load_digits()
        train(train_d, test_d, args.epochs or 15, args.batch_size, args.out)


if __name__ == "__main__":
    main()
