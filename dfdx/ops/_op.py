"""What every op shares: recording its backward step on the tape of its inputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dfdx._autodiff import GradFn, record, result_tape
from dfdx._backend import Array, xp

if TYPE_CHECKING:
    from dfdx._typing import AnyTensor


def result(data: Array, inputs: Sequence[AnyTensor], grad_fns: Sequence[GradFn]) -> AnyTensor:
    """The tensor holding ``data``, on the merged tape of ``inputs`` (if any), with the op's
    backward step recorded: ``grad_fns[i]`` maps the output's gradient to ``inputs[i]``'s."""
    if type(data) is not xp.ndarray:
        data = xp.asarray(data)  # NumPy returns a scalar, not a 0-d array, from 0-d math
    first = inputs[0]
    tape = first._tape if len(inputs) == 1 else result_tape(inputs)
    out = first._new(data, tape)
    if tape is not None:
        record(tape.root(), out._id, inputs, grad_fns)
    return out
