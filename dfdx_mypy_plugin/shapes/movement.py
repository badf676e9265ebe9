"""Reshaping, permuting, squeezing, concatenating and stacking."""

from __future__ import annotations

import re
from collections.abc import Sequence

from dfdx_mypy_plugin.shapes._core import (
    Axis,
    Dim,
    Shape,
    ShapeError,
    agree,
    at_least,
    counts_apart,
    dim_add,
    dim_div,
    dim_exact,
    dim_floordiv,
    dim_mul,
    fmt,
    fmt_dim,
    names_exchanged,
    names_product,
    normalize_axes,
    normalize_axis,
    same_dim,
    same_layer_size,
)
from dfdx_mypy_plugin.shapes.binary import broadcast_dim


def product(dims: Sequence[Dim]) -> Dim:
    """The number of elements of ``dims``: an int when every size is known (or one is 0), a
    symbolic size (a product in normal form, ``"B*T"``) when the rest are names, else None."""
    n: Dim = 1
    for d in dims:
        n = dim_mul(n, d)
    if any(d == 0 for d in dims):
        return 0
    return dim_exact(n)  # heads split from a size and merged back: ``NH*(E//NH)`` is ``E``


def _divide(numerator: Sequence[Dim], denominator: Sequence[Dim]) -> Dim:
    """``product(numerator) / product(denominator)`` where it is known: names are cancelled
    (``Tensor[B, 28, 28]`` over ``784`` is ``B``, ``Tensor[B*T, C]`` over ``(B, C)`` is
    ``T``); where a quotient of names remains, that quotient (``Tensor[B, S, E]`` over ``(B,
    S, NH)`` is ``E//NH``, a head's size: exact, as the sizes must multiply out)."""
    total, rest = product(numerator), product(denominator)
    exact = dim_div(total, rest)
    if exact is not None or not isinstance(rest, str) or total is None:
        return exact
    quotient = dim_floordiv(total, rest)
    return quotient if isinstance(quotient, str) and names_product(quotient) else None


def _elements(n: Dim) -> str:
    return f"{fmt_dim(n)} element" + ("" if n == 1 else "s")


def reshape(shape: Shape, dims: Sequence[Dim]) -> Shape:
    """``reshape(*dims)``: the same elements in ``dims`` sizes, one of which may be -1 (solved
    from the others); None is a size not known at check time."""
    target = fmt(tuple(dims))
    given = tuple(None if isinstance(d, int) and d < 0 else d for d in dims)  # ShapeError.best
    bad = [d for d in dims if isinstance(d, int) and d < -1]
    if bad:
        raise ShapeError(f"reshape: invalid size {bad[0]} in {target}", best=given)
    holes = [i for i, d in enumerate(dims) if d == -1]
    if len(holes) > 1:
        raise ShapeError(f"reshape: only one size may be -1, got {target}", best=given)
    total = product(shape)
    known = [d for d in dims if d != -1]
    count = f"{fmt(shape)} ({_elements(total)})"
    if not holes:
        wanted = product(known)
        # the sizes a reshape is given state what the code relies on, and the run time checks
        # them: a generic module's tokens viewed as its grid (``x.view(b, h, w, c)`` of a
        # ``Tensor[B, N, C]`` after ``assert n == h * w``) are not two different counts
        if same_dim(total, wanted) is False:
            raise ShapeError(
                f"reshape: cannot reshape {count} to {target} ({_elements(wanted)})", best=given
            )
        # sizes from a module's ``int`` arguments, or one size TypeVar in place of another
        apart = counts_apart(total, wanted) or names_exchanged(total, wanted)
        if apart is not None:
            raise ShapeError(
                f"reshape: cannot reshape {count} to {target} ({_elements(wanted)}: "
                f"equal only where {apart})",
                best=given,
            )
        return tuple(dims)
    rest = product(known)
    if isinstance(total, int) and isinstance(rest, int):
        if rest == 0:
            raise ShapeError(
                f"reshape: cannot reshape {count} to {target} (-1 with a size 0)", best=given
            )
        if total % rest:
            raise ShapeError(
                f"reshape: cannot reshape {count} to {target} "
                f"({total} is not a multiple of {rest})",
                best=given,
            )
    solved = _divide(shape, known)
    return tuple(solved if d == -1 else d for d in dims)


def names_exchanged_in(shape: Shape, dims: Sequence[Dim]) -> bool:
    """Whether ``reshape(shape, dims)`` fails because one size TypeVar stands in ``dims``
    where the input has another (:func:`_core.names_exchanged`): the reshape's own sizes are
    the mistake, not the layers that set the input's."""
    return -1 not in dims and names_exchanged(product(shape), product(dims)) is not None


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
    n = len(shape)
    best = tuple(shape[a] if -n <= a < n else None for a in axes)  # ShapeError.best
    if len(axes) != n:
        raise ShapeError(
            f"permute: {fmt(shape)} has {n} axes, got {len(axes)}: ({_axes(axes)})", best=best
        )
    order = tuple(normalize_axis("permute", shape, a) for a in axes)
    for i, a in enumerate(order):
        if a in order[:i]:
            raise ShapeError(
                f"permute: axis {a} appears twice in ({_axes(axes)}) for {fmt(shape)}", best=best
            )
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


def matrix_transpose(shape: Shape) -> Shape:
    """``x.T``: the two axes of a 2-d tensor swapped (PyTorch deprecates ``.T`` on other
    ranks; dfdx rejects it there)."""
    if len(shape) != 2:
        raise ShapeError(
            f"T: expected a 2-d tensor, got {fmt(shape)}; use .mT to swap the last two axes "
            "or .permute(...) to reverse them"
        )
    return (shape[1], shape[0])


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


def broadcast_to_sizes(shape: Shape, dims: Sequence[Dim]) -> Shape:
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
            if isinstance(t, int) and t < 0:
                raise ShapeError(f"broadcast_to: invalid size {t} in {target}")
            out.append(t)
            continue
        s = shape[i - lead]
        if t == -1:
            out.append(s)
        elif isinstance(t, int) and t < 0:
            raise ShapeError(f"broadcast_to: invalid size {t} in {target}")
        elif s == 1:
            out.append(t)
        elif broadcast_dim(s, t) is False or same_layer_size(s, t) is False:
            # (same_layer_size answers as same_dim wherever that knows)
            # (two size TypeVars are two sizes, as in broadcasting: a grid's ``H`` is no ``W``)
            raise ShapeError(
                f"broadcast_to: cannot broadcast {fmt(shape)} to {target} "
                f"(axis {axis}: {fmt_dim(s)} != {fmt_dim(t)})",
                best=_targets(shape, dims),
            )
        else:
            out.append(t if isinstance(t, int) else s)
    return tuple(out)


def repeat(shape: Shape, counts: Sequence[Dim]) -> Shape:
    """``repeat(*counts)`` (PyTorch's ``Tensor.repeat``, NumPy's ``tile``): each axis repeated
    ``counts[i]`` times, new leading axes where there are more counts than axes
    (``Tensor[H, 1, F].repeat(1, W, 1)`` is ``Tensor[H, W, F]``, ``Tensor[D].repeat(B, 1)`` is
    ``Tensor[B, D]``); fewer counts than axes, or a negative count, is an error."""
    target = "(" + ", ".join(fmt_dim(c) for c in counts) + ("," if len(counts) == 1 else "") + ")"
    if len(counts) < len(shape):
        raise ShapeError(
            f"repeat: {fmt(shape)} needs a count for each of its {len(shape)} axes, got {target}"
        )
    for c in counts:
        if isinstance(c, int) and c < 0:
            raise ShapeError(f"repeat: invalid count {c} in {target}")
    padded = (1,) * (len(counts) - len(shape)) + tuple(shape)
    return tuple(dim_mul(c, d) for c, d in zip(counts, padded, strict=True))


def repeat_interleave(shape: Shape, repeats: Dim, axis: int | None) -> Shape:
    """``repeat_interleave(x, repeats, axis)`` (PyTorch's): each element repeated ``repeats``
    times in place along ``axis`` (``Tensor[B, S, D]`` by 2 on axis 1 is ``Tensor[B, 2*S,
    D]``); ``axis=None`` flattens first (``Tensor[B * S * D * repeats]``). A negative count is
    an error."""
    op = "repeat_interleave"
    if isinstance(repeats, int) and repeats < 0:
        raise ShapeError(f"{op}: repeats must be >= 0, got {repeats}")
    if axis is None:
        total: Dim = 1
        for d in shape:
            total = dim_mul(total, d)
        return (dim_mul(total, repeats),)
    ax = normalize_axis(op, shape, axis)
    return (*shape[:ax], dim_mul(shape[ax], repeats), *shape[ax + 1 :])


def _targets(shape: Shape, dims: Sequence[Dim]) -> Shape:
    """The sizes ``broadcast_to`` was asked for, a -1 as the input's size (ShapeError.best:
    the code after the call is written against them)."""
    lead = len(dims) - len(shape)
    return tuple(shape[i - lead] if t == -1 and i >= lead else t for i, t in enumerate(dims))


def concat(shapes: Sequence[Shape], axis: int) -> Shape:
    """``concat(tensors, axis)``: the sizes on ``axis`` add up; the other sizes must agree."""
    if not shapes:
        raise ShapeError("concat: needs at least one tensor")
    first = shapes[0]
    if not first:
        raise ShapeError(f"concat: cannot concatenate 0-d tensors: {fmt(first)}")
    ax = normalize_axis("concat", first, axis)
    out = list(first)
    error = None  # the first mistake, raised once the result is known (ShapeError.best)
    for other in shapes[1:]:
        if len(other) != len(first):
            error = error or (
                f"concat: ranks differ: {fmt(first)} and {fmt(other)} "
                f"({len(first)} != {len(other)})"
            )
            continue
        for i, (a, b) in enumerate(zip(first, other, strict=True)):
            if i != ax and same_layer_size(a, b) is False:
                error = error or (
                    f"concat: sizes differ on axis {i}: {fmt(first)} and {fmt(other)} "
                    f"({fmt_dim(a)} != {fmt_dim(b)})"
                )
            elif i != ax:
                out[i] = agree(out[i], b)
    total: Dim = 0
    for s in shapes:  # symbolic sizes add up too: ``CI+CO``, ``2*C``
        total = dim_add(total, s[ax]) if len(s) == len(first) else None
    out[ax] = total
    if error is not None:
        raise ShapeError(error, best=tuple(out))
    return tuple(out)


def stack(shapes: Sequence[Shape], axis: int) -> Shape:
    """``stack(tensors, axis)``: tensors of one shape along a new axis of ``len(tensors)``."""
    if not shapes:
        raise ShapeError("stack: needs at least one tensor")
    first = shapes[0]
    out = list(first)
    error = None  # the first mistake, raised once the result is known (ShapeError.best)
    for other in shapes[1:]:
        if len(other) != len(first):
            error = error or (
                f"stack: shapes differ: {fmt(first)} and {fmt(other)} "
                f"(rank {len(first)} != {len(other)})"
            )
            continue
        for i, (a, b) in enumerate(zip(first, other, strict=True)):
            if same_layer_size(a, b) is False:
                error = error or (
                    f"stack: shapes differ: {fmt(first)} and {fmt(other)} "
                    f"(axis {i}: {fmt_dim(a)} != {fmt_dim(b)})"
                )
            else:
                out[i] = agree(out[i], b)
    if error is not None:
        try:
            i = new_axis("stack", first, axis)
        except ShapeError:
            raise ShapeError(error) from None
        raise ShapeError(error, best=(*out[:i], len(shapes), *out[i:]))
    i = new_axis("stack", first, axis)
    return (*out[:i], len(shapes), *out[i:])


def split_sizes(
    op: str, shape: Shape, split: int | str | Sequence[Dim], axis: int
) -> list[Dim] | None:
    """The sizes of ``split(x, split, axis)`` along ``axis`` (PyTorch's semantics): pieces of
    ``split`` with a smaller last one for an int, exactly the given sizes for a sequence
    (which must add up to the axis's size). A symbolic size that divides the axis's size
    exactly gives that many pieces (``3*C`` split by ``C``: three ``C``). None where the
    number of pieces is not known."""
    ax = normalize_axis(op, shape, axis)
    n = shape[ax]
    if isinstance(split, str) or (isinstance(split, int) and isinstance(n, str)):
        return _symbolic_split(n, split)
    if isinstance(split, int):
        if split < 0 or (split == 0 and isinstance(n, int) and n != 0):
            raise ShapeError(
                f"{op}: split size must be > 0 (0 only for an empty axis), got {split} for "
                f"axis {ax} of {fmt(shape)}"
            )
        if not isinstance(n, int):
            return None
        if n == 0:
            return [0]
        cut: list[Dim] = [split] * (n // split)
        return cut + ([n % split] if n % split else [])
    given = list(split)
    sizes = [s for s in given if isinstance(s, int)]
    if len(sizes) != len(given):
        return _symbolic_sections(op, shape, ax, given)
    if any(s < 0 for s in sizes):
        raise ShapeError(f"{op}: sizes must be >= 0, got {sizes}")
    if isinstance(n, int) and sum(sizes) != n:
        raise ShapeError(
            f"{op}: sizes {sizes} add up to {sum(sizes)}, not to the size {n} of axis {ax} of "
            f"{fmt(shape)}"
        )
    return list(sizes)


def _symbolic_sections(op: str, shape: Shape, ax: int, sizes: list[Dim]) -> list[Dim]:
    """Sections of which some are symbolic sizes (``[IC, ICV]``): the sizes given, where
    their sum is not provably another size than the axis's (an axis of unknown size takes
    any)."""
    total: Dim = 0
    for s in sizes:
        total = dim_add(total, s)
    n = shape[ax]
    if total is not None and n is not None and same_layer_size(total, n) is False:
        raise ShapeError(
            f"{op}: sizes [{', '.join(fmt_dim(s) for s in sizes)}] add up to {fmt_dim(total)}, "
            f"not to the size {fmt_dim(n)} of axis {ax} of {fmt(shape)}"
        )
    return sizes


def _symbolic_split(n: Dim, split: int | str) -> list[Dim] | None:
    """``split`` pieces of a symbolic size ``n``: ``m`` whole pieces where ``n`` is ``m *
    split``, and a last smaller one where the rest is provably between 0 and ``split``
    (``3*C`` by ``2*C``: ``2*C`` and ``C``). None where the number of pieces is not known."""
    if isinstance(split, int) and split <= 0:
        return None
    for m in range(1, 9):
        rest = dim_add(n, dim_mul(split, m), -1)
        if rest == 0:
            return [split] * m
        if at_least(rest, 1) and at_least(dim_add(split, rest, -1), 1):
            return [*([split] * m), rest]
    return None


def _size_names(d: Dim) -> set[str]:
    """The names a symbolic size is written with (``"E//NH"``: E and NH)."""
    return set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", d)) if isinstance(d, str) else set()


def unpacked_split(op: str, shape: Shape, split: str, axis: int, names: int) -> None:
    """``split(x, split, axis)`` unpacked into ``names`` pieces where their number is not
    known: an error where the axis's size and the piece size are written with different
    names (a sequence of ``S`` tokens cut into pieces of ``E`` features), since the number of
    pieces then depends on how two independent sizes compare, as a generic module does not
    rely on two of its sizes being equal. Where both share a name (``D`` cut by ``D//2``) or
    one is a literal or unknown, the run time checks it."""
    ax = normalize_axis(op, shape, axis)
    n = shape[ax]
    if _symbolic_split(n, split) is not None:
        return
    split_names, axis_names = _size_names(split), _size_names(n)
    if not split_names or not axis_names or split_names & axis_names:
        return
    hint = next(
        (
            f" (axis {i}, {fmt_dim(d)}, gives {names})"
            for i, d in enumerate(shape)
            if i != ax and isinstance(d, str) and _symbolic_split(d, split) == [split] * names
        ),
        "",
    )
    raise ShapeError(
        f"{op}: axis {ax} of {fmt(shape)} ({fmt_dim(n)}) cut into pieces of {fmt_dim(split)}: "
        f"their number depends on {fmt_dim(n)} and {fmt_dim(split)}, not {names} for every "
        f"size{hint}"
    )


def list_concat(item: Shape, axis: int, want: Shape, where: str) -> None:
    """A list of tensors of ``item``'s shape, of a length known only at run time,
    concatenated on ``axis`` where the value must have the shape ``want`` (``where``
    names it: "the return type"): an error where ``want``'s size on that axis is provably
    less than twice the item's (the levels' class logits, ``K`` each, concatenated on the class
    axis of a ``Tensor[N, Dyn, K]``). A list is taken to hold two tensors or more:
    concatenating one is the identity, which nobody writes a concatenation for."""
    if len(want) != len(item):
        return
    n, m = item[axis], want[axis]
    if n is None or m is None or not at_least(dim_add(dim_mul(2, n), m, -1), 1):
        return
    why = (
        "a list of one tensor"
        if same_dim(n, m)
        else f"less than {fmt_dim(dim_mul(2, n))}, two tensors"
    )
    raise ShapeError(
        f"concat: a list of {fmt(item)} joined on axis {axis} has {fmt_dim(n)} there per "
        f"tensor, {where} is {fmt(want)} ({fmt_dim(m)}: {why})"
    )


def chunk_sizes(shape: Shape, chunks: int, axis: int) -> list[Dim] | None:
    """The sizes of ``chunk(x, chunks, axis)`` (PyTorch's semantics): pieces of
    ``ceil(n / chunks)``, so there may be fewer than ``chunks`` of them; ``chunks`` empty
    pieces of an empty axis. None where the axis's size is not known."""
    op = "chunk"
    ax = normalize_axis(op, shape, axis)
    if chunks <= 0:
        raise ShapeError(f"{op}: chunks must be > 0, got {chunks}")
    n = shape[ax]
    if isinstance(n, str):  # ``2*C`` in 2 chunks: two ``C``
        piece = dim_div(n, chunks)
        if piece is None and chunks == 2:
            # ``S`` in 2: ``ceil(S / 2)`` and the rest (one piece only where ``S`` is 1)
            return [dim_floordiv(dim_add(n, 1), 2), dim_floordiv(n, 2)]
        return [piece] * chunks if piece is not None else None
    if not isinstance(n, int):
        return None
    if n == 0:
        return [0] * chunks
    return split_sizes(op, shape, -(-n // chunks), axis)


def pieces(shape: Shape, axis: int, sizes: Sequence[Dim]) -> list[Shape]:
    """``shape`` with ``axis`` resized to each of ``sizes``."""
    ax = normalize_axis("split", shape, axis)
    return [(*shape[:ax], s, *shape[ax + 1 :]) for s in sizes]


def slice_scatter(shape: Shape, src: Shape, axis: int, index: slice) -> Shape:
    """``slice_scatter(x, src, axis, start, end, step)``: ``src`` must have the shape of
    ``x``'s slice ``start:end:step`` along ``axis``; the result has ``x``'s shape."""
    op = "slice_scatter"
    ax = normalize_axis(op, shape, axis)
    if index.step is not None and index.step <= 0:
        raise ShapeError(f"{op}: step must be > 0, got {index.step}")
    n = shape[ax]
    size: Dim = len(range(*index.indices(n))) if isinstance(n, int) else None
    if index.start is None and index.stop is None and index.step in (None, 1):
        size = n
    want = (*shape[:ax], size, *shape[ax + 1 :])
    parts = [index.start, index.stop] + ([] if index.step in (None, 1) else [index.step])
    bounds = ":".join("" if v is None else str(v) for v in parts)
    if len(src) != len(want) or any(
        same_layer_size(a, b) is False for a, b in zip(src, want, strict=False)
    ):
        raise ShapeError(
            f"{op}: src {fmt(src)} does not fit the slice {bounds} of axis {ax} of {fmt(shape)} "
            f"({fmt(want)})"
        )
    return shape


# ---- padding, pixel shuffling, flipping --------------------------------------------------------

PAD_MODES = ("constant", "reflect", "replicate")
"""``pad``'s modes, as PyTorch's ``F.pad`` names them."""


def pad(op: str, x: Shape, widths: Sequence[Dim], mode: str = "constant") -> Shape:
    """``F.pad(x, widths, mode)``: ``widths`` are ``(before, after)`` pairs from the last axis
    backwards (``(left, right, top, bottom)`` pads W, then H); each padded size is
    ``n + before + after``. ``reflect`` mirrors without repeating the edge, so each width must
    be smaller than the size; ``replicate`` repeats the edge, so the size must be at least 1."""
    if mode not in PAD_MODES:
        raise ShapeError(f"{op}: mode must be 'constant', 'reflect' or 'replicate', got {mode!r}")
    if len(widths) % 2:
        raise ShapeError(f"{op}: pad must have an even number of sizes, got {len(widths)}")
    if len(widths) // 2 > len(x):
        raise ShapeError(
            f"{op}: pad of {len(widths)} sizes pads {len(widths) // 2} axes, more than the "
            f"{len(x)} of {fmt(x)}"
        )
    out = list(x)
    for i in range(len(widths) // 2):
        axis = len(x) - 1 - i
        before, after = widths[2 * i], widths[2 * i + 1]
        n = x[axis]
        for w in (before, after):
            if isinstance(w, int) and w < 0:
                raise ShapeError(f"{op}: pad sizes must be at least 0, got {w}")
            if mode == "reflect" and isinstance(w, int) and isinstance(n, int) and w >= n:
                raise ShapeError(
                    f"{op}: reflect padding {w} must be smaller than the size {n} at axis "
                    f"{axis} of {fmt(x)}"
                )
        if mode == "replicate" and n == 0:
            raise ShapeError(f"{op}: replicate padding of the empty axis {axis} of {fmt(x)}")
        out[axis] = dim_add(dim_add(n, before), after)
    return tuple(out)


def pixel_shuffle(op: str, x: Shape, factor: Dim) -> Shape:
    """``(N, C*r*r, H, W)`` to ``(N, C, H*r, W*r)``: the channels must be a multiple of
    ``r*r``; a channel count that is not provably one (a symbolic size without that factor) gives
    an unknown channel count, checked at run time."""
    _spatial_4d(op, x)
    square = dim_mul(factor, factor)
    n, c, h, w = x
    if isinstance(c, int) and isinstance(square, int) and square > 0 and c % square:
        raise ShapeError(
            f"{op}: channels {c} of {fmt(x)} are not a multiple of upscale_factor**2 "
            f"({fmt_dim(factor)}**2 = {square})"
        )
    return (n, dim_div(c, square), dim_mul(h, factor), dim_mul(w, factor))


def pixel_unshuffle(op: str, x: Shape, factor: Dim) -> Shape:
    """``(N, C, H*r, W*r)`` to ``(N, C*r*r, H, W)``: height and width must be multiples of
    ``r``; one that is not provably one (a symbolic size without that factor) is unknown."""
    _spatial_4d(op, x)
    n, c, h, w = x
    for axis, size in ((2, h), (3, w)):
        if isinstance(size, int) and isinstance(factor, int) and factor > 0 and size % factor:
            raise ShapeError(
                f"{op}: size {size} at axis {axis} of {fmt(x)} is not a multiple of "
                f"downscale_factor {factor}"
            )
    return (n, dim_mul(c, dim_mul(factor, factor)), dim_div(h, factor), dim_div(w, factor))


def _spatial_4d(op: str, x: Shape) -> None:
    if len(x) != 4:
        raise ShapeError(f"{op}: expected a 4-d input (N, C, H, W), got {fmt(x)}")


def flip(shape: Shape, axes: Sequence[int]) -> Shape:
    """``flip(x, axes)``: the same shape; each axis in range and named once."""
    normalized = [normalize_axis("flip", shape, a) for a in axes]
    if len(set(normalized)) != len(normalized):
        raise ShapeError(f"flip: axes {tuple(axes)!r} name an axis twice for {fmt(shape)}")
    return shape


def tri_indices_count(op: str, rows: int, cols: int, offset: int, lower: bool) -> int:
    """How many ``(row, col)`` pairs ``tril_indices`` (``lower``) or ``triu_indices`` of a
    ``rows x cols`` matrix gives: the positions with ``col - row <= offset`` (``>=``)."""
    if rows < 0 or cols < 0:
        raise ShapeError(f"{op}: row and col must be at least 0, got {rows} and {cols}")
    count = 0
    for r in range(rows):
        if lower:  # columns 0 .. r + offset
            count += max(0, min(cols, r + offset + 1))
        else:  # columns r + offset .. cols - 1
            count += max(0, cols - max(0, r + offset))
    return count
