"""The MNIST classifier: an MLP trained with Adam on handwritten digits.

    python examples/02_mnist_classifier.py                  # 8x8 digits bundled with scikit-learn
    python examples/02_mnist_classifier.py --mnist DIR      # the 28x28 MNIST IDX files in DIR

By default it trains on scikit-learn's 1797 bundled 8x8 digits (no download) and reaches
about 98% test accuracy in a few seconds. ``--mnist DIR`` reads the four standard MNIST files
(``train-images-idx3-ubyte`` ... ``t10k-labels-idx1-ubyte``, raw or ``.gz``). The model is
saved to an ``.npz`` file under PyTorch's state_dict keys, and the script prints how to load
it into ``torch.nn``. ``DFDX_EXAMPLES_QUICK=1`` runs a few steps only (the tests do).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from _data import QUICK, Split, load_digits, load_mnist, small_matrices_one_thread
from tqdm import tqdm

import dfdx as dx

F = TypeVar("F", bound=int)

DESCRIPTION = "An MLP trained on handwritten digits (8x8 by default, MNIST with --mnist)."


def evaluate(model: dx.nn.Module, data: Split[F]) -> float:
    """The fraction of ``data`` that ``model`` classifies right (no tape: ``NoneTape``)."""
    logits = model(data.images)  # untraced: nothing is recorded
    predicted = logits.argmax(axis=-1).numpy()
    return float((predicted == data.labels.numpy()).mean())


def train(
    train_set: Split[F], test_set: Split[F], epochs: int, batch_size: int, lr: float, out: Path
) -> float:
    features = train_set.features  # F: Literal[64] for the digits, Literal[784] for MNIST
    # The seed's MLP. With the plugin its type lists the layers, Sequential[tuple[Linear[Dyn,
    # L[512]], ReLU, Linear[L[512], L[128]], ...]], and a layer that does not take what the
    # one before it gives is an error here, where the model is built (04_shape_errors.py).
    model = dx.nn.Sequential(
        dx.nn.Linear(features, 512),
        dx.nn.ReLU(),
        dx.nn.Linear(512, 128),
        dx.nn.ReLU(),
        dx.nn.Linear(128, 32),
        dx.nn.ReLU(),
        dx.nn.Linear(32, 10),
    )
    opt = dx.optim.Adam(model, lr=lr)
    rng = np.random.default_rng(0)
    steps = len(train_set) // batch_size
    if QUICK:
        epochs, steps = 1, 3
    print(f"{len(train_set)} training images of {features} pixels, {model.num_parameters()} params")
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(train_set))
        total = 0.0
        bar = tqdm(range(steps), desc=f"epoch {epoch}/{epochs}", unit="batch", leave=False)
        for step in bar:
            x, y = train_set.batch(order[step * batch_size : (step + 1) * batch_size])
            logits = model(x.trace())  # Tensor[Dyn, L[10], OwnedTape]: traced, ops recorded
            loss = dx.losses.cross_entropy_with_logits_loss(logits, y)  # Tensor[OwnedTape]
            opt.update(model, loss.backward())
            total += loss.item()
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
        bar.close()
        print(f"epoch {epoch}: mean loss {total / steps:.4f}")
    accuracy = evaluate(model, test_set)
    elapsed = time.perf_counter() - start
    print(f"test accuracy: {accuracy:.2%} ({len(test_set)} images, trained in {elapsed:.1f} s)")
    model.save(out)
    print(f"model saved to {out}; to load it in PyTorch:\n")
    print(pytorch_snippet(out, model))
    return accuracy


def pytorch_snippet(path: Path, model: dx.nn.Sequential[Any]) -> str:
    """The PyTorch code that loads the saved ``model``: the same layers, the same keys."""
    layers = []
    for m in model:
        if isinstance(m, dx.nn.Linear):
            layers.append(f"torch.nn.Linear({m.in_features}, {m.out_features})")
        else:
            layers.append(f"torch.nn.{type(m).__name__}()")
    return (
        "    import numpy as np, torch\n"
        "    net = torch.nn.Sequential(\n"
        + "".join(f"        {layer},\n" for layer in layers)
        + "    )\n"
        f'    state = {{k: torch.from_numpy(v) for k, v in np.load("{path}").items()}}\n'
        "    net.load_state_dict(state)\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--mnist", metavar="DIR", help="folder of the MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=None, help="default: 30 digits, 5 MNIST")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--out", type=Path, default=Path("mnist_mlp.npz"))
    args = parser.parse_args()
    small_matrices_one_thread()
    dx.manual_seed(0)
    if args.mnist:
        train_m, test_m = load_mnist(args.mnist)
        train(train_m, test_m, args.epochs or 5, args.batch_size, args.lr, args.out)
    else:
        train_d, test_d = load_digits()
        train(train_d, test_d, args.epochs or 30, args.batch_size, args.lr, args.out)


if __name__ == "__main__":
    main()
