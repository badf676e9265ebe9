"""One epoch of a shuffled DataLoader over an in-memory dataset: dfdx against PyTorch's
``DataLoader(num_workers=0)`` and a hand-written NumPy floor, in one process.

Usage: python bench/bench_data.py [--rounds 5] [--steps 1] [--n 60000] [--no-torch]

The dataset is MNIST-sized: ``--n`` rows of 784 float32 features and int64 labels. Each side
draws a new permutation and yields every batch of it (``shuffle=True``):

- ``numpy``: ``perm = rng.permutation(n)``, then ``x[perm[i:i+b]], y[perm[i:i+b]]``: the floor;
- ``dfdx``: ``DataLoader(TensorDataset(x, y), b, shuffle=True)``, which batches the same way;
- ``torch``: ``DataLoader(TensorDataset(x, y), b, shuffle=True)``, single-threaded;
- ``... samples``: a dataset that is not a TensorDataset (its ``__getitem__`` returns one
  ``(x[i], y[i])`` pair of tensors), read one sample at a time and stacked by the default
  collate, on both sides.

Every side runs single-threaded, in alternating rounds (best round kept; see README.md).
"""

# First: _timing sets one BLAS/OpenMP thread on every side, before numpy (or torch) loads.
from _timing import Race, arg_parser, describe_machine, print_table, ratio, torch, use_torch

# isort: split
from typing import Any

import numpy as np

import dfdx as dx
from dfdx.utils.data import DataLoader, TensorDataset


class Pairs:
    """A map-style dataset that is not a TensorDataset: one sample per ``__getitem__``."""

    def __init__(self, x: Any, y: Any) -> None:
        self.x, self.y = x, y

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> tuple[Any, Any]:
        return self.x[i], self.y[i]


def epoch(loader: Any) -> Any:
    def run() -> None:
        for _ in loader:
            pass

    return run


def numpy_epoch(x: np.ndarray, y: np.ndarray, b: int) -> Any:
    rng = np.random.default_rng(0)

    def run() -> None:
        perm = rng.permutation(len(x))
        for i in range(0, len(x), b):
            idx = perm[i : i + b]
            x[idx], y[idx]

    return run


def main() -> None:
    p = arg_parser(__doc__ or "", steps=1, steps_help="epochs per round and side")
    p.set_defaults(rounds=5)
    p.add_argument("--n", type=int, default=60000, help="samples in the dataset")
    args = p.parse_args()
    with_torch = use_torch(args.no_torch)
    describe_machine(with_torch)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.n, 784), dtype=np.float32)
    y = rng.integers(0, 10, args.n)
    data = TensorDataset(dx.tensor(x), dx.tensor(y))
    dx_pairs = Pairs(dx.tensor(x), dx.tensor(y))
    race = Race()
    sizes = (64, 256)
    if with_torch:
        from torch.utils import data as tdata

        tds = tdata.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
        t_pairs = Pairs(torch.from_numpy(x), torch.from_numpy(y))
    for b in sizes:
        race.add(f"{b}/numpy", lambda b=b: numpy_epoch(x, y, b), args.steps)
        race.add(f"{b}/dfdx", lambda b=b: epoch(DataLoader(data, b, shuffle=True)), args.steps)
        if with_torch:
            race.add(
                f"{b}/torch", lambda b=b: epoch(tdata.DataLoader(tds, b, shuffle=True)), args.steps
            )
    race.add("samples/dfdx", lambda: epoch(DataLoader(dx_pairs, 64, shuffle=True)), args.steps)
    if with_torch:
        race.add(
            "samples/torch", lambda: epoch(tdata.DataLoader(t_pairs, 64, shuffle=True)), args.steps
        )
    best = race.run(args.rounds)

    def ms(key: str) -> str:
        return f"{best[key] * 1e3:.1f}" if key in best else "-"

    print(f"\none shuffled epoch of {args.n} x 784 float32 + int64 labels, ms (best round)")
    rows = []
    for name in (*map(str, sizes), "samples"):
        label = f"batch {name}" if name != "samples" else "batch 64, per-sample dataset"
        rows.append(
            [
                label,
                ms(f"{name}/numpy"),
                ms(f"{name}/dfdx"),
                ms(f"{name}/torch"),
                ratio(best.get(f"{name}/dfdx"), best.get(f"{name}/torch")),
                ratio(best.get(f"{name}/dfdx"), best.get(f"{name}/numpy")),
            ]
        )
    print_table(["case", "numpy", "dfdx", "torch", "dfdx/torch", "dfdx/numpy"], rows)


if __name__ == "__main__":
    main()
