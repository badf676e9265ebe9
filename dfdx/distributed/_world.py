"""The world of processes: who this process is, how many there are, and the collectives.

MPI (through mpi4py) is imported by :func:`init`, never when ``dfdx`` or ``dfdx.distributed``
is imported. Without mpi4py the world is one process, and every collective is the identity.
"""

from __future__ import annotations

import atexit
import importlib
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Literal, Protocol

from dfdx._backend import Array, xp

ReduceOp = Literal["mean", "sum", "max", "min"]
GradientOp = Literal["mean", "sum"]
"""How gradients are reduced over the ranks."""
REDUCE_OPS: tuple[ReduceOp, ...] = ("mean", "sum", "max", "min")

ABORT_GRACE_S = 10.0
"""How long a rank that raised an error every rank raised waits for rank 0 to report it and
bring the job down, before it aborts the job itself."""


class Request(Protocol):
    """A non-blocking collective in flight (``MPI.Request``)."""

    def Wait(self) -> Any: ...

    def Test(self) -> bool: ...


_LIVE_WINDOWS: list[Any] = []
"""The MPI windows allocated and not yet freed, oldest first (every rank makes and frees them
in the same order): whatever is left is freed at exit, before MPI is finalized."""


def live_windows() -> int:
    """How many shared-memory windows this process holds (for tests: no leak)."""
    return len(_LIVE_WINDOWS)


BEFORE_FREEING_AT_EXIT: list[Callable[[], None]] = []
"""Run at exit before the windows are freed, on this rank alone (no collective): the sharded
optimizers left open give the model's parameters arrays of their own there, so that nothing
reads unmapped memory afterwards (another exit handler saving the model)."""


def _free_windows_at_exit() -> None:
    for hook in BEFORE_FREEING_AT_EXIT:
        hook()
    # collective: every rank runs it at its exit, in the order the windows were made
    while _LIVE_WINDOWS:
        win = _LIVE_WINDOWS.pop(0)
        win.Unlock_all()
        win.Free()


class SharedMemory:
    """Memory mapped by every rank (an MPI shared-memory window): what one rank writes
    before :meth:`fence` every rank reads after it."""

    def __init__(self, memory: Any, win: Any = None, comm: Any = None) -> None:
        self.memory = memory
        self._win = win
        self._comm = comm

    def array(self, dtype: Any, count: int, offset: int) -> Array:
        """``count`` elements of ``dtype`` from byte ``offset``."""
        if self.memory is None:
            raise RuntimeError("dx.distributed: this shared memory was freed")
        return xp.frombuffer(self.memory, dtype, count, offset)

    def free(self) -> None:
        """Release the memory (``MPI_Win_free``): collective, on every rank in the same
        order; freeing again does nothing. The arrays :meth:`array` made must not be used
        after it (the memory is unmapped)."""
        win, self._win, self.memory = self._win, None, None
        if win is not None:
            _LIVE_WINDOWS.remove(win)
            win.Unlock_all()
            win.Free()

    def fence(self) -> None:
        """Wait until every rank has come here; their writes before it are then visible."""
        if self._win is not None:
            self._win.Sync()
            self._comm.Barrier()
            self._win.Sync()


class World:
    """This process's place among the processes of the job: :attr:`rank` (0 to
    ``size - 1``) and :attr:`size`. Built by :func:`init`."""

    backend: str = "none"
    """``"mpi"`` (mpi4py), or ``"none"``: one process, no MPI."""

    def __init__(self) -> None:
        self.rank = 0
        self.size = 1

    def __repr__(self) -> str:
        return f"World(rank={self.rank}, size={self.size}, backend={self.backend!r})"

    # The collectives: one process has nothing to exchange.
    def allreduce_(self, buf: Array, op: ReduceOp = "sum") -> None:
        """Reduce ``buf`` over all ranks, in place (``"mean"`` is reduced as a sum)."""

    def iallreduce_(self, buf: Array) -> Request | None:
        """Start summing ``buf`` over all ranks, in place; None when there is nothing to do."""
        return None

    def wait_all(self, requests: list[Request]) -> None:
        """Wait until every request has completed."""
        for request in requests:
            request.Wait()

    def test_all(self, requests: list[Request]) -> None:
        """Let requests in flight progress (MPI progresses them only inside its calls)."""
        for request in requests:
            request.Test()

    def reduce_scatter_block_(self, send: Array, recv: Array) -> None:
        """``send`` holds one block of ``len(recv)`` elements per rank: sum block ``rank``
        over all ranks into ``recv``."""
        recv[...] = send[: len(recv)]

    def allgather_(self, buf: Array) -> None:
        """``buf`` holds one equal block per rank: fill every block with its rank's, in
        place."""

    def shared_memory(self, nbytes: int) -> SharedMemory | None:
        """``nbytes`` of memory that every rank maps (all ranks on one machine), or None
        (ranks on several machines); collective. One process: its own memory."""
        return SharedMemory(bytearray(nbytes))

    def bcast_(self, buf: Array, root: int) -> None:
        """Overwrite ``buf`` with root's, in place."""

    def allgather(self, obj: Any) -> list[Any]:
        """Every rank's ``obj`` (picklable), by rank."""
        return [obj]

    def gather(self, obj: Any, root: int) -> list[Any] | None:
        """Every rank's ``obj`` (picklable), by rank, on ``root``; None on the others."""
        return [obj]

    def barrier(self) -> None:
        """Wait until every rank has come here."""

    def abort(self, code: int) -> None:
        """End every process of the job now."""
        raise SystemExit(code)


class MPIWorld(World):
    """The processes of ``MPI.COMM_WORLD``."""

    backend = "mpi"

    def __init__(self, mpi: Any) -> None:
        super().__init__()
        self._mpi = mpi
        self._comm = mpi.COMM_WORLD
        self.rank = int(self._comm.Get_rank())
        self.size = int(self._comm.Get_size())
        self._ops = {"mean": mpi.SUM, "sum": mpi.SUM, "max": mpi.MAX, "min": mpi.MIN}

    def allreduce_(self, buf: Array, op: ReduceOp = "sum") -> None:
        self._comm.Allreduce(self._mpi.IN_PLACE, buf, op=self._ops[op])

    def iallreduce_(self, buf: Array) -> Request:
        request: Request = self._comm.Iallreduce(self._mpi.IN_PLACE, buf, op=self._mpi.SUM)
        return request

    def wait_all(self, requests: list[Request]) -> None:
        self._mpi.Request.Waitall(requests)

    def test_all(self, requests: list[Request]) -> None:
        self._mpi.Request.Testall(requests)

    def reduce_scatter_block_(self, send: Array, recv: Array) -> None:
        self._comm.Reduce_scatter_block(send, recv, op=self._mpi.SUM)

    def allgather_(self, buf: Array) -> None:
        self._comm.Allgather(self._mpi.IN_PLACE, buf)

    def shared_memory(self, nbytes: int) -> SharedMemory | None:
        mpi, comm = self._mpi, self._comm
        node = comm.Split_type(mpi.COMM_TYPE_SHARED)
        together = node.Get_size() == self.size
        node.Free()
        if not together:
            return None
        # one segment, allocated by rank 0 and mapped by every rank
        try:
            win = mpi.Win.Allocate_shared(nbytes if self.rank == 0 else 0, 1, comm=comm)
        except mpi.Exception:  # an MPI without shared-memory windows: its collectives, then
            win = None
        if not comm.allreduce(win is not None, op=mpi.LAND):
            if win is not None:
                win.Free()
            return None
        win.Lock_all()  # a passive epoch for Win.Sync, held for the window's life
        if not _LIVE_WINDOWS:
            # registered after mpi4py's own exit handler: runs before MPI_Finalize
            atexit.unregister(_free_windows_at_exit)
            atexit.register(_free_windows_at_exit)
        _LIVE_WINDOWS.append(win)
        memory, _ = win.Shared_query(0)
        return SharedMemory(memory, win, comm)

    def bcast_(self, buf: Array, root: int) -> None:
        self._comm.Bcast(buf, root=root)

    def allgather(self, obj: Any) -> list[Any]:
        return list(self._comm.allgather(obj))

    def gather(self, obj: Any, root: int) -> list[Any] | None:
        gathered = self._comm.gather(obj, root=root)
        return None if gathered is None else list(gathered)

    def barrier(self) -> None:
        self._comm.Barrier()

    def abort(self, code: int) -> None:
        self._comm.Abort(code)


_world: World | None = None


def init() -> World:
    """Join the job: this process's rank and the number of processes, from MPI.

    Under ``mpiexec -n N`` the world has N processes; run plainly (or without mpi4py
    installed) it is a world of one, where every function of ``dx.distributed`` still works.
    In a world of several, an uncaught exception on any rank prints its traceback there and
    aborts the whole job (``MPI_Abort``), so that the other ranks do not wait forever in a
    collective. Calling ``init()`` again returns the same world."""
    global _world
    if _world is not None:
        return _world
    try:
        mpi = importlib.import_module("mpi4py.MPI")  # initializes MPI
    except ImportError:
        _world = World()
    except Exception as e:  # mpi4py is there, but no MPI library it can load
        raise RuntimeError(
            f"dx.distributed.init: mpi4py could not load an MPI library ({e}); install one "
            "(pip install mpich) or the extra (pip install 'dfdx[distributed]')"
        ) from e
    else:
        _world = MPIWorld(mpi)
    if _world.size > 1:
        _install_excepthook(_world)
    return _world


def world() -> World:
    """The world :func:`init` joined (joining it now if it has not been)."""
    return _world if _world is not None else init()


def get_rank() -> int:
    """This process's rank, 0 to ``get_world_size() - 1``."""
    return world().rank


def get_world_size() -> int:
    """The number of processes in the job."""
    return world().size


def is_main() -> bool:
    """Whether this is rank 0, the process that prints and saves."""
    return world().rank == 0


def barrier() -> None:
    """Wait until every process of the job has called ``barrier()``."""
    world().barrier()


class EveryRankError(ValueError):
    """An error found by a collective check, and so raised identically on every rank (a model
    that differs between ranks): rank 0 alone reports it before the job is aborted."""

    __module__ = "dfdx.distributed"


FLUSH_GRACE_S = 1.0
"""Seconds between printing a failing rank's traceback and aborting the job."""


def _install_excepthook(w: World) -> None:
    previous = sys.excepthook

    def abort_job(
        kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        if isinstance(error, EveryRankError) and w.rank != 0:
            # Rank 0 raised the same error: it reports it and aborts the job, ending this
            # process too. Should it not (it caught the error), abort after a while.
            time.sleep(ABORT_GRACE_S)
        else:
            sys.stderr.write(
                f"dfdx.distributed: rank {w.rank} of {w.size} raised an error; aborting the job\n"
            )
            previous(kind, error, tb)
            sys.stderr.flush()
        sys.stdout.flush()
        # mpiexec forwards a rank's output from a pipe: give it time to read the traceback
        # before the abort ends the forwarding (under load it was seen cut short)
        time.sleep(FLUSH_GRACE_S)
        w.abort(1)

    sys.excepthook = abort_job
