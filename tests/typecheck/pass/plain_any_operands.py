"""An operand typed ``Any`` (a plain signature's fallback: ``x.view(...)``, ``x.unsqueeze(1)``,
a reduction over several axes) gives a tensor of unknown rank, ``Tensor[*tuple[Dyn, ...], T]``,
where it is the first argument of a function (``dx.add(a, x)``, ``dx.relu(a)``, ``dx.where(a,
...)``), and the other operand's shape where it is the second (``x + a``): never a wrong rank.
pyright alone solved the ``*S`` of ``Tensor[*S, T]`` from an ``Any`` argument as one axis, so
``dx.relu(h).shape`` was a 1-tuple and ``b, c, hh, ww = dx.add(bias, x).shape`` an error.
Plain-only: the plugin computes these shapes exactly.
"""

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import DynTensor, NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class ChannelGate(Module, Generic[C]):
    """Squeeze-and-excitation: a per-channel scale from the pooled input, with a bias added
    through ``view`` and the functional ops, as ports of PyTorch code write it."""

    def __init__(self, channels: C) -> None:
        super().__init__()
        self.fc1 = Linear(channels, 4)
        self.fc2 = Linear(4, channels)
        self.bias = dx.zeros(channels)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        b, c, _h, _w = x.shape
        pooled = x.mean(axis=(2, 3))  # several axes: Any without the plugin
        hidden = dx.relu(self.fc1(pooled))
        _n, _f = hidden.shape  # was a 1-tuple under pyright
        scale = dx.sigmoid(self.fc2(hidden)).view(b, c, 1, 1)
        shifted = dx.add(self.bias.view(1, -1, 1, 1), x)
        _b, _c, _h, _w = shifted.shape
        gate = dx.where(scale > 0.5, scale, 0.0)
        _b, _c, _h, _w = gate.shape
        out: Tensor[B, C, H, W, T] = dx.mul(gate, shifted)
        return out


def any_first(a: Any, x: Tensor[B, L[3], L[4], L[4], NoneTape]) -> None:
    for op in (dx.add, dx.sub, dx.mul, dx.div, dx.maximum, dx.minimum):
        assert_type(op(a, x), DynTensor[Any])
    # Any (mypy) or a tensor of unknown rank (pyright): either unpacks into four sizes
    _b, _c, _h, _w = dx.where(a > 0, x, 0.0).shape
    _b, _c, _h, _w = dx.where(a > 0, 1.0, x).shape
    _b, _c, _h, _w = dx.gt(a, x).shape
    _b, _c, _h, _w = dx.eq(a, x).shape
    assert_type(dx.relu(a), DynTensor[Any])
    assert_type(dx.gelu(a), DynTensor[Any])
    assert_type(dx.softmax(a, axis=-1), DynTensor[Any])
    assert_type(dx.dropout(a, 0.1), DynTensor[Any])
    assert_type(dx.clamp(a, min=0.0), DynTensor[Any])
    # a typed first operand keeps its shape
    assert_type(dx.relu(x), Tensor[B, L[3], L[4], L[4], NoneTape])
    assert_type(x.relu(), Tensor[B, L[3], L[4], L[4], NoneTape])


def any_indices(
    a: Any, c: Any, s: Any, x: Tensor[B, L[4], OwnedTape], i: Tensor[B, L[2], NoneTape]
) -> None:
    """``dx.gather`` with indices typed ``Any`` and ``dx.slice_scatter`` of an ``x`` typed
    ``Any``: a tensor of unknown rank (pyright claimed rank 1, so these unpacks were errors);
    a typed ``x`` or typed indices keep their shape, and an ``Any`` ``src`` keeps ``x``'s."""
    picked = dx.gather(x, 1, a)
    assert_type(picked, DynTensor[OwnedTape])
    _b, _k = picked.shape
    _b, _k = x.gather(1, a).shape
    assert_type(dx.gather(x, 1, i), Tensor[B, L[2], OwnedTape])
    assert_type(dx.gather(c, 1, i), Tensor[B, L[2], Any])
    cache = dx.slice_scatter(c, x, axis=1, start=0, end=4)
    assert_type(cache, DynTensor[Any])
    _b, _t = cache.shape
    _b, _f = dx.slice_scatter(x, s, axis=1, start=0, end=2).shape


gate: ChannelGate[L[3]] = ChannelGate(3)
images: Tensor[L[2], L[3], L[4], L[4], NoneTape] = dx.tensor(
    np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32)
)
y = gate(images)
assert y.shape == (2, 3, 4, 4)
any_first(images.reshape(2, 3, 4, 4), images)
values = dx.tensor(np.arange(8.0, dtype=np.float32).reshape(2, 4)).trace()
taken = dx.tensor(np.array([[0, 3], [1, 1]]))
any_indices(taken.reshape(2, 2), dx.zeros(2, 6).reshape(2, 6), dx.ones(2, 2), values, taken)
