"""The core of the shape rules: sizes, shapes, their notation, and ShapeError."""

from __future__ import annotations

Dim = int | str | None
"""A size: an int, a symbolic size (a TypeVar's name ``"B"``, or a product of names and an
int in normal form ``"4*B*T"``: see :func:`dim_mul`), or None (unknown)."""


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
    """True or False when it is known whether two sizes are equal, None when it is not.
    Two products of the same names with different factors (``4*B`` and ``8*B``) differ:
    symbolic sizes are taken to be non-zero."""
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    if a == b:
        return True
    if isinstance(a, str) and isinstance(b, str):
        (ca, na), (cb, nb) = monomial(a), monomial(b)
        if na == nb and ca != cb:
            return False
    return None


def monomial(d: str) -> tuple[int, tuple[str, ...]]:
    """A symbolic size as its int factor and its names, sorted: ``"4*B*T"`` -> ``(4, ("B",
    "T"))``, ``"B"`` -> ``(1, ("B",))``."""
    coef = 1
    names: list[str] = []
    for part in d.split("*"):
        if part.isdigit():
            coef *= int(part)
        else:
            names.append(part)
    return coef, tuple(sorted(names))


def _from_monomial(coef: int, names: tuple[str, ...]) -> Dim:
    if coef == 0 or not names:
        return coef
    return "*".join(([str(coef)] if coef != 1 else []) + sorted(names))


def dim_mul(a: Dim, b: Dim) -> Dim:
    """``a * b``: an int for two ints, a product in normal form (``"4*B*T"``: the int factor
    first, then the names sorted) where a name is involved, None where a size is unknown (0
    times anything is 0)."""
    if a == 0 or b == 0:
        return 0
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    if a == 1:
        return b
    if b == 1:
        return a
    ca, na = (a, ()) if isinstance(a, int) else monomial(a)
    cb, nb = (b, ()) if isinstance(b, int) else monomial(b)
    if ca < 0 or cb < 0:
        return None  # a negative factor is no size
    return _from_monomial(ca * cb, tuple(sorted(na + nb)))


def dim_div(a: Dim, b: Dim) -> Dim:
    """``a // b`` where the division is exact and known (``"4*B*T" // "B"`` is ``"4*T"``),
    else None; never divides by zero."""
    if a is None or b is None or b == 0:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a // b if a % b == 0 else None
    if a == 0:
        return 0
    ca, na = (a, ()) if isinstance(a, int) else monomial(a)
    cb, nb = (b, ()) if isinstance(b, int) else monomial(b)
    rest = list(na)
    for name in nb:
        if name not in rest:
            return None
        rest.remove(name)
    if cb <= 0 or ca % cb:
        return None
    return _from_monomial(ca // cb, tuple(rest))


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
