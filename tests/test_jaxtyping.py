# ruff: noqa: F722
# (F722: ruff reads jaxtyping's dim strings such as "batch 784" as forward references)
"""jaxtyping annotations on dfdx tensors, checked by ``@jaxtyped(typechecker=beartype)``.

jaxtyping reads ``x.shape`` and ``x.dtype.type.__name__`` (``float32``, ``float64``, ``int64``,
``bool``), and checks ``isinstance(x, dx.Tensor)`` for ``Float[dx.Tensor, "..."]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import Literal as L

import pytest

import dfdx as dx
from dfdx import NoneTape, Tensor

jaxtyping = pytest.importorskip("jaxtyping")
beartype = pytest.importorskip("beartype").beartype

Bool = jaxtyping.Bool
Float = jaxtyping.Float
Float32 = jaxtyping.Float32
Float64 = jaxtyping.Float64
Int = jaxtyping.Int
Shaped = jaxtyping.Shaped
jaxtyped = jaxtyping.jaxtyped
TypeCheckError = jaxtyping.TypeCheckError

HERE = __name__


def check(fn: Callable[..., Any]) -> Callable[..., Any]:
    return jaxtyped(typechecker=beartype)(fn)


def failure(fn: Callable[[], Any]) -> list[str]:
    """The lines of the jaxtyping error ``fn`` raises."""
    with pytest.raises(TypeCheckError) as info:
        fn()
    assert isinstance(info.value, TypeError)
    return str(info.value).splitlines()


@check
def classify(
    x: Float[Tensor, "batch 784"], labels: Int[Tensor, " batch"]
) -> Float[Tensor, " batch"]:
    return x.sum(axis=1) + labels.to(dx.float32)


def test_dtype_names_jaxtyping_reads() -> None:
    assert dx.zeros(2).dtype.type.__name__ == "float32"
    assert dx.zeros(2, dtype=dx.float64).dtype.type.__name__ == "float64"
    assert dx.tensor([1, 2]).dtype.type.__name__ == "int64"
    assert (dx.zeros(2) > 0).dtype.type.__name__ == "bool"


def test_float_and_int_pass() -> None:
    out = classify(dx.ones(3, 784), dx.tensor([1, 2, 3]))
    assert out.shape == (3,)
    assert out.numpy().tolist() == [785.0, 786.0, 787.0]


def test_named_dim_bound_across_arguments() -> None:
    lines = failure(lambda: classify(dx.ones(3, 784), dx.tensor([1, 2])))
    assert lines[0] == f"Type-check error whilst checking the parameters of {HERE}.classify."
    assert lines[1] == "The problem arose whilst typechecking parameter 'labels'."
    assert lines[2] == "Actual value: Tensor[2](int64, NoneTape)"
    assert lines[-2:] == ["The current values for each jaxtyping axis annotation are as follows.",
                          "batch=3"]  # fmt: skip


def test_fixed_size() -> None:
    lines = failure(lambda: classify(dx.ones(3, 783), dx.tensor([1, 2, 3])))
    assert lines[1] == "The problem arose whilst typechecking parameter 'x'."
    assert "Expected type: <class 'Float[Tensor, 'batch 784']'>." in lines


def test_float_annotation_rejects_int_tensor() -> None:
    lines = failure(lambda: classify(dx.ones(3, 784, dtype=dx.int64), dx.tensor([1, 2, 3])))
    assert lines[1] == "The problem arose whilst typechecking parameter 'x'."
    assert lines[2] == "Actual value: Tensor[3, 784](int64, NoneTape)"


def test_int_annotation_rejects_float_tensor() -> None:
    lines = failure(lambda: classify(dx.ones(3, 784), dx.ones(3)))
    assert lines[1] == "The problem arose whilst typechecking parameter 'labels'."
    assert lines[2] == "Actual value: Tensor[3](float32, NoneTape)"


def test_precise_float_dtypes() -> None:
    @check
    def f64(x: Float64[Tensor, " n"]) -> Float32[Tensor, " n"]:
        return x.to(dx.float32)

    assert f64(dx.zeros(4, dtype=dx.float64)).dtype == dx.float32
    lines = failure(lambda: f64(dx.zeros(4)))
    assert lines[2] == "Actual value: Tensor[4](float32, NoneTape)"


def test_bool_tensor() -> None:
    @check
    def count(mask: Bool[Tensor, "n m"]) -> Shaped[Tensor, ""]:
        return mask.to(dx.float32).sum()

    assert count(dx.ones(2, 3) > 0).item() == 6.0
    lines = failure(lambda: count(dx.ones(2, 3)))
    assert lines[2].startswith("Actual value: Tensor[2, 3](float32, NoneTape)")


@check
def wrong_return(x: Float[Tensor, "batch 784"]) -> Float[Tensor, "batch 10"]:
    return x[:, :9]


def test_return_value() -> None:
    lines = failure(lambda: wrong_return(dx.zeros(3, 784)))
    assert lines[0] == f"Type-check error whilst checking the return value of {HERE}.wrong_return."
    assert lines[1] == "Actual value: Tensor[3, 9](float32, NoneTape)"
    assert lines[-1] == "batch=3"


@check
def channels_last(
    x: Float[Tensor, "*batch c"], scale: Float[Tensor, "*batch"]
) -> Float[Tensor, "*batch c"]:
    return x * scale.unsqueeze(-1)


def test_variadic_named_dims() -> None:
    assert channels_last(dx.ones(2, 5, 3), dx.ones(2, 5)).shape == (2, 5, 3)
    assert channels_last(dx.ones(3), dx.ones()).shape == (3,)
    lines = failure(lambda: channels_last(dx.ones(2, 5, 3), dx.ones(2, 4)))
    assert lines[1] == "The problem arose whilst typechecking parameter 'scale'."
    assert lines[-2:] == ["c=3", "batch=(2, 5)"]


@check
def any_rank(
    x: Float[Tensor, "..."],  # noqa: UP037 (jaxtyping's "...", not Ellipsis)
    y: Float[Tensor, "... n"],
) -> Float[Tensor, " n"]:
    return y.reshape(-1, y.shape[-1]).sum(axis=0)


def test_ellipsis() -> None:
    assert any_rank(dx.ones(), dx.ones(2, 3, 4)).shape == (4,)
    lines = failure(lambda: any_rank(dx.ones(1), dx.ones()))
    assert lines[1] == "The problem arose whilst typechecking parameter 'y'."


def test_not_a_tensor() -> None:
    import numpy as np

    lines = failure(lambda: classify(np.ones((3, 784), np.float32), dx.tensor([1, 2, 3])))
    assert lines[1] == "The problem arose whilst typechecking parameter 'x'."


@check
def typed_both_ways(
    x: Float[Tensor[Any, L[784], NoneTape], "batch 784"],
) -> Float[Tensor[Any, L[10], NoneTape], "batch 10"]:
    """mypy and pyright see ``Tensor[Any, L[784], NoneTape]`` (jaxtyping's ``Float`` is
    ``Annotated`` to them); jaxtyping checks the dtype and the dims at run time."""
    return x[:, :10]


def test_dfdx_type_inside_jaxtyping() -> None:
    assert typed_both_ways(dx.zeros(2, 784)).shape == (2, 10)
    lines = failure(lambda: typed_both_ways(dx.zeros(2, 783)))
    assert lines[1] == "The problem arose whilst typechecking parameter 'x'."


def test_dfdx_does_not_import_jaxtyping() -> None:
    import subprocess
    import sys

    code = "import sys, dfdx; print('jaxtyping' in sys.modules, 'beartype' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


@check
def pad(x: Float[Tensor, " n"], b: Float[Tensor, " #n"]) -> Float[Tensor, " n+1"]:
    return dx.concat((x + b, dx.zeros(1)), axis=0)


def test_broadcastable_and_arithmetic_dims() -> None:
    assert pad(dx.ones(3), dx.ones(1)).numpy().tolist() == [2.0, 2.0, 2.0, 0.0]
    assert pad(dx.ones(3), dx.ones(3)).shape == (4,)
    lines = failure(lambda: pad(dx.ones(3), dx.ones(2)))
    assert lines[1] == "The problem arose whilst typechecking parameter 'b'."
