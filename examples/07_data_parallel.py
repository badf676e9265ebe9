"""Data-parallel training: the digits MLP of 02_mnist_classifier.py on several processes.

    mpiexec -n 2 python examples/07_data_parallel.py          # 2 processes, 16 images each
    mpiexec -n 2 python examples/07_data_parallel.py --shard  # each rank updates half
    python examples/07_data_parallel.py                       # one process: 02's training

Every process (rank) builds the same model, takes its share of every batch of 32 images
(``dx.distributed.DistributedSampler``), and averages its gradients with the other ranks'
before each Adam step (``dx.distributed.all_reduce_gradients``): every rank then makes the
step one process would make on the whole batch, and the model reaches the same ~98% test
accuracy. With ``--shard``, the Adam update is sharded instead
(``dx.distributed.ShardedOptimizer``): each rank reduces, updates and keeps the Adam state of
its half of the parameters only, then the ranks exchange the updated halves; the parameters
are the same, bit for bit. Rank 0 prints the per-epoch loss and test accuracy and saves the
model. MPI comes from the ``distributed`` extra (``pip install -e ".[distributed]"``;
docs/distributed.md). ``DFDX_EXAMPLES_QUICK=1`` runs a few steps only.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TypeVar

from _data import QUICK, Split, load_digits, small_matrices_one_thread
from tqdm import tqdm

import dfdx as dx
from dfdx import distributed as dist

F = TypeVar("F", bound=int)

DESCRIPTION = (
    "The digits MLP trained data-parallel: mpiexec -n 2 python examples/07_data_parallel.py"
)


def evaluate(model: dx.nn.Module, data: Split[F]) -> float:
    """The fraction of ``data`` that ``model`` classifies right."""
    predicted = model(data.images).argmax(axis=-1).numpy()
    return float((predicted == data.labels.numpy()).mean())


def train(
    world: dist.World,
    train_set: Split[F],
    test_set: Split[F],
    epochs: int,
    batch_size: int,
    lr: float,
    out: Path,
    shard: bool = False,
) -> float:
    if batch_size % world.size:
        raise SystemExit(f"--batch-size {batch_size} must divide among {world.size} processes")
    per_rank = batch_size // world.size  # each step, the ranks' shares make one whole batch
    model = dx.nn.Sequential(
        dx.nn.Linear(train_set.features, 512),
        dx.nn.ReLU(),
        dx.nn.Linear(512, 128),
        dx.nn.ReLU(),
        dx.nn.Linear(128, 32),
        dx.nn.ReLU(),
        dx.nn.Linear(32, 10),
    )
    dist.broadcast_parameters(model)  # every rank starts from rank 0's weights
    opt = dx.optim.Adam(model, lr=lr)  # its state stays the same on every rank
    # or each rank updates (and keeps the state of) its share of the parameters only
    sharded = dist.ShardedOptimizer(opt) if shard else None
    # Each rank's share of the shuffled images; every rank gets as many (padded if need be).
    sampler = dist.DistributedSampler(len(train_set), seed=0)
    steps = len(sampler) // per_rank
    if QUICK:
        epochs, steps = 1, 3
    if dist.is_main():
        print(
            f"{world.size} process(es), {per_rank} images each per step (batch {batch_size})"
            f"{', Adam sharded' if shard else ''}; "
            f"{len(train_set)} training images, {model.num_parameters()} params"
        )
    start = time.perf_counter()
    accuracy = 0.0
    for epoch in range(1, epochs + 1):
        sampler.set_epoch(epoch)  # a new order each epoch, the same on every rank
        order = sampler.indices()
        total = 0.0
        bar = tqdm(
            range(steps), desc=f"epoch {epoch}/{epochs}", leave=False, disable=not dist.is_main()
        )
        for step in bar:
            x, y = train_set.batch(order[step * per_rank : (step + 1) * per_rank])
            loss = dx.losses.cross_entropy_with_logits_loss(model(x.trace()), y)
            if sharded is not None:  # reduces this rank's gradients itself
                sharded.update(model, loss.backward())
            else:
                grads = dist.all_reduce_gradients(loss.backward(), model)  # the mean over ranks
                opt.update(model, grads)
            total += loss.item()
        bar.close()
        mean_loss = dist.all_reduce(total / steps)  # the mean over ranks of their mean losses
        if dist.is_main():
            accuracy = evaluate(model, test_set)
            print(f"epoch {epoch}: mean loss {mean_loss:.4f}, test accuracy {accuracy:.2%}")
    if dist.is_main():
        elapsed = time.perf_counter() - start
        print(f"test accuracy: {accuracy:.2%} ({len(test_set)} images, trained in {elapsed:.1f} s)")
    dist.save(model, out)  # rank 0 writes; every rank returns once the file is complete
    if dist.is_main():
        print(f"model saved to {out}")
    return accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32, help="global: all ranks together")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--out", type=Path, default=Path("mnist_mlp_dp.npz"))
    parser.add_argument(
        "--shard", action="store_true", help="each rank updates its share of the parameters"
    )
    args = parser.parse_args()
    world = dist.init()
    small_matrices_one_thread()
    dx.manual_seed(0)
    train_set, test_set = load_digits()
    train(world, train_set, test_set, args.epochs, args.batch_size, args.lr, args.out, args.shard)


if __name__ == "__main__":
    main()
