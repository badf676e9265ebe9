"""Shape arithmetic and its error messages, shared by the runtime and the mypy plugin.

Pure Python: imports neither numpy nor mypy. The runtime calls these rules with ints; the
plugin calls them with what it knows at check time. A dimension (:data:`Dim`) is

- an ``int``: a size known exactly (a ``Literal`` at check time, every size at run time),
- a ``str``: a symbolic size, the name of an ``int``-bound TypeVar such as ``"B"``,
- ``None``: a size nobody knows (``Dyn``).

A rule raises :class:`ShapeError` only when it can prove the shapes are wrong (two different
known sizes); symbolic and unknown sizes are given the benefit of the doubt. The message names
the op, the shapes in the notation users write (``Tensor[B, 784]``) and the axis at fault.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import EllipsisType

Dim = int | str | None
Shape = tuple[Dim, ...]
Axis = int | tuple[int, ...] | None


class ShapeError(ValueError):
    """Tensor shapes that do not fit the op (raised at run time, reported at check time)."""


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


def broadcast_dim(a: Dim, b: Dim) -> Dim | bool:
    """The broadcast of two sizes, or False when they provably cannot broadcast."""
    if a == 1:
        return b
    if b == 1:
        return a
    if isinstance(a, int) and isinstance(b, int):
        return a if a == b else False
    if a == b:
        return a
    # One side is known and not 1: a symbolic or unknown partner is 1 or the same size.
    if isinstance(a, int):
        return a
    if isinstance(b, int):
        return b
    return None


def broadcast(op: str, a: Shape, b: Shape) -> Shape:
    """NumPy broadcasting of two shapes, e.g. ``add: Tensor[2, 3] + Tensor[4]`` is an error."""
    if a == b:
        return a
    n = max(len(a), len(b))
    pa = (1,) * (n - len(a)) + a
    pb = (1,) * (n - len(b)) + b
    out: list[Dim] = []
    for i, (da, db) in enumerate(zip(pa, pb, strict=True)):
        d = broadcast_dim(da, db)
        if d is False:
            raise ShapeError(
                f"{op}: shapes do not broadcast: {fmt(a)} and {fmt(b)} "
                f"(axis {i - n}: {fmt_dim(da)} != {fmt_dim(db)})"
            )
        out.append(d)
    return tuple(out)


def matmul(a: Shape, b: Shape) -> Shape:
    """``a @ b`` with NumPy's rules: 1-d operands are vectors, leading axes broadcast."""
    if not a or not b:
        raise ShapeError(f"matmul: both operands need at least 1 axis: {fmt(a)} @ {fmt(b)}")
    k_a = a[-1]
    k_b = b[-min(len(b), 2)]  # the second-to-last axis, or a vector's only one
    if same_dim(k_a, k_b) is False:
        raise ShapeError(
            f"matmul: inner sizes differ: {fmt(a)} @ {fmt(b)} ({fmt_dim(k_a)} != {fmt_dim(k_b)})"
        )
    rows: Shape = a[-2:-1] if len(a) >= 2 else ()
    cols: Shape = b[-1:] if len(b) >= 2 else ()
    batch_a, batch_b = a[:-2], b[:-2]
    try:
        batch = broadcast("matmul", batch_a, batch_b)
    except ShapeError:
        raise ShapeError(
            f"matmul: batch axes do not broadcast: {fmt(a)} @ {fmt(b)} "
            f"({fmt(batch_a)} vs {fmt(batch_b)})"
        ) from None
    return batch + rows + cols


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


def reduce(op: str, shape: Shape, axis: Axis, keepdims: bool) -> Shape:
    """The shape after reducing ``axis`` (kept as size 1 with ``keepdims``)."""
    axes = normalize_axes(op, shape, axis)
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def nonempty_reduce(op: str, shape: Shape, axes: Sequence[int]) -> None:
    """max/min/logsumexp have no value over zero elements."""
    for i in axes:
        if shape[i] == 0:
            raise ShapeError(f"{op}: cannot reduce axis {i} of size 0 in {fmt(shape)}")


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


# ---- movement and shape ----------------------------------------------------------------------


def product(dims: Sequence[Dim]) -> Dim:
    """The number of elements of ``dims``: an int when every size is known (or one is 0), a
    symbolic size when it is the only one that is not 1, else None."""
    if any(d == 0 for d in dims):
        return 0
    rest = [d for d in dims if d != 1]
    if all(isinstance(d, int) for d in rest):
        n = 1
        for d in rest:
            assert isinstance(d, int)
            n *= d
        return n
    if len(rest) == 1:
        return rest[0]
    return None


def _divide(numerator: Sequence[Dim], denominator: Sequence[Dim]) -> Dim:
    """``product(numerator) / product(denominator)`` where it is known: sizes are cancelled
    symbol by symbol (``Tensor[B, 28, 28]`` over ``784`` is ``B``)."""
    num = [d for d in numerator if d != 1]
    den = [d for d in denominator if d != 1]
    for d in list(den):
        if isinstance(d, str) and d in num:
            num.remove(d)
            den.remove(d)
    if any(d is None or isinstance(d, str) for d in den):
        return None
    n_den = product(den)
    if 0 in num and n_den != 0:
        return 0
    n_num = product([d for d in num if isinstance(d, int)])
    symbols = [d for d in num if not isinstance(d, int)]
    assert isinstance(n_den, int) and isinstance(n_num, int)
    if not symbols:
        return n_num // n_den if n_den and n_num % n_den == 0 else None
    if len(symbols) == 1 and n_num == n_den:
        return symbols[0]
    return None


def _elements(n: Dim) -> str:
    return f"{fmt_dim(n)} element" + ("" if n == 1 else "s")


def reshape(shape: Shape, dims: Sequence[int | None]) -> Shape:
    """``reshape(*dims)``: the same elements in ``dims`` sizes, one of which may be -1 (solved
    from the others); None is a size not known at check time."""
    target = fmt(tuple(dims))
    bad = [d for d in dims if d is not None and d < -1]
    if bad:
        raise ShapeError(f"reshape: invalid size {bad[0]} in {target}")
    holes = [i for i, d in enumerate(dims) if d == -1]
    if len(holes) > 1:
        raise ShapeError(f"reshape: only one size may be -1, got {target}")
    total = product(shape)
    known = [d for d in dims if d != -1]
    count = f"{fmt(shape)} ({_elements(total)})"
    if not holes:
        wanted = product(known)
        if isinstance(total, int) and isinstance(wanted, int) and total != wanted:
            raise ShapeError(f"reshape: cannot reshape {count} to {target} ({_elements(wanted)})")
        return tuple(dims)
    rest = product(known)
    if isinstance(total, int) and isinstance(rest, int):
        if rest == 0:
            raise ShapeError(f"reshape: cannot reshape {count} to {target} (-1 with a size 0)")
        if total % rest:
            raise ShapeError(
                f"reshape: cannot reshape {count} to {target} ({total} is not a multiple of {rest})"
            )
    solved = _divide(shape, known)
    return tuple(solved if d == -1 else d for d in dims)


def flatten(shape: Shape, start_axis: int, end_axis: int) -> Shape:
    """Axes ``start_axis`` to ``end_axis`` (both included) merged into one; a 0-d tensor
    becomes 1-d."""
    if not shape:
        for axis in (start_axis, end_axis):
            if axis not in (0, -1):
                raise ShapeError(f"flatten: axis {axis} is out of range for {fmt(shape)}")
        return (1,)
    start = normalize_axis("flatten", shape, start_axis)
    end = normalize_axis("flatten", shape, end_axis)
    if start > end:
        raise ShapeError(
            f"flatten: start_axis {start_axis} comes after end_axis {end_axis} for {fmt(shape)}"
        )
    return (*shape[:start], product(shape[start : end + 1]), *shape[end + 1 :])


def permute(shape: Shape, axes: Sequence[int]) -> tuple[Shape, tuple[int, ...]]:
    """``permute(*axes)``: axis ``i`` of the result is axis ``axes[i]`` of the input. Returns
    the shape and the axes as non-negative ints."""
    if len(axes) != len(shape):
        raise ShapeError(
            f"permute: {fmt(shape)} has {len(shape)} axes, got {len(axes)}: ({_axes(axes)})"
        )
    order = tuple(normalize_axis("permute", shape, a) for a in axes)
    for i, a in enumerate(order):
        if a in order[:i]:
            raise ShapeError(f"permute: axis {a} appears twice in ({_axes(axes)}) for {fmt(shape)}")
    return tuple(shape[a] for a in order), order


def _axes(axes: Sequence[int]) -> str:
    return ", ".join(str(a) for a in axes)


def transpose(shape: Shape, axis0: int, axis1: int) -> Shape:
    """Axes ``axis0`` and ``axis1`` swapped."""
    a = normalize_axis("transpose", shape, axis0)
    b = normalize_axis("transpose", shape, axis1)
    out = list(shape)
    out[a], out[b] = shape[b], shape[a]
    return tuple(out)


def new_axis(op: str, shape: Shape, axis: int) -> int:
    """Where a new axis goes (unsqueeze, stack): ``axis`` counts the result's axes, so it is
    in ``-(n + 1) .. n`` for an input of ``n`` axes."""
    n = len(shape)
    if not -n - 1 <= axis <= n:
        raise ShapeError(
            f"{op}: axis {axis} is out of range for a new axis of {fmt(shape)} "
            f"(from {-n - 1} to {n})"
        )
    return axis % (n + 1)


def unsqueeze(shape: Shape, axis: int) -> Shape:
    """A new axis of size 1 at ``axis`` of the result."""
    i = new_axis("unsqueeze", shape, axis)
    return (*shape[:i], 1, *shape[i:])


def squeeze(shape: Shape, axis: Axis) -> Shape:
    """The axes ``axis`` (every axis of size 1 when None) removed; each must have size 1."""
    if axis is None:
        return tuple(d for d in shape if d != 1)
    axes = normalize_axes("squeeze", shape, axis)
    for i in axes:
        if same_dim(shape[i], 1) is False:
            raise ShapeError(
                f"squeeze: axis {i} of {fmt(shape)} has size {fmt_dim(shape[i])}, not 1"
            )
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def broadcast_to_sizes(shape: Shape, dims: Sequence[int | None]) -> Shape:
    """``broadcast_to(*dims)``: NumPy broadcasting of ``shape`` to ``dims``; -1 keeps the
    input's size (PyTorch's ``expand``)."""
    target = fmt(tuple(dims))
    if len(dims) < len(shape):
        raise ShapeError(
            f"broadcast_to: cannot broadcast {fmt(shape)} to {target} "
            f"(rank {len(shape)} > {len(dims)})"
        )
    lead = len(dims) - len(shape)
    out: list[Dim] = []
    for i, t in enumerate(dims):
        axis = i - len(dims)
        if i < lead:
            if t == -1:
                raise ShapeError(
                    f"broadcast_to: cannot broadcast {fmt(shape)} to {target} "
                    f"(axis {axis}: -1 on a new axis)"
                )
            if t is not None and t < 0:
                raise ShapeError(f"broadcast_to: invalid size {t} in {target}")
            out.append(t)
            continue
        s = shape[i - lead]
        if t == -1:
            out.append(s)
        elif t is not None and t < 0:
            raise ShapeError(f"broadcast_to: invalid size {t} in {target}")
        elif s == 1:
            out.append(t)
        elif same_dim(s, t) is False:
            raise ShapeError(
                f"broadcast_to: cannot broadcast {fmt(shape)} to {target} "
                f"(axis {axis}: {fmt_dim(s)} != {fmt_dim(t)})"
            )
        else:
            out.append(t if isinstance(t, int) else s)
    return tuple(out)


def _agree(a: Dim, b: Dim) -> Dim:
    """The size two sizes known to agree have: the more precise one."""
    if isinstance(a, int) or a == b:
        return a
    if isinstance(b, int):
        return b
    return a if a is not None else b


def concat(shapes: Sequence[Shape], axis: int) -> Shape:
    """``concat(tensors, axis)``: the sizes on ``axis`` add up; the other sizes must agree."""
    if not shapes:
        raise ShapeError("concat: needs at least one tensor")
    first = shapes[0]
    if not first:
        raise ShapeError(f"concat: cannot concatenate 0-d tensors: {fmt(first)}")
    ax = normalize_axis("concat", first, axis)
    out = list(first)
    for other in shapes[1:]:
        if len(other) != len(first):
            raise ShapeError(
                f"concat: ranks differ: {fmt(first)} and {fmt(other)} "
                f"({len(first)} != {len(other)})"
            )
        for i, (a, b) in enumerate(zip(first, other, strict=True)):
            if i != ax and same_dim(a, b) is False:
                raise ShapeError(
                    f"concat: sizes differ on axis {i}: {fmt(first)} and {fmt(other)} "
                    f"({fmt_dim(a)} != {fmt_dim(b)})"
                )
            if i != ax:
                out[i] = _agree(out[i], b)
    sizes = [s[ax] for s in shapes]
    ints = [d for d in sizes if isinstance(d, int)]
    out[ax] = sum(ints) if len(ints) == len(sizes) else None
    return tuple(out)


def stack(shapes: Sequence[Shape], axis: int) -> Shape:
    """``stack(tensors, axis)``: tensors of one shape along a new axis of ``len(tensors)``."""
    if not shapes:
        raise ShapeError("stack: needs at least one tensor")
    first = shapes[0]
    out = list(first)
    for other in shapes[1:]:
        if len(other) != len(first):
            raise ShapeError(
                f"stack: shapes differ: {fmt(first)} and {fmt(other)} "
                f"(rank {len(first)} != {len(other)})"
            )
        for i, (a, b) in enumerate(zip(first, other, strict=True)):
            if same_dim(a, b) is False:
                raise ShapeError(
                    f"stack: shapes differ: {fmt(first)} and {fmt(other)} "
                    f"(axis {i}: {fmt_dim(a)} != {fmt_dim(b)})"
                )
            out[i] = _agree(out[i], b)
    i = new_axis("stack", first, axis)
    return (*out[:i], len(shapes), *out[i:])


# ---- indexing and selection ----------------------------------------------------------------


class _AnyInt:
    """An int whose value is not known at check time (``x[i]`` with ``i: int``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ANY_INT"


ANY_INT = _AnyInt()
IndexInt = int | _AnyInt
IndexItem = IndexInt | slice | None | EllipsisType
"""One entry of a basic index: an int, a slice (of ints, ``None`` or ``ANY_INT``), ``None``
(a new axis of size 1) or ``...``."""


def index_out_of_range(op: str, shape: Shape, axis: int, value: int) -> ShapeError:
    return ShapeError(f"{op}: index {value} is out of range for axis {axis} of {fmt(shape)}")


def _slice_size(s: slice, d: Dim) -> Dim:
    parts = (s.start, s.stop, s.step)
    if isinstance(d, int) and not any(isinstance(p, _AnyInt) for p in parts):
        return len(range(*s.indices(d)))
    if s.start is None and s.stop is None and s.step in (None, 1, -1):
        return d  # the whole axis (reversed for step -1)
    return None


def index(shape: Shape, items: Sequence[IndexItem]) -> Shape:
    """The shape of ``x[items]`` (NumPy's basic indexing): an int removes its axis, a slice
    keeps it (resized), ``None`` inserts an axis of size 1, ``...`` stands for the axes that
    no other entry names. An int out of a known size's range is an error."""
    op = "index"
    if sum(1 for i in items if i is Ellipsis) > 1:
        raise ShapeError(f"{op}: an index can have only one ellipsis (...)")
    named = sum(1 for i in items if i is not None and i is not Ellipsis)
    if named > len(shape):
        raise ShapeError(
            f"{op}: too many indices for {fmt(shape)}: {named} axes indexed, {len(shape)} exist"
        )
    expanded: list[IndexItem] = []
    for i in items:
        if i is Ellipsis:
            expanded.extend([slice(None)] * (len(shape) - named))
        else:
            expanded.append(i)
    if Ellipsis not in items:
        expanded.extend([slice(None)] * (len(shape) - named))
    out: list[Dim] = []
    axis = 0
    for i in expanded:
        if i is None:
            out.append(1)
            continue
        d = shape[axis]
        if isinstance(i, slice):
            if i.step == 0:
                raise ShapeError(f"{op}: slice step cannot be zero (axis {axis} of {fmt(shape)})")
            out.append(_slice_size(i, d))
        elif isinstance(i, int) and isinstance(d, int) and not -d <= i < d:
            raise index_out_of_range(op, shape, axis, i)
        axis += 1
    return tuple(out)


def index_select(shape: Shape, axis: int, indices: Shape) -> Shape:
    """``x`` with ``axis`` replaced by the entries that 1-d ``indices`` pick."""
    op = "index_select"
    ax = normalize_axis(op, shape, axis)
    if len(indices) != 1:
        raise ShapeError(f"{op}: indices must be 1-d, got {fmt(indices)}")
    return (*shape[:ax], indices[0], *shape[ax + 1 :])


def gather(shape: Shape, axis: int, indices: Shape) -> Shape:
    """``out[i][j] = x[indices[i][j]][j]`` along ``axis`` (here 0): the result has the shape of
    ``indices``, which has the rank of ``x`` and no larger size on the other axes (PyTorch's
    rule)."""
    op = "gather"
    ax = normalize_axis(op, shape, axis)
    if len(indices) != len(shape):
        raise ShapeError(
            f"{op}: indices {fmt(indices)} must have the rank of {fmt(shape)} "
            f"({len(indices)} != {len(shape)})"
        )
    for i, (n, m) in enumerate(zip(shape, indices, strict=True)):
        if i != ax and isinstance(n, int) and isinstance(m, int) and m > n:
            raise ShapeError(
                f"{op}: indices {fmt(indices)} are larger than {fmt(shape)} on axis {i} ({m} > {n})"
            )
    return indices


def one_hot(shape: Shape, n: Dim) -> Shape:
    """Labels of ``shape`` as one-hot vectors of ``n`` classes: ``shape + (n,)``."""
    if isinstance(n, int) and n < 0:
        raise ShapeError(f"one_hot: the number of classes must be >= 0, got {n}")
    return (*shape, n)


def label_out_of_range(shape: Shape, n: int, value: int) -> ShapeError:
    return ShapeError(f"one_hot: label {value} is out of range for {n} classes in {fmt(shape)}")


def matrix(op: str, shape: Shape) -> Shape:
    """tril/triu act on the last two axes."""
    if len(shape) < 2:
        raise ShapeError(f"{op}: needs at least 2 axes, got {fmt(shape)}")
    return shape


def where(cond: Shape, a: Shape, b: Shape) -> Shape:
    """The broadcast of the condition and both branches (a number is ``()``)."""
    return broadcast("where", broadcast("where", cond, a), b)


def mask_broadcast(op: str, source: Shape, target: Shape) -> Shape:
    """A mask of shape ``source`` must broadcast to ``target`` without changing it
    (masked_fill)."""
    bad = len(source) > len(target)
    detail = f"rank {len(source)} > {len(target)}"
    for i in range(1, min(len(source), len(target)) + 1):
        s, t = source[-i], target[-i]
        if s != 1 and same_dim(s, t) is False:
            bad, detail = True, f"axis {-i}: {fmt_dim(s)} != {fmt_dim(t)}"
            break
    if bad:
        raise ShapeError(f"{op}: mask {fmt(source)} does not broadcast to {fmt(target)} ({detail})")
    return target


def probability(op: str, p: float) -> None:
    """dropout's ``p`` is a probability in ``[0, 1]``."""
    if not 0 <= p <= 1:
        raise ShapeError(f"{op}: p must be a probability in [0, 1], got {p!r}")


# ---- convolution and pooling ---------------------------------------------------------------
# Parameters (stride, padding, ...) are read per spatial axis; at check time an entry the
# plugin cannot read is None, and every size that depends on it is unknown (Dyn).

Param = tuple[int | None, ...]
SPATIAL_NAMES = {1: "(N, C, L)", 2: "(N, C, H, W)"}


def conv_param(op: str, name: str, value: object, spatial: int, minimum: int) -> tuple[int, ...]:
    """An int or a tuple of ``spatial`` ints, each at least ``minimum``, as a tuple."""
    items = value if isinstance(value, tuple) else (value,) * spatial
    ints = tuple(v for v in items if isinstance(v, int) and not isinstance(v, bool))
    if len(items) != spatial or len(ints) != spatial:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {spatial} ints, got {value!r}")
    if any(v < minimum for v in ints):
        raise ShapeError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return ints


def _rank(op: str, x: Shape, spatial: int, what: str = "input") -> None:
    if len(x) != spatial + 2:
        raise ShapeError(
            f"{op}: expected a {spatial + 2}-d {what} {SPATIAL_NAMES[spatial]}, got {fmt(x)}"
        )


def _known(*values: Dim) -> bool:
    return all(isinstance(v, int) for v in values)


def _window(op: str, x: Shape, i: int, n: Dim, k: Dim, s: Dim, p: Dim, d: Dim) -> Dim:
    """``(n + 2p - d(k - 1) - 1) // s + 1``: the output size along axis ``i`` of ``x``."""
    if not _known(n, k, s, p, d):
        return None
    assert isinstance(n, int) and isinstance(k, int) and isinstance(s, int)
    assert isinstance(p, int) and isinstance(d, int)
    span = n + 2 * p - d * (k - 1) - 1
    out = span // s + 1
    if span < 0 or out <= 0:
        raise ShapeError(
            f"{op}: output size {out} at axis {i} of {fmt(x)} (size {n} + 2 * padding {p} "
            f"< dilation {d} * (kernel {k} - 1) + 1)"
        )
    return out


def _groups(op: str, x: Shape, w: Shape, channels: Dim, groups: int | None, what: str) -> None:
    if groups is None or not isinstance(channels, int) or channels % groups == 0:
        return
    raise ShapeError(
        f"{op}: groups {groups} does not divide the {channels} {what} channels "
        f"(input {fmt(x)}, weight {fmt(w)})"
    )


def conv(
    op: str,
    x: Shape,
    w: Shape,
    stride: Param,
    padding: Param,
    dilation: Param,
    groups: int | None,
) -> Shape:
    """``conv1d``/``conv2d``: ``x`` is ``(N, C, *spatial)``, ``w`` is ``(O, C / groups,
    *kernel)``; the result is ``(N, O, *out)``, each out ``(n + 2p - d(k - 1) - 1) // s + 1``."""
    spatial = len(stride)
    _rank(op, x, spatial)
    _rank(op, w, spatial, "weight")
    _groups(op, x, w, w[0], groups, "output")
    _groups(op, x, w, x[1], groups, "input")
    per_group = w[1]
    if groups is not None and isinstance(per_group, int) and isinstance(x[1], int):
        if x[1] != per_group * groups:
            raise ShapeError(
                f"{op}: input channels differ: input {fmt(x)}, weight {fmt(w)} "
                f"({x[1]} != {per_group} per group * groups {groups})"
            )
    elif groups == 1 and same_dim(x[1], per_group) is False:
        raise ShapeError(f"{op}: input channels differ: input {fmt(x)}, weight {fmt(w)}")
    out = tuple(
        _window(op, x, i + 2, x[i + 2], w[i + 2], stride[i], padding[i], dilation[i])
        for i in range(spatial)
    )
    return (x[0], w[0], *out)


def conv_transpose(
    op: str,
    x: Shape,
    w: Shape,
    stride: Param,
    padding: Param,
    output_padding: Param,
    dilation: Param,
    groups: int | None,
) -> Shape:
    """``conv_transpose2d``: ``x`` is ``(N, C, H, W)``, ``w`` is ``(C, O / groups, *kernel)``;
    each output size is ``(n - 1)s - 2p + d(k - 1) + output_padding + 1``."""
    spatial = len(stride)
    _rank(op, x, spatial)
    _rank(op, w, spatial, "weight")
    _groups(op, x, w, x[1], groups, "input")
    if same_dim(x[1], w[0]) is False:
        raise ShapeError(
            f"{op}: input channels differ: input {fmt(x)}, weight {fmt(w)} "
            f"({fmt_dim(x[1])} != {fmt_dim(w[0])})"
        )
    for i in range(spatial):
        op_, s, d = output_padding[i], stride[i], dilation[i]
        if _known(op_, s, d) and not (op_ < s or op_ < d):  # type: ignore[operator]
            raise ShapeError(
                f"{op}: output_padding {op_} must be smaller than stride {s} or dilation {d}"
            )
    out: list[Dim] = []
    for i in range(spatial):
        n, k, s, p, d, o = x[i + 2], w[i + 2], stride[i], padding[i], dilation[i], output_padding[i]
        if not _known(n, k, s, p, d, o):
            out.append(None)
            continue
        size = (n - 1) * s - 2 * p + d * (k - 1) + o + 1  # type: ignore[operator]
        if size <= 0:
            raise ShapeError(
                f"{op}: output size {size} at axis {i + 2} of {fmt(x)} "
                f"(padding {p} too large for size {n}, kernel {k}, stride {s})"
            )
        out.append(size)
    channels: Dim = w[1] * groups if isinstance(w[1], int) and groups is not None else None
    return (x[0], channels, *out)


def pool(op: str, x: Shape, kernel: Param, stride: Param, padding: Param) -> Shape:
    """``max_pool2d``/``avg_pool2d`` over ``(N, C, H, W)``: each output size is
    ``(n + 2p - k) // s + 1``; padding may be at most half the kernel (as in PyTorch)."""
    spatial = len(kernel)
    _rank(op, x, spatial)
    for k, p in zip(kernel, padding, strict=True):
        if isinstance(k, int) and isinstance(p, int) and p > k // 2:
            raise ShapeError(f"{op}: padding {p} is more than half the kernel size {k}")
    out = tuple(
        _window(op, x, i + 2, x[i + 2], kernel[i], stride[i], padding[i], 1) for i in range(spatial)
    )
    return (x[0], x[1], *out)


def adaptive_pool(op: str, x: Shape, output_size: Param) -> Shape:
    """``adaptive_avg_pool2d``: ``(N, C, H, W)`` to ``(N, C, *output_size)``."""
    _rank(op, x, len(output_size))
    return (x[0], x[1], *output_size)


def upsample(op: str, x: Shape, scale: Param) -> Shape:
    """Nearest upsampling by whole factors: each spatial size times its factor."""
    _rank(op, x, len(scale))
    out = tuple(
        n * s if isinstance(n, int) and isinstance(s, int) else None
        for n, s in zip(x[2:], scale, strict=True)
    )
    return (x[0], x[1], *out)


# ---- modules (dx.nn) ---------------------------------------------------------------------------


def features(name: str, x: Shape, takes: Dim) -> None:
    """A layer ``name`` (``Linear[784, 10]``, ``LayerNorm[64]``) reading ``takes`` features
    from the last axis of ``x``."""
    if not x:
        raise ShapeError(f"{name}: needs at least 1 axis, got {fmt(x)}")
    if same_dim(x[-1], takes) is False:
        raise ShapeError(
            f"{name}: takes {fmt_dim(takes)} features, got {fmt(x)} "
            f"({fmt_dim(x[-1])} != {fmt_dim(takes)})"
        )


def layer_norm(op: str, x: Shape, size: Dim, params: Sequence[tuple[str, Shape]]) -> Shape:
    """``layer_norm`` of ``x`` over its last axis, of ``size`` features: ``weight`` and
    ``bias`` (``params``, name and shape) are ``Tensor[size]``; the result has ``x``'s shape."""
    features(op, x, size)
    for name, shape in params:
        if len(shape) != 1 or same_dim(shape[0], size) is False:
            raise ShapeError(
                f"{op}: {name} must be Tensor[{fmt_dim(size)}] (one per feature of the "
                f"last axis), got {fmt(shape)}"
            )
    return x


def linear(x: Shape, in_features: Dim, out_features: Dim) -> Shape:
    """``Linear[in, out]`` on ``Tensor[*B, in]``: ``Tensor[*B, out]``."""
    features(f"Linear[{fmt_dim(in_features)}, {fmt_dim(out_features)}]", x, in_features)
    return (*x[:-1], out_features)


def sequential_link(
    index: int, layer: str, takes: Dim, source: int, gives: Dim, what: str = "features"
) -> None:
    """Layer ``index`` (1-based, ``layer`` as written: ``Linear[256, 10]``) of a Sequential
    takes ``takes`` features (or channels); layer ``source`` is the last one before it that
    set that size, to ``gives``."""
    if same_dim(takes, gives) is False:
        raise ShapeError(
            f"Sequential: layer {index} ({layer}) takes {fmt_dim(takes)} {what}, "
            f"layer {source} gives {fmt_dim(gives)}"
        )


_SAME_SIZES = frozenset(
    {"ReLU", "GELU", "Sigmoid", "Tanh", "Softmax", "Dropout", "BatchNorm1d", "Residual"}
)


def sequential_chain(layers: Sequence[tuple[str, str, Sequence[Dim]]]) -> None:
    """Check that a Sequential's layers fit together, before any input is seen. Each layer is
    ``(kind, name, sizes)``: ``kind`` the dx.nn class name (``"Linear"``; anything else for a
    module this rule does not know), ``name`` as messages write it (``Linear[256, 10]``),
    ``sizes`` its size parameters. A layer's input size is checked against the last layer
    before it that set that size: features (the last axis) or channels (axis 1)."""
    features: tuple[Dim, int] | None = None
    chans: tuple[Dim, int] | None = None
    for i, (kind, name, dims) in enumerate(layers, 1):
        if kind in _SAME_SIZES:
            continue
        if kind in ("MaxPool2d", "AvgPool2d"):
            features = None
        elif kind == "Linear":
            if features is not None:
                sequential_link(i, name, dims[0], features[1], features[0])
            features, chans = (dims[1], i), None
        elif kind == "LayerNorm":
            if features is not None:
                sequential_link(i, name, dims[0], features[1], features[0])
            features = features or (dims[0], i)
        elif kind == "Embedding":
            features, chans = (dims[1], i), None
        elif kind == "Conv2d":
            if chans is not None:
                sequential_link(i, name, dims[0], chans[1], chans[0], "channels")
            features, chans = None, (dims[1], i)
        elif kind == "BatchNorm2d":
            if chans is not None:
                sequential_link(i, name, dims[0], chans[1], chans[0], "channels")
            chans = chans or (dims[0], i)
        else:  # Flatten, a nested Sequential, a user's module: sizes unknown from here
            features = chans = None


def channels(name: str, x: Shape, ranks: Sequence[int], takes: Dim) -> None:
    """A layer ``name`` (``BatchNorm2d[8]``, ``Conv2d[3, 8]``) reading ``takes`` channels on
    axis 1 of an input of one of ``ranks``."""
    if len(x) not in ranks:
        want = " or ".join(f"{r}-d" for r in ranks)
        raise ShapeError(f"{name}: needs a {want} input, got {fmt(x)}")
    if same_dim(x[1], takes) is False:
        raise ShapeError(
            f"{name}: takes {fmt_dim(takes)} channels on axis 1, got {fmt(x)} "
            f"({fmt_dim(x[1])} != {fmt_dim(takes)})"
        )


def residual(inner: str, x: Shape, y: Shape) -> None:
    """``Residual(m)`` adds ``m(x)`` to ``x``: the two shapes must be equal."""
    if len(x) != len(y) or any(same_dim(a, b) is False for a, b in zip(x, y, strict=False)):
        raise ShapeError(f"Residual: {inner} maps {fmt(x)} to {fmt(y)}; the shapes must be equal")


def conv_bias(op: str, bias: Shape, channels: Dim) -> None:
    """A conv bias has one entry per output channel: ``Tensor[channels]``."""
    if len(bias) != 1 or same_dim(bias[0], channels) is False:
        raise ShapeError(
            f"{op}: bias must be Tensor[{fmt_dim(channels)}] (one per output channel), "
            f"got {fmt(bias)}"
        )


def class_targets(op: str, logits: Shape, target: Shape, kind: str | None = None) -> None:
    """Targets of a classification loss on ``logits`` (classes on the last axis): class
    probabilities of the logits' shape (``kind="probs"``) or integer labels of the logits'
    shape without the class axis (``kind="labels"``); ``None`` (at check time, where the
    dtype is unknown) accepts either."""
    if not logits:
        raise ShapeError(f"{op}: logits need a class axis (the last), got {fmt(logits)}")
    labels = logits[:-1]

    def fits(want: Shape) -> bool:
        if len(target) != len(want):
            return False
        return all(same_dim(a, b) is not False for a, b in zip(target, want, strict=True))

    if (kind != "labels" and fits(logits)) or (kind != "probs" and fits(labels)):
        return
    wanted = {
        "probs": f"class probabilities {fmt(logits)}",
        "labels": f"integer labels {fmt(labels)}",
    }
    expected = wanted[kind] if kind in wanted else " or ".join(wanted.values())
    raise ShapeError(
        f"{op}: targets {fmt(target)} do not fit logits {fmt(logits)}: expected {expected}"
    )


# ---- attention (dx.nn.MultiHeadAttention, dx.scaled_dot_product_attention) ----------------------


def attention_heads(
    name: str, embed_dim: Dim, num_heads: Dim, names: tuple[str, str] = ("embed_dim", "num_heads")
) -> None:
    """``num_heads`` is at least 1 and divides ``embed_dim``: each head reads
    ``embed_dim // num_heads`` features. ``names`` are the arguments as the module spells
    them (``("d_model", "nhead")`` for the transformer layers)."""
    e_name, h_name = names
    if isinstance(num_heads, int) and num_heads < 1:
        raise ShapeError(f"{name}: {h_name} must be at least 1, got {num_heads}")
    if isinstance(embed_dim, int) and embed_dim < 1:
        raise ShapeError(f"{name}: {e_name} must be at least 1, got {embed_dim}")
    if isinstance(embed_dim, int) and isinstance(num_heads, int) and embed_dim % num_heads:
        raise ShapeError(
            f"{name}: {h_name} {num_heads} does not divide {e_name} {embed_dim} "
            f"({embed_dim} % {num_heads} = {embed_dim % num_heads})"
        )


def attention_inputs(name: str, embed_dim: Dim, query: Shape, key: Shape, value: Shape) -> Shape:
    """Multi-head attention (batch first): query ``(B, L, E)``, key and value ``(B, S, E)``
    with ``E`` the module's ``embed_dim``; the result is ``(B, L, E)``."""
    for what, x in (("query", query), ("key", key), ("value", value)):
        if len(x) != 3:
            raise ShapeError(
                f"{name}: {what} must be 3-d (batch, sequence, embed_dim), got {fmt(x)}"
            )
        if same_dim(x[-1], embed_dim) is False:
            raise ShapeError(
                f"{name}: {what} takes {fmt_dim(embed_dim)} features, got {fmt(x)} "
                f"({fmt_dim(x[-1])} != {fmt_dim(embed_dim)})"
            )
    if same_dim(query[0], key[0]) is False or same_dim(key[0], value[0]) is False:
        raise ShapeError(
            f"{name}: batch sizes differ: query {fmt(query)}, key {fmt(key)}, value {fmt(value)}"
        )
    if same_dim(key[1], value[1]) is False:
        raise ShapeError(
            f"{name}: key and value lengths differ: key {fmt(key)}, value {fmt(value)} "
            f"({fmt_dim(key[1])} != {fmt_dim(value[1])})"
        )
    return (_agree(_agree(query[0], key[0]), value[0]), query[1], _agree(query[2], embed_dim))


def sdpa(op: str, query: Shape, key: Shape, value: Shape) -> Shape:
    """``softmax(query @ key^T) @ value`` over the last two axes: query ``(*B, L, D)``, key
    ``(*B, S, D)``, value ``(*B, S, Dv)``, the batch axes broadcast; the result is
    ``(*B, L, Dv)``."""
    for what, x in (("query", query), ("key", key), ("value", value)):
        if len(x) < 2:
            raise ShapeError(
                f"{op}: {what} needs at least 2 axes (..., sequence, features), got {fmt(x)}"
            )
    if same_dim(query[-1], key[-1]) is False:
        raise ShapeError(
            f"{op}: query and key feature sizes differ: query {fmt(query)}, key {fmt(key)} "
            f"({fmt_dim(query[-1])} != {fmt_dim(key[-1])})"
        )
    if same_dim(key[-2], value[-2]) is False:
        raise ShapeError(
            f"{op}: key and value lengths differ: key {fmt(key)}, value {fmt(value)} "
            f"({fmt_dim(key[-2])} != {fmt_dim(value[-2])})"
        )
    batch = broadcast(op, broadcast(op, query[:-2], key[:-2]), value[:-2])
    return (*batch, query[-2], value[-1])


def transformer_inputs(name: str, d_model: Dim, inputs: Sequence[tuple[str, Shape]]) -> None:
    """The sequences given to a transformer layer ``name`` (``src``, ``tgt``, ``memory``):
    3-d, ``d_model`` features on the last axis."""
    for what, x in inputs:
        if len(x) != 3:
            raise ShapeError(f"{name}: {what} must be 3-d (batch, sequence, d_model), got {fmt(x)}")
        if same_dim(x[-1], d_model) is False:
            raise ShapeError(
                f"{name}: {what} takes {fmt_dim(d_model)} features, got {fmt(x)} "
                f"({fmt_dim(x[-1])} != {fmt_dim(d_model)})"
            )
