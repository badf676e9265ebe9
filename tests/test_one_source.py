"""Ops compute in ``dfdx/ops``; modules in ``dfdx/nn`` hold parameters and call ops. No source
of ``dfdx/nn`` builds a result or records a backward step itself (``Module``'s epoch bump for
in-place updates is not recording)."""

from __future__ import annotations

import re
from pathlib import Path

import dfdx

NN = Path(dfdx.__file__).parent / "nn"

RECORDING = re.compile(
    r"_op import[^\n]*\bresult|\bresult(_shared)?\(|\brecord\(|\bresult_tape\b"
    r"|_autodiff import[^\n]*\b(record|result_tape|GradFn)\b"
)
"""What building a result or recording a step looks like in a source."""


def test_nn_sources_record_nothing() -> None:
    sources = sorted(NN.glob("*.py"))
    assert len(sources) > 5
    found = [
        f"{p.name}:{n}: {line.strip()}"
        for p in sources
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if RECORDING.search(line)
    ]
    assert found == []


def test_the_scan_sees_recording() -> None:
    """The pattern matches what dfdx/nn used to contain (so the test above can fail)."""
    for line in (
        "from dfdx.ops._op import result",
        "    return result(out, (x, weight), (grad_x, grad_w))",
        "        record(tape.root(), out._id, inputs, grad_fns)",
        "from dfdx._autodiff import GradFn, record",
    ):
        assert RECORDING.search(line), line
    assert not RECORDING.search("        _autodiff.bump_param_epoch()")
