"""Data loading under the plain signatures (mypy without the plugin, pyright): a
TensorDataset's samples keep each field's type without the first axis, and a loader yields
tuples of untraced tensors whose first axis is the batch (Dyn: the last batch may be smaller).
Datasets the signatures cannot read (a custom one, five fields) give ``Any``, never an error."""

from typing import Any, NamedTuple, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, DynTensor, NoneTape, OwnedTape, Tensor
from dfdx.utils.data import (
    DataLoader,
    Dataset,
    RandomSampler,
    Subset,
    TensorDataset,
    random_split,
)

x: Tensor[L[12], L[4], NoneTape] = dx.zeros(12, 4)
y: Tensor[L[12], NoneTape] = dx.zeros(12, dtype=dx.int64)
w: Tensor[L[12], L[2], L[3], NoneTape] = dx.zeros(12, 2, 3)
weight: Tensor[L[4], L[3], NoneTape] = dx.zeros(4, 3)

one = TensorDataset(x)
assert_type(one, TensorDataset[Tensor[L[4], NoneTape]])
pairs = TensorDataset(x, y)
assert_type(pairs, TensorDataset[Tensor[L[4], NoneTape], Tensor[NoneTape]])
xs, ys = pairs[0]
assert_type(xs, Tensor[L[4], NoneTape])
assert_type(ys, Tensor[NoneTape])
three = TensorDataset(x, y, w)
assert_type(three[1][2], Tensor[L[2], L[3], NoneTape])
four = TensorDataset(x, y, w, x)
assert_type(four[0][3], Tensor[L[4], NoneTape])

loader = DataLoader(pairs, 5, shuffle=True, rng=np.random.default_rng(0))
assert_type(loader, DataLoader[tuple[Tensor[Dyn, L[4], NoneTape], Tensor[Dyn, NoneTape]]])
assert len(loader) == 3
for xb, yb in loader:
    assert_type(xb, Tensor[Dyn, L[4], NoneTape])
    logits = xb.trace() @ weight
    assert_type(logits, Tensor[Dyn, L[3], OwnedTape])
    loss = dx.losses.cross_entropy_with_logits_loss(logits, yb)

kept: DataLoader[tuple[Tensor[Dyn, L[4], NoneTape], Tensor[Dyn, NoneTape]]]
kept = DataLoader(pairs, batch_size=4, drop_last=True)
for xb, yb in kept:
    assert xb.shape == (4, 4) and yb.shape == (4,)

(xb3, yb3, wb3) = next(iter(DataLoader(three, 6)))
assert_type(wb3, Tensor[Dyn, L[2], L[3], NoneTape])
(first,) = next(iter(DataLoader(one, 5)))
assert_type(first, Tensor[Dyn, L[4], NoneTape])
assert_type(next(iter(DataLoader(four, 5)))[3], Tensor[Dyn, L[4], NoneTape])

train, test = random_split(pairs, [0.75, 0.25], rng=np.random.default_rng(1))
assert_type(train, Subset[tuple[Tensor[L[4], NoneTape], Tensor[NoneTape]]])
assert (len(train), len(test)) == (9, 3)
for xt, _ in DataLoader(test, 2):
    assert_type(xt, Tensor[Dyn, L[4], NoneTape])

sampled = DataLoader(pairs, 4, sampler=RandomSampler(pairs, rng=np.random.default_rng(2)))
assert_type(sampled, DataLoader[tuple[Tensor[Dyn, L[4], NoneTape], Tensor[Dyn, NoneTape]]])
in_order = DataLoader(pairs, 4, sampler=range(11, -1, -1))
assert next(iter(in_order))[1].numpy().tolist() == [0, 0, 0, 0]


class Squares:
    """A dataset of single tensors: its loader yields tensors, not tuples."""

    def __len__(self) -> int:
        return 10

    def __getitem__(self, i: int) -> Tensor[L[3], NoneTape]:
        return dx.full((3,), float(i * i))


batches = DataLoader(Squares(), 4)
assert_type(batches, DataLoader[Tensor[Dyn, L[3], NoneTape]])
assert [b.shape[0] for b in batches] == [4, 4, 2]


class Row(NamedTuple):
    features: Any
    label: int


class Rows(Dataset[Row]):
    def __len__(self) -> int:
        return 6

    def __getitem__(self, i: int, /) -> Row:
        return Row(np.full(2, i, dtype=np.float32), i % 2)


rows = DataLoader(Rows(), 3)
assert_type(rows, DataLoader[Any])
batch = next(iter(rows))
assert batch.label.shape == (3,) and batch.features.shape == (3, 2)
assert isinstance(batch, Row)


def strings(samples: list[Row]) -> list[str]:
    return [str(s.label) for s in samples]


assert_type(DataLoader(Rows(), 2, collate_fn=strings), DataLoader[list[str]])

five = TensorDataset(x, y, w, x, y)
assert_type(five, TensorDataset[*tuple[DynTensor[NoneTape], ...]])
assert_type(DataLoader(five, 3), DataLoader[Any])
