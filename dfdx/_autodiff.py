"""The gradient tape: records backward steps during the forward pass and replays them.

dfdx semantics: an op computes its result, takes the tape from its traced inputs (merging
two different tapes into one), records its backward step, and hands the tape to its result.
A result without a tape (all inputs ``NoneTape``) costs nothing here.

A recorded step holds, for each input, a function from the output's gradient to that
input's gradient. Gradients of intermediate tensors are computed eagerly during the reverse
pass and dropped as soon as their producer has used them. Gradients of leaves (parameters,
traced inputs, any untraced tensor that met a traced one) are kept as pending functions and
computed only when read: a gradient nobody asks for, such as the input batch's, is never
computed, just as PyTorch skips tensors that do not require grad.

An op on parameters alone (``w.T``, ``wpe.weight[:s]``) records nothing on a tape, but its
result remembers its :class:`Origin`: when backward gives that result a gradient, the
gradient is passed on through the op's backward to the tensors it came from, so a parameter
used through a transpose or a slice gets its full gradient, as in PyTorch. A module marks
the tensors it holds with :data:`PARAMETER`; an op with any other untraced input (the input
batch of an inference, a constant) remembers nothing, so inference keeps nothing alive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import count
from typing import TYPE_CHECKING

from dfdx._backend import Array, xp

if TYPE_CHECKING:
    from dfdx._typing import AnyTensor

GradFn = Callable[[Array], Array]
"""Maps the gradient of an op's output to the gradient of one of its inputs. One may also
take a keyword-only ``out=None``: a C-contiguous array of the input's shape and dtype to
write the gradient into (its result is then ``out``); :meth:`Pending.get_into` uses it."""

_ids = count()


new_id: Callable[[], int] = _ids.__next__
"""A fresh tensor id (the counter's own ``__next__``: no Python frame per tensor)."""


_epoch = [0]


def param_epoch() -> int:
    """Bumped by every in-place update of parameters: a gradient still pending from before
    may have captured their old values."""
    return _epoch[0]


_modified: dict[int, int] = {}
"""Tensor id -> the epoch of its last in-place update (by an optimizer, or by loading)."""


def bump_param_epoch(ids: Iterable[int] = ()) -> None:
    """Mark an in-place update of parameters; ``ids`` are the tensors whose values changed."""
    _epoch[0] += 1
    for i in ids:
        _modified[i] = _epoch[0]


class Step:
    """One recorded op: its output's id, per input (id, shape, gradient function), and the
    parameter epoch when it ran (its gradient functions may hold the parameters' arrays)."""

    __slots__ = ("epoch", "inputs", "out_id")

    def __init__(
        self, out_id: int, inputs: list[tuple[int, tuple[int, ...], GradFn]], epoch: int
    ) -> None:
        self.out_id = out_id
        self.inputs = inputs
        self.epoch = epoch


class Origin:
    """Where an untraced op's result came from: its inputs, the op's gradient functions (one
    per input) and the parameter epoch when it ran. Backward passes the result's gradient on
    through them; the result keeps its inputs alive while it lives."""

    __slots__ = ("epoch", "grad_fns", "inputs")

    def __init__(self, inputs: Sequence[AnyTensor], grad_fns: Sequence[GradFn], epoch: int):
        self.inputs = inputs
        self.grad_fns = grad_fns
        self.epoch = epoch


class _Parameter(Origin):
    """The origin of a tensor held by a module: a leaf, whose gradient stays with it."""

    __slots__ = ()

    def __reduce__(self) -> str:
        return "PARAMETER"  # copies and pickles of a module keep the one marker


PARAMETER: Origin = _Parameter((), (), 0)
"""The mark ``Module.__setattr__`` puts on a module's tensors: ops on such tensors alone
(or on tensors derived from them) remember their origin."""


class Tape:
    """The steps recorded since ``trace()``, in the order they ran, and the origins of the
    untraced derived tensors they read (by id)."""

    __slots__ = ("consumed", "merged_into", "origins", "produced", "steps")

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.produced: set[int] = set()
        self.origins: dict[int, Origin] = {}
        self.merged_into: Tape | None = None
        self.consumed = False

    def root(self) -> Tape:
        tape = self
        while tape.merged_into is not None:
            tape = tape.merged_into
        return tape

    def absorb(self, other: Tape) -> None:
        """Merge ``other`` into this tape. The two recorded independent computations, so
        appending one list to the other keeps a valid order for the reverse pass."""
        self.steps.extend(other.steps)
        self.produced |= other.produced
        if other.origins:
            self.origins.update(other.origins)
            other.origins = {}
        self.consumed = self.consumed or other.consumed
        other.steps = []
        other.produced = set()
        other.merged_into = self


def result_tape(tensors: Sequence[AnyTensor]) -> Tape | None:
    """The tape the result of an op on ``tensors`` carries: the merge of theirs, if any."""
    tape: Tape | None = None
    for t in tensors:
        if t._tape is None:
            continue
        other = t._tape.root()
        if tape is None:
            tape = other
        elif other is not tape:
            tape.absorb(other)
    return tape


def record(
    tape: Tape,
    out_id: int,
    inputs: Sequence[AnyTensor],
    grad_fns: Sequence[GradFn],
) -> None:
    """Record an op whose output has id ``out_id`` on ``tape``."""
    if tape.consumed:
        raise RuntimeError(
            "this tape was already used by backward(); call .trace() again to record a new graph"
        )
    # One and two inputs (nearly every op) without a comprehension and zip: this runs once
    # per traced op, and those cost more than the rest of this function.
    n = len(inputs)
    if n == 1 and len(grad_fns) == 1:
        t = inputs[0]
        entries = [(t._id, t._data.shape, grad_fns[0])]
        if t._origin is not None and t._origin is not PARAMETER:
            tape.origins[t._id] = t._origin
    elif n == 2 and len(grad_fns) == 2:
        t, u = inputs
        entries = [(t._id, t._data.shape, grad_fns[0]), (u._id, u._data.shape, grad_fns[1])]
        if t._origin is not None and t._origin is not PARAMETER:
            tape.origins[t._id] = t._origin
        if u._origin is not None and u._origin is not PARAMETER:
            tape.origins[u._id] = u._origin
    else:
        entries = [(t._id, t._data.shape, fn) for t, fn in zip(inputs, grad_fns, strict=True)]
        for t in inputs:
            if t._origin is not None and t._origin is not PARAMETER:
                tape.origins[t._id] = t._origin
    tape.steps.append(Step(out_id, entries, _epoch[0]))
    tape.produced.add(out_id)


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum a gradient over the axes along which its input was broadcast."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and grad.shape[i + lead] != 1
    )
    summed: Array = xp.sum(grad, axis=axes)
    return summed.reshape(shape)


class Pending:
    """A leaf's gradient: the contributions not yet computed, and those already summed."""

    __slots__ = ("parts", "shape", "value")

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape
        self.parts: list[tuple[GradFn, Array]] = []
        self.value: Array | None = None

    def get(self) -> Array:
        if self.parts:
            total = self.value
            shape = self.shape
            for fn, g in self.parts:
                part = fn(g)
                if part.shape != shape:
                    part = unbroadcast(part, shape)
                total = part if total is None else total + part
            self.parts = []
            # a 0-d array, never a NumPy scalar
            self.value = total if type(total) is xp.ndarray else xp.asarray(total)
        assert self.value is not None
        return self.value

    def get_into(self, out: Array) -> bool:
        """Compute the gradient straight into ``out`` (C-contiguous, of its shape and dtype)
        where it is one part whose function takes ``out`` (see :data:`GradFn`), and return
        True; else False, with nothing computed. The part stays: ``dx.distributed`` writes
        gradients into shared memory this way, without a copy, and reading the gradient
        later (before any parameter changes) computes it again."""
        if self.value is not None or len(self.parts) != 1:
            return False
        fn, g = self.parts[0]
        if g.dtype != out.dtype or "out" not in (getattr(fn, "__kwdefaults__", None) or ()):
            return False
        fn(g, out=out)  # type: ignore[call-arg]
        return True


StepHook = Callable[[int, dict[int, Pending]], None]
"""Called by :func:`run_backward` after each reverse step: the step's index in the tape's
``steps`` (decreasing) and the leaves' pending gradients so far."""


def run_backward(
    tape: Tape, loss_id: int, seed: Array, after_step: StepHook | None = None
) -> dict[int, Pending]:
    """Replay ``tape`` in reverse from the loss and return every leaf's pending gradient.

    ``after_step(i, leaves)``, if given, runs after the reverse pass has handled step ``i``
    of ``tape.steps`` (steps that do not lead to the loss are skipped without a call). A
    leaf that no step before ``i`` reads, and that is no source of an untraced origin, has
    its whole gradient pending then: ``dx.distributed`` starts reducing gradients that way
    while the rest of the backward pass runs."""
    if tape.consumed:
        raise RuntimeError(
            "backward: this tape was already consumed by an earlier backward(); "
            "run the forward pass again from .trace()"
        )
    tape.consumed = True
    inner: dict[int, Array] = {loss_id: seed}
    leaves: dict[int, Pending] = {}
    produced = tape.produced
    modified = _modified
    index = len(tape.steps)
    for step in reversed(tape.steps):
        index -= 1
        g = inner.pop(step.out_id, None)
        if g is None:
            continue  # this op does not lead to the loss
        for in_id, shape, fn in step.inputs:
            if in_id in produced:
                part = fn(g)
                if part.shape != shape:  # inline test: unbroadcast's call costs more
                    part = unbroadcast(part, shape)
                prev = inner.get(in_id)
                inner[in_id] = part if prev is None else prev + part
            else:
                if modified and modified.get(in_id, -1) > step.epoch:
                    raise RuntimeError(
                        "backward: a parameter this graph used was updated in place afterwards "
                        "(by an optimizer or by loading), so its gradients would mix old and new "
                        "values; run the forward pass again after the update"
                    )
                pending = leaves.get(in_id)
                if pending is None:
                    pending = leaves[in_id] = Pending(shape)
                pending.parts.append((fn, g))
        if after_step is not None:
            after_step(index, leaves)
    origins = tape.origins
    tape.steps = []
    tape.produced = set()
    tape.origins = {}
    if origins:
        _pass_to_origins(leaves, origins)
    if loss_id not in produced:  # backward() straight on a traced leaf
        leaves.setdefault(loss_id, Pending(seed.shape)).value = seed
    return leaves


_UNUSED = xp.empty(0)
"""The gradient argument of a part passed on to an origin (its function reads its own)."""


def _through(fn: GradFn, derived: Pending) -> GradFn:
    """A part of a source's gradient: the derived tensor's whole gradient, read when needed,
    mapped back through the op that made it."""
    return lambda _: fn(derived.get())


def _pass_to_origins(leaves: dict[int, Pending], origins: dict[int, Origin]) -> None:
    """Pass the gradient of every untraced derived leaf on to the tensors it came from
    (recursively: ``w.T[:3]`` reaches ``w``), as pending parts of theirs, so a tensor used
    directly and through a view sums both. Nothing is computed here."""
    todo = [(i, o) for i, o in origins.items() if i in leaves]
    seen = {i for i, _ in todo}
    modified = _modified
    while todo:
        derived_id, origin = todo.pop()
        derived = leaves[derived_id]
        for src, fn in zip(origin.inputs, origin.grad_fns, strict=True):
            if modified and modified.get(src._id, -1) > origin.epoch:
                raise RuntimeError(
                    "backward: a tensor this graph used was computed from a parameter that was "
                    "updated in place afterwards (by an optimizer or by loading), so its "
                    "gradient cannot reach the parameter; compute it again after the update"
                )
            pending = leaves.get(src._id)
            if pending is None:
                pending = leaves[src._id] = Pending(src._data.shape)
            pending.parts.append((_through(fn, derived), _UNUSED))
            if src._origin is not None and src._origin is not PARAMETER and src._id not in seen:
                seen.add(src._id)
                todo.append((src._id, src._origin))
