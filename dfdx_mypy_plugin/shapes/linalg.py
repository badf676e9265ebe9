"""Matrix products."""

from __future__ import annotations

from collections.abc import Sequence

from dfdx_mypy_plugin.shapes._core import (
    Dim,
    Shape,
    ShapeError,
    agree,
    apart_for_every_argument,
    at_least,
    dim_add,
    fmt,
    fmt_dim,
    head_counts,
    same_dim,
    same_layer_size,
)
from dfdx_mypy_plugin.shapes.binary import broadcast


def matmul(a: Shape, b: Shape) -> Shape:
    """``a @ b`` with NumPy's rules: 1-d operands are vectors, leading axes broadcast."""
    if not a or not b:
        raise ShapeError(f"matmul: both operands need at least 1 axis: {fmt(a)} @ {fmt(b)}")
    k_a = a[-1]
    k_b = b[-min(len(b), 2)]  # the second-to-last axis, or a vector's only one
    rows: Shape = a[-2:-1] if len(a) >= 2 else ()
    cols: Shape = b[-1:] if len(b) >= 2 else ()
    batch_a, batch_b = a[:-2], b[:-2]
    batch_error = None
    try:
        batch = broadcast("matmul", batch_a, batch_b, whole=(a, b))
    except ShapeError as e:
        batch, batch_error = e.best or batch_a, e
    # Two size parameters are two sizes, as for a layer's features (same_layer_size): the
    # scores of a generic attention ``q @ k`` without the transpose contract S with D.
    counts = head_counts(a) | head_counts(b)
    if same_layer_size(k_a, k_b) is False or _split_apart(k_a, k_b, counts):
        if len(b) >= 2 and same_dim(k_a, b[-1]):
            cols = b[-2:-1]  # ``q @ k`` for ``q @ k.mT``: the result it was meant to have
        try:
            matmul_inner(fmt(a), fmt(b), k_a, k_b, counts)
        except ShapeError as e:
            raise ShapeError(str(e), best=batch + rows + cols) from None
    if batch_error is not None:
        raise ShapeError(
            f"matmul: batch axes do not broadcast: {fmt(a)} @ {fmt(b)} "
            f"({fmt(batch_a)} vs {fmt(batch_b)})",
            best=batch + rows + cols,
        ) from None
    return batch + rows + cols


def _split_apart(k_a: Dim, k_b: Dim, counts: set[str]) -> bool:
    """Inner sizes of which one is a head's size and that differ for every head count
    (``D//heads`` against ``N``: :func:`apart_for_every_argument`)."""
    return (
        isinstance(k_a, str) and isinstance(k_b, str) and apart_for_every_argument(k_a, k_b, counts)
    )


def joined_inner(a: Shape, b: Shape, side: int, least: Dim, joined: str, line: int) -> None:
    """``a @ b`` where the inner size of one operand (``side``: 0 for ``a``) is unknown, made
    by a concatenation (at line ``line``) that is at least ``least`` long there (``joined``
    writes it, ``E//NH + Dyn``): an error where that is provably more than the other
    operand's inner size."""
    k_a, k_b = a[-1], b[-2]
    other = k_b if side == 0 else k_a
    if other is None or least is None or not at_least(dim_add(least, other, -1), 1):
        return
    sizes = (joined, fmt_dim(k_b)) if side == 0 else (fmt_dim(k_a), joined)
    raise ShapeError(
        f"matmul: inner sizes differ: {fmt(a)} @ {fmt(b)} ({sizes[0]} != {sizes[1]}: "
        f"concatenated at line {line})",
        best=matmul(a, b),
    )


def matmul_inner(a: str, b: str, k_a: Dim, k_b: Dim, counts: set[str] | None = None) -> None:
    """The inner sizes ``k_a`` and ``k_b`` of ``a @ b`` (the operands as written) agree;
    ``counts``: the operands' head counts (:func:`head_counts`)."""
    if same_layer_size(k_a, k_b) is False or _split_apart(k_a, k_b, counts or set()):
        raise ShapeError(
            f"matmul: inner sizes differ: {a} @ {b} ({fmt_dim(k_a)} != {fmt_dim(k_b)})"
        )


def matrix(op: str, shape: Shape) -> Shape:
    """tril/triu act on the last two axes."""
    if len(shape) < 2:
        raise ShapeError(f"{op}: needs at least 2 axes, got {fmt(shape)}")
    return shape


def linear_operands(
    op: str,
    x: Shape,
    weight: Shape,
    bias: Shape | None,
    names: tuple[str, str, str] = ("x", "weight", "bias"),
) -> Shape:
    """``x @ weight.T + bias``: ``x`` ``(*B, in)``, ``weight`` ``(out, in)`` (PyTorch's
    layout), ``bias`` ``(out,)`` or absent; the result is ``(*B, out)``. ``names`` are the
    operands as the op calls them (``weight2`` in a feed-forward)."""
    x_name, w_name, b_name = names
    if len(weight) != 2:
        raise ShapeError(
            f"{op}: {w_name} must be 2-d (out_features, in_features), got {fmt(weight)}"
        )
    if not x:
        raise ShapeError(f"{op}: {x_name} needs at least 1 axis, got {fmt(x)}")
    out, takes = weight
    if same_layer_size(x[-1], takes) is False:
        raise ShapeError(
            f"{op}: {w_name} {fmt(weight)} takes {fmt_dim(takes)} features, "
            f"{x_name} {fmt(x)} has {fmt_dim(x[-1])}",
            best=(*x[:-1], out),
        )
    if bias is not None:
        if len(bias) != 1 or same_layer_size(bias[0], out) is False:
            raise ShapeError(
                f"{op}: {b_name} must be Tensor[{fmt_dim(out)}] (one per output feature of "
                f"{w_name}), got {fmt(bias)}",
                best=(*x[:-1], out),
            )
        out = agree(out, bias[0])
    return (*x[:-1], out)


def feed_forward(
    op: str, x: Shape, w1: Shape, b1: Shape | None, w2: Shape, b2: Shape | None
) -> Shape:
    """``linear(relu(linear(x, w1, b1)), w2, b2)``: ``w1`` ``(hidden, in)``, ``w2``
    ``(out, hidden)``; the result is ``(*B, out)``."""
    hidden = linear_operands(op, x, w1, b1, ("x", "weight1", "bias1"))
    if len(w2) == 2 and same_layer_size(w2[1], hidden[-1]) is False:
        raise ShapeError(
            f"{op}: weight2 {fmt(w2)} takes {fmt_dim(w2[1])} features, "
            f"weight1 {fmt(w1)} gives {fmt_dim(hidden[-1])}"
        )
    return linear_operands(op, hidden, w2, b2, ("the hidden layer", "weight2", "bias2"))


# ---- einsum ------------------------------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def einsum_terms(subscripts: str, ranks: Sequence[int]) -> tuple[list[str], str]:
    """``subscripts`` (``"bhid,bhjd->bhij"``, ``"...ij,jk"``) for operands of ``ranks``
    written with letters only, as PyTorch reads them: each operand's ``...`` stands for its
    axes the letters do not name (right-aligned, they broadcast together) and becomes letters
    no term uses; without ``->`` the output is the ``...`` axes then, in alphabetical order,
    the letters written once; an explicit output without ``...`` sums the ``...`` axes."""
    spec = subscripts.replace(" ", "")
    where = f"einsum {subscripts!r}"
    inputs_part, arrow, output = spec.partition("->")
    terms = inputs_part.split(",")
    if len(terms) != len(ranks):
        raise ShapeError(
            f"{where}: {len(terms)} operand{'s' if len(terms) != 1 else ''} written, "
            f"{len(ranks)} given"
        )
    for term in [*terms, output]:
        bad = term.replace("...", "")
        for ch in bad:
            if ch not in _LETTERS:
                raise ShapeError(f"{where}: {ch!r} is no subscript (letters a-z, A-Z and ...)")
        if term.count("...") > 1:
            raise ShapeError(f"{where}: '...' more than once in {term!r}")
    fresh = [c for c in _LETTERS if c not in spec]
    spans: list[int] = []
    for k, (term, rank) in enumerate(zip(terms, ranks, strict=True)):
        named = len(term.replace("...", ""))
        if named > rank if "..." in term else named != rank:
            raise ShapeError(
                f"{where}: operand {k} has {rank} ax{'is' if rank == 1 else 'es'} but "
                f"{term!r} names {named}"
            )
        spans.append(rank - named if "..." in term else 0)
    n = max(spans, default=0)
    if n > len(fresh):
        raise ShapeError(f"{where}: too many axes under '...'")
    dots = "".join(fresh[:n])
    out_terms = [t.replace("...", dots[n - s :]) for t, s in zip(terms, spans, strict=True)]
    if arrow:
        out = output.replace("...", dots)
    else:
        letters = "".join(out_terms)
        out = dots + "".join(sorted(c for c in set(letters) - set(dots) if letters.count(c) == 1))
    for c in out:
        if out.count(c) > 1:
            raise ShapeError(f"{where}: the output names {c!r} twice")
        if not any(c in t for t in out_terms):
            raise ShapeError(f"{where}: the output's {c!r} is in no operand")
    return out_terms, out


def einsum(subscripts: str, shapes: Sequence[Shape]) -> Shape:
    """The shape of ``einsum(subscripts, *operands)`` for operands of ``shapes``: every
    letter has one size in every operand (or 1 there, which broadcasts, as in PyTorch)."""
    terms, out = einsum_terms(subscripts, [len(s) for s in shapes])
    sizes: dict[str, tuple[Dim, int]] = {}
    error: str | None = None
    for k, (term, shape) in enumerate(zip(terms, shapes, strict=True)):
        for letter, d in zip(term, shape, strict=True):
            if letter not in sizes:
                sizes[letter] = (d, k)
                continue
            seen, first = sizes[letter]
            if d == 1 or seen == 1:
                sizes[letter] = (seen if d == 1 else d, first if d == 1 else k)
                continue
            if same_layer_size(seen, d) is False:
                if error is None:
                    error = (
                        f"einsum {subscripts!r}: {_shown_letter(subscripts, letter)} is "
                        f"{fmt_dim(seen)} in operand {first} {fmt(shapes[first])} but "
                        f"{fmt_dim(d)} in operand {k} {fmt(shape)}"
                    )
                continue  # the result keeps the first size, as a reader takes it
            sizes[letter] = (agree(seen, d), first)
    result = tuple(sizes[c][0] for c in out)
    if error is not None:
        raise ShapeError(error, best=result)
    return result


def _shown_letter(subscripts: str, letter: str) -> str:
    """``letter 'd'``, or where it stands for an axis under ``...``, ``an axis under '...'``."""
    return f"letter {letter!r}" if letter in subscripts else "an axis under '...'"
