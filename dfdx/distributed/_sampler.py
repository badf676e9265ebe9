"""``DistributedSampler``: each rank's share of a dataset's indices, as PyTorch's."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

from dfdx._backend import Array, xp
from dfdx.distributed._world import world


def _check_int(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | xp.integer):
        raise TypeError(f"DistributedSampler: {name} must be an int, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"DistributedSampler: {name} must be >= {low}, got {value}")
    return int(value)


class DistributedSampler:
    """The indices of rank ``rank``'s share of a dataset of ``len(dataset)`` items
    (``torch.utils.data.DistributedSampler``'s rules).

    Every rank shuffles all indices the same way (a permutation drawn from ``seed + epoch``:
    call :meth:`set_epoch` at the start of each epoch for a new order), pads the list by
    repeating its first indices until it divides evenly (or, with ``drop_last=True``, drops
    the tail), and takes every ``num_replicas``-th index from position ``rank``. So every rank
    gets ``len(sampler)`` indices, the same number of batches, and together the ranks cover
    the dataset once per epoch (a few items twice when padded).

    ``dataset`` is anything with a length, or the length itself; ``num_replicas`` and
    ``rank`` default to the world of :func:`dx.distributed.init`."""

    def __init__(
        self,
        dataset: Sized | int,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if isinstance(dataset, int | xp.integer) and not isinstance(dataset, bool):
            n = _check_int("the dataset's length", dataset, 0)
        elif isinstance(dataset, Sized):
            n = len(dataset)
        else:
            raise TypeError(
                "DistributedSampler: dataset must have a length (or be the length), got "
                f"{type(dataset).__name__}"
            )
        if num_replicas is None or rank is None:
            w = world()
            num_replicas = w.size if num_replicas is None else num_replicas
            rank = w.rank if rank is None else rank
        self.num_replicas = _check_int("num_replicas", num_replicas, 1)
        self.rank = _check_int("rank", rank, 0)
        if self.rank >= self.num_replicas:
            raise ValueError(
                f"DistributedSampler: rank must be in [0, {self.num_replicas}), got {rank}"
            )
        self.dataset_size = n
        self.shuffle = bool(shuffle)
        self.seed = _check_int("seed", seed, 0)
        self.drop_last = bool(drop_last)
        self.epoch = 0
        if self.drop_last:  # PyTorch's ceil((n - replicas) / replicas), when n is not a multiple
            self.num_samples = n // self.num_replicas
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch: int) -> None:
        """Use the order of epoch ``epoch`` (the same on every rank for the same epoch)."""
        self.epoch = _check_int("epoch", epoch, 0)

    def indices(self) -> Array:
        """This rank's indices for the current epoch, as an int64 array."""
        n = self.dataset_size
        if self.shuffle:
            order = xp.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            order = xp.arange(n)
        if self.drop_last:
            order = order[: self.total_size]
        elif self.total_size > n and n:
            order = xp.resize(order, self.total_size)  # repeats from the start
        return order[self.rank : self.total_size : self.num_replicas].astype(xp.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def __repr__(self) -> str:
        return (
            f"DistributedSampler({self.dataset_size} items, rank {self.rank} of "
            f"{self.num_replicas}, shuffle={self.shuffle}, seed={self.seed}, "
            f"epoch={self.epoch}, drop_last={self.drop_last})"
        )
