"""Creation functions without the plugin: the rank is the number of sizes (0 to 4), each size
``Dyn``; a declared literal shape takes the result. Plain-only: the plugin makes the sizes
literal (``dx.zeros(3, 4)`` is ``Tensor[L[3], L[4], NoneTape]``), so the ``Dyn`` assertions here
would not hold with it."""

from typing import Literal as L
from typing import assert_type

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, Tensor

rng = np.random.default_rng(0)

# ranks 0 to 4 from separate int sizes
assert_type(dx.zeros(), Tensor[NoneTape])
assert_type(dx.zeros(3), Tensor[Dyn, NoneTape])
assert_type(dx.zeros(3, 4), Tensor[Dyn, Dyn, NoneTape])
assert_type(dx.zeros(2, 3, 4), Tensor[Dyn, Dyn, Dyn, NoneTape])
assert_type(dx.zeros(1, 2, 3, 4), Tensor[Dyn, Dyn, Dyn, Dyn, NoneTape])
assert_type(dx.ones(3, 4), Tensor[Dyn, Dyn, NoneTape])
assert_type(dx.ones(3, dtype=dx.float64), Tensor[Dyn, NoneTape])
assert_type(dx.randn(3, 4, rng=rng), Tensor[Dyn, Dyn, NoneTape])
assert_type(dx.randn(), Tensor[NoneTape])
assert_type(dx.rand(2, 3, 4), Tensor[Dyn, Dyn, Dyn, NoneTape])

# larger ranks, a shape tuple, data, and ranges
assert_type(dx.zeros(1, 2, 3, 4, 5), Tensor[*tuple[Dyn, ...], NoneTape])
assert_type(dx.full((2, 3), 0.5), Tensor[Dyn, Dyn, NoneTape])  # rank from the tuple
assert_type(dx.tensor([[1.0, 2.0, 3.0]]), Tensor[*tuple[Dyn, ...], NoneTape])
assert_type(dx.tensor(np.arange(4), dtype=dx.int64), Tensor[*tuple[Dyn, ...], NoneTape])
assert_type(dx.arange(5), Tensor[Dyn, NoneTape])

# a declared shape takes any of them
a: Tensor[L[3], L[4], NoneTape] = dx.zeros(3, 4)
b: Tensor[L[4], L[5], NoneTape] = dx.randn(4, 5, rng=rng)
c: Tensor[L[3], L[5], NoneTape] = dx.full((3, 5), 0.5)
d: Tensor[L[1], L[3], NoneTape] = dx.tensor([[1.0, 2.0, 3.0]])
e: Tensor[L[5], NoneTape] = dx.arange(5, dtype=dx.float32)
f: Tensor[NoneTape] = dx.tensor(2.0)
assert_type((a @ b + c).relu(), Tensor[L[3], L[5], NoneTape])

# without a declaration, sizes stay Dyn and ops still type-check
m = dx.zeros(2, 6)
n = dx.randn(6, 3, rng=rng)
assert_type(m @ n, Tensor[Dyn, Dyn, NoneTape])
assert_type((m @ n).relu() * 2.0, Tensor[Dyn, Dyn, NoneTape])
assert_type((m.trace() @ n).tanh().sum(), Tensor[dx.OwnedTape])

# the run time agrees
assert dx.zeros(1, 2, 3, 4, 5).shape == (1, 2, 3, 4, 5)
assert c.shape == (3, 5) and d.shape == (1, 3) and e.shape == (5,) and f.shape == ()
