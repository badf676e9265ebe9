"""Sharding the optimizer's update over the ranks (ZeRO stage 1): each rank reduces, updates
and keeps the optimizer state of 1/N of the flat parameters, then the ranks exchange the
updated parts."""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, overload

from dfdx import _autodiff
from dfdx._backend import Array, xp
from dfdx._dtypes import DTypeError
from dfdx._gradients import Gradients
from dfdx.distributed import _world
from dfdx.distributed._reduce import (
    HasParameters,
    _check_op,
    _copy,
    _scaling,
    _write,
    all_reduce,
)
from dfdx.distributed._world import GradientOp, World, world
from dfdx.optim._base import Optimizer
from dfdx.optim._clip import _check_limit, _check_norm_type, _norm
from dfdx_mypy_plugin.shapes import ShapeError, fmt

if TYPE_CHECKING:
    from dfdx._typing import AnyTensor


class _Run:
    """The parameters of one parameter group inside this rank's part of a flat buffer,
    updated with one optimizer step when they all have a gradient and share their scalar
    state (step counts); each member (the part of one parameter) holds views of the run's
    state, so that it can also be stepped alone, as the optimizer's own flat groups do."""

    __slots__ = ("group", "hi", "lo", "members", "state")

    def __init__(self, opt: Optimizer, group: int, pieces: list[tuple[int, int]], p: Array) -> None:
        self.group = group  # index in opt.param_groups
        self.lo, self.hi = pieces[0][0], pieces[-1][1]  # within this rank's block
        self.state = opt._init_state(p[self.lo : self.hi], opt.param_groups[group])
        self.members = [
            [s[a - self.lo : b - self.lo] if isinstance(s, xp.ndarray) else s for s in self.state]
            for a, b in pieces
        ]

    def in_step(self) -> bool:
        scalars = [(i, s) for i, s in enumerate(self.state) if not isinstance(s, xp.ndarray)]
        return all(m[i] == s for m in self.members for i, s in scalars)

    def resync(self) -> None:
        for i, s in enumerate(self.state):
            if not isinstance(s, xp.ndarray):
                self.state[i] = self.members[0][i]

    def share_scalars(self) -> None:
        for i, s in enumerate(self.state):
            if not isinstance(s, xp.ndarray):
                for m in self.members:
                    m[i] = s


class _Piece:
    """The part of one parameter that lies in one rank's block of the flat buffer."""

    __slots__ = ("block", "end", "param_start", "start")

    def __init__(self, block: int, start: int, end: int, param_start: int) -> None:
        self.block = block  # the rank that owns it
        self.start, self.end = start, end  # within that rank's block
        self.param_start = param_start  # within the flattened parameter


class _Flat:
    """Every parameter of one dtype, laid out flat (by parameter group, then in the model's
    order) and cut into ``size`` equal blocks, block ``r`` owned by rank ``r``: the
    parameters themselves (the model's tensors become views of ``params``), and the
    gradients on their way to the owner of each block.

    On one machine (``shared``), ``params`` is memory every rank maps, and so are one slot
    per rank for its gradients (times the mean's factor; then one flag per parameter, 1 if
    it has that gradient). The backward pass's ops write the gradients straight into the
    slot where they can (``linear``'s), the owner of each block sums that block of the
    slots, and its optimizer step writes the updated block into ``params`` in place, where
    every rank reads it after a barrier: a reduce-scatter and an all-gather with no copy.
    Otherwise ``send`` holds the gradients per block, each followed by the flags, and
    ``MPI_Reduce_scatter_block`` sums this rank's block into ``recv``; after the step,
    ``MPI_Allgather`` sends the updated block to every rank."""

    def __init__(self, opt: Optimizer, keys: list[str], w: World, dtype: Any, shared: bool) -> None:
        self.keys = keys
        self.shapes = [opt._shapes[k] for k in keys]
        sizes = [math.prod(shape) for shape in self.shapes]
        self.sizes = sizes
        self.starts = [sum(sizes[:i]) for i in range(len(sizes))]
        total = sum(sizes)
        self.block = -(-total // w.size)  # elements per rank (the last block padded)
        nflags = len(keys)
        padded = self.block * w.size
        self.slot = -(-(padded + nflags) // ALIGN) * ALIGN  # a rank's gradients and flags
        itemsize = xp.dtype(dtype).itemsize
        at = -(-padded // ALIGN) * ALIGN  # the slots' start
        memory = w.shared_memory((at + w.size * self.slot) * itemsize) if shared else None
        self.shared = memory
        if memory is not None:
            self.params = memory.array(dtype, padded, 0)
            slots = memory.array(dtype, w.size * self.slot, at * itemsize)
            self.slots = slots.reshape(w.size, self.slot)
            if w.rank == 0:
                self.params.fill(0)
                self.slots.fill(0)
            memory.fence()
        else:
            self.params = xp.zeros(padded, dtype)
            self.send = xp.zeros((w.size, self.block + nflags), dtype)
        self.recv = xp.zeros(self.block + nflags, dtype)
        self.views = [
            self.params[s : s + n].reshape(shape)
            for s, n, shape in zip(self.starts, sizes, self.shapes, strict=True)
        ]
        self.pieces: list[list[_Piece]] = []
        for s, n in zip(self.starts, sizes, strict=True):
            pieces = []
            for block in range(s // self.block, -(-(s + n) // self.block)):
                a = max(s, block * self.block)
                b = min(s + n, (block + 1) * self.block)
                pieces.append(_Piece(block, a - block * self.block, b - block * self.block, a - s))
            self.pieces.append(pieces)
        # this rank's runs: consecutive parameters of one group within its block
        lo = w.rank * self.block
        self.lo = lo
        self.runs: list[_Run] = []
        # (key index, run, member index, start, end): this rank's part of each parameter
        self.members: list[tuple[int, _Run, int, int, int]] = []
        current: list[tuple[int, int, int]] = []  # (key index, start, end) in this block
        group_of = [opt._group_of[k] for k in keys]

        def close() -> None:
            if current:
                spans = [(a, b) for _, a, b in current]
                run = _Run(opt, group_of[current[0][0]], spans, self.params[lo : lo + self.block])
                self.runs.append(run)
                self.members += [(i, run, m, a, b) for m, (i, a, b) in enumerate(current)]
                current.clear()

        for i, (s, n) in enumerate(zip(self.starts, sizes, strict=True)):
            a, b = max(s, lo), min(s + n, lo + self.block)
            if a >= b:
                continue
            if current and group_of[current[-1][0]] != group_of[i]:
                close()
            current.append((i, a - lo, b - lo))
        close()

    def take_in(self, i: int, data: Array) -> None:
        """Parameter ``i``'s values into ``params``: on one machine, the part of them in this
        rank's block only (each block's values come from its owner, as after a step)."""
        if self.shared is None:
            xp.copyto(self.views[i], data)
            return
        flat = data.reshape(-1)
        for piece in self.pieces[i]:
            if piece.block == self.lo // self.block:
                n = piece.end - piece.start
                xp.copyto(
                    self.params[self.lo + piece.start : self.lo + piece.end],
                    flat[piece.param_start : piece.param_start + n],
                )

    def fill(
        self,
        w: World,
        tensors: list[AnyTensor],
        pending: dict[int, _autodiff.Pending],
        scale: float,
    ) -> None:
        """This rank's gradients, times ``scale``, and its flags, on their way."""
        if self.shared is not None:
            slot = self.slots[w.rank]
            flags = slot[self.block * w.size : self.block * w.size + len(self.keys)]
            for i, t in enumerate(tensors):
                entry = pending.get(t._id)
                if entry is not None and entry.shape != self.shapes[i]:
                    self._checked(i, entry)  # raises, naming the shapes
                out = slot[self.starts[i] : self.starts[i] + self.sizes[i]]
                flags[i] = _write(out, entry, scale, partial(self._checked, i))
            return
        send = self.send
        flags = send[0, self.block :]
        for i, t in enumerate(tensors):
            g = self._gradient(i, pending.get(t._id))
            flags[i] = 0 if g is None else 1
            g = None if g is None else g.reshape(-1)
            for piece in self.pieces[i]:
                part = (
                    None
                    if g is None
                    else g[piece.param_start : piece.param_start + piece.end - piece.start]
                )
                _copy(send[piece.block, piece.start : piece.end], part, scale)
        if len(send) > 1:
            send[1:, self.block :] = flags

    def _gradient(self, i: int, entry: _autodiff.Pending | None) -> Array | None:
        """Parameter ``i``'s gradient (computed if pending), checked against the parameter."""
        return None if entry is None else self._checked(i, entry)

    def _checked(self, i: int, entry: _autodiff.Pending) -> Array:
        g = entry.get()
        view = self.views[i]
        if g.shape != view.shape:
            raise ShapeError(
                f"ShardedOptimizer.update: the gradient of {self.keys[i]!r} is {fmt(g.shape)}, "
                f"the parameter is {fmt(view.shape)}"
            )
        if g.dtype != view.dtype:
            raise DTypeError(
                f"ShardedOptimizer.update: the gradient of {self.keys[i]!r} is {g.dtype}, the "
                f"parameter is {view.dtype}"
            )
        return g

    def reduce(self, w: World) -> tuple[Array, Array]:
        """This rank's block of the gradients summed over the ranks, and the flags summed
        (on how many ranks each parameter had a gradient)."""
        block, nflags = self.block, len(self.keys)
        if self.shared is None:
            w.reduce_scatter_block_(self.send.reshape(-1), self.recv)
            return self.recv[:block], self.recv[block:]
        self.shared.fence()  # every rank's gradients are in its slot
        lo, slots = self.lo, self.slots
        flags_at = block * w.size
        if w.size == 1:
            return slots[0, :block], slots[0, flags_at : flags_at + nflags]
        grad, flags = self.recv[:block], self.recv[block:]
        xp.add(slots[0, lo : lo + block], slots[1, lo : lo + block], out=grad)
        xp.add(
            slots[0, flags_at : flags_at + nflags],
            slots[1, flags_at : flags_at + nflags],
            out=flags,
        )
        for r in range(2, w.size):  # in rank order: the same sum whoever owns the block
            grad += slots[r, lo : lo + block]
            flags += slots[r, flags_at : flags_at + nflags]
        return grad, flags

    def publish(self, w: World) -> None:
        """Every rank's updated block to every rank."""
        if self.shared is None:
            w.allgather_(self.params)
            return
        # the step wrote this rank's block in place: once every rank is here, every block
        # is updated (and every rank has read this step's gradients from the slots)
        self.shared.fence()

    def detach(self, tensors: list[AnyTensor]) -> None:
        """Give ``tensors`` (the model's, views of ``params``) and ``params`` arrays of their
        own, out of shared memory; on this rank alone."""
        if self.shared is None or self.shared.memory is None:
            return
        for t in tensors:
            if xp.shares_memory(t._data, self.params):
                t._data = t._data.copy()
        self.params = self.params.copy()
        self.views = [
            self.params[s : s + n].reshape(shape)
            for s, n, shape in zip(self.starts, self.sizes, self.shapes, strict=True)
        ]

    def free(self, tensors: list[AnyTensor]) -> None:
        """:meth:`detach`, then release the shared memory (collective)."""
        if self.shared is None:
            return
        self.detach(tensors)
        self.slots = xp.empty((0, 0), self.params.dtype)
        self.shared.free()


_OPEN: weakref.WeakSet[ShardedOptimizer] = weakref.WeakSet()
"""The sharded optimizers not closed: at exit their models' parameters leave shared memory
before it is freed (``_world.BEFORE_FREEING_AT_EXIT``)."""


def _detach_open_at_exit() -> None:
    for sharded in list(_OPEN):
        for flat in sharded._flats:
            flat.detach(list(sharded._bound.values()))


_world.BEFORE_FREEING_AT_EXIT.append(_detach_open_at_exit)

ALIGN = 16
"""Slots in shared memory start at multiples of this many elements (64 bytes in float32)."""


class ShardedOptimizer:
    """``optimizer``'s update, sharded over the ranks (ZeRO stage 1): each rank keeps the
    optimizer state of, and updates, only its 1/N of the parameters.

    ``update(model, grads)`` takes this rank's own gradients (``loss.backward()``, not
    reduced): it sums each rank's part of them over the ranks (a reduce-scatter: half of an
    all-reduce), applies ``optimizer``'s step to that part, and gathers the updated parts on
    every rank (an all-gather). With every rank on one machine and ``shared_memory=True``
    both go through memory the ranks share, else through ``MPI_Reduce_scatter_block`` and
    ``MPI_Allgather``. Building one is collective. The parameters then hold the same
    values, bit for bit, on every rank, and the same values an unsharded ``optimizer`` given
    ``all_reduce_gradients(grads, model)`` would compute (its step is elementwise: the same
    arithmetic on each element; on 2 ranks the sums are the same bits too).

    The model's parameters become views of one flat buffer per dtype (at the first update,
    and again whenever a parameter's array was replaced). On one machine that buffer is
    shared by the ranks until :meth:`close`: only this optimizer may then change the
    parameters in place. The gradients ``update`` reads are computed straight into shared
    memory where the op can (``linear``'s): read any you need from ``grads`` before
    ``update`` (after it, reading such a gradient raises, as any gradient not read before
    an optimizer step). ``state_dict()`` gathers the whole
    state from every rank, in ``optimizer.state_dict()``'s format, and
    ``load_state_dict(state)`` keeps each rank's part of one: checkpoints are interchangeable
    with those of the unsharded optimizer. Both are collective: call them on every rank.

    ``optimizer`` must be new (never stepped): its state stays unused; its ``param_groups``
    are read at every step, so a scheduler built on ``optimizer`` works as usual."""

    def __init__(self, optimizer: Optimizer, *, shared_memory: bool = True) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"ShardedOptimizer: expected a dx.optim optimizer, got {type(optimizer).__name__}"
            )
        if any(optimizer._started(s) for s in optimizer._state.values()):
            raise ValueError(
                "ShardedOptimizer: the optimizer has already made steps; wrap a new one (and "
                "load_state_dict its state_dict into the ShardedOptimizer)"
            )
        self.optimizer = optimizer
        self.world = world()
        by_dtype: dict[str, list[str]] = {}
        for group in optimizer.param_groups:
            for key in group["params"]:
                by_dtype.setdefault(xp.dtype(optimizer._dtypes[key]).str, []).append(key)
        self._flats = [
            _Flat(optimizer, keys, self.world, d, shared_memory)
            for d, keys in sorted(by_dtype.items())
        ]
        self._closed = False
        self._bound: dict[str, AnyTensor] = {}  # the model's tensors that view the flats
        _OPEN.add(self)

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        """The wrapped optimizer's parameter groups (``"lr"``, ... read at every step)."""
        return self.optimizer.param_groups

    @overload
    def update(
        self,
        model: HasParameters,
        grads: Gradients,
        op: GradientOp = "mean",
        *,
        max_norm: None = None,
        norm_type: float = 2.0,
    ) -> None: ...
    @overload
    def update(
        self,
        model: HasParameters,
        grads: Gradients,
        op: GradientOp = "mean",
        *,
        max_norm: float,
        norm_type: float = 2.0,
    ) -> float: ...
    def update(
        self,
        model: HasParameters,
        grads: Gradients,
        op: GradientOp = "mean",
        *,
        max_norm: float | None = None,
        norm_type: float = 2.0,
    ) -> float | None:
        """Reduce this rank's ``grads`` (``"mean"`` or ``"sum"`` over the ranks) and update
        ``model``'s parameters with them, every rank its part; collective. A parameter with a
        gradient on no rank is left alone, as in one process.

        ``max_norm``: clip the reduced gradients first, as ``dx.optim.clip_grad_norm`` would
        clip ``all_reduce_gradients(grads, model)`` (the ``norm_type``-norm of all of them,
        summed over the ranks' blocks with one small all-reduce), and return that norm."""
        where = "ShardedOptimizer.update"
        _check_op(where, op, ("mean", "sum"))
        if not isinstance(grads, Gradients):
            raise TypeError(
                f"{where}: expected the Gradients of loss.backward(), got {type(grads).__name__}"
            )
        limit = None if max_norm is None else _check_limit(where, "max_norm", max_norm)
        if max_norm is not None:
            _check_norm_type(where, norm_type)
        if self._closed:
            raise RuntimeError(f"{where}: this ShardedOptimizer was closed")
        opt = self.optimizer
        tensors = self._bind(model)
        if grads._epoch != _autodiff.param_epoch():
            for t in tensors.values():
                if t in grads:
                    grads.array(t)  # raises if it depends on parameters updated since
        w = self.world
        scale, divide_by = _scaling(op, w.size)
        pending = grads._pending
        reduced: list[tuple[_Flat, Array, Array]] = []
        for flat in self._flats:
            flat.fill(w, [tensors[k] for k in flat.keys], pending, scale)
            grad, flags = flat.reduce(w)
            if divide_by != 1:
                grad /= divide_by
            reduced.append((flat, grad, flags))
        total = None if limit is None else self._clip(reduced, limit, float(norm_type))
        updated: list[int] = []
        for flat, grad, flags in reduced:
            params = flat.params[flat.lo : flat.lo + flat.block]
            stepped = set()
            for run in flat.runs:
                if run.in_step() and all(flags[i] > 0 for i, r, *_ in flat.members if r is run):
                    group = opt.param_groups[run.group]
                    opt._step(params[run.lo : run.hi], grad[run.lo : run.hi], run.state, group)
                    run.share_scalars()
                    stepped.add(id(run))
            for i, run, m, a, b in flat.members:  # runs that must be stepped part by part
                if id(run) not in stepped and flags[i] > 0:
                    group = opt.param_groups[run.group]
                    opt._step(params[a:b], grad[a:b], run.members[m], group)
            flat.publish(w)
            updated += [tensors[k]._id for i, k in enumerate(flat.keys) if flags[i] > 0]
        _autodiff.bump_param_epoch(updated)
        return total

    def _clip(self, reduced: list[tuple[_Flat, Array, Array]], limit: float, p: float) -> float:
        """``clip_grad_norm`` on the reduced gradients, each rank scaling its blocks: the
        norm of the parameters' parts in this rank's blocks, as ``clip_grad_norm`` computes
        it (each part's norm in its dtype, then their norm in float64), combined over the
        ranks with one small all-reduce (``sum`` of the ``p``-th powers; ``max`` for
        ``p = inf``). In a world of one, ``clip_grad_norm``'s arithmetic exactly."""
        parts = [
            _norm(grad[a:b], p)
            for flat, grad, flags in reduced
            for i, _, _, a, b in flat.members
            if flags[i] > 0
        ]
        mine = _norm(xp.array(parts, xp.float64), p)
        if self.world.size == 1:
            total = mine
        elif math.isinf(p):
            total = all_reduce(mine, "max")
        else:
            total = all_reduce(mine**p, "sum") ** (1 / p)
        coef = limit / (total + 1e-6)
        if coef < 1.0 or math.isnan(coef):
            with xp.errstate(invalid="ignore"):  # inf * 0 is nan, as in clip_grad_norm
                for _, grad, _ in reduced:
                    grad *= grad.dtype.type(coef)
        return total

    def close(self) -> None:
        """Release the memory the ranks share (collective: call it on every rank); the
        model's parameters get arrays of their own again. ``update`` then raises; the
        state stays readable. ``with dist.ShardedOptimizer(opt) as sharded:`` closes it at
        the end of the block; what is left open is released when the job ends."""
        if self._closed:
            return
        self._closed = True
        _OPEN.discard(self)
        for flat in self._flats:
            flat.free(list(self._bound.values()))
        self._bound = {}

    def __enter__(self) -> ShardedOptimizer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # an error on one rank only would leave the others waiting in close(), a collective:
        # the job is aborted instead (dx.distributed.init's exception hook)
        if error is None or self.world.size == 1:
            self.close()

    # ---- state ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The whole optimizer state, gathered from every rank, in the format (and with the
        values) of the unsharded optimizer's ``state_dict()``; collective."""
        state = self._gather(None)
        assert state is not None
        return state

    def _gather(self, root: int | None) -> dict[str, Any] | None:
        """:meth:`state_dict` on ``root`` (None on the other ranks), or on every rank."""
        opt = self.optimizer
        mine: list[tuple[str, int, dict[str, Any]]] = []
        for flat in self._flats:
            for i, run, m, a, _ in flat.members:
                member = run.members[m]
                if opt._started(member):
                    start = flat.lo + a - flat.starts[i]  # within the flattened parameter
                    exported = {
                        k: v.copy() if isinstance(v, xp.ndarray) else v
                        for k, v in opt._export(member).items()
                    }
                    mine.append((flat.keys[i], start, exported))
        everyone = self.world.allgather(mine) if root is None else self.world.gather(mine, root)
        if everyone is None:
            return None
        parts: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for theirs in everyone:
            for key, start, exported in theirs:
                parts.setdefault(key, []).append((start, exported))
        state: dict[str, dict[str, Any]] = {}
        for key in opt._shapes:
            if key not in parts:
                continue
            pieces = [e for _, e in sorted(parts[key], key=lambda p: p[0])]
            entry = dict(pieces[0])
            for name in opt._array_names:
                entry[name] = xp.concatenate([e[name] for e in pieces]).reshape(opt._shapes[key])
            state[key] = entry
        full = opt.state_dict()
        full["state"] = state
        return full

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Keep this rank's part of ``state`` (a ``state_dict()`` of this class or of the
        unsharded optimizer), checked as the optimizer checks it; collective only in that
        every rank must load the same state. ``dx.load_checkpoint(path, optimizer=sharded)``
        loads one from a checkpoint the same way."""
        self._apply(self._check_state(state))

    def _check_state(self, state: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        return self.optimizer._check_state(state)

    def _apply(self, checked: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
        opt = self.optimizer
        groups, arrays = checked
        for mine, loaded in zip(opt.param_groups, groups, strict=True):
            mine.clear()
            mine.update(loaded)
        for flat in self._flats:
            for i, run, m, a, b in flat.members:
                entry = arrays.get(flat.keys[i])
                if entry is not None:
                    start = flat.lo + a - flat.starts[i]
                    entry = {
                        k: v.reshape(-1)[start : start + b - a] if k in opt._array_names else v
                        for k, v in entry.items()
                    }
                opt._import(run.members[m], entry)
            for run in flat.runs:
                run.resync()

    def _bind(self, model: HasParameters) -> dict[str, AnyTensor]:
        """The model's parameters by name, each made a view of its flat buffer if it is not."""
        opt = self.optimizer
        tensors = dict(model.named_parameters())
        for flat in self._flats:
            for i, (key, view) in enumerate(zip(flat.keys, flat.views, strict=True)):
                t = tensors.get(key)
                if t is None:
                    raise KeyError(
                        f"ShardedOptimizer.update: the model has no parameter {key!r}; build "
                        "the optimizer from this model"
                    )
                if t._data is not view:
                    data = t._data
                    if data.shape != view.shape:
                        raise ShapeError(
                            f"ShardedOptimizer.update: parameter {key!r} is {fmt(data.shape)}; "
                            f"it was {fmt(view.shape)} when the optimizer was built"
                        )
                    if data.dtype != view.dtype:
                        raise DTypeError(
                            f"ShardedOptimizer.update: parameter {key!r} is {data.dtype}; "
                            f"it was {view.dtype} when the optimizer was built"
                        )
                    flat.take_in(i, data)
                    t._data = view
                    self._bound[key] = t
        for key, t in tensors.items():
            if key not in opt._shapes:
                opt._reject(key, t._data, t._data)
        return tensors
