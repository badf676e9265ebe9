"""``@dx.checked``: dfdx's own annotations checked at run time, with exact messages.

This file evaluates its annotations eagerly (no ``from __future__ import annotations``); the
string form is tested through ``exec`` below.
"""

import inspect
import re
from collections.abc import Callable
from typing import Any, Literal, TypeVar, TypeVarTuple
from typing import Literal as L

import pytest

import dfdx as dx
from dfdx import Dyn, DynTensor, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)
S = TypeVarTuple("S")


def raises_exactly(exc: type[BaseException], message: str, fn: Callable[[], Any]) -> None:
    with pytest.raises(exc, match=f"^{re.escape(message)}$"):
        fn()


def z(*shape: int) -> Any:
    return dx.zeros(*shape)


def test_error_classes() -> None:
    assert issubclass(dx.TapeError, TypeError)
    assert not issubclass(dx.TapeError, dx.ShapeError)


# ---- literal sizes -------------------------------------------------------------------------


@dx.checked
def affine(
    x: Tensor[L[3], L[4], NoneTape], w: Tensor[L[4], L[2], NoneTape]
) -> Tensor[L[3], L[2], NoneTape]:
    return x @ w


def test_literal_sizes_pass() -> None:
    x = dx.ones(3, 4)
    w = dx.ones(4, 2)
    assert affine(x, w).numpy().tolist() == (x @ w).numpy().tolist()


def test_literal_size_fails() -> None:
    raises_exactly(
        dx.ShapeError,
        "affine: argument 'w': expected Tensor[4, 2], got Tensor[4, 3] (axis 1: 3 != 2)",
        lambda: affine(z(3, 4), z(4, 3)),
    )


def test_rank_fails() -> None:
    raises_exactly(
        dx.ShapeError,
        "affine: argument 'x': expected Tensor[3, 4], got Tensor[3, 4, 1] (rank 3 != 2)",
        lambda: affine(z(3, 4, 1), z(4, 2)),
    )


def test_keyword_arguments_are_checked() -> None:
    raises_exactly(
        dx.ShapeError,
        "affine: argument 'w': expected Tensor[4, 2], got Tensor[5, 2] (axis 0: 5 != 4)",
        lambda: affine(w=z(5, 2), x=z(3, 4)),
    )


def test_not_a_tensor() -> None:
    import numpy as np

    raises_exactly(
        TypeError,
        "affine: argument 'x': expected Tensor[3, 4], got ndarray",
        lambda: affine(np.zeros((3, 4)), z(4, 2)),
    )


# ---- symbolic sizes ------------------------------------------------------------------------


@dx.checked
def head(x: Tensor[B, L[16], T], w: Tensor[L[16], L[4], NoneTape]) -> Tensor[B, L[4], T]:
    return (x @ w).tanh()


def test_typevar_binds_per_call() -> None:
    assert head(z(32, 16), z(16, 4)).shape == (32, 4)
    assert head(z(8, 16), z(16, 4)).shape == (8, 4)  # a fresh binding on every call
    assert head(z(8, 16).trace(), z(16, 4)).is_traced


def test_wrong_literal_names_the_bindings() -> None:
    raises_exactly(
        dx.ShapeError,
        "head: argument 'x': expected Tensor[B, 16], got Tensor[32, 8] (axis 1: 8 != 16); "
        "bindings: B=32",
        lambda: head(z(32, 8), z(16, 4)),
    )


@dx.checked
def add_rows(x: Tensor[B, L[16], T], y: Tensor[B, L[16], T]) -> Tensor[B, L[16], T]:
    return x + y


def test_typevar_conflict_between_arguments() -> None:
    raises_exactly(
        dx.ShapeError,
        "add_rows: argument 'y': expected Tensor[B, 16], got Tensor[16, 16] "
        "(axis 0: 16 != B=32, bound by argument 'x'); bindings: B=32, T=NoneTape",
        lambda: add_rows(z(32, 16), z(16, 16)),
    )


@dx.checked
def drops_a_row(x: Tensor[B, L[4], T]) -> Tensor[B, L[4], T]:
    return x[1:]


def test_typevar_conflict_in_return_value() -> None:
    raises_exactly(
        dx.ShapeError,
        "drops_a_row: return value: expected Tensor[B, 4], got Tensor[31, 4] "
        "(axis 0: 31 != B=32, bound by argument 'x'); bindings: B=32, T=NoneTape",
        lambda: drops_a_row(z(32, 4)),
    )


@dx.checked
def square(m: Tensor[N, N, NoneTape]) -> Tensor[NoneTape]:
    return m.sum()


def test_same_typevar_twice_in_one_tensor() -> None:
    assert square(dx.ones(3, 3)).item() == 9.0
    raises_exactly(
        dx.ShapeError,
        "square: argument 'm': expected Tensor[N, N], got Tensor[3, 4] "
        "(axis 1: 4 != N=3, bound by argument 'm'); bindings: N=3",
        lambda: square(z(3, 4)),
    )


@dx.checked
def batch_of(n: B, x: Tensor[B, Dyn, NoneTape]) -> Tensor[B, Dyn, NoneTape]:
    return x


def test_int_argument_binds_a_typevar() -> None:
    assert batch_of(2, z(2, 7)).shape == (2, 7)
    raises_exactly(
        dx.ShapeError,
        "batch_of: argument 'x': expected Tensor[B, Dyn], got Tensor[3, 7] "
        "(axis 0: 3 != B=2, bound by argument 'n'); bindings: B=2",
        lambda: batch_of(2, z(3, 7)),
    )


# ---- Dyn, DynTensor, variadic --------------------------------------------------------------


@dx.checked
def features(x: Tensor[Dyn, L[784], NoneTape]) -> Tensor[Dyn, NoneTape]:
    return x.sum(axis=1)


def test_dyn_accepts_any_size() -> None:
    assert features(z(5, 784)).shape == (5,)
    assert features(z(0, 784)).shape == (0,)
    raises_exactly(
        dx.ShapeError,
        "features: argument 'x': expected Tensor[Dyn, 784], got Tensor[784] (rank 1 != 2)",
        lambda: features(z(784)),
    )


@dx.checked
def total(x: DynTensor[NoneTape]) -> Tensor[NoneTape]:
    return x.sum()


def test_dyntensor_accepts_any_rank() -> None:
    assert total(dx.ones()).item() == 1.0
    assert total(dx.ones(2, 3, 4)).item() == 24.0
    raises_exactly(
        dx.TapeError,
        "total: argument 'x': expected tape NoneTape, got OwnedTape",
        lambda: total(z(2).trace()),
    )


@dx.checked
def last_axis(x: Tensor[*tuple[Dyn, ...], L[3], T]) -> Tensor[*tuple[Dyn, ...], T]:
    return x.sum(axis=-1)


def test_variadic_prefix() -> None:
    assert last_axis(z(3)).shape == ()
    assert last_axis(z(2, 5, 3)).shape == (2, 5)
    raises_exactly(
        dx.ShapeError,
        "last_axis: argument 'x': expected Tensor[..., 3], got Tensor[2, 4] (axis 1: 4 != 3)",
        lambda: last_axis(z(2, 4)),
    )
    raises_exactly(
        dx.ShapeError,
        "last_axis: argument 'x': expected Tensor[..., 3], got Tensor[()] "
        "(rank 0, needs at least 1)",
        lambda: last_axis(dx.zeros()),
    )


@dx.checked
def scale(x: Tensor[*S, L[3], T], s: Tensor[*S, NoneTape]) -> Tensor[*S, L[3], T]:
    return x * s.unsqueeze(-1)


def test_typevartuple_binds_the_sizes_it_covers() -> None:
    assert scale(z(2, 5, 3), z(2, 5)).shape == (2, 5, 3)
    raises_exactly(
        dx.ShapeError,
        "scale: argument 's': expected Tensor[*S], got Tensor[2, 4] "
        "(*S: (2, 4) != (2, 5), bound by argument 'x'); bindings: S=(2, 5), T=NoneTape",
        lambda: scale(z(2, 5, 3), z(2, 4)),
    )


# ---- tapes ---------------------------------------------------------------------------------


@dx.checked
def loss(x: Tensor[B, L[4], OwnedTape]) -> Tensor[OwnedTape]:
    return x.square().mean()


def test_owned_tape_required() -> None:
    assert loss(z(2, 4).trace()).is_traced
    raises_exactly(
        dx.TapeError,
        "loss: argument 'x': expected tape OwnedTape, got NoneTape; bindings: B=2",
        lambda: loss(z(2, 4)),
    )


def test_none_tape_required() -> None:
    raises_exactly(
        dx.TapeError,
        "head: argument 'w': expected tape NoneTape, got OwnedTape; bindings: B=32, T=NoneTape",
        lambda: head(z(32, 16), z(16, 4).trace()),
    )


def test_tape_typevar_binds_consistently() -> None:
    assert add_rows(z(2, 16).trace(), z(2, 16).trace()).is_traced
    raises_exactly(
        dx.TapeError,
        "add_rows: argument 'y': expected tape T, got OwnedTape "
        "(T=NoneTape, bound by argument 'x'); bindings: B=2, T=NoneTape",
        lambda: add_rows(z(2, 16), z(2, 16).trace()),
    )


@dx.checked
def untraces(x: Tensor[L[2], T]) -> Tensor[L[2], T]:
    return x.detach()


def test_tape_typevar_in_return_value() -> None:
    assert not untraces(z(2)).is_traced
    raises_exactly(
        dx.TapeError,
        "untraces: return value: expected tape T, got NoneTape "
        "(T=OwnedTape, bound by argument 'x'); bindings: T=OwnedTape",
        lambda: untraces(z(2).trace()),
    )


# ---- containers, methods, parameter kinds --------------------------------------------------


@dx.checked
def split(
    x: Tensor[B, L[4], NoneTape], bias: Tensor[L[2], NoneTape] | None = None
) -> tuple[Tensor[B, L[2], NoneTape], Tensor[B, L[2], NoneTape]]:
    left, right = x[:, :2], x[:, 2:]
    if bias is not None:
        left = left + bias
    return left, right[:1]


def test_optional_and_tuple() -> None:
    raises_exactly(
        dx.ShapeError,
        "split: argument 'bias': expected Tensor[2], got Tensor[3] (axis 0: 3 != 2); bindings: B=1",
        lambda: split(z(1, 4), z(3)),
    )
    assert split(z(1, 4))[0].shape == (1, 2)  # None, and a default, are not checked
    raises_exactly(
        dx.ShapeError,
        "split: return value[1]: expected Tensor[B, 2], got Tensor[1, 2] "
        "(axis 0: 1 != B=3, bound by argument 'x'); bindings: B=3",
        lambda: split(z(3, 4)),
    )


@dx.checked
def stack_rows(*rows: Tensor[L[3], NoneTape], axis: int = 0) -> Tensor[Dyn, L[3], NoneTape]:
    return dx.stack(rows, axis=axis)


def test_varargs_and_keyword_only() -> None:
    assert stack_rows(z(3), z(3)).shape == (2, 3)
    raises_exactly(
        dx.ShapeError,
        "stack_rows: argument '*rows'[1]: expected Tensor[3], got Tensor[4] (axis 0: 4 != 3)",
        lambda: stack_rows(z(3), z(4)),
    )


class Head:
    def __init__(self) -> None:
        self.w = dx.zeros(16, 4)

    @dx.checked
    def forward(self, x: Tensor[B, L[16], T]) -> Tensor[B, L[4], T]:
        return x @ self.w


def test_method() -> None:
    assert Head().forward(z(2, 16)).shape == (2, 4)
    raises_exactly(
        dx.ShapeError,
        "Head.forward: argument 'x': expected Tensor[B, 16], got Tensor[2, 15] "
        "(axis 1: 15 != 16); bindings: B=2",
        lambda: Head().forward(z(2, 15)),
    )


def test_signature_is_kept() -> None:
    assert head.__name__ == "head"
    assert inspect.signature(head) == inspect.signature(head.__wrapped__)  # type: ignore[attr-defined]
    assert list(inspect.signature(head).parameters) == ["x", "w"]


# ---- resolving annotations -----------------------------------------------------------------

STRING_ANNOTATIONS = """
from __future__ import annotations
from typing import Literal as L, TypeVar
import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

@dx.checked
def proj(x: Tensor[B, L[8], T], w: Tensor[L[8], L[2], NoneTape]) -> Tensor[B, L[2], T]:
    return x @ w

@dx.checked
def later(x: Tensor[B, Later, T]) -> Tensor[B, T]:  # Later is defined after the function
    return x.sum(axis=1)

Later = L[5]

@dx.checked
def missing(x: Tensor[B, Nowhere, T]) -> None:
    pass
"""


def test_future_annotations() -> None:
    ns: dict[str, Any] = {}
    exec(compile(STRING_ANNOTATIONS, "strings.py", "exec"), ns)
    assert ns["proj"].__annotations__["x"] == "Tensor[B, L[8], T]"
    assert ns["proj"](z(4, 8), z(8, 2)).shape == (4, 2)
    raises_exactly(
        dx.ShapeError,
        "proj: argument 'w': expected Tensor[8, 2], got Tensor[8, 3] (axis 1: 3 != 2); "
        "bindings: B=4, T=NoneTape",
        lambda: ns["proj"](z(4, 8), z(8, 3)),
    )
    assert ns["later"](z(2, 5)).shape == (2,)  # resolved at the first call
    raises_exactly(
        TypeError,
        "checked: cannot resolve the annotations of missing: name 'Nowhere' is not defined "
        "(they are resolved in the function's module at its first call)",
        lambda: ns["missing"](z(1)),
    )


def test_bad_annotation() -> None:
    @dx.checked
    def f(x: Tensor[Literal["a"], NoneTape]) -> None:
        pass

    raises_exactly(
        TypeError,
        "checked: test_bad_annotation.<locals>.f: cannot check the annotation of 'x' "
        "(dfdx._tensor.Tensor[typing.Literal['a'], dfdx._tensor.NoneTape]): "
        "a size must be Literal[n], a TypeVar or Dyn, not typing.Literal['a']",
        lambda: f(z(1)),
    )


def test_annotations_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import typing

    calls = []
    real = typing.get_type_hints

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    @dx.checked
    def f(x: Tensor[L[2], NoneTape]) -> Tensor[L[2], NoneTape]:
        return x

    monkeypatch.setattr(typing, "get_type_hints", counting)
    for _ in range(3):
        f(z(2))
    assert len(calls) == 1


@dx.checked
def named_rows(**rows: Tensor[L[3], NoneTape]) -> list[str]:
    return sorted(rows)


def test_varkw() -> None:
    assert named_rows(a=z(3), b=z(3)) == ["a", "b"]
    raises_exactly(
        dx.ShapeError,
        "named_rows: argument '**rows'['b']: expected Tensor[3], got Tensor[2] (axis 0: 2 != 3)",
        lambda: named_rows(a=z(3), b=z(2)),
    )
