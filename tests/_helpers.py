"""Helpers the PyTorch-parity tests share: importing a fixture script from tests/fixtures/,
reading its ``.npz`` and picking one case's arrays out of it.

Imported as ``import _helpers`` (pytest puts tests/ on ``sys.path``: it has no __init__.py).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture_script(filename: str) -> Any:
    """Import ``tests/fixtures/<filename>`` (a script, not a package) once, as the module
    ``_dfdx_<stem>``, so that a test can use its ``CASES`` table and its torch side."""
    name = f"_dfdx_{Path(filename).stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FIXTURES / filename)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


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


def assert_same_arrays(
    actual: Mapping[str, Any], desired: Mapping[str, Any], *, rtol: float, atol: float
) -> None:
    """The same keys, and each ``actual`` array close to the ``desired`` one (used to check
    that today's PyTorch still computes a committed fixture)."""
    assert sorted(desired) == sorted(actual)
    for key, value in desired.items():
        np.testing.assert_allclose(actual[key], value, rtol=rtol, atol=atol, err_msg=key)
