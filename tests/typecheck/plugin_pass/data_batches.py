"""Loaders with the plugin: ``drop_last=True`` with a literal batch size (or an int-bound
TypeVar) gives batches of exactly that size, and so does ``batch_size=1``; otherwise the last
batch may be smaller and the batch axis stays Dyn. A model typed for a literal batch then
takes the loader's batches."""

# rules: data

from typing import Literal as L
from typing import TypeVar, assert_type

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.utils.data import DataLoader, TensorDataset, random_split

B = TypeVar("B", bound=int)

x = dx.randn(100, 8)
y = dx.tensor(np.arange(100) % 3)
data = TensorDataset(x, y)
assert_type(data, TensorDataset[Tensor[L[8], NoneTape], Tensor[NoneTape]])
model = dx.nn.Linear(8, 3)

train = DataLoader(data, 16, shuffle=True, drop_last=True, rng=np.random.default_rng(0))
assert_type(train, DataLoader[tuple[Tensor[L[16], L[8], NoneTape], Tensor[L[16], NoneTape]]])
for xb, yb in train:
    logits = model(xb.trace())
    assert_type(logits, Tensor[L[16], L[3], OwnedTape])
    assert_type(dx.losses.cross_entropy_with_logits_loss(logits, yb), Tensor[OwnedTape])

by_name = DataLoader(data, batch_size=25, drop_last=True)
assert_type(by_name, DataLoader[tuple[Tensor[L[25], L[8], NoneTape], Tensor[L[25], NoneTape]]])
single = DataLoader(data)
assert_type(single, DataLoader[tuple[Tensor[L[1], L[8], NoneTape], Tensor[L[1], NoneTape]]])
assert_type(next(iter(single))[0], Tensor[L[1], L[8], NoneTape])


def summary(
    samples: list[tuple[Tensor[L[8], NoneTape], Tensor[NoneTape]]],
) -> Tensor[L[8], NoneTape]:
    return samples[0][0]


summaries = DataLoader(data, 16, drop_last=True, collate_fn=summary)
assert_type(summaries, DataLoader[Tensor[L[8], NoneTape]])  # the function's type, unchanged
assert next(iter(summaries)).shape == (8,)

ragged = DataLoader(data, 16)
assert_type(ragged, DataLoader[tuple[Tensor[Dyn, L[8], NoneTape], Tensor[Dyn, NoneTape]]])
dropped_false = DataLoader(data, 16, drop_last=False)
assert_type(dropped_false, DataLoader[tuple[Tensor[Dyn, L[8], NoneTape], Tensor[Dyn, NoneTape]]])

part, rest = random_split(data, [64, 36], rng=np.random.default_rng(1))
(xs, ys) = next(iter(DataLoader(part, 32, drop_last=True)))
assert_type(xs, Tensor[L[32], L[8], NoneTape])


def batches(n: B) -> DataLoader[tuple[Tensor[B, L[8], NoneTape], Tensor[B, NoneTape]]]:
    return DataLoader(data, n, drop_last=True)


assert len(batches(20)) == 5


def some_size(n: int) -> None:
    loader = DataLoader(data, n, drop_last=True)
    assert_type(loader, DataLoader[tuple[Tensor[Dyn, L[8], NoneTape], Tensor[Dyn, NoneTape]]])


some_size(7)
