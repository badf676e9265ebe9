"""Saving from one rank: every rank holds the same model, so rank 0 alone writes it."""

from __future__ import annotations

from os import PathLike
from typing import Protocol

from dfdx.distributed._world import world


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
