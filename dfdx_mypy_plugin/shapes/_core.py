"""The core of the shape rules: sizes, shapes, their notation, and ShapeError."""

from __future__ import annotations

Dim = int | str | None


Shape = tuple[Dim, ...]


Axis = int | tuple[int, ...] | None


class ShapeError(ValueError):
    """Tensor shapes that do not fit the op (raised at run time, reported at check time)."""

    __module__ = "dfdx"  # its public name: tracebacks print ``dfdx.ShapeError``


def fmt_dim(d: Dim) -> str:
    return "Dyn" if d is None else str(d)


def fmt(shape: Shape) -> str:
    """``(3, 4)`` -> ``Tensor[3, 4]``; a 0-d shape is ``Tensor[()]``."""
    if not shape:
        return "Tensor[()]"
    return "Tensor[" + ", ".join(fmt_dim(d) for d in shape) + "]"


def same_dim(a: Dim, b: Dim) -> bool | None:
    """True or False when it is known whether two sizes are equal, None when it is not."""
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    if a == b:
        return True
    return None


def same_layer_size(a: Dim, b: Dim) -> bool | None:
    """:func:`same_dim` for a layer's own size against its input's (features, channels, the
    next layer of a Sequential): two different symbolic sizes (two TypeVars, ``CI`` and
    ``CO``) are different, as mypy and pyright hold them without the plugin (``Linear[CI,
    CO]`` does not take a ``Tensor[B, CO]``). A generic module must not rely on two of its
    size parameters being equal."""
    if isinstance(a, str) and isinstance(b, str) and a != b:
        return False
    return same_dim(a, b)


def normalize_axis(op: str, shape: Shape, axis: int) -> int:
    """A possibly negative axis as an index into ``shape``, or a ShapeError naming it."""
    n = len(shape)
    if not -n <= axis < n:
        raise ShapeError(f"{op}: axis {axis} is out of range for {fmt(shape)}")
    return axis % n


def normalize_axes(op: str, shape: Shape, axis: Axis) -> tuple[int, ...]:
    """``axis=None`` means every axis; a tuple may not name the same axis twice."""
    if axis is None:
        return tuple(range(len(shape)))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = tuple(normalize_axis(op, shape, a) for a in axes)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: axis {axis} names an axis twice for {fmt(shape)}")
    return out


def same_shape(op: str, a: Shape, b: Shape) -> None:
    """Ops that need equal shapes (no broadcasting)."""
    if len(a) != len(b) or any(same_dim(x, y) is False for x, y in zip(a, b, strict=False)):
        raise ShapeError(f"{op}: shapes differ: {fmt(a)} and {fmt(b)}")


TAPE_NEEDED = "backward() needs a traced tensor: call .trace() on an input first"


def scalar_for_backward(shape: Shape) -> None:
    """backward() starts from a 0-d loss."""
    if shape:
        raise ShapeError(
            f"backward: the loss must be 0-d, got {fmt(shape)}; reduce it first "
            "(e.g. .sum() or .mean())"
        )


def ensure(op: str, actual: Shape, expected: Shape) -> Shape:
    """``actual`` checked against ``expected`` (None there accepts any size); the result is
    ``expected`` with each None filled from ``actual``."""
    if len(actual) != len(expected):
        raise ShapeError(
            f"{op}: expected {fmt(expected)}, got {fmt(actual)} "
            f"(rank {len(actual)} != {len(expected)})"
        )
    for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
        if e is not None and same_dim(a, e) is False:
            raise ShapeError(
                f"{op}: expected {fmt(expected)}, got {fmt(actual)} "
                f"(axis {i}: {fmt_dim(a)} != {fmt_dim(e)})"
            )
    return tuple(a if e is None else e for a, e in zip(actual, expected, strict=True))


def agree(a: Dim, b: Dim) -> Dim:
    """The size two sizes known to agree have: the more precise one."""
    if isinstance(a, int) or a == b:
        return a
    if isinstance(b, int):
        return b
    return a if a is not None else b
