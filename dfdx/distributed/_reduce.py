"""Moving parameters and gradients between ranks: one buffer per dtype (or a few buckets),
never one collective per parameter."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, overload

from dfdx import _autodiff
from dfdx._backend import Array, xp
from dfdx._gradients import Gradients
from dfdx.distributed._world import (
    REDUCE_OPS,
    EveryRankError,
    GradientOp,
    ReduceOp,
    Request,
    World,
    world,
)
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from dfdx._typing import AnyTensor


class HasParameters(Protocol):
    """A ``dx.nn.Module``: named parameters (and buffers, if it has any)."""

    def named_parameters(self) -> Iterator[tuple[str, AnyTensor]]: ...


def _named_tensors(model: HasParameters) -> list[tuple[str, AnyTensor]]:
    """Parameters, then buffers (BatchNorm's running statistics), each under its name."""
    tensors = list(model.named_parameters())
    named_buffers = getattr(model, "named_buffers", None)
    if named_buffers is not None:
        tensors += list(named_buffers())
    return tensors


def _describe(shape: tuple[int, ...], dtype: str) -> str:
    return f"{shape} {xp.dtype(dtype).name}"


def _check_same_model(
    w: World, signature: list[tuple[str, tuple[int, ...], str]], root: int
) -> None:
    """Raise the same error on every rank if any rank's model differs from root's."""
    everyone = w.allgather(signature)
    reference = {name: (shape, dtype) for name, shape, dtype in everyone[root]}
    for rank, theirs in enumerate(everyone):
        if theirs == everyone[root]:
            continue
        own = {name: (shape, dtype) for name, shape, dtype in theirs}
        problems: list[str] = []
        for name, (shape, dtype) in reference.items():
            if name not in own:
                problems.append(f"{name!r} is missing on rank {rank}")
            elif own[name] != (shape, dtype):
                problems.append(
                    f"{name!r} is {_describe(*own[name])} on rank {rank}, "
                    f"{_describe(shape, dtype)} on rank {root}"
                )
        problems += [
            f"{name!r} exists only on rank {rank}" for name in own if name not in reference
        ]
        if not problems:
            problems.append("the same tensors in a different order")
        raise EveryRankError(
            f"broadcast_parameters: rank {rank}'s model differs from rank {root}'s: "
            + "; ".join(problems[:5])
            + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
            + ". Every rank must build the same model."
        )


def broadcast_parameters(model: HasParameters, root: int = 0) -> None:
    """Copy rank ``root``'s parameters and buffers into every rank's ``model``, in place.

    Call it once after building the model (and after loading a checkpoint on one rank), so
    that every rank starts from the same values. First checks that every rank holds the same
    model (names, shapes and dtypes): if not, every rank raises the same ValueError naming
    what differs. One broadcast per dtype."""
    w = world()
    if isinstance(root, bool) or not isinstance(root, int) or not 0 <= root < w.size:
        raise ValueError(
            f"broadcast_parameters: root must be a rank in [0, {w.size}), got {root!r}"
        )
    tensors = _named_tensors(model)
    signature = [(name, tuple(t._data.shape), t._data.dtype.str) for name, t in tensors]
    if w.size == 1:
        return
    _check_same_model(w, signature, root)
    unique = list({id(t): t for _, t in tensors}.values())  # tied weights once
    for dtype in sorted({t._data.dtype.str for t in unique}):
        group = [t for t in unique if t._data.dtype.str == dtype]
        flat = xp.concatenate([t._data.ravel() for t in group])
        w.bcast_(flat, root)
        offset = 0
        for t in group:
            n = t._data.size
            xp.copyto(t._data, flat[offset : offset + n].reshape(t._data.shape))
            offset += n
    # The values changed in place, as an optimizer step changes them: a graph recorded before
    # must not be differentiated with the new values.
    _autodiff.bump_param_epoch(t._id for t in unique)


def _check_op(name: str, op: Any, allowed: tuple[str, ...]) -> None:
    if op not in allowed:
        raise ValueError(f"{name}: op must be one of {', '.join(map(repr, allowed))}, got {op!r}")


class _Bucket:
    """Gradients of some parameters of one dtype, flat, then one flag per parameter: 1 if
    this rank has its gradient (after the sum: on how many ranks it had one)."""

    __slots__ = ("buf", "params", "request")

    def __init__(self, params: list[AnyTensor], dtype: Any) -> None:
        self.params = params
        size = sum(p._data.size for p in params)
        self.buf: Array = xp.empty(size + len(params), dtype)
        self.request: Request | None = None

    def fill(
        self, pending: dict[int, _autodiff.Pending], scale: float, out: Array | None = None
    ) -> None:
        """The gradients, times ``scale``, into the bucket's buffer, or ``out`` (shared
        memory): computed there where the op can write them (:func:`_write`), else copied."""
        buf = self.buf if out is None else out
        flags = buf[len(buf) - len(self.params) :]
        offset = 0
        for i, p in enumerate(self.params):
            n = p._data.size
            flags[i] = _write(buf[offset : offset + n], pending.get(p._id), scale)
            offset += n

    def store(self, pending: dict[int, _autodiff.Pending], divide_by: int) -> None:
        buf = self.buf
        if divide_by != 1:
            buf[: len(buf) - len(self.params)] /= divide_by
        flags = buf[len(buf) - len(self.params) :]
        offset = 0
        for i, p in enumerate(self.params):
            n = p._data.size
            if flags[i] > 0:  # some rank had a gradient for it (a missing one counts as 0)
                entry = pending.get(p._id)
                if entry is None:
                    entry = pending[p._id] = _autodiff.Pending(p._data.shape)
                entry.parts = []
                entry.value = buf[offset : offset + n].reshape(p._data.shape)
            offset += n


def _write(
    out: Array,
    entry: _autodiff.Pending | None,
    scale: float,
    compute: Callable[[_autodiff.Pending], Array] = _autodiff.Pending.get,
) -> int:
    """The gradient of ``entry`` times ``scale`` into the flat ``out`` (zeros without one):
    computed straight into it where the op can (``Pending.get_into``: ``linear``'s weight
    and bias), else computed (``compute(entry)``) and copied. 1 if there was a gradient,
    else 0 (the flag a reduction sums)."""
    if entry is None:
        return _copy(out, None, scale)
    if math.prod(entry.shape) == out.size and entry.get_into(out.reshape(entry.shape)):
        if scale != 1:
            out *= scale
        return 1
    return _copy(out, compute(entry), scale)


def _copy(out: Array, g: Array | None, scale: float) -> int:
    """``g * scale`` into the flat ``out`` (zeros without ``g``); 1 if there was a ``g``,
    else 0 (the flag a reduction sums)."""
    if g is None:
        out.fill(0)
        return 0
    g = g.reshape(-1)
    if scale == 1:
        xp.copyto(out, g)
    else:
        xp.multiply(g, scale, out=out)
    return 1


def _buckets(params: list[AnyTensor], bucket_cap_mb: float | None) -> list[_Bucket]:
    """One bucket per dtype, or buckets of at most ``bucket_cap_mb`` (or one parameter
    larger than that) in reverse order (the last layers first: their gradients are ready
    first in a backward pass)."""
    by_dtype: dict[str, list[AnyTensor]] = {}
    for p in params:
        if p._data.dtype.kind == "f":
            by_dtype.setdefault(p._data.dtype.str, []).append(p)
    buckets: list[_Bucket] = []
    for dtype, group in sorted(by_dtype.items()):
        if bucket_cap_mb is None:
            buckets.append(_Bucket(group, dtype))
            continue
        cap = bucket_cap_mb * 2**20
        current: list[AnyTensor] = []
        nbytes = 0
        for p in reversed(group):
            if current and nbytes + p._data.nbytes > cap:  # p starts the next bucket
                buckets.append(_Bucket(current, dtype))
                current, nbytes = [], 0
            current.append(p)
            nbytes += p._data.nbytes
            if nbytes >= cap:
                buckets.append(_Bucket(current, dtype))
                current, nbytes = [], 0
        if current:
            buckets.append(_Bucket(current, dtype))
    return buckets


class _SharedSum:
    """Sums a bucket over the ranks of one machine through memory they all map: each rank
    writes its gradients into its own slot, and after a barrier every rank adds all the
    slots, in rank order (the same bits on every rank), into its own bucket. Two sets of
    slots, used in turn, let a rank write the next call's gradients while another still
    reads this call's: one barrier per call suffices."""

    def __init__(self, w: World, size: int, dtype: Any) -> None:
        self.size = size
        self.slot = -(-size // 16) * 16  # slots start at multiples of 64 bytes
        memory = w.shared_memory(2 * w.size * self.slot * xp.dtype(dtype).itemsize)
        self.memory = memory
        if memory is not None:
            self.slots = memory.array(dtype, 2 * w.size * self.slot, 0).reshape(2, w.size, -1)
        self.turn = 0

    def free(self) -> None:
        """Release the shared memory (collective)."""
        if self.memory is not None:
            del self.slots
            self.memory.free()
            self.memory = None

    def all_reduce(
        self, w: World, bucket: _Bucket, pending: dict[int, _autodiff.Pending], scale: float
    ) -> None:
        assert self.memory is not None
        slots = self.slots[self.turn, :, : self.size]
        self.turn ^= 1
        bucket.fill(pending, scale, out=slots[w.rank])
        self.memory.fence()
        xp.add(slots[0], slots[1], out=bucket.buf)
        for r in range(2, w.size):
            bucket.buf += slots[r]


_SHARED_SUMS: dict[tuple[str, int], _SharedSum] = {}
"""By (dtype, size), the most recently used last: made at a bucket layout's first
reduction, on every rank alike; beyond :data:`SHARED_SUMS_KEPT` layouts, the least recently
used one's memory is freed (collective: every rank reduces the same layouts in the same
order, so every rank frees the same one at the same call)."""

SHARED_SUMS_KEPT = 4


def _shared_sum(w: World, bucket: _Bucket) -> _SharedSum | None:
    """The shared-memory sum for ``bucket``'s layout, or None (ranks on several machines)."""
    key = (bucket.buf.dtype.str, len(bucket.buf))
    found = _SHARED_SUMS.pop(key, None)
    if found is None:
        if len(_SHARED_SUMS) >= SHARED_SUMS_KEPT:
            oldest = next(iter(_SHARED_SUMS))
            _SHARED_SUMS.pop(oldest).free()
        found = _SharedSum(w, len(bucket.buf), bucket.buf.dtype)
    _SHARED_SUMS[key] = found
    return found if found.memory is not None else None


def _check_bucket_cap(name: str, bucket_cap_mb: Any) -> None:
    if bucket_cap_mb is not None and not (
        isinstance(bucket_cap_mb, int | float)
        and not isinstance(bucket_cap_mb, bool)
        and bucket_cap_mb > 0
        and math.isfinite(bucket_cap_mb)
    ):
        raise ValueError(
            f"{name}: bucket_cap_mb must be a positive number or None, got {bucket_cap_mb!r}"
        )


def _scaling(op: GradientOp, size: int) -> tuple[float, int]:
    """(factor applied while copying in, divisor applied after the sum). A mean over a power
    of two ranks scales on the way in: multiplying by a power of two is exact, so the result
    is the same bits as dividing the sum, and one pass over the buffer is saved."""
    if op == "sum":
        return 1.0, 1
    if size & (size - 1) == 0:
        return 1.0 / size, 1
    return 1.0, size


def _unique_parameters(model: HasParameters) -> list[AnyTensor]:
    return list({id(p): p for _, p in model.named_parameters()}.values())


def all_reduce_gradients(
    grads: Gradients,
    model: HasParameters,
    op: GradientOp = "mean",
    *,
    bucket_cap_mb: float | None = None,
    shared_memory: bool = True,
) -> Gradients:
    """Reduce the gradients of ``model``'s parameters over all ranks, in place in ``grads``,
    and return ``grads``: ``opt.update(model, grads)`` then makes the same step on every rank.

    ``op="mean"`` (the default) averages them: with each rank's loss the mean over its part of
    the batch, that is the gradient of the mean loss over the whole batch. ``op="sum"`` adds
    them. The model says which entries of ``grads`` are parameters (the input batch's
    gradient is never computed nor sent). A parameter that received a gradient on some ranks
    only counts as zero on the others; one that received none anywhere stays without one.

    The gradients travel in one flat buffer per dtype (``bucket_cap_mb=None``), or in buckets
    of about ``bucket_cap_mb`` megabytes, last layers first, each sent (``MPI_Iallreduce``)
    as soon as it is filled while the next bucket's gradients are computed. To overlap the
    reduction with the backward pass itself, use :func:`backward` instead of
    ``loss.backward()``.

    In one buffer per dtype, with every rank on one machine and ``shared_memory=True``, the
    sum goes through memory the ranks share (each rank writes its gradients there and adds
    everyone's) instead of ``MPI_Allreduce``: the same result, with fewer copies."""
    _check_op("all_reduce_gradients", op, ("mean", "sum"))
    if not isinstance(grads, Gradients):
        raise TypeError(
            f"all_reduce_gradients: expected the Gradients of loss.backward(), got "
            f"{type(grads).__name__}"
        )
    _check_bucket_cap("all_reduce_gradients", bucket_cap_mb)
    w = world()
    if w.size == 1:
        return grads
    if grads._epoch != _autodiff.param_epoch():
        for p in _unique_parameters(model):
            if p in grads:
                grads.array(p)  # raises if it depends on parameters updated since
    buckets = _buckets(_unique_parameters(model), bucket_cap_mb)
    scale, divide_by = _scaling(op, w.size)
    pending = grads._pending
    if bucket_cap_mb is None:
        for bucket in buckets:
            shared = _shared_sum(w, bucket) if shared_memory else None
            if shared is not None:
                shared.all_reduce(w, bucket, pending, scale)
                continue
            bucket.fill(pending, scale)
            w.allreduce_(bucket.buf)
    else:
        for bucket in buckets:
            bucket.fill(pending, scale)
            bucket.request = w.iallreduce_(bucket.buf)
        w.wait_all([b.request for b in buckets if b.request is not None])
    for bucket in buckets:
        bucket.store(pending, divide_by)
    return grads


DEFAULT_BUCKET_CAP_MB = 0.5
"""The bucket size of :func:`backward` unless given."""


class _Overlap:
    """Starts each bucket's reduction during the backward pass, once the reverse pass has
    gone past every step that reads one of its parameters: ``run_backward``'s step hook.
    Buckets start in their fixed order (the same on every rank: MPI requires collectives in
    the same order everywhere), each as soon as it and those before it are ready."""

    def __init__(
        self, w: World, buckets: list[_Bucket], tape: _autodiff.Tape, scale: float
    ) -> None:
        self.w = w
        self.buckets = buckets
        self.scale = scale
        self.started = 0
        params = {p._id for b in buckets for p in b.params}
        first_use: dict[int, int] = {}
        for index, step in enumerate(tape.steps):
            for in_id, _, _ in step.inputs:
                if in_id in params and in_id not in first_use:
                    first_use[in_id] = index
        # A parameter read through an untraced op (w.T outside a traced op) receives that
        # part after the reverse loop: its bucket waits for the end.
        late = _origin_sources(tape.origins)
        never = len(tape.steps)  # not on the tape: ready before any step
        self.ready_at = [
            min(
                (-1 if p._id in late else first_use.get(p._id, never) for p in b.params),
                default=never,
            )
            for b in buckets
        ]

    def after_step(self, index: int, leaves: dict[int, _autodiff.Pending]) -> None:
        started = self.started
        while started < len(self.buckets) and self.ready_at[started] >= index:
            self._start(self.buckets[started], leaves)
            started += 1
        if started != self.started:
            self.started = started
        elif started:
            self.w.test_all([b.request for b in self.buckets[:started] if b.request])

    def _start(self, bucket: _Bucket, leaves: dict[int, _autodiff.Pending]) -> None:
        bucket.fill(leaves, self.scale)
        bucket.request = self.w.iallreduce_(bucket.buf)

    def finish(self, leaves: dict[int, _autodiff.Pending]) -> None:
        for bucket in self.buckets[self.started :]:
            self._start(bucket, leaves)
        self.started = len(self.buckets)
        self.w.wait_all([b.request for b in self.buckets if b.request is not None])


def _origin_sources(origins: dict[int, _autodiff.Origin]) -> set[int]:
    """Every tensor an untraced derived tensor of the tape came from, recursively."""
    sources: set[int] = set()
    todo = list(origins.values())
    while todo:
        origin = todo.pop()
        for src in origin.inputs:
            if src._id not in sources:
                sources.add(src._id)
                if src._origin is not None:
                    todo.append(src._origin)
    return sources


def backward(
    loss: AnyTensor,
    model: HasParameters,
    op: GradientOp = "mean",
    *,
    bucket_cap_mb: float | None = DEFAULT_BUCKET_CAP_MB,
) -> Gradients:
    """``loss.backward()`` with the gradients of ``model``'s parameters reduced over all
    ranks, as :func:`all_reduce_gradients` reduces them, but overlapped with the backward
    pass: the gradients are cut into buckets of about ``bucket_cap_mb`` megabytes (last layers
    first), and each bucket's reduction (``MPI_Iallreduce``) starts as soon as the reverse
    pass no longer touches its parameters, while the earlier layers' gradients are computed.
    ``bucket_cap_mb=None``: one bucket per dtype (started at the end). The result is the same,
    bit for bit, as ``all_reduce_gradients(loss.backward(), model, op)``."""
    from dfdx._tensor import Tensor

    _check_op("backward", op, ("mean", "sum"))
    if not isinstance(loss, Tensor):
        raise TypeError(f"backward: expected the loss, a Tensor, got {type(loss).__name__}")
    _check_bucket_cap("backward", bucket_cap_mb)
    w = world()
    if w.size == 1 or loss._tape is None:
        return loss.backward()  # a missing tape raises there, with its message
    shapes.scalar_for_backward(loss.shape)
    tape = loss._tape.root()
    scale, divide_by = _scaling(op, w.size)
    overlap = _Overlap(w, _buckets(_unique_parameters(model), bucket_cap_mb), tape, scale)
    seed = xp.ones((), dtype=loss._data.dtype)
    leaves = _autodiff.run_backward(tape, loss._id, seed, overlap.after_step)
    overlap.finish(leaves)
    for bucket in overlap.buckets:
        bucket.store(leaves, divide_by)
    return Gradients(leaves)


@overload
def all_reduce(value: float | xp.generic, op: ReduceOp = "mean") -> float: ...
@overload
def all_reduce(value: Array, op: ReduceOp = "mean") -> Array: ...
def all_reduce(value: Any, op: ReduceOp = "mean") -> Any:
    """``value`` (a number or a NumPy array) reduced over all ranks: ``"mean"``, ``"sum"``,
    ``"max"`` or ``"min"``. A number comes back as a float, an array as a new array (float64
    for an integer one under ``"mean"``). For metrics: a loss summed over each rank's batches."""
    _check_op("all_reduce", op, REDUCE_OPS)
    if isinstance(value, bool) or not isinstance(value, int | float | xp.ndarray | xp.generic):
        raise TypeError(
            f"all_reduce: expected a number or a NumPy array, got {type(value).__name__}"
        )
    w = world()
    scalar = not isinstance(value, xp.ndarray)
    buf = xp.array(value, dtype=xp.float64 if scalar else None, order="C")  # a copy
    if buf.dtype.kind not in "fiu":
        raise TypeError(f"all_reduce: expected numbers, got an array of {buf.dtype}")
    if op == "mean" and buf.dtype.kind != "f":
        buf = buf.astype(xp.float64)
    if w.size > 1:
        w.allreduce_(buf.reshape(-1), op)
        if op == "mean":
            buf /= w.size
    return float(buf) if scalar else buf
