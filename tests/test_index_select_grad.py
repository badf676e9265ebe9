"""``index_select``'s gradient on many indices (the sorted ``reduceat`` path) against
``np.add.at``, in float64, on every axis, with repeated and missing indices."""

from __future__ import annotations

import numpy as np
import pytest

import dfdx as dx


@pytest.mark.parametrize(
    ("shape", "axis", "count"), [((128, 16), 0, 1024), ((5, 300, 3), 1, 700), ((4, 3, 90), 2, 65)]
)
def test_many_indices_match_add_at(shape: tuple[int, ...], axis: int, count: int) -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)
    idx = rng.integers(0, shape[axis] // 2, count)  # repeats, and half the rows never picked
    x = dx.tensor(a)
    y = dx.ops.indexing.index_select(x.trace(), axis, dx.tensor(idx))
    g = rng.standard_normal(y.shape)
    got = (y * dx.tensor(g)).sum().backward()[x].numpy()
    want = np.zeros(shape)
    np.add.at(want, (slice(None),) * axis + (idx,), g)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)
