"""The core of the shape rules: sizes, shapes, their notation, and ShapeError."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from dfdx_mypy_plugin.shapes import _symbolic as _sym

Dim = int | str | None
"""A size: an int, a symbolic size (a TypeVar's name ``"B"``, or a polynomial over names and
floor quotients in canonical form, ``"4*B*T"``, ``"CI+CO"``, ``"H//2"``: see
:mod:`dfdx_mypy_plugin.shapes._symbolic`), or None (unknown)."""


Shape = tuple[Dim, ...]


Axis = int | tuple[int, ...] | None


class ShapeError(ValueError):
    """Tensor shapes that do not fit the op (raised at run time, reported at check time).

    ``best`` is the shape the op's result would have, as far as the mistake leaves it known
    (the sizes given to a reshape, a matmul's outer sizes, a broadcast with the left operand's
    size at the axis at fault), or None: the plugin types the result with it after reporting
    the error, so that the lines after a mistake are still checked and one mistake gives one
    error. The runtime does not read it."""

    __module__ = "dfdx"  # its public name: tracebacks print ``dfdx.ShapeError``

    def __init__(self, message: str, *, best: Shape | None = None) -> None:
        super().__init__(message)
        self.best = best


def fmt_dim(d: Dim) -> str:
    return "Dyn" if d is None else str(d)


def fmt(shape: Shape) -> str:
    """``(3, 4)`` -> ``Tensor[3, 4]``; a 0-d shape is ``Tensor[()]``."""
    if not shape:
        return "Tensor[()]"
    return "Tensor[" + ", ".join(fmt_dim(d) for d in shape) + "]"


def same_dim(a: Dim, b: Dim) -> bool | None:
    """True or False when it is known whether two sizes are equal, None when it is not. Two
    symbolic sizes differ where their difference is provably not 0 (``4*B`` and ``8*B``,
    ``C`` and ``2*C``, ``H`` and ``H//2``): symbolic sizes are taken to be at least 1."""
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    if a == b:
        return True
    diff = _sym_sub(a, b)
    if diff is None:
        return None
    if not diff:
        return True
    return False if _sym.sign(diff) is not None else None


def _poly(d: Dim) -> _sym.Poly | None:
    """A size as a polynomial (None for an unknown size or text that is no size)."""
    if d is None:
        return None
    if isinstance(d, int):
        return _sym.const(d)
    try:
        return _sym.parse(d)
    except _sym.NotASize:
        return None


def _dim(p: _sym.Poly | None) -> Dim:
    if p is None:
        return None
    if set(p) <= {()}:
        return p.get((), 0)
    return _sym.text(p)


def _sym_sub(a: Dim, b: Dim) -> _sym.Poly | None:
    pa, pb = _poly(a), _poly(b)
    return None if pa is None or pb is None else _sym.add(pa, pb, -1)


def constant_range(d: str) -> tuple[int, int] | None:
    """``(low, high)``, two ints between which a symbolic size's value lies for every value of
    its names, with ``low <= 0 <= high`` and ``high - low <= 1``: a size that is 0 up to the
    rounding of its floors (``2*((K+1)//2)-K-1`` is -1 or 0); None for any other."""
    p = _poly(d)
    if p is None:
        return None
    low, high = _sym.bound(p, lower=True), _sym.bound(p, lower=False)
    if low is None or high is None or set(low) - {()} or set(high) - {()}:
        return None
    lo, hi = low.get((), 0), high.get((), 0)
    if not (lo <= 0 <= hi and hi - lo <= 1):
        return None
    return (int(lo) if lo == int(lo) else int(lo) - 1, int(hi))


def at_least(d: Dim, n: int) -> bool:
    """Whether size ``d`` is provably at least ``n`` (a symbolic size: for every value of its
    names, each at least 1)."""
    if isinstance(d, int):
        return d >= n
    diff = _sym_sub(d, n - 1)
    return diff is not None and _sym.sign(diff) == 1


def is_negative(d: Dim) -> bool:
    """Whether a size's value is provably below 0 (an int, or a polynomial such as ``"-P"``
    that is negative for every value of its names)."""
    if isinstance(d, int):
        return d < 0
    p = _poly(d)
    return p is not None and _sym.sign(p) == -1


def is_nonnegative(d: Dim) -> bool:
    """Whether a size's value is provably 0 or more (``"W-1"``: sizes are ints, so ``p >= 0``
    where ``p + 1 > 0``)."""
    if isinstance(d, int):
        return d >= 0
    p = _poly(d)
    return p is not None and _sym.sign(_sym.add(p, _sym.const(1))) == 1


def dim_mul(a: Dim, b: Dim) -> Dim:
    """``a * b``: an int for two ints, a symbolic size in normal form (``"4*B*T"``: the int
    factor first, then the names sorted) where a name is involved, None where a size is
    unknown (0 times anything is 0)."""
    if a == 0 or b == 0:
        return 0
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    if (isinstance(a, int) and a < 0) or (isinstance(b, int) and b < 0):
        return None  # a negative factor is no size
    pa, pb = _poly(a), _poly(b)
    return None if pa is None or pb is None else _dim(_sym.mul(pa, pb))


def dim_exact(d: Dim) -> Dim:
    """A tensor's number of elements ``d`` with a size split by a count of heads or groups
    and multiplied back taken as exact (``NH*(E//NH)`` is ``E``: :func:`_symbolic.exact`)."""
    p = _poly(d) if isinstance(d, str) else None
    return d if p is None else _dim(_sym.exact(p))


def dim_add(a: Dim, b: Dim, scale: int = 1) -> Dim:
    """``a + scale * b`` (``CI + CO``, ``H + 2``), None where a size is unknown."""
    if isinstance(a, int) and isinstance(b, int):
        return a + scale * b
    pa, pb = _poly(a), _poly(b)
    return None if pa is None or pb is None else _dim(_sym.add(pa, pb, scale))


def dim_floordiv(a: Dim, b: Dim) -> Dim:
    """``a // b`` for a positive divisor: an int for two ints, else a symbolic size
    (``H // 2``, ``(H+1)//2``, ``E//NH``); None where a size is unknown or the divisor is not
    a positive int or product of names."""
    if isinstance(a, int) and isinstance(b, int):
        return a // b if b > 0 else None
    pa, pb = _poly(a), _poly(b)
    if pa is None or pb is None:
        return None
    try:
        return _dim(_sym.floordiv(pa, pb))
    except _sym.NotASize:
        return None


def dim_div(a: Dim, b: Dim) -> Dim:
    """``a // b`` where the division is exact and known (``"4*B*T" // "B"`` is ``"4*T"``),
    else None; never divides by zero."""
    if a is None or b is None or b == 0:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a // b if a % b == 0 else None
    if a == 0:
        return 0
    if a == b:
        return 1
    pa, pb = _poly(a), _poly(b)
    if pa is None or pb is None or len(pb) != 1:
        return None
    ((names, coef),) = pb.items()
    if coef <= 0:
        return None
    out: _sym.Poly = {}
    for m, c in pa.items():
        rest = list(m)
        for n in names:
            if n not in rest:
                return None
            rest.remove(n)
        if c % coef:
            return None
        out[tuple(rest)] = c // coef
    return _dim(out)


def dim_substitute(d: Dim, values: dict[str, Dim]) -> Dim:
    """Size ``d`` with each name replaced by its value in ``values``, simultaneously
    (``"CI+G"`` with ``CI=8, G=4`` is ``12``; ``"H//2"`` with ``H="S"`` is ``"S//2"``): a
    size a signature writes in its own names, as its caller knows them. None where a name has
    no value, or a value that is unknown."""
    if not isinstance(d, str):
        return d
    try:
        tree = ast.parse(d, mode="eval")
    except SyntaxError:
        return None
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    if any(values.get(n) is None for n in names):
        return None
    spelled = {n: f"({values[n]})" for n in names}
    out = "".join(spelled.get(tok, tok) for tok in _tokens(d))
    return _dim(_poly(out))


def _tokens(text: str) -> list[str]:
    """``text`` cut into names and the characters between them."""
    return re.findall(r"[A-Za-z_][A-Za-z_0-9]*|[^A-Za-z_]+", text)


def same_layer_size(a: Dim, b: Dim) -> bool | None:
    """:func:`same_dim` for two sizes that an op needs equal in code that must hold for every
    value of its size names (a generic module's or function's body: mypy checks it once for
    all of them): a layer's own size against its input's (features, channels, the next layer
    of a Sequential), a matmul's inner sizes, a concatenation's other sizes, an element count.
    Two known sizes that are not the same function of their names differ
    (:func:`differ_generically`): two TypeVars (``Linear[CI, CO]`` does not take a ``Tensor[B,
    CO]``, as mypy and pyright hold them without the plugin), a TypeVar and a literal
    (``Tensor[B, 3, N] @ Tensor[B, 3, 3]``), a product and a name (``H*W`` and ``D``). A
    generic module must not rely on two of its sizes being equal, nor on one being a given
    number. Sizes that are equal wherever their divisions are exact (``2*(D//2)`` and ``D``,
    ``NH*(E//NH)`` and ``E``) or that differ by a floor's rounding only (``(H+1)//2`` and
    ``H//2``, equal for even ``H``) are accepted, as is any unknown (``Dyn``) size. A window
    size read from a module's ``int`` argument (``patch_size``, a name in lower case:
    :mod:`dfdx_mypy_plugin._window_parameters`) is one value the module may be built with,
    not a size of its type: it differs only where the sizes grow apart (:func:`grows_apart`)."""
    known = same_dim(a, b)
    if known is not None or a is None or b is None:
        return known
    apart = differ_generically(a, b) or grows_apart(a, b) or apart_for_every_argument(a, b)
    return False if apart else None


_PROBES = ((1009, 1013, 1019, 1021, 1031, 1033, 1039, 1049), (2003, 2011, 2017, 2027, 2029, 2039))
_EVEN_PROBE = 5040  # divisible by 1 to 10: small divisions come out exact, floors as written


def agree_where_even(a: Dim, b: Dim) -> bool:
    """Whether two known sizes are equal, up to a floor's rounding (``(H+1)//2`` and
    ``H//2``), wherever their names (sizes and ``int`` arguments alike) are large multiples
    of every small number: checked at two such points. Not where either is unknown."""
    pa, pb = _poly(a), _poly(b)
    if pa is None or pb is None:
        return False
    names = sorted(_sym.names(pa) | _sym.names(pb))
    for step in (2, 3):
        values = {n: _EVEN_PROBE * (i + step) for i, n in enumerate(names)}
        if _sym.floor_value(pa, values) != _sym.floor_value(pb, values):
            return False
    return True


def differ_generically(a: Dim, b: Dim) -> bool:
    """Whether two known sizes are different functions of their names, each division taken as
    exact (:func:`_symbolic.exact_value`): they then differ for all but a few values of the
    names, and code written for every value may not take them to be equal. Decided by
    evaluating both where the names have large distinct values (twice): two equal functions
    agree at every point, so a point where they disagree proves them different."""
    pa, pb = _poly(a), _poly(b)
    if pa is None or pb is None:
        return False
    names = sorted(_sym.names(pa) | _sym.names(pb))
    if any(not n.isupper() for n in names):
        return False  # a module's int argument (``patch_size``): a value, not a size name
    multiples = {n: _EVEN_PROBE * (i + 2) for i, n in enumerate(names)}
    if _sym.floor_value(pa, multiples) == _sym.floor_value(pb, multiples):
        return False  # equal up to a floor's rounding (``(H+1)//2`` and ``H//2``)
    for probe in _PROBES:
        values = {n: probe[i % len(probe)] + 7 * (i // len(probe)) for i, n in enumerate(names)}
        if _sym.exact_value(pa, values) != _sym.exact_value(pb, values):
            return True
    return False


def apart_for_every_argument(a: Dim, b: Dim, counts: Iterable[str] = ()) -> bool:
    """Whether two sizes written with a module's ``int`` arguments (``heads``, in lower
    case) are different functions of its size TypeVars whatever values the arguments have,
    where one is a count that divides the other (``heads`` against ``D//heads``: a head's
    size where the head count belongs, equal only where ``D`` is the count's square), or
    where both are written with a TypeVar and one is split by one of ``counts``, the head
    counts of the tensors they are axes of (:func:`head_counts`: ``D//heads`` against ``N``
    in ``Tensor[B, heads, N, D//heads] @ Tensor[B, heads, N, D//heads]``, keys not
    transposed). Then no value the module is built with makes them equal for every value of
    its sizes, as two TypeVars are two sizes (:func:`differ_generically`). Sizes equal up to
    a floor's rounding or where the divisions are exact (``heads*(D//heads)`` and ``D``) do
    not differ, nor sizes split by an argument that is no head count (an image's
    ``(H//patch)*(W//patch)`` patches against a module's ``P``: it may be built for them),
    nor an argument against a TypeVar alone (``seq_len`` against ``N``)."""
    pa, pb = _poly(a), _poly(b)
    if pa is None or pb is None:
        return False
    na, nb = _sym.names(pa), _sym.names(pb)
    if all(n.isupper() for n in na | nb):
        return False  # sizes of TypeVars alone: differ_generically
    divisors = _sym.divisor_names(pa) | _sym.divisor_names(pb)
    split = any(n.isupper() for n in na) and any(n.isupper() for n in nb) and divisors & set(counts)
    if not split and not (_count_of(na, pb) or _count_of(nb, pa)):
        return False
    names = sorted(na | nb)
    small = iter(range(2, 2 + len(names)))
    nice = {n: next(small) if n in divisors else _EVEN_PROBE * (i + 2) for i, n in enumerate(names)}
    if _sym.floor_value(pa, nice) == _sym.floor_value(pb, nice):
        return False  # equal up to a floor's rounding
    for probe in _PROBES:
        values = {n: probe[i % len(probe)] + 7 * (i // len(probe)) for i, n in enumerate(names)}
        if _sym.exact_value(pa, values) == _sym.exact_value(pb, values):
            return False
    return True


def _count_of(names: set[str], p: _sym.Poly) -> bool:
    """Whether ``names`` are ``int`` arguments alone, each one a divisor of ``p``, which is
    written with a TypeVar (``heads`` and ``D//heads``)."""
    return (
        bool(names)
        and not any(n.isupper() for n in names)
        and names <= _sym.divisor_names(p)
        and any(n.isupper() for n in _sym.names(p))
    )


def head_counts(shape: Shape) -> set[str]:
    """The module ``int`` arguments that stand alone on an axis of ``shape`` and divide the
    size of another of its axes: the head count of a tensor split into heads (``heads`` in
    ``Tensor[B, heads, N, D//heads]``, a channel shuffle's ``groups``)."""
    alone = {d for d in shape if isinstance(d, str) and d.isidentifier() and d.islower()}
    if not alone:
        return set()
    divisors: set[str] = set()
    for d in shape:
        p = _poly(d) if isinstance(d, str) and not d.isidentifier() else None
        if p is not None:
            divisors |= _sym.divisor_names(p)
    return alone & divisors


def equal_where_exact(a: Dim, b: Dim) -> bool:
    """Whether two known sizes, at least one symbolic, are the same function of their size
    names where each division is exact (:func:`_symbolic.exact_value`): ``2*(C//2)`` and
    ``C``, ``NH*(D//NH)`` and ``D``, ``(H+1)//2 + H//2``... not ``(H+1)//2`` and ``H//2``
    (equal for even ``H`` only), ``C//2`` and ``C``, nor a module's ``int`` argument in lower
    case (a value it may be built with, not a size of its type)."""
    if a is None or b is None or (isinstance(a, int) and isinstance(b, int)):
        return False
    pa, pb = _poly(a), _poly(b)
    if pa is None or pb is None:
        return False
    names = sorted(_sym.names(pa) | _sym.names(pb))
    if not names or any(not n.isupper() for n in names):
        return False
    for probe in _PROBES:
        values = {n: probe[i % len(probe)] + 7 * (i // len(probe)) for i, n in enumerate(names)}
        if _sym.exact_value(pa, values) != _sym.exact_value(pb, values):
            return False
    return True


def fits_declared(have: Dim, want: Dim) -> bool:
    """Whether a computed size ``have`` may be taken as the declared ``want`` (a return type's,
    an assignment's): equal wherever its divisions are exact (``32*(H//32)`` and ``H``: five
    stride-2 downs and as many ups, whose skip joins need ``H`` to be a multiple of 32 at run
    time) or up to a floor's rounding wherever the sizes are multiples of every small number
    (``4*((H+3)//4)`` and ``H``: 3x3 stride-2 downs, ceil-halving, brought back up by 2x2
    stride-2 transposed convolutions). ``H//2`` and ``H``, ``2*((H-1)//2)`` and ``H`` are not."""
    if have is None or want is None or (isinstance(have, int) and isinstance(want, int)):
        return False
    return equal_where_exact(have, want) or agree_where_even(have, want)


def grows_apart(a: Dim, b: Dim) -> bool:
    """Whether two sizes differ by a polynomial of names without floors that is 0 wherever one
    of its names is 1, whatever the others (``K+S-1`` and ``S`` differ by ``K-1``; a dilation
    forgotten, by ``(K-1)*(1-D)``; a causal padding not trimmed, by ``D*K-D``): equal only
    where that size is 1 (a kernel or a dilation of 1). Two sizes equal where two names are
    (``CI-CO``, ``N-H*W``) are left to the rule on names. (:func:`same_layer_size` needs it
    where :func:`differ_generically` does not decide: sizes written with a module's ``int``
    window argument, ``kernel_size``.)"""
    diff = _sym_sub(a, b)
    if not diff:
        return False
    if _sym.has_floor(diff):
        return _strided_apart(a, b)
    if not any(m for m in diff):
        return False
    return any(not _sym.at_one(diff, n) for n in {n for m in diff for n in m})


def argument_names(d: Dim) -> set[str]:
    """The names of a size that are a module's ``int`` arguments (in lower case: ``n_heads``,
    ``n_levels``), not size TypeVars."""
    p = _poly(d)
    return {n for n in _sym.names(p) if not n.isupper()} if p is not None else set()


def counts_apart(a: Dim, b: Dim) -> str | None:
    """Why two element counts written with a module's ``int`` arguments cannot be equal for
    the values the module is built with, or None: they are equal only where one of its sizes
    is 1 (``C*N*n_levels*H*W`` against ``N*n_levels*H*W``: ``"C is 1"``) or only where two of
    its ``int`` arguments are equal (``n_heads*(D//n_heads)`` against ``n_kv_heads*(D//n_heads)``:
    ``"n_kv_heads == n_heads"``, a module built for grouped heads). Counts of size TypeVars
    alone are left to :func:`same_dim` (a reshape states what the code relies on)."""
    pa, pb = _poly(a), _poly(b)
    if pa is None or pb is None or not (argument_names(a) | argument_names(b)):
        return None
    diff = _sym.add(pa, pb, -1)
    if not diff or (_sym.has_floor(diff) and constant_range(_sym.text(diff)) is not None):
        return None
    names = sorted(_sym.names(pa) | _sym.names(pb))
    points = [
        {n: probe[i % len(probe)] + 7 * (i // len(probe)) for i, n in enumerate(names)}
        for probe in _PROBES
    ]
    if all(_sym.exact_value(pa, v) == _sym.exact_value(pb, v) for v in points):
        return None  # equal wherever the divisions are exact (``NH*(E//NH)`` and ``E``)
    if not _sym.has_floor(diff):
        ones = [n for n in names if not _sym.at_one(diff, n)]
        if ones:
            return f"{ones[0]} is 1"
    arguments = [n for n in names if not n.isupper()]
    for x in arguments:
        for y in arguments:
            same = [{**v, y: v[x]} for v in points]
            if x != y and all(_sym.exact_value(pa, v) == _sym.exact_value(pb, v) for v in same):
                return f"{y} == {x}"
    return None


def names_exchanged(a: Dim, b: Dim) -> str | None:
    """``"M == N"`` where two element counts are one product of sizes that differ only in one
    size TypeVar exchanged for another (``B*DV*M`` and ``B*DV*N``: keys of ``M`` tokens viewed
    with the queries' ``n``), else None. A generic module does not rely on two of its size
    TypeVars being equal (:func:`same_layer_size`); a name against a product of others
    (``N`` tokens viewed as an ``H*W`` grid) is what a reshape states, and is not one."""
    pa, pb = _poly(a), _poly(b)
    if pa is None or pb is None or len(pa) != 1 or len(pb) != 1:
        return None
    ((ma, ca),), ((mb, cb),) = pa.items(), pb.items()
    if ca != cb or not all(_sym.is_name(n) and n.isupper() for n in ma + mb):
        return None
    rest_a, rest_b = list(ma), list(mb)
    for n in ma:
        if n in rest_b:
            rest_a.remove(n)
            rest_b.remove(n)
    if len(rest_a) != 1 or len(rest_b) != 1:
        return None
    return f"{rest_a[0]} == {rest_b[0]}"


def _strided_apart(a: Dim, b: Dim) -> bool:
    """:func:`grows_apart` for sizes with floors: a stride's ``(H-1)//stride+1`` (or
    ``(H+1)//2``) against the unstrided ``H``. They grow apart where their difference is not
    bounded by a floor's rounding (an even kernel's ``S+2*((K+1)//2)-K-1`` is ``S`` or
    ``S-1``), where they differ with every division exact (each divisor's name small, each
    other name a multiple of every small number: ``H`` of 10080, ``stride`` of 2), and where
    they are equal wherever one of their names is 1 (a stride of 1, or ``H`` of 1), at several
    values of the others. Sizes equal up to a floor's rounding (an average pool's ``H//stride``
    against ``(H-1)//stride+1``) are equal at the second point."""
    pa, pb = _poly(a), _poly(b)
    if pa is None or pb is None:
        return False
    if constant_range(_sym.text(_sym.add(pa, pb, -1))) is not None:
        return False  # a floor's rounding (``S+2*((K+1)//2)-K-1``: an even kernel's one step)
    names = sorted(_sym.names(pa) | _sym.names(pb))
    divisors = _sym.divisor_names(pa) | _sym.divisor_names(pb)
    small = iter(range(2, 2 + len(names)))
    nice = {n: next(small) if n in divisors else _EVEN_PROBE * (i + 2) for i, n in enumerate(names)}
    if _sym.floor_value(pa, nice) == _sym.floor_value(pb, nice):
        return False
    points = [nice, *({n: p[i % len(p)] for i, n in enumerate(names)} for p in _PROBES)]
    points.append({n: 2 + i for i, n in enumerate(names)})
    return any(
        all(_sym.floor_value(pa, {**v, n: 1}) == _sym.floor_value(pb, {**v, n: 1}) for v in points)
        for n in names
    )


def size_names(d: str) -> set[str]:
    """The names a symbolic size is written with (``"(K-1)//2*D"``: ``K`` and ``D``)."""
    return set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", d))


def names_product(d: str) -> bool:
    """Whether ``d`` is a product of names with an int factor (``"B"``, ``"4*B*T"``), or one
    divided by a product of names (``"E//NH"``: a head's size, the ``-1`` of ``reshape(b, s,
    nh, -1)``); not a window's arithmetic (``"H//2"``, ``"(H+1)//2"``)."""
    num, _, den = d.partition("//")
    if den and not any(part.isidentifier() for part in den.strip("()").split("*")):
        return False
    return all(_factors(t) for t in (num, den) if t)


def _factors(t: str) -> bool:
    parts = t.removeprefix("(").removesuffix(")").split("*") if t.startswith("(") else t.split("*")
    return all(part.isdigit() or part.isidentifier() for part in parts)


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
