"""Creation: the sizes of a new tensor, the size of a range; what an int argument that is not
one (a bool) is told, at run time and at check time alike."""

from __future__ import annotations

from dfdx_mypy_plugin.shapes._core import ShapeError

SIZES = "sizes must be ints"
AXIS = "axis must be an int"
AXES = "axis must be an int, a tuple of ints or None"
RANGE = "start, end and step must be numbers"


def ints_wanted(what: str) -> str:
    """What an argument of the movement ops must be: ``"axis must be an int"`` for an
    ``axis``, ``"axes must be ints"`` (``"chunks must be ints"``...) for the others."""
    return f"{what} must be {'an int' if what == 'axis' else 'ints'}"


def not_an_int(op: str, wanted: str, value: object) -> str:
    """The message for an argument that is not an int (a bool, which Python counts as one):
    ``"sum: axis must be an int, a tuple of ints or None, got True"``. The runtime raises it
    as a TypeError, the plugin reports it as a ``dfdx-shape`` error."""
    return f"{op}: {wanted}, got {value!r}"


def new_size(op: str, size: int, position: int) -> None:
    """A size of a new tensor (``zeros``, ``full``'s shape...) is at least 0; ``position``
    names which (0 for the first)."""
    if size < 0:
        raise ShapeError(f"{op}: sizes must be >= 0, got {size} at position {position}")


def arange_size(start: int | float, end: int | float, step: int | float) -> int:
    """The number of values of ``arange(start, end, step)``: ``ceil((end - start) / step)``,
    which must not be negative (PyTorch's rule; NumPy returns an empty range)."""
    if step == 0:
        raise ShapeError("arange: step must not be 0")
    if (end - start) * step < 0:
        raise ShapeError(f"arange: end {end} is not reachable from start {start} by step {step}")
    if isinstance(start, int) and isinstance(end, int) and isinstance(step, int):
        return max(0, -((start - end) // step))  # len(range(...)), for ints of any size
    return max(0, -int(-(end - start) // step))
