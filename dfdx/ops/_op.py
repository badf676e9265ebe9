"""What every op shares: reading its operands' arrays, and recording its backward step on the
tape of its inputs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from dfdx._autodiff import GradFn, Origin, record, result_tape
from dfdx._autodiff import _epoch as _param_epoch
from dfdx._backend import Array, xp
from dfdx._typing import R

if TYPE_CHECKING:
    from dfdx._typing import AnyTensor


def not_a_tensor(op: str, x: object, what: str = "a tensor", name: str | None = None) -> TypeError:
    """The error for ``x`` where ``op`` needs ``what``: ``"op: expected what, got float"``, or
    ``"op: name must be what, got float"`` where the argument has a ``name``."""
    got = type(x).__name__
    if name is None:
        return TypeError(f"{op}: expected {what}, got {got}")
    return TypeError(f"{op}: {name} must be {what}, got {got}")


def array_of(op: str, x: object, what: str = "a tensor", name: str | None = None) -> Array:
    """The array of the tensor ``x``; :func:`not_a_tensor`'s TypeError for anything else."""
    a = getattr(x, "_data", None)
    if a is None:
        raise not_a_tensor(op, x, what, name)
    return a  # type: ignore[no-any-return]


def result(
    data: Array,
    inputs: Sequence[AnyTensor],
    grad_fns: Sequence[GradFn],
    reads: Sequence[AnyTensor] = (),
) -> AnyTensor:
    """The tensor holding ``data``, on the merged tape of ``inputs`` (if any), with the op's
    backward step recorded: ``grad_fns[i]`` maps the output's gradient to ``inputs[i]``'s.
    Without a tape, if every input is a parameter or derived from parameters alone, the
    result remembers its origin instead, so that a gradient it receives later reaches
    ``inputs`` (a parameter used through ``w.T`` or ``w[:s]``). ``reads`` are the tensors the
    op also reads that take no gradient (indices, masks): a plain one (untraced, no origin:
    the token ids of an inference) makes the result plain too, as a plain input does."""
    if type(data) is not xp.ndarray:
        data = xp.asarray(data)  # NumPy returns a scalar, not a 0-d array, from 0-d math
    first = inputs[0]
    tape = first._tape if len(inputs) == 1 else result_tape(inputs)
    out = first._new(data, tape)
    if tape is not None:
        record(tape.root(), out._id, inputs, grad_fns)
    elif first._origin is not None:  # an input batch or a constant: nothing to remember
        for t in inputs:
            if t._origin is None:
                return out
        for t in reads:
            if t._origin is None and t._tape is None:
                return out
        out._origin = Origin(inputs, grad_fns, _param_epoch[0])
    return out


def result_shared(
    data: Array,
    inputs: Sequence[AnyTensor],
    shared: Callable[[Array], R],
    parts: Sequence[Callable[[R], Array]],
) -> AnyTensor:
    """:func:`result` for an op whose inputs' gradients share work: ``shared`` maps the
    output's gradient to what they have in common (a softmax's or a hidden layer's gradient)
    and runs once per backward pass, the first time an input's gradient is asked for;
    ``parts[i]`` maps its value to ``inputs[i]``'s gradient (with a keyword-only ``out=None``
    where it can write into a given array, as a :data:`~dfdx._autodiff.GradFn`). A gradient
    nobody reads (the input batch's) is never computed, as with :func:`result`."""
    memo: list[Array | R] = []  # [g, shared(g)]

    def common(g: Array) -> R:
        if not memo or memo[0] is not g:
            memo[:] = [g, shared(g)]
        return memo[1]  # type: ignore[return-value]

    def grad_fn(part: Callable[[R], Array]) -> GradFn:
        if "out" in (getattr(part, "__kwdefaults__", None) or ()):
            # a part that can write into a given array keeps that ability (GradFn)
            def into(g: Array, *, out: Array | None = None) -> Array:
                return part(common(g), out=out)  # type: ignore[call-arg]

            return into
        return lambda g: part(common(g))

    return result(data, inputs, [grad_fn(p) for p in parts])
