"""Symbolic sizes (``dfdx_mypy_plugin.shapes._symbolic``): canonical forms, and soundness
checked against Python's own int arithmetic: a canonical form has the value of the expression
it came from, and sizes said to differ differ for every value of their names (each >= 1)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin.shapes import _symbolic as sym
from dfdx_mypy_plugin.shapes.conv import conv, conv_transpose, pool, upsample

NAMES = ("B", "C", "H")


def canonical(expr: str) -> str:
    return sym.text(sym.parse(expr))


@pytest.mark.parametrize(
    ("expr", "form"),
    [
        ("3*C", "3*C"),
        ("C*3", "3*C"),
        ("T*B*4", "4*B*T"),
        ("CO+CI", "CI+CO"),
        ("C+C", "2*C"),
        ("C-C", "0"),
        ("1-H", "-H+1"),
        ("(H-2)//2+1", "H//2"),  # a 2x2 pool with stride 2
        ("(H+2-2-1)//1+1", "H"),  # a 3x3 convolution with padding 1, stride 1
        ("(H+2-2-1)//2+1", "(H+1)//2"),  # the same with stride 2
        ("(H-1)//2+1", "(H+1)//2"),  # a 1x1 convolution with stride 2
        ("(2*H+2)//4", "(H+1)//2"),
        ("(2*H+3)//2", "H+1"),
        ("H//2//2", "H//4"),
        ("((H+1)//2+1)//2", "(H+3)//4"),  # two stride-2 windows in a row
        ("(H//2+1)//2", "(H+2)//4"),
        ("(H//4+3)//2", "(H+4)//8+1"),
        ("((H+1)//2+1)//3", "(H+3)//6"),
        ("2*(H//2)", "2*(H//2)"),
        ("B*(H//2)*W", "B*W*(H//2)"),
        ("H//2+1", "H//2+1"),
        ("E//NH", "E//NH"),
        ("E*NH//NH", "E"),
        ("(2*E)//(2*NH)", "E//NH"),
        ("(B*C+B*D)//B", "C+D"),
        ("(H+1)//2+H//2", "H"),  # a size's two chunks put back together
        ("3*((H+W+1)//2)+3*((H+W)//2)+1", "3*H+3*W+1"),
        ("(H+1)//2+H//2+(H+1)//2", "H+(H+1)//2"),
    ],
)
def test_canonical_form(expr: str, form: str) -> None:
    assert canonical(expr) == form
    assert canonical(form) == form  # the form reads back as itself


def _documented_spellings() -> list[tuple[str, str]]:
    """The rows of the table in docs/modules.md, "How a computed size is spelled"."""
    doc = (Path(__file__).parents[1] / "docs" / "modules.md").read_text()
    section = doc.split("### How a computed size is spelled", 1)[1].split("\n#", 1)[0]
    return re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|$", section, flags=re.MULTILINE)


def test_documented_spellings_hold() -> None:
    rows = _documented_spellings()
    assert len(rows) >= 10, "the table of docs/modules.md was not found"
    for written, spelled in rows:
        assert canonical(written) == spelled, written
        values = {"B": 3, "C": 5, "CI": 2, "CO": 7, "D": 3, "H": 13, "K": 4, "T": 6}
        assert sym.floor_value(sym.parse(spelled), values) == eval(written, {}, values)


@pytest.mark.parametrize("expr", ["C % 2", "C ** 2", "C / 2", "C // (C + 1)", "C // 0", "f(C)"])
def test_not_a_size(expr: str) -> None:
    with pytest.raises(sym.NotASize):
        sym.parse(expr)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("C", "2*C", False),
        ("4*B", "8*B", False),
        ("CI+CO", "CI", False),
        ("H", "H//2", False),
        ("H", "(H+1)//2+H", False),
        ("3*C", "C*3", True),
        ("(H-1)//2+1", "(H+1)//2", True),
        ("C", "D", None),  # two names may be equal (same_layer_size holds them different)
        ("B*T", "B", None),  # T may be 1
        ("H", "2*(H//2)", None),  # H may be even
        ("H//2", "2*(H//2)", None),  # H//2 may be 0
        ("E//NH", "E", None),  # NH may be 1
        ("H", "(H+1)//2", None),  # H may be 1
        ("C", None, None),
    ],
)
def test_same_dim_symbolic(a: shapes.Dim, b: shapes.Dim, same: bool | None) -> None:
    assert shapes.same_dim(a, b) is same
    assert shapes.same_dim(b, a) is same


def test_same_layer_size_keeps_names_distinct() -> None:
    assert shapes.same_layer_size("CI", "CO") is False
    assert shapes.same_layer_size("B*T", "B") is False
    assert shapes.same_layer_size("2*CO", "CO") is False
    # different functions of the names are different sizes, for generic code
    assert shapes.same_layer_size("CI+CO", "2*CO") is False
    assert shapes.same_layer_size("H*W", "D") is False
    assert shapes.same_layer_size("N", 3) is False
    assert shapes.same_layer_size("H", "(H+1)//2") is False  # equal only where H is 1
    # equal wherever the divisions are exact, as a generic module's sizes are meant to be
    assert shapes.same_layer_size("H", "2*(H//2)") is None
    assert shapes.same_layer_size("E", "NH*(E//NH)") is None
    assert shapes.same_layer_size("W", "4*(W//4)") is None


def test_arithmetic_on_sizes() -> None:
    assert shapes.dim_add("CI", "CO") == "CI+CO"
    assert shapes.dim_add("C", "C") == "2*C"
    assert shapes.dim_add("C", 1, -1) == "C-1"
    assert shapes.dim_add(None, 1) is None
    assert shapes.dim_floordiv("E", "NH") == "E//NH"
    assert shapes.dim_floordiv("H", 2) == "H//2"
    assert shapes.dim_floordiv("H", "C+1") is None  # no floor by a sum
    assert shapes.dim_floordiv(7, 2) == 3
    assert shapes.dim_floordiv(7, 0) is None
    assert shapes.dim_div("3*C", "C") == 3
    assert shapes.dim_div("C+D", "C") is None
    assert shapes.dim_mul("C+1", 2) == "2*C+2"
    assert shapes.dim_mul("C", -1) is None
    assert shapes.at_least("2*C", 2) and not shapes.at_least("C", 2)
    assert not shapes.at_least("H//2", 1)


def test_symbolic_windows() -> None:
    """Convolution, pooling, transposed convolution and upsampling over symbolic sizes."""
    x: shapes.Shape = ("N", "C", "H", "W")
    same = conv("conv2d", x, ("D", "C", 3, 3), (1, 1), (1, 1), (1, 1), 1)
    assert same == ("N", "D", "H", "W")
    strided = conv("conv2d", x, ("D", "C", 3, 3), (2, 2), (1, 1), (1, 1), 1)
    projected = conv("conv2d", x, ("D", "C", 1, 1), (2, 2), (0, 0), (1, 1), 1)
    assert strided == projected == ("N", "D", "(H+1)//2", "(W+1)//2")
    assert pool("max_pool2d", x, (2, 2), (2, 2), (0, 0)) == ("N", "C", "H//2", "W//2")
    up = conv_transpose("conv_transpose2d", x, ("C", "D", 2, 2), (2, 2), (0, 0), (0, 0), (1, 1), 1)
    assert up == ("N", "D", "2*H", "2*W")
    assert upsample("upsample2d", x, (2, 3)) == ("N", "C", "2*H", "3*W")
    with pytest.raises(shapes.ShapeError, match="input channels differ"):
        conv("conv2d", ("N", "2*C", "H", "W"), ("D", "C", 3, 3), (1, 1), (1, 1), (1, 1), 1)


# ---- soundness against Python's ints ---------------------------------------------------------

_leaf = st.one_of(st.sampled_from(NAMES), st.integers(-3, 6).map(str))


def _extend(children: Any) -> Any:
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(
            lambda t: f"({t[0]}{t[1]}{t[2]})"
        ),
        st.tuples(children, st.sampled_from(["1", "2", "3", "4", "B", "2*C"])).map(
            lambda t: f"({t[0]}//{t[1]})"
        ),
    )


expressions = st.recursive(_leaf, _extend, max_leaves=6)
values = st.fixed_dictionaries({n: st.integers(1, 9) for n in NAMES})


def _value(text: str, env: dict[str, int]) -> int:
    result = eval(text, {"__builtins__": {}}, dict(env))
    assert isinstance(result, int)
    return result


@settings(max_examples=300, deadline=None)
@given(expressions, st.lists(values, min_size=5, max_size=5))
def test_canonical_form_keeps_the_value(expr: str, envs: list[dict[str, int]]) -> None:
    form = canonical(expr)
    assert canonical(form) == form
    for env in envs:
        assert _value(form, env) == _value(expr, env)


@settings(max_examples=300, deadline=None)
@given(expressions, expressions, st.lists(values, min_size=8, max_size=8))
def test_sizes_said_to_differ_differ(a: str, b: str, envs: list[dict[str, int]]) -> None:
    da, db = canonical(a), canonical(b)
    same = shapes.same_dim(da, db)
    for env in envs:
        if same is False:
            assert _value(da, env) != _value(db, env)
        if same is True:
            assert _value(da, env) == _value(db, env)


@settings(max_examples=200, deadline=None)
@given(expressions, st.integers(1, 4), st.lists(values, min_size=8, max_size=8))
def test_at_least_holds(a: str, n: int, envs: list[dict[str, int]]) -> None:
    form = canonical(a)
    if shapes.at_least(form, n):
        assert all(_value(form, env) >= n for env in envs)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 40),
    st.integers(1, 5),
    st.integers(1, 3),
    st.integers(0, 2),
    st.integers(1, 2),
)
def test_symbolic_window_agrees_with_ints(h: int, k: int, s: int, p: int, d: int) -> None:
    """The symbolic output size evaluated at ``H = h`` is the int rule's output size."""
    weight: shapes.Shape = (1, 1, k, k)
    try:
        ints = conv("conv2d", (1, 1, h, h), weight, (s, s), (p, p), (d, d), 1)
    except shapes.ShapeError:
        return  # too small an input: no size to compare
    symbolic = conv("conv2d", (1, 1, "H", "H"), weight, (s, s), (p, p), (d, d), 1)
    out = symbolic[2]
    assert isinstance(out, int | str)
    assert _value(str(out), {"H": h}) == ints[2]


def test_broadcast_of_symbolic_sizes() -> None:
    """Two symbolic sizes fail to broadcast where they differ wherever neither is 1 (a
    generic module does not rely on a size parameter being 1); a symbolic size that cannot
    be 1 is the result against an unknown size."""
    from dfdx_mypy_plugin.shapes.binary import broadcast_dim

    assert broadcast_dim("2*C", "3*C") is False
    assert broadcast_dim("C+1", 1) == "C+1"
    assert broadcast_dim("2*C+2", 3) is False  # at least 4
    assert broadcast_dim("2*C", 3) == 3  # 2*C is never 3, but no parity is reasoned about
    assert broadcast_dim("C", "2*C") is False  # they broadcast only where C is 1
    assert broadcast_dim("H", "H//2") is False
    assert broadcast_dim("H", "(H+1)//2") is False  # equal only where H is 1
    assert broadcast_dim("H", "(H-1)//stride+1") is False  # a shortcut without its stride
    assert broadcast_dim("H//stride", "(H-1)//stride+1") is not False  # rounding
    assert broadcast_dim("S", "tokens") == "S"  # a module's int argument may be S
    assert broadcast_dim("hidden", 3) == 3  # ... or 3
    assert broadcast_dim("hidden", "width") is not False  # two int arguments may be equal
    assert broadcast_dim("(F+1)//2", "CTX") == "CTX"  # a stride-2 length and a table's size
    assert broadcast_dim("4*C", None) == "4*C"
    assert broadcast_dim(None, "C") == "C"
    assert broadcast_dim("2*C", "2*C") == "2*C"


def test_split_of_symbolic_sizes() -> None:
    from dfdx_mypy_plugin.shapes.movement import chunk_sizes, split_sizes

    assert split_sizes("split", ("B", "3*C"), "C", 1) == ["C", "C", "C"]
    assert split_sizes("split", ("B", "3*C"), "2*C", 1) == ["2*C", "C"]
    assert split_sizes("split", ("B", "2*C+1"), "C", 1) is None  # C may be 1: three pieces
    assert split_sizes("split", ("B", "2*C"), 2, 1) is None  # C pieces
    assert chunk_sizes(("2*C",), 2, 0) == ["C", "C"]
    assert chunk_sizes(("C",), 2, 0) == ["(C+1)//2", "C//2"]  # one piece only where C is 1
    assert chunk_sizes(("C",), 3, 0) is None  # 1, 2 or 3 pieces


@settings(max_examples=300, deadline=None)
@given(expressions, expressions, st.lists(values, min_size=8, max_size=8))
def test_symbolic_split_agrees_with_ints(n: str, split: str, envs: list[dict[str, int]]) -> None:
    """Where the pieces of a symbolic size are known, they are PyTorch's pieces for every
    value of the names that makes both sizes positive."""
    from dfdx_mypy_plugin.shapes.movement import split_sizes

    size, piece = canonical(n), canonical(split)
    if size.lstrip("-").isdigit() or piece.lstrip("-").isdigit():
        return  # ints are the runtime's rule
    pieces = split_sizes("split", (size,), piece, 0)
    if pieces is None:
        return
    for env in envs:
        nv, sv = _value(size, env), _value(piece, env)
        if nv > 0 and sv > 0:
            expected = [sv] * (nv // sv) + ([nv % sv] if nv % sv else [])
            assert [_value(str(p), env) for p in pieces] == expected


def test_head_split_by_minus_one() -> None:
    """``reshape(b, s, nh, -1)`` solves the -1 to a quotient of names, and merging the heads
    back gives the size they were split from: a tensor's element count divides exactly."""
    x = ("B", "S", "E")
    heads = shapes.reshape(x, ("B", "S", "NH", -1))
    assert heads == ("B", "S", "NH", "E//NH")
    assert shapes.flatten(heads, 2, 3) == x
    assert shapes.reshape(heads, ("B", "S", -1)) == x
    assert shapes.reshape(("B", "S", 16), ("B", "S", 4, -1)) == ("B", "S", 4, 4)
    assert shapes.reshape(("B", "S", "E"), ("B", "NH", -1)) == ("B", "NH", "(E*S)//NH")
    # no quotient of names is left: a floor by an int is no head split
    assert shapes.reshape(("B", 6, "E"), (4, -1)) == (4, None)
    # the exact quotient is for element counts only, not for sizes in general
    assert shapes.dim_mul("NH", "E//NH") == "NH*(E//NH)"
    assert sym.text(sym.exact(sym.parse("NH*(E//NH)+2*NH*((B*E)//(2*NH))"))) == "B*E+E"


def test_a_quotient_of_names_is_another_size() -> None:
    assert shapes.same_layer_size("E//NH", "S") is False
    assert shapes.same_layer_size("E//NH", "E//NH") is True
    assert shapes.same_layer_size("(H+1)//2", "S") is False  # generic code: another size
    assert shapes.same_layer_size("H//2", "W") is False


def test_window_with_symbolic_arguments() -> None:
    window = shapes.symbolic_window
    # padding (K-1)//2 keeps the size for odd kernels: taken to keep it (rounding of a floor)
    assert window("H", "K", 2, shapes.dim_floordiv("K", 2), 1) == "(H+1)//2"
    assert window("S", "K", 1, shapes.dim_floordiv(shapes.dim_add("K", 1, -1), 2), 1) == "S"
    # padding K-1, not trimmed: the size grows with the kernel
    assert window("S", "K", 1, "K-1", 1) == "K+S-1"
    # causal: (K-1)*D on both sides with dilation D
    assert window("S", "K", 1, "D*K-D", "D") == "D*K-D+S"
    # a window of P strided by P (a patch embedding): R//P
    assert window("R", "P", "P", 0, 1) == "R//P"
    assert window("H", 2, 2, 0, 1) == "H//2"
    assert window("S", None, 1, 0, 1) is None
    assert window("S", "K", 1, -1, 1) is None  # an invalid literal: reported where given


def test_sizes_that_grow_apart_differ_for_a_layer() -> None:
    assert shapes.same_dim("K+S-1", "S") is None  # K may be 1
    assert shapes.same_layer_size("K+S-1", "S") is False  # a module does not rely on it
    assert shapes.same_layer_size("-D*K+D+K+S-1", "S") is False  # a dilation forgotten
    assert shapes.same_layer_size("D*K-D+S", "S") is False  # a causal padding not trimmed
    assert shapes.same_layer_size("CI+CO", "2*CO") is False  # generic: CI is not CO
    assert shapes.same_layer_size("S+2*((K+1)//2)-K-1", "S") is None  # odd K: rounding
    assert shapes.same_layer_size("C", 3) is False  # generic code: another size


@pytest.mark.parametrize(
    ("a", "b", "apart"),
    [
        ("H", "(H-1)//stride+1", True),  # equal only for a stride (or an H) of 1
        ("H", "(H+1)//2", True),
        ("H", "(H-1)//2+1", True),
        ("H//stride", "(H-1)//stride+1", False),  # equal wherever the stride divides H
        ("(H+stride-1)//stride", "(H-1)//stride+1", False),  # the same ceiling
        ("(H+1)//2", "H//2", False),  # equal for an even H
        ("CTX", "(F+1)//2", False),  # no size of 1 makes them equal
        ("C*patch_size", "C*patch_size*patch_size", True),
        ("hidden", "width", False),  # two int arguments: equal where they are
        ("hidden", "hidden*ratio", True),
    ],
)
def test_sizes_equal_only_where_a_name_is_1(a: str, b: str, apart: bool) -> None:
    """``grows_apart``, floors included: said to grow apart, the sizes are equal wherever one
    of their names is 1 and differ for values the names may have (checked with ints)."""
    assert shapes.grows_apart(a, b) is apart
    if not apart:
        return
    names = sorted(shapes.size_names(a) | shapes.size_names(b))
    values = {n: 2 + 3 * i for i, n in enumerate(names)}
    if "H" in values:
        values["H"] = 60
    assert _value(a, values) != _value(b, values)
    assert any(
        all(
            _value(a, {**values, n: 1, m: v}) == _value(b, {**values, n: 1, m: v})
            for m in names
            if m != n
            for v in range(1, 30)
        )
        for n in names
    )


def test_floor_by_names_takes_whole_multiples_out() -> None:
    assert shapes.dim_floordiv(shapes.dim_add("R", "P", -1), "P") == "R//P-1"
    assert shapes.dim_floordiv(shapes.dim_add("H", "P"), "P") == "H//P+1"
    assert shapes.dim_floordiv(shapes.dim_mul("C", "NH"), "NH") == "C"


def test_slice_trimmed_by_a_symbolic_size() -> None:
    trim = shapes.dim_add(0, "D*K-D", -1)  # x[..., :-p] with p = (K-1)*D
    assert shapes.index(("B", "C", "D*K-D+S"), [slice(None), slice(None), slice(None, trim)]) == (
        "B",
        "C",
        "S",
    )
    # x[..., : x.shape[-1] - (K-1)], the stop written from the axis's size
    assert shapes.index(("K+S-1",), [slice(None, "S")]) == ("S",)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 30),
    st.integers(1, 6),
    st.integers(1, 3),
    st.integers(1, 3),
    st.sampled_from(["0", "K-1", "(K-1)//2", "K//2", "(K-1)*D", "D", "K"]),
)
def test_window_of_symbolic_arguments_agrees_with_ints(
    n: int, k: int, d: int, s: int, padding: str
) -> None:
    """The output size of a window whose kernel ``K``, dilation ``D`` and padding (arithmetic
    on them) are symbolic, evaluated at ``K = k``, ``D = d``, is the int rule's output size;
    where the plugin takes a padding to keep the size (stride 1, a floor's rounding), it is
    kept for the odd kernels it was written for."""
    same = padding in ("(K-1)//2", "K//2")  # a same padding: written with no dilation
    if same:
        d = 1
    env = {"S": n, "K": k, "D": d}
    pad = shapes.dim_add(canonical(padding), 0)
    p = _value(str(pad), env)
    span = n + 2 * p - d * (k - 1) - 1
    if span < 0:
        return  # too small an input: found at run time
    out = shapes.symbolic_window("S", "K", s, pad, 1 if same else "D")
    assert out is not None
    if same:  # taken to keep the size: right for odd kernels
        assert _value(str(out), env) == (n - 1) // s + 1
        if k % 2 == 0:
            return
    assert _value(str(out), env) == span // s + 1


def test_generic_sizes_differ_unless_equal_where_divisions_are_exact() -> None:
    assert shapes.differ_generically("N", 3)
    assert shapes.differ_generically("H*W", "D")
    assert shapes.differ_generically("CI+CO", "2*CO")
    assert not shapes.differ_generically("D", "2*(D//2)")
    assert not shapes.differ_generically("E", "NH*(E//NH)")
    assert not shapes.differ_generically("B*T", "T*B")
    assert not shapes.differ_generically("N", None)  # an unknown size is no other size


def test_generic_sizes_in_ops() -> None:
    with pytest.raises(shapes.ShapeError, match=r"concat: sizes differ on axis 2: .* \(N != 3\)"):
        shapes.concat([("B", 3, "N"), ("B", 3, 3)], 1)
    with pytest.raises(shapes.ShapeError, match=r"takes D features, got Tensor\[B, D, H\*W\]"):
        shapes.features("LayerNorm[D]", ("B", "D", "H*W"), "D")
    with pytest.raises(shapes.ShapeError, match=r"Tensor\[\.\.\., B, E\] @ Tensor\[B, E\]"):
        shapes.matmul_inner("Tensor[..., B, E]", "Tensor[B, E]", "E", "B")
    assert shapes.concat([("B", "D"), ("B", "2*(D//2)")], 0) == ("2*B", "D")
    # the sizes a reshape is given are what the code relies on: tokens viewed as their grid
    assert shapes.reshape(("B", "N", "C"), ("B", "H", "W", "C")) == ("B", "H", "W", "C")
