"""Creation: the size of a range."""

from __future__ import annotations

from dfdx_mypy_plugin.shapes._core import ShapeError


def arange_size(start: int | float, end: int | float, step: int | float) -> int:
    """The number of values of ``arange(start, end, step)``: ``ceil((end - start) / step)``,
    which must not be negative (PyTorch's rule; NumPy returns an empty range)."""
    if step == 0:
        raise ShapeError("arange: step must not be 0")
    if (end - start) * step < 0:
        raise ShapeError(f"arange: end {end} is not reachable from start {start} by step {step}")
    if isinstance(start, int) and isinstance(end, int) and isinstance(step, int):
        return len(range(start, end, step))
    return max(0, -int(-(end - start) // step))
