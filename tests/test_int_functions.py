"""The plain-number evaluation of the plugin's per-instance check
(``dfdx_mypy_plugin/_int_functions.py``): Python's own results, and ``NotFollowed`` (never a
guess) for what it does not take. The helper functions it runs are covered by
``tests/typecheck/plugin_pass/instance_computed_sizes.py`` and its ``plugin_fail`` twin."""

import math

import pytest

from dfdx_mypy_plugin._int_functions import BUILTINS, NotFollowed, arith, compare


@pytest.mark.parametrize(
    ("op", "a", "b", "expected"),
    [("+", 3, 4, 7), ("//", 7, 2, 3), ("%", 7, 3, 1), ("**", 2, 5, 32), ("/", 3, 2, 1.5)],
)
def test_arith_is_pythons(op: str, a: int, b: int, expected: object) -> None:
    assert arith(op, a, b) == expected


@pytest.mark.parametrize(
    ("op", "a", "b"),
    [("//", 1, 0), ("%", 1, 0), ("+", True, 1), ("+", "C", 1), ("**", 2, 1000), ("@", 1, 2)],
)
def test_arith_not_followed(op: str, a: object, b: object) -> None:
    with pytest.raises(NotFollowed):
        arith(op, a, b)


def test_compare() -> None:
    assert compare("<", 3, 4.5) is True
    assert compare("is", None, None) is True
    assert compare("==", (1, 2), (1, 2)) is True
    with pytest.raises(NotFollowed):
        compare("<", "C", 4)


def test_builtins() -> None:
    assert BUILTINS["builtins.int"]([64 * 0.25], {}) == 16
    assert BUILTINS["builtins.max"]([8, 3], {}) == 8
    assert BUILTINS["builtins.round"]([2.5], {}) == 2
    assert BUILTINS["math.ceil"]([32 / 3], {}) == math.ceil(32 / 3)
    assert BUILTINS["builtins.range"]([1, 7, 2], {}) == (1, 3, 5)
    assert BUILTINS["builtins.enumerate"]([(8, 16)], {}) == ((0, 8), (1, 16))
    assert BUILTINS["builtins.zip"]([(8, 16), (16, 32)], {"strict": True}) == ((8, 16), (16, 32))
    assert BUILTINS["itertools.pairwise"]([(8, 16, 32)], {}) == ((8, 16), (16, 32))
    assert BUILTINS["math.log"]([8, 2], {}) == math.log(8, 2)
    assert BUILTINS["math.log"]([math.e], {}) == 1.0
    for name, args in [
        ("builtins.int", [float("inf")]),
        ("builtins.max", []),
        ("builtins.range", [10_000]),
        ("builtins.len", [3]),
        ("math.sqrt", [-1]),
        ("math.log", [0]),
        ("math.log", [8, 1]),
        ("math.log", [8, 2, 3]),
    ]:
        with pytest.raises(NotFollowed):
            BUILTINS[name](args, {})
