"""Moving parameters and gradients between ranks: one buffer per dtype (or a few buckets),
never one collective per parameter."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol, overload

from dfdx import _autodiff
from dfdx._backend import Array, xp
from dfdx._gradients import Gradients
from dfdx.distributed._world import REDUCE_OPS, EveryRankError, ReduceOp, Request, World, world

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

    def fill(self, grads: Gradients) -> None:
        buf, pending = self.buf, grads._pending
        flags = buf[len(buf) - len(self.params) :]
        offset = 0
        for i, p in enumerate(self.params):
            n = p._data.size
            if p._id in pending:
                xp.copyto(buf[offset : offset + n].reshape(p._data.shape), grads.array(p))
                flags[i] = 1
            else:
                buf[offset : offset + n] = 0
                flags[i] = 0
            offset += n

    def store(self, grads: Gradients, divide_by: int) -> None:
        buf, pending = self.buf, grads._pending
        if divide_by != 1:
            buf /= divide_by
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


def _buckets(params: list[AnyTensor], bucket_cap_mb: float | None) -> list[_Bucket]:
    """One bucket per dtype, or buckets of about ``bucket_cap_mb`` in reverse order (the
    last layers first: their gradients are ready first in a backward pass)."""
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
            current.append(p)
            nbytes += p._data.nbytes
            if nbytes >= cap:
                buckets.append(_Bucket(current, dtype))
                current, nbytes = [], 0
        if current:
            buckets.append(_Bucket(current, dtype))
    return buckets


def all_reduce_gradients(
    grads: Gradients,
    model: HasParameters,
    op: ReduceOp = "mean",
    *,
    bucket_cap_mb: float | None = None,
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
    as soon as it is filled while the next bucket's gradients are computed."""
    _check_op("all_reduce_gradients", op, ("mean", "sum"))
    if not isinstance(grads, Gradients):
        raise TypeError(
            f"all_reduce_gradients: expected the Gradients of loss.backward(), got "
            f"{type(grads).__name__}"
        )
    if bucket_cap_mb is not None and not (
        isinstance(bucket_cap_mb, int | float)
        and bucket_cap_mb > 0
        and math.isfinite(bucket_cap_mb)
    ):
        raise ValueError(
            f"all_reduce_gradients: bucket_cap_mb must be a positive number or None, "
            f"got {bucket_cap_mb!r}"
        )
    w = world()
    if w.size == 1:
        return grads
    unique = list({id(p): p for _, p in model.named_parameters()}.values())
    buckets = _buckets(unique, bucket_cap_mb)
    if bucket_cap_mb is None:
        for bucket in buckets:
            bucket.fill(grads)
            w.allreduce_(bucket.buf)
    else:
        for bucket in buckets:
            bucket.fill(grads)
            bucket.request = w.iallreduce_(bucket.buf)
        for bucket in buckets:
            if bucket.request is not None:
                bucket.request.Wait()
    divide_by = w.size if op == "mean" else 1
    for bucket in buckets:
        bucket.store(grads, divide_by)
    return grads


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
