"""Symbolic sizes: polynomials with int coefficients over size names and floor quotients.

A symbolic size is written as text in one canonical form, so that two expressions equal as
polynomials are the same string: ``"3*C"``, ``"CI+CO"``, ``"B*T"``, ``"H//2"``, ``"(H+1)//2"``,
``"2*(H//2)"``, ``"E//NH"``. Its parts:

- a *name* is a size parameter (an int-bound TypeVar's name); every name stands for an int
  of at least 1 (the convention of the shape rules: symbolic sizes are not zero);
- a *floor* ``N//D`` is an atom of its own, ``N`` a polynomial and ``D`` a positive int or a
  product of names. With an int ``D`` it is kept in normal form: whole multiples of ``D`` are
  taken out (``(2*H+3)//2`` is ``H+1+(1)//2`` = ``H+1``), the remainder's coefficients lie in
  ``0..D-1``, common factors are cancelled (``(2*H+2)//4`` is ``(H+1)//2``) and a floor of a
  floor plus an int is one floor (``H//2//2`` is ``H//4``, ``((H+1)//2+1)//2`` is
  ``(H+3)//4``);
- a *term* is an int coefficient times a sorted product of atoms, a *polynomial* a sum of
  terms.

:func:`sign` proves that a polynomial is positive or negative for every value of its names
(each at least 1), or says it cannot: a floor ``N//k`` lies between ``(N-k+1)/k`` and
``N/k``, and a polynomial in names whose coefficients are all at least 0 is smallest where
every name is 1. This is sound, not complete: it never calls a size positive that could be 0
or less, and gives up (None) where it cannot tell.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache
from math import gcd
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fractions import Fraction  # imported where used: ``import dfdx`` stays light

Mono = tuple[str, ...]
"""A product of atoms (names and floors, as their text), sorted."""
Poly = dict[Mono, int]
"""A polynomial: the coefficient of each product; ``()`` is the constant term. No zeros."""


@dataclass(frozen=True)
class Floor:
    """The atom ``num // den``."""

    num: Poly
    den: Poly  # a positive constant or a single term of names


_FLOORS: dict[str, Floor] = {}
"""Each floor atom's parts, by its text (every floor is made by :func:`_floor_atom`)."""


class NotASize(ValueError):
    """Text that is no symbolic size, or an operation outside the polynomials (``C % 2``)."""


# ---- building --------------------------------------------------------------------------------


def const(n: int) -> Poly:
    return {(): n} if n else {}


def name(n: str) -> Poly:
    return {(n,): 1}


def add(a: Poly, b: Poly, scale: int = 1) -> Poly:
    """``a + scale * b``."""
    out = _sum(a, b, scale)
    for m in [m for m in out if len(m) == 1 and m[0] in _FLOORS]:
        whole = _halves(out, m[0])
        if whole is not None:
            return add(*whole)
    return out


def _sum(a: Poly, b: Poly, scale: int = 1) -> Poly:
    out = dict(a)
    for m, c in b.items():
        v = out.get(m, 0) + scale * c
        if v:
            out[m] = v
        else:
            out.pop(m, None)
    return out


def _halves(p: Poly, atom: str) -> tuple[Poly, Poly] | None:
    """``p`` as a sum of two polynomials where it holds ``c*((N+1)//2) + c*(N//2)``, which is
    ``c*N`` (a size in two chunks, put back together): the rest of ``p``, and ``c*N``."""
    f = _FLOORS[atom]
    if f.den != {(): 2} or f.num.get((), 0) != 1:
        return None
    n = {m: c for m, c in f.num.items() if m != ()}
    other = f"{_operand(n)}//2"
    c = p[(atom,)]
    if not n or p.get((other,)) != c:
        return None
    rest = {m: v for m, v in p.items() if m not in ((atom,), (other,))}
    return rest, {m: v * c for m, v in n.items()}


def mul(a: Poly, b: Poly) -> Poly:
    out: Poly = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            out = add(out, {tuple(sorted(ma + mb, key=_atom_key)): ca * cb})
    return out


def exact(p: Poly) -> Poly:
    """``p`` with each floor by names that is multiplied back by them taken as exact:
    ``NH*(E//NH)`` is ``E``. Sound for the number of elements of a tensor whose sizes split a
    size by a count of heads or groups (``reshape(b, s, nh, -1)``, which the runtime checks to
    multiply out); not for sizes in general (``(C//B)*B`` is ``C`` only where ``B`` divides
    ``C``), nor for a window's floor by an int, which stays a floor."""
    out: Poly = {}
    for m, c in p.items():
        out = add(out, _exact_term(m, c))
    return out


def _exact_term(m: Mono, c: int) -> Poly:
    for atom in m:
        f = _FLOORS.get(atom)
        if f is None or set(f.den) == {()}:
            continue
        ((den_names, den_coef),) = f.den.items()
        rest = list(m)
        rest.remove(atom)
        if c % den_coef or any(rest.count(n) < den_names.count(n) for n in set(den_names)):
            continue
        return exact(mul({_remove(tuple(rest), den_names): c // den_coef}, f.num))
    return {m: c}


def _atom_key(atom: str) -> tuple[bool, str]:
    return (atom in _FLOORS, atom)


def _content(p: Poly) -> int:
    """The gcd of the coefficients."""
    g = 0
    for c in p.values():
        g = gcd(g, c)
    return g


def _common_names(p: Poly, names: Mono) -> Mono:
    """The names of ``names`` (a multiset) that divide every term of ``p``."""
    common = list(names)
    for m in p:
        rest = list(m)
        keep = []
        for n in common:
            if n in rest:
                rest.remove(n)
                keep.append(n)
        common = keep
    return tuple(common)


def _remove(m: Mono, names: Mono) -> Mono:
    rest = list(m)
    for n in names:
        rest.remove(n)
    return tuple(rest)


def floordiv(a: Poly, b: Poly) -> Poly:
    """``a // b`` for a positive int ``b`` or a single term of names with a positive
    coefficient; NotASize for any other divisor."""
    if len(b) != 1:
        raise NotASize("divisor is not a single term")
    ((den_names, den_coef),) = b.items()
    if den_coef <= 0 or any(n in _FLOORS for n in den_names):
        raise NotASize("divisor is not a positive product of names")
    if not a:
        return {}
    common = _common_names(a, den_names)  # names are positive: cancel them
    if common:
        a = {_remove(m, common): c for m, c in a.items()}
        den_names = _remove(den_names, common)
    if den_names:
        whole, a = _whole_multiples(a, den_names, den_coef)
        if not a:
            return whole
        g = gcd(_content(a), den_coef)
        a = {m: c // g for m, c in a.items()}
        den = {den_names: den_coef // g}
        return add(whole, {(_floor_atom(a, den),): 1})
    return _floordiv_int(a, den_coef)


def _whole_multiples(a: Poly, names: Mono, coef: int) -> tuple[Poly, Poly]:
    """``a`` as ``q * (coef * names) + r``: the quotient ``q`` of the terms that are whole
    multiples of the divisor (``(R-P)//P`` is ``R//P - 1``: a window of ``P`` strided by
    ``P``), and the rest ``r``. ``(q*d + r)//d`` is ``q + r//d`` for an int ``q``."""
    whole: Poly = {}
    rest: Poly = {}
    for m, c in a.items():
        if c % coef == 0 and all(m.count(n) >= names.count(n) for n in set(names)):
            whole = add(whole, {_remove(m, names): c // coef})
        else:
            rest = add(rest, {m: c})
    return whole, rest


def _floordiv_int(a: Poly, k: int) -> Poly:
    if k == 1:
        return a
    quotient: Poly = {}
    rest: Poly = {}
    for m, c in a.items():
        q, r = divmod(c, k)
        quotient = add(quotient, {m: q} if q else {})
        rest = add(rest, {m: r} if r else {})
    if set(rest) <= {()}:
        return quotient  # 0 <= remainder < k
    g = gcd(_content(rest), k)
    rest = {m: c // g for m, c in rest.items()}
    k //= g
    merged = _nested_floor(rest, k)
    if merged is not None:
        return add(quotient, merged)
    return add(quotient, {(_floor_atom(rest, const(k)),): 1})


def _nested_floor(rest: Poly, k: int) -> Poly | None:
    """``(N//j + c)//k`` as one floor, ``(N + c*j)//(j*k)`` (``floor(floor(x) + c) / k)`` is
    ``floor((x + c) / k)`` for an int ``c``): two strided windows in a row, ``((H+1)//2+1)//2``,
    are ``(H+3)//4``, and ``H//2//2`` is ``H//4``. None where ``rest`` is not one floor by an
    int (coefficient 1) plus a constant."""
    terms = [m for m in rest if m]
    if len(terms) != 1 or rest[terms[0]] != 1 or len(terms[0]) != 1:
        return None
    inner = _FLOORS.get(terms[0][0])
    if inner is None or set(inner.den) != {()}:
        return None
    j = inner.den[()]
    return _floordiv_int(add(inner.num, const(rest.get((), 0) * j)), j * k)


def _floor_atom(num: Poly, den: Poly) -> str:
    text = f"{_operand(num)}//{_operand(den)}"
    _FLOORS.setdefault(text, Floor(num, den))
    return text


def _operand(p: Poly) -> str:
    """``p`` as an operand of ``//``: in parentheses unless it is one name or an int."""
    t = text(p)
    if (len(p) == 1 and next(iter(p.values())) == 1 and len(next(iter(p))) == 1) and (
        next(iter(p))[0] not in _FLOORS
    ):
        return t
    if set(p) <= {()} and t.isdigit():
        return t
    return f"({t})"


# ---- text --------------------------------------------------------------------------------------


def _term_order(m: Mono) -> tuple[int, int, tuple[tuple[bool, str], ...]]:
    return (not m, -len(m), tuple(_atom_key(a) for a in m))


def text(p: Poly) -> str:
    """The canonical text of ``p``."""
    if not p:
        return "0"
    out = ""
    for m in sorted(p, key=_term_order):
        c = p[m]
        factors = [str(abs(c))] if abs(c) != 1 or not m else []
        wrap = len(factors) + len(m) > 1 or c < 0  # ``-B//2`` would read as ``(-B)//2``
        factors += [f"({a})" if wrap and a in _FLOORS else a for a in m]
        sep = "-" if c < 0 else ("+" if out else "")
        out += sep + "*".join(factors)
    return out


@lru_cache(maxsize=4096)
def _parse(t: str) -> tuple[tuple[Mono, int], ...]:
    try:
        tree = ast.parse(t, mode="eval")
    except SyntaxError as e:
        raise NotASize(t) from e
    return tuple(_eval(tree.body).items())


def parse(t: str) -> Poly:
    """The polynomial a size's text names (a name, or text in the form :func:`text` writes)."""
    return dict(_parse(t))


def _eval(e: ast.expr) -> Poly:
    if isinstance(e, ast.Constant) and type(e.value) is int:
        return const(e.value)
    if isinstance(e, ast.Name):
        return name(e.id)
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub):
        return add({}, _eval(e.operand), -1)
    if isinstance(e, ast.BinOp):
        a, b = _eval(e.left), _eval(e.right)
        if isinstance(e.op, ast.Add):
            return add(a, b)
        if isinstance(e.op, ast.Sub):
            return add(a, b, -1)
        if isinstance(e.op, ast.Mult):
            return mul(a, b)
        if isinstance(e.op, ast.FloorDiv):
            return floordiv(a, b)
    raise NotASize(ast.unparse(e))


# ---- reasoning ---------------------------------------------------------------------------------

_Bound = dict[Mono, "Fraction"]  # a polynomial in names only, rational coefficients


def _bound(p: Poly, lower: bool) -> _Bound | None:
    """A polynomial in names that is ``<= p`` (``lower``) or ``>= p`` for every value of the
    names, or None where a floor cannot be bounded (a floor by names, two floors in a term)."""
    from fractions import Fraction

    out: _Bound = {}
    for m, c in p.items():
        floors = [a for a in m if a in _FLOORS]
        names = tuple(a for a in m if a not in _FLOORS)
        if not floors:
            out[names] = out.get(names, Fraction(0)) + c
            continue
        if len(floors) > 1:
            return None
        f = _FLOORS[floors[0]]
        if set(f.den) != {()}:
            return None
        k = f.den[()]
        low = lower if c > 0 else not lower
        inner = _bound(f.num, low)
        if inner is None:
            return None
        shift = Fraction(k - 1) if low else Fraction(0)
        for mi, ci in {**inner, (): inner.get((), Fraction(0)) - shift}.items():
            key = tuple(sorted(names + mi))
            out[key] = out.get(key, Fraction(0)) + c * ci / k
    return out


def bound(p: Poly, lower: bool) -> dict[Mono, Fraction] | None:
    """A polynomial in names, rational coefficients, ``<= p`` (``lower``) or ``>= p`` for
    every value of the names; None where a floor cannot be bounded. Terms whose coefficient
    cancels are left out."""
    b = _bound(p, lower)
    return None if b is None else {m: c for m, c in b.items() if c}


def sign(p: Poly) -> int | None:
    """1 where ``p > 0`` for every value of its names (each at least 1), -1 where ``p < 0``
    for every value, else None (it may be 0, or it cannot be told)."""
    for s, lower in ((1, True), (-1, False)):
        b = _bound(p, lower)
        if b is None:
            continue
        if all(s * c >= 0 for m, c in b.items() if m) and s * sum(b.values()) > 0:
            return s
    return None


def names(p: Poly) -> set[str]:
    """The size names ``p`` is written with, those inside its floors included."""
    out: set[str] = set()
    for m in p:
        for atom in m:
            f = _FLOORS.get(atom)
            if f is None:
                out.add(atom)
            else:
                out |= names(f.num) | names(f.den)
    return out


def divisor_names(p: Poly) -> set[str]:
    """The names a floor of ``p`` divides by (``(H-1)//stride+1``: ``stride``)."""
    out: set[str] = set()
    for m in p:
        for atom in m:
            f = _FLOORS.get(atom)
            if f is not None:
                out |= names(f.den) | divisor_names(f.num)
    return out


def floor_value(p: Poly, values: dict[str, int]) -> int:
    """The value of ``p`` where each name has its value in ``values``, floors taken as the
    floors they are (``(H+1)//2`` of an even ``H`` is ``H//2``)."""
    total = 0
    for m, c in p.items():
        term = c
        for atom in m:
            f = _FLOORS.get(atom)
            if f is None:
                term *= values[atom]
            else:
                den = floor_value(f.den, values)
                term *= floor_value(f.num, values) // den if den else 0
        total += term
    return total


def exact_value(p: Poly, values: dict[str, int]) -> Fraction:
    """The value of ``p`` where each name has its value in ``values`` and each floor is taken
    as an exact division (``(H+1)//2`` as ``(H+1)/2``, ``E//NH`` as ``E/NH``): what a size is
    for values of its names that make every division exact, as a generic module's sizes are
    meant to be (its run time checks them)."""
    from fractions import Fraction

    total = Fraction(0)
    for m, c in p.items():
        term = Fraction(c)
        for atom in m:
            f = _FLOORS.get(atom)
            term *= (
                values[atom]
                if f is None
                else exact_value(f.num, values) / exact_value(f.den, values)
            )
        total += term
    return total


def at_one(p: Poly, n: str) -> Poly:
    """``p`` with the name ``n`` set to 1 (``p`` has no floor)."""
    out: Poly = {}
    for m, c in p.items():
        out = _sum(out, {tuple(a for a in m if a != n): c})
    return out


def has_floor(p: Poly) -> bool:
    """Whether a term of ``p`` holds a floor (``H//2``, ``(K+1)//2``)."""
    return any(a in _FLOORS for m in p for a in m)


def is_name(t: str) -> bool:
    """Whether a size's text is one plain name (a TypeVar's)."""
    return t.isidentifier()
