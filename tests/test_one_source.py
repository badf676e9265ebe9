"""Ops compute in ``dfdx/ops``; modules in ``dfdx/nn`` hold parameters and call ops. No source
of ``dfdx/nn`` builds a result or records a backward step itself (``Module``'s epoch bump for
in-place updates is not recording). The plugin reads its debug switch in one module."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import dfdx
import dfdx_mypy_plugin

NN = Path(dfdx.__file__).parent / "nn"
PLUGIN = Path(dfdx_mypy_plugin.__file__).parent

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


def test_the_plugin_reads_its_debug_switch_in_one_module() -> None:
    readers = sorted(
        p.relative_to(PLUGIN).as_posix()
        for p in PLUGIN.rglob("*.py")
        if "DFDX_PLUGIN_DEBUG" in p.read_text()
    )
    assert readers == ["_debug.py"]


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


def test_result_shared_runs_the_shared_part_once_and_skips_unread_gradients() -> None:
    """``result_shared``: the shared part runs once per backward pass however many inputs
    read it, and the gradient of an input nobody reads is never computed."""
    import numpy as np

    from dfdx.ops._op import result_shared

    calls: list[str] = []
    x, y, z = dfdx.tensor(np.ones(3)).trace(), dfdx.tensor(np.full(3, 2.0)), dfdx.tensor(np.ones(3))

    def shared(g: np.ndarray) -> np.ndarray:
        calls.append("shared")
        return g * 10

    def part(name: str, scale: float) -> Any:
        def grad(s: np.ndarray) -> np.ndarray:
            calls.append(name)
            return s * scale

        return grad

    data = x.numpy() + y.numpy() + z.numpy()
    out = result_shared(data, (x, y, z), shared, (part("x", 1), part("y", 2), part("z", 3)))
    grads = out.sum().backward()
    np.testing.assert_array_equal(grads[x].numpy(), np.full(3, 10.0))
    np.testing.assert_array_equal(grads[y].numpy(), np.full(3, 20.0))
    assert calls == ["shared", "x", "y"]  # z's gradient was never read
