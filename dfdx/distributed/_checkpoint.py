"""Saving from one rank: every rank holds the same model, so rank 0 alone writes it."""

from __future__ import annotations

from collections.abc import Mapping
from os import PathLike
from typing import TYPE_CHECKING, Any, Protocol

from dfdx._checkpoint import save_checkpoint as save_one
from dfdx.distributed._shard import ShardedOptimizer
from dfdx.distributed._world import world

if TYPE_CHECKING:
    from dfdx.nn import Module
    from dfdx.optim import Optimizer
    from dfdx.optim.lr_scheduler import LRScheduler


class Saveable(Protocol):
    """Anything with ``save(path)``: a ``dx.nn.Module``."""

    def save(self, path: str | PathLike[str]) -> None: ...


def save(obj: Saveable, path: str | PathLike[str]) -> None:
    """``obj.save(path)`` on rank 0 only, then a barrier: when ``save`` returns on any rank,
    the file is complete (``Module.save`` writes a temporary file and renames it). If the
    save fails on rank 0, the error aborts the job (see :func:`init`)."""
    w = world()
    if w.rank == 0:
        obj.save(path)
    w.barrier()


class _Gathered:
    """A sharded optimizer's state, gathered: what ``dx.save_checkpoint`` saves."""

    def __init__(self, state: dict[str, Any]) -> None:
        self._state = state

    def state_dict(self) -> dict[str, Any]:
        return self._state


def save_checkpoint(
    path: str | PathLike[str],
    *,
    model: Module | None = None,
    optimizer: Optimizer | ShardedOptimizer | None = None,
    scheduler: LRScheduler | None = None,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """``dx.save_checkpoint`` from rank 0, then a barrier; collective: call it on every rank.
    A :class:`ShardedOptimizer`'s state is gathered to rank 0 first (each rank holds its
    part), in the unsharded optimizer's format: ``dx.load_checkpoint(path, model=...,
    optimizer=sharded)`` on every rank resumes from it (each keeps its part), and so does an
    unsharded optimizer. An error on rank 0 aborts the job (see :func:`init`)."""
    w = world()
    saved: Optimizer | _Gathered | None = None
    if isinstance(optimizer, ShardedOptimizer):
        state = optimizer._gather(root=0)
        saved = None if state is None else _Gathered(state)
    else:
        saved = optimizer
    if w.rank == 0:
        save_one(path, model=model, optimizer=saved, scheduler=scheduler, extra=extra)
    w.barrier()
