"""Sums of bool and int tensors are int64 counts, as PyTorch's: ``(pred == labels).sum()``."""

import numpy as np
import pytest

import dfdx as dx


def test_accuracy_idiom_counts_hits() -> None:
    logits = dx.tensor(np.array([[0.1, 2.0, 0.3], [1.5, 0.2, 0.1], [0.0, 0.1, 3.0]], np.float32))
    labels = dx.tensor(np.array([1, 2, 2]))
    hits = (logits.argmax(axis=-1) == labels).sum()
    assert hits.numpy().dtype == np.int64 and hits.item() == 2
    assert hits.shape == () and hits._tape is None


@pytest.mark.parametrize("dtype", [np.bool_, np.int64, np.int32])
@pytest.mark.parametrize(
    ("axis", "keepdims"), [(None, False), (0, False), (-1, True), ((0, 1), False)]
)
def test_sums_of_counts_equal_numpy(
    dtype: type, axis: int | tuple[int, ...] | None, keepdims: bool
) -> None:
    a = (np.arange(24).reshape(2, 3, 4) % 3).astype(dtype)
    got = dx.tensor(a).sum(axis=axis, keepdims=keepdims).numpy()
    want = a.sum(axis=axis, keepdims=keepdims, dtype=np.int64)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, want)


def test_mean_of_bools_still_names_the_dtype() -> None:
    """PyTorch refuses it too: convert first (``.to(dx.float32).mean()``)."""
    mask = dx.tensor(np.array([True, False]))
    with pytest.raises(dx.DTypeError, match="mean: needs a float32 or float64 tensor, got bool"):
        mask.mean()
    assert mask.to(dx.float32).mean().item() == 0.5


def test_sum_axis_errors_are_unchanged_for_counts() -> None:
    mask = dx.tensor(np.array([True, False]))
    with pytest.raises(dx.ShapeError, match="axis 1 is out of range"):
        mask.sum(axis=1)
