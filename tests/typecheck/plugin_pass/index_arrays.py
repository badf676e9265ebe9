"""Index tensors made from NumPy arrays and Python lists, as ports of public models make them:
pairs of rows and columns picked from an interaction matrix (DLRM), positions gathered from a
relative position table (Swin). ``dx.tensor`` of a value typed as a list of ints
(``rows: list[int]``, a comprehension) is 1-d, also through ``np.array(rows,
dtype=np.int64)``, whose NumPy type has no rank; a list of pairs is ``(Dyn, 2)``. An index
tensor of unknown rank (an array from a function typed ``npt.NDArray``) gives a tensor of
unknown rank that keeps the sizes after the indexed axes, never ``Any``; declaring the index
(``li: Tensor[Dyn, NoneTape] = ...``) gives the result its full rank."""

# rules: indexing, creation

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np
import numpy.typing as npt

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
F = TypeVar("F", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


def upper_pairs(n: int) -> npt.NDArray[np.int64]:
    rows, cols = np.triu_indices(n, 1)
    return np.stack([rows, cols]).astype(np.int64)


class Interaction(Module, Generic[F, D]):
    """DLRM's dot interaction: the upper triangle of the features' pairwise products."""

    def __init__(self, features: F, width: D) -> None:
        super().__init__()
        rows: list[int] = []
        cols: list[int] = []
        for i in range(features):
            for j in range(i + 1, features):
                rows.append(i)
                cols.append(j)
        self.rows = rows
        self.cols = cols
        self.top = Linear(width, width, rng=rng)

    def forward(self, x: Tensor[B, F, D, T]) -> Tensor[B, Dyn, T]:
        z = x @ x.transpose(1, 2)
        assert_type(z, Tensor[B, F, F, T])
        li = dx.tensor(np.array(self.rows, dtype=np.int64))
        lj = dx.tensor(self.cols)
        assert_type(li, Tensor[Dyn, NoneTape])
        assert_type(lj, Tensor[Dyn, NoneTape])
        return z[:, li, lj]

    def declared(self, x: Tensor[B, F, D, T], pairs: npt.NDArray[np.int64]) -> Tensor[B, Dyn, T]:
        z = x @ x.transpose(1, 2)
        li: Tensor[Dyn, NoneTape] = dx.tensor(pairs[0])
        lj: Tensor[Dyn, NoneTape] = dx.tensor(pairs[1])
        return z[:, li, lj]

    def unranked(self, x: Tensor[B, F, D, T], pairs: npt.NDArray[np.int64]) -> None:
        index = dx.tensor(pairs[0])
        picked = x[:, index]
        assert_type(picked, Tensor[*tuple[Dyn, ...], D, T])
        assert_type(self.top(picked), Tensor[*tuple[Dyn, ...], D, T])


def pair_table(pairs: list[tuple[int, int]], table: Tensor[Dyn, Dyn, T]) -> Tensor[Dyn, T]:
    """A table read at a list of (row, column) pairs."""
    at = dx.tensor(np.asarray(pairs, dtype=np.int64))
    assert_type(at, Tensor[Dyn, L[2], NoneTape])
    return table[at[:, 0], at[:, 1]]


x = dx.randn(2, 4, 3)
block = Interaction(4, 3)
assert block(x).shape == (2, 6)
assert block.declared(x, upper_pairs(4)).shape == (2, 6)
block.unranked(x, upper_pairs(4))
assert pair_table([(0, 1), (1, 0)], dx.randn(2, 2)).shape == (2,)
