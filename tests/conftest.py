"""Suite-wide reporting: how many checks ran against a live PyTorch (rather than the committed
fixtures), and the fuzz test's outcome counts, printed at the end of every run."""

from __future__ import annotations

import importlib.metadata
import inspect
import re
import sys
from collections.abc import Generator
from typing import Any

import pytest

_LIVE = re.compile(r"importorskip\(\s*[\"']torch[\"']\s*\)")
_live_passed: list[str] = []


def _uses_live_torch(item: pytest.Item) -> bool:
    """A test that runs PyTorch itself: it imports it with ``pytest.importorskip("torch")``,
    or is skipped without it (a ``skipif`` mark whose reason names it)."""
    for mark in item.iter_markers("skipif"):
        if re.search(r"torch", str(mark.kwargs.get("reason", "")), re.IGNORECASE):
            return True
    function = getattr(item, "function", None)
    if function is None:
        return False
    try:
        return bool(_LIVE.search(inspect.getsource(function)))
    except (OSError, TypeError):
        return False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[Any]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.passed and _uses_live_torch(item):
        _live_passed.append(item.nodeid)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    try:
        version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        version = None
    if version is None:
        line = "PyTorch is not installed: parity checks used the committed fixtures only"
    else:
        line = (
            f"{len(_live_passed)} tests checked against live PyTorch {version} "
            "(test_fixture_is_current and other live checks); the rest used the fixtures"
        )
    terminalreporter.write_line(line)
    fuzz = sys.modules.get("test_fuzz")
    counts = getattr(fuzz, "RESULTS", None)
    if counts:
        parts = ", ".join(f"{k}: {n}" for k, n in sorted(counts.items()) if k != "cases")
        terminalreporter.write_line(f"fuzz: {counts['cases']} cases ({parts})")
