"""The 1-d pools, ``glu``, ``repeat_interleave`` and the cells without the plugin: the pools
keep the batch and the channels (the length is ``Dyn``), ``glu`` along the last axis keeps
every other size, ``repeat_interleave`` flattened is 1-d, and a cell annotated with its sizes
checks its input's features and gives states ``(N, hidden_size)`` (``(hidden_size,)``
unbatched). The plugin computes every size exactly."""

from typing import Any, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import GRUCell, LSTMCell

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def pools(x: Tensor[B, L[8], S, T]) -> None:
    assert_type(dx.max_pool1d(x, 2), Tensor[B, L[8], Any, T])
    assert_type(dx.avg_pool1d(x, 3, stride=1, padding=1), Tensor[B, L[8], Any, T])
    assert_type(dx.adaptive_avg_pool1d(x, 1), Tensor[B, L[8], Any, T])
    assert_type(dx.adaptive_max_pool1d(x, 4), Tensor[B, L[8], Any, T])
    assert_type(dx.nn.MaxPool1d(2)(x), Tensor[B, L[8], Any, T])


def gates(x: Tensor[B, S, L[64], T]) -> Tensor[B, S, Any, T]:
    return dx.glu(x)


x: Tensor[L[2], L[8], L[10], NoneTape] = dx.zeros(2, 8, 10)
pools(x)
assert gates(dx.zeros(2, 3, 64)).shape == (2, 3, 32)
flat = x.repeat_interleave(2)
assert_type(flat, Tensor[Any, NoneTape])
assert flat.shape == (320,)

lstm: LSTMCell[L[8], L[16]] = LSTMCell(8, 16)
batch: Tensor[L[4], L[8], NoneTape] = dx.zeros(4, 8)
h, c = lstm(batch.trace())
assert_type(h, Tensor[L[4], L[16], OwnedTape])
h, c = lstm(batch.trace(), (h, c))
assert_type(c, Tensor[L[4], L[16], OwnedTape])
gru: GRUCell[L[8], L[16]] = GRUCell(8, 16)
one: Tensor[L[8], NoneTape] = dx.zeros(8)
assert_type(gru(one), Tensor[L[16], NoneTape])
assert gru(one).shape == (16,) and h.shape == (4, 16)
