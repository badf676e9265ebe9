"""The ops a training script reaches for: values and gradients against PyTorch (the committed
``fixtures/torch_training_ops.npz``, written by ``fixtures/make_torch_training_fixtures.py``,
whose ``CASES`` table this file imports), gradients against float64 finite differences,
multinomial's draws by their statistics, the aliases, and the errors."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

import _helpers
import numpy as np
import pytest
from test_gradients import check_grads

import dfdx as dx

fixtures = _helpers.load_fixture_script("make_torch_training_fixtures.py")
CASES = fixtures.CASES
DTYPES: tuple[str, ...] = fixtures.DTYPES
FIXTURE = _helpers.load_npz(fixtures.FIXTURE)

DFDX_OPS: dict[str, Callable[..., Any]] = {
    "sort": dx.sort,  # axis=, descending=, stable=
    "argsort": dx.argsort,
    "topk": dx.topk,  # k=, axis=, largest=
    "split": dx.split,  # split_size_or_sections=, axis=
    "chunk": dx.chunk,  # chunks=, axis=
    "slice_scatter": dx.slice_scatter,  # axis=, start=, end=, step=
    "silu": dx.silu,
    "rsqrt": dx.rsqrt,
    "rpow": lambda x, base: base**x,  # Tensor.__rpow__
    "clamp": dx.clamp,  # min=, max= (tensors or numbers)
    "tril": dx.tril,  # diagonal=
    "triu": dx.triu,
    "arange": lambda start=0, end=None, step=1: (
        dx.arange(start) if end is None else dx.arange(start, end, step)
    ),
    "upsample2d": dx.upsample2d,  # scale_factor=, mode=, align_corners=
    "cross_entropy": dx.losses.cross_entropy,  # ignore_index=, label_smoothing=
}

TOLERANCE = {"float64": (1e-10, 1e-12), "float32": (1e-5, 1e-6)}


def run_dfdx(case: Any, inputs: dict[str, np.ndarray], arrays: dict[str, Any]) -> dict[str, Any]:
    """dfdx's ``out/i`` and ``grad_<input>`` for ``case``, with the fixture's weights."""
    return _helpers.run_weighted_case(DFDX_OPS[case.op], case.name, case.kwargs, inputs, arrays)


def _arrays(name: str, dtype: str) -> dict[str, np.ndarray]:
    return _helpers.case_arrays(
        FIXTURE,
        f"{name}/{dtype}/",
        f"no fixture for {name} ({dtype}): "
        "run python tests/fixtures/make_torch_training_fixtures.py",
    )


def _compare(name: str, got: dict[str, Any], want: dict[str, np.ndarray], tol: Any) -> None:
    assert sorted(got) == sorted(want), name
    for key in sorted(want):
        actual, desired = np.asarray(got[key]), want[key]
        assert actual.dtype == desired.dtype, f"{name} {key}: {actual.dtype} != {desired.dtype}"
        assert actual.shape == desired.shape, f"{name} {key}: {actual.shape} != {desired.shape}"
        if desired.dtype.kind != "f":
            np.testing.assert_array_equal(actual, desired, err_msg=f"{name}: {key}")
        else:
            np.testing.assert_allclose(actual, desired, *tol, err_msg=f"{name}: {key}")


_PARAMS = [pytest.param(c, d, id=f"{c.name}-{d}") for c in CASES for d in DTYPES]


@pytest.mark.parametrize(("case", "dtype"), _PARAMS)
def test_matches_pytorch(case: Any, dtype: str) -> None:
    arrays = _arrays(case.name, dtype)
    inputs = {key: arrays[key] for key, _ in case.inputs}
    want = {k: v for k, v in arrays.items() if k.startswith(("out/", "grad_"))}
    got = run_dfdx(case, inputs, arrays)
    _compare(case.name, got, want, TOLERANCE[dtype])


def test_every_op_has_a_case() -> None:
    assert sorted({c.op for c in CASES}) == sorted(DFDX_OPS)


@pytest.mark.parametrize(("case", "dtype"), _PARAMS)
def test_fixture_is_current(case: Any, dtype: str) -> None:
    pytest.importorskip("torch")
    arrays = _arrays(case.name, dtype)
    inputs = {key: arrays[key] for key, _ in case.inputs}
    weights = {k: v for k, v in arrays.items() if k.startswith("weight/")}
    fresh = fixtures.run_torch(case, inputs, weights)
    want = {k: v for k, v in arrays.items() if k.startswith(("out/", "grad_", "weight/"))}
    _compare(case.name, fresh, want, {"float64": (1e-12, 1e-14), "float32": (1e-6, 1e-7)}[dtype])


# ---- gradients by finite differences (float64) ---------------------------------------------


def _distinct(*shape: int, seed: int = 0) -> np.ndarray:
    """Values at least 0.1 apart, so that a small step never changes an order."""
    n = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(n).reshape(shape) * 0.1 - n * 0.05


def _rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


GRADIENT_CASES: dict[str, tuple[Callable[..., Any], tuple[np.ndarray, ...]]] = {
    "sort": (lambda x: dx.sort(x, axis=0)[0], (_distinct(4, 3),)),
    "sort descending": (lambda x: x.sort(descending=True)[0], (_distinct(3, 4),)),
    "topk": (lambda x: dx.topk(x, 2)[0], (_distinct(3, 5),)),
    "topk smallest axis 0": (lambda x: x.topk(2, axis=0, largest=False)[0], (_distinct(4, 3),)),
    "split": (lambda x: dx.split(x, 2)[2] * 3.0 + dx.split(x, 2)[0].sum(), (_rand(5, 3),)),
    "split sections": (
        lambda x: dx.concat(list(reversed(x.split([1, 3], axis=1))), axis=1),
        (_rand(2, 4),),
    ),
    "chunk": (lambda x: dx.chunk(x, 3, axis=1)[1], (_rand(2, 7),)),
    "slice_scatter": (
        lambda x, s: dx.slice_scatter(x, s, axis=1, start=1, end=6, step=2),
        (_rand(2, 6), _rand(2, 3, seed=1)),
    ),
    "silu": (dx.silu, (_rand(3, 4) * 3,)),
    "rsqrt": (dx.rsqrt, (np.random.default_rng(0).uniform(0.5, 2.0, (3, 4)),)),
    "rpow": (lambda x: 2.5**x, (_rand(3, 4),)),
    "clamp tensor bounds": (
        lambda x, lo, hi: dx.clamp(x, min=lo, max=hi),
        (_distinct(3, 4), _distinct(3, 4, seed=1) - 0.33, _distinct(4, seed=2) + 0.47),
    ),
    "tril diagonal": (lambda x: dx.tril(x, diagonal=1), (_rand(3, 4),)),
    "triu diagonal": (lambda x: x.triu(diagonal=-1), (_rand(2, 3, 4),)),
    "upsample2d bilinear": (
        lambda x: dx.upsample2d(x, (2, 3), mode="bilinear"),
        (_rand(1, 2, 3, 4),),
    ),
    "upsample2d bilinear align_corners": (
        lambda x: dx.upsample2d(x, 2, mode="bilinear", align_corners=True),
        (_rand(2, 1, 3, 3),),
    ),
    "cross_entropy ignore_index label_smoothing": (
        lambda x: dx.losses.cross_entropy(
            x, dx.tensor([2, -100, 0, 4]), ignore_index=-100, label_smoothing=0.25
        ),
        (_rand(4, 5),),
    ),
    "cross_entropy probabilities label_smoothing": (
        lambda x, t: dx.losses.cross_entropy(x, t, label_smoothing=0.3),
        (_rand(3, 4), np.random.default_rng(3).uniform(0.1, 1.0, (3, 4))),
    ),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_gradients(name: str) -> None:
    op, arrays = GRADIENT_CASES[name]
    check_grads(op, *arrays)


# ---- multinomial: statistics of the draws ----------------------------------------------------


def _frequencies(samples: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(samples.reshape(-1), minlength=n) / samples.size


def test_multinomial_with_replacement_draws_by_the_weights() -> None:
    weights = np.array([[1.0, 0.0, 3.0, 6.0], [5.0, 5.0, 0.0, 0.0]])
    draws = 20_000
    out = dx.multinomial(dx.tensor(weights), draws, replacement=True, rng=np.random.default_rng(0))
    assert out.shape == (2, draws) and out.dtype == dx.int64 and not out.is_traced
    for row, w in zip(out.numpy(), weights, strict=True):
        p = w / w.sum()
        # each frequency within 5 standard deviations of its probability
        bound = 5 * np.sqrt(p * (1 - p) / draws) + 1e-12
        np.testing.assert_array_less(np.abs(_frequencies(row, 4) - p), bound)
        assert not np.isin(row, np.flatnonzero(w == 0)).any()  # zero weights never drawn


def test_multinomial_without_replacement_draws_each_category_once() -> None:
    rng = np.random.default_rng(1)
    probs = dx.tensor([[0.1, 0.2, 0.3, 0.4], [1.0, 1.0, 1.0, 0.0]])
    out = dx.multinomial(probs, 3, rng=rng).numpy()
    assert out.shape == (2, 3)
    for row in out:
        assert len(set(row)) == 3
    assert sorted(out[1]) == [0, 1, 2]  # the three categories with weight
    # the first pick is drawn by the weights: 0.4 for category 3
    firsts = np.array([dx.multinomial(probs[0], 2, rng=rng).numpy()[0] for _ in range(4000)])
    p = np.array([0.1, 0.2, 0.3, 0.4])
    bound = 5 * np.sqrt(p * (1 - p) / firsts.size)
    np.testing.assert_array_less(np.abs(_frequencies(firsts, 4) - p), bound)
    # the second pick, given the first was category 3: by the weights left (1/6, 2/6, 3/6)
    pairs = np.array([dx.multinomial(probs[0], 2, rng=rng).numpy() for _ in range(6000)])
    seconds = pairs[pairs[:, 0] == 3, 1]
    q = np.array([1, 2, 3, 0]) / 6
    bound = 5 * np.sqrt(q * (1 - q) / seconds.size) + 1e-12
    np.testing.assert_array_less(np.abs(_frequencies(seconds, 4) - q), bound)


def test_multinomial_is_seeded_by_manual_seed() -> None:
    probs = dx.tensor([0.2, 0.3, 0.5])
    dx.manual_seed(7)
    a = dx.multinomial(probs, 10, replacement=True).numpy()
    dx.manual_seed(7)
    b = dx.multinomial(probs, 10, replacement=True).numpy()
    np.testing.assert_array_equal(a, b)
    assert probs.multinomial(2).shape == (2,)


# ---- behaviour beyond the fixture ------------------------------------------------------------


def test_sort_is_stable_and_indices_have_no_tape() -> None:
    x = dx.tensor([2.0, 1.0, 2.0, 1.0]).trace()
    values, idx = x.sort()
    np.testing.assert_array_equal(idx.numpy(), [1, 3, 0, 2])
    np.testing.assert_array_equal(dx.argsort(x, descending=True).numpy(), [0, 2, 1, 3])
    assert values.is_traced and not idx.is_traced and idx.dtype == dx.int64
    values, idx = dx.sort(dx.tensor(3.0))
    assert values.shape == () and idx.item() == 0


def test_topk_values_follow_indices() -> None:
    x = dx.randn(4, 9, rng=np.random.default_rng(0))
    values, idx = x.topk(3, axis=1)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(x.numpy(), idx.numpy(), 1))
    np.testing.assert_array_equal(values.numpy(), -np.sort(-x.numpy(), axis=1)[:, :3])


def test_split_and_chunk_cut_as_pytorch() -> None:
    x = dx.arange(10)
    assert [p.shape[0] for p in dx.split(x, 4)] == [4, 4, 2]
    assert [p.shape[0] for p in x.split([3, 0, 7])] == [3, 0, 7]
    assert [p.shape[0] for p in dx.chunk(x, 4)] == [3, 3, 3, 1]
    assert [p.shape[0] for p in dx.chunk(dx.arange(6), 4)] == [2, 2, 2]  # fewer than 4
    assert [p.shape[0] for p in dx.chunk(dx.arange(0), 3)] == [0, 0, 0]
    np.testing.assert_array_equal(dx.concat(list(x.chunk(3))).numpy(), np.arange(10))


def test_aliases() -> None:
    assert dx.cat is dx.concat
    assert dx.losses.cross_entropy is dx.losses.cross_entropy_with_logits_loss
    x = dx.randn(2, 3, 4)
    np.testing.assert_array_equal(x.view(6, -1).numpy(), x.reshape(6, 4).numpy())
    np.testing.assert_array_equal(dx.view(x, 24).numpy(), x.numpy().reshape(24))
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert x.dim() == 3 and x.numel() == 24
    assert dx.tensor(1.0).dim() == 0 and dx.tensor(1.0).numel() == 1
    np.testing.assert_array_equal(dx.tril(x, 1).numpy(), dx.tril(x, k=1).numpy())


def test_rpow_of_zero_and_gradient_of_base_zero() -> None:
    x = dx.tensor([0.0, 1.0, 2.0], dtype=dx.float64).trace()
    y = 0.0**x
    np.testing.assert_array_equal(y.numpy(), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(y.sum().backward()[x].numpy(), [0.0, 0.0, 0.0])
    assert (2.0 ** dx.ones(2)).dtype == dx.float32
    assert (np.float64(2.0) ** dx.ones(2)).dtype == dx.float32  # NumPy defers to __rpow__
    np.testing.assert_array_equal((np.int64(3) ** dx.ones(2)).numpy(), [3.0, 3.0])


def test_clamp_bounds_keep_the_input_dtype() -> None:
    x = dx.randn(3, 4)
    assert dx.clamp(x, min=dx.zeros(4)).dtype == dx.float32
    assert dx.clamp(x, min=np.float64(0.5)).dtype == dx.float32


def _raises(kind: type[Exception], message: str, fn: Callable[[], Any]) -> None:
    with pytest.raises(kind, match=f"^{re.escape(message)}$"):
        fn()


ERRORS: list[tuple[type[Exception], str, Callable[[], Any]]] = [
    (dx.ShapeError, "topk: k 5 is larger than axis 1 of Tensor[3, 4] (size 4)",
     lambda: dx.topk(dx.zeros(3, 4), 5)),
    (dx.ShapeError, "topk: k must be >= 0, got -1", lambda: dx.topk(dx.zeros(3, 4), -1)),
    (dx.ShapeError, "sort: axis 2 is out of range for Tensor[3, 4]",
     lambda: dx.sort(dx.zeros(3, 4), axis=2)),
    (dx.ShapeError, "argsort: axis -3 is out of range for Tensor[3, 4]",
     lambda: dx.argsort(dx.zeros(3, 4), axis=-3)),
    (TypeError, "topk: k must be an int, got 2.0", lambda: dx.topk(dx.zeros(3), 2.0)),  # type: ignore[arg-type]
    (dx.DTypeError, "sort: needs a float or int64 tensor, got bool",
     lambda: dx.sort(dx.zeros(3) > 0)),
    (dx.ShapeError, "split: sizes [2, 2] add up to 4, not to the size 5 of axis 0 of "
     "Tensor[5, 3]", lambda: dx.split(dx.zeros(5, 3), [2, 2])),
    (dx.ShapeError, "split: split size must be > 0 (0 only for an empty axis), got 0 for axis 0 "
     "of Tensor[5]", lambda: dx.split(dx.zeros(5), 0)),
    (dx.ShapeError, "chunk: chunks must be > 0, got 0", lambda: dx.chunk(dx.zeros(5), 0)),
    (dx.ShapeError, "chunk: axis 1 is out of range for Tensor[5]",
     lambda: dx.chunk(dx.zeros(5), 2, axis=1)),
    (dx.ShapeError, "slice_scatter: src Tensor[2, 4] does not fit the slice 1:4 of axis 0 of "
     "Tensor[6, 4] (Tensor[3, 4])",
     lambda: dx.slice_scatter(dx.zeros(6, 4), dx.zeros(2, 4), 0, 1, 4)),
    (dx.ShapeError, "slice_scatter: step must be > 0, got -1",
     lambda: dx.slice_scatter(dx.zeros(6), dx.zeros(2), 0, step=-1)),
    (TypeError, "slice_scatter: src must be a tensor, got float",
     lambda: dx.slice_scatter(dx.zeros(6), 1.0)),  # type: ignore[arg-type]
    (dx.ShapeError, "multinomial: probs must be 1-d or 2-d, got Tensor[2, 2, 2]",
     lambda: dx.multinomial(dx.ones(2, 2, 2), 1)),
    (dx.ShapeError, "multinomial: cannot draw 4 samples without replacement from 3 categories "
     "(Tensor[3])", lambda: dx.multinomial(dx.ones(3), 4)),
    (dx.ShapeError, "multinomial: num_samples must be > 0, got 0",
     lambda: dx.multinomial(dx.ones(3), 0)),
    (ValueError, "multinomial: cannot draw 2 samples without replacement from a row with 1 "
     "non-zero weights", lambda: dx.multinomial(dx.tensor([0.0, 1.0, 0.0]), 2)),
    (ValueError, "multinomial: probs must be finite and >= 0",
     lambda: dx.multinomial(dx.tensor([0.5, -0.1]), 1)),
    (ValueError, "multinomial: every row of probs needs a weight > 0",
     lambda: dx.multinomial(dx.zeros(2, 3), 1, replacement=True)),
    (dx.ShapeError, "clamp: min Tensor[3] does not broadcast to Tensor[2, 4] (axis -1: 3 != 4)",
     lambda: dx.clamp(dx.zeros(2, 4), min=dx.zeros(3))),
    (TypeError, "clamp: max must be a number or a tensor, got '1'",
     lambda: dx.clamp(dx.zeros(2), max="1")),  # type: ignore[call-overload]
    (TypeError, "tril: give diagonal or k (its older name), not both",
     lambda: dx.tril(dx.zeros(2, 2), 1, k=1)),
    (TypeError, "pow: the base must be a number, got str",
     lambda: operator.pow("2", dx.zeros(2))),
    (ValueError, "arange: step must not be 0", lambda: dx.arange(0, 3, 0)),
    (ValueError, "arange: end -1 is not reachable from start 0 by step 1", lambda: dx.arange(-1)),
    (TypeError, "arange: start, end and step must be numbers, got '3'",
     lambda: dx.arange("3")),  # type: ignore[call-overload]
    (ValueError, "upsample2d: mode must be 'nearest' or 'bilinear', got 'cubic'",
     lambda: dx.upsample2d(dx.zeros(1, 1, 2, 2), 2, mode="cubic")),  # type: ignore[arg-type]
    (ValueError, "upsample2d: align_corners is for mode='bilinear' only (PyTorch's rule)",
     lambda: dx.upsample2d(dx.zeros(1, 1, 2, 2), 2, align_corners=True)),
    (ValueError, "cross_entropy_with_logits_loss: label_smoothing must be in [0, 1], got 1.5",
     lambda: dx.losses.cross_entropy(dx.zeros(2, 3), dx.tensor([0, 1]), label_smoothing=1.5)),
    (ValueError, "cross_entropy_with_logits_loss: label 3 is out of range for 3 classes in "
     "Tensor[2]", lambda: dx.losses.cross_entropy(dx.zeros(2, 3), dx.tensor([-100, 3]))),
    (dx.ShapeError, "size: axis 2 is out of range for Tensor[3, 4]",
     lambda: dx.zeros(3, 4).size(2)),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "message", "fn"), ERRORS, ids=[m for _, m, _ in ERRORS])
def test_errors(kind: type[Exception], message: str, fn: Callable[[], Any]) -> None:
    _raises(kind, message, fn)


def test_cross_entropy_all_ignored_is_nan_as_pytorch() -> None:
    loss = dx.losses.cross_entropy(dx.zeros(2, 3).trace(), dx.tensor([-100, -100]))
    assert np.isnan(loss.item())


def test_one_hot_takes_pytorchs_num_classes() -> None:
    labels = dx.tensor([0, 2, 1])
    np.testing.assert_array_equal(
        dx.one_hot(labels, num_classes=4).numpy(), dx.one_hot(labels, 4).numpy()
    )
    _raises(
        TypeError,
        "one_hot: give the number of classes once, as n or num_classes",
        lambda: dx.one_hot(labels, 3, num_classes=3),  # type: ignore[call-overload]
    )


# ---- the shared shape rules with sizes known only at check time -----------------------------


def test_shape_rules_with_symbolic_and_unknown_sizes() -> None:
    from dfdx_mypy_plugin import shapes

    assert shapes.topk(("B", 10), 3, -1) == ("B", 3)
    assert shapes.topk(("B", None), None, 1) == ("B", None)  # k not a literal
    assert shapes.topk(("B", "N"), 5, -1) == ("B", 5)  # N may be large enough
    assert shapes.sort("sort", ("B", 4), 0) == ("B", 4)
    assert shapes.multinomial(("B", 50), None, True) == ("B", None)
    assert shapes.multinomial(("V",), 100, False) == (100,)  # V may be large enough
    assert shapes.split_sizes("split", ("B", 6), 4, 1) == [4, 2]
    assert shapes.split_sizes("split", ("B", 6), 4, 0) is None  # how many pieces of B?
    assert shapes.split_sizes("split", ("B", 6), [2, 3], 0) == [2, 3]  # B may be 5
    assert shapes.chunk_sizes(("B", 6), 4, 1) == [2, 2, 2]
    assert shapes.chunk_sizes((None, 6), 2, 0) is None
    assert shapes.pieces(("B", 6), -1, [4, 2]) == [("B", 4), ("B", 2)]
    assert shapes.slice_scatter(("B", 8), ("B", 1), 1, slice(3, 4, 1)) == ("B", 8)
    assert shapes.slice_scatter(("B", "L"), ("B", None), 1, slice(3, 4, 1)) == ("B", "L")
    assert shapes.slice_scatter(("B", 8), ("B", 8), 1, slice(None, None, None)) == ("B", 8)
    assert shapes.arange_size(0, 1, 0.1) == 10
    assert shapes.arange_size(5, -4, -2) == 5
