"""Elementwise ops: broadcasting, ``where`` and masks."""

from __future__ import annotations

from dfdx_mypy_plugin.shapes._core import (
    Dim,
    Shape,
    ShapeError,
    apart_for_every_argument,
    at_least,
    differ_generically,
    equal_where_exact,
    fmt,
    fmt_dim,
    grows_apart,
    head_counts,
    same_dim,
)
from dfdx_mypy_plugin.shapes._symbolic import NotASize, has_floor, parse


def broadcast_dim(
    a: Dim,
    b: Dim,
    held_equal: bool = False,
    module_sizes: frozenset[str] = frozenset(),
    batch_sizes: frozenset[str] = frozenset(),
) -> Dim | bool:
    """The broadcast of two sizes, or False when they provably cannot broadcast.
    ``held_equal``: the code asserts sizes equal (``assert n == self.h * self.w``), so a size
    computed from TypeVars may be another TypeVar (tokens read as their grid).
    ``module_sizes``: the size TypeVars of the module whose method is checked (its
    construction's); a size written with them alone may be one written without them, its
    input's (a window attention's ``WS*WS`` bias against its ``N`` tokens: the module is
    built for its input). ``batch_sizes``: the sizes on the first axis of the checked
    function's tensor arguments; a size written with one of them (``B*S``, tokens flattened
    with their batch) is not one a module is built for: against a module's ``D`` it is a
    mistake (a reduction without ``keepdims``), as between any two sizes of TypeVars."""
    if a == 1:
        return b
    if b == 1:
        return a
    if isinstance(a, int) and isinstance(b, int):
        return a if a == b else False
    if a == b:
        return a
    if _typevar_name(a) and _typevar_name(b):
        return False  # two size TypeVars are two sizes, as for a layer (same_layer_size)
    if _name_and_number(a, b) or _name_and_number(b, a):
        return False  # a size TypeVar stands for every size, not for one number (``N``, ``3``)
    computed = not (_typevar_name(a) and _typevar_name(b))
    if (
        computed
        and not held_equal
        and _never_one(a)
        and _never_one(b)
        and not _built_for(a, b, module_sizes, batch_sizes)
        and differ_generically(a, b)
    ):
        # A product or sum of size TypeVars is 1 only where each of its names is 1, which a
        # module does not rely on (above): ``N*H*W`` (a reduction without keepdims) and ``K``.
        return False
    if isinstance(a, str) and isinstance(b, str) and equal_where_exact(a, b):
        return _simpler(a, b)  # ``2*(H//8)`` (pooled, then upsampled) and ``H//4``
    if isinstance(a, str) and isinstance(b, str) and same_dim(a, b) is False:
        # Two sizes of a generic module that differ wherever its sizes are not 1 (``C`` and
        # ``4*C``, ``2*C`` and ``3*C``): a module does not rely on a size parameter being 1,
        # as it does not rely on two of them being equal (above).
        return False
    if isinstance(a, str) and isinstance(b, str) and grows_apart(a, b):
        return False  # equal only where a size is 1 (``S`` and ``S-2*D+2``: a dilation of 1)
    if isinstance(a, str) and isinstance(b, str) and apart_for_every_argument(a, b):
        return False  # ``heads`` and ``D//heads``: equal for no value a module is built with
    if at_least(a, 2) and at_least(b, 2) and same_dim(a, b) is False:
        return False  # neither can be 1 (``C+1`` and ``3``)
    # One side is known and not 1: a symbolic or unknown partner is 1 or the same size.
    if isinstance(a, int):
        return a
    if isinstance(b, int):
        return b
    if at_least(a, 2):  # and so is a size that cannot be 1 (``4*C`` against an unknown size)
        return a
    if at_least(b, 2):
        return b
    # A size TypeVar against an unknown size or a size computed from others (a stride-2
    # convolution's ``(F+1)//2`` against a positional table's ``CTX``): the TypeVar, as a size
    # parameter is not taken to be 1 (above), so the other is 1 or the same size (plain mypy
    # types ``Tensor[B, S] + Tensor[Dyn]`` the same way).
    names = [d for d in (b, a) if isinstance(d, str) and d.isidentifier()]
    if names and all(d is None or isinstance(d, str) for d in (a, b)):
        # a TypeVar first: a module's ``int`` argument read as a size is one value the module
        # is built with, not a size of its type (``S`` against ``tokens`` is ``S``)
        return next((d for d in names if _typevar_name(d)), names[0])
    return None


def _count_against_size(d: Dim, counts: set[str], other: Dim) -> bool:
    """``d`` is the head count of a tensor split into heads (:func:`head_counts`) and
    ``other`` a size TypeVar: a query not transposed to ``Tensor[B, heads, N, D//heads]``
    meets its keys' ``N`` (``Tensor[B, N, heads, D//heads] @ Tensor[B, heads, D//heads,
    N]``). A count of heads the module is built with is not a size of its input, which every
    value of the TypeVar may be; nor 1, which a module built with a head would broadcast.
    Or ``other`` is another ``int`` argument alone: key/value heads not repeated to the
    query's (``n_heads`` against ``n_kv_heads``), equal only where the module is built with
    as many of each, as for a reshape (``shapes.counts_apart``)."""
    if d not in counts or not isinstance(other, str) or other == d:
        return False
    return _typevar_name(other) or (other.isidentifier() and other.islower())


def _never_one(d: Dim) -> bool:
    """Whether ``d`` is a size written with size TypeVars alone, without floors or negative
    coefficients (``N``, ``N*H*W``, ``CI+CO``, ``2*C+1``): it is 1 only where each of its
    names is, and a generic module's sizes are not taken to be 1 (:func:`broadcast_dim`).
    A floor (``H//32``) may be 1 for sizes that are not; a module's ``int`` argument (in
    lower case) may be 1."""
    p = poly(d) if isinstance(d, str) else None
    if p is None or has_floor(p) or any(c < 0 for c in p.values()):
        return False
    return all(_typevar_name(n) for m in p for n in m)


def poly(d: str) -> dict[tuple[str, ...], int] | None:
    try:
        return parse(d)
    except NotASize:
        return None


def _built_for(
    a: Dim, b: Dim, module_sizes: frozenset[str], batch_sizes: frozenset[str] = frozenset()
) -> bool:
    """Whether one of two sizes is written with ``module_sizes`` alone and the other with none
    of them nor of ``batch_sizes`` (:func:`broadcast_dim`)."""
    pa, pb = (poly(d) if isinstance(d, str) else None for d in (a, b))
    if pa is None or pb is None:
        return False
    na, nb = ({n for m in p for n in m} for p in (pa, pb))
    return (na <= module_sizes and not nb & (module_sizes | batch_sizes)) or (
        nb <= module_sizes and not na & (module_sizes | batch_sizes)
    )


def _simpler(a: str, b: str) -> str:
    """Of two sizes equal wherever their divisions are exact, the one written with fewer
    floors and characters (``H//4`` rather than ``2*(H//8)``)."""
    return min((a, b), key=lambda d: (d.count("//"), len(d)))


def _name_and_number(a: Dim, b: Dim) -> bool:
    """``a`` is a size TypeVar and ``b`` a number it cannot broadcast with unless equal."""
    return _typevar_name(a) and isinstance(b, int) and b >= 2


def _typevar_name(d: Dim) -> bool:
    """``d`` is a size TypeVar's name, not a module's ``int`` argument read as a size (a name
    in lower case, ``tokens``: one value the module is built with, which may be any other
    size; :mod:`dfdx_mypy_plugin._window_parameters`)."""
    return isinstance(d, str) and d.isidentifier() and not d.islower()


def broadcast(
    op: str,
    a: Shape,
    b: Shape,
    whole: tuple[Shape, Shape] | None = None,
    held_equal: bool = False,
    module_sizes: frozenset[str] = frozenset(),
    batch_sizes: frozenset[str] = frozenset(),
) -> Shape:
    """NumPy broadcasting of two shapes, e.g. ``add: Tensor[2, 3] + Tensor[4]`` is an error.
    ``whole``: the operands' whole shapes where ``a`` and ``b`` are their leading axes (a
    matmul's batch axes), for :func:`head_counts`; ``held_equal``, ``module_sizes``,
    ``batch_sizes``: see :func:`broadcast_dim`."""
    if a == b:
        return a
    n = max(len(a), len(b))
    pa = (1,) * (n - len(a)) + a
    pb = (1,) * (n - len(b)) + b
    heads_a, heads_b = (head_counts(s) for s in (whole or (a, b)))
    out: list[Dim] = []
    bad: list[int] = []
    for i, (da, db) in enumerate(zip(pa, pb, strict=True)):
        d = broadcast_dim(da, db, held_equal, module_sizes, batch_sizes)
        if _count_against_size(da, heads_a, db) or _count_against_size(db, heads_b, da):
            d = False
        elif isinstance(da, str) and isinstance(db, str):
            if apart_for_every_argument(da, db, heads_a | heads_b):
                d = False  # ``D//heads`` and ``N``: a head's size is no size of the input
        if d is False:
            bad.append(i)
            # ``h = h + emb`` keeps ``h``'s size, as a reader takes it (ShapeError.best); where
            # an operand of fewer axes has, at the axis at fault, a size of the other's on
            # another axis (``gate * h`` with ``gate`` summed without keepdims), its axis is
            # the one out of place: the other's size goes on
            d = db if _misplaced(da, a, b) else da
        out.append(d)
    if bad:
        i = bad[0]
        raise ShapeError(
            f"{op}: shapes do not broadcast: {fmt(a)} and {fmt(b)} "
            f"(axis {i - n}: {fmt_dim(pa[i])} != {fmt_dim(pb[i])})",
            best=tuple(out),
        )
    return tuple(out)


def _misplaced(d: Dim, mine: Shape, other: Shape) -> bool:
    """Whether size ``d`` of ``mine``, the operand of fewer axes, is a size of ``other`` (on
    another axis: it is at fault where it is): an axis reduced without ``keepdims``."""
    return len(mine) < len(other) and d is not None and d != 1 and d in other


def where(cond: Shape, a: Shape, b: Shape) -> Shape:
    """The broadcast of the condition and both branches (a number is ``()``)."""
    return broadcast("where", broadcast("where", cond, a), b)


def mask_broadcast(op: str, source: Shape, target: Shape, what: str = "mask") -> Shape:
    """A mask (or the ``what`` operand) of shape ``source`` must broadcast to ``target``
    without changing it (masked_fill, clamp's tensor bounds)."""
    bad = len(source) > len(target)
    detail = f"rank {len(source)} > {len(target)}"
    for i in range(1, min(len(source), len(target)) + 1):
        s, t = source[-i], target[-i]
        if s != 1 and same_dim(s, t) is False:
            bad, detail = True, f"axis {-i}: {fmt_dim(s)} != {fmt_dim(t)}"
            break
    if bad:
        raise ShapeError(
            f"{op}: {what} {fmt(source)} does not broadcast to {fmt(target)} ({detail})"
        )
    return target
