"""dfdx against PyTorch: values and gradients of every differentiable op.

The expected values come from ``fixtures/torch_ops.npz``, written by
``fixtures/make_torch_fixtures.py`` (whose ``CASES`` table this file imports), so these tests
need no PyTorch. Where PyTorch is importable, ``test_fixture_is_current`` recomputes every
case with it, so a fixture that no longer matches PyTorch (or the case table) is noticed.
"""

from __future__ import annotations

import inspect
import operator
from collections.abc import Callable
from typing import Any

import _helpers
import numpy as np
import pytest

import dfdx as dx

fixtures = _helpers.load_fixture_script("make_torch_fixtures.py")
CASES = fixtures.CASES
DTYPES: tuple[str, ...] = fixtures.DTYPES
FIXTURE = _helpers.load_npz(fixtures.FIXTURE)

# ---- the dfdx side of every case ----------------------------------------------------------


def _binary(fn: Callable[[Any, Any], Any], reflected: Callable[[Any, Any], Any]) -> Any:
    """A tensor-tensor or tensor-scalar call of ``fn``; a scalar on the left goes through the
    Python operator (``2.5 - x`` calls ``Tensor.__rsub__``)."""

    def call(x: Any, y: Any = None, *, scalar: float = 0.0, scalar_side: str = "right") -> Any:
        if y is not None:
            return fn(x, y)
        return reflected(scalar, x) if scalar_side == "left" else fn(x, scalar)

    return call


def _no_left_scalar(x: Any, y: Any) -> Any:
    raise AssertionError("dfdx's maximum/minimum take a scalar on the right only")


DFDX_OPS: dict[str, Callable[..., Any]] = {
    "neg": dx.neg,
    "exp": dx.exp,
    "log": dx.log,
    "sqrt": dx.sqrt,
    "square": dx.square,
    "abs": dx.abs,
    "sin": dx.sin,
    "cos": dx.cos,
    "tanh": dx.tanh,
    "sigmoid": dx.sigmoid,
    "relu": dx.relu,
    "gelu": dx.gelu,  # approximate=
    "leaky_relu": dx.leaky_relu,  # negative_slope=
    "softplus": dx.softplus,
    "pow": lambda x, exponent: dx.pow(x, exponent),
    "clamp": dx.clamp,  # min=, max=
    "add": _binary(dx.add, operator.add),
    "sub": _binary(dx.sub, operator.sub),
    "mul": _binary(dx.mul, operator.mul),
    "div": _binary(dx.div, operator.truediv),
    "maximum": _binary(dx.maximum, _no_left_scalar),
    "minimum": _binary(dx.minimum, _no_left_scalar),
    "matmul": dx.matmul,
    "linear": dx.linear,  # x, y (weight), z (bias)
    # reductions: axis=, keepdims= (and correction= for var), the names PyTorch calls
    # dim=/keepdim=; max/min are compared with torch.amax/amin (ties share the gradient)
    "sum": dx.sum,
    "mean": dx.mean,
    "max": dx.max,
    "min": dx.min,
    "var": dx.var,
    "logsumexp": dx.logsumexp,
    "softmax": dx.softmax,  # axis=
    "log_softmax": dx.log_softmax,  # axis=
    # ---- movement and shape ----
    # sizes and axes as PyTorch's tuples (shape=, dims=, axes=); concat/stack take the inputs
    # as a list (PyTorch's torch.cat/torch.stack)
    "reshape": lambda x, shape: x.reshape(*shape),
    "flatten": dx.flatten,  # start_axis=, end_axis=
    "permute": lambda x, dims: x.permute(*dims),
    "transpose": lambda x, axes: x.transpose(*axes),
    "unsqueeze": dx.unsqueeze,  # axis=
    "squeeze": dx.squeeze,  # axis=
    "broadcast_to": lambda x, shape: x.broadcast_to(*shape),
    "repeat": lambda x, counts: x.repeat(*counts),
    "concat": lambda *ts, axis=0: dx.concat(list(ts), axis=axis),
    "stack": lambda *ts, axis=0: dx.stack(ts, axis=axis),
    # ---- indexing and selection ----
    # index tensors and masks are int64/bool inputs (no gradient); argmax, one_hot and the
    # comparisons have no gradient at all (fixtures.NO_GRADIENT): their values are compared
    "getitem": lambda x, index: x[index],
    "getitem_tensors": lambda x, r, c=None, at="": x[fixtures.tensor_index(at, r, c)],
    "index_select": lambda x, index, axis: dx.index_select(x, axis, index),
    "gather": lambda x, index, axis: dx.gather(x, axis, index),
    "where": lambda cond, x, y=None, other=None: dx.where(cond, x, other if y is None else y),
    "masked_fill": dx.masked_fill,  # mask, value=
    "tril": dx.tril,  # k=
    "triu": dx.triu,
    "one_hot": dx.one_hot,  # n=
    "argmax": dx.argmax,  # axis=, keepdims=
    "argmin": dx.argmin,
    "dropout": dx.dropout,  # p=, training= (the deterministic settings only)
    "eq": _binary(dx.eq, operator.eq),
    "ne": _binary(dx.ne, operator.ne),
    "lt": _binary(dx.lt, operator.lt),
    "le": _binary(dx.le, operator.le),
    "gt": _binary(dx.gt, operator.gt),
    "ge": _binary(dx.ge, operator.ge),
    # ---- normalisation ----
    # x, w (weight), b (bias); normalized_shape=, eps=
    "layer_norm": lambda x, w=None, b=None, *, normalized_shape, eps=1e-5: dx.layer_norm(
        x, normalized_shape, w, b, eps
    ),
    # ---- convolution and pooling ----
    # x, y, z: input, weight, bias; stride=, padding=, dilation=, groups= (output_padding=)
    "conv1d": dx.conv1d,
    "conv2d": dx.conv2d,
    "conv_transpose2d": dx.conv_transpose2d,
    "max_pool2d": dx.max_pool2d,  # kernel_size=, stride=, padding=; ties: the first max
    "avg_pool2d": dx.avg_pool2d,
    "adaptive_avg_pool2d": dx.adaptive_avg_pool2d,  # output_size=
    "upsample2d": dx.upsample2d,  # scale_factor=, nearest (F.interpolate)
}

COMPARED_OPS = tuple(DFDX_OPS)
"""Every op of dfdx compared with PyTorch: each needs at least one case in the fixture. The
differentiable ones have their gradients compared too; those of ``fixtures.NO_GRADIENT``
(argmax, argmin, one_hot, comparisons) their values only."""

NOT_COMPARED = {
    "to": "a dtype conversion: its values are NumPy's cast and its gradient the cast back",
    "ensure_shape": "a run-time shape check that returns its input itself; no PyTorch op",
    "scaled_dot_product_attention": "masks and dropout need cases of their own: compared with "
    "PyTorch's in tests/test_transformer.py (fixtures) and tests/test_attention.py (live)",
}
"""Ops of ``dfdx.ops`` that have no PyTorch case, and why."""

COMPARED_ELSEWHERE = frozenset(
    {c.op for c in _helpers.load_fixture_script("make_torch_training_fixtures.py").CASES}
    | {"multinomial", "view", "cat"}
    | {c.op for c in _helpers.load_fixture_script("make_torch_layer_fixtures.py").CASES}
    | {c.op for c in _helpers.load_fixture_script("make_torch_image_fixtures.py").CASES}
    | {c.op for c in _helpers.load_fixture_script("make_torch_porting_fixtures.py").CASES}
    | {c.op for c in _helpers.load_fixture_script("make_torch_sequence_fixtures.py").CASES}
)
"""Ops compared with PyTorch by tests/test_training_ops.py (its own table of cases, since
sort, topk, split and chunk return tuples); multinomial's draws are checked by their
statistics there, and the aliases view and cat are reshape and concat. The ops of the layers
ports need (relu6, group_norm, rms_norm, ...) are compared by tests/test_port_layers.py, those
of image models (pad, pixel_shuffle, prelu, flip, ...) by tests/test_image_layers.py, those
ports of PyTorch models wrote stand-ins for (einsum, norm, cumsum, erf, log1p, interpolate)
by tests/test_porting_ops.py, those of audio and text models (the 1-d pools, glu,
repeat_interleave) by tests/test_sequence_layers.py."""

OPERATOR_ONLY = {"getitem", "getitem_tensors"}
"""Ops reached through an operator, not a top-level function: ``x[index]`` is
``Tensor.__getitem__`` (dfdx.ops.indexing.getitem), as in PyTorch; ``getitem_tensors`` is
the same with int64 tensors among the index's items (advanced indexing)."""


def run_dfdx(case: Any, inputs: dict[str, np.ndarray], weight: np.ndarray | None) -> dict[str, Any]:
    """dfdx's ``out`` and ``grad_<input>`` (float inputs) for ``case``, with
    ``loss = (out * weight).sum()``; ``out`` only for an op without gradient."""
    if case.op in fixtures.NO_GRADIENT:
        out = DFDX_OPS[case.op](*(dx.tensor(v) for v in inputs.values()), **case.kwargs)
        assert out._tape is None, f"{case.name}: a result without gradient is on a tape"
        return {"out": out.numpy()}
    assert weight is not None, case.name
    ts = {
        key: dx.tensor(value).trace() if value.dtype.kind == "f" else dx.tensor(value)
        for key, value in inputs.items()
    }
    out = DFDX_OPS[case.op](*ts.values(), **case.kwargs)
    grads = (out * dx.tensor(weight)).sum().backward()
    res = {"out": out.numpy()}
    for key, t in ts.items():
        if inputs[key].dtype.kind == "f":
            res[f"grad_{key}"] = grads[t].numpy()
    return res


# ---- tolerances -------------------------------------------------------------------------

# dfdx against the fixture, and PyTorch today against the fixture, with the same tolerances:
# those of the dtype (torch.testing.assert_close's defaults) scaled by the square root of the
# size of the computation (its largest input: a bound on every reduction's length), since two
# implementations, BLAS libraries or CPUs sum in different orders. Two cases once needed more
# than the dtype's flat default, both covered by that scaling: conv2d's bias gradient (float32),
# which dfdx sums inside the weight's product and PyTorch separately (1.2e-6 apart on a sum of
# 60 terms that cancels to -0.0131), and softplus (float64) above PyTorch's threshold 20,
# where PyTorch returns x and dfdx log(1 + e**x) (at most e**-20 = 2e-9 relatively apart).


def _tolerance(dtype: str, inputs: dict[str, np.ndarray]) -> tuple[float, float]:
    return _helpers.tolerance(dtype, _helpers.computation_size(inputs))


def _case_arrays(name: str, dtype: str) -> dict[str, np.ndarray]:
    return _helpers.case_arrays(
        FIXTURE,
        f"{name}/{dtype}/",
        f"no fixture for {name} ({dtype}): run python tests/fixtures/make_torch_fixtures.py",
    )


def _compare(
    name: str,
    dtype: str,
    got: dict[str, Any],
    want: dict[str, np.ndarray],
    rtol: float,
    atol: float,
) -> None:
    assert sorted(got) == sorted(want), name
    for key in sorted(want):
        actual, desired = np.asarray(got[key]), want[key]
        # float results have the case's dtype (one_hot's float32 its own, see
        # fixtures.OWN_DTYPE: the fixture's dtype is checked when it is written); int64 and
        # bool results (argmax, comparisons) PyTorch's
        assert actual.dtype == desired.dtype, (
            f"{name} {key}: dtype {actual.dtype}, want {desired.dtype}"
        )
        assert actual.shape == desired.shape, (
            f"{name} {key}: shape {actual.shape} vs {desired.shape}"
        )
        if desired.dtype.kind != "f":  # indices and masks: exactly
            np.testing.assert_array_equal(actual, desired, err_msg=f"{name} ({dtype}): {key}")
            continue
        np.testing.assert_allclose(
            actual, desired, rtol=rtol, atol=atol, err_msg=f"{name} ({dtype}): {key}"
        )


# ---- tests ------------------------------------------------------------------------------

_PARAMS = [pytest.param(c, d, id=f"{c.name}-{d}") for c in CASES for d in DTYPES]


@pytest.mark.parametrize(("case", "dtype"), _PARAMS)
def test_matches_pytorch(case: Any, dtype: str) -> None:
    arrays = _case_arrays(case.name, dtype)
    inputs = {key: arrays[key] for key in case.input_names}
    for (key, spec), value in zip(case.inputs, inputs.values(), strict=True):
        want_dtype = dtype if spec.is_float else np.int64 if spec.dist != "bool" else np.bool_
        assert value.dtype == np.dtype(want_dtype), (case.name, key)
    want = {k: v for k, v in arrays.items() if k == "out" or k.startswith("grad_")}
    got = run_dfdx(case, inputs, arrays.get("weight"))
    _compare(case.name, dtype, got, want, *_tolerance(dtype, inputs))


def test_fixture_matches_case_table() -> None:
    in_fixture = {k.split("/")[0] for k in FIXTURE if not k.startswith("_meta/")}
    in_table = {c.name for c in CASES}
    assert len(in_table) == len(CASES), "duplicate case names"
    assert sorted(in_table - in_fixture) == [], "cases missing from the fixture: regenerate it"
    assert sorted(in_fixture - in_table) == [], "fixture cases no longer in the table: regenerate"
    for c in CASES:
        for dtype in DTYPES:
            keys = set(_case_arrays(c.name, dtype))
            if c.op in fixtures.NO_GRADIENT:
                assert keys == {*c.input_names, "out"}, (c.name, dtype)
                continue
            grads = {f"grad_{k}" for k, spec in c.inputs if spec.is_float}
            assert keys == {*c.input_names, "weight", "out", *grads}, (c.name, dtype)


def test_every_differentiable_op_has_a_case() -> None:
    ops_with_cases = {c.op for c in CASES}
    assert sorted(set(COMPARED_OPS) - ops_with_cases) == []
    assert sorted(ops_with_cases - set(COMPARED_OPS)) == []


def test_op_list_is_complete() -> None:
    """A new public op of ``dfdx.ops`` must join COMPARED_OPS (with fixture cases) or
    NOT_COMPARED (with a reason)."""
    public = {
        name
        for name, value in vars(dx).items()
        if not name.startswith("_")
        and inspect.isfunction(value)
        and value.__module__.startswith("dfdx.ops.")
    }
    public |= OPERATOR_ONLY
    assert sorted(public - set(COMPARED_OPS) - set(NOT_COMPARED) - COMPARED_ELSEWHERE) == []
    assert sorted((set(COMPARED_OPS) | set(NOT_COMPARED)) - public) == []


@pytest.mark.parametrize(("case", "dtype"), _PARAMS)
def test_fixture_is_current(case: Any, dtype: str) -> None:
    pytest.importorskip("torch")
    arrays = _case_arrays(case.name, dtype)
    inputs = {key: arrays[key] for key in case.input_names}
    weight = arrays.get("weight")
    fresh = fixtures.run_torch(case, inputs, weight)
    if weight is not None:
        assert np.array_equal(fresh.pop("weight"), weight)
    want = {k: v for k, v in arrays.items() if k == "out" or k.startswith("grad_")}
    # PyTorch today (any BLAS, any CPU) against the PyTorch that wrote the fixture: only
    # rounding may differ, as much as the dtype and the size of the computation allow
    _compare(case.name, dtype, fresh, want, *_tolerance(dtype, inputs))
