"""Helpers the tests share: gradients checked against finite differences
(:func:`check_grads`), inputs without ties (:func:`distinct`), and for the PyTorch-parity
tests importing a fixture script from tests/fixtures/, reading its ``.npz`` and picking one
case's arrays out of it. No test module imports another: what two of them use lives here.

Imported as ``import _helpers`` (pytest puts tests/ on ``sys.path``: it has no __init__.py).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dfdx as dx
from dfdx import NoneTape, Tensor

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture_script(filename: str) -> Any:
    """Import ``tests/fixtures/<filename>`` (a script, not a package) once, as the module
    ``_dfdx_<stem>``, so that a test can use its ``CASES`` table and its torch side."""
    if str(FIXTURES) not in sys.path:
        sys.path.insert(0, str(FIXTURES))  # as when a script runs: its folder is on the path
    from _fixture_scripts import sibling

    return sibling(filename)


def load_npz(path: str | Path) -> dict[str, np.ndarray]:
    """Every array of a committed ``.npz`` fixture, by key (no pickles)."""
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def case_arrays(fixture: Mapping[str, np.ndarray], prefix: str, missing: str) -> dict[str, Any]:
    """The arrays stored under ``prefix`` (``"name/"``), keyed without it; if there are none,
    the test fails with the message ``missing``."""
    found = {k[len(prefix) :]: v for k, v in fixture.items() if k.startswith(prefix)}
    if not found:
        pytest.fail(missing)
    return found


Run = Callable[[dict[str, np.ndarray], np.ndarray], dict[str, np.ndarray]]
"""A case run on its inputs and the weights ``r`` of its loss ``(out * r).sum()``: its
``"out"`` and each ``"grad/<input>"``."""


def assert_matches_fixture(arrays: Mapping[str, np.ndarray], run: Run) -> None:
    """A case's fixture arrays (``in/<name>``, ``r``, ``out``, ``grad/<name>``) against
    ``run`` on its inputs: the same results, each of the fixture's dtype and within its
    tolerance (scaled by the size)."""
    inputs = {k[3:]: v for k, v in arrays.items() if k.startswith("in/")}
    want = {k: v for k, v in arrays.items() if k == "out" or k.startswith("grad/")}
    got = run(inputs, arrays["r"])
    assert sorted(got) == sorted(want)
    for key, value in want.items():
        assert got[key].dtype == value.dtype, key
    assert_same_arrays(got, want)


def assert_fixture_is_current(arrays: Mapping[str, np.ndarray], run_torch: Run) -> None:
    """A case's fixture arrays as PyTorch (``run_torch``) computes them now."""
    inputs = {k[3:]: v for k, v in arrays.items() if k.startswith("in/")}
    fresh = run_torch(inputs, arrays["r"])
    assert_same_arrays(fresh, {k: v for k, v in arrays.items() if not k.startswith("in/")})


ASSERT_CLOSE = {"float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}
"""``torch.testing.assert_close``'s default (rtol, atol) per dtype: right for one op."""


def run_weighted_case(
    op: Callable[..., Any],
    name: str,
    kwargs: Mapping[str, Any],
    inputs: Mapping[str, np.ndarray],
    arrays: Mapping[str, Any],
) -> dict[str, Any]:
    """dfdx's side of a fixture case (the fixture scripts' ``run_torch``): ``op`` on the
    inputs (float ones traced), each output as ``out/i`` and, where the fixture holds a
    ``weight/i`` for it, the gradient of the weighted sum of the outputs for each float input
    as ``grad_<input>``; an output without a weight must not be traced (PyTorch's is not)."""
    ts = {
        k: dx.tensor(v).trace() if v.dtype.kind == "f" else dx.tensor(v) for k, v in inputs.items()
    }
    out = op(*ts.values(), **kwargs)
    outs = tuple(out) if isinstance(out, tuple | list) else (out,)
    res: dict[str, Any] = {}
    loss: Any = None
    for i, o in enumerate(outs):
        res[f"out/{i}"] = o.numpy()
        w = arrays.get(f"weight/{i}")
        if w is None:
            assert not o.is_traced, f"{name}: output {i} is traced, PyTorch's is not"
            continue
        term = (o * dx.tensor(w)).sum()
        loss = term if loss is None else loss + term
    if loss is not None:
        grads = loss.backward()
        for k, t in ts.items():
            if inputs[k].dtype.kind == "f":
                res[f"grad_{k}"] = grads[t].numpy()
    return res


def tolerance(dtype: Any, terms: int = 1) -> tuple[float, float]:
    """(rtol, atol) for a result whose values are sums of up to ``terms`` rounded products
    (a matmul's or a conv's reduction length): ``assert_close``'s defaults for ``dtype``
    scaled by ``sqrt(terms)``, the typical growth of rounding error with the length of a
    sum. Two BLAS libraries or CPUs sum in different orders; this is what that may cost."""
    rtol, atol = ASSERT_CLOSE[np.dtype(dtype).name]
    k = math.sqrt(max(1, terms))
    return rtol * k, atol * k


def computation_size(arrays: Mapping[str, Any]) -> int:
    """An upper bound of every reduction's length in a case: its largest float array."""
    return max(
        (np.asarray(a).size for a in arrays.values() if np.asarray(a).dtype.kind == "f"), default=1
    )


def assert_same_arrays(
    actual: Mapping[str, Any],
    desired: Mapping[str, Any],
    *,
    rtol: float | None = None,
    atol: float | None = None,
) -> None:
    """The same keys, and each ``actual`` array close to the ``desired`` one (used to check
    that today's PyTorch still computes a committed fixture). Without ``rtol``/``atol``: the
    :func:`tolerance` of each array's dtype and the case's :func:`computation_size`."""
    assert sorted(desired) == sorted(actual)
    terms = computation_size(desired)
    for key, value in desired.items():
        want = np.asarray(value)
        if want.dtype.kind != "f":
            np.testing.assert_array_equal(actual[key], want, err_msg=key)
            continue
        r, a = tolerance(want.dtype, terms)
        np.testing.assert_allclose(
            actual[key],
            want,
            rtol=r if rtol is None else rtol,
            atol=a if atol is None else atol,
            err_msg=key,
        )


# ---- gradients -------------------------------------------------------------------------------

Op = Callable[..., Any]


def _loss_value(op: Op, arrays: list[np.ndarray], w: np.ndarray) -> float:
    out = op(*[dx.tensor(a) for a in arrays])
    return float(np.sum(out.numpy() * w))


def numeric_grads(op: Op, arrays: list[np.ndarray], w: np.ndarray, eps: float) -> list[np.ndarray]:
    """Central differences of ``sum(op(*arrays) * w)`` with respect to each array."""
    grads = []
    for i, a in enumerate(arrays):
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            shifted = [b.copy() for b in arrays]
            shifted[i][idx] = a[idx] + eps
            up = _loss_value(op, shifted, w)
            shifted[i][idx] = a[idx] - eps
            down = _loss_value(op, shifted, w)
            g[idx] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def check_grads(
    op: Op,
    *arrays: np.ndarray,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    seed: int = 0,
) -> None:
    """Assert that backward() through ``op`` matches finite differences for every input."""
    arrays_64 = [np.asarray(a, dtype=np.float64) for a in arrays]
    out_shape = op(*[dx.tensor(a) for a in arrays_64]).shape
    w = np.random.default_rng(seed + 1000).uniform(0.5, 1.5, out_shape)
    expected = numeric_grads(op, arrays_64, w, eps)
    for trace_all in (True, False):
        xs = [dx.tensor(a) for a in arrays_64]
        inputs = [x.trace() if trace_all or i == 0 else x for i, x in enumerate(xs)]
        out = op(*inputs)
        assert out.is_traced
        loss = (out * dx.tensor(w)).sum()
        grads = loss.backward()
        for i, (x, want) in enumerate(zip(xs, expected, strict=True)):
            got = grads[x]
            assert got.shape == x.shape, f"input {i}: gradient shape"
            assert got.dtype == dx.float64, f"input {i}: gradient dtype"
            np.testing.assert_allclose(
                got.numpy(), want, rtol=rtol, atol=atol, err_msg=f"input {i}, trace_all={trace_all}"
            )


def distinct(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Values at least 0.1 apart from each other: no ties for max/min."""
    n = int(np.prod(shape))
    r = np.random.default_rng(seed)
    return (r.permutation(n) * 0.1 - n * 0.05 + r.uniform(0, 0.01, n)).reshape(shape)


# ---- type-level programs ---------------------------------------------------------------------

RULES_COMMENT = re.compile(r"^# rules: (.+)$", re.MULTILINE)
"""The comment that names the rule families (modules of ``dfdx_mypy_plugin/rules/``) a program
under tests/typecheck/plugin_pass or plugin_fail is about: ``# rules: conv, nn``."""


def rules_comment(program: Path) -> set[str]:
    """The families a program's ``# rules:`` comment names (none without one)."""
    found = RULES_COMMENT.search(program.read_text(encoding="utf-8"))
    return {n.strip() for n in found.group(1).split(",") if n.strip()} if found else set()


class Params:
    """A hand-written module for the optimizer tests: parameters by PyTorch-style name."""

    def __init__(self, **arrays: np.ndarray) -> None:
        self.tensors: dict[str, Tensor[Any, NoneTape]] = {
            k: dx.tensor(v, dtype=v.dtype) for k, v in arrays.items()
        }

    def named_parameters(self) -> Iterator[tuple[str, Tensor[Any, NoneTape]]]:
        yield from self.tensors.items()


def grads_of(model: Params, grads: dict[str, np.ndarray]) -> dx.Gradients:
    """Gradients equal to ``grads`` through the public API: d/dp sum(p * G) = G exactly."""
    loss = None
    for k, g in grads.items():
        term = (model.tensors[k].trace() * dx.tensor(g, dtype=g.dtype)).sum()
        loss = term if loss is None else loss + term
    assert loss is not None
    return loss.backward()
